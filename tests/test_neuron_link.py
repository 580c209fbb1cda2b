"""Neuron and Link on their own: the arithmetic of one connection."""

import pytest

from lernpy.graph.activations import IDENTITY, SIGMOID
from lernpy.graph.link import Link
from lernpy.graph.neuron import Neuron
from lernpy.optim import SGD


def test_lernmi_check_vector():
    """weight 0.5, rate 0.1, target error 0.1 at sigmoid value 0.8, source value 0.3.

    By hand: sensitivity 0.1 · 0.8 · (1 − 0.8) = 0.016; blame 0.5 · 0.016 = 0.008;
    ∂E/∂w = 0.016 · 0.3 = 0.0048; new weight 0.5 − 0.1 · 0.0048 = 0.49952.
    """
    source = Neuron("x1", IDENTITY, "input")
    source.value = 0.3
    target = Neuron("y1", SIGMOID, "output")
    target.value, target.error = 0.8, 0.1
    link = Link(source, target, 0.5)
    assert target.sense() == pytest.approx(0.016, abs=1e-15)
    assert link.learn() == pytest.approx(0.0048, abs=1e-15)
    assert link.blame == pytest.approx(0.008, abs=1e-15)
    assert link.update(rate=0.1) == pytest.approx(0.49952, abs=1e-15)


def test_update_without_momentum_is_exactly_w_minus_rate_gradient():
    """The textbook formula, bit for bit."""
    a, b = Neuron("a", IDENTITY, "input"), Neuron("b", SIGMOID, "output")
    link = Link(a, b, 0.4)
    link.gradient = 0.08216704056423078
    assert link.update(0.5) == 0.4 - 0.5 * 0.08216704056423078


def test_textbook_momentum_adds_the_previous_change():
    """Δw = μ·Δw_prev − rate·g, by hand over two updates."""
    a, b = Neuron("a", IDENTITY, "input"), Neuron("b", SIGMOID, "output")
    link = Link(a, b, 1.0)
    textbook = SGD(0.1, momentum=0.9, momentum_form="textbook")
    link.gradient = 2.0
    link.update(0.1, optimizer=textbook)  # Δw = −0.2
    link.gradient = 1.0
    link.update(0.1, optimizer=textbook)  # Δw = 0.9·(−0.2) − 0.1 = −0.28
    assert link.weight == pytest.approx(1.0 - 0.2 - 0.28)
    assert link.velocity == pytest.approx(-0.28)


def test_pytorch_momentum_keeps_the_velocity_of_gradients():
    """b = μ·b + g, w ← w − rate·b, by hand over two updates (b₁ = g₁)."""
    a, b = Neuron("a", IDENTITY, "input"), Neuron("b", SIGMOID, "output")
    link = Link(a, b, 1.0)
    sgd = SGD(0.1, momentum=0.9)
    link.gradient = 2.0
    link.update(0.1, optimizer=sgd)  # b = 2, w = 1 − 0.1·2 = 0.8
    link.gradient = 1.0
    link.update(0.1, optimizer=sgd)  # b = 0.9·2 + 1 = 2.8, w = 0.8 − 0.28 = 0.52
    assert link.weight == pytest.approx(0.52, abs=1e-15)
    assert link.velocity == pytest.approx(2.8, abs=1e-15)


def test_frozen_link_learns_but_gathers_no_gradient():
    a, b = Neuron("a", IDENTITY, "input"), Neuron("b", SIGMOID, "output")
    a.value, b.sensitivity = 2.0, 0.25
    link = Link(a, b, 1.0)
    link.frozen = True
    assert link.learn() == 0.5
    assert link.gradient == 0.0
