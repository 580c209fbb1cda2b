"""Fast engines that train the same Neuron and Link objects as the reference scheduler.

- ``"reference"``: the stepping :class:`~lernpy.walk.scheduler.Scheduler`, every step recorded.
- ``"compiled"``: Python source generated from the graph once per topology (pure Python).
- ``"numpy"``: layered weight matrices in numpy (needs the ``fast`` extra).

``train(net, data, engine="auto")`` picks the fastest suitable one and says which
in ``History.engine``. Every engine agrees with the reference to within 1e-12,
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

import copy
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from lernpy.engines import compiled
from lernpy.engines.base import Checkpoint, Options, half_done, write_back
from lernpy.errors import LernpyError, NumericError, UnknownNameError
from lernpy.graph.network import Network
from lernpy.training.loop import EpochReport, History, end_epoch
from lernpy.walk.scheduler import Scheduler, check_options
from lernpy.walk.trace import Trace

ENGINES = ("auto", "reference", "compiled", "numpy")


def _numpy_engine():
    """The numpy engine module, or None when numpy is not installed."""
    try:
        from lernpy.engines import numpy_engine
    except ImportError:
        return None
    return numpy_engine


def _module(name: str):
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
    if half_done(net):
        reason = "a batch is half done (links hold gradients): only the reference can finish it"
        if engine != "auto":
            raise LernpyError(f"engine={engine!r}: {reason}")
        return "reference", reason
    if engine != "auto":
        reason = _module(engine).why_not(net, options)
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


@dataclass(repr=False)
class EngineHistory(History):
    """A :class:`History` with a checkpoint per epoch, to replay any update."""

    checkpoints: list[Checkpoint] = field(default_factory=list)
    network: Network | None = None
    samples: list = field(default_factory=list)
    version: int = 0

    def replay(self, epoch: int, sample: int, trace: bool | Trace = True) -> Scheduler:
        """A reference scheduler on a copy of the network, about to present ``sample``.

        ``epoch`` counts from 0 and ``sample`` is the index in the data set, as
        in step records. The copy holds the weights the engine had at that
        moment; stepping on walks the same update the engine made, with every
        number recorded (and ``back()`` works within the batch).
        """
        if self.network is None or not 0 <= epoch < len(self.checkpoints):
            raise LernpyError(f"epoch {epoch}: expected 0 to {len(self.checkpoints) - 1}")
        if not 0 <= sample < len(self.samples):
            raise LernpyError(f"sample {sample}: expected 0 to {len(self.samples) - 1}")
        if self.network.version != self.version:
            raise LernpyError("the network's links changed since training: cannot replay")
        point = self.checkpoints[epoch]
        net = copy.deepcopy(self.network, memo={id(self.network.trace): None})
        restore(net, point)
        opts = {k: self.options[k] for k in ("rate", "momentum", "batch_size", "reduce", "shuffle")}
        run = Scheduler(net, self.samples, epochs=epoch + 1, trace=trace, history="batch", **opts)
        # Start at this epoch with the sample order the engine started it with.
        run._order = list(point.order)
        run._seek((epoch, 0, 0, 0))
        order = list(point.order)
        if opts["shuffle"]:
            rng = random.Random()
            rng.setstate(point.rng)
            rng.shuffle(order)
        kept, run.trace = run.trace, None  # record only from the replayed sample on
        for _ in range(order.index(sample)):
            run.step("sample")
        run.trace = kept
        net.trace = kept
        run.history = "all"
        return run


def restore(net: Network, point: Checkpoint) -> None:
    """Put a checkpoint's weights, velocities and generator state into ``net``."""
    weights, velocities = point.weights, point.velocities
    if hasattr(weights, "tolist"):  # numpy arrays: back to Python floats
        weights = weights.tolist()
    if velocities is None:  # no momentum: velocities play no part in the steps
        velocities = [link.velocity for link in net.links]
    elif hasattr(velocities, "tolist"):
        velocities = velocities.tolist()
    for link, w, u in zip(net.links, weights, velocities):
        link.weight, link.velocity = w, u
        if not link.frozen:
            link.gradient = 0.0
    net.rng.setstate(point.rng)


