"""What every fast engine shares: options, checkpoints, and writing results back.

An engine trains on flat copies of the weights (a Python tuple, numpy arrays)
and, when it returns, writes every number back into the Neuron and Link objects,
exactly where the reference scheduler would have left them: weights and
velocities, and the last sample's nets, values, errors, sensitivities, link
values, link sensitivities and blames.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from lernpy.graph.activations import IDENTITY, LEAKY_RELU, RELU, SIGMOID, TANH
from lernpy.graph.link import Link, PoolLink
from lernpy.graph.network import Network


@dataclass(frozen=True)
class Options:
    """The training options an engine honours (the scheduler's, already checked)."""

    rate: float
    momentum: float
    batch_size: int
    reduce: str  # "mean" or "sum"
    shuffle: bool

    def divisor(self, k: int) -> float:
        """What a batch of ``k`` samples divides its summed gradient by."""
        return float(k) if self.reduce == "mean" else 1.0


@dataclass(frozen=True)
class Checkpoint:
    """The state at the start of an epoch: enough to replay it with the reference.

    ``order`` is the sample order *before* this epoch's shuffle and ``rng`` the
    network generator's state before it, so the reference scheduler shuffles
    exactly as the engine did.
    """

    epoch: int
    weights: Sequence[float]
    velocities: Sequence[float] | None  # None: no momentum, so they play no part
    order: tuple[int, ...]
    rng: tuple


@dataclass
class LastSample:
    """The last sample's numbers, as the engine computed them, for writing back."""

    inputs: Sequence[float]
    targets: Sequence[float]
    neurons: dict  # neuron index -> (net, value, error, sensitivity)
    old_weights: Sequence[float]  # the weights this sample was run with
    gradients: Sequence[float] | None  # the last batch's summed gradients (None: batch of 1)
    batch: int  # the last batch's size


def builtin(act) -> str | None:
    """The name of a built-in elementwise activation (compared by function, not object)."""
    for known in (SIGMOID, TANH, IDENTITY, RELU, LEAKY_RELU):
        if act.f is known.f and act.slope is known.slope:
            return known.name
    return None


def half_done(net: Network) -> bool:
    """Does any link hold an unfinished batch gradient (a scheduler stopped mid-batch)?"""
    return any(link.gradient != 0.0 for link in net.links if not link.frozen)


def write_back(
    net: Network,
    weights: Sequence[float],
    velocities: Sequence[float],
    last: LastSample,
    options: Options,
    steps_known: bool = False,
) -> None:
    """Leave every Neuron and Link as the reference scheduler would have.

    ``velocities`` are used as they are with momentum or when ``steps_known``;
    otherwise each weight's last step is worked out from the last batch's gradient
    (a shared weight's: the sum of its links' gradients).
    """
    for neuron, v in zip(net.inputs, last.inputs):
        neuron.value = v
    for neuron, t in zip(net.outputs, last.targets):
        neuron.target = t
    neurons = net.neurons
    for index, (n, v, e, s) in last.neurons.items():
        neuron = neurons[index]
        neuron.net, neuron.value, neuron.error, neuron.sensitivity = n, v, e, s
    links = net.links
    for link, old in zip(links, last.old_weights):
        link.value = old * link.source.value
    for neuron in neurons:
        if neuron.activation.pool:
            neuron.pick_winner()  # from the link values, as the neuron fired
    divisor = options.divisor(last.batch)
    rate, momentum = options.rate, options.momentum
    gradients = last.gradients if last.gradients is not None else [None] * len(links)
    # what the last batch gathered per link (a batch of one: this sample's ∂E/∂w)
    gathered: dict[Link, float] = {}
    for link, old, g in zip(links, last.old_weights, gradients):
        target_sensitivity = link.target.sensitivity
        link.sensitivity = target_sensitivity * link.source.value
        if isinstance(link, PoolLink) and link.target.winner is not link:
            link.sensitivity = 0.0
        link.blame = link.blame_for(old)
        gathered[link] = link.sensitivity if g is None else g
    for link, w, u in zip(links, weights, velocities):
        if link.frozen:
            continue
        link.weight = w
        if momentum or steps_known:
            link.velocity = u
        else:  # the scheduler keeps the last step as the velocity, with or without momentum
            members = link.shared.links if link.shared is not None else [link]
            g = gathered[members[0]]
            for other in members[1:]:
                g += gathered[other]
            link.velocity = momentum * link.velocity - rate * (g / divisor)
    for link in links:
        if not link.frozen:
            link.gradient = 0.0


def assign(
    links: Sequence,
    weights: Sequence[float],
    velocities: Sequence[float],
    values: Sequence[float],
    sensitivities: Sequence[float],
    blames: Sequence[float],
) -> None:
    """Write per-link numbers into the Link objects (frozen links keep weight and velocity)."""
    for link, w, u, v, s, b in zip(links, weights, velocities, values, sensitivities, blames):
        link.value, link.sensitivity, link.blame = v, s, b
        if not link.frozen:
            link.weight, link.velocity, link.gradient = w, u, 0.0


def all_finite(values: Sequence[float]) -> bool:
    return all(map(math.isfinite, values))
