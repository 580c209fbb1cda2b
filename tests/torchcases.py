"""Random networks for the PyTorch bridge, and the differences between lernpy and PyTorch.

``random_case(seed)`` draws a network (every activation, loss and bias option;
skip links, links frozen one by one or a whole layer, a removed link, labels)
and three samples, all from ``random.Random(seed)``. The tests draw seeds with
Hypothesis; ``python -m tests.torchcases --cases 1000`` measures the largest
differences over that many seeds (the figures of the closing note),
``python -m tests.torchcases --optimizers --cases 200`` those of each optimizer's
state handed over (issue 15b), and ``python -m tests.torchcases --shared --cases 400``
those of networks with shared weights, pooling and detached links (issue 15c:
``random_tied_case``, ``random_conv_case``, ``random_rnn_case``).

Needs PyTorch (imported by the functions that use it).
"""

from __future__ import annotations

import argparse
import copy
import random

from lernpy import Network, NumericError
from lernpy.optim import SGD
from tests.strategies import HIDDEN, smooth_at

OUTPUTS = {  # each output activation with its losses (strategies.OUTPUTS, and a few more)
    "identity": ["half_sse", "mse"],
    "sigmoid": ["half_sse", "mse", "bce", "bce_mean"],
    "tanh": ["half_sse", "mse"],
    "relu": ["half_sse"],
    "leaky_relu": ["half_sse", "mse"],
    "softplus": ["half_sse", "mse"],
    "softmax": ["cross_entropy", "half_sse", "mse"],
}


def random_case(seed: int, count: int = 3) -> tuple[Network, list]:
    """A random network and ``count`` samples that fit it, all drawn from ``seed``."""
    rng = random.Random(seed)
    sizes = [rng.randint(1, 3)] + [rng.randint(1, 4) for _ in range(rng.randint(1, 3))]
    output = rng.choice(sorted(OUTPUTS))
    if output == "softmax" and sizes[-1] == 1:
        sizes[-1] = 2
    loss = rng.choice(OUTPUTS[output])
    bias_kind = rng.choice(["all", "none", "mixed"])
    bias = {"all": True, "none": False}.get(bias_kind)
    if bias is None:
        bias = [rng.random() < 0.5 for _ in sizes[1:]]
    net = Network.layered(
        *sizes,
        activation=[rng.choice(HIDDEN) for _ in sizes[1:-1]],
        output=output,
        loss=loss,
        bias=bias,
        init=rng.choice(["xavier", "he", "uniform"]),
        seed=rng.randrange(2**32),
    )
    layers = net.layers
    if len(layers) > 2 and rng.random() < 0.5:  # skip links
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(layers) - 2)
            source = rng.choice(layers[i])
            target = rng.choice(layers[rng.randrange(i + 2, len(layers))])
            if f"{source.name}→{target.name}" not in net:
                net.add_link(source, target, rng.uniform(-1.5, 1.5))
    freeze = rng.choice(["none", "links", "layer"])
    if freeze == "links":
        net.freeze(*rng.sample(net.links, rng.randint(1, min(3, len(net.links)))))
    elif freeze == "layer":  # every link into one layer from the layer before: still Sequential
        li = rng.randrange(1, len(layers))
        net.freeze(*[k for k in net.links if k.target.layer == li and k.source.kind != "bias"])
    if len(net.links) > 2 and rng.random() < 0.25:
        net.remove_link(rng.choice(net.links))
    for k, link in enumerate(rng.sample(net.links, min(2, len(net.links)))):
        net.label(link, f"w{k + 1}")
    return net, [_sample(net, rng) for _ in range(count)]


