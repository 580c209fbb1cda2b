"""Classic worked examples, with their published numbers.

``mazur()`` is the network of Matt Mazur's "A Step by Step Backpropagation
Example" (2015): 2-2-2, sigmoid, ½Σ(value − target)², rate 0.5, inputs .05 .10,
targets .01 .99. The article never updates the biases, so their links are
frozen. Its links carry the article's labels w1…w8.

>>> net = mazur()
>>> net["w5"]
Link('h1→o1' (w5), weight=0.4, sensitivity=0.0)
"""

from __future__ import annotations

from lernpy.graph.network import Network

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
