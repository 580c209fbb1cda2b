"""Recurrent networks unrolled in time: ``Network.recurrent`` (an Elman network).

An Elman network reads a sequence one step at a time and keeps a hidden state
(Goodfellow, Bengio and Courville, *Deep Learning*, 2016, §10.2):

    h(t) = tanh(b + W·h(t−1) + U·x(t))        y(t) = σ(c + V·h(t))        h(0) = 0

Unrolled over ``steps`` time steps it is an ordinary DAG of neurons, one copy
of each neuron per step (``x1@t1``, ``h1@t3``, ``y1@t3``), whose links share
their weights across time: every ``x1@t → h2@t`` link uses the one weight
``U[2,1]``, every ``h1@t−1 → h2@t`` link ``W[2,1]``, every ``h2@t → y1@t``
link ``V[1,2]``, and the biases are ``b[j]`` and ``c[k]``. So the walk that
trains any network is backpropagation through time: the blame flows back step
by step, and ∂E/∂W[2,1] is the sum of its links' contributions, one per step.

A sample is the whole sequence: the inputs step by step (``x1@t1, x2@t1, …,
x1@t2, …``, the order of ``net.inputs``) and the targets of every step
(``targets="every"``) or of the last step only (``targets="last"``).

``truncate=k``: truncated backpropagation through time. The backward pass
stops every ``k`` steps: the recurrent links from step k to k + 1, 2k to
2k + 1 … are detached (:class:`~lernpy.graph.link.DetachedLink`), so no blame
crosses them while W still learns from them, as PyTorch does when the hidden
state is detached every ``k`` steps and the gradients of all the chunks are
summed into one update.

>>> from lernpy import Network
>>> net = Network.recurrent(1, 2, 1, steps=3, seed=0)
>>> [n.name for n in net.inputs], [n.name for n in net.outputs]
(['x1@t1', 'x1@t2', 'x1@t3'], ['y1@t1', 'y1@t2', 'y1@t3'])
>>> [link.name for link in net["W[2,1]"].links]
['h1@t1→h2@t2', 'h1@t2→h2@t3']
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

from lernpy.checks import short
from lernpy.errors import ShapeError, UnknownNameError
from lernpy.graph.activations import Activation
from lernpy.graph.activations import activation as get_activation
from lernpy.graph.builders import MAX_LINKS
from lernpy.graph.losses import Loss

if TYPE_CHECKING:
    from lernpy.graph.link import Link
    from lernpy.graph.network import Network


def _whole(value: object, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ShapeError(f"{what} is {short(value)}: expected a whole number ≥ {low}")
    return int(value)


def recurrent(
    cls: type[Network],
    inputs: int,
    hidden: int,
    outputs: int,
    steps: int,
    *,
    targets: str = "every",
    activation: str | Activation = "tanh",
    output: str | Activation = "sigmoid",
    loss: str | Loss = "half_sse",
    truncate: int | None = None,
    bias: bool = True,
    init: str = "xavier",
    scale: float = 0.5,
    seed: int = 0,
) -> Network:
    """An Elman network of ``inputs``, ``hidden`` and ``outputs`` neurons, unrolled ``steps`` times.

    ``targets``: "every" step has outputs ``y@t`` (and targets), or only the
    "last". ``activation`` is the hidden neurons', ``output`` the outputs'.
    ``truncate``: stop the backward pass every ``truncate`` steps (None: full
    backpropagation through time). Weights are drawn once per shared weight
    from the network's own ``random.Random(seed)``.

    >>> from lernpy import Network
    >>> net = Network.recurrent(2, 3, 1, steps=4, targets="last", seed=1)
    >>> net
    Network(8-3-3-3-3-1, tanh/sigmoid, loss=half_sse, 67 links, seed=1)
    >>> Network.recurrent(1, 2, 1, steps=3)  # layers: inputs, then h@t1, y@t1, h@t2, y@t2 …
    Network(3-2-1-2-1-2-1, tanh/sigmoid, loss=half_sse, 29 links, seed=0)
    >>> [s.name for s in net.shared_weights][:4], len(net["W[1,1]"])
    (['U[1,1]', 'U[1,2]', 'U[2,1]', 'U[2,2]'], 3)
    """
    inputs = _whole(inputs, "inputs", 1)
    hidden = _whole(hidden, "hidden", 1)
    outputs = _whole(outputs, "outputs", 1)
    steps = _whole(steps, "steps", 1)
    if targets not in ("every", "last"):
        raise UnknownNameError(f"targets is {targets!r}: expected 'every' or 'last'")
    if truncate is not None:
        truncate = _whole(truncate, "truncate", 1)
    links = steps * ((inputs + hidden + 1) * hidden + (hidden + 1) * outputs)
    if links > MAX_LINKS:
        raise ShapeError(
            f"recurrent(..., steps={steps}) would make {links} links: at most {MAX_LINKS:,}"
        )
    act, out_act = get_activation(activation), get_activation(output)
    net = cls(loss=loss, seed=seed, init=init, scale=scale)
    # one weight per shared weight, drawn in a fixed order: U, W, b, then V, c
    into_hidden = (inputs + hidden, hidden)
    U = {(j, i): net.draw(*into_hidden) for j in range(1, hidden + 1) for i in range(1, inputs + 1)}
    W = {(j, i): net.draw(*into_hidden) for j in range(1, hidden + 1) for i in range(1, hidden + 1)}
    b = {j: net.draw(*into_hidden) for j in range(1, hidden + 1)} if bias else {}
    into_output = (hidden, outputs)
    V = {
        (k, j): net.draw(*into_output) for k in range(1, outputs + 1) for j in range(1, hidden + 1)
    }
    c = {k: net.draw(*into_output) for k in range(1, outputs + 1)} if bias else {}
    uses: dict[str, list[Link]] = {}
    weights: dict[str, float] = {}

    def link(source: str, target: str, name: str, weight: float, detached: bool = False) -> None:
        uses.setdefault(name, []).append(net.add_link(source, target, weight, detached=detached))
        weights[name] = weight

    # Unrolled in time order: neither a duplicate nor a cycle can arise. The layers are
    # the inputs (0), then each step's hidden neurons (2t − 1) and outputs (2t).
    with net.building():
        for t in range(1, steps + 1):
            for i in range(1, inputs + 1):
                net.add_neuron(f"x{i}@t{t}", "identity", "input", layer=0)
        if bias:
            net.add_neuron("b1", "identity", "bias", layer=0)
            net.add_neuron("b2", "identity", "bias", layer=1)
        for t in range(1, steps + 1):
            for j in range(1, hidden + 1):
                h = f"h{j}@t{t}"
                net.add_neuron(h, act, "hidden", layer=2 * t - 1)
                for i in range(1, inputs + 1):
                    link(f"x{i}@t{t}", h, f"U[{j},{i}]", U[j, i])
                if t > 1:
                    cut = truncate is not None and (t - 1) % truncate == 0
                    for i in range(1, hidden + 1):
                        link(f"h{i}@t{t - 1}", h, f"W[{j},{i}]", W[j, i], detached=cut)
                if bias:
                    link("b1", h, f"b[{j}]", b[j])
            if targets == "every" or t == steps:
                for k in range(1, outputs + 1):
                    y = f"y{k}@t{t}"
                    net.add_neuron(y, out_act, "output", layer=2 * t)
                    for j in range(1, hidden + 1):
                        link(f"h{j}@t{t}", y, f"V[{k},{j}]", V[k, j])
                    if bias:
                        link("b2", y, f"c[{k}]", c[k])
        # tied in the order they were drawn: U, W, b, V, c (W has no link in one step)
        order = [f"U[{j},{i}]" for j, i in U] + [f"W[{j},{i}]" for j, i in W]
        order += [f"b[{j}]" for j in b] + [f"V[{k},{j}]" for k, j in V] + [f"c[{k}]" for k in c]
        for name in order:
            if name in uses:
                net.tie(name, uses[name], weight=weights[name])
    return net
