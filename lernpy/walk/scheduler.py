"""The scheduler: training as a stream of steps you can take, inspect and undo.

One sample is a fixed walk (DESIGN.md, "The scheduler"):

- forward: the sample is presented; each link delivers its value; each neuron fires
- loss: the sample's loss and the output errors
- backward: each neuron's sensitivity; each of its incoming links' sensitivity and blame
- update: each link's weight changes (after the batch's last sample, or at once)

Every step changes the network first and is then returned as a frozen record
of what changed. ``back()`` undoes the last step bit for bit.

>>> from lernpy import examples
>>> net = examples.mazur()
>>> run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
>>> run.step("neuron")
Fired(h1, net=0.3775, value=0.593269992)
>>> run.run(until="update")[-1]
Learned(b1→h2, sensitivity=0.009954255, blame=0.003483989)
>>> run.step()
Updated(i1→h1 (w1), old=0.15, gradient=0.000438568, new=0.149780716)
>>> run.back()
Updated(i1→h1 (w1), old=0.15, gradient=0.000438568, new=0.149780716)
>>> net["w1"].weight
0.15
"""

from __future__ import annotations

import math
import numbers
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from lernpy import checks, hooks
from lernpy.errors import CallbackError, Finished, LernpyError, NumericError, UnknownNameError
from lernpy.graph.link import Link
from lernpy.graph.network import Network
from lernpy.graph.samples import check_data
from lernpy.graph.shared import SharedWeight
from lernpy.hooks import Shows
from lernpy.numbers import num
from lernpy.optim import SGD, Optimizer, choose, global_norm
from lernpy.walk import fastlane
from lernpy.walk.fastlane import momentum_term
from lernpy.walk.mistakes import MISTAKES
from lernpy.walk.plan import DELIVER, END, FIRE, KIND, LEARN, PRESENT, SCORE, SENSE, UPDATE, plan
from lernpy.walk.steps import (
    Delivered,
    EpochEnded,
    Fired,
    Learned,
    Planned,
    Presented,
    Scored,
    Sensed,
    Step,
    Updated,
)
from lernpy.walk.trace import Trace

if TYPE_CHECKING:
    from lernpy.pictures.lesson import Lesson
    from lernpy.views.tables import Grid

PHASES = ("forward", "loss", "backward", "update", "epoch")
HISTORIES = ("recent", "all", "batch")
# What a scheduler keeps by default, so that a long run's memory stays bounded: the
# trace's last TRACE_STEPS steps and, for back(), the last UNDO_STEPS (about 24 MB
# together at most); trace=Trace() and history="all" keep every step.
TRACE_STEPS = 50_000
UNDO_STEPS = 50_000
UPDATES = ("deferred", "immediate", "sequential")
GRAINS = ("step", "link", "neuron", "layer", "phase", "sample", "batch", "epoch")


def check_options(
    optimizer: Optimizer,
    rate: object,
    batch_size: object,
    reduce: object,
    update: object,
    epochs: object,
    samples: int,
    mistake: object = None,
) -> tuple[float, int]:
    """Check training options; return the rate and the batch size (≤ ``samples``).

    One check for the scheduler and the engines (which cannot afford to build a
    Scheduler just to check its options), so both give the same errors.
    """
    rate = checks.number(rate, "rate", low=0.0)  # numpy numbers too
    if batch_size is None or (isinstance(batch_size, str) and batch_size == "all"):
        batch_size = samples
    if not checks.integral(batch_size) or not (batch_size >= 1):
        raise LernpyError(
            f"batch_size is {checks.short(batch_size)}: expected a whole number ≥ 1, None or 'all'"
        )
    batch_size = int(batch_size)
    reduce = checks.choice(reduce, "reduce", ("mean", "sum"))
    if not isinstance(update, str) or update not in UPDATES:
        raise UnknownNameError(
            f"update is {checks.short(update)}: "
            "expected 'deferred', 'immediate' or 'sequential' (a mistake)"
        )
    if update != "deferred" and batch_size != 1:
        raise LernpyError(
            f"update={update!r} needs batch_size=1 (got {batch_size}): a batch's weights "
            "change only once all its samples are seen"
        )
    if update != "deferred" and optimizer.clip_norm is not None:
        raise LernpyError(
            f"clip_norm needs update='deferred' (got {update!r}): the global norm is known only "
            "once every gradient of the update is"
        )
    if mistake is not None and (
        not isinstance(mistake, str) or mistake not in MISTAKES or mistake == "sequential"
    ):
        others = ", ".join(repr(m) for m in MISTAKES if m != "sequential")
        raise UnknownNameError(
            f"mistake is {checks.short(mistake)}: expected None or one of {others} "
            "(the sequential update is update='sequential')"
        )
    if not checks.integral(epochs) or not epochs >= 1:
        raise LernpyError(f"epochs is {checks.short(epochs)}: expected a whole number ≥ 1")
    return rate, min(batch_size, samples)


