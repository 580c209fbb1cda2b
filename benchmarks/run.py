"""Time lernpy's scheduler and engines against their peers, each in a process of its own.

    python -m benchmarks                        # xor, moons, digits; mse and half_sse
    python -m benchmarks --workloads xor --budget 0.05 --rounds 3 --json out.json

Every implementation trains with per-sample SGD (or full-batch / mini-batch where
named) from identical initial weights, in a process of its own (benchmarks/worker.py):
no implementation pays for another's objects. Before timing, each takes one step
on the first sample, and its gradients (recovered as (old − new)/rate) must agree
with the plain Python loop's. The number of units timed (samples, or epochs) is
set so that one timing takes about ``--budget`` seconds. Then come ``--rounds``
rounds: in each, every implementation is timed once, in an order that rotates
from round to round, so that whatever else the machine does at the time weighs on
all of them alike. A ratio ("× micrograd", "× best peer", "× full batch") is the
median over rounds of the ratio within a round; times are medians. Both the
processes' CPU time and elapsed (wall) time are measured; ratios use ``--clock``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import peers, workloads

PEER_NAMES = {"plain Python loop", "numpy per-sample", "PyTorch per-sample"}
BASELINE = "micrograd"
FULL_BATCH = "numpy full-batch GD"
ROOT = Path(__file__).resolve().parent.parent
# rows too slow to time on a workload (an epoch of the object walk takes minutes there)
SKIP = {"mnist": ("lernpy reference", "lernpy scheduler")}


@dataclass
class Result:
    workload: str
    loss: str
    implementation: str
    kind: str  # "per-sample", "mini-batch 32", "full-batch", ...
    links: int
    samples_per_epoch: int
    units_timed: int = 0
    unit: str = "sample"
    seconds_per_epoch: float | None = None  # median over rounds, CPU
    wall_seconds_per_epoch: float | None = None  # median over rounds, elapsed
    link_updates_per_second: float | None = None
    vs_micrograd: float | None = None  # medians of the rounds' ratios
    vs_best_peer: float | None = None
    vs_full_batch: float | None = None
    vs_micrograd_wall: float | None = None
    vs_best_peer_wall: float | None = None
    first_gradient_error: float | None = None
    note: str = ""
    cpu: list[float] = field(default_factory=list)  # seconds per epoch, each round
    wall: list[float] = field(default_factory=list)


class Worker:
    """An implementation in its own process (benchmarks/worker.py)."""

    def __init__(self, setup: dict) -> None:
        env = dict(os.environ)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        self.setup = self.ask(setup)

    def ask(self, request: dict) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker for {request} stopped (see its error above)")
        return json.loads(line)

    def time(self, n: int) -> dict:
        return self.ask({"time": n})

    def close(self) -> None:
        try:
            self.ask({"quit": True})
        except (RuntimeError, BrokenPipeError, ValueError):
            pass
        self.process.wait(timeout=30)


def calibrate(worker: Worker, budget: float, clock: str) -> int:
    """How many units make one timing take about ``budget`` seconds."""
    n = 1
    elapsed = worker.time(n)[clock]
    while elapsed < budget / 8:
        n *= 4 if elapsed < budget / 64 else 2
        elapsed = worker.time(n)[clock]
    return max(1, round(n * budget / max(elapsed, 1e-9)))


def relative_error(a: list[float], b: list[float]) -> float:
    scale = max(max(abs(x) for x in b), 1e-300)
    return max(abs(x - y) for x, y in zip(a, b, strict=False)) / scale


def implementations(only: list[str] | None) -> list[tuple[str, str, str]]:
    """(kind, name, note) for every implementation; a note means skipped."""
    rows: list[tuple[str, str, str]] = []
    try:
        from . import lernpy_impls
    except ImportError as error:  # lernpy not importable: peers only
        print(f"note: lernpy implementations skipped ({error})", file=sys.stderr)
    else:
        rows += [(kind, impl.name, "") for kind, impl in lernpy_impls.IMPLEMENTATIONS]
    for peer in peers.PEERS:
        module = {
            peers.TorchPerSample: "torch",
            peers.Micrograd: "micrograd",
            peers.NumpyPerSample: "numpy",
            peers.NumpyFullBatch: "numpy",
        }.get(peer)
        note = ""
        if module is not None:
            try:
                __import__(module)
            except ImportError as error:
                note = f"skipped: {error}"
        rows.append(("full-batch" if peer.unit == "epoch" else "per-sample", peer.name, note))
    if only:
        rows = [r for r in rows if any(o.lower() in r[1].lower() for o in only)]
    return rows


def run_workload(wl: workloads.Workload, args) -> list[Result]:
    from .worker import first_gradients

    reference = first_gradients(peers.PlainPython, wl)
    results: list[Result] = []
    workers: dict[str, Worker] = {}
    try:
        for kind, name, note in implementations(args.only):
            if kind.startswith("mini-batch") and len(wl.data) <= 32:
                continue  # a batch of 32 is the whole data set: full-batch, not mini-batch
            result = Result(wl.name, wl.loss, name, kind, wl.links, len(wl.data), note=note)
            if any(name.startswith(s) for s in SKIP.get(wl.name, ())):
                result.note = "skipped: an epoch of the object walk takes minutes here"
            results.append(result)
            if result.note:
                print(f"  {name}: {result.note}", file=sys.stderr)
                continue
            worker = workers[name] = Worker({"setup": name, "workload": wl.name, "loss": wl.loss})
            grads = worker.ask({"first": True})["gradients"]
            if grads:
                result.first_gradient_error = relative_error(grads, reference)
                if result.first_gradient_error > 1e-9:
                    raise SystemExit(
                        f"{name} on {wl.name}: first gradients differ from the plain Python "
                        f"loop's by {result.first_gradient_error:.2e} (relative)"
                    )
            result.unit = worker.setup["unit"]
            result.units_timed = calibrate(worker, args.budget, args.clock)
            print(f"  {name}: {result.units_timed} {result.unit}s a timing", file=sys.stderr)
        timed = [r for r in results if r.implementation in workers]
        for round_ in range(args.rounds):
            shift = round_ % max(len(timed), 1)
            for r in timed[shift:] + timed[:shift]:  # a different order each round
                answer = workers[r.implementation].time(r.units_timed)
                epochs = r.units_timed if r.unit == "epoch" else r.units_timed / len(wl.data)
                r.cpu.append(answer["cpu"] / epochs)
                r.wall.append(answer["wall"] / epochs)
                r.note = answer["note"]
            print(f"  round {round_ + 1} of {args.rounds} done", file=sys.stderr)
    finally:
        for worker in workers.values():
            worker.close()
    _ratios(timed, wl)
    return results


def _ratios(timed: list[Result], wl: workloads.Workload) -> None:
    """Medians of times and of the rounds' paired ratios."""
    by_name = {r.implementation: r for r in timed}
    base, full = by_name.get(BASELINE), by_name.get(FULL_BATCH)
    peer_rows = [r for r in timed if r.implementation in PEER_NAMES]
    for r in timed:
        r.seconds_per_epoch = statistics.median(r.cpu)
        r.wall_seconds_per_epoch = statistics.median(r.wall)
        r.link_updates_per_second = wl.links * len(wl.data) / r.seconds_per_epoch
        for clock, suffix in (("cpu", ""), ("wall", "_wall")):
            mine = getattr(r, clock)
            if base is not None:
                ratios = [b / m for b, m in zip(getattr(base, clock), mine, strict=True)]
                setattr(r, "vs_micrograd" + suffix, statistics.median(ratios))
            if peer_rows:
                best = [min(p) for p in zip(*(getattr(p, clock) for p in peer_rows), strict=True)]
                ratios = [b / m for b, m in zip(best, mine, strict=True)]
                setattr(r, "vs_best_peer" + suffix, statistics.median(ratios))
            if full is not None and clock == "cpu":
                ratios = [f / m for f, m in zip(full.cpu, mine, strict=True)]
                r.vs_full_batch = statistics.median(ratios)


