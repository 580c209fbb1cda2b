"""The fast lane: whole epochs of the stepping walk, for train().

:class:`FastLane` is a :class:`~lernpy.walk.scheduler.Scheduler` whose
``step("epoch")``, asked at an epoch's start, runs the whole epoch in one loop:
the same calls on the same Neuron and Link objects in the same order as
stepping, so the network ends bit for bit where stepping would leave it and a
trace receives the same records (``tests/test_scheduler.py`` holds the two
equal). What it skips is stepping's bookkeeping: the undo log (training never
steps back), the walker, and the records a bounded trace would drop at once.
``train(engine="reference")`` runs on it.

>>> from lernpy import datasets, Network
>>> net = Network.layered(2, 2, 1, seed=1)
>>> lane = FastLane(net, datasets.xor(), rate=0.5, epochs=2, history="batch")
>>> lane.step("epoch").kind, lane.epoch
('EpochEnded', 1)
"""

from __future__ import annotations

import math
import weakref

from lernpy.errors import LernpyError
from lernpy.graph.neuron import Neuron
from lernpy.walk.plan import DELIVER, FIRE, LEARN, PRESENT, SCORE, SENSE, UPDATE, Op
from lernpy.walk.scheduler import Scheduler, blame_through, momentum_term
from lernpy.walk.steps import (
    Delivered,
    EpochEnded,
    Fired,
    Learned,
    Presented,
    Scored,
    Sensed,
    Step,
    Updated,
)

# the plan grouped into runs, per network (see FastLane._lane)
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


class FastLane(Scheduler):
    """A scheduler that takes a whole epoch at once when asked for one at an epoch's start."""

    def step(self, grain: str | None = None) -> Step:
        """As :meth:`Scheduler.step`; ``"epoch"`` from an epoch's start runs the fast lane."""
        if grain == "epoch" and self._next is not None and self._next[0][1:] == (0, 0, 0):
            record = self._fast_epoch()
            if record is not None:
                return record
        return super().step(grain)

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
        rate, rule, mean = self.rate, self._rule, self.reduce == "mean"
        optimizer, reset, slope = self.optimizer, self._reset, self._slope
        sequential = self.update == "sequential"
        stale = "stale_gradient" if not reset else ""
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
                            norm = self.clip_norm(e, b, divisor)
                            for obj in objs:
                                new = obj.update(rate, divisor, rule, norm, reset)
                                if sequential:
                                    blame_through(obj, new)
                                total += new
                        elif code == FIRE:
                            for obj in objs:
                                total += obj.fire() + obj.net
                        elif code == SENSE:
                            for obj in objs:
                                total += obj.sense(fused(obj), slope) + obj.error
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
                            old, before = obj.weight, obj.state
                            divisor = float(k) if mean and k > 0 else 1.0
                            gradient = obj.gradient / divisor
                            norm = self.clip_norm(e, b, divisor)
                            term = momentum_term(optimizer, before, rate)
                            new = obj.update(rate, divisor, rule, norm, reset)
                            mistake = stale
                            if sequential:
                                blame_through(obj, new)
                                mistake = "sequential"
                            record = Updated(
                                e, sample, phase, obj, old, gradient, rate, term, new,
                                optimizer, before, obj.state, norm, mistake,
                            )  # fmt: skip
                            total += new
                        elif code == FIRE:
                            v = obj.fire()
                            record = Fired(e, sample, phase, obj, obj.net, v)
                            total += v + obj.net
                        elif code == SENSE:
                            fuse = fused(obj)
                            sens = obj.sense(fuse, slope)
                            mistake = "" if slope or fuse else "forgotten_slope"
                            record = Sensed(e, sample, phase, obj, obj.error, sens, mistake)
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
        self.loss = loss = self.net.output_loss(targets)
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
            (k.weight, k.value, k.sensitivity, k.blame, k.gradient, k.state) for k in net.links
        ]
        neurons = [
            (n.net, n.value, n.error, n.sensitivity, n.target, n.winner) for n in net.neurons
        ]
        scheduler = (
            self._order, self._loss_sum, self._loss_count, self.loss, self._norm, self._norm_batch
        )  # fmt: skip
        return links, neurons, scheduler, net.rng.getstate()

    def _fast_failed(self, epoch: int, saved: tuple) -> None:
        """Put the epoch's starting state back; the step-by-step walk takes over (and raises)."""
        links, neurons, scheduler, rng = saved
        for link, numbers in zip(self.net.links, links):
            (link.weight, link.value, link.sensitivity, link.blame, link.gradient,
             link.state) = numbers  # fmt: skip
        for neuron, numbers in zip(self.net.neurons, neurons):
            (neuron.net, neuron.value, neuron.error, neuron.sensitivity, neuron.target,
             neuron.winner) = numbers  # fmt: skip
        (self._order, self._loss_sum, self._loss_count, self.loss, self._norm,
         self._norm_batch) = scheduler  # fmt: skip
        self.net.rng.setstate(rng)
        self._seek((epoch, 0, 0, 0))
        return None
