"""lernpy's own implementations for the benchmark: the reference scheduler and the engines."""

from __future__ import annotations

import gc
import time
import tracemalloc

from lernpy import Network, Trace

from .workloads import Workload

TRACE_KEEP = 10_000  # the reference keeps its full trace, bounded to the last 10,000 steps


def build(wl: Workload) -> Network:
    """The workload's network with its initial weights (links in the same order)."""
    net = Network.layered(*wl.sizes, activation=wl.hidden, output=wl.output, loss="half_sse")
    for link, w in zip(net.links, wl.flat_weights(), strict=True):
        link.weight = w
    return net


class Reference:
    """The stepping scheduler, every step recorded in a bounded trace, one sample at a time."""

    name = "lernpy reference + trace"
    unit = "sample"

    def __init__(self, wl: Workload) -> None:
        self.net, self.data, self.rate, self.position = build(wl), wl.data, wl.rate, 0
        self.trace = Trace(keep=TRACE_KEEP)

    def run(self, n: int) -> None:
        N = len(self.data)
        chunk = [self.data[(self.position + k) % N] for k in range(n)]
        self.position = (self.position + n) % N
        self.net.train(
            chunk, epochs=1, rate=self.rate, shuffle=False, engine="reference", trace=self.trace
        )

    def weights(self) -> list[float]:
        return [link.weight for link in self.net.links]


class Engine:
    """A fast engine training whole epochs: ``net.train(data, epochs=n, engine=...)``."""

    unit = "epoch"
    engine = "auto"
    batch_size = 1

    def __init__(self, wl: Workload) -> None:
        self.net, self.data, self.rate = build(wl), wl.data, wl.rate
        self.note = ""

    def run(self, n: int) -> None:
        history = self.net.train(
            self.data, epochs=n, rate=self.rate, shuffle=False, engine=self.engine,
            batch_size=self.batch_size,
        )  # fmt: skip
        self.note = f"engine: {history.engine}"

    def first(self) -> None:
        """One SGD step on the first sample (for the same-first-gradients check)."""
        self.net.train(self.data[:1], epochs=1, rate=self.rate, shuffle=False, engine=self.engine)

    def weights(self) -> list[float]:
        return [link.weight for link in self.net.links]


class Auto(Engine):
    name = "lernpy train() auto"


class Compiled(Engine):
    name = "lernpy compiled engine"
    engine = "compiled"


class NumpyEngine(Engine):
    name = "lernpy numpy engine"
    engine = "numpy"


class AutoMiniBatch(Engine):
    name = "lernpy auto, mini-batch 32"
    batch_size = 32


IMPLEMENTATIONS = [
    ("per-sample", Reference, ""),
    ("per-sample", Auto, ""),
    ("per-sample", Compiled, ""),
    ("per-sample", NumpyEngine, ""),
    ("mini-batch 32", AutoMiniBatch, ""),
]


def memory_and_build(sizes: tuple[int, ...] = (784, 128, 10)) -> dict[str, str]:
    """Build time and memory per link of a 100k-link network (Neuron and Link objects)."""
    gc.collect()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        net = Network.layered(*sizes, seed=1)
        times.append(time.perf_counter() - start)
        del net
        gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    net = Network.layered(*sizes, seed=1)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    links = len(net.links)
    shape = "-".join(map(str, sizes))
    return {
        "network": f"{shape} sigmoid, {links:,} links, {len(net.neurons)} neurons",
        "build time (median of 3)": f"{sorted(times)[1]:.3f} s",
        "memory per link (tracemalloc, whole network)": f"{(after - before) / links:.0f} bytes",
    }
