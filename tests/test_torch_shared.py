"""lernpy.torch with shared weights, pooling and detached links (issue 15, its last part).

The oracles: PyTorch's autograd on the module ``to_torch`` makes (one parameter
entry per shared weight, ``nn.Conv2d`` and ``nn.MaxPool2d`` for a network from
the convolution builder), a recurrent network written out by hand in PyTorch with
``h.detach()``, ``torch.optim`` for the training, and hand-set ties for max pooling.
Without PyTorch every test here skips, saying why.
"""

from __future__ import annotations

import copy
import random
import re

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: lernpy.torch is optional (pip install 'torch==2.13.0+cpu')",
)
from torch import nn  # noqa: E402

from lernpy import Conv, Dense, Network, Pool, datasets, fit  # noqa: E402
from lernpy.data.netfile import dumps  # noqa: E402
from lernpy.graph.link import DetachedLink  # noqa: E402
from lernpy.optim import SGD, Adam  # noqa: E402
from lernpy.torch import (  # noqa: E402
    GraphModule,
    TorchError,
    compare,
    from_torch,
    load,
    load_state_dict,
    optimizer_from_torch,
    optimizer_to_torch,
    places,
    save,
    state_dict,
    to_torch,
    torch_loss,
)
from tests.torchcases import (  # noqa: E402
    FAMILIES,
    differences,
    epochs_difference,
    handover_difference,
    rel,
    same_network,
    smooth,
)

F64 = torch.float64
SOME = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**32 - 1)
SHARED = ["tied", "conv", "rnn"]
RATIO = re.compile(r"\d\.\de[+-]\d\d")


def tensor(rows) -> torch.Tensor:
    return torch.tensor(rows, dtype=F64)


def case(family: str, seed: int, count: int = 3):
    """A network of the family with shared weights, and samples off any kink."""
    net, samples = FAMILIES[family](seed, count)
    assume(net.shared_weights and smooth(net, samples))
    return net, samples


# -- to_torch: outputs, loss, every shared weight's gradient ------------------------------


@SOME
@given(seed=seeds, family=st.sampled_from(SHARED))
@example(seed=4, family="tied")  # a max pool inside a DAG, and ties
@example(seed=1, family="conv")
@example(seed=0, family="rnn")
def test_shared_weights_pooling_and_detached_links_give_lernpys_numbers(seed, family):
    """Outputs, loss and every weight's ∂E/∂w (a shared weight's: the sum of its links', its one
    entry's .grad) equal lernpy's to 1e-12, per sample and over a batch; a convolutional
    network both as Conv2d layers and as the generated DAG."""
    net, samples = case(family, seed)
    worst = differences(net, samples)
    assert max(worst.values()) <= 1e-12, worst
    if family == "conv":
        assert isinstance(to_torch(net), nn.Sequential)
        worst = differences(net, samples, graph=True)
        assert max(worst.values()) <= 1e-12, worst


def test_the_families_hold_ties_pools_detached_links_and_both_modules():
    """What the agreement tests draw from: ties in DAGs, max pools and detached links there,
    convolutions with max and average pooling, RNNs truncated or not."""
    seen = set()
    for seed in range(40):
        net, _ = FAMILIES["tied"](seed)
        seen.add(("tied", type(to_torch(net)).__name__))
        seen |= {("tied", "frozen shared") for s in net.shared_weights if s.frozen}
        seen |= {("tied", "max pool") for n in net.neurons if n.activation.pool}
        seen |= {("tied", "detached") for k in net.links if isinstance(k, DetachedLink)}
        net, _ = FAMILIES["conv"](seed)
        seen.add(("conv", type(to_torch(net)).__name__))
        seen |= {("conv", n.activation.name) for n in net.neurons if "pool" in n.activation.name}
        seen |= {("conv", "no bias")} if not net.biases or len(net.biases) < 2 else set()
        net, _ = FAMILIES["rnn"](seed)
        seen.add(("rnn", any(isinstance(k, DetachedLink) for k in net.links)))
    assert seen >= {
        ("tied", "GraphModule"), ("tied", "frozen shared"), ("tied", "max pool"),
        ("tied", "detached"), ("conv", "Sequential"), ("conv", "max_pool"),
        ("conv", "avg_pool"), ("rnn", True), ("rnn", False),
    }  # fmt: skip


