"""Time lernpy's scheduler and engines against their peers in one process and one run.

    python -m benchmarks                       # every workload, about a second per timing
    python -m benchmarks --workloads xor --budget 0.05 --repeats 1 --json out.json

Each implementation trains with per-sample SGD (or full-batch/mini-batch where
named) from identical initial weights. Before timing, every implementation takes
one step on the first sample from those weights, and its gradients (recovered as
(old − new)/rate) must agree with the plain Python loop's. The number of units
timed (samples, or epochs for batch implementations) is adapted so that one timing
takes about `--budget` seconds; the table shows the median over `--repeats`.
Times are the process's CPU time by default (`--clock wall` for elapsed time):
the machine may be shared, and every implementation runs on one thread.
"""

from __future__ import annotations

import os

# One BLAS thread for numpy (and torch below) so that every peer uses one core.
# Set before numpy is imported anywhere in this process.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402

from . import peers, workloads  # noqa: E402

PEER_NAMES = {"plain Python loop", "numpy per-sample", "PyTorch per-sample"}
BASELINE = "micrograd"


@dataclass
class Result:
    workload: str
    implementation: str
    kind: str  # "per-sample", "mini-batch 32", "full-batch", ...
    links: int
    samples_per_epoch: int
    units_timed: int = 0
    unit: str = "sample"
    seconds_per_epoch: float | None = None
    link_updates_per_second: float | None = None
    vs_micrograd: float | None = None
    vs_best_peer: float | None = None
    vs_full_batch: float | None = None
    first_gradient_error: float | None = None
    note: str = ""
    times: list[float] = field(default_factory=list)


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]


def _timed(run: Callable[[int], None], n: int) -> float:
    gc.collect()
    start = clock()
    run(n)
    return clock() - start


def measure(
    impl, budget: float, repeats: int, max_units: int | None = None
) -> tuple[int, list[float]]:
    """Time `impl.run(n)` with `n` adapted so one timing takes about `budget` seconds.

    One untimed unit first warms every implementation up (caches, compiled code).
    """
    impl.run(1)
    n, elapsed = 1, _timed(impl.run, 1)
    while elapsed < budget / 8 and (max_units is None or n < max_units):
        n *= 4 if elapsed < budget / 64 else 2
        elapsed = _timed(impl.run, n)
    n = max(1, round(n * budget / max(elapsed, 1e-9)))
    if max_units is not None:
        n = min(n, max_units)
    return n, [_timed(impl.run, n) for _ in range(repeats)]


def relative_error(a: list[float], b: list[float]) -> float:
    scale = max(max(abs(x) for x in b), 1e-300)
    return max(abs(x - y) for x, y in zip(a, b, strict=False)) / scale


def first_gradients(factory, wl: workloads.Workload) -> list[float]:
    """Gradients of the first sample from the initial weights, as (old − new)/rate.

    Batch implementations (full-batch GD, mini-batches) have no per-sample step and are
    not checked; lernpy's engines take one step on the first sample through train().
    """
    impl = factory(wl)
    old = wl.flat_weights()
    if hasattr(impl, "first"):
        impl.first()
    elif impl.unit == "sample":
        impl.run(1)
    else:
        return []
    return [(o - n) / wl.rate for o, n in zip(old, impl.weights(), strict=False)]


def implementations() -> list[tuple[str, Callable | None, str]]:
    """(kind, factory, note) for every implementation; factory None means skipped."""
    impls: list[tuple[str, Callable | None, str]] = []
    try:
        from . import lernpy_impls
    except ImportError as error:  # lernpy not importable: peers only
        lernpy_impls = None
        print(f"note: lernpy implementations skipped ({error})", file=sys.stderr)
    if lernpy_impls is not None:
        impls += lernpy_impls.IMPLEMENTATIONS
    for peer in peers.PEERS:
        note = ""
        try:
            if peer is peers.TorchPerSample:
                import torch  # noqa: F401
            elif peer is peers.Micrograd:
                import micrograd  # noqa: F401
            elif peer in (peers.NumpyPerSample, peers.NumpyFullBatch):
                import numpy  # noqa: F401
        except ImportError as error:
            note = f"skipped: {error}"
        kind = "full-batch" if peer.unit == "epoch" else "per-sample"
        impls.append((kind, None if note else peer, note or ""))
    return impls


