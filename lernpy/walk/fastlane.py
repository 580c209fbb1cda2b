"""The fast lane: a whole epoch of the stepping walk at once, for ``step("epoch")`` and train().

Asked for an epoch at its start, the scheduler does not take its steps one by
one: it runs the epoch here, the same arithmetic on the same numbers in the same
order, so the network ends bit for bit where stepping would leave it and the
trace receives the same records (``tests/test_scheduler.py`` holds them equal).
Two ways, one result:

- the lane (:mod:`lernpy.walk.lane`): the epoch as generated straight-line Python
  on local numbers, written back into the Neuron and Link objects at the end;
- the object walk below, for networks too large to write out: the Neuron and
  Link methods themselves, called in runs of one kind.

What is skipped is stepping's bookkeeping: no record objects (a trace keeps the
epoch's numbers in one array, :class:`~lernpy.walk.trace.Walk`), no undo log
(``back()`` walks the epoch again step by step, from a snapshot, when it needs
one), no walker. On a NaN or an infinity the epoch is put back and the caller
steps through it, which stops with the usual error at the step that did it.

>>> from lernpy import datasets, Network
>>> net = Network.layered(2, 2, 1, seed=1)
>>> run = net.scheduler(datasets.xor(), rate=0.5, epochs=2)
>>> run.step("epoch").kind, run.epoch, len(run.trace)
('EpochEnded', 1, 141)
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Sequence
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING

from lernpy.errors import LernpyError
from lernpy.graph.link import Link
from lernpy.graph.readers import reader
from lernpy.optim import SGD, Optimizer, State
from lernpy.walk import lane as lanes
from lernpy.walk.plan import DELIVER, END, FIRE, LEARN, PRESENT, SCORE, SENSE, UPDATE, Op
from lernpy.walk.steps import KINDS, EpochEnded, width
from lernpy.walk.trace import Segment, Shape, Walk

if TYPE_CHECKING:
    from lernpy.graph.network import Network
    from lernpy.walk.scheduler import Scheduler


class Layout:
    """One network's plan as the fast lane runs it (frozen links' updates left out).

    ``segments`` are the plan as a trace keeps it: for each step where its stored
    numbers go, and where the numbers it is made of are (see :class:`Walk`).
    """

    def __init__(
        self, net: Network, key: tuple, sample_ops: list[Op], update_ops: list[Op], state: int
    ) -> None:
        self.key = key
        self.lanes: dict[tuple[bool, bool], lanes.Lane | None] = {}  # (batched, traced)
        self.shapes: dict[tuple, Shape] = {}  # what a run's walks share (see _shape)
        self.sample_ops = [op for op in sample_ops if not (op[0] == UPDATE and op[1].frozen)]
        self.update_ops = [op for op in update_ops if not op[1].frozen]
        self.frozen = any(link.frozen for link in net.links)
        self.sample_runs = _runs(self.sample_ops)
        self.update_runs = _runs(self.update_ops)
        n_in, n_out = len(net.inputs), len(net.outputs)
        self.inputs, self.outputs = n_in, n_out
        self.segments = self._segments(net, n_in, n_out, state, lean=False)
        # plain gradient descent's epochs, kept whole: an update stores its new weight only
        self.lean_segments = (
            self._segments(net, n_in, n_out, state, lean=True) if not state else None
        )

    def _segments(self, net: Network, n_in: int, n_out: int, state: int, lean: bool) -> tuple:
        index = {id(link): i for i, link in enumerate(net.links)}
        inputs = {id(n): k for k, n in enumerate(net.inputs)}
        value: dict[int, tuple] = {}  # where a neuron's value is, in a sample's numbers
        sensitivity: dict[int, int] = {}  # where its sensitivity is
        old: dict[int, tuple] = {}  # where a link's update stores its numbers, and the link
        for where, ops in (("sample", self.sample_ops), ("update", self.update_ops)):
            at = 0
            for code, obj, _phase, _depth in ops:
                if code == FIRE:
                    value[id(obj)] = ("fired", at + 1)  # Fired stores net, value
                elif code == SENSE:
                    sensitivity[id(obj)] = at + 1  # Sensed stores error, sensitivity
                elif code == UPDATE:
                    # Updated stores old, momentum term, new, the state after (lean: new)
                    old[id(obj)] = (where, at, index[id(obj)])
                at += width(KINDS[code], n_in, n_out, state, lean)

        def source(link) -> tuple:
            n = link.source
            if n.kind == "input":
                return ("input", inputs[id(n)])
            if n.kind == "bias":
                return ("bias", n.value)
            return value[id(n)]

        def weight(link) -> tuple:
            return old.get(id(link), ("frozen", index[id(link)], index[id(link)]))

        def recipe(code: int, obj) -> tuple | None:
            if code in (PRESENT, SENSE):
                return ()
            if code == DELIVER:
                return (source(obj), weight(obj))
            if code == SCORE:
                return tuple(value[id(o)] for o in net.outputs)
            if code == LEARN:
                return (sensitivity[id(obj.target)], source(obj), weight(obj))
            if code == UPDATE:
                # (and where the same link's update of the sample or batch before is)
                return (index[id(obj)], sensitivity[id(obj.target)], source(obj), old[id(obj)])
            return None

        return tuple(
            Segment(
                [(KINDS[code], obj, phase) for code, obj, phase, _depth in ops],
                [recipe(code, obj) for code, obj, _phase, _depth in ops],
                n_in,
                n_out,
                state,
                lean,
            )
            for ops in (self.sample_ops, self.update_ops, [(END, None, "epoch", 0)])
        )


def _runs(ops: list[Op]) -> list[tuple[int, str, list]]:
    """Consecutive ops of one kind and phase as (code, phase, [objects]), order kept."""
    runs: list[tuple[int, str, list]] = []
    for code, obj, phase, _depth in ops:
        if runs and runs[-1][0] == code and runs[-1][1] == phase and code not in (PRESENT, SCORE):
            runs[-1][2].append(obj)
        else:
            runs.append((code, phase, [obj]))
    return runs


def ready(run: Scheduler) -> Layout | None:
    """The run's plan for the fast lane if an epoch of it can be taken at once, else None.

    Not with a deliberate mistake, nor an optimizer that clips by the batch's norm (the
    records show them step by step), nor on a network with shared weights, max pooling
    or detached links (stepped too). Asked every epoch: cached per topology, walk order,
    frozen links, activations, bias values, loss and optimizer state.
    """
    if run.mistake is not None or run.update == "sequential" or run.optimizer.clip_norm is not None:
        return None
    net = run.net
    key = (
        net.version,
        run.update,
        net.settings,  # (changes when a link is frozen or unfrozen)
        reader(net, "neurons", "activation")(),  # (compared by identity first: quick)
        reader(net, "biases", "value")(),
        net.loss_function,
        len(run.optimizer.fields()),  # the numbers of each link's state an update leaves
    )
    kept = net.cache.get("lane plan")
    if kept is not None and kept[0] == key:
        return kept[1]
    plain = (
        not net.shared_weights
        and all(type(link) is Link for link in net.links)
        and not any(n.activation.pool for n in net.neurons)
    )
    plan = Layout(net, key, run._sample_ops, run._update_ops, key[-1]) if plain else None
    net.cache["lane plan"] = (key, plan)
    return plan


def momentum_term(optimizer: Optimizer, before: State | None, rate: float) -> float:
    """What SGD's momentum adds to plain gradient descent's change, from the state before."""
    if not isinstance(optimizer, SGD) or not optimizer.momentum:
        return 0.0
    state = optimizer.start(before)
    if optimizer.momentum_form == "textbook":
        return optimizer.momentum * state.velocity
    return -rate * (optimizer.momentum * state.velocity) if not state.fresh else 0.0


def _lane_rule(optimizer: Optimizer) -> str | None:
    """The update the lane writes out: "plain", "pytorch" or "textbook" momentum (None: none)."""
    if optimizer.plain:
        return "plain"
    if isinstance(optimizer, SGD) and getattr(optimizer, "_short", False) and optimizer.momentum:
        return optimizer.momentum_form
    return None


def run_epoch(
    run: Scheduler, record: bool = True, start: tuple | None = None
) -> EpochEnded | float | None:
    """Take the epoch that starts now in one go; None if it must be stepped instead.

    The scheduler must be at an epoch's start. On success the network, the
    scheduler and the trace are where stepping to the epoch's end would leave
    them. On None (a number that is not finite, or a lane that cannot run)
    nothing has changed. ``record=False``: return the epoch's mean loss, not its record.
    ``start``: every link's weight, state and gradient as the epoch begins, if the caller
    has just read them (train() does, for Ctrl-C).
    """
    net = run.net
    if net.version != run._version:
        raise LernpyError(
            "the network's links changed since this scheduler was made: make a new one"
        )
    plan = ready(run)
    if plan is None:
        return None
    net.settle()  # (an engine's numbers, before the lane writes its own)
    e = run._next[0][0]
    before = (
        run._order, run._loss_sum, run._loss_count, run.loss, len(run.losses), run._norm,
        run._norm_batch,
    )  # fmt: skip
    rng_state = net.rng.getstate() if run.shuffle else None
    undo = _snapshot(net) if run.history != "batch" else None
    order = run._order
    if run.shuffle:
        order = order[:]
        net.rng.shuffle(order)
    trace = run.trace
    numbers, first_batch = None, 0
    if trace is not None:
        numbers = []  # (as they come: packed into one array at the end, at once)
        first_batch = 0 if trace.keep is None else _first_batch(run, plan, trace)
    rates = run._rates  # (one number for every epoch, most often: taken as it is)
    rate = rates.rule if rates.switch is None and not callable(rates.rule) else rates[e]
    optimizer = run._optimizer(rate)
    lean, starts = False, None
    if numbers is not None:
        # Plain gradient descent keeps an update's new weight only: its old weight is the
        # update's before (the batch before's, kept too, or the epoch's first weight)
        lean = plan.lean_segments is not None and optimizer.plain
        if lean:
            first_batch = max(first_batch - 1, 0)
        starts = _starts(net, plan, lean, undo, start)
    done = _lane_epoch(run, plan, order, rate, numbers, first_batch, lean)
    if done is NO_LANE:
        done = _object_epoch(run, plan, order, rate, numbers, first_batch, lean)
    if done is None:  # not finite: put back what changed, and let the caller step
        run._order, run._loss_sum, run._loss_count, run.loss, _count, _n, _b = before
        if rng_state is not None:
            net.rng.setstate(rng_state)
        return None
    loss_sum, count, last_loss = done
    mean = loss_sum / count
    run._order = order
    run.loss = last_loss
    run.losses.append(mean)
    run._loss_sum, run._loss_count = 0.0, 0
    if numbers is not None:
        gradients, weights, states = starts  # type: ignore[misc]
        settings = (rate, run.reduce == "mean", gradients, weights, optimizer, states)
        shape = _shape(plan, lean, len(order), run.batch_size, first_batch, run.data)
        trace.add_walk(Walk(e, order, _joined(numbers, mean), shape, settings))
    if undo is None:
        run._undo.clear()
    else:
        steps = len(order) * plan.segments[0].size + run._batches * plan.segments[1].size + 1
        run._undo.append(Unwalked(e, *undo, before, rng_state, steps))  # (bounded: see UndoLog)
    run._norm, run._norm_batch = None, None
    run._seek((e + 1, 0, 0, 0))
    return EpochEnded(e, -1, "epoch", mean) if record else mean


def _starts(net: Network, plan: Layout, lean: bool, undo: tuple | None, start: tuple | None):
    """What a walk works its other numbers out from: the links' gradients, weights and
    states as the epoch begins, each only when needed (None: every gradient 0; no link
    frozen and not lean; no state). Read from the undo snapshot or the caller's (``start``:
    weights, states, gradients), if either has just read them, else from the links."""
    links = net.links
    if undo is not None:  # (see NUMBERS: the weights, then the gradients)
        n = 8 * len(links)
        weights, gradients = undo[0][:n], undo[0][n : 2 * n]
        # (every byte zero: every gradient 0.0, the most common case, seen without a copy)
        gradients = _doubles(gradients) if gradients.count(0) < n else None
        gradients = gradients if gradients is not None and any(gradients) else None
        weights = _doubles(weights) if plan.frozen or lean else None
        states = undo[2]
    elif start is not None:
        weights, states, gradients = start
        gradients = _pack(gradients) if any(gradients) else None
        weights = _pack(weights) if plan.frozen or lean else None
    else:
        gradients = reader(net, "links", "gradient")()
        gradients = _pack(gradients) if any(gradients) else None
        weights = _pack(reader(net, "links", "weight")()) if plan.frozen or lean else None
        states = reader(net, "links", "_state")()
    states = None if states.count(None) == len(states) else states
    return gradients, weights, states


def _doubles(packed: bytes) -> array:
    numbers = array("d")
    numbers.frombytes(packed)
    return numbers


def _shape(plan: Layout, lean: bool, n: int, batch_size: int, first_batch: int, data) -> Shape:
    """What the run's walks have in common (made once: each epoch's walk shares it)."""
    key = (lean, n, batch_size, first_batch, id(data))
    shape = plan.shapes.get(key)
    if shape is None or shape.data is not data:
        if len(plan.shapes) > 64:
            plan.shapes.clear()
        segments = plan.lean_segments if lean else plan.segments
        shape = plan.shapes[key] = Shape(
            segments, n, batch_size, first_batch, data, plan.inputs, plan.outputs
        )
    return shape


class Unwalked:
    """An epoch the fast lane took: enough to walk it again step by step, to undo it."""

    __slots__ = ("epoch", "numbers", "targets", "states", "scheduler", "rng", "steps")

    def __init__(
        self, epoch: int, numbers: bytes, targets: Sequence[float], states: Sequence[object],
        scheduler: tuple, rng: tuple | None, steps: int,
    ) -> None:  # fmt: skip
        # (what _snapshot reads, kept apart: no tuple of them to keep)
        self.epoch, self.numbers, self.targets, self.states = epoch, numbers, targets, states
        self.scheduler, self.rng = scheduler, rng
        self.steps = steps  # how many steps the epoch took (what back() can walk again)


def restore(run: Scheduler, point: Unwalked) -> None:
    """Put the network and the scheduler back where they were when ``point``'s epoch began."""
    _put_back(run.net, (point.numbers, point.targets, point.states))
    run._order, run._loss_sum, run._loss_count, run.loss, count = point.scheduler[:5]
    run._norm, run._norm_batch = point.scheduler[5:7]
    del run.losses[count:]
    if point.rng is not None:
        run.net.rng.setstate(point.rng)


