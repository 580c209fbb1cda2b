"""Ctrl-C inside train() and fit(): the network as after the last finished epoch, and a message.

A KeyboardInterrupt is raised at random points of a training run (after the
N-th line of Python that runs, counted with ``sys.settrace``), for every engine
and every batch option. The interrupted network must hold exactly what an
uninterrupted run of the epochs it reports as finished holds (weights, momentum
state, no half-summed gradient, the generator).
"""

from __future__ import annotations

import copy
import dis
import os
import random
import sys

import pytest

import lernpy
from lernpy import Network, Trace, datasets, fit
from lernpy.engines.base import half_done
from lernpy.optim import Adam, RMSProp

Interrupted = getattr(lernpy, "Interrupted", KeyboardInterrupt)  # (a name this issue adds)

EPOCHS = 3
DATA = datasets.xor()


def in_lernpy(frame) -> bool:
    """Code of lernpy's, or code it generated (the compiled engine's)."""
    name = frame.f_code.co_filename
    return name.startswith(LERNPY) or name.startswith("<lernpy")


LERNPY = os.path.dirname(lernpy.__file__)
NOP = dis.opmap["NOP"]


class Interrupter:
    """Raises KeyboardInterrupt at the ``at``-th line of lernpy's code run, then stops tracing."""

    def __init__(self, at: float) -> None:
        self.at = at
        self.count = 0
        self.first = True

    def __enter__(self) -> Interrupter:
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(None)

    def _tick(self) -> None:
        self.count += 1
        if self.count == self.at:
            raise KeyboardInterrupt

    def _global(self, frame, event, arg):
        # (calls are not counted: a call event also comes when a generator is closed,
        # in a finaliser, where Python ignores any exception)
        if not in_lernpy(frame):
            return None  # not traced line by line; its calls still come here
        if self.first:
            self.first = False
            return None  # train()'s own two lines ("try:", the call): nothing can catch those
        return self._local

    def _local(self, frame, event, arg):
        # Not at a NOP: CPython 3.11 leaves the NOP of an inner "try:" at the top of a
        # loop outside the outer try's handler, and a real Ctrl-C never arrives there
        # (signals are checked at calls and backward jumps, not at a NOP).
        if event == "line" and frame.f_code.co_code[frame.f_lasti] != NOP:
            self._tick()
        return self._local


def network(kind: str = "layered") -> Network:
    if kind == "recurrent":  # shared weights: each update moves every link of a tie at once
        return Network.recurrent(1, 2, 1, steps=2, targets="last", seed=7)
    return Network.layered(2, 3, 1, activation="tanh", output="sigmoid", seed=7)


SEQUENCES = [([a, b], [float(a != b)]) for a in (0.0, 1.0) for b in (0.0, 1.0)]


CONFIGS = [
    ("reference", {"batch_size": 1}),
    ("reference", {"batch_size": 2, "momentum": 0.5}),
    ("reference", {"batch_size": "all", "trace": True}),
    ("reference", {"batch_size": 1, "update": "immediate", "momentum": 0.3}),
    ("reference", {"batch_size": 3, "callback": lambda report: None}),
    ("compiled", {"batch_size": 1}),
    ("compiled", {"batch_size": 2, "momentum": 0.5}),
    ("compiled", {"batch_size": "all"}),
    ("compiled", {"batch_size": 1, "momentum": 0.4, "callback": lambda report: None}),
    ("numpy", {"batch_size": 1, "momentum": 0.5}),
    ("numpy", {"batch_size": 2}),
    ("numpy", {"batch_size": "all", "momentum": 0.2}),
    ("reference", {"batch_size": 2, "optimizer": Adam(rate=0.05)}),
    ("reference", {"batch_size": "all", "optimizer": RMSProp(rate=0.05, momentum=0.5)}),
    ("reference", {"batch_size": 1, "momentum": 0.5, "network": "recurrent"}),
    ("compiled", {"batch_size": 2, "momentum": 0.5, "network": "recurrent"}),
]


def train(net: Network, engine: str, options: dict, epochs: int = EPOCHS):
    options = dict(options)
    data = SEQUENCES if options.pop("network", None) == "recurrent" else DATA
    if options.pop("trace", False):
        options["trace"] = net.trace = Trace()  # made before the interrupter sees anything
    if "optimizer" not in options:
        options["rate"] = 0.7
    return lernpy.train(net, data, epochs=epochs, engine=engine, **options)


def lines(engine: str, options: dict) -> int:
    """How many lines an uninterrupted run takes (after a first run that imports everything)."""
    train(network(options.get("network", "layered")), engine, options)
    counter = Interrupter(at=float("inf"))
    net = network(options.get("network", "layered"))
    with counter:
        train(net, engine, options)
    return counter.count


def steps(trace: Trace) -> list[tuple]:
    return [(s.kind, s.name, s.epoch, s.sample) for s in trace]


def same_training_state(a: Network, b: Network, momentum: bool) -> None:
    assert [k.weight for k in a.links] == [k.weight for k in b.links]
    assert [k.gradient for k in a.links] == [k.gradient for k in b.links]
    if momentum:
        assert [k.velocity for k in a.links] == [k.velocity for k in b.links]
    assert [k.state for k in a.links] == [k.state for k in b.links]  # Adam's moments, step count
    assert a.rng.getstate() == b.rng.getstate()