def random_tied_case(seed: int, count: int = 3) -> tuple[Network, list]:
    """:func:`random_case` with 1–3 random ties of 2–5 links each (links that agree on being
    frozen); maybe a link made detached, and maybe a max-pooling neuron (learning links)
    between two layers. All drawn from ``seed``."""
    net, samples = random_case(seed, count)
    rng = random.Random(f"ties {seed}")
    layers = net.layers
    if len(layers) > 2 and rng.random() < 0.3:  # a max pool in the middle of the DAG
        li = rng.randrange(1, len(layers) - 1)
        pool = net.add_neuron("m1", "max_pool", "hidden", layer=li)
        for source in rng.sample(layers[li - 1], min(3, len(layers[li - 1]))):
            net.add_link(source, pool, rng.uniform(-1.5, 1.5))
        net.add_link(
            pool, rng.choice(layers[rng.randrange(li + 1, len(layers))]), rng.uniform(-1, 1)
        )
    inner = [k for k in net.links if not k.source.is_source and not k.target.activation.pool]
    if inner and rng.random() < 0.3:  # truncated there: it learns, and sends no blame back
        link = rng.choice(inner)
        source, target, weight, frozen = link.source, link.target, link.weight, link.frozen
        net.remove_link(link)
        net.add_link(source, target, weight, detached=True).frozen = frozen
    for g in range(rng.randint(1, 3)):
        free = [k for k in net.links if k.shared is None and k.label is None]
        frozen = rng.random() < 0.2
        alike = [k for k in free if k.frozen is frozen]
        if len(alike) < 2:
            alike = [k for k in free if k.frozen is not frozen]
        if len(alike) < 2:
            break
        net.tie(f"s{g + 1}", rng.sample(alike, rng.randint(2, min(5, len(alike)))))
    return net, samples


def random_conv_case(seed: int, count: int = 3) -> tuple[Network, list]:
    """A random network from ``Network.convolutional`` (channels, sizes, kernels, stride,
    padding, max or average pooling, dense layers, activations, loss) and ``count`` images
    with patches of zeros, so that max pooling meets ties; all drawn from ``seed``."""
    from lernpy import Conv, Dense, Pool

    rng = random.Random(f"conv {seed}")
    channels, height, width = rng.randint(1, 2), rng.randint(3, 6), rng.randint(3, 6)
    shape = [channels, height, width]
    layers = []
    for _ in range(rng.randint(1, 2)):
        kernel = rng.randint(1, min(3, shape[1], shape[2]))
        padding, stride = rng.randint(0, kernel - 1), rng.randint(1, 2)
        act = rng.choice(["tanh", "sigmoid", "identity", "softplus", "relu"])
        layers.append(Conv(rng.randint(1, 3), kernel, stride, padding, act, rng.random() < 0.8))
        shape = [layers[-1].channels] + [
            (n + 2 * padding - kernel) // stride + 1 for n in shape[1:]
        ]
        size = rng.randint(1, 2)
        if min(shape[1:]) >= size and rng.random() < 0.7:
            stride = rng.randint(1, size)
            layers.append(Pool(rng.choice(["max", "max", "avg"]), size, stride))
            shape[1:] = [(n - size) // stride + 1 for n in shape[1:]]
    if rng.random() < 0.5:
        layers.append(Dense(rng.randint(1, 3), rng.choice(["tanh", "sigmoid"])))
    output = rng.choice(sorted(OUTPUTS))
    size = rng.randint(2 if output == "softmax" else 1, 3)
    layers.append(Dense(size, output, rng.random() < 0.8))
    net = Network.convolutional(
        (channels, height, width), *layers, loss=rng.choice(OUTPUTS[output]),
        seed=rng.randrange(2**32),
    )  # fmt: skip
    data = []
    for _ in range(count):
        x, t = _sample(net, rng)
        x = tuple(0.0 if rng.random() < 0.4 else round(v * 2) / 2 for v in x)
        data.append((x, t))
    return net, data


def random_rnn_case(seed: int, count: int = 3) -> tuple[Network, list]:
    """A random ``Network.recurrent`` (sizes, steps, targets at every step or the last,
    truncation, bias, activations, loss) and ``count`` sequences; all drawn from ``seed``."""
    rng = random.Random(f"rnn {seed}")
    steps = rng.randint(2, 4)
    output = rng.choice(["sigmoid", "identity", "tanh"])
    net = Network.recurrent(
        rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 2), steps,
        targets=rng.choice(["every", "last"]),
        activation=rng.choice(["tanh", "sigmoid"]),
        output=output,
        loss=rng.choice(OUTPUTS[output]),
        truncate=rng.choice([None, 1, 2, steps]),
        bias=rng.random() < 0.8,
        seed=rng.randrange(2**32),
    )  # fmt: skip
    return net, [_sample(net, rng) for _ in range(count)]


FAMILIES = {
    "plain": random_case,
    "tied": random_tied_case,
    "conv": random_conv_case,
    "rnn": random_rnn_case,
}