def train(
    net: Network,
    data: object,
    epochs: int = 1,
    *,
    engine: str = "auto",
    rate: float = 0.5,
    momentum: float = 0.0,
    batch_size: int | str | None = 1,
    reduce: str = "mean",
    update: str = "deferred",
    shuffle: bool = True,
    target_loss: float | None = None,
    callback: Callable[[EpochReport], bool | None] | None = None,
    trace: bool | Trace | None = None,
) -> History | None:
    """Train with a fast engine; None when the reference should run instead.

    Options mean what they mean to the scheduler (``update="immediate"`` gives
    the same numbers as "deferred" for one sample per batch, the only case it
    allows). On a NaN or infinity the failing epoch is rerun by the reference
    scheduler from its checkpoint, so the error names the same neuron or link.
    """
    if engine not in ENGINES:
        raise UnknownNameError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    options = dict(rate=rate, momentum=momentum, batch_size=batch_size, reduce=reduce)
    options.update(update=update, shuffle=shuffle)
    net.check_ready()
    samples = net.check_data(data)
    rate_, momentum_, batch = check_options(
        rate, momentum, batch_size, reduce, update, epochs, len(samples)
    )
    if trace is not None and trace is not False:  # (an empty Trace is falsy: len 0)
        if engine not in ("auto", "reference"):
            raise LernpyError(
                f"engine={engine!r} records no steps: train with engine='reference' to trace"
            )
        return None
    opts = Options(rate_, momentum_, batch, reduce, bool(shuffle))
    name, _why = choose(net, opts, engine)
    if name == "reference":
        return None
    module = _module(name)
    session = module.Session(net, samples, opts)
    history = EngineHistory(
        options={**options, "epochs": epochs}, engine=name, network=net, samples=samples,
        version=net.version,
    )  # fmt: skip
    order = list(range(len(samples)))
    e = 0
    while e < epochs:
        if callback is None and target_loss is None and hasattr(session, "epochs"):
            # nothing to do between epochs: let the engine run them all in one call
            points, sums, failed, after = session.epochs(e, order, epochs - e, bool(shuffle))
            ok = len(points) if failed is None else failed
            history.checkpoints += points[:ok]
            history.loss += [total / len(samples) for total in sums[:ok]]
            e += ok
            if failed is None:
                order = after
                continue
            point = points[failed]
        else:
            point = session.checkpoint(e, order, net.rng.getstate())
            if shuffle:
                order = order[:]
                net.rng.shuffle(order)
            try:
                loss_sum = session.epoch(order)
                ok = math.isfinite(loss_sum) and session.finite()
            except (OverflowError, ZeroDivisionError, ValueError):
                ok = False
            if ok:
                history.checkpoints.append(point)
                e += 1
                loss = loss_sum / len(samples)
                if end_epoch(history, net, loss, target_loss, callback, session.write_back):
                    break
                if callback is not None:
                    session = _resume(module, net, samples, opts, history)
                continue
        # A NaN or an infinity: the reference runs this epoch from its checkpoint and
        # names the culprit (or, if the engine's alarm was an overflow of its check, just
        # runs the epoch); the engine then carries on from the reference's state.
        history.checkpoints.append(point)
        restore(net, point)
        rerun = Scheduler(net, samples, epochs=e + 1, trace=None, history="batch", **options)
        rerun._order = list(point.order)
        rerun._seek((e, 0, 0, 0))  # at epoch e, so that an error names the same epoch
        try:
            loss = rerun.step("epoch").loss
        except NumericError as error:
            history.stopped = f"numeric error: {error}"
            error.history = history  # type: ignore[attr-defined]
            raise
        order = rerun._order
        session = module.Session(net, samples, opts)
        e += 1
        if end_epoch(history, net, loss, target_loss, callback, session.write_back):
            break
        if callback is not None:
            session = _resume(module, net, samples, opts, history)
    else:
        history.stopped = f"ran {epochs} epochs"
    session.write_back()
    return history


def _resume(module, net: Network, samples: list, options: Options, history: EngineHistory):
    """A session that starts from the network as the callback left it, as the reference does.

    A callback may set weights or freeze links between epochs; the reference's next
    epoch uses them, so the engine takes them up too (its own copies are stale).
    """
    if net.version != history.version:  # the reference's scheduler refuses to go on
        raise LernpyError(
            "the network's links changed since this scheduler was made: make a new one"
        )
    return module.Session(net, samples, options)


__all__ = ["ENGINES", "EngineHistory", "choose", "restore", "train", "write_back"]
