"""Samples: data checked once, where it enters, against a network's inputs and outputs.

A sample is a pair ``(inputs, targets)`` of tuples of finite floats, one per
input and output neuron. :func:`check_data` turns whatever a user passes (a
list of pairs, one pair, numpy scalars, ints) into :class:`Samples`, or raises
an error naming the sample, the position and the neuron at fault. Whoever
receives :class:`Samples` for a network of that shape (the scheduler, the
engines) does not check them again.

>>> from lernpy import examples
>>> net = examples.mazur()
>>> check_data(net, ([0.05, 0.1], [0.01, 0.99]))
[((0.05, 0.1), (0.01, 0.99))]
>>> check_inputs(net, [0.05, "x"])
Traceback (most recent call last):
lernpy.errors.BadValueError: input, value 2 (input i2) is 'x': expected a number
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from lernpy.errors import BadValueError, ShapeError

if TYPE_CHECKING:
    from lernpy.graph.network import Network
    from lernpy.graph.neuron import Neuron

Sample = tuple[tuple[float, ...], tuple[float, ...]]


class Samples(list):
    """A data set that :func:`check_data` has checked: a list of ``(inputs, targets)`` pairs.

    ``shape`` is (number of inputs, number of outputs) of the networks it fits.
    """

    shape: tuple[int, int] = (0, 0)

    def fits(self, net: Network) -> bool:
        """Was this checked for a network with as many inputs and outputs as ``net``?"""
        return self.shape == (len(net.inputs), len(net.outputs))


def number(value: object, what: str) -> float:
    """``value`` as a float, or a BadValueError naming ``what``."""
    # numpy scalars are Real too; str and None are not; True is not a number here
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise BadValueError(f"{what} is {_short(value)}: expected a number")
    try:
        value = float(value)
    except OverflowError:  # an int (or Fraction) past the largest float
        raise BadValueError(f"{what} is too large for a float: expected a finite number") from None
    if not math.isfinite(value):
        raise BadValueError(f"{what} is {value}: expected a finite number")
    return value


def _short(value: object) -> str:
    """``repr(value)``, cut short and with any control character escaped, for a message."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text.encode("ascii", "backslashreplace").decode() if not text.isprintable() else text


def check_inputs(net: Network, x: object, where: str = "input") -> tuple[float, ...]:
    """``x`` as a tuple of floats, or an error saying what is wrong; changes nothing."""
    return _check_vector(x, net.inputs, where, "input")


def check_targets(net: Network, t: object, where: str = "target") -> tuple[float, ...]:
    """A target (one number allowed for one output) as a tuple of floats, or an error."""
    if isinstance(t, numbers.Real) and len(net.outputs) == 1:
        t = (t,)
    return _check_vector(t, net.outputs, where, "output")


def check_data(net: Network, data: object) -> Samples:
    """A data set (or one sample) as :class:`Samples`, every number checked.

    Samples already checked for a network of this shape are returned as they are.
    """
    if type(data) is Samples and data.fits(net):
        return data
    if _is_one_sample(data):
        data = [data]
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise ShapeError(f"data is {data!r}: expected a list of (inputs, targets) pairs")
    samples = Samples()
    n_in, n_out = len(net.inputs), len(net.outputs)
    for k, sample in enumerate(data):
        if type(sample) is tuple and len(sample) == 2:
            x, t = sample  # the common case, a data set of float tuples: at C speed
            if (
                type(x) is tuple
                and type(t) is tuple
                and len(x) == n_in
                and len(t) == n_out
                and _finite_floats(x)
                and _finite_floats(t)
            ):
                samples.append(sample)
                continue
        if isinstance(sample, (str, bytes)) or not isinstance(sample, Sequence) or len(sample) != 2:
            raise ShapeError(f"sample {k} is {sample!r}: expected a pair (inputs, targets)")
        x, t = sample
        samples.append(
            (
                check_inputs(net, x, f"sample {k} inputs"),
                check_targets(net, t, f"sample {k} target"),
            )
        )
    if not samples:
        raise ShapeError("data is empty: expected at least one (inputs, targets) pair")
    samples.shape = (n_in, n_out)
    return samples


def _finite_floats(values: Sequence[object]) -> bool:
    """Are these all floats (not bools, not numpy scalars), all finite?"""
    return set(map(type, values)) <= {float} and all(map(math.isfinite, values))


def _check_vector(x: object, neurons: list[Neuron], where: str, role: str) -> tuple[float, ...]:
    """One number per neuron, each finite, or an error naming the position and neuron."""
    n = len(neurons)
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise ShapeError(f"{where} is {x!r}: expected a sequence of {n} numbers")
    values = list(x)
    if len(values) != n:
        names = ", ".join(neuron.name for neuron in neurons)
        raise ShapeError(
            f"{where} has {len(values)} values: expected {n}, one per {role} neuron ({names})"
        )
    if _finite_floats(values):
        return tuple(values)  # the common case, checked at C speed
    return tuple(
        number(v, f"{where}, value {i + 1} ({role} {neurons[i].name})")
        for i, v in enumerate(values)
    )


def _is_one_sample(data: object) -> bool:
    """``((0.05, 0.1), (0.01, 0.99))`` is one sample; a list of such pairs is a data set."""
    if not isinstance(data, Sequence) or isinstance(data, (str, bytes)) or len(data) != 2:
        return False
    x = data[0]
    return (
        isinstance(x, Sequence)
        and not isinstance(x, (str, bytes))
        and all(isinstance(v, (int, float)) for v in x)
    )
