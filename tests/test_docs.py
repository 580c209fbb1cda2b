"""The docs a user has: the README points at docs/concepts.md (not at a folder only the team
has), and concepts.md states the conventions the code follows, checked here against the code."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from lernpy import Network, examples
from lernpy.graph.losses import BCE, CROSS_ENTROPY, MSE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONCEPTS_MD = ROOT / "docs" / "concepts.md"
CONCEPTS = CONCEPTS_MD.read_text(encoding="utf-8") if CONCEPTS_MD.exists() else ""


def test_the_readme_links_the_concepts_page_not_the_teams_folder():
    assert "../shared" not in README and "DESIGN.md" not in README
    assert "docs/concepts.md" in README


@pytest.mark.parametrize(
    "topic",
    ["Momentum", "Loss of a sample, of a batch, of an epoch", "Softmax with cross-entropy",
     "Binary cross-entropy over outputs", "Two sensitivities", "Value, \"out\"", "Signs"],
)  # fmt: skip
def test_concepts_covers(topic):
    assert topic in CONCEPTS


def test_the_momentum_formula_is_the_one_the_scheduler_uses():
    """Δw = momentum · Δw_prev − rate · ∂E/∂w, w ← w + Δw (concepts.md), on two updates."""
    assert "Δw = momentum · Δw_prev − rate · ∂E/∂w,    w ← w + Δw" in CONCEPTS
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, momentum=0.9, epochs=2).run()
    first, second = net.trace.updates("w5")
    change = 0.9 * (first.new - first.old) - 0.5 * second.gradient
    assert second.new == pytest.approx(second.old + change, rel=0, abs=1e-15)


def test_the_losses_reduce_over_outputs_as_concepts_says():
    """half_sse, bce and cross_entropy sum over the outputs; mse divides by their number."""
    values, targets = [0.2, 0.7], [0.0, 1.0]
    assert MSE.value(values, targets) == pytest.approx((0.2**2 + 0.3**2) / 2)
    one = [BCE.value([v], [t]) for v, t in zip(values, targets)]
    assert BCE.value(values, targets) == pytest.approx(sum(one))
    assert CROSS_ENTROPY.value([0.3, 0.7], [0.0, 1.0]) == pytest.approx(-math.log(0.7))


@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"), ("sigmoid", "bce")])
def test_fused_outputs_have_sensitivity_value_minus_target(output, loss):
    net = Network.layered(2, 3, 2, output=output, loss=loss, seed=5)
    target = (0.0, 1.0)
    net.scheduler(((0.3, -0.4), target), rate=0.0).run(until="update")
    for o, t in zip(net.outputs, target, strict=True):
        assert o.sensitivity == o.value - t
