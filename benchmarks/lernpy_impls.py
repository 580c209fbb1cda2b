"""lernpy's own implementations for the benchmark: the reference scheduler and the engines.

Each is timed as a learner calls it, in its own process (see benchmarks/run.py):

- one call per epoch: ``net.train(data, epochs=1, ...)`` once per epoch (what a
  loop of a learner's own, or a callback per epoch, costs);
- one call: ``net.train(data, epochs=n, ...)``.

A "full trace" is a fresh ``Trace(keep=None)`` per timing that keeps every step of it.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

from lernpy import Network, Trace

from .workloads import Workload


def build(wl: Workload) -> Network:
    """The workload's network with its initial weights (links in the same order)."""
    net = Network.layered(*wl.sizes, activation=wl.hidden, output=wl.output, loss=wl.loss)
    for link, w in zip(net.links, wl.flat_weights(), strict=True):
        link.weight = w
    return net


class Lernpy:
    """``net.train(...)`` timed per epoch: ``unit`` is an epoch."""

    name = ""
    unit = "epoch"
    engine = "auto"
    batch_size = 1
    traced = False
    calls = "per epoch"  # or "one call"

    def __init__(self, wl: Workload) -> None:
        self.net, self.data, self.rate = build(wl), wl.data, wl.rate
        self.note = ""

    def options(self) -> dict:
        return dict(rate=self.rate, shuffle=False, engine=self.engine, batch_size=self.batch_size)

    def run(self, n: int) -> None:
        trace = Trace(keep=None) if self.traced else None  # keeps every step of this timing
        options = self.options()
        if trace is not None:
            options["trace"] = trace
        if self.calls == "one call":
            history = self.net.train(self.data, epochs=n, **options)
        else:
            for _ in range(n):
                history = self.net.train(self.data, epochs=1, **options)
        self.note = f"engine: {history.engine}"
        if trace is not None:
            self.note += f"; trace kept {len(trace):,} steps"

    def first(self) -> None:
        """One SGD step on the first sample (for the same-first-gradients check)."""
        options = {**self.options(), "batch_size": 1}
        self.net.train(self.data[:1], epochs=1, **options)

    def weights(self) -> list[float]:
        return [link.weight for link in self.net.links]


class ReferenceTraced(Lernpy):
    name = "lernpy reference, full trace, one call per epoch"
    engine = "reference"
    traced = True


class ReferenceTracedOneCall(Lernpy):
    name = "lernpy reference, full trace, one call"
    engine = "reference"
    traced = True
    calls = "one call"


class ReferenceOneCall(Lernpy):
    name = "lernpy reference, no trace, one call"
    engine = "reference"
    calls = "one call"


class Stepping(Lernpy):
    """``net.scheduler(data, trace=True)`` stepped an epoch at a time, as a learner steps."""

    name = 'lernpy scheduler step("epoch"), full trace'

    def run(self, n: int) -> None:
        trace = Trace(keep=None)  # every step (a scheduler's default trace may be bounded)
        run = self.net.scheduler(self.data, rate=self.rate, epochs=n, trace=trace)
        for _ in range(n):
            run.step("epoch")
        self.note = f"trace kept {len(run.trace):,} steps"


class Auto(Lernpy):
    name = "lernpy train() auto, one call per epoch"


class AutoOneCall(Lernpy):
    name = "lernpy train() auto, one call"
    calls = "one call"


class Compiled(Lernpy):
    name = "lernpy compiled engine, one call per epoch"
    engine = "compiled"


class CompiledOneCall(Lernpy):
    name = "lernpy compiled engine, one call"
    engine = "compiled"
    calls = "one call"


class NumpyEngine(Lernpy):
    name = "lernpy numpy engine, one call per epoch"
    engine = "numpy"


class NumpyEngineOneCall(Lernpy):
    name = "lernpy numpy engine, one call"
    engine = "numpy"
    calls = "one call"


class AutoMiniBatch(Lernpy):
    name = "lernpy auto, mini-batch 32, one call per epoch"
    batch_size = 32


class AutoMiniBatchOneCall(Lernpy):
    name = "lernpy auto, mini-batch 32, one call"
    batch_size = 32
    calls = "one call"


# (kind, class): the kind is how the row trains
IMPLEMENTATIONS = [
    ("per-sample", ReferenceTraced),
    ("per-sample", ReferenceTracedOneCall),
    ("per-sample", Stepping),
    ("per-sample", ReferenceOneCall),
    ("per-sample", Auto),
    ("per-sample", AutoOneCall),
    ("per-sample", Compiled),
    ("per-sample", CompiledOneCall),
    ("per-sample", NumpyEngine),
    ("per-sample", NumpyEngineOneCall),
    ("mini-batch 32", AutoMiniBatch),
    ("mini-batch 32", AutoMiniBatchOneCall),
]


class SoftmaxReference:
    """``train(engine="reference")`` per sample on 64-32-n softmax with cross-entropy.

    The lane (generated code) is switched off: the reference's own objects walk,
    where a softmax layer's numbers are computed by its neurons (Neuron.fire and
    Neuron.sense), whose cost in the layer's width is what this measures.
    """

    unit = "sample"

    def __init__(self, classes: int, samples: int = 8, seed: int = 1) -> None:
        import random

        from lernpy.walk import lane

        lane.MAX_LINKS = 0  # this process measures the object walk only
        rng = random.Random(seed)
        self.net = Network.layered(
            64, 32, classes, activation="sigmoid", output="softmax", loss="cross_entropy", seed=seed
        )
        self.data = []
        for k in range(samples):
            hot = k % classes
            x = tuple(rng.random() for _ in range(64))
            self.data.append((x, tuple(1.0 if j == hot else 0.0 for j in range(classes))))
        self.links = len(self.net.links)
        self.position = 0

    def run(self, n: int) -> None:
        for _ in range(n):
            sample = self.data[self.position % len(self.data)]
            self.position += 1
            self.net.train([sample], epochs=1, rate=0.05, shuffle=False, engine="reference")


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
