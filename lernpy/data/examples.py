"""Classic worked examples, with their published numbers, and small ones to step through.

``mazur()`` is the network of Matt Mazur's "A Step by Step Backpropagation
Example" (2015): 2-2-2, sigmoid, ½Σ(value − target)², rate 0.5, inputs .05 .10,
targets .01 .99. The article never updates the biases, so their links are
frozen. Its links carry the article's labels w1…w8.

``tiny_conv()`` and ``tiny_rnn()`` are networks with shared weights small enough
to step through and draw: one 2×2 kernel over a 4×4 image, and an Elman network
over three bits.

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


def tiny_conv() -> Network:
    """A 4×4 image, one 2×2 kernel (``k1``…``k4``, bias ``kb1``) with tanh, max pooling over
    2×2 windows one step apart, two softmax outputs (horizontal or vertical bar); seed 1.

    >>> net = tiny_conv()
    >>> [s.name for s in net.shared_weights], len(net["k1"])
    (['k1', 'k2', 'k3', 'k4', 'kb1'], 9)
    """
    from lernpy.graph.conv import Conv, Dense, Pool

    return Network.convolutional(
        (1, 4, 4),
        Conv(1, kernel=2, activation="tanh"),
        Pool("max", 2, stride=1),
        Dense(2, "softmax"),
        loss="cross_entropy",
        seed=1,
    )


def tiny_rnn() -> Network:
    """An Elman network over three steps: 1 input, 2 hidden (tanh), 1 output (sigmoid) per
    step, for the parity of the bits so far; seed 0.

    >>> net = tiny_rnn()
    >>> [link.name for link in net["W[1,1]"].links]
    ['h1@t1→h1@t2', 'h1@t2→h1@t3']
    """
    return Network.recurrent(1, 2, 1, steps=3, seed=0)


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
    "conv": Demo(
        "a 2×2 kernel over 4×4 bar images, max pooling, softmax (shared weights k1…k4)",
        tiny_conv, lambda: datasets.bars(4, seed=1), 0.5, lesson=1,
    ),
    "rnn": Demo(
        "an Elman network over 3 bits, the parity so far (weights U W b V c shared in time)",
        tiny_rnn, lambda: datasets.parity(4, steps=3, seed=1), 0.5, lesson=2,
    ),
}  # fmt: skip
