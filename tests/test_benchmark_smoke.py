"""The benchmark command runs end to end on the smallest workload (no timing is checked)."""

from __future__ import annotations

import json

import pytest

import lernpy

run = pytest.importorskip("benchmarks.run", reason="benchmarks/ lives beside the package")


def test_benchmark_runs_on_xor_and_writes_json(tmp_path, capsys):
    """A tiny budget on XOR: every lernpy implementation and the plain loop produce a row."""
    out = tmp_path / "bench.json"
    argv = ["--workloads", "xor", "--budget", "0.002", "--repeats", "1", "--no-memory"]
    argv += ["--only", "lernpy", "plain", "--json", str(out)]
    assert run.main(argv) == 0
    table = capsys.readouterr().out
    assert "| lernpy reference + trace |" in table and "| plain Python loop |" in table
    results = json.loads(out.read_text())["results"]
    timed = [r for r in results if r["seconds_per_epoch"]]
    assert {r["implementation"] for r in timed} >= {"lernpy compiled engine", "plain Python loop"}
    for r in timed:
        if r["first_gradient_error"] is not None:
            assert r["first_gradient_error"] <= 1e-9


def test_the_network_file_and_trace_memory_scripts_run(capsys, monkeypatch):
    """The scripts whose figures the closing note of issue 11 gives, on tiny sizes."""
    from benchmarks import netfile_scale, trace_memory
    from lernpy.walk import scheduler

    assert netfile_scale.main(["--widths", "3", "5"]) == 0
    assert "same weights: True" in capsys.readouterr().out
    monkeypatch.setattr(scheduler, "TRACE_STEPS", 300)
    monkeypatch.setattr(scheduler, "UNDO_STEPS", 300)
    bounded = trace_memory.kept([1, 3], samples=4)
    everything = trace_memory.kept([1, 3], samples=4, trace=lernpy.Trace(), history="all")
    assert [steps for _, steps, _ in bounded] == [300, 300]
    assert everything[1][1] == 3 * everything[0][1] > 300
    assert bounded[1][2] < everything[1][2]
