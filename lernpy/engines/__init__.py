"""Fast engines that train the same Neuron and Link objects as the reference scheduler.

- ``"reference"``: the stepping :class:`~lernpy.walk.scheduler.Scheduler`, every step recorded.
- ``"compiled"``: Python source generated from the graph once per topology (pure Python).
- ``"numpy"``: layered weight matrices in numpy (needs the ``fast`` extra).

An engine is a ``Session`` over a network and its samples that runs epochs on
flat copies of the weights and writes every number back; it knows the graph and
the walk's plan, not training. ``train(net, data, engine="auto")``
(:mod:`lernpy.training.loop`) asks :func:`choose` for the fastest suitable one
and says which in ``History.engine``. The compiled engine agrees with the reference to the
last bit; the numpy engine adds in another order, so its numbers differ in the last bits
(within 1e-12 over a few epochs; training amplifies rounding, so a long or unsteady run
drifts as far as a one-ulp nudge of the starting weights moves the reference itself). Each
leaves every neuron and link holding the numbers the reference would have left,
and keeps a checkpoint per epoch so that ``history.replay(epoch, sample)`` walks
any update step by step through the reference scheduler.

>>> from lernpy import Network, datasets
>>> net = Network.layered(2, 2, 1, seed=1)
>>> history = net.train(datasets.xor(), epochs=5, rate=0.5)
>>> history.engine
'compiled'
>>> run = history.replay(epoch=4, sample=3)
>>> run.peek().kind, run.peek().sample
('Presented', 3)
"""

from __future__ import annotations

from lernpy.engines import compiled
from lernpy.engines.base import Checkpoint, Options, half_done, write_back
from lernpy.errors import LernpyError, UnknownNameError
from lernpy.graph.network import Network
from lernpy.optim import State

ENGINES = ("auto", "reference", "compiled", "numpy")


def _numpy_engine():
    """The numpy engine module, or None when numpy is not installed."""
    try:
        from lernpy.engines import numpy_engine
    except ImportError:
        return None
    return numpy_engine


def module(name: str):
    """The module of the fast engine ``name`` ("compiled" or "numpy")."""
    if name == "compiled":
        return compiled
    module = _numpy_engine()
    if module is None:
        raise LernpyError(
            "engine='numpy' needs numpy: pip install 'lernpy[fast]' (or use engine='compiled')"
        )
    return module


def choose(net: Network, options: Options, engine: str = "auto") -> tuple[str, str]:
    """The engine to run (``"reference"`` if no fast one fits) and why."""
    if engine not in ENGINES:
        raise UnknownNameError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "reference":
        return "reference", "asked for"
    if options.special is not None:
        if engine != "auto":
            raise LernpyError(f"engine={engine!r} cannot train with {options.special}")
        return "reference", options.special
    if half_done(net):
        reason = "a batch is half done (links hold gradients): only the reference can finish it"
        if engine != "auto":
            raise LernpyError(f"engine={engine!r}: {reason}")
        return "reference", reason
    if engine != "auto":
        reason = module(engine).why_not(net, options)
        if reason is not None:
            raise LernpyError(f"engine={engine!r} cannot train this network: {reason}")
        return engine, "asked for"
    numpy_engine = _numpy_engine()
    candidates = []
    if numpy_engine is not None and numpy_engine.why_not(net, options) is None:
        candidates.append(("numpy", numpy_engine.cost(net, options)))
    if compiled.why_not(net, options) is None:
        candidates.append(("compiled", compiled.cost(net, options)))
    if not candidates:
        return "reference", "no fast engine fits this network"
    name = min(candidates, key=lambda c: c[1])[0]
    return name, "fastest suitable"


def restore(net: Network, point: Checkpoint) -> None:
    """Put a checkpoint's weights, momentum states and generator state into ``net``."""
    weights, velocities = point.weights, point.velocities
    if hasattr(weights, "tolist"):  # numpy arrays: back to Python floats
        weights = weights.tolist()
    if hasattr(velocities, "tolist"):
        velocities = velocities.tolist()
    for k, (link, w) in enumerate(zip(net.links, weights)):
        link.weight = w
        if not link.frozen:
            link.gradient = 0.0
            if velocities is not None:  # without momentum the states play no part
                link.state = State(point.kind, velocity=velocities[k])
    net.rng.setstate(point.rng)


__all__ = ["ENGINES", "choose", "module", "restore", "write_back"]