def test_the_convolutional_sequential_in_pytorchs_layers():
    """The demo's network: Unflatten, Conv2d, Tanh, MaxPool2d, Flatten, Linear, Softmax; each
    kernel weight at its entry of Conv2d.weight, as the builder's docstring says."""
    net = Network.convolutional(
        (1, 4, 4), Conv(2, kernel=2, padding=1, activation="tanh"), Pool("max", 2, stride=1),
        Dense(2, "softmax"), loss="cross_entropy", seed=0,
    )  # fmt: skip
    model = to_torch(net)
    assert [type(m).__name__ for m in model] == [
        "Unflatten", "Conv2d", "Tanh", "MaxPool2d", "Flatten", "Linear", "Softmax",
    ]  # fmt: skip
    assert model[0].unflattened_size == (1, 4, 4) and model[1].padding == (1, 1)
    # k1 … k8: (channel, row, column) of the two 2×2 kernels; kb1, kb2 the biases
    for n in range(8):
        assert model[1].weight[n // 4, 0, n % 4 // 2, n % 2].item() == net[f"k{n + 1}"].weight
    assert model[1].bias.tolist() == [net["kb1"].weight, net["kb2"].weight]
    assert places(net)["x1[2,3]→c1[2,3]"] == ("1.weight", (0, 0, 1, 1))  # k4: row 1, col 1
    assert places(net)["c1[1,1]→p1[1,1]"] is None  # MaxPool2d has no parameter
    assert model[5].weight[1, 18].item() == net["p2[1,3]→y2"].weight  # flattened: 16 + 0·5 + 2


def test_a_recurrent_network_is_the_generated_dag_with_one_entry_per_weight():
    """Every link of W[1,1] reads one entry; truncation shows as detached links in the levels."""
    net = Network.recurrent(1, 2, 1, steps=3, truncate=1, seed=2)
    model = to_torch(net)
    assert isinstance(model, GraphModule) and len(model.weight) == len(net.shared_weights)
    where = places(net)
    assert {where[k.name] for k in net["W[1,1]"].links} == {
        ("weight", (model.links.index("W[1,1]"),))
    }
    assert "detached: 4" in repr(model.levels[2])


# -- max pooling: the first largest, in both ------------------------------------------------


def test_max_pooling_ties_go_to_the_first_largest_in_both():
    """Equal values in a window: lernpy's winner is the first; nn.MaxPool2d sends the gradient
    to the same neuron (the conv output's .grad), and the DAG's max to the same link."""
    net = Network.convolutional((1, 3, 3), Conv(1, kernel=1, activation="identity"),
                                Pool("max", 2, stride=1), Dense(1, "identity"), seed=0)  # fmt: skip
    net.set_weights({"k1": 1.0, "kb1": 0.0})
    image = (1.0, 2.0, 2.0, 2.0, 2.0, 0.0, 1.0, 2.0, 1.0)  # ties in every window
    net.scheduler((image, (0.0,)), rate=0.0, trace=None).run(until="update")
    winners = [net[f"p1[{r},{c}]"].winner.source.name for r in (1, 2) for c in (1, 2)]
    assert winners == ["c1[1,2]", "c1[1,2]", "c1[2,1]", "c1[2,2]"]  # the first 2.0 of each
    model = to_torch(net)
    seen: list = []  # the gradient at the Conv2d's output: each conv neuron's sensitivity
    model[1].register_forward_hook(lambda m, i, out: out.register_hook(seen.append) and None)
    torch_loss(net)(model(tensor([image])), tensor([[0.0]])).backward()
    theirs = seen[0].flatten().tolist()
    ours = [n.sensitivity for n in net.layers[1]]
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)
    assert [c for c, g in zip(net.layers[1], theirs) if g != 0.0] == [
        net[f"c1[{name}]"] for name in ("1,2", "2,1", "2,2")
    ]
    # the DAG: two links deliver 1.0 (1·1 and 0.5·2); only the first learns
    dag = Network()
    for name in ("a", "b"):
        dag.add_neuron(name, "identity", "input")
    dag.add_neuron("m", "max_pool")
    dag.add_neuron("y", "identity", "output")
    dag.add_link("a", "m", 1.0), dag.add_link("b", "m", 0.5), dag.add_link("m", "y", 1.0)
    dag.scheduler(((1.0, 2.0), (3.0,)), rate=0.0, trace=None).run(until="update")
    assert dag["m"].winner is dag["a→m"]
    table = compare(dag, to_torch(dag), ((1.0, 2.0), (3.0,)))
    assert table.ok and [row[3] for row in table.rows[:2]] == [-2.0, 0.0]


