"""The classic mistakes of backpropagation, as named options a teacher turns on on purpose.

Each is a way training goes wrong that learners (and some published worked
examples) make. Turned on, the scheduler makes the mistake, marks every step it
touches, ``explain()`` and the lesson page say so, and ``gradcheck`` run with
the same option fails with a message that names it.

- ``update="sequential"``: each link updates as soon as it has learned, and its
  blame goes back through the already-updated weight. Mazur's "A Step by Step
  Backpropagation Example" prints E = 0.291027924 after one update, which is
  what this gives; the standard algorithm gives 0.291027774.
- ``mistake="forgotten_slope"``: the activation derivative ∂out/∂net is left out
  of every sensitivity (sensitivity = error).
- ``mistake="stale_gradient"``: the gradient is not reset after an update, so
  each batch's update also carries every earlier batch's gradient.

>>> MISTAKES["forgotten_slope"].split(":")[0]
'the activation derivative is forgotten'
"""

from __future__ import annotations

MISTAKES: dict[str, str] = {
    "sequential": (
        "each link is updated as soon as it has learned: the blame goes back through the "
        "new weight, not the one the forward pass used"
    ),
    "forgotten_slope": (
        "the activation derivative is forgotten: sensitivity = error, without ∂out/∂net"
    ),
    "stale_gradient": (
        "the gradient is not reset after an update: each update also carries the "
        "earlier batches' gradients"
    ),
}


def label(name: str) -> str:
    """How the option is written: ``update='sequential'`` or ``mistake='forgotten_slope'``."""
    return "update='sequential'" if name == "sequential" else f"mistake={name!r}"


def warning(name: str) -> str:
    """One sentence that marks a step or an explanation as a deliberate mistake."""
    return f"⚠ deliberate mistake ({label(name)}): {MISTAKES[name]}"
