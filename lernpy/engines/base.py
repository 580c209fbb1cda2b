"""What every fast engine shares: options, checkpoints, the key of what it builds.

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
from collections.abc import Callable, Sequence
from typing import NamedTuple

from lernpy.graph.activations import IDENTITY, LEAKY_RELU, RELU, SIGMOID, TANH
from lernpy.graph.link import Link
from lernpy.graph.network import Network
from lernpy.graph.readers import reader
from lernpy.optim import SGD, Optimizer
from lernpy.walk.mistakes import label


class Options(NamedTuple):
    """The training options an engine honours (the scheduler's, already checked).

    ``form`` is SGD's momentum form ("pytorch": b ← μ·b + g, w ← w − rate·b;
    "textbook": Δw ← μ·Δw − rate·g, w ← w + Δw); ``special`` names what only the
    reference can do (another optimizer, clipping, a mistake), or is None.
    (Named tuples, these records: a train() call makes a few, and they cost less.)
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


class Checkpoint(NamedTuple):
    """The state at the start of an epoch: enough to replay it with the reference.

    ``order`` is the sample order *before* this epoch's shuffle and ``rng`` the
    network generator's state before it, so the reference scheduler shuffles
    exactly as the engine did.
    """

    epoch: int
    weights: Sequence[float]
    velocities: Sequence[float] | None  # None: no momentum, so they play no part
    order: tuple[int, ...]
    rng: tuple | None  # None: the epoch was not shuffled, so the generator plays no part
    kind: str = "sgd"  # the kind of momentum state the velocities are


class LastSample(NamedTuple):
    """The last sample's numbers, as the engine computed them, for writing back."""

    inputs: Sequence[float]
    targets: Sequence[float]
    states: tuple  # (net, value, error, sensitivity) of each computing neuron, in order
    old_weights: Sequence[float]  # the weights this sample was run with
    gradients: Sequence[float] | None  # the last batch's summed gradients (None: batch of 1)
    batch: int  # the last batch's size


def builtin(act) -> str | None:
    """The name of a built-in elementwise activation (compared by function, not object)."""
    for known in (SIGMOID, TANH, IDENTITY, RELU, LEAKY_RELU):
        if act.f is known.f and act.slope is known.slope:
            return known.name
    return None


def config(net: Network) -> tuple:
    """What an engine compiles for, the options aside: the topology (its version), the
    frozen links (their count of changes), the activations, the bias values, the loss.

    Cheap to compute (no pass over the links): engines key their caches by it.
    """
    return (
        net.version,
        net.settings,
        reader(net, "neurons", "activation")(),
        reader(net, "biases", "value")(),
        net.loss_function,
    )


def weights(net: Network) -> tuple[Callable[[], list[float]], Callable[[Sequence[float]], None]]:
    """(read, write): every link's weight as a list, and set from one, in link order.

    Written out once per topology as straight-line Python (one attribute per link, no
    loop): an engine reads the weights at the start of a train() call and writes them
    back at its end, and a loop over a large network's links costs twice as much.
    """
    cached = net.cache.get("weights")
    if cached is None or cached[0] != net.version:
        names = [f"L{i}.weight" for i in range(len(net.links))]
        source = (
            "def read():\n    return [" + ", ".join(names) + "]\n"
            "def write(ws):\n    " + (", ".join(names) + ", = ws" if names else "pass") + "\n"
        )
        space: dict[str, object] = {f"L{i}": link for i, link in enumerate(net.links)}
        exec(source, space)
        cached = net.cache["weights"] = (net.version, space["read"], space["write"])
    return cached[1], cached[2]


def half_done(net: Network) -> bool:
    """Does any link hold an unfinished batch gradient (a scheduler stopped mid-batch)?

    Only a scheduler's steps leave gradients behind (every engine and every whole
    epoch ends with them all zero), so the links are looked at again only after a
    scheduler has stepped this network (``Network.stepped``); a gradient set by hand
    is not looked for.
    """
    if net.cache.get("clean") == net.stepped:
        return False
    busy = any(link.gradient != 0.0 for link in net.links if not link.frozen)
    if not busy:
        net.cache["clean"] = net.stepped
    return busy


def all_finite(values: Sequence[float]) -> bool:
    return all(map(math.isfinite, values))
