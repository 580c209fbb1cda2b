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
Fired(h1, net=0.3775, value=0.5932699921071872)
>>> run.run(until="update")[-1]
Learned(b1→h2, sensitivity=0.009954254705217202, blame=0.0034839891468260204)
>>> run.step()
Updated(i1→h1 (w1), old=0.15, gradient=0.00043856773447434685, new=0.1497807161327628)
>>> run.back()
Updated(i1→h1 (w1), old=0.15, gradient=0.00043856773447434685, new=0.1497807161327628)
>>> net["w1"].weight
0.15
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lernpy.errors import Finished, LernpyError, NumericError, UnknownNameError
from lernpy.graph.link import Link
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron
from lernpy.hooks import Shows
from lernpy.walk.trace import Trace

if TYPE_CHECKING:
    from lernpy.views.tables import Grid

PHASES = ("forward", "loss", "backward", "update", "epoch")
GRAINS = ("step", "link", "neuron", "layer", "phase", "sample", "batch", "epoch")

# -- step records --------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class Step(Shows):
    """One step of training, recorded just after it happened.

    ``epoch`` counts from 0; ``sample`` is the index in the data set of the
    sample being walked (for a batch's updates, its last sample; -1 at an
    epoch's end); ``phase`` is forward, loss, backward, update or epoch.
    """

    epoch: int
    sample: int
    phase: str

    @property
    def kind(self) -> str:
        return type(self).__name__

    @property
    def name(self) -> str:
        """The name of the link or neuron this step is about ("" for others)."""
        return ""

    def fields(self) -> dict[str, object]:
        """The record as plain data (names for links and neurons), for CSV and JSON."""
        out: dict[str, object] = {"kind": self.kind, "epoch": self.epoch, "sample": self.sample}
        out["phase"] = self.phase
        out["name"] = self.name
        for key in self.__slots__:  # type: ignore[attr-defined]
            if key not in ("link", "neuron"):
                out[key] = getattr(self, key)
        return out

    def _numbers(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{self.kind}({self._numbers()})"


@dataclass(frozen=True, slots=True, repr=False)
class Presented(Step):
    """The input neurons took the sample's values."""

    inputs: tuple[float, ...]
    targets: tuple[float, ...]

    def _numbers(self) -> str:
        return f"sample {self.sample}, inputs={list(self.inputs)}, targets={list(self.targets)}"


@dataclass(frozen=True, slots=True, repr=False)
class Delivered(Step):
    """A link delivered ``value = weight · source.value`` to its target."""

    link: Link
    value: float

    @property
    def name(self) -> str:
        return self.link.name

    def _numbers(self) -> str:
        return f"{self.link.name}, value={self.value!r}"


@dataclass(frozen=True, slots=True, repr=False)
class Fired(Step):
    """A neuron summed its incoming values into ``net`` and took ``value = activation(net)``."""

    neuron: Neuron
    net: float
    value: float

    @property
    def name(self) -> str:
        return self.neuron.name

    def _numbers(self) -> str:
        return f"{self.neuron.name}, net={self.net!r}, value={self.value!r}"


@dataclass(frozen=True, slots=True, repr=False)
class Scored(Step):
    """The sample's loss, and each output neuron's error ∂E/∂value."""

    loss: float
    values: tuple[float, ...]
    targets: tuple[float, ...]
    errors: tuple[float, ...]

    def _numbers(self) -> str:
        return f"loss={self.loss!r}, errors={list(self.errors)}"


@dataclass(frozen=True, slots=True, repr=False)
class Sensed(Step):
    """A neuron's error ∂E/∂value and sensitivity ∂E/∂net."""

    neuron: Neuron
    error: float
    sensitivity: float

    @property
    def name(self) -> str:
        return self.neuron.name

    def _numbers(self) -> str:
        return f"{self.neuron.name}, error={self.error!r}, sensitivity={self.sensitivity!r}"


@dataclass(frozen=True, slots=True, repr=False)
class Learned(Step):
    """A link's sensitivity ∂E/∂w and the blame it sent back to its source."""

    link: Link
    sensitivity: float
    blame: float

    @property
    def name(self) -> str:
        return self.link.name

    def _numbers(self) -> str:
        return f"{self.link.name}, sensitivity={self.sensitivity!r}, blame={self.blame!r}"


@dataclass(frozen=True, slots=True, repr=False)
class Updated(Step):
    """A weight changed: new = old + momentum_term − rate · gradient."""

    link: Link
    old: float
    gradient: float
    rate: float
    momentum_term: float
    new: float

    @property
    def name(self) -> str:
        return self.link.name

    def _numbers(self) -> str:
        label = f" ({self.link.label})" if self.link.label else ""
        momentum = f", momentum_term={self.momentum_term!r}" if self.momentum_term else ""
        return (
            f"{self.link.name}{label}, old={self.old!r}, gradient={self.gradient!r}"
            f"{momentum}, new={self.new!r}"
        )


@dataclass(frozen=True, slots=True, repr=False)
class EpochEnded(Step):
    """An epoch ended; ``loss`` is the mean of its samples' losses."""

    loss: float

    def _numbers(self) -> str:
        return f"epoch {self.epoch}, loss={self.loss!r}"


@dataclass(frozen=True)
class Planned(Shows):
    """What the next step will be (from the static order; nothing is run)."""

    kind: str
    name: str
    phase: str
    epoch: int
    sample: int


# -- the walk ------------------------------------------------------------------

PRESENT, DELIVER, FIRE, SCORE, SENSE, LEARN, UPDATE, END = range(8)
KIND = ("Presented", "Delivered", "Fired", "Scored", "Sensed", "Learned", "Updated", "EpochEnded")

Op = tuple  # (code, link or neuron or None, phase, depth)


def _units(net: Network) -> list[list[Neuron]]:
    """Computing neurons in topological order; a softmax layer is one unit."""
    units: list[list[Neuron]] = []
    seen: set[Neuron] = set()
    for n in net.neurons:
        if n.is_source or n in seen:
            continue
        unit = list(n.group) if n.activation.layerwise else [n]
        seen.update(unit)
        units.append(unit)
    return units


def sample_plan(net: Network, immediate: bool = False) -> list[Op]:
    """The fixed walk of one sample: forward, loss, backward (and updates if immediate)."""
    ops: list[Op] = [(PRESENT, None, "forward", 0)]
    units = _units(net)
    for unit in units:
        depth = net.depth(unit[0])
        for n in unit:
            ops.extend((DELIVER, link, "forward", depth) for link in n.incoming)
        ops.extend((FIRE, n, "forward", depth) for n in unit)
    ops.append((SCORE, None, "loss", 0))
    # backward: deepest first, and within one depth in the forward order (o1 before o2)
    for unit in sorted(units, key=lambda u: -net.depth(u[0])):
        depth = net.depth(unit[0])
        ops.extend((SENSE, n, "backward", depth) for n in unit)
        for n in unit:
            for link in n.incoming:
                ops.append((LEARN, link, "backward", depth))
                if immediate:
                    ops.append((UPDATE, link, "backward", depth))
    return ops


_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _plan(net: Network, immediate: bool) -> tuple[list[Op], list[Op]]:
    """:func:`sample_plan` and the update segment, cached per topology (never mutated).

    Building the plan is O(links) in Python (0.3 s for 100k links), and train()
    makes a scheduler per call.
    """
    key = (net.version, immediate, tuple(n.activation.layerwise for n in net.neurons))
    cached = _PLANS.get(net)
    if cached is None or cached[0] != key:
        ops = sample_plan(net, immediate=immediate)
        updates = [] if immediate else [(UPDATE, link, "update", 0) for link in net.links]
        cached = (key, ops, updates)
        _PLANS[net] = cached
    return cached[1], cached[2]


# train()'s fast lane, per network: the plan grouped into runs (see Scheduler._lane)
_LANES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _runs(ops: list[Op]) -> list[tuple[int, str, list]]:
    """Consecutive ops of one kind and phase as (code, phase, [objects]), order kept."""
    runs: list[tuple[int, str, list]] = []
    for code, obj, phase, _depth in ops:
        if runs and runs[-1][0] == code and runs[-1][1] == phase and code not in (PRESENT, SCORE):
            runs[-1][2].append(obj)
        else:
            runs.append((code, phase, [obj]))
    return runs


def check_options(
    rate: object,
    momentum: object,
    batch_size: object,
    reduce: object,
    update: object,
    epochs: object,
    samples: int,
) -> tuple[float, float, int]:
    """Check training options; return rate, momentum and the batch size (≤ ``samples``).

    One check for the scheduler and the engines (which cannot afford to build a
    Scheduler just to check its options), so both give the same errors.
    """
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate < math.inf:
        raise LernpyError(f"rate is {rate!r}: expected a finite number ≥ 0")
    if (
        isinstance(momentum, bool)
        or not isinstance(momentum, (int, float))
        or not 0.0 <= momentum < 1.0
    ):
        raise LernpyError(f"momentum is {momentum!r}: expected a number in [0, 1)")
    if batch_size in (None, "all"):
        batch_size = samples
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise LernpyError(
            f"batch_size is {batch_size!r}: expected a whole number ≥ 1, None or 'all'"
        )
    if reduce not in ("mean", "sum"):
        raise UnknownNameError(f"reduce is {reduce!r}: expected 'mean' or 'sum'")
    if update not in ("deferred", "immediate"):
        raise UnknownNameError(f"update is {update!r}: expected 'deferred' or 'immediate'")
    if update == "immediate" and batch_size != 1:
        raise LernpyError(
            f"update='immediate' needs batch_size=1 (got {batch_size}): a batch's weights "
            "change only once all its samples are seen"
        )
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise LernpyError(f"epochs is {epochs!r}: expected a whole number ≥ 1")
    return float(rate), float(momentum), min(batch_size, samples)


def _first_bad(*values: float) -> float:
    """The first of ``values`` that is NaN or infinite."""
    return next(v for v in values if not math.isfinite(v))


class Scheduler(Shows):
    """Steps through training on ``data``: one step, a named grain, or a run.

    Options (all explicit): ``rate``; ``momentum``; ``batch_size`` (1 is
    online, ``None`` or ``"all"`` is the whole data set); ``reduce``
    ("mean" or "sum" of the batch's gradients); ``update`` ("deferred": every
    sensitivity from the old weights, then every update; "immediate": each link
    updates right after it sends its blame back, which needs ``batch_size=1``);
    ``shuffle`` (each epoch, with the network's seeded generator); ``epochs``;
    ``trace`` (True, a :class:`~lernpy.walk.trace.Trace`, or None); ``history``
    ("all": ``back()`` can undo every step; "batch": only within the current
    batch, which is what training uses).
    ``show`` (True: print each step as one line as it happens, and each step
    ``back()`` undoes; or a function to call with each step taken).
    """

    def __init__(
        self,
        net: Network,
        data: object,
        *,
        rate: float = 0.5,
        momentum: float = 0.0,
        batch_size: int | str | None = 1,
        reduce: str = "mean",
        update: str = "deferred",
        shuffle: bool = False,
        epochs: int = 1,
        trace: bool | Trace | None = True,
        history: str = "all",
        show: bool | Callable[[Step], object] = False,
    ) -> None:
        net.check_ready()
        samples = net.check_data(data)
        rate, momentum, batch_size = check_options(
            rate, momentum, batch_size, reduce, update, epochs, len(samples)
        )
        if history not in ("all", "batch"):
            raise UnknownNameError(f"history is {history!r}: expected 'all' or 'batch'")

        self.net = net
        self.data = samples
        self.rate = rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.reduce = reduce
        self.update = update
        self.shuffle = shuffle
        self.epochs = epochs
        self.history = history
        self.show = show
        if trace is True:
            trace = Trace()
        if trace not in (None, False) and not isinstance(trace, Trace):
            raise LernpyError(f"trace is {trace!r}: expected True, a Trace, or None")
        self.trace: Trace | None = trace if isinstance(trace, Trace) else None
        if self.trace is not None:
            net.trace = self.trace
        self.losses: list[float] = []  # mean sample loss of each finished epoch
        self.loss = math.nan  # the last sample's loss

        self._version = net.version
        # the plan is a function of the topology: shared by this network's schedulers
        self._sample_ops, self._update_ops = _plan(net, update == "immediate")
        self._batches = -(-len(samples) // self.batch_size)
        self._order = list(range(len(samples)))
        self._loss_sum = 0.0
        self._loss_count = 0
        self._undo: list[tuple] = []
        # train() sets this: whole epochs then run in _fast_epoch (same numbers and trace)
        self._fast = False
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
        self._walker = self._walk(position)
        self._next = next(self._walker, None)

    def _sample_at(self, position: tuple[int, int, int, int]) -> int:
        e, b, k, i = position
        if b == self._batches:
            return -1
        start = b * self.batch_size
        size = min(self.batch_size, len(self.data) - start)
        return self._order[start + min(k, size - 1)]

    @property
    def finished(self) -> bool:
        return self._next is None

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

    def step(self, grain: str | None = None) -> Step:
        """Take one step, or every step of the named grain; return the last step taken.

        Grains: "step" (one), "link" (up to the next link step), "neuron" (up to
        the next neuron firing or sensing), "layer" (the rest of this layer in
        this phase), "phase", "sample" (up to the next sample), "batch", "epoch".
        Raises :class:`~lernpy.errors.Finished` when nothing is left.
        """
        if grain is None or grain == "step":
            return self._step()
        if grain not in GRAINS:
            raise UnknownNameError(f"unknown grain {grain!r}: expected one of {', '.join(GRAINS)}")
        if self._next is None:
            raise Finished("the scheduler is finished: every epoch is done")
        if grain == "epoch" and self._fast and self._next[0][1:] == (0, 0, 0):
            record = self._fast_epoch()
            if record is not None:
                return record
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
        return last

    def run(self, until: str | Callable[[Step], bool] | None = None) -> list[Step]:
        """Step until the next step is in phase ``until``, or ``until(step)`` is true, or the end.

        A loop over :meth:`step`; returns the steps taken.
        """
        if isinstance(until, str) and until not in PHASES:
            raise UnknownNameError(
                f"run(until={until!r}): expected a phase ({', '.join(PHASES)}) or a function"
            )
        taken: list[Step] = []
        while self._next is not None:
            if isinstance(until, str) and self._next[1][2] == until:
                break
            taken.append(self.step())
            if callable(until) and until(taken[-1]):
                break
        return taken

    def _step(self) -> Step:
        if self._next is None:
            raise Finished("the scheduler is finished: every epoch is done")
        if self.net.version != self._version:
            raise LernpyError(
                "the network's links changed since this scheduler was made: make a new one"
            )
        while self._next[1][0] == UPDATE and self._next[1][1].frozen:
            self._next = next(self._walker, None)  # frozen since it was peeked; END always follows
        position, op = self._next
        code, obj = op[0], op[1]
        e, b, k, _ = position
        saved = (self._loss_sum, self._loss_count, self._order, len(self.losses), self.loss)
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
            olds = (obj.net, obj.value)
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
            s = obj.sense(self.net.fused(obj))
            record = Sensed(e, sample, phase, obj, obj.error, s)
            if not (math.isfinite(s) and math.isfinite(obj.error)):
                bad = (f"neuron {obj.name}", _first_bad(s, obj.error))
        elif code == UPDATE:
            olds = (obj.weight, obj.velocity, obj.gradient)
            divisor = 1.0
            if self.reduce == "mean" and k > 0:
                divisor = float(k)  # k is the batch's size in its update segment
            gradient = obj.gradient / divisor
            term = self.momentum * obj.velocity
            new = obj.update(self.rate, self.momentum, divisor)
            record = Updated(e, sample, phase, obj, olds[0], gradient, self.rate, term, new)
            if not math.isfinite(new):
                bad = (f"link {obj.name}", new)
        elif code == PRESENT:
            if b == 0 and k == 0:
                if self.history == "batch":
                    self._undo.clear()
                if self.shuffle:
                    saved = (*saved, self.net.rng.getstate())
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
            self.loss = lf.value(values, targets)
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
        if self.trace is not None:
            self.trace.append(record)
        self._next = next(self._walker, None)
        if self.show:
            self._shown(record)
        if bad is not None:
            self._numeric_failure(record, *bad)
        return record

    # -- training's fast lane ----------------------------------------------------

    def _fast_epoch(self) -> Step | None:
        """Run one whole epoch as training does, without the per-step bookkeeping.

        Same calls on the same objects in the same order as :meth:`_step`, so the
        network ends bit for bit where the step-by-step walk would leave it, and
        the trace receives the same records. What it skips: the undo stack (training
        never steps back; ``back()`` has nothing to undo afterwards), the walker,
        and building the records a bounded trace would drop at once (only the last
        ``keep`` steps of the epoch are made). On a NaN or infinity it puts the
        network back as it was at the epoch's start and returns None: the caller
        then walks the epoch step by step, which raises the usual error.
        """
        net = self.net
        if net.version != self._version:
            raise LernpyError(
                "the network's links changed since this scheduler was made: make a new one"
            )
        e = self._next[0][0]
        saved = self._snapshot()
        sample_runs, update_runs, sample_steps, update_steps = self._lane()
        data, order, size_b = self.data, self._order, self.batch_size
        if self.shuffle:
            order = order[:]
            net.rng.shuffle(order)
            self._order = order
        trace = self.trace
        total = len(data) * sample_steps + self._batches * update_steps + 1
        if trace is None:
            first = total  # no records at all
        elif trace.keep is not None and trace.links is None:
            first = total - trace.keep  # a bounded trace keeps only the last `keep`
        else:
            first = 0
        records: list[Step] = []
        keep = records.append
        n = 0  # steps taken this epoch
        rate, momentum, mean = self.rate, self.momentum, self.reduce == "mean"
        isfinite, fused = math.isfinite, net.fused
        outputs, lf = net.outputs, net.loss_function
        present = net.present
        for b in range(self._batches):
            start = b * size_b
            size = min(size_b, len(data) - start)
            for k in range(size + 1):
                if k < size:
                    sample = order[start + k]
                    runs = sample_runs
                else:  # the batch's update segment
                    sample = order[start + size - 1]
                    runs = update_runs
                for code, phase, objs in runs:
                    # A sum is non-finite if any term is (an overflow of the sum only
                    # sends the epoch to the step-by-step walk, which judges it exactly).
                    total = 0.0
                    if n + len(objs) <= first:  # none of these steps is kept: no records
                        if code == DELIVER:
                            for obj in objs:
                                total += obj.deliver()
                        elif code == LEARN:
                            for obj in objs:
                                total += obj.learn() + obj.blame + obj.gradient
                        elif code == UPDATE:
                            divisor = float(k) if mean and k > 0 else 1.0
                            for obj in objs:
                                total += obj.update(rate, momentum, divisor)
                        elif code == FIRE:
                            for obj in objs:
                                total += obj.fire() + obj.net
                        elif code == SENSE:
                            for obj in objs:
                                total += obj.sense(fused(obj)) + obj.error
                        elif code == PRESENT:
                            present(*data[sample])
                        else:
                            total = self._fast_score(sample, outputs, lf)
                        n += len(objs)
                        if not isfinite(total):
                            return self._fast_failed(e, saved)
                        continue
                    for obj in objs:
                        if code == DELIVER:
                            v = obj.deliver()
                            record: Step = Delivered(e, sample, phase, obj, v)
                            total += v
                        elif code == LEARN:
                            sens = obj.learn()
                            record = Learned(e, sample, phase, obj, sens, obj.blame)
                            total += sens + obj.blame + obj.gradient
                        elif code == UPDATE:
                            old = obj.weight
                            divisor = float(k) if mean and k > 0 else 1.0
                            gradient = obj.gradient / divisor
                            term = momentum * obj.velocity
                            new = obj.update(rate, momentum, divisor)
                            record = Updated(e, sample, phase, obj, old, gradient, rate, term, new)
                            total += new
                        elif code == FIRE:
                            v = obj.fire()
                            record = Fired(e, sample, phase, obj, obj.net, v)
                            total += v + obj.net
                        elif code == SENSE:
                            sens = obj.sense(fused(obj))
                            record = Sensed(e, sample, phase, obj, obj.error, sens)
                            total += sens + obj.error
                        elif code == PRESENT:
                            x, t = data[sample]
                            present(x, t)
                            record = Presented(e, sample, phase, x, t)
                        else:
                            total = self._fast_score(sample, outputs, lf)
                            record = Scored(
                                e, sample, phase, self.loss, *self._scored
                            )  # fmt: skip
                        if n >= first:
                            keep(record)
                        n += 1
                    if not isfinite(total):
                        return self._fast_failed(e, saved)
        mean_loss = self._loss_sum / self._loss_count
        self.losses.append(mean_loss)
        self._loss_sum, self._loss_count = 0.0, 0
        record = EpochEnded(e, -1, "epoch", mean_loss)
        if trace is not None:
            for step in records:
                trace.append(step)
            trace.append(record)
        self._undo.clear()
        self._seek((e + 1, 0, 0, 0))
        return record

    def _lane(self) -> tuple[list, list, int, int]:
        """The plan as runs of steps (frozen links' updates left out), cached per topology."""
        net = self.net
        key = (
            net.version,
            self.update,
            bytes(link.frozen for link in net.links),
            tuple(n.activation.layerwise for n in net.neurons),
        )
        cached = _LANES.get(net)
        if cached is None or cached[0] != key:
            sample_ops = [op for op in self._sample_ops if not (op[0] == UPDATE and op[1].frozen)]
            update_ops = [op for op in self._update_ops if not op[1].frozen]
            lane = (_runs(sample_ops), _runs(update_ops), len(sample_ops), len(update_ops))
            cached = (key, lane)
            _LANES[net] = cached
        return cached[1]

    def _fast_score(self, sample: int, outputs: list[Neuron], lf) -> float:
        """The SCORE step of :meth:`_step`: the loss and the output errors; returns the loss."""
        values = tuple(o.value for o in outputs)
        targets = self.data[sample][1]
        self.loss = loss = lf.value(values, targets)
        errors = tuple(lf.gradient(values, targets))
        for o, err in zip(outputs, errors):
            o.error = err
        self._loss_sum += loss
        self._loss_count += 1
        self._scored = (values, targets, errors)
        return loss

    def _snapshot(self) -> tuple:
        """Everything an epoch changes, to put back if it fails (see :meth:`_fast_epoch`)."""
        net = self.net
        links = [
            (k.weight, k.value, k.sensitivity, k.blame, k.gradient, k.velocity) for k in net.links
        ]
        neurons = [(n.net, n.value, n.error, n.sensitivity, n.target) for n in net.neurons]
        scheduler = (self._order, self._loss_sum, self._loss_count, self.loss)
        return links, neurons, scheduler, net.rng.getstate()

    def _fast_failed(self, epoch: int, saved: tuple) -> None:
        """Put the epoch's starting state back; the step-by-step walk takes over (and raises)."""
        links, neurons, scheduler, rng = saved
        for link, numbers in zip(self.net.links, links):
            (link.weight, link.value, link.sensitivity, link.blame, link.gradient,
             link.velocity) = numbers  # fmt: skip
        for neuron, numbers in zip(self.net.neurons, neurons):
            neuron.net, neuron.value, neuron.error, neuron.sensitivity, neuron.target = numbers
        self._order, self._loss_sum, self._loss_count, self.loss = scheduler
        self.net.rng.setstate(rng)
        self._seek((epoch, 0, 0, 0))
        return None

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

    def back(self) -> Step:
        """Undo the last step exactly (bit for bit) and return it."""
        if not self._undo:
            raise LernpyError(
                "nothing to undo"
                + (": training keeps only the current batch" if self.history == "batch" else "")
            )
        position, code, obj, olds, saved, record = self._undo.pop()
        if code == DELIVER:
            (obj.value,) = olds
        elif code == FIRE:
            obj.net, obj.value = olds
        elif code == LEARN:
            obj.sensitivity, obj.blame, obj.gradient = olds
        elif code == SENSE:
            obj.error, obj.sensitivity = olds
        elif code == UPDATE:
            obj.weight, obj.velocity, obj.gradient = olds
        elif code == PRESENT:
            for n, v in zip(self.net.inputs, olds[0]):
                n.value = v
            for n, t in zip(self.net.outputs, olds[1]):
                n.target = t
        elif code == SCORE:
            for o, err in zip(self.net.outputs, olds):
                o.error = err
        self._loss_sum, self._loss_count, self._order, count, self.loss = saved[:5]
        del self.losses[count:]
        if len(saved) > 5:
            self.net.rng.setstate(saved[5])
        if self.trace is not None:
            self.trace.discard(record)
        self._seek(position)
        if self.show:
            self._shown(record, undone=True)
        return record

    def _shown(self, record: Step, undone: bool = False) -> None:
        """Hand a step to ``show``: a function of the user's, or one printed line."""
        if callable(self.show):
            self.show(record)
        else:
            from lernpy.views.render import show_step  # only now: the core never imports rich

            show_step(record, undone=undone)

    def table(
        self, what: str = "links", layer: int | None = None, links: Iterable[str] | None = None
    ) -> Grid:
        """Like ``net.table()``, with the changes still to come and a batch's gradients."""
        from lernpy.views.tables import table

        return table(self, what, layer=layer, links=links)

    def __repr__(self) -> str:
        where = "finished" if self._next is None else f"next: {self.peek()}"
        return (
            f"Scheduler({len(self.data)} samples, rate={self.rate}, momentum={self.momentum}, "
            f"batch_size={self.batch_size}, reduce={self.reduce!r}, update={self.update!r}, "
            f"epochs={self.epochs}; {where})"
        )