def _pack(numbers: list[float]) -> array:
    """Floats as an array of doubles (struct converts them at C speed, array item by item)."""
    size = len(numbers)
    packer = _PACKERS.get(size)
    if packer is None:  # (full: the oldest goes, the same line either way, as in check_data)
        _PACKERS.pop(next(iter(_PACKERS)) if len(_PACKERS) > 64 else None, None)
        packer = _PACKERS[size] = struct.Struct(f"{size}d").pack
    packed = array("d")
    packed.frombytes(packer(*numbers))
    return packed


_PACKERS: dict[int, object] = {}  # by count: an epoch's numbers are as many each time


def _joined(numbers: list, mean: float) -> array:
    """An epoch's numbers and, last, its mean loss, as one array of doubles: the lane hands
    them over packed, a sample (or a batch's updates) at a time, the object walk as floats."""
    if numbers and type(numbers[0]) is bytes:
        numbers.append(_DOUBLE(mean))
        packed = array("d")
        packed.frombytes(b"".join(numbers))
        return packed
    numbers.append(mean)
    return _pack(numbers)


_DOUBLE = struct.Struct("d").pack


def _first_batch(run: Scheduler, plan: Layout, trace) -> int:
    """The first batch whose steps a bounded trace keeps (0: all of them).

    (With an optimizer's state, all: an update's state before is the one before it.)
    """
    if trace.keep is None or trace.links is not None or plan.key[-1]:
        return 0
    n, size = len(run.data), run.batch_size
    S, U = len(plan.segments[0]), len(plan.segments[1])
    total = n * S + run._batches * U + 1
    first = total - trace.keep  # the first step kept
    if first <= 0:
        return 0
    span = size * S + U
    return min(first // span, run._batches)


NO_LANE = ()  # what _lane_epoch returns when the network has no lane


def _lane_epoch(run, plan, order, rate, numbers, first_batch, lean=False) -> tuple | None:
    """The epoch in the generated lane; None if a number was not finite (nothing changed)."""
    net = run.net
    if len(net.links) > lanes.MAX_LINKS:
        return NO_LANE
    rule = _lane_rule(run.optimizer)
    if rule is None:
        return NO_LANE
    traced = ("lean" if lean else True) if numbers is not None else False
    kind = (run.batch_size > 1, traced, rule)  # batched, traced (lean: see run_epoch), the update
    if kind not in plan.lanes:  # written out once per topology (None: too many links)
        plan.lanes[kind] = lanes.lane(net, plan.sample_ops, plan.update_ops, *kind)
    code = plan.lanes[kind]
    if code is None:
        return NO_LANE
    try:
        done = code.run(
            run.data, order, run.batch_size, run.reduce == "mean", rate,
            0.0 if rule == "plain" else run.momentum, numbers,
            first_batch, run._loss_sum,
        )  # fmt: skip
    except Exception:  # e.g. a user's activation that raised: the object walk meets it too
        if numbers is not None:
            numbers.clear()
        return NO_LANE
    if done is None:
        return None
    loss_sum, loss = done
    return loss_sum, run._loss_count + len(order), loss


def _object_epoch(run, plan, order, rate, numbers, first_batch, lean=False) -> tuple | None:
    """The epoch by the Neuron and Link methods, run by run; None if a number is not finite.

    Same calls on the same objects in the same order as the scheduler's steps.
    On a NaN or infinity the network is put back as it was at the epoch's start.
    """
    net = run.net
    saved = _snapshot(net)
    data, size_b = run.data, run.batch_size
    mean = run.reduce == "mean"
    optimizer = run._optimizer(rate)
    rule = None if optimizer.plain else optimizer  # (plain: the link's own w − rate · ∂E/∂w)
    names = optimizer.fields()  # the state's numbers an update leaves
    isfinite, fused = math.isfinite, net.fused
    outputs, lf = net.outputs, net.loss_function
    present = net.present
    add = numbers.append if numbers is not None else None
    extend = numbers.extend if numbers is not None else None
    loss_sum, count, loss = run._loss_sum, run._loss_count, run.loss
    for b in range(run._batches):
        start = b * size_b
        size = min(size_b, len(data) - start)
        keep = add is not None and b >= first_batch
        for k in range(size + 1):
            if k < size:
                sample = order[start + k]
                runs = plan.sample_runs
            else:  # the batch's update segment
                sample = order[start + size - 1]
                runs = plan.update_runs
            for code, _phase, objs in runs:
                # A sum is non-finite if any term is (an overflow of the sum only
                # sends the epoch to the step-by-step walk, which judges it exactly).
                total = 0.0
                # a trace stores only what it cannot work out (see steps.WORKED_OUT)
                if code == DELIVER:
                    for obj in objs:
                        total += obj.deliver()
                elif code == LEARN:
                    for obj in objs:
                        total += obj.learn() + obj.blame + obj.gradient
                elif code == UPDATE:
                    divisor = float(k) if mean and k > 0 else 1.0
                    for obj in objs:
                        if keep and not lean:
                            add(obj.weight)
                            add(momentum_term(optimizer, obj._state, rate))
                        new = obj.update(rate, divisor, rule)
                        total += new
                        if keep:
                            add(new)
                            if names:
                                after = obj._state
                                extend(getattr(after, name) for name in names)
                elif code == FIRE:
                    for obj in objs:
                        v = obj.fire()
                        total += v + obj.net
                        if keep:
                            add(obj.net)
                            add(v)
                elif code == SENSE:
                    for obj in objs:
                        s = obj.sense(fused(obj))  # (no mistake: see ready)
                        total += s + obj.error
                        if keep:
                            add(obj.error)
                            add(s)
                elif code == PRESENT:
                    present(*data[sample])
                else:  # SCORE: the loss and the output errors
                    values = tuple(o.value for o in outputs)
                    targets = data[sample][1]
                    loss = total = net.output_loss(targets)
                    errors = tuple(lf.gradient(values, targets))
                    for o, err in zip(outputs, errors):
                        o.error = err
                    loss_sum += loss
                    count += 1
                    if keep:
                        add(loss)
                        extend(errors)
                if not isfinite(total):
                    _put_back(net, saved)
                    return None
    return loss_sum, count, loss


def _snapshot(net: Network) -> tuple:
    """Every number an epoch changes in the network's objects, the outputs' targets and
    the links' optimizer states.

    The numbers are packed as doubles in one bytes object (see :func:`_numbers`): undo
    keeps one of these an epoch, hundreds of epochs long, and as bytes it holds no float
    objects and nothing the garbage collector looks into. (A number set by hand as an
    int, ``link.weight = 1``, comes back as the same number, a float.)
    """
    net.settle()
    states = reader(net, "links", "_state")()  # (immutable: kept as they are)
    return _numbers(net)[0](), reader(net, "outputs", "target")(), states


def _numbers(net: Network) -> tuple:
    """(read, write) of every number an epoch changes, packed as doubles in the order of
    :data:`NUMBERS`: every link's weight, then every link's gradient (so a walk's starts
    are two slices), and so on.

    Written out once per topology as straight-line Python up to lane.MAX_LINKS links, as
    the engines' weights are (engines.base.weights): undo after a whole epoch reads them
    once an epoch. Past that, the same order by loops (the lane is not written out either).
    """
    cached = net.cache.get("epoch numbers")
    if cached is None or cached[0] != net.version:
        groups = {"links": net.links, "neurons": net.neurons}
        packing = struct.Struct(f"{sum(len(groups[g]) for g, _a in NUMBERS)}d")
        if len(net.links) <= lanes.MAX_LINKS:
            names = [f"{g[0]}{i}.{a}" for g, a in NUMBERS for i in range(len(groups[g]))]
            source = (
                "def read():\n    return pack(" + ", ".join(names) + ")\n"
                "def write(numbers):\n    " + ", ".join(names) + ", = unpack(numbers)\n"
            )
            space: dict[str, object] = {f"l{i}": link for i, link in enumerate(net.links)}
            space.update({f"n{k}": n for k, n in enumerate(net.neurons)})
            space.update(pack=packing.pack, unpack=packing.unpack)
            exec(source, space)
            read, write = space["read"], space["write"]
        else:
            read, write = partial(_read, groups, packing), partial(_write, groups, packing)
        cached = net.cache["epoch numbers"] = (net.version, read, write)
    return cached[1], cached[2]


# what an epoch changes in the network's objects, by group and attribute, in packed order
NUMBERS = (
    ("links", "weight"), ("links", "gradient"), ("links", "_value"), ("links", "_sensitivity"),
    ("links", "_blame"), ("neurons", "net"), ("neurons", "value"), ("neurons", "error"),
    ("neurons", "sensitivity"),
)  # fmt: skip


def _read(groups: dict, packing: struct.Struct) -> bytes:
    listed: list[float] = []
    for group, attribute in NUMBERS:
        listed += map(attrgetter(attribute), groups[group])
    return packing.pack(*listed)


def _write(groups: dict, packing: struct.Struct, numbers: bytes) -> None:
    values, at = packing.unpack(numbers), 0
    for group, attribute in NUMBERS:
        objects = groups[group]
        for obj, value in zip(objects, values[at : at + len(objects)]):
            setattr(obj, attribute, value)
        at += len(objects)


def _put_back(net: Network, saved: tuple) -> None:
    numbers, targets, states = saved
    net.settle()
    _numbers(net)[1](numbers)
    for link, state in zip(net.links, states):
        link._state = state
    for neuron, target in zip(net.outputs, targets):
        neuron.target = target
