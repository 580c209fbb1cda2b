"""One implementation in a process of its own, timed when asked (see benchmarks/run.py).

    python -m benchmarks.worker

reads one JSON request per line on stdin and answers each with one JSON line on
stdout. Requests:

- ``{"setup": NAME, "workload": W, "loss": L}``: build implementation NAME on
  workload W with loss L and run it once untimed (caches, compiled code); or
  ``{"setup": "softmax", "classes": N}`` for the softmax reference;
- ``{"first": true}``: the gradients of one step on the first sample, from a fresh
  instance, as (old − new) / rate (to check everyone computes the same);
- ``{"time": n}``: run ``n`` units; answers the process's CPU seconds and the
  elapsed seconds they took;
- ``{"quit": true}``.

Every implementation lives alone in its process, so that none pays for the
objects of another (a garbage collection walks every object of its process).
"""

from __future__ import annotations

import os

# One BLAS thread for numpy and torch, so that every implementation uses one core.
# Set before numpy is imported anywhere in this process.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import gc  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from . import peers, workloads  # noqa: E402


def implementation(name: str):
    """The class of the implementation called ``name``."""
    for peer in peers.PEERS:
        if peer.name == name:
            return peer
    from . import lernpy_impls

    for _kind, impl in lernpy_impls.IMPLEMENTATIONS:
        if impl.name == name:
            return impl
    raise SystemExit(f"unknown implementation {name!r}")


def first_gradients(factory, wl: workloads.Workload) -> list[float]:
    """Gradients of one step on the first sample from the initial weights, as (old − new)/rate."""
    impl = factory(wl)
    old = wl.flat_weights()
    if hasattr(impl, "first"):
        impl.first()
    elif impl.unit == "sample":
        impl.run(1)
    else:
        return []  # full-batch: no step of one sample
    return [(o - n) / wl.rate for o, n in zip(old, impl.weights(), strict=False)]


def main() -> None:
    impl = factory = wl = None
    for line in sys.stdin:
        request = json.loads(line)
        if "setup" in request:
            if request["setup"] == "softmax":
                from .lernpy_impls import SoftmaxReference

                impl = SoftmaxReference(request["classes"])
                answer = {"unit": "sample", "links": impl.links}
            else:
                factory = implementation(request["setup"])
                wl = workloads.make(request["workload"], loss=request["loss"])
                impl = factory(wl)
                answer = {"unit": impl.unit}
            impl.run(1)  # warm up: caches, compiled code, a first session
            answer["note"] = getattr(impl, "note", "")
        elif "first" in request:
            answer = {"gradients": first_gradients(factory, wl)}
        elif "time" in request:
            n = request["time"]
            gc.collect()
            cpu, wall = time.process_time(), time.perf_counter()
            impl.run(n)
            answer = {
                "cpu": time.process_time() - cpu,
                "wall": time.perf_counter() - wall,
                "note": getattr(impl, "note", ""),
            }
        else:
            return
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
