"""Optimizer state between lernpy and torch.optim: every optimizer both sides have.

The oracle is torch.optim itself: k updates in lernpy, the state moved to
PyTorch, k more in PyTorch must end where 2k updates in lernpy end (and the
other way round), to 1e-12. Without PyTorch every test here skips.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: lernpy.torch is optional (pip install 'torch==2.13.0+cpu')",
)

from lernpy import Network, fit  # noqa: E402
from lernpy.data.netfile import dumps, loads  # noqa: E402
from lernpy.optim import SGD, AdaGrad, Adam, AdamW, RMSProp, State  # noqa: E402
from lernpy.torch import (  # noqa: E402
    TorchError,
    TorchFileError,
    from_torch,
    load,
    optimizer_from_torch,
    optimizer_of,
    optimizer_to_torch,
    save,
    to_torch,
    torch_counterpart,
)
from tests.torchcases import optimizers, torch_epochs  # noqa: E402

F64 = torch.float64
K = 3  # epochs on each side; two batches an epoch: six updates
DATA = [
    ((0.2, -0.4), (0.1, 0.9)),
    ((-0.7, 0.5), (0.8, 0.3)),
    ((0.9, 0.1), (0.4, 0.6)),
    ((-0.3, -0.8), (0.7, 0.2)),
]

BOTH, CONVERTED = optimizers()


def networks() -> list[Network]:
    """A layered network (an nn.Sequential) and one with a skip link (a GraphModule)."""
    layered = Network.layered(2, 3, 2, activation="tanh", output="sigmoid", seed=5)
    skip = Network.layered(2, 3, 2, activation="tanh", output="sigmoid", seed=6)
    skip.add_link(skip["x1"], skip["y2"], 0.3)
    return [layered, skip]


def lernpy_train(net: Network, optimizer, epochs: int = K) -> None:
    net.train(DATA, epochs=epochs, optimizer=optimizer, batch_size=2, shuffle=False)


def torch_train(net: Network, model, optimizer, epochs: int = K) -> None:
    """What lernpy_train does, with torch.optim: the same batches, the mean loss."""
    torch_epochs(net, model, optimizer, DATA, epochs, 2)


def worst(a: Network, b: Network) -> float:
    """The largest weight difference, relative to max(1, |w|)."""
    return max(
        abs(x.weight - y.weight) / max(1.0, abs(x.weight), abs(y.weight))
        for x, y in zip(a.links, b.links)
    )


def same_torch_state(a: dict, b: dict) -> None:
    """Two optimizer state dicts hold the same entries, each within 1e-12 of its largest."""
    assert set(a["state"]) == set(b["state"])
    for key, ours in a["state"].items():
        assert set(ours) == set(b["state"][key])
        for name, x in ours.items():
            y = b["state"][key][name].to(F64)
            x = x.to(F64)
            if x.numel() or y.numel():
                scale = max(x.abs().max().item(), y.abs().max().item(), 1e-300)
                assert (x - y).abs().max().item() <= 1e-12 * scale, (key, name)


def ids(optimizer) -> str:
    return optimizer.describe()


@pytest.mark.parametrize("optimizer", BOTH + CONVERTED, ids=ids)
def test_k_updates_in_lernpy_then_k_in_torch_are_2k_in_lernpy(optimizer):
    """lernpy trains k, torch.optim goes on k from the moved state: lernpy's 2k, to 1e-12."""
    for net in networks():
        lernpy_train(net, optimizer)
        halfway = copy.deepcopy(net)
        lernpy_train(net, optimizer)
        model = to_torch(halfway)
        theirs = optimizer_to_torch(halfway, model, optimizer)
        assert type(theirs).__name__ == torch_counterpart(optimizer)[0]
        torch_train(halfway, model, theirs)
        back = from_torch(model)
        assert worst(net, back) <= 1e-12
        # the state too, compared in torch's terms
        same_torch_state(
            optimizer_to_torch(net, to_torch(net), optimizer).state_dict(), theirs.state_dict()
        )


