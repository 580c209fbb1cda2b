"""What every fast engine shares: options, checkpoints, and writing results back.

An engine trains on flat copies of the weights (a Python tuple, numpy arrays)
and, when it returns, writes every number back into the Neuron and Link objects,
exactly where the reference scheduler would have left them: weights and
momentum states, and the last sample's nets, values, errors, sensitivities, link
values, link sensitivities and blames.

The fast engines do plain gradient descent and SGD's momentum (in both forms);
any other optimizer, SGD's extra options, clipping and the deliberate mistakes
are the reference's alone (``Options.special`` says which, and ``auto`` then
picks the reference).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from lernpy.graph.activations import IDENTITY, LEAKY_RELU, RELU, SIGMOID, TANH
from lernpy.graph.link import Link, PoolLink
from lernpy.graph.network import Network
from lernpy.optim import SGD, Optimizer, State
from lernpy.walk.mistakes import label


@dataclass(frozen=True)
class Options:
    """The training options an engine honours (the scheduler's, already checked).

    ``form`` is SGD's momentum form ("pytorch": b ← μ·b + g, w ← w − rate·b;
    "textbook": Δw ← μ·Δw − rate·g, w ← w + Δw); ``special`` names what only the
    reference can do (another optimizer, clipping, a mistake), or is None.
    """

    rate: float
    momentum: float
    batch_size: int
    reduce: str  # "mean" or "sum"
    shuffle: bool
    form: str = "pytorch"
    special: str | None = None

    def divisor(self, k: int) -> float:
        """What a batch of ``k`` samples divides its summed gradient by."""
        return float(k) if self.reduce == "mean" else 1.0

    @property
    def kind(self) -> str:
        """The kind of State the momentum keeps."""
        return "sgd" if self.form == "pytorch" else "sgd-textbook"


def engine_options(
    optimizer: Optimizer,
    rate: float,
    batch_size: int,
    reduce: str,
    shuffle: bool,
    update: str = "deferred",
    mistake: str | None = None,
) -> Options:
    """The engines' options for a training call, with what only the reference can do."""
    special = None
    if not isinstance(optimizer, SGD):
        special = f"{optimizer.title} (the fast engines do SGD with or without momentum)"
    elif optimizer.weight_decay or optimizer.nesterov or optimizer.dampening or optimizer.clips:
        special = "SGD's weight decay, Nesterov, dampening and clipping are the reference's"
    elif update == "sequential" or mistake:
        special = f"the mistake {label(mistake or 'sequential')} is made by the reference alone"
    momentum = optimizer.momentum if isinstance(optimizer, SGD) else 0.0
    form = optimizer.momentum_form if isinstance(optimizer, SGD) else "pytorch"
    return Options(rate, momentum, batch_size, reduce, shuffle, form, special)


def velocity_of(link: Link, options: Options) -> float:
    """The velocity training starts from: the link's, if its state is this momentum's kind."""
    state = link.state
    return state.velocity if state is not None and state.kind == options.kind else 0.0


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
    kind: str = "sgd"  # the kind of momentum state the velocities are


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
    velocities: Sequence[float] | None,
    last: LastSample,
    options: Options,
) -> None:
    """Leave every Neuron and Link as the reference scheduler would have.

    ``velocities`` (with momentum) become the trainable links' momentum states
    (a shared weight's links all hold its one state); without momentum the states
    are left alone, as the reference leaves them.
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
    values, sensitivities, blames = [], [], []
    for link, old in zip(links, last.old_weights):
        source_value = link.source.value
        target_sensitivity = link.target.sensitivity
        values.append(old * source_value)
        sensitivity = target_sensitivity * source_value
        if isinstance(link, PoolLink) and link.target.winner is not link:
            sensitivity = 0.0  # not the max: no share of the pool's sensitivity
        sensitivities.append(sensitivity)
        blames.append(link.blame_for(old))  # 0 for a detached link or a pool's loser
    assign(links, weights, velocities, values, sensitivities, blames, options)


def assign(
    links: Sequence[Link],
    weights: Sequence[float],
    velocities: Sequence[float] | None,
    values: Sequence[float],
    sensitivities: Sequence[float],
    blames: Sequence[float],
    options: Options,
) -> None:
    """Write per-link numbers into the Link objects (frozen links keep weight and state)."""
    kind = options.kind
    if velocities is None:
        velocities = [0.0] * len(links)
    for link, w, u, v, s, b in zip(links, weights, velocities, values, sensitivities, blames):
        link.value, link.sensitivity, link.blame = v, s, b
        if not link.frozen:
            link.weight, link.gradient = w, 0.0
            if options.momentum:
                link.state = State(kind, velocity=u)


def all_finite(values: Sequence[float]) -> bool:
    return all(map(math.isfinite, values))
