"""Exercises: backprop problems from a seed, sheets and keys, a checker, an auditor.

>>> from lernpy import exercises
>>> ex = exercises.problem(7)
>>> ex.check("dE/dw8", ex.answer("dE/dw8")).right
True
"""

from lernpy.exercises.audit import Audit, audit, read_table
from lernpy.exercises.check import Verdict, check
from lernpy.exercises.mistakes import SLIPS, Slip
from lernpy.exercises.problem import Problem, mazur, problem

__all__ = [
    "SLIPS",
    "Audit",
    "Problem",
    "Slip",
    "Verdict",
    "audit",
    "check",
    "mazur",
    "problem",
    "read_table",
]