CHECKED_AHEAD = 100_000  # a schedule's rates are all checked up front for this many epochs


class Rates:
    """Each epoch's rate: one number for every epoch, or a schedule's (a function of the
    epoch, counting from 0), never a list as long as the epochs (a run may ask for 2**70
    and stop after one). ``rates[e]``, ``rates[e:]`` (the rest: the same numbers),
    iteration; ``from_epoch(e, rate)``: ``rate`` from epoch ``e`` on (``Scheduler.set``).

    >>> rates = Rates(0.5, 3)
    >>> list(rates), list(rates.from_epoch(1, 0.25)), list(rates[1:])
    ([0.5, 0.5, 0.5], [0.5, 0.25, 0.25], [0.5, 0.5])
    """

    __slots__ = ("rule", "count", "offset", "switch", "_known")

    def __init__(
        self,
        rule: float | Callable[[int], object],
        count: int,
        offset: int = 0,
        switch: tuple[int, float] | None = None,
        known: dict[int, float] | None = None,
    ) -> None:
        self.rule = rule  # a number, or a schedule
        self.count = count
        self.offset = offset  # the epoch of rates[0]
        self.switch = switch  # (epoch, rate): the rate from that epoch on, set by hand
        self._known = {} if known is None else known  # a schedule's rates worked out

    def rate(self, epoch: int) -> float:
        """The rate of ``epoch`` (counting from the run's first)."""
        if self.switch is not None and epoch >= self.switch[0]:
            return self.switch[1]
        rule = self.rule
        if not callable(rule):
            return rule
        found = self._known.get(epoch)
        if found is None:
            found = self._known[epoch] = _scheduled_rate(rule, epoch)
        return found

    def __getitem__(self, index: int | slice):
        if isinstance(index, slice):  # (the rest, from an epoch on)
            start = min(index.start or 0, self.count)
            return Rates(self.rule, self.count - start, self.offset + start, self.switch,
                         self._known)  # fmt: skip
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(f"epoch {index} of {self.count}")
        return self.rate(self.offset + index)

    def __iter__(self) -> Iterator[float]:
        for epoch in range(self.offset, self.offset + self.count):
            yield self.rate(epoch)

    def __bool__(self) -> bool:
        return self.count > 0

    def from_epoch(self, epoch: int, rate: float) -> Rates:
        """These rates, with ``rate`` from ``epoch`` (of the run) on."""
        return Rates(self.rule, self.count, self.offset, (epoch, rate), self._known)

    def resized(self, count: int) -> Rates:
        """As many epochs as ``count`` (a schedule goes on; a number stays)."""
        return Rates(self.rule, count, self.offset, self.switch, self._known)


def _scheduled_rate(schedule: Callable[[int], object], epoch: int) -> float:
    rate = checks.call(schedule, "the rate schedule", epoch)
    return checks.number(rate, f"rate of epoch {epoch} (from {checks.short(schedule)})", low=0.0)


def scheduled(rate: object, epochs: int) -> Rates | None:
    """Each epoch's rate from a schedule (a function of the epoch, counting from 0), checked
    (all of them up front, for up to CHECKED_AHEAD epochs; past that each when its epoch
    comes, and the last one up front); None when ``rate`` is a number (or None)."""
    if rate is None or type(rate) is float or isinstance(rate, numbers.Real) or not callable(rate):
        return None
    if not checks.integral(epochs) or epochs < 1:
        return None  # (check_options names the bad epochs)
    rates = Rates(rate, int(epochs))
    for e in range(min(rates.count, CHECKED_AHEAD)):
        rates[e]
    rates[-1]
    return rates


def blame_through(obj: Link | SharedWeight, new: float) -> None:
    """The "sequential" mistake: each link's blame recomputed with the weight just updated."""
    for link in obj.links if isinstance(obj, SharedWeight) else [obj]:
        link.blame = new * link.target.sensitivity


def _first_bad(*values: float) -> float:
    """The first of ``values`` that is NaN or infinite."""
    return next(v for v in values if not math.isfinite(v))


