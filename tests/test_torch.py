"""lernpy.torch: the same network in PyTorch, every number kept, and back.

The oracle is PyTorch itself: its autograd, its optimizers and its losses are
an implementation independent of lernpy's scheduler. Without PyTorch every test
here skips, saying why.
"""

from __future__ import annotations

import copy
import io
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: lernpy.torch is optional (pip install 'torch==2.13.0+cpu')",
)
from torch import nn  # noqa: E402

from lernpy import Network, datasets, examples, fit  # noqa: E402
from lernpy.data.netfile import dumps, loads  # noqa: E402
from lernpy.optim import SGD, Adam, State  # noqa: E402
from lernpy.torch import (  # noqa: E402
    GraphModule,
    TorchError,
    TorchFileError,
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
    differences,
    random_case,
    rel,
    same_network,
    sgd_difference,
    smooth,
)

F64 = torch.float64
SOME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**32 - 1)


def tensor(rows) -> torch.Tensor:
    return torch.tensor(rows, dtype=F64)


# -- to_torch: the same function, the same gradients -----------------------------------


@SOME
@given(seed=seeds)
@example(seed=0)  # a 2-1-3 softmax hidden layer, frozen links: a GraphModule
@example(seed=3)
def test_to_torch_outputs_loss_and_every_gradient_equal_lernpys(seed):
    """Random networks (every activation, loss, bias option, skip, frozen and removed links)."""
    net, samples = random_case(seed)
    assume(smooth(net, samples))
    worst = differences(net, samples)
    assert max(worst.values()) <= 1e-12, worst


def test_random_cases_cover_every_option():
    """The cases the agreement tests draw from hold every activation, loss and kind of module."""
    acts, losses, kinds, frozen, skips = set(), set(), set(), 0, 0
    for seed in range(120):
        net, _ = random_case(seed)
        acts |= {n.activation.name for n in net.neurons if not n.is_source}
        losses.add(net.loss_function.name)
        kinds.add(type(to_torch(net)).__name__)
        frozen += any(k.frozen for k in net.links)
        skips += any(
            k.target.layer - k.source.layer > 1 for k in net.links if k.source.kind != "bias"
        )
    assert acts == {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax"}
    assert losses == {"half_sse", "mse", "bce", "bce_mean", "cross_entropy"}
    assert kinds == {"Sequential", "GraphModule"} and frozen > 10 and skips > 10


def test_layered_network_becomes_sequential_in_matrix_orientation():
    """Linear.weight is net.matrix(l) without its bias column, Linear.bias that column."""
    net = Network.layered(3, 4, 2, activation="tanh", output="softmax", seed=5)
    model = to_torch(net)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear", "Softmax"]
    for li, k in ((1, 0), (2, 2)):
        matrix = net.matrix(li)
        assert model[k].weight.tolist() == [row[:-1] for row in matrix]
        assert model[k].bias.tolist() == [row[-1] for row in matrix]


def test_graph_module_masks_removed_links_and_freezes_frozen_ones():
    """A removed link has no entry (its place is a fixed 0); a frozen one requires no grad."""
    net = Network.layered(2, 3, 1, seed=2)
    net.remove_link("x2→h3")
    net.freeze("h1→y1")
    model = to_torch(net)
    assert isinstance(model, GraphModule)
    assert len(model.links) + len(model.frozen_links) == len(net.links) == 12
    assert "x2→h3" not in model.links and model.frozen_links == ["h1→y1"]
    assert not model.frozen.requires_grad and model.weight.requires_grad
    x = tensor([[0.3, -0.7]])
    torch_loss(net)(model(x), tensor([[0.2]])).backward()
    assert model.frozen.grad is None
    # the removed link changes nothing: moving x2 moves h3 only through nothing
    assert net.forward([0.3, -0.7])[0] == pytest.approx(model(x).item(), abs=1e-15)


def test_to_torch_does_not_draw_from_torchs_random_generator():
    """Weights come from the network; torch's global generator is left as it was."""
    state = torch.random.get_rng_state()
    to_torch(Network.layered(4, 8, 3, seed=1))
    assert torch.equal(state, torch.random.get_rng_state())


def test_to_torch_float32_is_float64_rounded():
    """dtype=torch.float32 holds each weight rounded once; outputs agree to float32 precision."""
    net = Network.layered(2, 3, 1, activation="tanh", seed=4)
    model = to_torch(net, dtype=torch.float32)
    assert model[0].weight.dtype == torch.float32
    x = [0.25, -0.5]
    assert model(torch.tensor(x)).item() == pytest.approx(net(x)[0], rel=1e-6)
    assert compare(net, model, (x, [0.3])).ok


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda net: setattr(net["h1"], "activation", _cube()), "custom activation 'cube'"),
        (lambda net: setattr(net["b1"], "value", 0.5), "bias neuron b1 has value 0.5"),
    ],
)
def test_to_torch_refuses_what_pytorch_cannot_hold(change, message):
    """A custom activation or a bias value other than 1.0: an error naming the neuron."""
    net = Network.layered(2, 2, 1, seed=0)
    change(net)
    with pytest.raises(TorchError, match=message):
        to_torch(net)


