"""Gradient check: backprop's ∂E/∂w against a central finite difference, link by link.

>>> from lernpy import examples
>>> check = examples.mazur().gradcheck(examples.MAZUR_SAMPLE)
>>> check.ok, len(check.rows)
(True, 12)
"""

from __future__ import annotations

from dataclasses import dataclass

from lernpy.checks import short
from lernpy.errors import BadValueError, ShapeError, UnknownNameError
from lernpy.graph.link import Link
from lernpy.graph.names import link_name
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron
from lernpy.graph.samples import check_data, number
from lernpy.hooks import Shows


@dataclass(frozen=True)
class GradRow:
    """One link: backprop's gradient, the finite difference, and whether they agree."""

    link: Link
    backprop: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool

    @property
    def name(self) -> str:
        return self.link.name


@dataclass(frozen=True)
class GradCheck(Shows):
    """Every link's row; ``ok`` when all agree, ``failures`` and ``suspects`` otherwise."""

    rows: tuple[GradRow, ...]
    eps: float
    rtol: float
    atol: float

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> list[GradRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def suspects(self) -> list[Neuron]:
        """Neurons whose incoming links fail while none of their outgoing links do.

        A wrong derivative at a neuron spoils the gradient of every link into it
        and upstream of it, but not of the links after it: the first neuron
        where the failures begin, seen from the outputs, is the suspect.
        """
        bad = {row.link for row in self.failures}
        found = []
        for row in self.failures:
            n = row.link.target
            if n not in found and not any(link in bad for link in n.outgoing):
                found.append(n)
        return found

    def __getitem__(self, name: str) -> GradRow:
        """The row of the link called (or labelled) ``name``."""
        if isinstance(name, str):
            key = link_name(name)
            for row in self.rows:
                if key in (row.link.name, row.link.label):
                    return row
        raise UnknownNameError(
            f"no row for the link {short(name)}: expected a link's name or label"
        )

    def __repr__(self) -> str:
        if self.ok:
            return f"GradCheck(ok: all {len(self.rows)} links agree)"
        names = ", ".join(row.name for row in self.failures)
        suspects = ", ".join(n.name for n in self.suspects)
        count = f"{len(self.failures)} of {len(self.rows)} links"
        return f"GradCheck(FAILED on {count}: {names}; suspect {suspects})"


def gradcheck(
    net: Network, sample: object, eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-8
) -> GradCheck:
    """Compare backprop's ∂E/∂w with (E(w + eps) − E(w − eps)) / 2eps for every link.

    A link passes when |backprop − numeric| ≤ atol + rtol · max(|backprop|, |numeric|).
    Weights are left exactly as they were; the neurons hold the sample's numbers.
    Kinks (ReLU at net 0) can fail honestly: the derivative does not exist there.
    """
    eps = _positive(eps, "eps", allow_zero=False)
    rtol = _positive(rtol, "rtol")
    atol = _positive(atol, "atol")
    samples = check_data(net, sample)
    if len(samples) != 1:
        raise ShapeError(f"gradcheck takes one sample (inputs, targets): got {len(samples)}")
    (x, target), saved = samples[0], [link.gradient for link in net.links]
    before = net.state()
    try:
        # forward, loss and backward: every link's sensitivity, from the scheduler itself
        net.scheduler((x, target), rate=0.0, trace=None).run(until="update")
        backprop = [link.sensitivity for link in net.links]
        rows = []
        for link, grad in zip(net.links, backprop):
            w = link.weight
            link.weight = w + eps
            plus = net.loss(x, target)
            link.weight = w - eps
            minus = net.loss(x, target)
            link.weight = w
            numeric = (plus - minus) / (2.0 * eps)
            diff = abs(grad - numeric)
            scale = max(abs(grad), abs(numeric))
            rel = diff / scale if scale > 0.0 else 0.0
            rows.append(GradRow(link, grad, numeric, diff, rel, diff <= atol + rtol * scale))
        # leave the neurons holding the sample's own numbers, and any batch gradient as it was
        net.scheduler((x, target), rate=0.0, trace=None).run(until="update")
    except BaseException:
        # a NaN, an overflow or Ctrl-C changes nothing, not even a gradient
        _put_back(net, before)
        raise
    for link, gradient in zip(net.links, saved):
        link.gradient = gradient
    return GradCheck(tuple(rows), eps, rtol, atol)


def _positive(value: object, name: str, allow_zero: bool = True) -> float:
    """A finite number > 0 (or ≥ 0), numpy floats too; else a BadValueError naming ``name``."""
    value = number(value, name)
    if value < 0.0 or (value == 0.0 and not allow_zero):
        raise BadValueError(
            f"{name} is {value}: expected a number > 0" + ("" if not allow_zero else " or 0")
        )
    return value


def _put_back(net: Network, state: dict[str, tuple]) -> None:
    """Every neuron's and link's numbers as ``net.state()`` recorded them."""
    for n in net.neurons:
        n.net, n.value, n.error, n.sensitivity, n.target = state[n.name]
    for link in net.links:
        (link.weight, link.value, link.sensitivity, link.blame, link.gradient,
         link.velocity, link.frozen) = state[link.name]  # fmt: skip