# -- truncated backpropagation through time: PyTorch's h.detach() ---------------------------


def elman_in_pytorch(net: Network, sample, truncate: int | None) -> dict[str, float]:
    """The unrolled network written as PyTorch code (Goodfellow §10.2), the hidden state
    detached every ``truncate`` steps: ∂E/∂ of every shared weight, by autograd."""
    hidden = sum(1 for n in net.layers[1])
    inputs = len(net.inputs) // (len(net.layers) // 2)
    outputs = len(net.layers[2])
    w = {s.name: s.weight for s in net.shared_weights}

    def matrix(letter, rows, cols):
        return tensor([[w[f"{letter}[{j},{i}]"] for i in range(1, cols + 1)]
                       for j in range(1, rows + 1)]).requires_grad_()  # fmt: skip

    U, W, V = matrix("U", hidden, inputs), matrix("W", hidden, hidden), matrix("V", outputs, hidden)
    b = tensor([w[f"b[{j}]"] for j in range(1, hidden + 1)]).requires_grad_()
    c = tensor([w[f"c[{k}]"] for k in range(1, outputs + 1)]).requires_grad_()
    xs, ts = tensor(sample[0]).reshape(-1, inputs), tensor(sample[1]).reshape(-1, outputs)
    h = torch.zeros(hidden, dtype=F64)
    ys = []
    for t, x in enumerate(xs):
        if truncate is not None and t > 0 and t % truncate == 0:
            h = h.detach()  # the cut: no gradient flows back past here
        h = torch.tanh(b + W @ h + U @ x)
        ys.append(torch.sigmoid(c + V @ h))
    loss = 0.5 * ((torch.stack(ys) - ts) ** 2).sum()
    loss.backward()
    found = {}
    for letter, m in (("U", U), ("W", W), ("V", V)):
        for (j, i), g in zip(
            [(j, i) for j in range(m.shape[0]) for i in range(m.shape[1])], m.grad.flatten()
        ):
            found[f"{letter}[{j + 1},{i + 1}]"] = g.item()
    found |= {f"b[{j + 1}]": g.item() for j, g in enumerate(b.grad)}
    found |= {f"c[{k + 1}]": g.item() for k, g in enumerate(c.grad)}
    return found


@pytest.mark.parametrize("truncate", [None, 1, 2])
def test_truncated_bptt_is_pytorchs_detach_of_the_hidden_state(truncate):
    """An RNN written in PyTorch with h.detach() every k steps: every shared weight's gradient
    equals lernpy's (and to_torch's) to 1e-12; truncation changes them."""
    rng = random.Random(5)
    sample = ([rng.uniform(-1, 1) for _ in range(8)], [rng.random() for _ in range(4)])
    net = Network.recurrent(2, 3, 1, steps=4, truncate=truncate, seed=3)
    net.scheduler(sample, rate=0.0, trace=None).run(until="update")
    theirs = elman_in_pytorch(net, sample, truncate)
    for shared in net.shared_weights:
        assert rel(shared.sensitivity, theirs[shared.name]) <= 1e-12, shared.name
    assert compare(net, to_torch(net), sample).ok
    full = elman_in_pytorch(Network.recurrent(2, 3, 1, steps=4, seed=3), sample, None)
    assert (abs(full["W[1,1]"] - theirs["W[1,1]"]) > 1e-6) is (truncate is not None)


# -- from_torch ---------------------------------------------------------------------------


