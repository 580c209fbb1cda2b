"""Trace: a log of steps that answers questions per link.

A trace keeps what it is given compactly. Steps taken one at a time are kept as
they are (the scheduler made each record to return it). A whole epoch taken at
once (``train()``, ``step("epoch")``) arrives as a :class:`Walk`: the plan fixes
which link or neuron each step is about and in what order, so the walk keeps
only its numbers, in one array of floats, and builds a step record when someone
looks at it. Either way the trace answers the same, record for record.

>>> from lernpy import examples
>>> net = examples.mazur()
>>> run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
>>> _ = run.run()
>>> [round(u.new, 8) for u in net.trace.updates("w5")]
[0.35891648]
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from typing import IO, TYPE_CHECKING, overload

from lernpy import checks, hooks
from lernpy.errors import UnknownNameError
from lernpy.files import text_out
from lernpy.graph.network import link_key
from lernpy.hooks import Exports, Shows
from lernpy.optim import State
from lernpy.walk.series import Series
from lernpy.walk.steps import Step, layout, stored, width

if TYPE_CHECKING:
    from lernpy.graph.link import Link
    from lernpy.views.tables import Grid

COLUMNS = (
    "kind", "epoch", "sample", "phase", "name", "inputs", "targets", "net", "value", "values",
    "loss", "errors", "error", "sensitivity", "blame", "old", "gradient", "rate",
    "momentum_term", "new", "optimizer", "state", "t", "velocity", "sum", "square", "grad_avg",
    "m", "v", "v_max", "norm", "mistake",
)  # fmt: skip


class Steps(list, Exports, Shows):
    """Step records a trace query found: a list that shows itself and exports its table.

    >>> from lernpy import examples
    >>> net = examples.mazur()
    >>> _ = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, epochs=2).run()
    >>> net.trace.updates("w5")
    Steps(w5: 2 steps, Updated ×2)
    >>> net.trace.updates("w5").to_csv().splitlines()[0]
    'epoch,sample,old weight,gradient,rate,momentum term,change,new weight'
    """

    __slots__ = ("about",)

    def __init__(self, steps: Iterable[Step] = (), about: str = "") -> None:
        super().__init__(steps)
        self.about = about

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for step in self:
            kinds[step.kind] = kinds.get(step.kind, 0) + 1
        parts = [f"{kind} ×{count}" for kind, count in kinds.items()]
        count = f"{len(self)} step" + ("s" if len(self) != 1 else "")
        head = f"Steps({self.about}: {count}" if self.about else f"Steps({count}"
        line = head + "".join(f", {p}" for p in parts) + ")"
        return line if len(line) <= 80 else head + ")"


# What trace.series() reads from each kind of step: field → (kind, attribute)
SERIES_FIELDS = {
    "link": {
        "value": ("Delivered", "value"),
        "sensitivity": ("Learned", "sensitivity"),
        "blame": ("Learned", "blame"),
        "weight": ("Updated", "new"),
        "gradient": ("Updated", "gradient"),
    },
    "neuron": {
        "net": ("Fired", "net"),
        "value": ("Fired", "value"),
        "error": ("Sensed", "error"),
        "sensitivity": ("Sensed", "sensitivity"),
    },
}
COUNTS = {"Updated": "update"}  # what counts the points of a series (else "sample")


class Segment:
    """The steps of one stretch of a walk, as the plan fixes them.

    A stretch is a sample's walk, a batch's updates, or an epoch's end: for each
    step its kind, the link or neuron it is about, its phase, where its stored
    numbers start among the stretch's numbers, and where to find the numbers its
    other fields are made of (``recipes``, see :class:`Walk`).
    """

    __slots__ = ("about", "kinds", "lean", "phases", "recipes", "size", "starts", "width")

    def __init__(
        self, steps: Sequence[tuple[type[Step], object, str]], recipes: Sequence[tuple | None],
        inputs: int, outputs: int, state: int = 0, lean: bool = False,
    ) -> None:  # fmt: skip
        self.lean = lean  # (an update stores its new weight only: see steps.width)
        self.kinds = [kind for kind, _about, _phase in steps]
        self.about = [about for _kind, about, _phase in steps]
        self.phases = [phase for _kind, _about, phase in steps]
        self.recipes = list(recipes)
        self.starts: list[int] = []
        at = 0
        for kind in self.kinds:
            self.starts.append(at)
            at += width(kind, inputs, outputs, state, lean)
        self.width = at  # numbers per stretch
        self.size = len(self.kinds)  # steps per stretch

    def __len__(self) -> int:
        return self.size


class Shape:
    """What the walks of one run's epochs have in common: the plan's segments, the data,
    the batch size, and where the numbers of the steps kept are (from ``first_batch``)."""

    __slots__ = (
        "batch_size", "batches", "data", "end", "first", "inputs", "offset", "outputs", "sample",
        "span", "stop", "update",
    )  # fmt: skip

    def __init__(
        self, segments: tuple, n: int, batch_size: int, first_batch: int, data: Sequence,
        inputs: int, outputs: int,
    ) -> None:  # fmt: skip
        self.sample, self.update, self.end = segments
        self.batch_size, self.data, self.inputs, self.outputs = batch_size, data, inputs, outputs
        S, U = self.sample.size, self.update.size
        self.batches = -(-n // batch_size)
        self.span = batch_size * S + U  # steps of a whole batch
        begun = min(first_batch * batch_size, n)  # samples before the first batch kept
        self.first = begun * S + first_batch * U
        self.offset = begun * self.sample.width + first_batch * self.update.width
        self.stop = n * S + self.batches * U + self.end.size


class Walk:
    """One epoch of the walk, kept as numbers: what the plan fixes is not stored again.

    The epoch's samples run in ``order`` in batches of ``batch_size``; each sample
    is a ``sample`` segment, each batch ends with an ``update`` segment (empty when
    links update right after learning), and the epoch with its ``end``. The stored
    numbers of every step, in that order, are in ``numbers``, from the shape's first
    kept batch on (a bounded trace needs no more). A step is built when it is looked
    at; its other numbers are worked out as the step worked them out:

    - a sample's inputs and targets are the data's;
    - a link's delivered value is weight · source value, its ∂E/∂w target sensitivity ·
      source value, its blame weight · target sensitivity, where the weight is the old
      weight of its update in the same batch (the weight it had all batch long);
    - an update's gradient is the batch's Σ ∂E/∂w (from the link's gradient at the
      epoch's start, ``gradients``) ÷ the divisor; its optimizer and rate are the
      epoch's; the state before it is the one the link's update before left (or the
      one the epoch began with, ``states``), and with an optimizer that keeps none,
      the state after is the state before;
    - with plain gradient descent (``shape.sample.lean``) an update stores its new weight
      only: its old weight is the new weight of the same link's update in the batch (or,
      updating right after learning, the sample) before, or the epoch's first weight
      (``weights``), and its momentum term 0.
    """

    __slots__ = ("epoch", "first", "numbers", "order", "settings", "shape", "stop")

    def __init__(
        self, epoch: int, order: Sequence[int], numbers: array, shape: Shape, settings: tuple
    ) -> None:
        self.epoch = epoch
        self.order = order
        self.numbers = numbers
        self.shape = shape  # what every epoch of the run has in common
        # the epoch's rate, whether a batch's mean is taken, the links' gradients, weights
        # and states at the epoch's start (None: all gradients 0; no link frozen; no
        # state), and the optimizer
        self.settings = settings
        self.first, self.stop = shape.first, shape.stop  # the steps kept (a trace moves them)

    def __len__(self) -> int:
        return self.stop - self.first

    def locate(self, i: int) -> tuple[Segment, int, int, int]:
        """Step ``i`` of the epoch as (segment, position in it, batch, sample in the batch)."""
        shape = self.shape
        S, U, bs = shape.sample.size, shape.update.size, shape.batch_size
        n, batches = len(self.order), shape.batches
        if i >= n * S + batches * U:
            return shape.end, i - (n * S + batches * U), batches, 0
        b = min(i // shape.span, batches - 1)
        r = i - b * shape.span
        size = min(bs, n - b * bs)
        if r < size * S:
            k, j = divmod(r, S)
            return shape.sample, j, b, k
        return shape.update, r - size * S, b, size

    def step(self, i: int) -> Step:
        """Step ``i`` of the epoch (counting from the epoch's first step), built now."""
        segment, j, b, k = self.locate(i)
        kind = segment.kinds[j]
        shape = self.shape
        bs, n, width = shape.batch_size, len(self.order), shape.sample.width
        start = min(b * bs, n)  # the batch's first sample
        size = min(bs, n - start)
        base = start * width + b * shape.update.width - shape.offset
        if segment is shape.end:
            sample, here = -1, n * width + shape.batches * shape.update.width - shape.offset
        elif segment is shape.update:
            sample, here = self.order[start + size - 1], base + size * width
        else:
            sample, here = self.order[start + k], base + k * width
        values = self._stored(kind, here + segment.starts[j])
        recipe = segment.recipes[j]
        if recipe is not None:
            values.update(self._worked_out(kind, recipe, values, b, k, base, size))
        about = segment.about[j]
        args = [about if how == "object" else values[name] for name, how in layout(kind)]
        return kind(self.epoch, sample, segment.phases[j], *args)

    def _stored(self, kind: type[Step], at: int) -> dict[str, object]:
        row, values = self.numbers, {}
        if self.shape.sample.lean and kind.__name__ == "Updated":
            return {"new": row[at]}  # (the rest is worked out)
        for name, how in stored(kind):
            if how == "state":  # the numbers of the optimizer's state, by name
                names = self.settings[4].fields()  # (the optimizer's)
                values[name] = dict(zip(names, row[at : at + len(names)]))
                at += len(names)
            elif how == "number":
                values[name] = row[at]
                at += 1
            elif how == "count":
                values[name] = int(row[at])
                at += 1
            else:
                size = self.shape.inputs if how == "inputs" else self.shape.outputs
                values[name] = tuple(row[at : at + size])
                at += size
        return values

    def _worked_out(
        self, kind: type[Step], recipe: tuple, kept: dict, b: int, k: int, base: int, size: int
    ) -> dict[str, object]:
        """The fields a walk does not store, worked out as the step itself worked them out."""
        shape, row = self.shape, self.numbers
        data, bs, width, lean = shape.data, shape.batch_size, shape.sample.width, shape.sample.lean
        rate, mean, gradients, weights, optimizer, states = self.settings
        here = base + k * width  # this sample's numbers
        after = base + size * width  # the batch's update segment
        span = bs * width + shape.update.width  # a whole batch's numbers

        def value(ref: tuple, at: int, sample: int) -> float:  # a source neuron's value
            where, place = ref
            if where == "fired":
                return row[at + place]
            if where == "input":
                return data[sample][0][place]
            return place  # a bias neuron's value

        def weight(ref: tuple) -> float:  # a link's weight during this batch
            where, place, link = ref
            if where == "frozen":
                return weights[place]  # a frozen link's, all epoch long
            if lean:  # the new weight of the link's update in the batch before
                if b == 0:
                    return weights[link]  # (the epoch's first: as the epoch began)
                before = base - span + (bs * width if where == "update" else 0)
                return row[before + place]
            if where == "update":
                return row[after + place]
            return row[here + place]  # (updated right after learning, in the sample)

        name = kind.__name__
        sample = self.order[min(b * bs + k, len(self.order) - 1)]
        if name == "Sensed":
            return {"mistake": ""}
        if name == "Presented":
            return {"inputs": data[sample][0], "targets": data[sample][1]}
        if name == "Scored":
            values = tuple(value(ref, here, sample) for ref in recipe)
            return {"values": values, "targets": data[sample][1]}
        if name == "Delivered":
            source, w = recipe
            return {"value": weight(w) * value(source, here, sample)}
        if name == "Learned":
            target, source, w = recipe
            sensitivity = row[here + target]
            return {
                "sensitivity": sensitivity * value(source, here, sample),
                "blame": weight(w) * sensitivity,
            }
        # Updated: the gradient the batch gathered (Link.learn), over the divisor
        index, target, source, (where, place, _link) = recipe
        gradient = gradients[index] if b == 0 and gradients is not None else 0.0
        first = b * bs
        for m in range(size):
            at = base + m * width
            gradient += row[at + target] * value(source, at, self.order[first + m])
        gradient = gradient / (float(size) if mean else 1.0)  # as the scheduler divides
        start = states[index] if states is not None else None
        if not optimizer.fields():  # the optimizer keeps no state: the link's stays as it was
            before = after = start
        else:  # the state the link's update before left (batch b − 1 is a whole batch)
            before = start
            if b > 0:
                at = (base - span) + (bs * width if where == "update" else 0)
                before = self._state(row, at + place + 3)  # (after old, term, new)
            after = self._state_of(kept["after"])
        worked = {}
        if lean:  # plain gradient descent: no momentum term
            worked = {"old": weight(recipe[3]), "momentum_term": 0.0}
        return {
            **worked,
            "gradient": gradient, "rate": rate, "optimizer": optimizer,
            "before": before, "after": after, "norm": None, "mistake": "",
        }  # fmt: skip

    def _state(self, row, at: int) -> State:
        names = self.settings[4].fields()
        return self._state_of(dict(zip(names, row[at : at + len(names)])))

    def _state_of(self, numbers: dict[str, float]) -> State:
        """The optimizer's State from its numbers (a step count is a whole number)."""
        numbers = {k: int(v) if k == "t" else v for k, v in numbers.items()}
        return State(self.settings[4].kind, **numbers)

    def steps(self, reverse: bool = False) -> Iterator[Step]:
        span = range(self.stop - 1, self.first - 1, -1) if reverse else range(self.first, self.stop)
        for i in span:
            yield self.step(i)

    def about(self, keep) -> Iterator[Step]:
        """The steps whose link or neuron passes ``keep``, in order (built only for those)."""
        wanted = {}
        for segment in (self.shape.sample, self.shape.update, self.shape.end):
            wanted[id(segment)] = [j for j, obj in enumerate(segment.about) if keep(obj)]
        i = self.first - self.locate(self.first)[1] if self.first < self.stop else self.stop
        while i < self.stop:
            segment, j, _b, _k = self.locate(i)
            start = i - j  # the segment's first step
            for p in wanted[id(segment)]:
                if self.first <= start + p < self.stop:
                    yield self.step(start + p)
            i = start + len(segment)


class Trace(Shows):
    """Collects steps. ``keep``: None keeps all, N keeps the last N; ``links``
    keeps only the steps about those links (names, ASCII arrows allowed).
    """

    def __init__(self, keep: int | None = None, links: Iterable[str] | None = None) -> None:
        if keep is not None:
            keep = checks.whole(keep, "Trace(keep=...)", low=1, high=sys.maxsize)
        self.keep = keep
        if isinstance(links, str):
            links = [links]
        self.links = None if links is None else {link_key(n) for n in checks.names(links, "links")}
        # in order: lists of step records (taken one by one) and walks (whole epochs)
        self._blocks: list[list[Step] | Walk] = []
        self._size = 0
        self._ends: list[int] | None = None  # where each block ends (for indexing)
        self.taken = 0  # steps taken in so far, less those discarded (where the stream is)

    # -- adding and removing -----------------------------------------------------

    def append(self, step: Step) -> None:
        if self.links is not None and not self._wanted(getattr(step, "link", None)):
            return
        blocks = self._blocks
        if not blocks or not isinstance(blocks[-1], list):
            blocks.append([])
        blocks[-1].append(step)
        self._grew(1)

    def add_walk(self, walk: Walk) -> None:
        """Take a whole epoch at once (kept as numbers; a trace of some links keeps their steps)."""
        if self.links is not None:
            for step in walk.about(self._wanted):
                self.append(step)
            return
        self._blocks.append(walk)
        self._grew(walk.stop - walk.first)

    def _wanted(self, link: Link | None) -> bool:
        """Does a ``links`` trace keep the steps about this (link, shared weight or neuron)?
        A link's by its name or label, or by the name of the weight it shares."""
        if link is None or not hasattr(link, "weight"):
            return False
        keep = self.links
        shared = getattr(link, "shared", None)
        return (
            link.name in keep  # type: ignore[operator]
            or link.label in keep  # type: ignore[operator]
            or (shared is not None and shared.name in keep)  # type: ignore[operator]
        )

    def _grew(self, count: int) -> None:
        # one statement: a Ctrl-C lands before or after it, never between the two counts
        # (rewind() finds a block that was put in and not yet counted by its length)
        self._size, self.taken = self._size + count, self.taken + count
        self._ends = None
        if self.keep is not None and self._size > self.keep:
            self._drop(self._size - self.keep)

    def _drop(self, count: int) -> None:
        """Forget the first ``count`` steps."""
        blocks = self._blocks
        while count and blocks:
            block = blocks[0]
            # (each block's removal and its count in one statement, as in _grew)
            if len(block) <= count:
                count -= len(block)
                blocks[:1], self._size = [], self._size - len(block)
            elif isinstance(block, list):
                blocks[0], self._size = block[count:], self._size - count
                count = 0
            else:
                block.first, self._size = block.first + count, self._size - count
                count = 0
        self._ends = None

    def discard(self, step: Step) -> None:
        """Forget ``step`` if it is the last one kept (``back()`` uses this)."""
        if not self._blocks:
            return
        block = self._blocks[-1]
        last = block[-1] if isinstance(block, list) else block.step(block.stop - 1)
        if last is not step and not same(last, step):
            return
        if isinstance(block, list):
            block.pop()
        else:
            block.stop -= 1
        self._size -= 1
        self.taken -= 1
        if not len(block):
            self._blocks.pop()
        self._ends = None

    def rewind(self, taken: int) -> None:
        """Forget the steps taken in since ``taken`` was :attr:`taken` (newest first):
        training interrupted goes back to the end of its last finished epoch."""
        blocks = self._blocks
        held = sum(len(block) for block in blocks)
        # the steps taken in since, and a block an interrupted add put in before counting it
        count = self.taken - taken + held - self._size
        self._size = held
        while count > 0 and blocks:
            block = blocks[-1]
            if len(block) <= count:
                count -= len(block)
                self._size -= len(block)
                blocks.pop()
            elif isinstance(block, list):
                del block[len(block) - count :]
                self._size -= count
                count = 0
            else:
                block.stop -= count
                self._size -= count
                count = 0
        self.taken = min(self.taken, taken)
        self._ends = None

    def clear(self) -> None:
        self._blocks.clear()
        self._size = 0
        self._ends = None

    # -- reading -------------------------------------------------------------------

    def __iter__(self) -> Iterator[Step]:
        for block in self._blocks:
            if isinstance(block, list):
                yield from block
            else:
                yield from block.steps()

    def __reversed__(self) -> Iterator[Step]:
        for block in reversed(self._blocks):
            if isinstance(block, list):
                yield from reversed(block)
            else:
                yield from block.steps(reverse=True)

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Step: ...
    @overload
    def __getitem__(self, index: slice) -> list[Step]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("trace index out of range")
        if self._ends is None:
            ends, total = [], 0
            for block in self._blocks:
                total += len(block)
                ends.append(total)
            self._ends = ends
        b = bisect_right(self._ends, index)
        block = self._blocks[b]
        at = index - (self._ends[b - 1] if b else 0)
        return block[at] if isinstance(block, list) else block.step(block.first + at)

    @property
    def steps(self) -> StepView:
        """The steps kept, oldest first: a sequence (records are built when looked at)."""
        return StepView(self)

    def of(self, name: str) -> Steps:
        """Every kept step about the link or neuron ``name`` (a label such as "w5" too; a
        shared weight's name: its update and every step of its links)."""
        name = checks.text(name, "name")
        key = link_key(name)

        def about(obj: object) -> bool:
            if obj is None:
                return False
            if obj.name == key or obj.name == name or getattr(obj, "label", None) == name:
                return True
            shared = getattr(obj, "shared", None)  # a link of the shared weight ``name``
            return shared is not None and shared.name == name

        found = Steps(about=name)
        for block in self._blocks:
            if isinstance(block, list):
                found += [s for s in block if about(getattr(s, "link", getattr(s, "neuron", None)))]
            else:
                found += block.about(about)
        return found

    def updates(self, name: str) -> Steps:
        """Every kept update of the link ``name``, with its numbers."""
        return Steps((s for s in self.of(name) if s.kind == "Updated"), about=name)

    def series(self, name: str, field: str = "sensitivity") -> Series:
        """One number of a link or neuron from every kept step, in order, to watch it change.

        For a link: "value", "sensitivity" (∂E/∂w), "blame", "weight" (after each
        update), "gradient"; for a neuron: "net", "value", "error", "sensitivity" (∂E/∂net).

        >>> from lernpy import examples
        >>> net = examples.mazur()
        >>> _ = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, epochs=3).run()
        >>> [round(v, 9) for v in net.trace.series("w5", "sensitivity")]
        [0.082167041, 0.083125235, 0.083987295]
        """
        steps = self.of(name)
        about = next((s for s in steps), None)
        what = "neuron" if about is not None and hasattr(about, "neuron") else "link"
        fields = SERIES_FIELDS[what]
        if not isinstance(field, str) or field not in fields:
            raise UnknownNameError(
                f"trace.series({name!r}, {field!r}): a {what} has no such series: expected "
                f"one of {', '.join(fields)}"
            )
        kind, attribute = fields[field]
        found = [s for s in steps if s.kind == kind]
        label = ""
        if found and getattr(found[0], "link", None) is not None and found[0].link.label:
            label = f" ({found[0].link.label})"
        title = f"{field} of {found[0].name if found else link_key(name)}{label}"
        return Series(
            title,
            [getattr(s, attribute) for s in found],
            x_label=COUNTS.get(kind, "sample"),
            start=1,
            epochs=[s.epoch for s in found],
            samples=[s.sample for s in found],
        )

    def table(self, name: str | None = None, last: int = 20) -> Grid:
        """The last ``last`` steps as lines, or the updates of the link ``name``, as a table."""
        return hooks.grid(self, name=name, last=last)

    def to_markdown(self) -> str:
        """:meth:`table` as Markdown (``to_csv`` writes every step with all its fields)."""
        return self.table().to_markdown()

    def to_latex(self, floating: bool = True) -> str:
        """:meth:`table` as LaTeX (booktabs)."""
        return self.table().to_latex(floating=floating)

    def rows(self) -> list[dict[str, object]]:
        """Each step as a flat dict of plain values."""
        return [s.fields() for s in self]

    def to_csv(self, file: str | os.PathLike | IO[str] | None = None) -> str | None:
        """The steps as CSV (one row per step, :data:`COLUMNS`): the text, or None once
        written to ``file``."""
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for step in self:
            writer.writerow({k: _plain(v) for k, v in step.fields().items()})
        return _write(buffer.getvalue(), file)

    def to_jsonl(self, file: str | os.PathLike | IO[str] | None = None) -> str | None:
        """The steps as JSON lines (one object per step): the text, or None once written."""
        text = "".join(json.dumps(s.fields(), ensure_ascii=False) + "\n" for s in self)
        return _write(text, file)

    def __repr__(self) -> str:
        bound = "" if self.keep is None else f", keep={self.keep}"
        links = "" if self.links is None else f", links={sorted(self.links)}"
        line = f"Trace({self._size} steps{bound}{links})"
        return line if len(line) <= 80 else f"Trace({self._size} steps{bound}, links=…)"


class StepView(Sequence):
    """A trace's steps as a read-only sequence (``trace.steps``)."""

    __slots__ = ("trace",)

    def __init__(self, trace: Trace) -> None:
        self.trace = trace

    def __len__(self) -> int:
        return len(self.trace)

    def __getitem__(self, index):  # type: ignore[override]
        return self.trace[index]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.trace)

    def __reversed__(self) -> Iterator[Step]:
        return reversed(self.trace)


def same(a: Step, b: Step) -> bool:
    """Are two records of the same step, number for number (NaN equal to NaN)?"""
    if type(a) is not type(b):
        return False
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x is y or x == y:
            continue
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if isinstance(x, tuple) and isinstance(y, tuple) and len(x) == len(y):
            if all(p == q or (p != p and q != q) for p, q in zip(x, y)):
                continue
        return False
    return True


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return " ".join(repr(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return value


_write = text_out  # the text, or None once written to a file
