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

from lernpy.checks import short
from lernpy.errors import BadValueError, ShapeError, UnknownNameError
from lernpy.graph.link import Link
from lernpy.graph.names import link_name
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron
from lernpy.graph.samples import check_data, number
from lernpy.graph.shared import SharedWeight
from lernpy.hooks import Exports, Shows
from lernpy.walk.mistakes import MISTAKES, label
from lernpy.walk.steps import Updated


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
class GradCheck(Exports, Shows):
    """Every link's row; ``ok`` when all agree, ``failures`` and ``suspects`` otherwise."""

    rows: tuple[GradRow, ...]
    eps: float
    rtol: float
    atol: float
    mistake: str = ""  # the deliberate mistake backprop was run with (see lernpy.walk.mistakes)

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
        """The row of the link called (or labelled) ``name``."""
        if isinstance(name, str):
            key = link_name(name)
            for row in self.rows:
                if key in (row.link.name, getattr(row.link, "label", None)):
                    return row
        raise UnknownNameError(
            f"no row for the link {short(name)}: expected a link's name or label"
        )

    @property
    def verdict(self) -> str:
        """Why backprop disagrees, when a deliberate mistake explains it ("" otherwise)."""
        if not self.mistake:
            return ""
        if self.ok:
            return f"{label(self.mistake)} made no difference on this sample"
        return f"caused by the deliberate mistake {label(self.mistake)}: {MISTAKES[self.mistake]}"

    def __repr__(self) -> str:
        verdict = f"; {self.verdict}" if self.mistake else ""
        if self.ok:
            return f"GradCheck(ok: all {len(self.rows)} links agree{verdict})"
        suspects = ", ".join(n.name for n in self.suspects) or "none found"
        count = f"{len(self.failures)} of {len(self.rows)} links"
        names = [row.name for row in self.failures]
        for shown in range(len(names), -1, -1):  # as many names as fit in 80 columns
            listed = ", ".join(names[:shown]) + (", …" if shown < len(names) else "")
            line = f"GradCheck(FAILED on {count}: {listed}; suspect {suspects}{verdict})"
            if len(line) <= 80:
                return line
        # (a deliberate mistake's verdict is worth more than 80 columns: the first name stays)
        return f"GradCheck(FAILED on {count}: {names[0]}, …; suspect {suspects}{verdict})"


def gradcheck(
    net: Network,
    sample: object,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    *,
    update: str = "deferred",
    mistake: str | None = None,
    rate: float = 0.5,
) -> GradCheck:
    """Compare backprop's ∂E/∂w with (E(w + eps) − E(w − eps)) / 2eps for every link
    and every shared weight.

    A link passes when |backprop − numeric| ≤ atol + rtol · max(|backprop|, |numeric|).
    Weights are left exactly as they were; the neurons hold the sample's numbers.
    Kinks (ReLU at net 0) can fail honestly: the derivative does not exist there.

    ``update="sequential"`` or ``mistake=`` (see :mod:`lernpy.walk.mistakes`) check
    the gradient each update would use when training makes that mistake (with
    ``rate`` for the sequential update, whose mistake shows only when weights move;
    the stale gradient is checked on the sample's second presentation), and the
    result names the mistake.
    """
    eps = _positive(eps, "eps", allow_zero=False)
    rtol = _positive(rtol, "rtol")
    atol = _positive(atol, "atol")
    samples = check_data(net, sample)
    if len(samples) != 1:
        raise ShapeError(f"gradcheck takes one sample (inputs, targets): got {len(samples)}")
    if not isinstance(update, str) or update not in ("deferred", "immediate", "sequential"):
        raise UnknownNameError(
            f"update is {short(update)}: expected 'deferred', 'immediate' or 'sequential'"
        )
    rate = _positive(rate, "rate")
    (x, target), saved = samples[0], [link.gradient for link in net.links]
    before = net.state()
    made = "sequential" if update == "sequential" else (mistake or "")
    try:
        if made:
            used = _mistaken(net, (x, target), update, mistake, rate)
        else:
            # forward, loss and backward: every link's sensitivity, from the scheduler itself
            net.scheduler((x, target), rate=0.0, trace=None).run(until="update")
            used = {link: link.sensitivity for link in net.links}
        backprop = [used[link] for link in net.links]
        rows = [
            _row(net, link, grad, (x, target), eps, rtol, atol)
            for link, grad in zip(net.links, backprop)
        ]
        for shared in net.shared_weights:
            # the shared weight as one: its gradient is the sum of its links' contributions
            # (or, when training makes a mistake, the gradient its update used)
            grad = used.get(shared)
            if grad is None:
                grad = _sum([used[link] for link in shared.links])
            rows.append(_row(net, shared, grad, (x, target), eps, rtol, atol))
        # leave the neurons holding the sample's own numbers, and any batch gradient as it was
        net.scheduler((x, target), rate=0.0, trace=None).run(until="update")
    except BaseException:
        # a NaN, an overflow or Ctrl-C changes nothing, not even a gradient
        _put_back(net, before)
        raise
    for link, gradient in zip(net.links, saved):
        link.gradient = gradient
    return GradCheck(tuple(rows), eps, rtol, atol, made)


def _mistaken(
    net: Network, sample: tuple, update: str, mistake: str | None, rate: float
) -> dict[Link | SharedWeight, float]:
    """The gradient each link's (or shared weight's) update uses when training makes the
    mistake; weights put back."""
    before = net.state()
    epochs = 2 if mistake == "stale_gradient" else 1
    run = net.scheduler(
        [sample], rate=rate if update == "sequential" else 0.0, update=update, mistake=mistake,
        epochs=epochs, trace=None,
    )  # fmt: skip
    used: dict[Link | SharedWeight, float] = {link: link.sensitivity for link in net.links}
    learned: dict[Link, float] = {}
    while not run.finished:
        step = run.step()
        if step.kind == "Learned":
            learned[step.link] = step.sensitivity
        elif isinstance(step, Updated) and step.epoch == epochs - 1:
            used[step.link] = step.gradient
    for link in net.links:
        if link.frozen:  # never updated: the gradient it learned
            used[link] = learned.get(link, link.sensitivity)
    _put_back(net, before)
    return used


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
        n.net, n.value, n.error, n.sensitivity, n.target, winner = state[n.name]
        n.winner = next((link for link in n.incoming if link.name == winner), None)
    for link in net.links:
        (link.weight, link.value, link.sensitivity, link.blame, link.gradient,
         link.state, link.frozen) = state[link.name]  # fmt: skip