def _cube():
    from lernpy import Activation

    return Activation.custom("cube", lambda v: v**3, lambda v: 3 * v * v)


# -- from_torch ----------------------------------------------------------------------


@SOME
@given(seed=seeds)
def test_from_torch_of_to_torch_is_the_network(seed):
    """Names, weights (bit for bit), frozen links, labels, loss and seed all come back."""
    net, _ = random_case(seed)
    same_network(from_torch(to_torch(net)), net)


def test_from_torch_reads_a_plain_sequential_exactly():
    """Weights bit for bit (float32 too), activations and names; outputs are the module's."""
    gen = torch.Generator().manual_seed(0)
    model = nn.Sequential(
        nn.Linear(3, 4),
        nn.LeakyReLU(0.01),
        nn.Sequential(nn.Linear(4, 2, bias=False), nn.Identity(), nn.Softplus()),
        nn.Linear(2, 2),
        nn.Softmax(dim=-1),
    ).to(F64)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=F64) * 2 - 1)
    model[0].bias.requires_grad_(False)
    net = from_torch(model, names="a b c / h1 h2 h3 h4 / g1 g2 / p q / c1 c2 c3", loss="mse")
    assert [len(layer) for layer in net.layers] == [3, 4, 2, 2]
    assert [n.activation.name for n in net.layers[1] + net.layers[2] + net.layers[3]] == [
        "leaky_relu"
    ] * 4 + ["softplus"] * 2 + ["softmax"] * 2
    assert net["h3→g2"].weight == model[2][0].weight[1, 2].item()
    assert net["c3→q"].weight == model[3].bias[1].item()
    assert [k.name for k in net.links if k.frozen] == [f"c1→h{j}" for j in range(1, 5)]
    assert "c2" not in net  # the bias-less layer has no bias neuron
    x = [0.5, -1.0, 2.0]
    assert net(x) == pytest.approx(model(tensor(x)).tolist(), rel=1e-13)
    assert net.loss_function.name == "mse"

    small = nn.Sequential(nn.Linear(2, 1))  # float32: each weight is a float32, exactly
    assert from_torch(small)["x1→y1"].weight == small[0].weight[0, 0].item()


