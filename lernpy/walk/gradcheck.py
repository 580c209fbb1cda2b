"""Gradient check: backprop's ∂E/∂w against a central finite difference, link by link.

A link that shares its weight is checked alone (its own contribution: the
difference moves that link only), and each shared weight is checked as a
whole (the sum: the difference moves all its links), in rows after the links.

>>> from lernpy import examples
>>> check = examples.mazur().gradcheck(examples.MAZUR_SAMPLE)
>>> check.ok, len(check.rows)
(True, 12)
"""

from __future__ import annotations

from dataclasses import dataclass

from lernpy.errors import NumericError, ShapeError
from lernpy.graph.link import Link
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron
from lernpy.graph.samples import check_data
from lernpy.graph.shared import SharedWeight
from lernpy.hooks import Shows


@dataclass(frozen=True)
class GradRow:
    """One link (or shared weight): backprop's gradient, the finite difference, and whether they
    agree."""

    link: Link | SharedWeight
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
            if isinstance(row.link, SharedWeight):
                continue  # its links' rows say where
            n = row.link.target
            if n not in found and not any(link in bad for link in n.outgoing):
                found.append(n)
        return found

    def __getitem__(self, name: str) -> GradRow:
        for row in self.rows:
            if row.link.name == name.replace("->", "→") or row.link.label == name:
                return row
        raise KeyError(name)

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
    """Compare backprop's ∂E/∂w with (E(w + eps) − E(w − eps)) / 2eps for every link
    and every shared weight.

    A link passes when |backprop − numeric| ≤ atol + rtol · max(|backprop|, |numeric|).
    Weights are left exactly as they were; the neurons hold the sample's numbers.
    Kinks (ReLU at net 0) can fail honestly: the derivative does not exist there.
    """
    samples = check_data(net, sample)
    if len(samples) != 1:
        raise ShapeError(f"gradcheck takes one sample (inputs, targets): got {len(samples)}")
    (x, target), saved = samples[0], [link.gradient for link in net.links]
    before = net.state()
    # forward, loss and backward: every link's sensitivity, from the scheduler itself
    try:
        net.scheduler((x, target), rate=0.0, trace=None).run(until="update")
    except NumericError:
        _put_back(net, before)  # a NaN or an overflow changes nothing, not even a gradient
        raise
    backprop = [link.sensitivity for link in net.links]
    position = {link: i for i, link in enumerate(net.links)}
    rows = [
        _row(net, link, grad, (x, target), eps, rtol, atol)
        for link, grad in zip(net.links, backprop)
    ]
    for shared in net.shared_weights:
        # the shared weight as one: its gradient is the sum of its links' contributions
        grad = _sum([backprop[position[link]] for link in shared.links])
        rows.append(_row(net, shared, grad, (x, target), eps, rtol, atol))
    # leave the neurons holding the sample's own numbers, and any batch gradient as it was
    net.scheduler((x, target), rate=0.0, trace=None).run(until="update")
    for link, gradient in zip(net.links, saved):
        link.gradient = gradient
    return GradCheck(tuple(rows), eps, rtol, atol)


def _row(
    net: Network,
    obj: Link | SharedWeight,
    grad: float,
    sample: tuple,
    eps: float,
    rtol: float,
    atol: float,
) -> GradRow:
    """Backprop's ``grad`` against (E(w + eps) − E(w − eps)) / 2eps, moving ``obj``'s weight
    (a shared weight's: all its links); the weight is put back exactly."""
    w = obj.weight
    obj.weight = w + eps
    plus = net.loss(*sample)
    obj.weight = w - eps
    minus = net.loss(*sample)
    obj.weight = w
    numeric = (plus - minus) / (2.0 * eps)
    diff = abs(grad - numeric)
    scale = max(abs(grad), abs(numeric))
    rel = diff / scale if scale > 0.0 else 0.0
    return GradRow(obj, grad, numeric, diff, rel, diff <= atol + rtol * scale)


def _sum(terms: list[float]) -> float:
    """Σ from the first term on, in order (as SharedWeight sums its links)."""
    total = terms[0]
    for term in terms[1:]:
        total += term
    return total


def _put_back(net: Network, state: dict[str, tuple]) -> None:
    """Every neuron's and link's numbers as ``net.state()`` recorded them."""
    for n in net.neurons:
        n.net, n.value, n.error, n.sensitivity, n.target, winner = state[n.name]
        n.winner = next((link for link in n.incoming if link.name == winner), None)
    for link in net.links:
        (link.weight, link.value, link.sensitivity, link.blame, link.gradient,
         link.velocity, link.frozen) = state[link.name]  # fmt: skip
