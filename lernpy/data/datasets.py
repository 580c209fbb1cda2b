"""Built-in data sets, generated from a seed (no download).

A sample is a pair ``(inputs, targets)`` of tuples of floats and a data set is
a list of samples. Every generator takes the number of samples ``n`` and a
``seed`` and draws from its own ``random.Random(seed)``, never the global RNG,
so the same call always gives the same list.

Binary tasks (circles, moons, spirals) have one target, 0.0 or 1.0; tasks with
more classes (clusters, stairs, iris, digits) have one-hot targets, one per
class, in the order of :data:`CLASSES`.

>>> xor()
[((0.0, 0.0), (0.0,)), ((0.0, 1.0), (1.0,)), ((1.0, 0.0), (1.0,)), ((1.0, 1.0), (0.0,))]
>>> len(spirals(n=100, seed=1))
100
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from lernpy import checks
from lernpy.checks import short
from lernpy.errors import LernpyError
from lernpy.graph.samples import Sample

__all__ = [
    "CLASSES",
    "DATASETS",
    "Sample",
    "and_",
    "bars",
    "and_gate",
    "circles",
    "clusters",
    "describe",
    "delay",
    "digits",
    "iris",
    "logic_gate",
    "make",
    "moons",
    "nand",
    "nand_gate",
    "one_hot",
    "or_",
    "or_gate",
    "parity",
    "sequence",
    "sine",
    "spirals",
    "stairs",
    "xor",
]

_GATES: dict[str, Callable[[int, int], int]] = {
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "nand": lambda a, b: 1 - (a & b),
    "xor": lambda a, b: a ^ b,
}


def one_hot(index: int, size: int) -> tuple[float, ...]:
    """The target vector for class ``index`` out of ``size``.

    >>> one_hot(1, 3)
    (0.0, 1.0, 0.0)
    """
    return tuple(1.0 if i == index else 0.0 for i in range(size))


def logic_gate(name: str) -> list[Sample]:
    """The four rows of a two-input truth table ("and", "or", "nand", "xor").

    >>> logic_gate("nand")[-1]
    ((1.0, 1.0), (0.0,))
    """
    try:
        gate = _GATES[name.lower()]
    except KeyError:
        known = ", ".join(_GATES)
        raise LernpyError(f"unknown logic gate {name!r}: expected one of {known}") from None
    return [((float(a), float(b)), (float(gate(a, b)),)) for a in (0, 1) for b in (0, 1)]


def and_gate() -> list[Sample]:
    """AND: the output is 1 only when both inputs are 1."""
    return logic_gate("and")


def or_gate() -> list[Sample]:
    """OR: the output is 1 when either input is 1."""
    return logic_gate("or")


def nand_gate() -> list[Sample]:
    """NAND: the output is 0 only when both inputs are 1."""
    return logic_gate("nand")


def xor() -> list[Sample]:
    """XOR: the output is 1 when the inputs differ (not linearly separable)."""
    return logic_gate("xor")


# The core's first names for the gates, kept so older code still runs.
and_ = and_gate
or_ = or_gate
nand = nand_gate


MAX_SAMPLES = 10_000_000  # a generated data set holds at most this many samples
MAX_STEPS = 10_000  # of a sequence (2**70 steps hung drawing the bits)


def _check(n: int, minimum: int = 1) -> None:
    if (
        isinstance(n, bool)
        or not isinstance(n, numbers.Integral)
        or not (minimum <= n <= MAX_SAMPLES)
    ):
        raise LernpyError(
            f"n must be a whole number of samples from {minimum} to {MAX_SAMPLES:,}, got {short(n)}"
        )


def _rng(seed: int) -> random.Random:
    """The data set's own generator, from a whole-number seed (numpy's too)."""
    return random.Random(checks.whole(seed, "seed"))


def _labels(n: int, classes: int, rng: random.Random) -> list[int]:
    """Balanced class labels in a shuffled order (sizes differ by at most one)."""
    labels = [i % classes for i in range(n)]
    rng.shuffle(labels)
    return labels


def circles(n: int = 200, seed: int = 0, noise: float = 0.05, factor: float = 0.5) -> list[Sample]:
    """Two concentric rings: the outer ring (radius 1) is class 0, the inner is class 1.

    >>> [len(x) for x, t in circles(n=3)]
    [2, 2, 2]
    """
    _check(n)
    rng = _rng(seed)
    data = []
    for label in _labels(n, 2, rng):
        angle = rng.uniform(0.0, 2.0 * math.pi)
        radius = factor if label else 1.0
        x = radius * math.cos(angle) + rng.gauss(0.0, noise)
        y = radius * math.sin(angle) + rng.gauss(0.0, noise)
        data.append(((x, y), (float(label),)))
    return data


def moons(n: int = 200, seed: int = 0, noise: float = 0.1) -> list[Sample]:
    """Two interleaving half circles: the upper moon is class 0, the lower one class 1."""
    _check(n)
    rng = _rng(seed)
    data = []
    for label in _labels(n, 2, rng):
        angle = rng.uniform(0.0, math.pi)
        if label == 0:
            x, y = math.cos(angle), math.sin(angle)
        else:
            x, y = 1.0 - math.cos(angle), 0.5 - math.sin(angle)
        data.append(((x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)), (float(label),)))
    return data


def spirals(n: int = 200, seed: int = 0, noise: float = 0.0, turns: float = 1.5) -> list[Sample]:
    """Two spirals wound round each other; arm 1 is arm 0 turned by half a turn.

    Points lie at radius 0.1 to 1 along each arm, ``turns`` times round.

    >>> data = spirals(n=4, seed=3)
    >>> sorted(t for x, t in data)
    [(0.0,), (0.0,), (1.0,), (1.0,)]
    """
    _check(n)
    rng = _rng(seed)
    data = []
    for label in _labels(n, 2, rng):
        along = rng.random()
        radius = 0.1 + 0.9 * along
        angle = 2.0 * math.pi * turns * along + math.pi * label
        x = radius * math.cos(angle) + rng.gauss(0.0, noise)
        y = radius * math.sin(angle) + rng.gauss(0.0, noise)
        data.append(((x, y), (float(label),)))
    return data


def clusters(
    n: int = 200, seed: int = 0, classes: int = 3, spread: float = 0.15, dims: int = 2
) -> list[Sample]:
    """Gaussian blobs, one per class, with centres evenly spaced on the unit circle.

    With ``dims`` above 2 the extra coordinates are noise around 0.

    >>> sorted(t for x, t in clusters(n=3, classes=3))
    [(0.0, 0.0, 1.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0)]
    """
    _check(n)
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise LernpyError(f"classes must be a whole number >= 2, got {classes!r}")
    if isinstance(dims, bool) or not isinstance(dims, int) or dims < 2:
        raise LernpyError(f"dims must be a whole number >= 2, got {dims!r}")
    rng = _rng(seed)
    data = []
    for label in _labels(n, classes, rng):
        angle = 2.0 * math.pi * label / classes
        centre = [math.cos(angle), math.sin(angle)] + [0.0] * (dims - 2)
        point = tuple(c + rng.gauss(0.0, spread) for c in centre)
        data.append((point, one_hot(label, classes)))
    return data


def sine(n: int = 100, seed: int = 0, noise: float = 0.0) -> list[Sample]:
    """Regression: x uniform in [-π, π], target sin(x) plus optional Gaussian noise."""
    _check(n)
    rng = _rng(seed)
    data = []
    for _ in range(n):
        x = rng.uniform(-math.pi, math.pi)
        data.append(((x,), (math.sin(x) + rng.gauss(0.0, noise),)))
    return data


# 2x2 grayscale images, pixels in reading order (top-left, top-right,
# bottom-left, bottom-right), 1 = bright, 0 = dark. Each class is a handful of
# hand-drawn patterns; the generator picks one and adds noise.
STAIRS_PATTERNS: dict[str, list[tuple[int, int, int, int]]] = {
    "solid": [(0, 0, 0, 0), (1, 1, 1, 1)],
    "vertical": [(1, 0, 1, 0), (0, 1, 0, 1)],
    "horizontal": [(1, 1, 0, 0), (0, 0, 1, 1)],
    "diagonal": [(1, 0, 0, 1), (0, 1, 1, 0)],
    # three bright pixels in an L, like a step seen from the side
    "stairs": [(1, 0, 1, 1), (0, 1, 1, 1), (1, 1, 1, 0), (1, 1, 0, 1)],
}


def stairs(n: int = 100, seed: int = 0, noise: float = 0.1) -> list[Sample]:
    """Tiny 2x2 images, five classes: solid, vertical, horizontal, diagonal, stairs.

    Each sample is a pattern from :data:`STAIRS_PATTERNS` with Gaussian noise,
    clipped to [0, 1]; the target is one-hot over the classes in that order.

    >>> x, t = stairs(n=1, seed=0, noise=0.0)[0]
    >>> len(x), len(t), sum(t)
    (4, 5, 1.0)
    """
    _check(n)
    rng = _rng(seed)
    names = list(STAIRS_PATTERNS)
    data = []
    for label in _labels(n, len(names), rng):
        pattern = rng.choice(STAIRS_PATTERNS[names[label]])
        pixels = tuple(min(1.0, max(0.0, p + rng.gauss(0.0, noise))) for p in pattern)
        data.append((pixels, one_hot(label, len(names))))
    return data


BARS = ("horizontal", "vertical")


def bars(n: int = 200, seed: int = 0, size: int = 4, noise: float = 0.1) -> list[Sample]:
    """Tiny ``size``×``size`` images of one bright bar: horizontal (class 0) or vertical (1).

    The bar fills one whole row or column, at a random place; every pixel gets
    Gaussian noise and is clipped to [0, 1]. Pixels in reading order (row by
    row), as ``Network.convolutional((1, size, size), …)`` takes them; the
    target is one-hot over :data:`BARS`.

    >>> x, t = bars(n=1, seed=2, size=3, noise=0.0)[0]
    >>> x, t
    ((1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), (1.0, 0.0))
    """
    _check(n)
    if isinstance(size, bool) or not isinstance(size, int) or size < 2:
        raise LernpyError(f"size must be a whole number >= 2, got {size!r}")
    rng = random.Random(seed)
    data = []
    for label in _labels(n, 2, rng):
        where = rng.randrange(size)
        pixels = []
        for r in range(size):
            for c in range(size):
                on = (r if label == 0 else c) == where
                pixels.append(min(1.0, max(0.0, float(on) + rng.gauss(0.0, noise))))
        data.append((tuple(pixels), one_hot(label, 2)))
    return data


def sequence(inputs: list[list[float]], targets: list[list[float]]) -> Sample:
    """One sample for ``Network.recurrent`` from per-step inputs and per-step targets.

    Step by step, as the network orders its inputs (``x1@t1, x2@t1, x1@t2, …``)
    and outputs (every step's, or only the last step's when one is given).

    >>> sequence([[1.0], [0.0], [1.0]], [[1.0], [1.0], [0.0]])
    ((1.0, 0.0, 1.0), (1.0, 1.0, 0.0))
    """
    return (
        tuple(float(v) for step in inputs for v in step),
        tuple(float(v) for step in targets for v in step),
    )


def _bits(n: int, steps: int, seed: int, targets: str) -> tuple[random.Random, list]:
    _check(n)
    if (
        isinstance(steps, bool)
        or not isinstance(steps, numbers.Integral)
        or not 1 <= steps <= MAX_STEPS
    ):
        raise LernpyError(
            f"steps must be a whole number from 1 to {MAX_STEPS:,}, got {short(steps)}"
        )
    steps = int(steps)
    if not isinstance(targets, str) or targets not in ("every", "last"):
        raise LernpyError(f"targets is {targets!r}: expected 'every' or 'last'")
    rng = random.Random(seed)
    return rng, [[rng.randrange(2) for _ in range(steps)] for _ in range(n)]


def parity(n: int = 200, steps: int = 4, seed: int = 0, targets: str = "every") -> list[Sample]:
    """Sequences of random bits; the target at each step is the parity of the bits so far.

    One input and one output per step (1 when an odd number of ones has been
    seen); ``targets="last"`` keeps only the last step's target. For
    ``Network.recurrent(1, hidden, 1, steps=steps, targets=targets)``.

    >>> parity(n=1, steps=4, seed=3)
    [((0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 1.0, 0.0))]
    """
    _rng, sequences = _bits(n, steps, seed, targets)
    data = []
    for bits in sequences:
        odd = [sum(bits[: t + 1]) % 2 for t in range(steps)]
        wanted = odd if targets == "every" else odd[-1:]
        data.append(sequence([[b] for b in bits], [[p] for p in wanted]))
    return data


def delay(
    n: int = 200, steps: int = 6, seed: int = 0, lag: int = 2, targets: str = "every"
) -> list[Sample]:
    """Sequences of random bits; the target at step t is the input of step t − ``lag`` (0 before).

    The network must remember the last ``lag`` inputs: a test of its memory.

    >>> delay(n=1, steps=5, seed=3)
    [((0.0, 0.0, 1.0, 1.0, 0.0), (0.0, 0.0, 0.0, 0.0, 1.0))]
    """
    _rng, sequences = _bits(n, steps, seed, targets)
    if isinstance(lag, bool) or not isinstance(lag, int) or lag < 0:
        raise LernpyError(f"lag must be a whole number >= 0, got {lag!r}")
    data = []
    for bits in sequences:
        late = [bits[t - lag] if t >= lag else 0 for t in range(steps)]
        wanted = late if targets == "every" else late[-1:]
        data.append(sequence([[b] for b in bits], [[v] for v in wanted]))
    return data


IRIS_COLUMNS = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def iris() -> list[Sample]:
    """Fisher's iris data (150 flowers, 4 measurements in cm, 3 species one-hot).

    Shipped as ``lernpy/data/iris.csv``; the file's first lines name the source.

    >>> data = iris()
    >>> len(data), data[0]
    (150, ((5.1, 3.5, 1.4, 0.2), (1.0, 0.0, 0.0)))
    """
    from lernpy.data.csvdata import read_csv  # csvdata imports this module

    return read_csv(_iris_path(), target="species").samples


def _iris_path() -> str:
    return str(resources.files("lernpy.data").joinpath("iris.csv"))


def digits() -> list[Sample]:
    """scikit-learn's 8x8 handwritten digits (1797 images, pixels scaled to [0, 1]).

    Needs the optional extra: ``pip install "lernpy[digits]"``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise LernpyError(
            "the digits data set needs scikit-learn, an optional extra: "
            'install it with  pip install "lernpy[digits]"'
        ) from None
    bunch = load_digits()
    data = []
    for image, label in zip(bunch.data.tolist(), bunch.target.tolist(), strict=True):
        data.append((tuple(float(p) / 16.0 for p in image), one_hot(int(label), 10)))
    return data


