"""The walk: training as a stream of steps (the reference), its trace, and gradient checks.

Depends on the graph only.
"""