@pytest.mark.parametrize(
    "layers, where",
    [
        ([nn.Linear(2, 3), nn.Dropout(0.5), nn.Linear(3, 1)], r"layer 1 is Dropout\(p=0.5"),
        ([nn.Conv2d(1, 2, 3)], r"layer 0 is Conv2d\(1, 2.*needs the image size"),
        ([nn.Linear(2, 3), nn.Sequential(nn.BatchNorm1d(3))], r"layer 1\.0 is BatchNorm1d"),
        ([nn.Linear(2, 3), nn.LeakyReLU(0.2)], r"layer 1 is LeakyReLU\(negative_slope=0.2\)"),
        ([nn.Linear(2, 3), nn.Softplus(beta=2)], r"layer 1 is Softplus\(beta=2"),
        ([nn.Linear(2, 3), nn.Tanh(), nn.Sigmoid()], r"layer 2 is Sigmoid\(\), a second activ"),
        ([nn.Tanh(), nn.Linear(2, 3)], r"layer 0 is Tanh\(\), before any nn.Linear"),
        ([nn.Linear(2, 3), nn.Linear(4, 1)], r"layer 1 is Linear\(in_features=4.*gives 3"),
        ([nn.Linear(2, 3), nn.Softmax(dim=0)], r"layer 1 is Softmax\(dim=0\)"),
    ],
)
def test_from_torch_refuses_other_layers_naming_the_layer(layers, where):
    """Anything but Linear and lernpy's activations is refused, the layer named by its path."""
    with pytest.raises(TorchError, match=where):
        from_torch(nn.Sequential(*layers))


def test_from_torch_refuses_a_module_that_is_not_a_sequential():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

    with pytest.raises(TorchError, match="cannot read a Net"):
        from_torch(Net())


def test_from_torch_refuses_a_to_torch_module_changed_after():
    """A layer added to to_torch's Sequential: the carried network no longer fits, said so."""
    model = to_torch(examples.mazur())
    model.append(nn.Tanh())
    with pytest.raises(TorchError, match="no longer the one to_torch made"):
        from_torch(model)


# -- training: k epochs of SGD in both ---------------------------------------------------


@FEW
@given(
    seed=seeds,
    momentum=st.sampled_from([0.0, 0.9]),
    batch_size=st.sampled_from([1, 2, 5]),
    shuffle=st.booleans(),
    reduce=st.sampled_from(["mean", "sum"]),
)
@example(seed=11, momentum=0.9, batch_size=2, shuffle=True, reduce="mean")
def test_k_epochs_of_sgd_end_on_the_same_weights(seed, momentum, batch_size, shuffle, reduce):
    """5 epochs in PyTorch and in lernpy: weights and velocities within 1e-10 relative."""
    worst = sgd_difference(seed, 5, momentum, batch_size, shuffle, reduce)
    assume(worst is not None)  # None: a neuron sat on a kink or saturated
    assert worst <= 1e-10


def test_momentum_moves_to_pytorch_and_back_at_a_constant_rate():
    """lernpy trains 4 epochs with momentum, PyTorch 4 more from its velocities: lernpy's 8."""
    data = datasets.xor()
    net = Network.layered(2, 3, 1, activation="tanh", output="sigmoid", seed=7)
    net.train(data, epochs=4, rate=0.3, momentum=0.8, shuffle=False)
    halfway = copy.deepcopy(net)
    net.train(data, epochs=4, rate=0.3, momentum=0.8, shuffle=False)
    model = to_torch(halfway)
    sgd = optimizer_to_torch(halfway, model, rate=0.3, momentum=0.8)
    buffer = sgd.state[model[0].weight]["momentum_buffer"]
    assert buffer[0, 0].item() == halfway["x1→h1"].velocity  # PyTorch's form: the same buffer
    loss_fn = torch_loss(halfway)
    for _ in range(4):
        for x, t in data:
            sgd.zero_grad()
            loss_fn(model(tensor([x])), tensor([t])).backward()
            sgd.step()
    back = from_torch(model)
    optimizer_from_torch(sgd, model, back)
    for a, b in zip(net.links, back.links):
        assert rel(a.weight, b.weight) <= 1e-12 and rel(a.velocity, b.velocity) <= 1e-12