class UndoLog(deque):
    """What ``back()`` can undo, the newest last, and how many steps that is.

    An entry is one step, or an epoch the fast lane took (``fastlane.Unwalked``,
    as many steps as it took); ``steps`` counts them as entries come and go, so
    bounding the log costs nothing per epoch however long it is. With a ``bound``
    the oldest entries go once the log holds more steps than that (the newest
    entry stays, however many steps it is), and ``forgot`` says that some went.
    """

    def __init__(self, entries: Iterable = (), bound: int | None = None) -> None:
        super().__init__(entries)
        self.steps = sum(map(_steps, self))
        self.bound = bound
        self.forgot = False

    def append(self, entry: object) -> None:
        deque.append(self, entry)  # (once a step or an epoch: no super() lookup)
        self.steps += _steps(entry)
        if self.bound is not None:
            while self.steps > self.bound and len(self) > 1:
                self.popleft()
                self.forgot = True

    def pop(self) -> object:
        entry = super().pop()
        self.steps -= _steps(entry)
        return entry

    def popleft(self) -> object:
        entry = super().popleft()
        self.steps -= _steps(entry)
        return entry

    def clear(self) -> None:
        super().clear()
        self.steps = 0

    def __reduce__(self) -> tuple:  # (a copy counts its entries afresh)
        return type(self), (list(self), self.bound), {"forgot": self.forgot}

    def __copy__(self) -> UndoLog:
        copied = type(self)(self, self.bound)
        copied.forgot = self.forgot
        return copied


def _steps(entry: object) -> int:
    return entry.steps if type(entry) is fastlane.Unwalked else 1