@SOME
@given(seed=seeds, family=st.sampled_from(SHARED), freeze=st.booleans())
def test_from_torch_of_to_torch_is_the_network_with_its_ties(seed, family, freeze):
    """Names, weights (bit for bit), link kinds, ties and frozen shared weights come back; a
    frozen shared weight's entry has requires_grad=False."""
    net, _ = FAMILIES[family](seed)
    assume(net.shared_weights)
    if freeze:
        net.freeze(random.Random(seed).choice(net.shared_weights))
    model = to_torch(net)
    same_network(from_torch(model), net)
    params = dict(model.named_parameters())
    for shared in net.shared_weights:
        name, _ = places(net)[shared.links[0].name]
        assert params[name].requires_grad is not shared.frozen


def test_a_kernel_frozen_alone_makes_the_dag_and_a_layer_frozen_whole_stays_conv2d():
    """requires_grad is per tensor: a Conv2d whose kernels are all frozen keeps its layers;
    one frozen kernel weight among learning ones goes to the generated DAG, same numbers."""
    net = Network.convolutional(
        (1, 4, 4), Conv(2, kernel=2, activation="tanh"), Pool("avg", 2), Dense(2), seed=3
    )
    rng = random.Random(3)
    samples = [([rng.uniform(-1, 1) for _ in range(16)], [0.5, -0.5]) for _ in range(2)]
    net.freeze(*[s for s in net.shared_weights if not s.name.startswith("kb")])
    model = to_torch(net)
    assert isinstance(model, nn.Sequential)
    assert [p.requires_grad for n, p in model.named_parameters() if n.startswith("1.")] == [
        False, True,
    ]  # fmt: skip
    net.unfreeze(*net.shared_weights[1:])
    assert isinstance(to_torch(net), GraphModule)
    assert max(differences(net, samples).values()) <= 1e-12
    same_network(from_torch(to_torch(net)), net)


def random_cnn(seed: int) -> tuple[nn.Sequential, tuple[int, int, int]]:
    """A PyTorch CNN the convolution builder can build, with random weights and layers."""
    rng = random.Random(seed)
    gen = torch.Generator().manual_seed(seed)
    c, h, w = rng.randint(1, 2), rng.randint(4, 6), rng.randint(4, 6)
    k, stride = rng.choice([1, 2, 3]), rng.choice([1, 2])
    padding = rng.choice(["valid", rng.randint(0, k - 1)] + ["same"] * (k % 2))
    if padding == "same":
        stride = 1  # PyTorch pads "same" at stride 1 only
    conv = nn.Conv2d(c, 2, k, stride=stride, padding=padding, bias=rng.random() < 0.7)
    act = rng.choice([nn.Tanh(), nn.Sigmoid(), nn.Identity()])
    pool = rng.choice([nn.MaxPool2d(2, stride=1), nn.AvgPool2d(2), nn.Identity()])
    if min(nn.Sequential(conv)(torch.zeros(1, c, h, w)).shape[2:]) < 2:
        pool = nn.Identity()  # a window of 2 does not fit
    layers = [conv, act, pool, nn.Flatten()]
    width = nn.Sequential(*layers)(torch.zeros(1, c, h, w)).shape[1]
    layers += [nn.Linear(width, 3), nn.Tanh(), nn.Linear(3, 2)]
    model = nn.Sequential(*layers).to(F64)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=F64) - 0.5)
    return model, (c, h, w)


@pytest.mark.parametrize("seed", range(6))
def test_from_torch_reads_a_convolutional_sequential_with_the_builder(seed):
    """A CNN from PyTorch (image= given, or an Unflatten first): the builder's network with its
    weights, the same outputs, and every gradient compare checks agrees."""
    model, image = random_cnn(seed)
    net = from_torch(model, image=image)
    assert net.shared_weights and net["k1"].weight == model[0].weight[0, 0, 0, 0].item()
    rng = random.Random(seed)
    x = [rng.choice([0.0, 0.5, -1.0, rng.uniform(-1, 1)]) for _ in net.inputs]
    out = model(tensor([x]).reshape(1, *image))[0].tolist()
    assert net(x) == pytest.approx(out, rel=1e-12, abs=1e-15)
    assert compare(net, model, (x, [0.2, -0.1])).ok
    flat = nn.Sequential(nn.Unflatten(1, image), *model)
    same_network(from_torch(flat), net)
    assert compare(net, to_torch(net), (x, [0.2, -0.1])).ok