def softmax_section(args) -> list[dict]:
    """Per-sample reference training on 64-32-n softmax + cross-entropy, n interleaved."""
    sizes = args.softmax
    workers = {n: Worker({"setup": "softmax", "classes": n}) for n in sizes}
    rows = []
    try:
        units = {n: calibrate(w, args.budget, args.clock) for n, w in workers.items()}
        times: dict[int, list[float]] = {n: [] for n in sizes}
        for round_ in range(args.rounds):
            shift = round_ % len(sizes)
            for n in sizes[shift:] + sizes[:shift]:
                times[n].append(workers[n].time(units[n])[args.clock] / units[n])
        for n in sizes:
            links = workers[n].setup["links"]
            rows.append(
                {
                    "classes": n,
                    "links": links,
                    "seconds_per_sample": statistics.median(times[n]),
                    "link_updates_per_second": links / statistics.median(times[n]),
                    "samples_timed": units[n],
                    "times": times[n],
                }
            )
    finally:
        for worker in workers.values():
            worker.close()
    return rows


def _fmt(x: float | None, spec: str) -> str:
    return "" if x is None else format(x, spec)


def markdown(results: list[Result], softmax: list[dict], extras: dict, args) -> str:
    lines = []
    for name, loss in dict.fromkeys((r.workload, r.loss) for r in results):
        rows = [r for r in results if r.workload == name and r.loss == loss]
        wl = workloads.make(name, loss=loss)
        lines += [f"### {wl.describe()}, {wl.links:,} links", ""]
        errors = [r.first_gradient_error for r in rows if r.first_gradient_error is not None]
        if errors:
            lines += [
                f"First gradients of {len(errors)} per-sample implementations agree with the "
                f"plain Python loop's to {max(errors):.1e} (relative).",
                "",
            ]
        lines += [
            "| implementation | training | s/epoch (cpu) | s/epoch (wall) | link-updates/s "
            "| × micrograd | × best peer | × best peer (wall) | × full batch | timed | note |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            timed = f"{r.units_timed} {r.unit}s" if r.units_timed else ""
            lines.append(
                f"| {r.implementation} | {r.kind} | {_fmt(r.seconds_per_epoch, '.3g')} "
                f"| {_fmt(r.wall_seconds_per_epoch, '.3g')} "
                f"| {_fmt(r.link_updates_per_second, '.3g')} | {_fmt(r.vs_micrograd, '.1f')} "
                f"| {_fmt(r.vs_best_peer, '.2f')} | {_fmt(r.vs_best_peer_wall, '.2f')} "
                f"| {_fmt(r.vs_full_batch, '.3f')} | {timed} | {r.note} |"
            )
        lines.append("")
    if softmax:
        lines += [
            "### Softmax: 64-32-n sigmoid/softmax, cross-entropy, per-sample reference training",
            "",
            "| n | links | ms/sample | link-updates/s | time × n=100 | link-updates/s × n=100 |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        at = {row["classes"]: row for row in softmax}
        base = at.get(100)
        for row in softmax:
            slower = speed = ""
            if base is not None:
                slower = f"{row['seconds_per_sample'] / base['seconds_per_sample']:.2f}"
                speed = f"{row['link_updates_per_second'] / base['link_updates_per_second']:.2f}"
            lines.append(
                f"| {row['classes']} | {row['links']:,} | {row['seconds_per_sample'] * 1e3:.3g} "
                f"| {row['link_updates_per_second']:.3g} | {slower} | {speed} |"
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
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        env["commit"] = commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        env["commit"] = "unknown"
    try:
        env["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--workloads", nargs="+", default=["xor", "moons", "digits"], choices=workloads.NAMES
    )
    parser.add_argument(
        "--losses", nargs="+", default=list(workloads.LOSSES), choices=workloads.LOSSES
    )
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per timing (default 1)")
    parser.add_argument(
        "--rounds", "--repeats", type=int, default=5, help="interleaved rounds (default 5)"
    )
    parser.add_argument("--only", nargs="+", help="run implementations whose names contain these")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="the time the ratios use: cpu (each process's CPU time) or wall (elapsed); "
        "both are measured and shown",
    )
    parser.add_argument(
        "--softmax",
        nargs="*",
        type=int,
        default=[10, 100, 300, 1000],
        help="softmax widths to time (none: skip the softmax section)",
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the 100k-link memory/build check"
    )
    args = parser.parse_args(argv)

    started = datetime.datetime.now(datetime.timezone.utc)
    env = environment()
    results: list[Result] = []
    for name in args.workloads:
        for loss in args.losses:
            wl = workloads.make(name, loss=loss)
            print(f"{wl.describe()}, {wl.links} links", file=sys.stderr)
            results += run_workload(wl, args)
    softmax = softmax_section(args) if args.softmax else []
    extras = {}
    if not args.no_memory:
        try:
            from .lernpy_impls import memory_and_build
        except ImportError:
            memory_and_build = None
        if memory_and_build is not None:
            extras = memory_and_build()
    command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
    print(
        f"Command: `{command}` at commit {env['commit']}, {started:%Y-%m-%d %H:%M} UTC. "
        f"Each implementation in its own process; {args.rounds} interleaved rounds of about "
        f"{args.budget} s per implementation; times are medians, ratios medians of the "
        f"rounds' paired ratios ({args.clock} time).\n"
    )
    print(markdown(results, softmax, extras, args))
    if args.json:
        payload = {
            "command": command,
            "started": started.isoformat(timespec="seconds"),
            "environment": env,
            "budget": args.budget,
            "clock": args.clock,
            "rounds": args.rounds,
            "results": [asdict(r) for r in results],
            "softmax": softmax,
            "memory_and_build": extras,
        }
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
    return 0
