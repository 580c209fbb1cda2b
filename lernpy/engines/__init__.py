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

import math
import time

from lernpy.engines import compiled
from lernpy.engines.base import Checkpoint, Options, config, half_done
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


def choose(
    net: Network,
    options: Options,
    engine: str = "auto",
    samples: list | None = None,
    conf: tuple | None = None,
) -> tuple[str, str]:
    """The engine to run (``"reference"`` if no fast one fits) and why.

    "auto" weighs the engines that fit by their cost models; when neither is
    clearly cheaper (within a factor of :data:`CLOSE`), it times both on the first
    samples of ``samples`` and takes the faster. The choice is kept per network,
    topology and options. ``conf``: ``config(net)`` if the caller has it already.
    """
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
    key = (conf or config(net), options.momentum != 0.0, options.batch_size, options.reduce)
    chosen = net.cache.get("engine")
    if chosen is None or chosen[0] != key:  # (kept for the last topology and options)
        chosen = net.cache["engine"] = (key, _auto(net, options, samples))
    return chosen[1]


CLOSE = 3.0  # cost estimates closer than this: time the engines instead


def _auto(net: Network, options: Options, samples: list | None) -> tuple[str, str]:
    numpy_engine = _numpy_engine()
    candidates = []
    if numpy_engine is not None and numpy_engine.why_not(net, options) is None:
        candidates.append(("numpy", numpy_engine.cost(net, options)))
    if compiled.why_not(net, options) is None:
        candidates.append(("compiled", compiled.cost(net, options)))
    if not candidates:
        return "reference", "no fast engine fits this network"
    candidates.sort(key=lambda c: c[1])
    if len(candidates) == 1 or candidates[1][1] > CLOSE * candidates[0][1] or not samples:
        return candidates[0][0], "fastest suitable (estimated)"
    return _timed([name for name, _cost in candidates], net, options, samples), "fastest (timed)"


def _timed(names: list[str], net: Network, options: Options, samples: list) -> str:
    """The engine that trains the first samples fastest (on copies: the network is untouched)."""
    part = samples[: max(min(len(samples), 64), 1)]
    order = list(range(len(part)))
    best: dict[str, float] = {}
    for name in names:
        trial = module(name).Session(net, part, options)
        for _ in range(3):  # the first run warms up (compiles, allocates)
            start = time.perf_counter()
            trial.epoch(order, options.rate)
            took = time.perf_counter() - start
            best[name] = min(best.get(name, math.inf), took)
    return min(names, key=lambda name: best[name])


def session(net: Network, samples: list, options: Options, name: str, conf: tuple | None = None):
    """The engine ``name``'s session for ``net``: kept from the last call if it still fits.

    A session holds what an engine builds once (compiled code, weight matrices,
    the data as arrays, buffers). It is kept while the topology, the frozen links,
    the activations, the data and the options (the rate aside) stay the same; a
    kept session takes up the weights and velocities the network holds (a user or
    a callback may have set some) before it trains on. ``conf``: ``config(net)`` if
    the caller has it already (computed in this same call: nothing changed since).
    """
    kept = net.cache.get("session")
    if kept is not None and kept.name == name:
        # the very options object and data it last fitted, and the same config: it fits
        # again (train() keeps a call's options object for the next call with the same ones)
        last_conf, last_options = kept.fitted
        same = options is last_options and samples is kept.samples
        if (same and conf is not None and conf == last_conf) or kept.fits(
            net, samples, options, conf
        ):
            kept.fitted = (conf, options)
            kept.sync()
            return kept
    fresh = module(name).Session(net, samples, options)
    fresh.fitted = (conf, options)
    net.cache["session"] = fresh
    return fresh


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
    if point.rng is not None:
        net.rng.setstate(point.rng)


def states(net: Network) -> tuple:
    """Every link's optimizer state as it stands, and the numbers an engine left pending
    (which may hold newer states): read without writing anything, so it costs one pass."""
    return [link._state for link in net.links], net.pending


def put_back_states(net: Network, kept: tuple) -> None:
    """Put back what :func:`states` read (numbers pending since then are dropped)."""
    saved, pending = kept
    for link, state in zip(net.links, saved):
        link._state = state
    net.pending = pending


__all__ = ["ENGINES", "choose", "module", "put_back_states", "restore", "session", "states"]
