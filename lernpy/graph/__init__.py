"""The graph: neurons and links, objects that own their numbers, and the network that wires them.

Imports nothing above it: the walk, training, data and views build on this.
"""