@pytest.mark.parametrize(
    "layers, message",
    [
        ([nn.Conv2d(1, 1, 2, dilation=2)], r"layer 1 is Conv2d.*no dilation"),
        ([nn.Conv2d(1, 2, 2, groups=1), nn.Conv2d(2, 2, 1, groups=2)], r"layer 2 is .*no groups"),
        ([nn.Conv2d(1, 1, 2, padding=2)], r"layer 1 is .*padding less than the kernel \(2\)"),
        ([nn.Conv2d(1, 1, (1, 2))], r"layer 1 is .*kernel_size \(1, 2\) differs along rows"),
        ([nn.Conv2d(2, 1, 2)], r"layer 1 is .*takes 2 channels, the layer before gives 1"),
        ([nn.Conv2d(1, 1, 2), nn.MaxPool2d(2, padding=1)], r"layer 2 is MaxPool2d.*no padding"),
        ([nn.Conv2d(1, 1, 2), nn.AvgPool2d(2, ceil_mode=True)], r"layer 2 is AvgPool2d.*ceil_mode"),
        ([nn.Conv2d(1, 1, 2), nn.Linear(3, 1)], r"layer 2 is Linear.*put nn.Flatten\(\) before"),
        ([nn.Conv2d(1, 1, 2), nn.Softmax(dim=-1)], r"layer 2 is Softmax.*after a convolution"),
        ([nn.Conv2d(1, 1, 2), nn.MaxPool2d(2), nn.ReLU()], r"layer 3 is ReLU.*right after"),
        ([nn.Conv2d(1, 1, 2), nn.Dropout2d()], r"layer 2 is Dropout2d.*cannot hold"),
        ([nn.Conv2d(1, 1, 2), nn.Flatten(), nn.Linear(8, 1)], r"layer 3 .*takes 8 inputs.*gives 9"),
        ([nn.Conv2d(1, 1, 2), nn.Flatten(), nn.Linear(9, 1), nn.Conv2d(1, 1, 1)],
         r"layer 4 .*after the image was flattened"),
        ([nn.Conv2d(1, 1, 2), nn.MaxPool2d(5)], r"layer 2 is MaxPool2d.*window of 5 does not fit"),
        ([nn.Conv2d(1, 1, 2)], r"does not end in nn.Linear"),
        ([nn.Conv1d(1, 1, 2)], r"layer 1 is Conv1d.*2-D"),
    ],
)  # fmt: skip
def test_from_torch_refuses_what_the_convolution_builder_cannot_build(layers, message):
    """Each refusal names the layer by its path and says why (the image is 1×4×4)."""
    module = nn.Sequential(nn.Unflatten(1, (1, 4, 4)), *layers)
    with pytest.raises(TorchError, match=message):
        from_torch(module)


def test_from_torch_needs_the_image_size_once():
    cnn = nn.Sequential(nn.Conv2d(1, 1, 2), nn.Flatten(), nn.Linear(4, 1))
    with pytest.raises(TorchError, match="layer 0 is Conv2d.*needs the image size"):
        from_torch(cnn)
    with pytest.raises(TorchError, match=r"image=\(1, 4, 4\), but layer 0 is Unflatten"):
        from_torch(nn.Sequential(nn.Unflatten(1, (1, 3, 3)), *cnn), image=(1, 4, 4))
    with pytest.raises(TorchError, match="names= is for an nn.Sequential of nn.Linear"):
        from_torch(cnn, image=(1, 3, 3), names="a / b / c")
    assert from_torch(cnn, image=(3, 3)).layers[0][-1].name == "x1[3,3]"


# -- training: k epochs of SGD and of Adam in both; the optimizer state ---------------------


@FEW
@given(seed=seeds, family=st.sampled_from(SHARED), adam=st.booleans())
@example(seed=2, family="conv", adam=True)
@example(seed=3, family="rnn", adam=False)
def test_k_epochs_of_sgd_and_adam_end_on_the_same_weights(seed, family, adam):
    """4 epochs of SGD with momentum, or of Adam, in lernpy and in torch.optim: every weight
    within 1e-10 relative (a shared weight steps once, with the sum of its links' gradients)."""
    optimizer = Adam(0.02) if adam else SGD(0.1, momentum=0.9)
    worst = epochs_difference(seed, optimizer, 4, family)
    assume(worst is not None)
    assert worst <= 1e-10