@pytest.mark.parametrize("form", ["pytorch", "textbook"])
def test_momentum_under_a_changing_rate_agrees_only_in_pytorchs_form(form):
    """With the rate halved between steps PyTorch's momentum term halves too: lernpy's default
    form does the same; the textbook form (Δw = μ·Δw_prev − rate·g) does not."""
    net = Network.layered(1, 1, seed=1)
    sample = [((0.5,), (1.0,))]
    model = to_torch(net)
    sgd = optimizer_to_torch(net, model, rate=0.4, momentum=0.9)
    for rate in (0.4, 0.2):
        net.train(sample, epochs=1, rate=rate, optimizer=SGD(momentum=0.9, momentum_form=form))
        for group in sgd.param_groups:
            group["lr"] = rate
        sgd.zero_grad()
        torch_loss(net)(model(tensor([[0.5]])), tensor([[1.0]])).backward()
        sgd.step()
    theirs = model[0].weight.item()
    if form == "pytorch":
        assert rel(net["x1→y1"].weight, theirs) <= 1e-12
    else:
        assert abs(net["x1→y1"].weight - theirs) > 1e-4


def test_a_textbook_velocity_moves_as_minus_velocity_over_rate():
    """A version 1 network's velocity (the last change) becomes the buffer −Δw / rate."""
    net = Network.layered(2, 2, 1, seed=4)
    textbook = SGD(0.3, momentum=0.8, momentum_form="textbook")
    net.train(datasets.xor(), epochs=2, optimizer=textbook, shuffle=False)
    model = to_torch(net)
    sgd = optimizer_to_torch(net, model, rate=0.3, momentum=0.8)
    buffer = sgd.state[model[0].weight]["momentum_buffer"]
    assert buffer[0, 0].item() == -net["x1→h1"].velocity / 0.3


# -- compare ---------------------------------------------------------------------------


@SOME
@given(seed=seeds, pick=st.integers(0, 10**6), sign=st.sampled_from([-1, 1]))
def test_compare_names_exactly_the_link_whose_weight_the_pytorch_copy_changed(seed, pick, sign):
    """One weight moved in the PyTorch copy: compare names that link and no other."""
    net, samples = random_case(seed)
    assume(smooth(net, samples))
    model = to_torch(net)
    assert compare(net, model, samples[0]).ok
    link = net.links[pick % len(net.links)]
    name, index = places(net)[link.name]
    with torch.no_grad():
        dict(model.named_parameters())[name][index] += sign * 0.01
    assert compare(net, model, samples[0]).disagree == [link.name]


class LinearWithABentGradient(nn.Linear):
    """A layer computing the right function with a wrong gradient for one weight entry."""

    def forward(self, x):
        mask = torch.zeros_like(self.weight)
        mask[0, 1] = 1.0
        bent = self.weight + mask * (self.weight - self.weight.detach())  # value same, grad ×2
        return nn.functional.linear(x, bent, self.bias)


def test_compare_names_the_link_whose_gradient_pytorch_gets_wrong():
    """Same weights, same outputs, one gradient doubled: that link is named, as ∂E/∂w."""
    net = Network.layered(2, 2, 1, activation="tanh", seed=3)
    good = to_torch(net)
    model = nn.Sequential(LinearWithABentGradient(2, 2, dtype=F64), nn.Tanh(), good[2], good[3])
    with torch.no_grad():
        model[0].weight.copy_(good[0].weight)
        model[0].bias.copy_(good[0].bias)
    table = compare(net, model, ([0.4, -0.3], [0.5]))
    assert table.disagree == ["x2→h1"]
    (row,) = [r for r in table.rows if r[0] == "x2→h1"]
    assert row[2] * 2 == pytest.approx(row[3]) and row[-1] == "∂E/∂w"


def test_compare_leaves_the_network_and_the_modules_grad_alone():
    net = examples.mazur()
    model = to_torch(net)
    before = net.state()
    compare(net, model, examples.MAZUR_SAMPLE)
    assert net.state() == before
    assert all(p.grad is None for p in model.parameters())


def test_compare_refuses_a_module_of_another_shape():
    net = Network.layered(2, 2, 1)
    with pytest.raises(TorchError, match="layers are 2-3-1, the network's 2-2-1"):
        compare(net, nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)), ([0, 0], [0]))
    with pytest.raises(TorchError, match="only in the network b2→y1"):
        compare(net, nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1, bias=False)), ([0, 0], [0]))