def same_network(a: Network, b: Network) -> None:
    """Names, kinds, layers, activations, links in order and their kind (plain, pooling,
    detached), weights (bit for bit), frozen, labels, shared weights (names, links, frozen)."""
    assert [(n.name, n.kind, n.layer, n.activation.name) for n in a.neurons] == [
        (n.name, n.kind, n.layer, n.activation.name) for n in b.neurons
    ]
    assert [(k.name, type(k), k.weight, k.frozen, k.label) for k in a.links] == [
        (k.name, type(k), k.weight, k.frozen, k.label) for k in b.links
    ]
    assert [(s.name, [k.name for k in s.links], s.frozen) for s in a.shared_weights] == [
        (s.name, [k.name for k in s.links], s.frozen) for s in b.shared_weights
    ]
    assert a.loss_function is b.loss_function and a.seed == b.seed


def _sample(net: Network, rng: random.Random) -> tuple[tuple[float, ...], tuple[float, ...]]:
    x = tuple(rng.uniform(-2.0, 2.0) for _ in net.inputs)
    n = len(net.outputs)
    name = net.loss_function.name
    if name == "cross_entropy":  # one-hot, probabilities, or any targets (exact for all)
        draw = rng.random()
        if draw < 0.4:
            hot = rng.randrange(n)
            return x, tuple(1.0 if k == hot else 0.0 for k in range(n))
        raw = [rng.random() + 1e-3 for _ in range(n)]
        if draw < 0.8:
            return x, tuple(r / sum(raw) for r in raw)
        return x, tuple(2.0 * r - 0.5 for r in raw)
    if name in ("bce", "bce_mean"):
        return x, tuple(rng.random() for _ in range(n))
    return x, tuple(rng.uniform(-2.0, 2.0) for _ in range(n))


def smooth(net: Network, samples: list) -> bool:
    """No neuron on a kink (ReLU at 0, a max pool whose two largest values differ by a
    rounding error) or deep in saturation, for any of the samples. Values exactly equal
    are no kink: both sides pick the first of them."""
    return all(smooth_at(net, sample) and _clear_winners(net) for sample in samples)


def _clear_winners(net: Network) -> bool:
    for n in net.neurons:
        if n.activation.pool:
            top = n.winner.value
            if any(0.0 < abs(top - k.value) <= 1e-9 * max(1.0, abs(top)) for k in n.incoming):
                return False
    return True


def rel(a: float, b: float) -> float:
    """|a − b| relative to max(1, |a|, |b|): relative for big numbers, absolute for small."""
    return abs(a - b) / max(1.0, abs(a), abs(b))


def differences(net: Network, samples: list, graph: bool = False) -> dict[str, float]:
    """The largest differences between lernpy and ``to_torch(net)`` on ``samples``.

    outputs, loss, gradient: of each sample alone (every weight, frozen ones through a
    copy of their parameter; a shared weight's ∂E/∂w is the sum of its links' against its
    one entry's), and of the whole batch (the learning weights' ``.grad`` after
    ``loss.backward()``, against lernpy's batch gradient, mean of the samples).
    ``graph``: the module is ``GraphModule(net)`` whatever ``to_torch`` would make.
    """
    import torch

    from lernpy.torch import GraphModule, places, to_torch, torch_loss

    model = GraphModule(net) if graph else to_torch(net)
    where = GraphModule.places_of(net) if graph else places(net)
    owners = [
        (p, where[p.links[0].name if hasattr(p, "links") else p.name]) for p in net.parameters()
    ]
    owners = [(p, place) for p, place in owners if place is not None]  # None: a pooling constant
    loss_fn = torch_loss(net)
    worst = {"outputs": 0.0, "loss": 0.0, "gradient": 0.0, "batch gradient": 0.0}
    for x, t in samples:
        run = net.scheduler((x, t), rate=0.0, trace=None)
        run.run(until="update")
        copies = {n: p.detach().clone().requires_grad_(True) for n, p in model.named_parameters()}
        out = torch.func.functional_call(model, copies, (torch.tensor([x], dtype=torch.float64),))
        loss = loss_fn(out, torch.tensor([t], dtype=torch.float64))
        grads = dict(zip(copies, torch.autograd.grad(loss, list(copies.values()))))
        for a, b in zip([o.value for o in net.outputs], out[0].tolist()):
            worst["outputs"] = max(worst["outputs"], rel(a, b))
        worst["loss"] = max(worst["loss"], rel(run.loss, loss.item()))
        for owner, (name, index) in owners:
            theirs = grads[name][index].item()
            worst["gradient"] = max(worst["gradient"], rel(owner.sensitivity, theirs))
    # the batch: lernpy's Σ ∂E/∂w over the samples (mean), PyTorch's .grad of the mean loss
    twin = copy.deepcopy(net)
    for link in twin.links:
        link.gradient = 0.0  # the runs above left their sums (no update came to reset them)
    twin.scheduler(samples, batch_size=len(samples), rate=0.0, trace=None).run(until="update")
    if not any(p.requires_grad for p in model.parameters()):
        return worst  # every link frozen: nothing has a .grad
    model.zero_grad()
    xs = torch.tensor([x for x, _ in samples], dtype=torch.float64)
    ts = torch.tensor([t for _, t in samples], dtype=torch.float64)
    loss_fn(model(xs), ts).backward()
    params = dict(model.named_parameters())
    for (_, (name, index)), owner in zip(owners, _owners_like(twin, [o for o, _ in owners])):
        grad = params[name].grad
        if owner.frozen:
            assert grad is None and not params[name].requires_grad, owner.name
            continue
        mine = owner.gradient / len(samples)
        worst["batch gradient"] = max(worst["batch gradient"], rel(mine, grad[index].item()))
    return worst