@pytest.mark.parametrize("family", SHARED)
@pytest.mark.parametrize(
    "optimizer",
    [SGD(0.1, momentum=0.9, nesterov=True), Adam(0.02, amsgrad=True)],
    ids=["nesterov", "amsgrad"],
)
def test_a_shared_weights_optimizer_state_moves_both_ways(family, optimizer):
    """k updates in lernpy, the state moved, k in torch.optim = 2k in lernpy; and the other way
    round; to 1e-12. The state goes through the shared weight: one entry, its numbers."""
    found = [handover_difference(seed, optimizer, 2, family) for seed in range(4)]
    used = [f for f in found if f is not None]
    assert len(used) >= 2 and max(max(f) for f in used) <= 1e-12, used
    net, data = FAMILIES[family](0, count=4)
    net.train(data, epochs=2, optimizer=Adam(0.02), batch_size=2, shuffle=False)
    model = to_torch(net)
    adam = optimizer_to_torch(net, model, Adam(0.02))
    shared = next(s for s in net.shared_weights if not s.frozen)
    name, index = places(net)[shared.links[0].name]
    state = adam.state[dict(model.named_parameters())[name]]
    assert state["exp_avg"][index].item() == shared.state.m and state["step"].item() == 4
    back = from_torch(model)
    optimizer_from_torch(adam, model, back)
    ours, theirs = shared.state, back[shared.name].state
    assert (theirs.t, theirs.m, theirs.v) == (ours.t, ours.m, ours.v)
    assert all(link.state is theirs for link in back[shared.name].links)


def test_a_module_that_keeps_a_shared_weight_apart_is_refused_naming_it():
    """The untied twin's module beside the tied network: compare and the optimizer say which
    shared weight the module holds apart."""
    net = Network.layered(2, 2, 1, seed=1)
    twin = copy.deepcopy(net)
    net.tie("k1", ["x1→h1", "x2→h2"])
    twin["x2→h2"].weight = twin["x1→h1"].weight
    with pytest.raises(TorchError, match=r"0.weight\[0, 0\] holds x1→h1; .*shared weight k1"):
        compare(net, to_torch(twin), ([0.3, 0.7], [0.2]))
    with pytest.raises(TorchError, match="holds the links of the shared weight k1 apart"):
        optimizer_to_torch(net, to_torch(twin), rate=0.1, momentum=0.9)


# -- compare ----------------------------------------------------------------------------


@SOME
@given(seed=seeds, family=st.sampled_from(SHARED), pick=st.integers(0, 10**6))
def test_compare_names_exactly_the_shared_weight_a_test_perturbs(seed, family, pick):
    """One shared weight moved in the PyTorch copy (its one entry): compare names it and
    nothing else; its links' rows show their terms, which add up to its Σ row."""
    net, samples = case(family, seed)
    model = to_torch(net)
    assert compare(net, model, samples[0]).ok
    shared = net.shared_weights[pick % len(net.shared_weights)]
    name, index = places(net)[shared.links[0].name]
    with torch.no_grad():
        dict(model.named_parameters())[name][index] += 0.01
    table = compare(net, model, samples[0])
    assert table.disagree == [shared.name]
    rows = {row[0]: row for row in table.rows}
    terms = [rows[f"{k.name} ({shared.name})"][2] for k in shared.links]
    total = rows[f"{shared.name} (Σ of {len(shared)} links)"]
    assert total[2] == pytest.approx(sum(terms), rel=1e-12, abs=1e-15)
    assert total[-1].startswith("weight: PyTorch")


def test_compare_shows_shared_weights_as_lernpys_table(rendered, golden):
    """A tied 2-2-1 network with its shared weight moved in the PyTorch copy: each tied link's
    row shows its term, the Σ row the sum beside .grad, and the verdict names k1."""
    net = Network.layered(2, 2, 1, activation="tanh", seed=1)
    net.tie("k1", ["x1→h1", "x2→h2", "h2→y1"])
    model = to_torch(net)
    with torch.no_grad():
        model.weight[0] += 0.01
    table = compare(net, model, ([0.3, 0.7], [0.2]))
    golden("torch_compare_shared", RATIO.sub("x.xe-xx", rendered(table, width=100)))
    assert table.disagree == ["k1"] and "k1 (Σ of 3 links)" in repr(table)