@dataclass(frozen=True)
class DatasetInfo:
    """What ``lernpy datasets`` lists: how to make a data set and what is in it."""

    name: str
    make: Callable[..., list[Sample]]
    summary: str
    input_names: tuple[str, ...]
    target_names: tuple[str, ...]
    classes: tuple[str, ...] | None
    sized: bool = True  # takes n and seed


def _names(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


_BINARY = ("0", "1")
DATASETS: dict[str, DatasetInfo] = {
    "and": DatasetInfo("and", and_gate, "AND truth table", ("a", "b"), ("y",), _BINARY, False),
    "or": DatasetInfo("or", or_gate, "OR truth table", ("a", "b"), ("y",), _BINARY, False),
    "nand": DatasetInfo("nand", nand_gate, "NAND truth table", ("a", "b"), ("y",), _BINARY, False),
    "xor": DatasetInfo("xor", xor, "XOR truth table", ("a", "b"), ("y",), _BINARY, False),
    "circles": DatasetInfo("circles", circles, "two rings", ("x", "y"), ("inner",), _BINARY),
    "moons": DatasetInfo("moons", moons, "two half moons", ("x", "y"), ("lower",), _BINARY),
    "spirals": DatasetInfo("spirals", spirals, "two spirals", ("x", "y"), ("arm",), _BINARY),
    "clusters": DatasetInfo(
        "clusters", clusters, "3 Gaussian blobs", ("x", "y"), ("c1", "c2", "c3"), ("0", "1", "2")
    ),
    "sine": DatasetInfo("sine", sine, "y = sin(x) regression", ("x",), ("y",), None),
    "stairs": DatasetInfo(
        "stairs",
        stairs,
        "2x2 images, 5 patterns",
        ("top_left", "top_right", "bottom_left", "bottom_right"),
        tuple(STAIRS_PATTERNS),
        tuple(STAIRS_PATTERNS),
    ),
    "bars": DatasetInfo(
        "bars",
        bars,
        "4x4 images of a horizontal or vertical bar",
        tuple(f"r{r}c{c}" for r in range(1, 5) for c in range(1, 5)),
        BARS,
        BARS,
    ),
    "parity": DatasetInfo(
        "parity",
        parity,
        "4 bits in sequence, the parity so far at each step",
        _names("x", 4),
        _names("parity", 4),
        None,
    ),
    "delay": DatasetInfo(
        "delay",
        delay,
        "6 bits in sequence, each step's target the bit 2 steps back",
        _names("x", 6),
        _names("y", 6),
        None,
    ),
    "iris": DatasetInfo(
        "iris",
        iris,
        "Fisher's iris flowers (1936)",
        IRIS_COLUMNS,
        ("setosa", "versicolor", "virginica"),
        ("setosa", "versicolor", "virginica"),
        False,
    ),
    "digits": DatasetInfo(
        "digits",
        digits,
        "8x8 handwritten digits (needs scikit-learn)",
        _names("p", 64),
        tuple(str(d) for d in range(10)),
        tuple(str(d) for d in range(10)),
        False,
    ),
}

#: Class names in one-hot (or 0/1) order, for data sets that are classifications.
CLASSES: dict[str, tuple[str, ...]] = {
    name: info.classes for name, info in DATASETS.items() if info.classes is not None
}


def make(name: str, n: int | None = None, seed: int = 0) -> list[Sample]:
    """Make a built-in data set by name; ``n`` and ``seed`` apply to generated ones.

    >>> len(make("moons", n=10, seed=2))
    10
    """
    info = describe(name)
    if not info.sized:
        return info.make()
    return info.make(seed=seed) if n is None else info.make(n=n, seed=seed)


def describe(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` for a built-in data set, or a clear error."""
    info = DATASETS.get(name.lower()) if isinstance(name, str) else None
    if info is None:
        known = ", ".join(DATASETS)
        raise LernpyError(f"unknown data set {short(name)}: expected one of {known}")
    return info
