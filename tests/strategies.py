"""Hypothesis strategies: random layered networks, random DAGs, and matching samples."""

from __future__ import annotations

from hypothesis import strategies as st

from lernpy import Network

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax"]
# each output activation with the losses that make sense for it
OUTPUTS = {
    "identity": ["half_sse", "mse"],
    "sigmoid": ["half_sse", "mse", "bce"],
    "tanh": ["half_sse", "mse"],
    "softplus": ["half_sse", "mse"],
    "leaky_relu": ["half_sse"],
    "softmax": ["cross_entropy", "half_sse"],
}

numbers = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


@st.composite
def networks(draw, dag: bool = True) -> Network:
    """A layered network with random sizes, activations, loss and seed, and maybe skip links."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    sizes[0] = min(sizes[0], 3)
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in sizes[1:-1]]
    output = draw(st.sampled_from(sorted(OUTPUTS)))
    if output == "softmax" and sizes[-1] == 1:
        sizes[-1] = 2
    loss = draw(st.sampled_from(OUTPUTS[output]))
    bias = draw(st.booleans())
    init = draw(st.sampled_from(["xavier", "he", "uniform"]))
    net = Network.layered(
        *sizes,
        activation=hidden,
        output=output,
        loss=loss,
        bias=bias,
        init=init,
        seed=draw(st.integers(0, 2**32)),
    )
    if dag and len(sizes) > 2:
        layers = net.layers
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, len(layers) - 3))
            j = draw(st.integers(i + 2, len(layers) - 1))
            source = draw(st.sampled_from(layers[i]))
            target = draw(st.sampled_from(layers[j]))
            if f"{source.name}→{target.name}" not in net:
                net.add_link(source, target, draw(numbers))
    return net


@st.composite
def targets_for(draw, net: Network) -> tuple[float, ...]:
    n = len(net.outputs)
    name = net.loss_function.name
    if name == "cross_entropy":
        raw = draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
        total = sum(raw)
        if total == 0.0:
            return tuple(1.0 if k == 0 else 0.0 for k in range(n))
        return tuple(r / total for r in raw)
    if name == "bce":
        return tuple(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    return tuple(draw(st.lists(numbers, min_size=n, max_size=n)))


@st.composite
def samples_for(draw, net: Network, count: int = 1):
    out = []
    for _ in range(count):
        x = tuple(draw(st.lists(numbers, min_size=len(net.inputs), max_size=len(net.inputs))))
        out.append((x, draw(targets_for(net))))
    return out


@st.composite
def cases(draw, dag: bool = True, count: int = 1):
    """A network and ``count`` samples that fit it."""
    net = draw(networks(dag=dag))
    return net, draw(samples_for(net, count))


def smooth_at(net: Network, sample) -> bool:
    """No neuron sits on a kink (ReLU at 0) or deep in saturation for this sample."""
    net.forward(sample[0])
    for n in net.neurons:
        if n.is_source:
            continue
        if n.activation.name in ("relu", "leaky_relu") and abs(n.net) < 1e-3:
            return False
        if abs(n.net) > 20:
            return False
    return True