@pytest.mark.parametrize("engine, options", CONFIGS, ids=[f"{e}-{o}" for e, o in CONFIGS])
def test_an_interrupt_anywhere_in_train_keeps_the_finished_epochs_and_nothing_else(engine, options):
    if engine == "numpy":
        pytest.importorskip("numpy")
    total = lines(engine, options)
    rng = random.Random(total)
    points = sorted(rng.sample(range(1, total + 1), 24)) + [1, total]
    momentum = "momentum" in options or engine == "reference"
    kind = options.get("network", "layered")
    finished = set()
    for at in points:
        net = network(kind)
        with pytest.raises(KeyboardInterrupt) as info, Interrupter(at):
            train(net, engine, options)
        error = info.value
        assert isinstance(error, Interrupted), f"a bare KeyboardInterrupt at line {at}"
        done = error.history.epochs
        finished.add(done)
        assert 0 <= done <= EPOCHS and "epoch" in str(error)
        assert not half_done(net), f"a half-summed gradient left at line {at}"
        expected = network(kind)
        if done:
            train(expected, engine, options, epochs=done)
        same_training_state(net, expected, momentum)
        if options.get("trace"):  # the trace keeps the finished epochs' steps, no more
            assert steps(net.trace) == steps(expected.trace if done else Trace())
    assert len(finished) >= 2  # the points reached both early and late epochs


def test_the_message_says_where_training_stopped():
    net = Network.layered(2, 2, 1, seed=1)
    history = []

    def stop_in_the_third_epoch(report):
        history.append(report.epoch)
        if report.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as info:
        net.train(DATA, epochs=5, callback=stop_in_the_third_epoch, engine="compiled")
    assert info.value.history.epochs == 1
    assert str(info.value) == (
        "training was interrupted in epoch 2 of 5: the network holds what it held "
        "after epoch 1, the last one finished"
    )


@pytest.mark.parametrize("at_fraction", [0.05, 0.3, 0.55, 0.8, 0.97])
def test_an_interrupt_in_fit_keeps_its_finished_epochs_and_its_log(at_fraction):
    def run(net, epochs=4):
        return fit(net, DATA, DATA[:2], epochs=epochs, rate=0.5, batch_size=2, progress=False)

    counter = Interrupter(float("inf"))
    net = network()
    with counter:
        run(net)
    net = network()
    with pytest.raises(Interrupted) as info, Interrupter(int(counter.count * at_fraction)):
        run(net)
    log = info.value.history
    expected = network()
    if len(log):
        expected_log = run(expected, epochs=len(log))
        assert log.train_loss == expected_log.train_loss
    same_training_state(net, expected, momentum=False)
    assert net.training_log is log and "interrupted" in log.stopped


def test_an_interrupt_leaves_a_network_that_still_saves_and_trains():
    from lernpy.data.netfile import dumps, loads

    net = network()
    with pytest.raises(Interrupted), Interrupter(lines("reference", {"batch_size": 2}) // 2):
        train(net, "reference", {"batch_size": 2})
    loads(dumps(copy.deepcopy(net)))
    train(net, "compiled", {})


TRACE_PY = os.path.join(LERNPY, "walk", "trace.py")


class InTrace(Interrupter):
    """Counts only the lines of the trace's own module (walk/trace.py), so that a line
    count elsewhere (a cache hit or miss) does not move the points."""

    def _global(self, frame, event, arg):
        return self._local if frame.f_code.co_filename == TRACE_PY else None


@pytest.mark.parametrize("keep", [None, 40])
def test_an_interrupt_on_any_line_of_the_trace_keeps_exactly_the_finished_epochs(keep):
    # A trace takes a whole epoch in as a block and then counts it: an interrupt between
    # the two left the interrupted epoch's steps in the trace (9 lines of 6,046 in a sweep).
    # Every line the trace's own code runs is tried here, not a sample of them.
    def run(net, epochs=EPOCHS):  # (the trace is made before any line is counted)
        return lernpy.train(net, DATA, epochs=epochs, rate=0.7, trace=net.trace, batch_size="all")

    def network_and_trace():
        net = network()
        net.trace = Trace(keep=keep)
        return net

    run(network_and_trace())
    counter = InTrace(float("inf"))
    net = network_and_trace()
    with counter:
        run(net)
    assert counter.count > 10
    for at in range(1, counter.count + 1):
        net = network_and_trace()
        with pytest.raises(Interrupted) as info, InTrace(at):
            run(net)
        done = info.value.history.epochs
        expected = network_and_trace()
        if done:
            run(expected, epochs=done)
        want = expected.trace if done else Trace(keep=keep)
        got, kept = steps(net.trace), steps(want)
        if keep is None:
            assert got == kept and len(net.trace) == len(want), f"line {at}"
        else:  # steps a bounded trace let go of cannot come back: the last of them, no more
            assert got == kept[len(kept) - len(got) :] and len(net.trace) == len(got), at


def test_checking_data_runs_as_many_lines_with_its_memo_full_as_empty():
    """The test above counts lines on one run and interrupts a later one: check_data's memo of
    lists, left full or empty by the tests before, must not change how many lines it runs
    (it cleared itself when full, one line more, and failed that test now and then)."""
    from lernpy.graph import samples

    def counted(full: bool) -> int:
        samples._checked.clear()
        if full:
            for k in range(8):
                samples._checked[(-k, 0, 0)] = None
        count = 0

        def local(frame, event, arg):
            nonlocal count
            count += event == "line"
            return local

        sys.settrace(
            lambda frame, event, arg: (
                local if frame.f_code.co_filename == samples.__file__ else None
            )
        )
        try:
            samples.check_data(network("recurrent"), SEQUENCES)  # (lists: checked every time)
        finally:
            sys.settrace(None)
        return count

    assert counted(full=True) == counted(full=False) > 0
