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
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lernpy.checks import items, number, short
from lernpy.errors import ShapeError

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

    Samples already checked for a network of this shape are returned as they are,
    and so is a list checked before whose samples are still the very same tuples
    (tuples of floats cannot change): training epoch by epoch does not check again.
    """
    if type(data) is Samples and data.fits(net):
        return data
    key = (id(data), len(net.inputs), len(net.outputs))
    seen = _checked.get(key)
    same = seen is not None and type(data) is list and len(data) == len(seen)
    if same and all(map(operator.is_, data, seen)):  # (one line either way: see below)
        return seen
    samples = _check_data(net, data)
    if type(data) is list:
        # (full: the oldest goes; one line either way, as above)
        _checked.pop(next(iter(_checked)) if len(_checked) >= 8 else None, None)
        _checked[key] = samples
    return samples


# lists checked lately (see check_data); a few, so that memory stays small. (A check runs
# as many lines whether a list was seen or not, and whether the memo is full or not:
# tests/test_interrupts.py interrupts training at the N-th line it runs, counted on an
# earlier run, and tests before it leave the memo as full as they left it.)
_checked: dict[tuple[int, int, int], Samples] = {}


def _check_data(net: Network, data: object) -> Samples:
    if _is_one_sample(data):
        data = [data]
    data = items(data, "data", "(inputs, targets) pairs")
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
            raise ShapeError(f"sample {k} is {short(sample)}: expected a pair (inputs, targets)")
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


def check_pairs(data: object, what: str = "data") -> list[Sample]:
    """A data set without a network to fit: pairs of number sequences, all alike in length.

    For what works on data alone (splitting, standardising, writing CSV).

    >>> check_pairs([((1, 2), (0,)), ((3, 4), (1,))])
    [((1.0, 2.0), (0.0,)), ((3.0, 4.0), (1.0,))]
    """
    pairs = items(data, what, "(inputs, targets) pairs")
    out: list[Sample] = []
    for k, sample in enumerate(pairs):
        if isinstance(sample, (str, bytes)) or not isinstance(sample, Sequence) or len(sample) != 2:
            raise ShapeError(f"{what}: sample {k} is {short(sample)}: expected (inputs, targets)")
        x, t = (
            tuple(
                number(v, f"{what}: sample {k} {part}, value {i + 1}")
                for i, v in enumerate(items(values, f"{what}: sample {k} {part}"))
            )  # fmt: skip
            for part, values in (("inputs", sample[0]), ("targets", sample[1]))
        )
        if out and (len(x), len(t)) != (len(out[0][0]), len(out[0][1])):
            raise ShapeError(
                f"{what}: sample {k} has {len(x)} inputs and {len(t)} targets: expected "
                f"{len(out[0][0])} and {len(out[0][1])}, as sample 0"
            )
        out.append((x, t))
    return out


def _finite_floats(values: Sequence[object]) -> bool:
    """Are these all floats (not bools, not numpy scalars), all finite?"""
    return set(map(type, values)) <= {float} and all(map(math.isfinite, values))


def _check_vector(x: object, neurons: list[Neuron], where: str, role: str) -> tuple[float, ...]:
    """One number per neuron, each finite, or an error naming the position and neuron."""
    n = len(neurons)
    values = items(x, where, f"{n} numbers", "sequence")
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
