"""The benchmark command runs end to end on the smallest workload (no timing is checked)."""

from __future__ import annotations

import json

import pytest

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