@pytest.mark.parametrize("optimizer", BOTH, ids=ids)
def test_k_updates_in_torch_then_k_in_lernpy_are_2k_in_torch(optimizer):
    """torch.optim trains k, lernpy goes on k from the moved state: torch's 2k, to 1e-12."""
    name, options = torch_counterpart(optimizer)
    for net in networks():
        model = to_torch(net)
        theirs = getattr(torch.optim, name)(model.parameters(), **options)
        torch_train(net, model, theirs)
        back = from_torch(model)
        mine = optimizer_from_torch(theirs, model, back)
        assert mine == optimizer
        lernpy_train(back, mine)
        torch_train(net, model, theirs)
        assert worst(from_torch(model), back) <= 1e-12
        for link in back.links:  # lernpy's state is PyTorch's, entry by entry
            assert link.state is not None and link.state.kind == optimizer.kind


def test_adam_with_decoupled_weight_decay_is_adamw_both_ways():
    """torch.optim.Adam(decoupled_weight_decay=True) is lernpy's Adam(decay="decoupled"),
    which goes back as torch.optim.AdamW; the three agree."""
    net = networks()[0]
    model = to_torch(net)
    adam = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=0.1,
                            decoupled_weight_decay=True)  # fmt: skip
    torch_train(net, model, adam)
    back = from_torch(model)
    mine = optimizer_from_torch(adam, model, back)
    assert mine == Adam(0.02, weight_decay=0.1, decay="decoupled")
    assert torch_counterpart(mine)[0] == "AdamW"
    again = to_torch(back)
    adamw = optimizer_to_torch(back, again, mine)
    lernpy_train(back, mine)
    torch_train(net, model, adam)
    torch_train(net, again, adamw)
    assert worst(back, from_torch(model)) <= 1e-12
    assert worst(back, from_torch(again)) <= 1e-12


@pytest.mark.parametrize(
    ("optimizer", "option"),
    [
        (AdaGrad(0.1, epsilon="inside"), "epsilon='inside'"),
        (RMSProp(0.01, epsilon="inside"), "epsilon='inside'"),
        (Adam(0.01, epsilon="inside"), "epsilon='inside'"),
        (Adam(0.01, epsilon="hat"), "epsilon='hat'"),
        (SGD(0.1, momentum=0.9, weight_decay=0.1, decay="decoupled"), "decay='decoupled'"),
        (RMSProp(0.01, weight_decay=0.1, decay="decoupled"), "decay='decoupled'"),
        (Adam(0.01, clip_norm=1.0), "clip_norm=1.0"),
        (SGD(0.1, clip_value=0.5), "clip_value=0.5"),
    ],
    ids=lambda v: v if isinstance(v, str) else ids(v),
)
def test_a_convention_torch_optim_has_no_option_for_is_refused_by_name(optimizer, option):
    """ε inside the square root, TensorFlow's ε̂, decoupled decay outside Adam, clipping."""
    net = networks()[1]
    lernpy_train(net, optimizer, epochs=1)
    with pytest.raises(TorchError, match=option.replace("(", r"\(")):
        optimizer_to_torch(net, to_torch(net), optimizer)
    with pytest.raises(TorchError, match=option):
        torch_counterpart(optimizer)


def test_what_cannot_be_one_parameters_state_is_refused_naming_the_links():
    """Different step counts in one parameter; another optimizer's state; and from torch:
    an optimizer lernpy lacks, maximize, parameter groups that differ. Nothing changes."""
    net = networks()[0]
    lernpy_train(net, Adam(0.01), epochs=1)
    before = [link.state for link in net.links]
    net["x1→h1"].state = net["x1→h1"].state._replace(t=7)
    with pytest.raises(TorchError, match=r"x1→h1 \(t = 7\).*share '0.weight'|t = 2.*t = 7"):
        optimizer_to_torch(net, to_torch(net), Adam(0.01))
    net["x1→h1"].state = before[0]
    with pytest.raises(TorchError, match="link x1→h1 keeps adam state.*reset_optimizer"):
        optimizer_to_torch(net, to_torch(net), rate=0.1, momentum=0.9)
    model = to_torch(net)
    refusals = [
        (torch.optim.NAdam(model.parameters()), "no counterpart for torch.optim.NAdam"),
        (torch.optim.SGD(model.parameters(), lr=0.1, maximize=True), "maximize=True"),
        (
            torch.optim.Adam(
                [
                    {"params": [model[0].weight], "lr": 0.1},
                    {"params": [p for n, p in model.named_parameters() if n != "0.weight"]},
                ]
            ),
            r"groups differ in lr \(0.1, 0.001\)",
        ),
    ]
    for theirs, message in refusals:
        with pytest.raises(TorchError, match=message):
            optimizer_from_torch(theirs, model, net)
        assert [link.state for link in net.links] == before


