"""Classic worked examples, with their published numbers.

``mazur()`` is the network of Matt Mazur's "A Step by Step Backpropagation
Example" (2015): 2-2-2, sigmoid, ½Σ(value − target)², rate 0.5, inputs .05 .10,
targets .01 .99. The article never updates the biases, so their links are
frozen. Its links carry the article's labels w1…w8.

>>> net = mazur()
>>> net["w5"]
Link('h1→o1' (w5), weight=0.4, sensitivity=0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lernpy.data import datasets
from lernpy.graph.network import Network
from lernpy.graph.samples import Sample

MAZUR_SAMPLE = ((0.05, 0.10), (0.01, 0.99))
MAZUR_RATE = 0.5

# The article's weights, by its labels.
MAZUR_WEIGHTS = {
    "i1→h1": ("w1", 0.15),
    "i2→h1": ("w2", 0.20),
    "i1→h2": ("w3", 0.25),
    "i2→h2": ("w4", 0.30),
    "h1→o1": ("w5", 0.40),
    "h2→o1": ("w6", 0.45),
    "h1→o2": ("w7", 0.50),
    "h2→o2": ("w8", 0.55),
    "b1→h1": (None, 0.35),
    "b1→h2": (None, 0.35),
    "b2→o1": (None, 0.60),
    "b2→o2": (None, 0.60),
}


def mazur() -> Network:
    """Mazur's 2-2-2 network with the article's weights; biases frozen."""
    net = Network.layered(
        2,
        2,
        2,
        activation="sigmoid",
        loss="half_sse",
        names="i1 i2 / h1 h2 / o1 o2 / b1 b2",
        weights={name: w for name, (_, w) in MAZUR_WEIGHTS.items()},
    )
    for name, (label, _) in MAZUR_WEIGHTS.items():
        if label is not None:
            net.label(name, label)
    net.freeze("b1→h1", "b1→h2", "b2→o1", "b2→o2")
    return net


# -- the demos every command knows: lernpy demo, step, explain, draw, lesson ----------------


@dataclass(frozen=True)
class Demo:
    """A network to step through, draw or replay: how to build it, its data and its rate.

    ``lesson`` is how many samples a lesson replays by default (a big network makes
    thousands of steps per sample).
    """

    summary: str
    build: Callable[[], Network]
    data: Callable[[], list[Sample]]
    rate: float
    lesson: int | None = None


def _xor() -> Network:
    return Network.layered(2, 2, 1, activation="sigmoid", seed=1)


def _iris() -> Network:
    species = datasets.CLASSES["iris"]
    names = [list(datasets.IRIS_COLUMNS), [f"h{k}" for k in range(1, 9)], list(species)]
    return Network.layered(
        4, 8, 3, activation="tanh", output="softmax", loss="cross_entropy", seed=0, names=names
    )


def _iris_data() -> list[Sample]:
    from lernpy.data.csvdata import Standardizer

    data = datasets.iris()
    return Standardizer.fit(data)(data)  # mean 0 and sd 1 per measurement


def _spirals() -> Network:
    return Network.layered(2, 16, 16, 1, activation="tanh", output="sigmoid", loss="bce", seed=1)


def _digits() -> Network:
    return Network.layered(
        64, 32, 10, activation="tanh", output="softmax", loss="cross_entropy", seed=0
    )


DEMOS: dict[str, Demo] = {
    "digits": Demo(
        "a 64-32-10 network on 8x8 handwritten digits (needs scikit-learn)",
        _digits, datasets.digits, 0.02, lesson=1,
    ),
    "iris": Demo(
        "a 4-8-3 tanh/softmax network on Fisher's iris flowers (standardised)",
        _iris, _iris_data, 0.02, lesson=2,
    ),
    "mazur": Demo(
        "Mazur's 2-2-2 worked example, with the article's weights",
        mazur, lambda: [MAZUR_SAMPLE], MAZUR_RATE,
    ),
    "spirals": Demo(
        "a 2-16-16-1 tanh network on two spirals (sigmoid output, BCE)",
        _spirals, lambda: datasets.spirals(n=200, seed=0, turns=1.5), 0.05, lesson=1,
    ),
    "xor": Demo(
        "a 2-2-1 sigmoid network (seed 1) on the four XOR samples",
        _xor, datasets.xor, 2.0,
    ),
}  # fmt: skip
