"""Optimizers: how a weight moves, given its gradient and the state it keeps.

``SGD`` (momentum in two named forms, Nesterov, dampening), ``AdaGrad``,
``RMSProp`` (momentum, centred), ``Adam`` (AMSGrad) and ``AdamW``, with
PyTorch's formulas and defaults; weight decay (coupled or decoupled) and
gradient clipping (by global norm, by value). Each update is a pure function of
(state, gradient, weight, rate) that returns the new weight and the new state,
so a Link, or any other owner of a weight, calls the same code. See
``docs/optimizers.md``.

>>> from lernpy.optim import Adam, FRESH
>>> move = Adam(rate=0.01).update(FRESH, 0.5, weight=0.4)
>>> round(move.weight, 9), move.state.t
(0.39, 1)
"""

from lernpy.optim.formula import Line, Pow, Sqrt, Var
from lernpy.optim.optimizers import (
    OPTIMIZERS,
    SGD,
    AdaGrad,
    Adam,
    AdamW,
    Move,
    Optimizer,
    RMSProp,
    choose,
    from_dict,
    global_norm,
    optimizer,
)
from lernpy.optim.state import FIELDS, FRESH, State

__all__ = [
    "FIELDS",
    "FRESH",
    "OPTIMIZERS",
    "SGD",
    "AdaGrad",
    "Adam",
    "AdamW",
    "Line",
    "Move",
    "Optimizer",
    "Pow",
    "RMSProp",
    "Sqrt",
    "State",
    "Var",
    "choose",
    "from_dict",
    "global_norm",
    "optimizer",
]