def test_fresh_links_and_a_first_step_of_two_go_over_exactly():
    """No state yet: torch.optim starts it as lernpy does (AdaGrad's accumulator included);
    Adam(first_step=2) from fresh needs torch's step to start at 1."""
    for optimizer in (AdaGrad(0.1, initial_accumulator_value=0.5), Adam(0.02, first_step=2)):
        net = networks()[0]
        model = to_torch(net)
        theirs = optimizer_to_torch(net, model, optimizer)
        torch_train(net, model, theirs)
        lernpy_train(net, optimizer)
        assert worst(net, from_torch(model)) <= 1e-12


# -- .pt files ------------------------------------------------------------------------------


def test_pt_file_names_the_optimizer_and_round_trips_its_state(tmp_path):
    """fit with Adam, save: the file names torch.optim.Adam with its options and state; load
    gives the network file back exactly; lernpy and plain PyTorch go on from it alike."""
    net = networks()[1]
    fit(net, DATA, epochs=K, optimizer=AdamW(0.02, amsgrad=True), batch_size=2, shuffle=False)
    path = save(net, tmp_path / "net.pt")
    back = load(path)
    assert dumps(back) == dumps(loads(dumps(net)))  # what the network file keeps, all of it
    assert optimizer_of(back) == AdamW(0.02, amsgrad=True)
    raw = torch.load(path, weights_only=True)
    entry = raw["optimizer"]
    assert entry["name"] == "AdamW" and entry["options"]["betas"] == (0.9, 0.999)
    assert entry["lernpy"]["name"] == "adamw"
    # a PyTorch user: the module from the file, the optimizer from its name and options
    model = to_torch(back)
    model.load_state_dict(raw["state_dict"])
    theirs = getattr(torch.optim, entry["name"])(model.parameters(), **entry["options"])
    theirs.load_state_dict(entry["state_dict"])
    torch_train(net, model, theirs)
    lernpy_train(back, optimizer_of(back))
    assert worst(back, from_torch(model)) <= 1e-12


@pytest.mark.parametrize(
    "optimizer",
    [SGD(0.1, momentum=0.8, momentum_form="textbook"), Adam(0.02, first_step=2)],
    ids=ids,
)
def test_a_converted_convention_round_trips_bit_for_bit(tmp_path, optimizer):
    """The textbook velocity goes over as −Δw/rate, first_step as an offset of step; load keeps
    lernpy's own numbers (the text's), since the entry says the same."""
    net = networks()[0]
    lernpy_train(net, optimizer)
    back = load(save(net, tmp_path / "net.pt", optimizer))
    assert [link.state for link in back.links] == [link.state for link in net.links]
    assert optimizer_of(back) == optimizer


def test_pt_file_of_a_module_carries_its_torch_optimizer(tmp_path):
    """save(model, path, rmsprop): lernpy loads PyTorch's state and goes on as PyTorch does."""
    net = networks()[0]
    model = to_torch(net)
    rmsprop = torch.optim.RMSprop(model.parameters(), lr=0.01, momentum=0.9, centered=True)
    torch_train(net, model, rmsprop)
    back = load(save(model, tmp_path / "m.pt", optimizer=rmsprop))
    state = rmsprop.state[model[0].weight]
    assert back["x2→h1"].state == State(
        "rmsprop",
        t=6,
        square=state["square_avg"][0, 1].item(),
        grad_avg=state["grad_avg"][0, 1].item(),
        velocity=state["momentum_buffer"][0, 1].item(),
    )
    lernpy_train(back, optimizer_of(back))
    torch_train(net, model, rmsprop)
    assert worst(back, from_torch(model)) <= 1e-12


