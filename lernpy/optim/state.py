"""State: the numbers an optimizer keeps for one weight between its updates.

A weight's state belongs to the weight (to its Link, or to the shared weight
that moves several links): velocity, moments, step count. It is immutable: an
update returns a new State, so a step can be undone by putting the old one back.

``kind`` names the optimizer whose numbers these are; an optimizer of another
kind starts from a fresh state, as a new ``torch.optim`` optimizer would.

>>> State("adam", t=2, m=0.1, v=0.01)
State(adam, t=2, m=0.1, v=0.01, v_max=0.0)
>>> FRESH.fresh
True
"""

from __future__ import annotations

from typing import NamedTuple

# The numbers each kind of state uses, in the order tables and files show them.
FIELDS: dict[str, tuple[str, ...]] = {
    "sgd": ("velocity",),
    "sgd-textbook": ("velocity",),
    "adagrad": ("t", "sum"),
    "rmsprop": ("t", "square", "grad_avg", "velocity"),
    "adam": ("t", "m", "v", "v_max"),
}

# What each number is, in words and as the symbol the formulas use.
MEANING: dict[str, tuple[str, str]] = {
    "t": ("step count", "t"),
    "velocity": ("velocity", "b"),
    "sum": ("sum of squares", "sum"),
    "square": ("square average", "v"),
    "grad_avg": ("gradient average", "g_ave"),
    "m": ("first moment", "m"),
    "v": ("second moment", "v"),
    "v_max": ("largest second moment", "v_max"),
}


class State(NamedTuple):
    """One weight's optimizer numbers; unused ones stay 0.

    A named tuple: immutable, and cheap to make once per update in training's loop.

    - ``t``: how many updates this state has seen (Adam's bias correction, AdaGrad's decay)
    - ``velocity``: SGD's momentum buffer b (PyTorch's form) or last change Δw
      (the textbook form); RMSProp's momentum buffer
    - ``sum``: AdaGrad's running sum of squared gradients
    - ``square``, ``grad_avg``: RMSProp's average of g² and (centred) of g
    - ``m``, ``v``, ``v_max``: Adam's first and second moments and AMSGrad's largest v
    """

    kind: str = ""
    t: int = 0
    velocity: float = 0.0
    sum: float = 0.0
    square: float = 0.0
    grad_avg: float = 0.0
    m: float = 0.0
    v: float = 0.0
    v_max: float = 0.0

    @property
    def fresh(self) -> bool:
        """No optimizer has kept anything yet."""
        return self.kind == ""

    def numbers(self) -> dict[str, float]:
        """The numbers this kind uses, by name (none for a fresh state)."""
        return {name: getattr(self, name) for name in FIELDS.get(self.kind, ())}

    def to_dict(self) -> dict[str, object]:
        """The state as plain values, for files (only the numbers its kind uses)."""
        return {"kind": self.kind, **self.numbers()}

    def all(self) -> dict[str, object]:
        """Every field by name."""
        return self._asdict()

    def __repr__(self) -> str:
        if self.fresh:
            return "State(fresh)"
        numbers = ", ".join(f"{k}={v!r}" for k, v in self.numbers().items())
        return f"State({self.kind}, {numbers})"


FRESH = State()