class Scheduler(Shows):
    """Steps through training on ``data``: one step, a named grain, or a run.

    Options (all explicit): ``optimizer`` (an :class:`~lernpy.optim.Optimizer`
    or its name; default plain SGD), or the shorthand ``rate`` and ``momentum`` for
    ``SGD(rate, momentum)`` (rate 0.5 when neither is given; a ``rate`` given with an
    optimizer overrides the optimizer's; a ``rate`` that is a function of the epoch,
    such as a :class:`~lernpy.training.schedules.Schedule`, sets each epoch's); ``batch_size`` (1 is
    online, ``None`` or ``"all"`` is the whole data set); ``reduce``
    ("mean" or "sum" of the batch's gradients); ``update`` ("deferred": every
    sensitivity from the old weights, then every update; "immediate": each link
    updates right after it sends its blame back, which needs ``batch_size=1``;
    "sequential": the classic mistake of sending the blame back through the
    updated weight); ``mistake`` (None, "forgotten_slope" or "stale_gradient": see
    :mod:`lernpy.walk.mistakes`);
    ``shuffle`` (each epoch, with the network's seeded generator); ``epochs``;
    ``trace`` (True: a trace of the last :data:`TRACE_STEPS` steps; a
    :class:`~lernpy.walk.trace.Trace` of your own, ``Trace()`` to keep every step; or
    None); ``history`` ("recent", the default: ``back()`` can undo the last
    :data:`UNDO_STEPS` steps; "all": every step; "batch": only within the current
    batch, which is what training uses). By default what a long run keeps is bounded.
    ``show`` (True: print each step as one line as it happens, and each step
    ``back()`` undoes; or a function to call with each step taken).
    """

    def __init__(
        self,
        net: Network,
        data: object,
        *,
        rate: float | Callable[[int], float] | None = None,
        momentum: float | None = None,
        optimizer: Optimizer | str | None = None,
        batch_size: int | str | None = 1,
        reduce: str = "mean",
        update: str = "deferred",
        mistake: str | None = None,
        shuffle: bool = False,
        epochs: int = 1,
        trace: bool | Trace | None = True,
        history: str = "recent",
        show: bool | Callable[[Step], object] = False,
    ) -> None:
        net.check_ready()
        samples = check_data(net, data)
        net.settle()  # every number written, before any step reads or changes one
        rates = scheduled(rate, epochs)
        chosen, rate = choose(optimizer, rates[0] if rates else rate, momentum)
        rate, batch_size = check_options(
            chosen, rate, batch_size, reduce, update, epochs, len(samples), mistake
        )
        history = checks.choice(history, "history", HISTORIES)
        if not (isinstance(show, bool) or callable(show)):
            raise LernpyError(f"show is {checks.short(show)}: expected True, False or a function")
        shuffle = checks.flag(shuffle, "shuffle")
        epochs = int(epochs)  # (checked above: a whole number; numpy's too)

        self.net = net
        self.data = samples
        self._rates = rates if rates else Rates(rate, epochs)  # each epoch's
        self._optimizers: dict[float, Optimizer] = {rate: chosen}  # by rate: each names its
        self.optimizer = chosen
        # plain gradient descent takes the link's own exact w − rate · ∂E/∂w
        self._rule: Optimizer | None = None if chosen.plain else chosen
        self.batch_size = batch_size
        self.reduce = reduce
        self.update = update
        self.mistake = mistake
        self._slope = mistake != "forgotten_slope"
        self._reset = mistake != "stale_gradient"
        self._norm: float | None = None  # the global gradient norm of the batch being updated
        self._norm_batch: tuple[int, int] | None = None
        self.shuffle = shuffle
        self.epochs = epochs
        self.history = history
        self.show = show
        if trace is True:
            trace = Trace(keep=TRACE_STEPS)
        if not (trace is None or trace is False or isinstance(trace, Trace)):
            raise LernpyError(f"trace is {checks.short(trace)}: expected True, a Trace, or None")
        self.trace: Trace | None = trace if isinstance(trace, Trace) else None
        if self.trace is not None:
            net.trace = self.trace
        self.losses: list[float] = []  # mean sample loss of each finished epoch
        self.loss = math.nan  # the last sample's loss

        self._version = net.version
        # the plan is a function of the topology: shared by this network's schedulers
        self._sample_ops, self._update_ops = plan(net, update != "deferred")
        self._batches = -(-len(samples) // self.batch_size)
        self._order = list(range(len(samples)))
        self._loss_sum = 0.0
        self._loss_count = 0
        # what back() can undo: the last UNDO_STEPS steps by default (the oldest go first)
        self._undo = UndoLog(bound=UNDO_STEPS if history == "recent" else None)
        self._seek((0, 0, 0, 0))

    # -- where we are --------------------------------------------------------

    def _walk(self, start: tuple[int, int, int, int]):
        """Every (position, op) from ``start`` on; a position is (epoch, batch, k, i)."""
        e0, b0, k0, i0 = start
        for e in range(e0, self.epochs):
            for b in range(b0, self._batches):
                size = min(self.batch_size, len(self.data) - b * self.batch_size)
                for k in range(k0, size + 1):  # k == size: the batch's update segment
                    ops = self._sample_ops if k < size else self._update_ops
                    for i in range(i0, len(ops)):
                        op = ops[i]
                        if op[0] == UPDATE and op[1].frozen:
                            continue  # frozen links never change: no step
                        yield (e, b, k, i), op
                    i0 = 0
                k0 = 0
            yield (e, self._batches, 0, 0), (END, None, "epoch", 0)
            b0 = 0

    def _seek(self, position: tuple[int, int, int, int]) -> None:
        """Be about to take the step at ``position``."""
        if position[1:] == (0, 0, 0):  # an epoch's start: its first step is known
            self._walker = None  # (made when a step is taken: the fast lane needs none)
            self._next = (position, self._sample_ops[0]) if position[0] < self.epochs else None
            return
        self._walker = self._walk(position)
        self._next = next(self._walker, None)

    def _pull(self) -> None:
        """Move on to the step after ``_next``."""
        if self._walker is None:
            self._walker = self._walk(self._next[0])
            next(self._walker)  # the step we are at
        self._next = next(self._walker, None)

    @property
    def rate(self) -> float:
        """The learning rate of the current epoch (a schedule may change it per epoch)."""
        return self._rates[min(self.epoch, self._rates.count - 1)]

    @rate.setter
    def rate(self, rate: float) -> None:
        """From the current epoch on."""
        self._rates = self._rates.from_epoch(min(self.epoch, self._rates.count - 1), rate)

    def _optimizer(self, rate: float) -> Optimizer:
        """The run's optimizer with ``rate`` (an epoch's): each record names the rate in use."""
        found = self._optimizers.get(rate)
        if found is None:
            found = self._optimizers[rate] = replace(self.optimizer, rate=rate)
        return found

    def again(self, epochs: int, rates: Rates) -> bool:
        """Start over at epoch 0, for ``epochs`` epochs at these rates (checked).

        What train() does with the scheduler of its last call (same network, data and
        options): the state a new scheduler would have, without building one. False,
        and nothing changed, when the network's topology or plan is not what it was.
        """
        net = self.net
        if net.version != self._version or plan(net, self.update != "deferred")[0] is not (
            self._sample_ops
        ):
            return False
        net.settle()
        self.epochs, self._rates = epochs, rates
        self.losses, self.loss = [], math.nan
        self._order = list(range(len(self.data)))
        self._loss_sum, self._loss_count = 0.0, 0
        self._norm, self._norm_batch = None, None
        self._undo.clear()
        self._undo.forgot = False
        if self.trace is not None:
            net.trace = self.trace
        self._seek((0, 0, 0, 0))
        return True

    def _epoch_start(self) -> bool:
        return (
            self._next is not None
            and self._next[0][1:] == (0, 0, 0)
            and self._next[0][0] < self.epochs
        )

    def _sample_at(self, position: tuple[int, int, int, int]) -> int:
        e, b, k, i = position
        if b == self._batches:
            return -1
        start = b * self.batch_size
        size = min(self.batch_size, len(self.data) - start)
        return self._order[start + min(k, size - 1)]

    def start_at(self, epoch: int, order: Iterable[int]) -> None:
        """Begin at the start of ``epoch`` with the samples in ``order`` (before its shuffle).

        What a checkpoint holds: a replay or a rerun of an engine's epoch starts here.
        """
        self._order = list(order)
        self._seek((epoch, 0, 0, 0))

    @property
    def order(self) -> list[int]:
        """The order of the samples in the current epoch (the data set's indices)."""
        return self._order

    @property
    def finished(self) -> bool:
        return self._next is None

    @property
    def momentum(self) -> float:
        """SGD's momentum μ (0 for other optimizers)."""
        return self.optimizer.momentum if isinstance(self.optimizer, SGD) else 0.0

    @property
    def mistakes(self) -> list[str]:
        """The deliberate mistakes this scheduler makes (see :mod:`lernpy.walk.mistakes`)."""
        found = ["sequential"] if self.update == "sequential" else []
        return found + ([self.mistake] if self.mistake else [])

    def clip_norm(self, e: int, b: int, divisor: float) -> float | None:
        """The global norm of the batch's gradients, for an optimizer that clips by norm.

        Taken once per batch, before its first update changes any gradient.
        """
        if self.optimizer.clip_norm is None:
            return None
        if self._norm_batch != (e, b):
            # one gradient per weight: a shared weight's is the sum of its links'
            trainable = (p.gradient / divisor for p in self.net.parameters() if not p.frozen)
            self._norm = global_norm(trainable)
            self._norm_batch = (e, b)
        return self._norm

    @property
    def epoch(self) -> int:
        """The epoch the next step belongs to (``epochs`` once finished)."""
        return self.epochs if self._next is None else self._next[0][0]

    def peek(self) -> Planned | None:
        """What the next step will be, read from the static order (None when finished)."""
        if self._next is None:
            return None
        position, (code, obj, phase, _depth) = self._next[0], self._next[1]
        name = obj.name if obj is not None else ""
        return Planned(KIND[code], name, phase, position[0], self._sample_at(position))

    # -- stepping --------------------------------------------------------------

    def step(self, grain: str | None = None) -> Step | None:
        """Take one step, or every step of the named grain; return the last step taken.

        Grains: "step" (one), "link" (up to the next link step), "neuron" (up to
        the next neuron firing or sensing), "layer" (the rest of this layer in
        this phase), "phase", "sample" (up to the next sample), "batch", "epoch".
        Raises :class:`~lernpy.errors.Finished` when nothing is left. With
        ``show=True`` each step is printed as it happens and nothing is returned
        (a REPL would print the last step a second time).
        """
        if grain is None:
            return self._quiet(self._step())
        if type(grain) is not str or grain != "epoch":  # (an epoch, asked for most: no check)
            grain = checks.choice(grain, "grain", GRAINS)
        if grain == "step":
            return self._quiet(self._step())
        if grain == "epoch" and self._epoch_start() and not self.show:
            record = fastlane.run_epoch(self)  # the whole epoch at once, the same numbers
            if record is not None:
                return record
        if self._next is None:
            raise Finished("the scheduler is finished: every epoch is done")
        first = self._next
        key = (first[1][2], first[1][3])  # (phase, depth)
        last = self._step()
        while self._next is not None:
            code, _obj, phase, depth = self._next[1]
            if grain == "link" and isinstance(last, (Delivered, Learned, Updated)):
                break
            if grain == "neuron" and isinstance(last, (Fired, Sensed)):
                break
            if grain == "layer" and (phase, depth) != key:
                break
            if grain == "phase" and phase != key[0]:
                break
            if grain == "sample" and code == PRESENT:
                break
            if grain == "batch" and code == PRESENT and self._next[0][2] == 0:
                break
            if grain == "epoch" and isinstance(last, EpochEnded):
                break
            last = self._step()
        return self._quiet(last)

    def _epoch_loss(self, start: tuple | None = None) -> float:
        """``step("epoch").loss``, what train() takes: at an epoch's start no record is made
        (``start``: the links' numbers as they are now, if read: see fastlane.run_epoch)."""
        if self._epoch_start() and not self.show:
            loss = fastlane.run_epoch(self, False, start)
            if loss is not None:
                return loss  # type: ignore[return-value]
        return self.step("epoch").loss  # type: ignore[union-attr]

    def _quiet(self, taken: object) -> object:
        """What a step returns: nothing when ``show=True`` has printed it already."""
        return None if self.show is True else taken

    def run(self, until: str | Callable[[Step], bool] | None = None) -> list[Step] | None:
        """Step until the next step is in phase ``until``, or ``until(step)`` is true, or the end.

        A loop over :meth:`step`; returns the steps taken (nothing with ``show=True``).
        """
        if not (until is None or callable(until) or (isinstance(until, str) and until in PHASES)):
            raise UnknownNameError(
                f"run(until={checks.short(until)}): expected a phase ({', '.join(PHASES)}), "
                "a function or None"
            )
        taken: list[Step] = []
        while self._next is not None:
            if isinstance(until, str) and self._next[1][2] == until:
                break
            taken.append(self._step())
            if callable(until) and checks.call(until, "run(until=...)", taken[-1]):
                break
        return self._quiet(taken)

    def _step(self) -> Step:
        if self._next is None:
            raise Finished("the scheduler is finished: every epoch is done")
        if self.net.version != self._version:
            raise LernpyError(
                "the network's links changed since this scheduler was made: make a new one"
            )
        while self._next[1][0] == UPDATE and self._next[1][1].frozen:
            self._pull()  # frozen since it was peeked; END always follows
        position, op = self._next
        code, obj = op[0], op[1]
        e, b, k, _ = position
        saved = (
            self._loss_sum, self._loss_count, self._order, len(self.losses), self.loss,
            self._norm, self._norm_batch,
        )  # fmt: skip
        sample = self._sample_at(position)
        bad: tuple[str, float] | None = None
        phase = op[2]

        if code == DELIVER:
            olds: tuple = (obj.value,)
            v = obj.deliver()
            record: Step = Delivered(e, sample, phase, obj, v)
            if not math.isfinite(v):
                bad = (f"link {obj.name}", v)
        elif code == FIRE:
            olds = (obj.net, obj.value, obj.winner)
            v = obj.fire()
            record = Fired(e, sample, phase, obj, obj.net, v)
            if not math.isfinite(v) or not math.isfinite(obj.net):
                bad = (f"neuron {obj.name}", v if not math.isfinite(v) else obj.net)
        elif code == LEARN:
            olds = (obj.sensitivity, obj.blame, obj.gradient)
            s = obj.learn()
            record = Learned(e, sample, phase, obj, s, obj.blame)
            if not (math.isfinite(s) and math.isfinite(obj.blame) and math.isfinite(obj.gradient)):
                # name the number that is not finite (the sensitivity may be, the blame not)
                bad = (f"link {obj.name}", _first_bad(s, obj.blame, obj.gradient))
        elif code == SENSE:
            olds = (obj.error, obj.sensitivity)
            fused = self.net.fused(obj)
            s = obj.sense(fused, self._slope)
            mistake = "" if self._slope or fused else "forgotten_slope"
            record = Sensed(e, sample, phase, obj, obj.error, s, mistake)
            if not (math.isfinite(s) and math.isfinite(obj.error)):
                bad = (f"neuron {obj.name}", _first_bad(s, obj.error))
        elif code == UPDATE:
            if isinstance(obj, SharedWeight):  # every link's gradient and blame, to put back
                gradients = tuple(k.gradient for k in obj.links)
                olds = (obj.weight, obj.state, gradients, tuple(k.blame for k in obj.links))
            else:
                olds = (obj.weight, obj.state, obj.gradient, obj.blame)
            divisor = 1.0
            if self.reduce == "mean" and k > 0:
                divisor = float(k)  # k is the batch's size in its update segment
            gradient = obj.gradient / divisor
            norm = self.clip_norm(e, b, divisor)
            rate = self._rates[e]
            term = momentum_term(self.optimizer, obj.state, rate)
            new = obj.update(rate, divisor, self._rule, norm, self._reset)
            mistake = self.mistake if self.mistake == "stale_gradient" else ""
            if self.update == "sequential":
                # the mistake: the blame goes back through the weight just updated
                blame_through(obj, new)
                mistake = "sequential"
            record = Updated(
                e, sample, phase, obj, olds[0], gradient, rate, term, new,
                self._optimizer(rate), olds[1], obj.state, norm, mistake,
            )  # fmt: skip
            if not math.isfinite(new):
                bad = (f"link {obj.name}", new)
        elif code == PRESENT:
            if b == 0 and k == 0:
                if self.history == "batch":
                    self._undo.clear()
                if self.shuffle:
                    saved = (*saved, self.net.rng.getstate())  # index 7
                    order = self._order[:]
                    self.net.rng.shuffle(order)
                    self._order = order
                    sample = self._sample_at(position)
            elif k == 0 and self.history == "batch":
                self._undo.clear()
            x, t = self.data[sample]
            olds = (
                tuple(n.value for n in self.net.inputs),
                tuple(n.target for n in self.net.outputs),
            )
            self.net.present(x, t)
            record = Presented(e, sample, phase, x, t)
        elif code == SCORE:
            outputs = self.net.outputs
            olds = tuple(o.error for o in outputs)
            values = tuple(o.value for o in outputs)
            targets = self.data[sample][1]
            lf = self.net.loss_function
            self.loss = self.net.output_loss(targets)
            errors = tuple(lf.gradient(values, targets))
            for o, err in zip(outputs, errors):
                o.error = err
            self._loss_sum += self.loss
            self._loss_count += 1
            record = Scored(e, sample, phase, self.loss, values, targets, errors)
            if not math.isfinite(self.loss):
                bad = ("the loss", self.loss)
        else:  # END
            olds = ()
            mean = self._loss_sum / self._loss_count
            self.losses.append(mean)
            self._loss_sum, self._loss_count = 0.0, 0
            record = EpochEnded(e, -1, phase, mean)

        self._undo.append((position, code, obj, olds, saved, record))
        self.net.stepped += 1  # (gradients may be left mid-batch: see engines.half_done)
        if self.trace is not None:
            self.trace.append(record)
        self._pull()
        if self.show:
            try:
                self._shown(record)
            except CallbackError:  # the user's show function failed: the step did not happen
                show, self.show = self.show, False
                try:
                    self.back()
                finally:
                    self.show = show
                raise
        if bad is not None:
            self._numeric_failure(record, *bad)
        return record

    def _numeric_failure(self, record: Step, where: str, value: float) -> None:
        """Undo the step that produced a NaN or infinity (and, in training, its batch); raise."""
        self.back()
        if self.history == "batch":
            while self._undo:
                self.back()
        raise NumericError(
            f"{where} became {value} on sample {record.sample} (epoch {record.epoch}) in "
            f"{type(record).__name__}: the input or the rate may be too large; "
            "the weights were kept "
            "as they were before this " + ("batch" if self.history == "batch" else "step"),
            where=where,
            sample=record.sample,
        )

    def back(self) -> Step | None:
        """Undo the last step exactly (bit for bit) and return it (with ``show=True``, print it)."""
        if not self._undo:
            why = ""
            if self.history == "batch":
                why = ": training keeps only the current batch"
            elif self._undo.forgot:
                why = (
                    f": only the last {self._undo.bound} steps can be undone (history='recent'); "
                    "make the scheduler with history='all' to undo every step"
                )
            raise LernpyError("nothing to undo" + why)
        if isinstance(self._undo[-1], fastlane.Unwalked):
            self._walk_again(self._undo.pop())
        self.net.stepped += 1
        position, code, obj, olds, saved, record = self._undo.pop()
        if code == DELIVER:
            (obj.value,) = olds
        elif code == FIRE:
            obj.net, obj.value, obj.winner = olds
        elif code == LEARN:
            obj.sensitivity, obj.blame, obj.gradient = olds
        elif code == SENSE:
            obj.error, obj.sensitivity = olds
        elif code == UPDATE and isinstance(obj, SharedWeight):
            obj.weight, obj.state = olds[:2]
            for link, gradient, blame in zip(obj.links, olds[2], olds[3]):
                link.gradient, link.blame = gradient, blame
        elif code == UPDATE:
            obj.weight, obj.state, obj.gradient, obj.blame = olds
        elif code == PRESENT:
            for n, v in zip(self.net.inputs, olds[0]):
                n.value = v
            for n, t in zip(self.net.outputs, olds[1]):
                n.target = t
        elif code == SCORE:
            for o, err in zip(self.net.outputs, olds):
                o.error = err
        self._loss_sum, self._loss_count, self._order, count, self.loss = saved[:5]
        self._norm, self._norm_batch = saved[5:7]
        del self.losses[count:]
        if len(saved) > 7:
            self.net.rng.setstate(saved[7])
        if self.trace is not None:
            self.trace.discard(record)
        self._seek(position)
        if self.show:
            self._shown(record, undone=True)
        return self._quiet(record)

    def _walk_again(self, point: fastlane.Unwalked) -> None:
        """Take an epoch the fast lane took again, step by step, so each step can be undone.

        The network goes back to the epoch's start and walks it as stepping does
        (the same numbers again); the trace already holds its steps.
        """
        fastlane.restore(self, point)
        self._seek((point.epoch, 0, 0, 0))
        trace, show, self.trace, self.show = self.trace, self.show, None, False
        try:
            while not isinstance(self._step(), EpochEnded):
                pass
        finally:
            self.trace, self.show = trace, show

    def _shown(self, record: Step, undone: bool = False) -> None:
        """Hand a step to ``show``: a function of the user's, or one printed line."""
        if callable(self.show):
            checks.call(self.show, "the show function", record)
        else:
            hooks.show_step(record, undone=undone)

    def set(
        self, rate: float | None = None, momentum: float | None = None, epochs: int | None = None
    ) -> None:
        """Change the rate, SGD's momentum or the number of epochs between two steps.

        The next update uses them; ``epochs`` cannot end before the epoch in progress.
        Checked before anything changes.
        """
        optimizer = self.optimizer
        if momentum is not None:
            if not isinstance(optimizer, SGD):
                raise LernpyError(
                    f"momentum is SGD's: this run's optimizer is {optimizer.describe()}"
                )
            optimizer = replace(optimizer, momentum=momentum)  # checked as SGD checks it
        new_rate = self.rate if rate is None else rate
        new_epochs = self.epochs if epochs is None else epochs
        new_rate, _ = check_options(
            optimizer, new_rate, self.batch_size, self.reduce, self.update, new_epochs,
            len(self.data), self.mistake,
        )  # fmt: skip
        now = self.epoch if self._next is not None else self.epochs
        if epochs is not None and epochs < now + (self._next is not None):
            raise LernpyError(
                f"epochs is {epochs}: the next step is in epoch {now} (counting from 0), "
                f"so at least {now + 1} are needed"
            )
        if new_rate != optimizer.rate:
            optimizer = replace(optimizer, rate=new_rate)  # the optimizer names the rate in use
        self.optimizer, self._optimizers = optimizer, {new_rate: optimizer}
        self.rate = new_rate
        self._rule = None if optimizer.plain else optimizer
        if epochs is not None and epochs != self.epochs:
            old, self.epochs = self.epochs, new_epochs
            self._rates = self._rates.resized(new_epochs)
            # the walk reads the number of epochs as it goes: take it up from here
            self._seek(self._next[0] if self._next is not None else (old, 0, 0, 0))

    def lesson(self, **options: object) -> Lesson:
        """The lesson page of this run's data and options, from the network as it is now."""
        settings = dict(
            optimizer=self.optimizer, rate=self.rate, batch_size=self.batch_size,
            reduce=self.reduce, update=self.update, mistake=self.mistake, shuffle=self.shuffle,
            epochs=self.epochs,
        )  # fmt: skip
        return hooks.lesson(self.net, self.data, **{**settings, **options})

    def table(
        self, what: str = "links", layer: int | None = None, links: Iterable[str] | None = None
    ) -> Grid:
        """Like ``net.table()``, with the changes still to come and a batch's gradients."""
        return hooks.table(self, what, layer=layer, links=links)

    def __repr__(self) -> str:
        """One line: the data, the options that differ from plain SGD, and what comes next."""
        count = f"{len(self.data)} sample" + ("s" if len(self.data) != 1 else "")
        epochs = f"{self.epochs} epoch" + ("s" if self.epochs != 1 else "")
        options = [epochs, f"rate {num(self.rate)}"]
        opt = self.optimizer
        if not opt.plain:  # plain SGD with momentum says just that; others name themselves
            sgd = isinstance(opt, SGD) and not opt.nesterov and replace(opt, momentum=0.0).plain
            options.append(f"momentum {num(opt.momentum)}" if sgd else opt.describe())
        if self.batch_size > 1:
            summed = ", summed" if self.reduce == "sum" else ""
            options.append(f"batch {self.batch_size}{summed}")
        if self.update != "deferred":
            options.append(f"update {self.update}")
        if self.mistake:
            options.append(f"mistake {self.mistake}")
        head = f"Scheduler({count}, {', '.join(options)}; "
        planned = self.peek()
        if planned is None:
            return head + "finished)"
        what = f"{planned.kind} {planned.name}" if planned.name else planned.kind
        # at most 80 columns: leave out the epoch, then the kind of step, rather than wrap
        for tail in (f"next: {what}, epoch {planned.epoch})", f"next: {what})", "…)"):
            if len(head) + len(tail) <= 80:
                break
        return head + tail


# The step records and the plan's codes, where scheduler users have found them.
__all__ = [
    "GRAINS",
    "PHASES",
    "Delivered",
    "EpochEnded",
    "Fired",
    "Learned",
    "Planned",
    "Presented",
    "Scheduler",
    "Scored",
    "Sensed",
    "Step",
    "Updated",
    "check_options",
    "momentum_term",
]