def test_pt_file_takes_the_state_pytorch_changed(tmp_path):
    """PyTorch trained on from the file and saved its optimizer's state into it: load takes it."""
    net = networks()[0]
    lernpy_train(net, Adam(0.02))
    path = save(net, tmp_path / "net.pt", Adam(0.02))
    raw = torch.load(path, weights_only=True)
    model = to_torch(load(path))
    entry = raw["optimizer"]
    adam = getattr(torch.optim, entry["name"])(model.parameters(), **entry["options"])
    adam.load_state_dict(entry["state_dict"])
    torch_train(net, model, adam)
    raw["state_dict"], entry["state_dict"] = model.state_dict(), adam.state_dict()
    torch.save(raw, path)
    back = load(path)
    lernpy_train(net, Adam(0.02))
    assert worst(back, net) <= 1e-12
    assert back["h1→y1"].state.t == 12 and optimizer_of(back) == Adam(0.02)


def test_an_optimizer_without_a_torch_counterpart_stays_in_the_text(tmp_path):
    """fit with ε inside: the file has no torch optimizer, the text keeps the state; asked for
    explicitly, such an optimizer is an error naming the option."""
    net = networks()[0]
    inside = RMSProp(0.01, epsilon="inside")
    fit(net, DATA, epochs=1, optimizer=inside, batch_size=2, shuffle=False)
    path = save(net, tmp_path / "net.pt")
    assert torch.load(path, weights_only=True)["optimizer"] is None
    assert dumps(load(path)) == dumps(loads(dumps(net)))
    with pytest.raises(TorchError, match="epsilon='inside'"):
        save(net, tmp_path / "other.pt", inside)
    assert not (tmp_path / "other.pt").exists()


def test_a_version_1_file_and_a_spoilt_entry(tmp_path):
    """A version 1 file (a bare SGD state dict) still loads; an entry naming something other
    than a torch.optim optimizer lernpy knows is refused, naming it."""
    net = networks()[0]
    lernpy_train(net, SGD(0.1, momentum=0.9))
    model = to_torch(net)
    sgd = optimizer_to_torch(net, model, SGD(0.1, momentum=0.9))
    old = {"format": "lernpy-torch", "version": 1, "network": dumps(net),
           "state_dict": model.state_dict(), "optimizer": sgd.state_dict()}  # fmt: skip
    torch.save(old, tmp_path / "v1.pt")
    assert [link.state for link in load(tmp_path / "v1.pt").links] == [
        link.state for link in net.links
    ]
    path = save(net, tmp_path / "net.pt", SGD(0.1, momentum=0.9))
    raw = torch.load(path, weights_only=True)
    raw["optimizer"]["name"] = "LBFGS"
    torch.save(raw, path)
    with pytest.raises(TorchFileError, match="its optimizer is 'LBFGS': expected one of SGD"):
        load(path)


def test_the_rate_of_a_call_and_the_networks_own_optimizer():
    """rate= with an optimizer is a copy at that rate; with nothing given the network's own
    (fit records it), and none is an error saying how to name one."""
    net = networks()[0]
    with pytest.raises(TorchError, match="names no optimizer"):
        optimizer_to_torch(net, to_torch(net))
    fit(net, DATA, epochs=1, optimizer=Adam(0.02), batch_size=2)
    assert optimizer_to_torch(net, to_torch(net)).defaults["lr"] == 0.02
    assert optimizer_to_torch(net, to_torch(net), "adam", rate=0.5).defaults["lr"] == 0.5
    model = to_torch(net)
    moved = optimizer_to_torch(net, model, "adam", rate=0.5)
    assert optimizer_from_torch(moved, model, net) == replace(Adam(0.02), rate=0.5)