def _owners_like(twin: Network, owners: list) -> list:
    """The twin's weights (links or shared weights) that match ``owners`` by name."""
    found = {p.name: p for p in twin.parameters()}
    return [found[o.name] for o in owners]


# A batch gradient that is this many times smaller than the sum of its terms' sizes is mostly
# rounding: lernpy adds the terms link by link, PyTorch in its own order, and the two sums
# differ by ~1e-16 of the terms. SGD moves a weight by rate · g, so that stays ~1e-17; Adam,
# RMSProp and AdaGrad divide g by √v + ε and so magnify it, up to rate/ε (2e6 at rate 0.02)
# for a gradient that is 0 but for rounding (a shared weight whose links cancel by symmetry).
CANCELLATION = 1e6


def cancels(net: Network, data: list, batch_size: int) -> bool:
    """Does a learning weight's gradient over some batch cancel to rounding (its terms, one
    per link and sample, add up to less than 1/CANCELLATION of their sizes)?"""
    twin = copy.deepcopy(net)
    for start in range(0, len(data), batch_size):
        terms: dict[str, list[float]] = {}
        for sample in data[start : start + batch_size]:
            twin.scheduler(sample, rate=0.0, trace=None).run(until="update")
            for link in twin.links:
                owner = link.shared or link
                if not owner.frozen:
                    terms.setdefault(owner.name, []).append(link.sensitivity)
        for found in terms.values():
            size = sum(abs(t) for t in found)
            if size > 0.0 and abs(sum(found)) * CANCELLATION < size:
                return True
    return False


def train_torch(net: Network, data, epochs, rate, momentum, batch_size, shuffle, reduce):
    """What net.train does, written with torch.optim.SGD: the same batches in the same order."""
    import torch

    from lernpy.torch import optimizer_to_torch, to_torch, torch_loss

    model = to_torch(net)
    sgd = optimizer_to_torch(net, model, rate=rate, momentum=momentum)
    loss_fn = torch_loss(net, reduce)
    rng = random.Random()
    rng.setstate(net.rng.getstate())  # lernpy shuffles with the network's own generator
    xs = torch.tensor([x for x, _ in data], dtype=torch.float64)
    ts = torch.tensor([t for _, t in data], dtype=torch.float64)
    order = list(range(len(data)))
    if not any(p.requires_grad for p in model.parameters()):
        return model, sgd  # every link frozen: training changes nothing, here as in lernpy
    for _ in range(epochs):
        if shuffle:
            order = order[:]
            rng.shuffle(order)
        for start in range(0, len(data), batch_size):
            batch = order[start : start + batch_size]
            sgd.zero_grad()
            loss_fn(model(xs[batch]), ts[batch]).backward()
            sgd.step()
    return model, sgd


