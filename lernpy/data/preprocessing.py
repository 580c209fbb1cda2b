"""Preprocessing: what a saved network needs to read raw data (column and class names, scaling).

>>> prep = Preprocessing(("size",), ("big",), ("small", "big"), mean=(10.0,), std=(5.0,))
>>> prep.inputs((15.0,))
(1.0,)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lernpy import checks
from lernpy.errors import LernpyError
from lernpy.graph.samples import Sample, check_pairs


@dataclass(frozen=True)
class Preprocessing:
    """What a saved network needs to read raw data: column names, class names, scaling.

    ``mean`` and ``std`` (when standardising) shift and scale each input as
    ``(x - mean) / std``; they come from the training data and are saved with
    the network.
    """

    input_names: tuple[str, ...]
    target_names: tuple[str, ...]
    classes: tuple[str, ...] | None = None
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        # checked here, as the network file's loader checks them: whatever is made, saves
        inputs = tuple(checks.names(self.input_names, "input_names"))
        set_ = object.__setattr__
        set_(self, "input_names", inputs)
        set_(self, "target_names", tuple(checks.names(self.target_names, "target_names")))
        if self.classes is not None:
            set_(self, "classes", tuple(checks.names(self.classes, "classes")))
        if (self.mean is None) != (self.std is None):
            raise LernpyError("mean and std come together: give both or neither")
        for key in ("mean", "std"):
            values = getattr(self, key)
            if values is None:
                continue
            numbers = tuple(
                checks.number(v, f"{key}[{i}]") for i, v in enumerate(checks.items(values, key))
            )
            if len(numbers) != len(inputs):
                raise LernpyError(f"{key} has {len(numbers)} values: expected {len(inputs)}")
            if key == "std" and any(v <= 0.0 for v in numbers):
                raise LernpyError(f"std is {numbers}: expected numbers > 0 (a scale to divide by)")
            set_(self, key, numbers)

    def inputs(self, x: Sequence[float]) -> tuple[float, ...]:
        """Raw inputs as the network saw them in training."""
        x = [checks.number(v, f"input {i + 1}") for i, v in enumerate(checks.items(x, "inputs"))]
        if len(x) != len(self.input_names):
            raise LernpyError(f"expected {len(self.input_names)} inputs, got {len(x)}")
        if self.mean is None or self.std is None:
            return tuple(x)
        return tuple((v - m) / s for v, m, s in zip(x, self.mean, self.std, strict=True))

    def __call__(self, data: Sequence[Sample]) -> list[Sample]:
        """Samples with their inputs preprocessed and targets unchanged."""
        return [(self.inputs(x), t) for x, t in check_pairs(data)]

    def to_dict(self) -> dict[str, object]:
        """Plain values for the network file."""
        return {
            "input_names": list(self.input_names),
            "target_names": list(self.target_names),
            "classes": None if self.classes is None else list(self.classes),
            "mean": None if self.mean is None else list(self.mean),
            "std": None if self.std is None else list(self.std),
        }


# Names the builders give hidden and bias neurons: a column may not take one of them.
_BUILT = re.compile(r"^(h\d+(_\d+)?|b\d+)$")


def neuron_name(text: str, fallback: str, prefix: str) -> str:
    """A column or class name as a neuron name: no arrow, no space, not a bare number.

    >>> neuron_name("sepal length", "x1", "x_"), neuron_name("1", "y1", "class_")
    ('sepal_length', 'class_1')
    >>> neuron_name("a->b", "x1", "x_"), neuron_name("h2", "x3", "x_"), neuron_name("", "x4", "x_")
    ('a-b', 'x_h2', 'x4')
    """
    name = "".join(ch for ch in unicodedata.normalize("NFC", str(text)) if ch.isprintable())
    name = name.replace("→", "-")
    while "->" in name:  # ("->>" would leave "->" after one pass)
        name = name.replace("->", "-")
    name = re.sub(r"\s+", "_", name.strip())
    if not name:
        return fallback
    try:
        float(name)
    except ValueError:
        pass
    else:
        return prefix + name  # "1" is a poor name for a neuron, "class_1" a clear one
    return prefix + name if _BUILT.match(name) else name


def unique(names: Iterable[str]) -> list[str]:
    """Names made distinct by a suffix (_2, _3, …) where two would be the same.

    >>> unique(["a", "b", "a", "a_2"])
    ['a', 'b', 'a_3', 'a_2']
    """
    names = list(names)
    taken = set(names)
    seen: set[str] = set()
    out = []
    for name in names:
        if name in seen:
            k = 2
            while f"{name}_{k}" in taken:
                k += 1
            name = f"{name}_{k}"
            taken.add(name)
        seen.add(name)
        out.append(name)
    return out


def layer_names(
    input_names: Sequence[str], output_names: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Neuron names for the input and output layers from a data file's column and class names.

    >>> layer_names(["sepal length", "petal length"], ["setosa", "versicolor"])
    (['sepal_length', 'petal_length'], ['setosa', 'versicolor'])
    """
    inputs = [neuron_name(n, f"x{k}", "x_") for k, n in enumerate(input_names, 1)]
    outputs = [neuron_name(n, f"y{k}", "class_") for k, n in enumerate(output_names, 1)]
    both = unique(inputs + outputs)
    return both[: len(inputs)], both[len(inputs) :]
