"""Training on top of the scheduler: epochs, a loss history, stopping, callbacks.

There is no second implementation of the maths here: ``train`` runs the same
:class:`~lernpy.walk.scheduler.Scheduler` a learner steps through by hand.

>>> from lernpy import Network, datasets
>>> net = Network.layered(2, 3, 1, activation="sigmoid", seed=3)
>>> history = net.train(datasets.xor(), epochs=3000, rate=2.0)
>>> history.loss[-1] < 0.01, [round(v) for x, _ in datasets.xor() for v in net(x)]
(True, [0, 1, 1, 0])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from lernpy.errors import LernpyError, NumericError
from lernpy.graph.network import Network
from lernpy.hooks import Shows
from lernpy.walk.trace import Trace


@dataclass
class History(Shows):
    """What training did: the mean sample loss of each epoch, and why it stopped."""

    loss: list[float] = field(default_factory=list)
    stopped: str = ""
    engine: str = "reference"
    options: dict[str, object] = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __len__(self) -> int:
        return len(self.loss)

    def __getitem__(self, index: int) -> float:
        return self.loss[index]

    def __repr__(self) -> str:
        last = f", last loss {self.loss[-1]:.6g}" if self.loss else ""
        stopped = self.stopped or "running"
        return f"History({self.epochs} epochs{last}, {stopped}, engine={self.engine})"


@dataclass
class EpochReport:
    """What a callback receives after each epoch. Return True from the callback to stop."""

    epoch: int  # counting from 1
    loss: float
    network: Network
    history: History


def end_epoch(
    history: History,
    net: Network,
    loss: float,
    target_loss: float | None,
    callback: Callable[[EpochReport], bool | None] | None,
    before_callback: Callable[[], object] | None = None,
) -> bool:
    """Record a finished epoch's loss; True when training stops (target loss or callback).

    Every engine ends an epoch here, so they stop alike and say so alike.
    ``before_callback`` lets a fast engine write its numbers back first.
    """
    history.loss.append(loss)
    epoch = len(history.loss)
    if target_loss is not None and loss <= target_loss:
        history.stopped = f"reached target loss {target_loss} after {epoch} epochs"
        return True
    if callback is not None:
        if before_callback is not None:
            before_callback()
        if callback(EpochReport(epoch, loss, net, history)):
            history.stopped = f"stopped by the callback after {epoch} epochs"
            return True
    return False


def train(
    net: Network,
    data: object,
    epochs: int = 1,
    *,
    rate: float = 0.5,
    momentum: float = 0.0,
    batch_size: int | str | None = 1,
    reduce: str = "mean",
    update: str = "deferred",
    shuffle: bool = True,
    target_loss: float | None = None,
    callback: Callable[[EpochReport], bool | None] | None = None,
    trace: bool | Trace | None = None,
    engine: str = "auto",
) -> History:
    """Train ``net`` on ``data`` for up to ``epochs`` epochs; return the :class:`History`.

    Stops early when an epoch's mean loss is at most ``target_loss``, or when
    ``callback(report)`` returns True. If a value turns NaN or infinite, a
    :class:`~lernpy.errors.NumericError` names the neuron or link and the
    sample; the network keeps the weights it had before that batch, and the
    error's ``history`` holds the epochs that finished.

    ``engine``: "auto" picks the fastest suitable engine (see :mod:`lernpy.engines`),
    "reference" runs the stepping scheduler below, "compiled" or "numpy" names one.
    A ``trace`` needs the reference: "auto" then picks it.
    """
    if target_loss is not None and (
        not isinstance(target_loss, (int, float)) or math.isnan(target_loss)
    ):
        raise LernpyError(f"target_loss is {target_loss!r}: expected a number or None")
    if callback is not None and not callable(callback):  # before any epoch changes the net
        raise LernpyError(f"callback is {callback!r}: expected a function or None")
    options = dict(rate=rate, momentum=momentum, batch_size=batch_size, reduce=reduce)
    options.update(update=update, shuffle=shuffle)
    if engine != "reference":
        from lernpy.engines import train as train_fast

        fast = train_fast(
            net, data, epochs, engine=engine, trace=trace, target_loss=target_loss,
            callback=callback, **options,
        )  # fmt: skip
        if fast is not None:  # None: the reference below is the right engine
            return fast
    run = net.scheduler(data, epochs=epochs, trace=trace, history="batch", **options)
    run._fast = True  # whole epochs in the scheduler's fast lane: same numbers, same trace
    history = History(options={**options, "epochs": epochs})
    while not run.finished:
        try:
            step = run.step("epoch")
        except NumericError as error:
            history.stopped = f"numeric error: {error}"
            error.history = history  # type: ignore[attr-defined]
            raise
        if end_epoch(history, net, step.loss, target_loss, callback):
            break
    else:
        history.stopped = f"ran {epochs} epochs"
    return history
