"""The benchmark command runs end to end on the smallest workload (no timing is checked)."""

from __future__ import annotations

import json

import pytest

import lernpy

run = pytest.importorskip("benchmarks.run", reason="benchmarks/ lives beside the package")


def test_benchmark_runs_on_xor_and_writes_json(tmp_path, capsys):
    """A tiny budget on XOR, each implementation in its own process, two interleaved rounds:
    every row asked for is timed, its first gradients checked, and the JSON says what ran."""
    out = tmp_path / "bench.json"
    argv = ["--workloads", "xor", "--losses", "mse", "half_sse", "--budget", "0.002"]
    argv += ["--rounds", "2", "--no-memory", "--softmax", "--json", str(out)]
    argv += ["--only", "full trace, one call per epoch", "compiled engine, one call", "plain"]
    assert run.main(argv) == 0
    table = capsys.readouterr().out
    assert "| lernpy reference, full trace, one call per epoch |" in table
    assert "| plain Python loop |" in table and "loss half_sse" in table
    payload = json.loads(out.read_text())
    assert payload["rounds"] == 2 and payload["environment"]["commit"]
    timed = [r for r in payload["results"] if r["seconds_per_epoch"]]
    names = {r["implementation"] for r in timed}
    assert "lernpy compiled engine, one call" in names and "plain Python loop" in names
    for r in timed:
        assert len(r["cpu"]) == len(r["wall"]) == 2
        assert r["vs_best_peer"] is not None  # paired with the plain loop, round by round
        if r["first_gradient_error"] is not None:
            assert r["first_gradient_error"] <= 1e-9
    assert {r["loss"] for r in timed} == {"mse", "half_sse"}


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
