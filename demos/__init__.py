"""The demos: short readable scripts, each with its checked output beside it (NAME.out).

Run one with ``lernpy demo NAME`` or ``python demos/NAME.py``.
"""
