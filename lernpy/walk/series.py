"""Series: one number of one link or neuron over time, to watch it change.

``history.weights("w5")`` is a link's weight at the start and after each epoch
of ``train()``; ``trace.series("w5", "sensitivity")`` is a field of every step
the trace kept about a link or neuron. A series is a list of numbers that
draws itself (SVG in a notebook, a character chart under rich) and exports as
a table like any other.

>>> s = Series("weight of h1→o1 (w5)", [0.4, 0.38, 0.37], x_label="epoch", start=0)
>>> s
Series(weight of h1→o1 (w5): 3 values by epoch 0–2, 0.4 → 0.37)
>>> list(s), s[-1], s.x
([0.4, 0.38, 0.37], 0.37, [0, 1, 2])
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lernpy import hooks
from lernpy.hooks import Exports, Shows
from lernpy.numbers import num


class Series(Exports, Shows):
    """Numbers in order, with what they are (``name``) and what counts them (``x_label``).

    ``x`` is each number's position (epoch, or the step's place in the trace);
    ``epochs`` and ``samples``, when known, say when each number was recorded.
    """

    def __init__(
        self,
        name: str,
        values: Sequence[float],
        x_label: str = "epoch",
        start: int = 0,
        x: Sequence[int] | None = None,
        epochs: Sequence[int] | None = None,
        samples: Sequence[int] | None = None,
    ) -> None:
        self.name = name
        self.values = [float(v) for v in values]
        self.x_label = x_label
        self.x = list(x) if x is not None else list(range(start, start + len(self.values)))
        self.epochs = list(epochs) if epochs is not None else None
        self.samples = list(samples) if samples is not None else None

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[float]:
        return iter(self.values)

    def __getitem__(self, index: int) -> float:
        return self.values[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Series):
            return self.values == other.values and self.x == other.x
        if isinstance(other, (list, tuple)):
            return self.values == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list of numbers: mutable, compared by value

    def __repr__(self) -> str:
        if not self.values:
            return f"Series({self.name}: empty)"
        span = f"{self.x[0]}–{self.x[-1]}" if len(self.x) > 1 else f"{self.x[0]}"
        change = f"{num(self.values[0], 6)} → {num(self.values[-1], 6)}"
        count = f"{len(self.values)} value" + ("s" if len(self.values) != 1 else "")
        return f"Series({self.name}: {count} by {self.x_label} {span}, {change})"

    def svg(self) -> str:
        """The series as an SVG chart (:func:`lernpy.pictures.curves.series_svg`)."""
        return hooks.picture(self)


__all__ = ["Series"]
