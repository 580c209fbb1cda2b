"""The benchmark command runs end to end on the smallest workload (no timing is checked)."""

from __future__ import annotations

import json

import pytest

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