# -- state dicts and .pt files ------------------------------------------------------------


@pytest.mark.parametrize("family", SHARED)
def test_state_dict_and_pt_file_carry_shared_weights_and_their_state(tmp_path, family):
    """A network fitted with Adam: the .pt file (version 3) gives back names, ties, weights and
    each shared weight's state; PyTorch alone goes on from its state dicts; the state dict
    moves the weights into a network of the same shape."""
    seed = next(s for s in range(20) if not all(k.frozen for k in FAMILIES[family](s)[0].links))
    net, data = FAMILIES[family](seed, count=4)
    fit(net, data, epochs=2, optimizer=Adam(0.02), batch_size=2, shuffle=False)
    path = save(net, tmp_path / "net.pt")
    back = load(path)
    same_network(back, net)
    assert [s.state for s in back.shared_weights] == [s.state for s in net.shared_weights]
    raw = torch.load(path, weights_only=True)
    assert raw["version"] == 3 and raw["optimizer"]["name"] == "Adam"
    model = to_torch(net)
    model.load_state_dict(raw["state_dict"])
    adam = torch.optim.Adam(model.parameters(), **raw["optimizer"]["options"])
    adam.load_state_dict(raw["optimizer"]["state_dict"])
    twin = copy.deepcopy(net)
    twin.train(data, epochs=1, optimizer=Adam(0.02), batch_size=2, shuffle=False)
    loss_fn = torch_loss(net)
    xs, ts = tensor([x for x, _ in data]), tensor([t for _, t in data])
    for batch in (slice(0, 2), slice(2, 4)):
        adam.zero_grad()
        loss_fn(model(xs[batch]), ts[batch]).backward()
        adam.step()
    after = from_torch(model)
    assert max(rel(a.weight, b.weight) for a, b in zip(twin.links, after.links)) <= 1e-12
    other, _ = FAMILIES[family](seed, count=4)
    load_state_dict(other, state_dict(net))
    assert other.weights() == net.weights()


def test_a_version_2_file_still_loads(tmp_path):
    """A .pt file of version 2 (untied networks only, the same layout) loads as it was."""
    net = Network.layered(2, 3, 1, seed=5)
    _ = net.add_link("x1", "y1", 0.3)
    old = {"format": "lernpy-torch", "version": 2, "network": dumps(net),
           "state_dict": dict(to_torch(net).state_dict()), "optimizer": None}  # fmt: skip
    torch.save(old, tmp_path / "old.pt")
    same_network(load(tmp_path / "old.pt"), net)


def test_the_bars_network_trained_in_pytorch_comes_back_to_lernpy():
    """The conv demo's network trained 3 epochs in PyTorch (Adam, its own loop) equals 3 epochs
    in lernpy, and lernpy then explains k1 from the weights PyTorch learned."""
    data = datasets.bars(24, seed=1)
    net = Network.convolutional(
        (1, 4, 4), Conv(2, kernel=2, padding=1, activation="tanh"), Pool("max", 2, stride=1),
        Dense(2, "softmax"), loss="cross_entropy", seed=0,
    )  # fmt: skip
    model = to_torch(net)
    adam = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = torch_loss(net)
    xs, ts = tensor([x for x, _ in data]), tensor([t for _, t in data])
    for _ in range(3):
        for start in range(0, len(data), 4):
            adam.zero_grad()
            loss_fn(model(xs[start : start + 4]), ts[start : start + 4]).backward()
            adam.step()
    net.train(data, epochs=3, optimizer=Adam(0.05), batch_size=4, shuffle=False)
    back = from_torch(model)
    assert max(rel(a.weight, b.weight) for a, b in zip(net.links, back.links)) <= 1e-10
    back.scheduler(data[0], rate=0.0, trace=None).run(until="update")
    assert "Σ over its 16 links" in str(back["k1"].explain())