def run_workload(wl: workloads.Workload, args) -> list[Result]:
    results: list[Result] = []
    reference = first_gradients(peers.PlainPython, wl)
    for kind, factory, note in implementations():
        name = factory.name if factory is not None and hasattr(factory, "name") else note
        if factory is None:
            name = note.split(":", 1)[0] if ":" in note else note
        result = Result(wl.name, getattr(factory, "name", name), kind, wl.links, len(wl.data))
        if args.only and not any(o.lower() in result.implementation.lower() for o in args.only):
            continue
        if kind.startswith("mini-batch") and len(wl.data) <= 32:
            continue  # a batch of 32 is the whole data set: full-batch, not mini-batch
        if factory is None:
            result.note = note
            results.append(result)
            print(f"  {result.implementation}: {note}", file=sys.stderr)
            continue
        try:
            grads = first_gradients(factory, wl)
        except Exception as error:  # e.g. an engine that does not fit this network
            result.note = f"skipped: {error}"
            results.append(result)
            print(f"  {result.implementation}: {result.note}", file=sys.stderr)
            continue
        if grads:
            result.first_gradient_error = relative_error(grads, reference)
            if result.first_gradient_error > 1e-9:
                raise SystemExit(
                    f"{result.implementation} on {wl.name}: first gradients differ from the "
                    f"plain Python loop's by {result.first_gradient_error:.2e} (relative)"
                )
        impl = factory(wl)
        result.unit = impl.unit
        n, times = measure(impl, args.budget, args.repeats)
        result.units_timed, result.times = n, times
        per_unit = statistics.median(times) / n
        samples_per_unit = 1 if impl.unit == "sample" else len(wl.data)
        result.seconds_per_epoch = per_unit * len(wl.data) / samples_per_unit
        result.link_updates_per_second = wl.links * len(wl.data) / result.seconds_per_epoch
        result.note = getattr(impl, "note", "")
        print(
            f"  {result.implementation:<34} {result.seconds_per_epoch:10.4g} s/epoch "
            f"({n} {impl.unit}s timed)",
            file=sys.stderr,
        )
        results.append(result)
    timed = {r.implementation: r for r in results if r.seconds_per_epoch}
    base = timed.get(BASELINE)
    best = min(
        (r.seconds_per_epoch for r in timed.values() if r.implementation in PEER_NAMES),
        default=None,
    )
    full = timed.get("numpy full-batch GD")
    for r in timed.values():
        if full:
            r.vs_full_batch = r.link_updates_per_second / full.link_updates_per_second
        if base:
            r.vs_micrograd = base.seconds_per_epoch / r.seconds_per_epoch
        if best:
            r.vs_best_peer = best / r.seconds_per_epoch
    return results


def _fmt(x: float | None, spec: str) -> str:
    return "" if x is None else format(x, spec)


def markdown(results: list[Result], extras: dict) -> str:
    lines = []
    for name in dict.fromkeys(r.workload for r in results):
        rows = [r for r in results if r.workload == name]
        wl = workloads.make(name)
        lines += [f"### {wl.describe()}, {wl.links:,} links", ""]
        errors = [r.first_gradient_error for r in rows if r.first_gradient_error is not None]
        if errors:
            lines += [
                f"First gradients of {len(errors)} per-sample implementations agree with the "
                f"plain Python loop's to {max(errors):.1e} (relative).",
                "",
            ]
        lines += [
            "| implementation | training | s/epoch | link-updates/s | × micrograd "
            "| × best peer | × full-batch | timed | note |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            timed = f"{r.units_timed} {r.unit}s" if r.units_timed else ""
            lines.append(
                f"| {r.implementation} | {r.kind} | {_fmt(r.seconds_per_epoch, '.3g')} "
                f"| {_fmt(r.link_updates_per_second, '.3g')} | {_fmt(r.vs_micrograd, '.1f')} "
                f"| {_fmt(r.vs_best_peer, '.2f')} | {_fmt(r.vs_full_batch, '.3f')} "
                f"| {timed} | {r.note} |"
            )
        lines.append("")
    if extras:
        lines += ["### Memory and build time", ""]
        for key, value in extras.items():
            lines.append(f"- {key}: {value}")
        lines.append("")
    return "\n".join(lines)


def environment() -> dict:
    env = {"python": sys.version.split()[0], "platform": platform.platform()}
    for module in ("numpy", "torch", "micrograd"):
        try:
            env[module] = __import__(module).__dict__.get("__version__", "installed")
        except ImportError:
            env[module] = "not installed"
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--workloads", nargs="+", default=list(workloads.NAMES), choices=workloads.NAMES
    )
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per timing (default 1)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="timings per implementation (default 3)"
    )
    parser.add_argument("--only", nargs="+", help="run implementations whose names contain these")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: this process's CPU time (steady on a shared machine; every implementation "
        "runs on one thread); wall: elapsed time",
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the 100k-link memory/build check"
    )
    args = parser.parse_args(argv)
    global clock
    clock = CLOCKS[args.clock]

    results: list[Result] = []
    for name in args.workloads:
        wl = workloads.make(name)
        print(f"{wl.describe()}, {wl.links} links", file=sys.stderr)
        results += run_workload(wl, args)
    extras = {}
    if not args.no_memory:
        try:
            from .lernpy_impls import memory_and_build
        except ImportError:
            memory_and_build = None
        if memory_and_build is not None:
            extras = memory_and_build()
    print(f"Times are {args.clock} seconds (median of {args.repeats}).\n")
    print(markdown(results, extras))
    if args.json:
        payload = {
            "command": " ".join(
                ["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])]
            ),
            "environment": environment(),
            "budget": args.budget,
            "clock": args.clock,
            "repeats": args.repeats,
            "results": [asdict(r) for r in results],
            "memory_and_build": extras,
        }
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
    return 0