def sgd_difference(
    seed, epochs, momentum, batch_size, shuffle, reduce, family: str = "plain"
) -> float | None:
    """Train ``FAMILIES[family](seed)`` for ``epochs`` in lernpy and in PyTorch: the largest
    difference of a weight or a velocity (None when a neuron sits on a kink or saturates,
    or the loss diverges)."""
    from lernpy.torch import from_torch, optimizer_from_torch

    net, data = FAMILIES[family](seed, count=5)
    if not smooth(net, data):
        return None
    start = copy.deepcopy(net)
    options = dict(rate=0.05, momentum=momentum, batch_size=batch_size, shuffle=shuffle)
    try:
        net.train(data, epochs=epochs, reduce=reduce, **options)
    except NumericError:
        return None  # the loss diverged: nothing to compare
    if not smooth(net, data):  # a kink crossed in training can flip a step either way
        return None
    model, sgd = train_torch(start, data, epochs, reduce=reduce, **options)
    back = from_torch(model)
    optimizer_from_torch(sgd, model, back)
    worst = max(rel(a.weight, b.weight) for a, b in zip(net.links, back.links))
    if momentum:
        pairs = [(a, b) for a, b in zip(net.links, back.links) if not a.frozen]
        worst = max([worst] + [rel(a.velocity, b.velocity) for a, b in pairs])
    return worst


