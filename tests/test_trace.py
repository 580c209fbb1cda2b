"""Trace: per-link questions, bounds, and CSV / JSON-lines export."""

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lernpy import LernpyError, Network, NumericError, Trace, datasets, examples
from tests.strategies import cases


def test_updates_of_one_link_with_their_numbers():
    net = examples.mazur()
    net.scheduler([examples.MAZUR_SAMPLE], rate=0.5, epochs=3).run()
    updates = net.trace.updates("h1->o1")
    assert len(updates) == 3
    assert round(updates[0].new, 8) == 0.35891648
    assert [u.old for u in updates[1:]] == [u.new for u in updates[:-1]]
    assert net.trace.updates("w5") == updates
    assert [s.kind for s in net.trace.of("h1→o1")[:3]] == ["Delivered", "Learned", "Updated"]


def test_keep_the_last_n():
    net = Network.layered(2, 2, 1, seed=0)
    trace = Trace(keep=10)
    steps = net.scheduler(datasets.xor(), trace=trace).run()
    assert len(trace) == 10 and list(trace) == steps[-10:]


def test_keep_only_chosen_links():
    net = examples.mazur()
    trace = Trace(links=["w5", "h2->o2"])
    net.scheduler(examples.MAZUR_SAMPLE, trace=trace).run()
    assert {s.name for s in trace} == {"h1→o1", "h2→o2"}
    assert len(trace) == 6  # delivered, learned, updated, for each


def test_bad_bound_is_an_error():
    with pytest.raises(LernpyError, match="keep"):
        Trace(keep=0)


def test_csv_and_jsonl_export_round_trip_the_numbers(tmp_path):
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE).run()
    assert net.trace.to_csv(tmp_path / "t.csv") is None  # written: nothing for a REPL to echo
    text = net.trace.to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == text
    w5 = [r for r in rows if r["kind"] == "Updated" and r["name"] == "h1→o1"][0]
    assert float(w5["new"]) == net["w5"].weight and float(w5["old"]) == 0.4
    lines = net.trace.to_jsonl().splitlines()
    assert len(lines) == len(rows) == len(net.trace)
    fired = [json.loads(line) for line in lines if '"Fired"' in line][0]
    assert fired["name"] == "h1" and fired["net"] == 0.3775


def test_back_removes_the_undone_step_from_the_trace():
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE)
    run.step()
    run.step()
    run.back()
    assert len(net.trace) == 1


# -- a whole epoch kept as numbers -------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cases(count=3),
    batch_size=st.sampled_from([1, 2, 3]),
    immediate=st.booleans(),
    momentum=st.sampled_from([0.0, 0.5]),
    shuffle=st.booleans(),
)
def test_steps_built_from_a_walks_numbers_are_the_ones_the_scheduler_yields(
    case, batch_size, immediate, momentum, shuffle
):
    """A trace of step("epoch") (numbers in an array, records built when read) holds the very
    records stepping yields one by one: same kinds, links, neurons and numbers, bit for bit."""
    net, samples = case
    update = "immediate" if immediate and batch_size == 1 else "deferred"
    options = dict(rate=0.2, momentum=momentum, batch_size=batch_size, update=update,
                   shuffle=shuffle, epochs=2)  # fmt: skip
    stepping = net.scheduler(samples, trace=None, **options)
    try:
        yielded = stepping.run()
    except NumericError:
        assume(False)
    for _ in yielded:  # back to the start: the same walk again, an epoch at a time
        stepping.back()
    run = net.scheduler(samples, **options)
    run.step("epoch")
    run.step("epoch")
    built = list(run.trace)
    assert [type(s) for s in built] == [type(s) for s in yielded]
    assert [repr(s.fields()) for s in built] == [repr(s.fields()) for s in yielded]
    assert [getattr(s, "link", getattr(s, "neuron", None)) for s in built] == [
        getattr(s, "link", getattr(s, "neuron", None)) for s in yielded
    ]
    assert built == yielded
    assert [repr(s) for s in reversed(run.trace)] == [repr(s) for s in reversed(yielded)]
    assert [run.trace[i] for i in (0, -1, len(yielded) // 2)] == [
        yielded[i] for i in (0, -1, len(yielded) // 2)
    ]


def test_a_bounded_trace_of_whole_epochs_keeps_the_last_steps():
    """keep=N after step("epoch"): the last N steps, as stepping would have kept them."""
    net = Network.layered(2, 3, 1, seed=2)
    stepped = net.scheduler(datasets.xor(), epochs=2, trace=None).run()
    net = Network.layered(2, 3, 1, seed=2)
    trace = Trace(keep=37)
    run = net.scheduler(datasets.xor(), epochs=2, trace=trace)
    run.step("epoch")
    run.step("epoch")
    assert len(trace) == 37
    assert [s.fields() for s in trace] == [s.fields() for s in stepped[-37:]]
    assert trace[0].fields() == stepped[-37].fields()


def test_per_link_queries_and_exports_are_the_same_for_whole_epochs():
    """of(), updates(), CSV and JSON lines of a trace of step("epoch") equal those of stepping."""
    texts = []
    for whole in (True, False):
        net = examples.mazur()
        run = net.scheduler([examples.MAZUR_SAMPLE] * 3, rate=0.5, epochs=2)
        if whole:
            run.step("epoch")
            run.step("epoch")
        else:
            run.run()
        trace = net.trace
        texts.append(
            (
                trace.to_csv(),
                trace.to_jsonl(),
                [s.fields() for s in trace.of("w5")],
                [s.fields() for s in trace.updates("h1->o1")],
                [s.fields() for s in trace.of("h2")],
                repr(trace),
            )
        )
    assert texts[0] == texts[1]


def test_a_trace_of_some_links_keeps_their_steps_from_whole_epochs():
    """Trace(links=...) keeps only those links' steps, also when an epoch arrives at once."""
    net = examples.mazur()
    trace = Trace(links=["w5"])
    net.scheduler([examples.MAZUR_SAMPLE] * 2, trace=trace, epochs=2).step("epoch")
    assert [s.kind for s in trace] == ["Delivered", "Learned", "Updated"] * 2
    assert {s.name for s in trace} == {"h1→o1"}
