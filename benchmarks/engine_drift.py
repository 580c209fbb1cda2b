"""How far the numpy engine drifts from the reference, against what one rounding does.

The numpy engine adds in another order than the stepping scheduler, so each number
differs in its last bits; training amplifies such differences. This measures, on
random runs (moons, a 2-h-1 network, a high rate and momentum: unsteady on
purpose), the largest weight difference between the numpy engine and the
reference after 10 epochs, and the largest difference between the reference and
itself when every starting weight is moved by one unit in the last place (four
such twins). The ratio says whether the engine does anything a rounding does not.

    python -m benchmarks.engine_drift [--runs 40]
"""

from __future__ import annotations

import argparse
import copy
import math
import random
import statistics

from lernpy import Network, datasets


def _drift(a: Network, b: Network) -> float:
    return max(abs(x.weight - y.weight) for x, y in zip(a.links, b.links))


def measure(seed: int, hidden: int, activation: str, rate: float) -> tuple[float, float]:
    """(numpy vs reference, reference vs its one-ulp twins) for one run."""
    data = datasets.make("moons", n=20, seed=seed)
    net = Network.layered(2, hidden, 1, activation=activation, output="sigmoid", loss="bce",
                          seed=seed)  # fmt: skip
    opts = dict(epochs=10, rate=rate, momentum=0.9, batch_size=1, shuffle=True)
    reference, fast = copy.deepcopy(net), copy.deepcopy(net)
    reference.train(data, engine="reference", **opts)
    fast.train(data, engine="numpy", **opts)
    rng = random.Random(seed)
    rounding = 0.0
    for _ in range(4):
        twin = copy.deepcopy(net)
        for link in twin.links:
            link.weight = math.nextafter(link.weight, rng.choice([math.inf, -math.inf]))
        twin.train(data, engine="reference", **opts)
        rounding = max(rounding, _drift(reference, twin))
    return _drift(reference, fast), rounding


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="seeds per configuration")
    args = parser.parse_args(argv)
    drifts, ratios = [], []
    for seed in range(args.runs):
        for hidden, activation, rate in ((4, "tanh", 2.0), (8, "tanh", 1.0), (6, "sigmoid", 2.0)):
            drift, rounding = measure(seed, hidden, activation, rate)
            drifts.append(drift)
            ratios.append(drift / max(rounding, 1e-16))
    print(f"{len(drifts)} runs: numpy vs reference, largest weight difference "
          f"{max(drifts):.1e} (median {statistics.median(drifts):.1e}); "
          f"as a multiple of the one-ulp twins' difference: "
          f"max {max(ratios):.1f}, median {statistics.median(ratios):.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