RATIO = re.compile(r"\d\.\de[+-]\d\d")


def test_compare_shows_itself_as_a_table(rendered, golden):
    """Mazur's network with w5 moved in the PyTorch copy: the row says so (rel errors masked:
    their last digits belong to the machine's rounding)."""
    net = examples.mazur()
    model = to_torch(net)
    with torch.no_grad():
        model[2].weight[0, 0] += 0.01
    table = compare(net, model, examples.MAZUR_SAMPLE)
    golden("torch_compare_mazur", RATIO.sub("x.xe-xx", rendered(table, width=80)))
    assert "<table" in table._repr_html_() and "h1→o1" in repr(table)


# -- state dicts, .pt files, the command line --------------------------------------------


def test_state_dict_round_trip():
    """net → state dict → another net of the same shape: the same weights, bit for bit."""
    net, _ = random_case(5)
    other = copy.deepcopy(net)
    for link in other.links:
        link.weight = 0.0
    load_state_dict(other, state_dict(net))
    assert other.weights() == net.weights()


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda s: s.pop("0.bias"), r"missing 0\.bias"),
        (lambda s: s.update(extra=torch.zeros(1)), "unexpected extra"),
        (lambda s: s.update({"2.weight": torch.zeros(3, 3)}), r"'2\.weight' is \(3, 3\)"),
        (lambda s: s["0.weight"].__setitem__((1, 0), math.nan), r"link i1→h2: 0.weight\[1, 0\]"),
    ],
)
def test_load_state_dict_names_what_does_not_fit_and_changes_nothing(spoil, message):
    net = examples.mazur()
    state = state_dict(net)
    spoil(state)
    before = net.weights()
    with pytest.raises(TorchError, match=message):
        load_state_dict(net, state)
    assert net.weights() == before


def test_pt_file_round_trip_keeps_everything_and_pytorch_reads_it(tmp_path):
    """save → load: the network file's content again; plain torch.load reads the state dict."""
    net = Network.layered(2, 3, 2, activation="tanh", output="softmax", loss="cross_entropy")
    net.label("x1→h1", "w1")
    net.freeze("b2→y1")
    net.train([((0.1, 0.2), (0.0, 1.0))], epochs=3, rate=0.2, momentum=0.5)
    path = save(net, tmp_path / "net.pt")
    back = load(path)
    assert dumps(back) == dumps(net)  # every field: weights, velocities, labels, rng, …
    raw = torch.load(path, weights_only=True)
    model = to_torch(loads(raw["network"]))
    model.load_state_dict(raw["state_dict"])
    assert from_torch(model).weights() == net.weights()


def test_pt_file_carries_an_sgd_optimizers_momentum(tmp_path):
    """save(module, path, optimizer): load gives the links PyTorch's momentum buffer as state."""
    net = Network.layered(2, 2, 1, seed=8)
    model = to_torch(net)
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, t in datasets.xor():
        sgd.zero_grad()
        torch_loss(net)(model(tensor([x])), tensor([t])).backward()
        sgd.step()
    back = load(save(model, tmp_path / "m.pt", optimizer=sgd))
    buffer = sgd.state[model[0].weight]["momentum_buffer"]
    assert back["x2→h1"].state == State("sgd", velocity=buffer[0, 1].item())
    assert back.weights() == from_torch(model).weights()


def touch(path):
    Path(path).touch()


