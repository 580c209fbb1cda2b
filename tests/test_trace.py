"""Trace: per-link questions, bounds, and CSV / JSON-lines export."""

import csv
import io
import json

import pytest

from lernpy import LernpyError, Network, Trace, datasets, examples


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
