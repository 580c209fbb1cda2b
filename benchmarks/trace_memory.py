"""What a scheduler keeps in memory, by default and when asked for every step.

Steps ``net.scheduler(iris)`` through whole epochs (a 4-8-3 network, 150 samples
an epoch; the steps themselves are let go, as ``run.step("epoch")`` does) and
reports, after each listed number of epochs, the memory still allocated since
the scheduler was made (tracemalloc: the trace, the undo log and everything they
hold; what a process pays once is paid before, by an epoch on another network). The
default keeps the last ``TRACE_STEPS`` steps in the trace and the last
``UNDO_STEPS`` for ``back()``; ``trace=Trace(), history="all"`` keeps every step.

    python -m benchmarks.trace_memory [--epochs 1 5 20] [--all-epochs 1 5] [--samples 150]
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc

from lernpy import Network, Trace, datasets
from lernpy.walk.scheduler import TRACE_STEPS, UNDO_STEPS


def kept(epochs: list[int], samples: int = 150, **options: object) -> list[tuple[int, int, float]]:
    """(epochs, steps in the trace, MB still allocated) after each number of epochs."""
    data = datasets.iris()[:samples]
    # one epoch of the same kind first, on another network and without the caller's trace:
    # what a process pays once (a module imported when first used, memos) is not counted
    warm = {k: v for k, v in options.items() if k != "trace"}
    Network.layered(4, 8, 3, seed=0).scheduler(data, epochs=1, **warm).step("epoch")
    net = Network.layered(4, 8, 3, seed=0)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    run = net.scheduler(data, epochs=max(epochs), **options)
    found = []
    for epoch in range(1, max(epochs) + 1):
        run.step("epoch")
        if epoch in epochs:
            gc.collect()
            found.append((epoch, len(run.trace), (tracemalloc.get_traced_memory()[0] - base) / 1e6))
    tracemalloc.stop()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--all-epochs", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--samples", type=int, default=150, help="of iris, an epoch")
    args = parser.parse_args(argv)
    print(f"default (trace keeps {TRACE_STEPS:,} steps, back() {UNDO_STEPS:,})")
    for epoch, steps, mb in kept(args.epochs, args.samples):
        print(f"  after {epoch:>3} epochs: {steps:>8,} steps in the trace, {mb:7.1f} MB kept")
    print('every step (trace=Trace(), history="all")')
    for epoch, steps, mb in kept(args.all_epochs, args.samples, trace=Trace(), history="all"):
        print(f"  after {epoch:>3} epochs: {steps:>8,} steps in the trace, {mb:7.1f} MB kept")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