class Boom:
    """Unpickling this would write a file: a .pt holding it must never be unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (touch, (str(self.path),))


def test_pt_file_with_a_pickled_object_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    torch.save({"format": "lernpy-torch", "version": 1, "network": Boom(marker)}, path)
    with pytest.raises(
        TorchFileError, match=r"evil.pt: holds a pickled Python object \(.*\.touch\)"
    ):
        load(path)
    assert not marker.exists()
    whole = tmp_path / "model.pt"
    torch.save(nn.Sequential(nn.Linear(2, 1)), whole)  # the whole module, pickled
    with pytest.raises(TorchFileError, match="container.Sequential.*lernpy.torch.save"):
        load(whole)


def test_pt_file_that_is_not_lernpys_gets_a_clear_error(tmp_path):
    bare = tmp_path / "sd.pt"
    torch.save(nn.Linear(2, 1).state_dict(), bare)
    with pytest.raises(TorchFileError, match="bare state dict .keys weight, bias"):
        load(bare)
    text = tmp_path / "net.json"
    text.write_text("{}")
    with pytest.raises(TorchFileError, match="is not a PyTorch file"):
        load(text)
    with pytest.raises(TorchFileError, match="no such file"):
        load(tmp_path / "nope.pt")
    buffer = io.BytesIO()
    torch.save({"format": "lernpy-torch", "version": 4}, buffer)
    (tmp_path / "new.pt").write_bytes(buffer.getvalue())
    with pytest.raises(TorchFileError, match="version 4: this lernpy reads version 1 to 3"):
        load(tmp_path / "new.pt")


def lernpy(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lernpy", *args], capture_output=True, text=True, cwd=cwd,
        timeout=300,
    )  # fmt: skip


def test_cli_export_then_import_gives_the_same_network_file(tmp_path, monkeypatch, capsys):
    """lernpy export net.json -o net.pt; lernpy import net.pt -o back.json: the same file,
    the optimizer's state carried as torch.optim.Adam's.

    Export runs as a user runs it (a process); import and its refusal run in this one
    (PyTorch is slow to import, and main() is what the process would run).
    """
    from lernpy.cli.main import main

    net = Network.layered(2, 3, 1, activation="tanh", seed=1)
    net.freeze("x1→h1")
    fit(net, datasets.xor(), epochs=2, optimizer=Adam(rate=0.05))  # as lernpy train does
    text = dumps(loads(dumps(net)))  # the network file as lernpy train writes it
    (tmp_path / "net.json").write_text(text, encoding="utf-8")
    done = lernpy("export", "net.json", "-o", "net.pt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote net.pt" in done.stdout and "GraphModule" in done.stdout
    assert "Adam(rate=0.05)'s state as torch.optim.Adam" in done.stdout
    entry = torch.load(tmp_path / "net.pt", weights_only=True)["optimizer"]
    assert entry["name"] == "Adam" and entry["state_dict"]["state"][0]["step"].item() == 8
    monkeypatch.chdir(tmp_path)
    assert main(["import", "net.pt", "-o", "back.json"]) == 0
    assert "with Adam(rate=0.05)'s state" in capsys.readouterr().out
    assert (tmp_path / "back.json").read_text(encoding="utf-8") == text
    torch.save({"x": Boom(tmp_path / "ran")}, tmp_path / "evil.pt")
    capsys.readouterr()
    assert main(["import", "evil.pt"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lernpy: error: evil.pt: holds a pickled Python object")
    assert "Traceback" not in err and not (tmp_path / "ran").exists()


# -- the mapping spelled out ---------------------------------------------------------------


def test_a_neurons_sensitivity_is_the_gradient_at_its_pre_activation():
    """Mazur: z.grad of each Linear's output is the sensitivity (∂E/∂net) of its neurons."""
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, rate=0.0).run(until="update")
    model = to_torch(net)
    x, t = examples.MAZUR_SAMPLE
    z1 = model[0](tensor(x))
    z2 = model[2](model[1](z1))
    for z in (z1, z2):
        z.retain_grad()
    torch_loss(net)(model[3](z2), tensor(t)).backward()
    assert z2.grad.tolist() == pytest.approx([net["o1"].sensitivity, net["o2"].sensitivity], 1e-15)
    assert z1.grad.tolist() == pytest.approx([net["h1"].sensitivity, net["h2"].sensitivity], 1e-15)
    assert model[2].weight.grad[0, 0].item() == pytest.approx(0.082167041, abs=1e-9)  # Mazur's