def optimizers() -> tuple[list, list]:
    """Every optimizer both sides have, with the options torch.optim shares; and lernpy's own
    conventions that convert exactly (the textbook form at a constant rate, first_step)."""
    from lernpy.optim import SGD, AdaGrad, Adam, AdamW, RMSProp

    both = [
        SGD(0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        SGD(0.1, momentum=0.9, dampening=0.3, weight_decay=0.02),
        AdaGrad(0.1, lr_decay=0.05, initial_accumulator_value=0.1, weight_decay=0.01),
        RMSProp(0.01),
        RMSProp(0.01, momentum=0.9),
        RMSProp(0.01, centered=True),
        RMSProp(0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01),
        Adam(0.02),
        Adam(0.02, amsgrad=True, weight_decay=0.01),
        AdamW(0.02),
        AdamW(0.02, betas=(0.8, 0.99), amsgrad=True),
    ]
    converted = [
        SGD(0.1, momentum=0.8, momentum_form="textbook"),
        SGD(0.1, momentum=0.8, nesterov=True, momentum_form="textbook"),
        Adam(0.02, first_step=2),
    ]
    return both, converted


def torch_epochs(net: Network, model, optimizer, data, epochs: int, batch_size: int) -> None:
    """``epochs`` of ``optimizer`` over ``model``: net.train's batches, in order, mean loss."""
    import torch

    from lernpy.torch import torch_loss

    loss_fn = torch_loss(net)
    xs = torch.tensor([x for x, _ in data], dtype=torch.float64)
    ts = torch.tensor([t for _, t in data], dtype=torch.float64)
    for _ in range(epochs):
        for start in range(0, len(data), batch_size):
            batch = slice(start, start + batch_size)
            optimizer.zero_grad()
            loss_fn(model(xs[batch]), ts[batch]).backward()
            optimizer.step()


def handover_difference(
    seed: int, optimizer, epochs: int = 3, family: str = "plain"
) -> tuple[float, float] | None:
    """``random_case(seed)`` trained 2k epochs two ways: k in lernpy then k in torch.optim from
    the moved state, against 2k in lernpy; and k in torch.optim then k in lernpy, against 2k
    in torch.optim. The largest weight difference of each (None when a neuron sits on a kink
    or saturates, the loss diverges, nothing learns, or, for an optimizer that divides by
    √v + ε, a gradient cancels to rounding: see CANCELLATION)."""
    from lernpy.torch import (
        from_torch,
        optimizer_from_torch,
        optimizer_to_torch,
        to_torch,
        torch_counterpart,
    )

    net, data = FAMILIES[family](seed, count=4)
    if not smooth(net, data) or all(link.frozen for link in net.links):
        return None
    start = copy.deepcopy(net)
    options = dict(optimizer=optimizer, batch_size=2, shuffle=False)
    try:
        net.train(data, epochs=epochs, **options)
        halfway = copy.deepcopy(net)
        net.train(data, epochs=epochs, **options)
    except NumericError:
        return None
    if not smooth(net, data) or not smooth(halfway, data):
        return None
    scaled = not isinstance(optimizer, SGD)  # dividing by √v + ε: see CANCELLATION
    if scaled and any(cancels(n, data, 2) for n in (start, halfway, net)):
        return None
    model = to_torch(halfway)
    theirs = optimizer_to_torch(halfway, model, optimizer)
    torch_epochs(halfway, model, theirs, data, epochs, 2)
    forward = max(rel(a.weight, b.weight) for a, b in zip(net.links, from_torch(model).links))
    import torch

    name, kwargs = torch_counterpart(optimizer)
    model = to_torch(start)
    theirs = getattr(torch.optim, name)(model.parameters(), **kwargs)
    torch_epochs(start, model, theirs, data, epochs, 2)
    back = from_torch(model)
    mine = optimizer_from_torch(theirs, model, back)
    back.train(data, epochs=epochs, optimizer=mine, batch_size=2, shuffle=False)
    torch_epochs(start, model, theirs, data, epochs, 2)
    reverse = max(rel(a.weight, b.weight) for a, b in zip(back.links, from_torch(model).links))
    return forward, reverse


def epochs_difference(seed: int, optimizer, epochs: int, family: str) -> float | None:
    """``FAMILIES[family](seed)`` trained ``epochs`` epochs (batches of 2, in order) by
    ``optimizer`` in lernpy and by its torch.optim counterpart in PyTorch: the largest
    weight difference (None on a kink, in saturation, when the loss diverges, or, for an
    optimizer that divides by √v + ε, when a gradient cancels to rounding: CANCELLATION)."""
    import torch

    from lernpy.torch import from_torch, to_torch, torch_counterpart

    net, data = FAMILIES[family](seed, count=4)
    if not smooth(net, data) or all(link.frozen for link in net.links):
        return None
    start = copy.deepcopy(net)
    try:
        net.train(data, epochs=epochs, optimizer=optimizer, batch_size=2, shuffle=False)
    except NumericError:
        return None
    if not smooth(net, data):
        return None
    scaled = not isinstance(optimizer, SGD)  # dividing by √v + ε: see CANCELLATION
    if scaled and (cancels(start, data, 2) or cancels(net, data, 2)):
        return None
    model = to_torch(start)
    name, options = torch_counterpart(optimizer)
    torch_epochs(start, model, getattr(torch.optim, name)(model.parameters(), **options), data,
                 epochs, 2)  # fmt: skip
    return max(rel(a.weight, b.weight) for a, b in zip(net.links, from_torch(model).links))


def measure_optimizers(cases: int) -> None:
    """The largest differences of :func:`handover_difference`, per optimizer, over seeds."""
    both, converted = optimizers()
    print(f"optimizer state handed over after 3 of 6 epochs (2 batches each), seeds 0–{cases - 1}")
    for optimizer in both + converted:
        found = [handover_difference(seed, optimizer) for seed in range(cases)]
        used = [f for f in found if f is not None]
        forward = max(f[0] for f in used)
        reverse = f"{max(f[1] for f in used):.2e}" if optimizer in both else "(torch's form)"
        print(
            f"  {optimizer.describe():<70} {len(used):>4} networks: lernpy→torch {forward:.2e}"
            f"  torch→lernpy {reverse}"
        )


def perturbed_names(net: Network, sample, pick: int) -> tuple[str, list[str]]:
    """Move one shared weight's entry in ``to_torch(net)`` by 0.01: the weight, and what
    compare names."""
    import torch

    from lernpy.torch import compare, places, to_torch

    model = to_torch(net)
    shared = net.shared_weights[pick % len(net.shared_weights)]
    name, index = places(net)[shared.links[0].name]
    with torch.no_grad():
        dict(model.named_parameters())[name][index] += 0.01
    return shared.name, compare(net, model, sample).disagree


def measure_families(cases: int) -> None:
    """The figures of issue 15c: networks with shared weights (random ties in random DAGs,
    with max pools and detached links; the convolution builder; the recurrent builder)."""
    from lernpy.optim import SGD, Adam
    from lernpy.torch import from_torch, to_torch

    for family in ("tied", "conv", "rnn"):
        worst: dict[str, float] = {}
        kinds: dict[str, int] = {}
        used = same = named = 0
        for seed in range(cases):
            net, samples = FAMILIES[family](seed)
            try:
                same_network(from_torch(to_torch(net)), net)
                same += 1
            except AssertionError:
                pass
            if not net.shared_weights or not smooth(net, samples):
                continue
            used += 1
            kind = type(to_torch(net)).__name__
            kinds[kind] = kinds.get(kind, 0) + 1
            found = differences(net, samples)
            if family == "conv":
                graph = differences(net, samples, graph=True)
                found |= {f"{k} (DAG)": v for k, v in graph.items()}
            for key, value in found.items():
                worst[key] = max(worst.get(key, 0.0), value)
            name, disagree = perturbed_names(net, samples[0], seed)
            named += disagree == [name]
        print(f"{family}: {used} of {cases} networks used (shared weights, off kinks); {kinds}")
        for key, value in worst.items():
            print(f"  largest difference, {key:<22} {value:.2e}")
        print(f"  from_torch(to_torch(net)) is net (ties, link kinds, weights): {same} of {cases}")
        print(f"  compare names exactly the perturbed shared weight: {named} of {used}")
        for optimizer in (SGD(0.1, momentum=0.9), Adam(0.02)):
            runs = [epochs_difference(seed, optimizer, 4, family) for seed in range(cases // 4)]
            runs = [r for r in runs if r is not None]
            print(f"  4 epochs of {optimizer.describe()}: {len(runs)} networks, largest "
                  f"weight difference {max(runs):.2e}")  # fmt: skip
            both = [handover_difference(seed, optimizer, 2, family) for seed in range(cases // 8)]
            both = [b for b in both if b is not None]
            print(f"    state handed over after 2 of 4 epochs: {len(both)} networks, "
                  f"lernpy→torch {max(b[0] for b in both):.2e}, "
                  f"torch→lernpy {max(b[1] for b in both):.2e}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument(
        "--optimizers",
        action="store_true",
        help="measure the optimizer state handed over instead (each optimizer, --cases seeds)",
    )
    parser.add_argument(
        "--shared",
        action="store_true",
        help="measure networks with shared weights, pooling and detached links instead",
    )
    args = parser.parse_args()
    if args.optimizers:
        measure_optimizers(args.cases)
        return
    if args.shared:
        measure_families(args.cases)
        return
    worst: dict[str, float] = {}
    kinds: dict[str, int] = {}
    used = 0
    for seed in range(args.cases):
        net, samples = random_case(seed)
        if not smooth(net, samples):
            continue
        used += 1
        from lernpy.torch import to_torch

        kind = type(to_torch(net)).__name__
        kinds[kind] = kinds.get(kind, 0) + 1
        for key, value in differences(net, samples).items():
            worst[key] = max(worst.get(key, 0.0), value)
    print(f"{used} of {args.cases} random networks (the others sit on a kink or saturate)")
    print(f"modules: {kinds}")
    for key, value in worst.items():
        print(f"  largest difference, {key:<15} {value:.2e}")
    same = sum(_round_trip(seed) for seed in range(args.cases))
    print(
        f"from_torch(to_torch(net)) is net (names, weights bit for bit, frozen): {same} of "
        f"{args.cases}"
    )
    sgd, runs = 0.0, 0
    rng = random.Random(0)
    for seed in range(args.cases // 4):
        options = (rng.choice([0.0, 0.9]), rng.choice([1, 2, 5]), rng.random() < 0.5,
                   rng.choice(["mean", "sum"]))  # fmt: skip
        found = sgd_difference(seed, 5, *options)
        if found is not None:
            sgd, runs = max(sgd, found), runs + 1
    print(
        f"5 epochs of SGD ({runs} networks): largest difference of a weight or velocity {sgd:.2e}"
    )


def _round_trip(seed: int) -> bool:
    from lernpy.torch import from_torch, to_torch

    net, _ = random_case(seed)
    back = from_torch(to_torch(net))
    return [(n.name, n.kind, n.activation.name) for n in back.neurons] == [
        (n.name, n.kind, n.activation.name) for n in net.neurons
    ] and [(k.name, k.weight, k.frozen, k.label) for k in back.links] == [
        (k.name, k.weight, k.frozen, k.label) for k in net.links
    ]


if __name__ == "__main__":
    main()
