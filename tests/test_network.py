"""The Network builder: names, order, lookup, weights, topology, and bad input."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lernpy import (
    Activation,
    BadValueError,
    LernpyError,
    Network,
    ShapeError,
    TopologyError,
    UnknownNameError,
    examples,
)


def test_default_names_single_hidden_layer():
    net = Network.layered(2, 3, 1)
    assert [n.name for n in net.layers[1]] == ["h1", "h2", "h3"]
    assert [n.name for n in net.inputs] == ["x1", "x2"]
    assert [n.name for n in net.outputs] == ["y1"]
    assert [n.name for n in net.biases] == ["b1", "b2"]


def test_default_names_several_hidden_layers():
    net = Network.layered(2, 3, 2, 1)
    assert [n.name for n in net.layers[1]] == ["h1_1", "h1_2", "h1_3"]
    assert [n.name for n in net.layers[2]] == ["h2_1", "h2_2"]


def test_user_names_as_in_mazur():
    """i1 i2 / h1 h2 / o1 o2 / b1 b2 is expressible, as a string or as lists."""
    a = Network.layered(2, 2, 2, names="i1 i2 / h1 h2 / o1 o2 / b1 b2")
    b = Network.layered(
        2, 2, 2, names=[["i1", "i2"], ["h1", "h2"], ["o1", "o2"]], bias_names=["b1", "b2"]
    )
    assert [n.name for n in a.neurons] == [n.name for n in b.neurons]
    assert [n.name for n in a.neurons] == ["i1", "i2", "b1", "h1", "h2", "b2", "o1", "o2"]


def test_links_are_ordered_by_target_with_bias_last():
    net = examples.mazur()
    assert [link.label for link in net.links if link.label] == [f"w{k}" for k in range(1, 9)]
    assert [link.name for link in net["h1"].incoming] == ["i1→h1", "i2→h1", "b1→h1"]


def test_neurons_are_in_topological_order():
    net = Network.layered(3, 4, 2, 2)
    net.add_link("x1", "y2")
    seen = set()
    for n in net.neurons:
        assert all(link.source in seen for link in n.incoming), n.name
        seen.add(n)


def test_lookup_by_name_ascii_arrow_and_label():
    net = examples.mazur()
    link = net["h1→o1"]
    assert net["h1->o1"] is link and net["h1 -> o1"] is link and net["w5"] is link
    assert net["h1"] is link.source
    with pytest.raises(UnknownNameError, match="no link named 'h9->o1'"):
        net["h9->o1"]


def test_bias_switched_off_per_layer():
    net = Network.layered(2, 2, 1, bias=[False, True])
    assert [n.name for n in net.biases] == ["b2"]
    assert len(net.links) == 4 + 3


def test_weights_from_matrices_use_rows_for_targets_and_bias_last():
    net = Network.layered(2, 2, 2, names="i1 i2 / h1 h2 / o1 o2 / b1 b2",
                          matrices=[[[0.15, 0.20, 0.35], [0.25, 0.30, 0.35]],
                                    [[0.40, 0.45, 0.60], [0.50, 0.55, 0.60]]])  # fmt: skip
    mazur = examples.mazur()
    assert net.weights() == mazur.weights()
    assert net.matrix(2) == [[0.40, 0.45, 0.60], [0.50, 0.55, 0.60]]


def test_seed_fixes_the_initial_weights_and_no_global_rng_is_used():
    import random

    random.seed(1)
    a = Network.layered(3, 5, 2, seed=7).weights()
    random.seed(2)
    b = Network.layered(3, 5, 2, seed=7).weights()
    assert a == b
    assert Network.layered(3, 5, 2, seed=8).weights() != a


@pytest.mark.parametrize(
    "init, fan_in, fan_out, limit",
    [("xavier", 3, 5, math.sqrt(6 / 8)), ("he", 3, 5, math.sqrt(6 / 3)), ("uniform", 3, 5, 0.5)],
)
def test_init_schemes_stay_in_their_range(init, fan_in, fan_out, limit):
    net = Network.layered(fan_in, fan_out, bias=False, init=init, seed=3)
    weights = list(net.weights().values())
    assert all(-limit <= w <= limit for w in weights)
    assert max(abs(w) for w in weights) > limit / 4  # drawn, not all zero


def test_skip_links_and_forward_through_a_dag():
    """A skip link adds weight · source to the target's net (checked by hand)."""
    net = Network.layered(
        1, 1, 1, activation="identity", bias=False, weights={"x1→h1": 2.0, "h1→y1": 3.0}
    )
    assert net([1.5]) == [9.0]
    net.add_link("x1", "y1", 0.5)
    assert net([1.5]) == [9.0 + 0.75]
    net.remove_link("x1->y1")
    assert net([1.5]) == [9.0]


def test_softmax_output_layer_by_hand():
    net = Network.layered(1, 2, activation="identity", output="softmax", loss="cross_entropy",
                          bias=False, weights={"x1→y1": 1.0, "x1→y2": 2.0})  # fmt: skip
    values = net([1.0])
    e1, e2 = math.exp(1.0), math.exp(2.0)
    assert values == pytest.approx([e1 / (e1 + e2), e2 / (e1 + e2)], rel=1e-15)


def state_of(net):
    return repr(net.state())


BAD_BUILDS = [
    (lambda: Network.layered(2, 0, 1), BadValueError, "size of layer 1 is 0"),
    (lambda: Network.layered(2), ShapeError, "at least 2"),
    (lambda: Network.layered(2, 1, activation="sigmod"), UnknownNameError, "sigmod"),
    (lambda: Network.layered(2, 1, loss="l1"), UnknownNameError, "unknown loss 'l1'"),
    (lambda: Network.layered(2, 1, weights={"x9→y1": 1.0}), UnknownNameError, "x9→y1"),
    (lambda: Network.layered(2, 1, weights={"x1→y1": "a"}), BadValueError, "expected a number"),
    (lambda: Network.layered(2, 1, names="a b / a"), TopologyError, "exists already"),
    (lambda: Network.layered(2, 1, init="zeros"), UnknownNameError, "unknown init"),
]


@pytest.mark.parametrize("build, error, message", BAD_BUILDS)
def test_bad_builds_name_what_is_wrong(build, error, message):
    with pytest.raises(error, match=message):
        build()


BAD_CHANGES = [
    (lambda n: n.add_link("y1", "h1"), TopologyError, "output neuron"),
    (lambda n: n.add_link("h1", "x1"), TopologyError, "nothing links into it"),
    (lambda n: n.add_link("x1", "h1"), TopologyError, "exists already"),
    (lambda n: n.add_neuron("h1"), TopologyError, "exists already"),
    (lambda n: n.add_neuron("h->1"), TopologyError, "holds an arrow"),
    (lambda n: n.set_weights({"x1→h1": 0.1, "x1→y9": 0.2}), UnknownNameError, "x1→y9"),
    (lambda n: n.set_weights({"x1→h1": 0.1, "x2→h1": math.nan}), BadValueError, "finite"),
    (lambda n: n.set_matrix(1, [[1.0, 2.0]]), ShapeError, "expected 2, one per neuron h1, h2"),
    (lambda n: n.set_matrix(1, 5), ShapeError, "expected a list of rows"),
    (lambda n: n.set_matrix(1, [[1.0, 2.0, 3.0], 4.0]), ShapeError, "expected a list of rows"),
    (lambda n: n.set_matrix("1", [[1.0]]), ShapeError, "expected a whole number 1 to 2"),
    (lambda n: n.set_weights([1.0]), BadValueError, "expected a mapping"),
    (lambda n: n.forward([1.0]), ShapeError, "1 values: expected 2"),
    (lambda n: n.forward([1.0, None]), BadValueError, "value 2 .input x2. is None"),
    (lambda n: n.forward([1.0, "2"]), BadValueError, "expected a number"),
    (lambda n: n.forward([math.inf, 1.0]), BadValueError, "inf: expected a finite number"),
    (lambda n: n.forward("ab"), ShapeError, "expected a sequence of 2 numbers"),
    (lambda n: n.loss([1.0, 2.0], [0.5, 0.5]), ShapeError, "target has 2 values: expected 1"),
    (
        lambda n: n.scheduler([((1, 2), (1,)), ((1, 2), (math.nan,))]),
        BadValueError,
        "sample 1 target",
    ),
    (lambda n: n.scheduler([((1, 2), (1,))], rate=-1), LernpyError, "rate is -1"),
    (lambda n: n.scheduler([((1, 2), (1,))], batch_size=0), LernpyError, "batch_size is 0"),
    (lambda n: n.scheduler([((1, 2), (1,))], update="now"), UnknownNameError, "update is 'now'"),
    (lambda n: n.train([((1, 2), (1,))], epochs=0), LernpyError, "epochs is 0"),
    (lambda n: n.train([]), ShapeError, "data is empty"),
]


@pytest.mark.parametrize("change, error, message", BAD_CHANGES)
def test_failed_calls_name_the_fault_and_change_nothing(change, error, message):
    """Each bad call raises a LernpyError naming the problem; the state is as before."""
    net = Network.layered(2, 2, 1, seed=5)
    net.forward([0.3, 0.7])
    before, names = state_of(net), [n.name for n in net.neurons] + [x.name for x in net.links]
    with pytest.raises(error, match=message):
        change(net)
    assert state_of(net) == before
    assert [n.name for n in net.neurons] + [x.name for x in net.links] == names


def test_a_cycle_is_an_error_and_nothing_changes():
    net = Network(seed=0)
    net.add_neuron("x1", kind="input")
    for name in ("a", "b", "c"):
        net.add_neuron(name)
    net.add_neuron("y1", kind="output")
    net.add_link("x1", "a")
    net.add_link("a", "b")
    net.add_link("b", "c")
    net.add_link("c", "y1")
    before = [link.name for link in net.links]
    with pytest.raises(TopologyError, match="c→a would close a cycle"):
        net.add_link("c", "a")
    assert [link.name for link in net.links] == before
    assert net([1.0])  # still runs


def test_custom_activation_in_a_network():
    cube = Activation.custom("cube", lambda x: x**3, lambda x: 3 * x * x)
    net = Network.layered(1, 1, activation=cube, bias=False, weights={"x1→y1": 2.0})
    assert net([1.5]) == [27.0]
    assert "cube" in repr(net)


def test_repr_is_short_and_informative():
    assert (
        repr(Network.layered(2, 3, 1, seed=4))
        == "Network(2-3-1, sigmoid, loss=half_sse, 13 links, seed=4)"
    )


@given(
    big=st.integers(2**1024, 2**1100),
    where=st.sampled_from(["input", "target", "weight", "set_weights"]),
)
def test_an_int_too_large_for_a_float_is_a_bad_value_and_changes_nothing(big, where):
    """10**400 as an input, target or weight: a BadValueError naming it, not an OverflowError."""
    net = Network.layered(2, 2, 1, seed=5)
    net.forward([0.3, 0.7])
    before = state_of(net)
    calls = {
        "input": lambda: net.forward([big, 0.0]),
        "target": lambda: net.train([((0.1, 0.2), (big,))]),
        "weight": lambda: net.add_link("x1", "y1", big),
        "set_weights": lambda: net.set_weights({"x1→h1": big}),
    }
    with pytest.raises(BadValueError, match="too large"):
        calls[where]()
    assert state_of(net) == before


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda n: n.add_neuron("z", layer="a"), "layer is 'a'"),
        (lambda n: n.add_neuron("z", layer=-1), "layer is -1"),
        (lambda n: n.label("x1→h1", 5), "label 5"),
        (lambda n: n.train([((0.1, 0.2), (1.0,))], epochs=2, callback=5), "callback is 5"),
    ],
)
def test_bad_arguments_are_lernpy_errors_and_change_nothing(change, message):
    """A layer that is not a whole number, a label that is not text, a callback that is not."""
    net = Network.layered(2, 2, 1, seed=5)
    net.forward([0.3, 0.7])
    before, names = state_of(net), [n.name for n in net.neurons] + [x.name for x in net.links]
    with pytest.raises(LernpyError, match=message):
        change(net)
    assert state_of(net) == before
    assert [n.name for n in net.neurons] + [x.name for x in net.links] == names
    assert len(net.layers) == 3


def test_a_data_list_checked_before_is_checked_again_when_a_sample_changes():
    """train() does not check a list of float tuples twice, but a list changed in place (a
    sample replaced, one added) is checked again, and a bad number is found."""
    from lernpy.graph.samples import check_data

    net = Network.layered(2, 2, 1, seed=0)
    data = [((0.0, 1.0), (1.0,)), ((1.0, 0.0), (1.0,))]
    first = check_data(net, data)
    assert check_data(net, data) is first  # the very same samples: not checked again
    data[1] = ((1.0, float("nan")), (1.0,))
    with pytest.raises(LernpyError, match="sample 1"):
        check_data(net, data)
    data[1] = ((1.0, 0.0), (0.0,))
    assert check_data(net, data) == [((0.0, 1.0), (1.0,)), ((1.0, 0.0), (0.0,))]
    data.append(((2.0, "x"), (1.0,)))
    with pytest.raises(LernpyError, match="sample 2"):
        check_data(net, data)


# -- finding 7: deep networks, added in any order ------------------------------------------


def _deep_chain(depth: int, reverse_links: bool = False) -> Network:
    """x → n0 → n1 → … → y, neurons added deepest first, links forward or backward."""
    net = Network(seed=0)
    net.add_neuron("y", "identity", kind="output", layer=1)
    for i in reversed(range(depth)):
        net.add_neuron(f"n{i}", "tanh", layer=1)
    net.add_neuron("x", kind="input")
    chain = ["x", *(f"n{i}" for i in range(depth)), "y"]
    pairs = list(zip(chain, chain[1:]))
    for source, target in reversed(pairs) if reverse_links else pairs:
        net.add_link(source, target, 1.0)
    return net


@pytest.mark.parametrize("reverse_links", [False, True])
def test_a_network_thousands_of_links_deep_builds_in_any_order(reverse_links):
    """No recursion limit: depth is worked out with a loop, and the order is topological."""
    net = _deep_chain(3000, reverse_links)
    assert [n.name for n in net.neurons][:3] == ["x", "n0", "n1"]
    assert net.depth(net["y"]) == 3001
    assert net([0.5]) == pytest.approx([math.tanh(0.5)], abs=1.0)  # it runs, all the way down


def test_a_deep_network_file_in_deepest_first_order_loads():
    from lernpy.data.netfile import dumps, loads

    net = _deep_chain(1500)
    again = loads(dumps(net))
    assert [n.name for n in again.neurons] == [n.name for n in net.neurons]
    assert again([0.25]) == net([0.25])


def test_a_cycle_through_a_deep_chain_is_refused_and_nothing_changes():
    net = _deep_chain(2000)
    before = [link.name for link in net.links]
    with pytest.raises(TopologyError, match="n1999→n0 would close a cycle"):
        net.add_link("n1999", "n0")
    assert [link.name for link in net.links] == before and net.depth(net["y"]) == 2001


# -- finding 14: building and loading are near-linear --------------------------------------


def calls(work) -> int:
    """How many Python calls (and generator steps) ``work()`` makes: a count, not a time."""
    import sys

    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


def _wired_by_hand(width: int, reverse: bool = False) -> Network:
    """Two hidden layers of ``width``, wired link by link (outputs first when ``reverse``)."""
    net = Network(seed=1)
    names = [[f"x{i}" for i in range(width)], [f"h{i}" for i in range(width)],
             [f"g{i}" for i in range(width)], ["y"]]  # fmt: skip
    for layer, group in enumerate(names):
        kind = "input" if layer == 0 else "output" if layer == 3 else "hidden"
        for name in group:
            net.add_neuron(name, "identity" if layer == 0 else "tanh", kind, layer)
    pairs = [(a, b) for i in range(3) for b in names[i + 1] for a in names[i]]
    for a, b in reversed(pairs) if reverse else pairs:
        net.add_link(a, b, 0.1)
    return net


@pytest.mark.parametrize("reverse", [False, True])
def test_wiring_link_by_link_grows_linearly_with_the_links(reverse):
    """Four times the links, about four times the work (the order was re-sorted per link)."""
    small = calls(lambda: _wired_by_hand(12, reverse))
    large = calls(lambda: _wired_by_hand(24, reverse))
    assert large / small < 5.5  # links grow 3.8×; quadratic work would grow about 14×


def test_loading_grows_linearly_with_the_links():
    from lernpy.data.netfile import dumps, loads

    small, large = dumps(_wired_by_hand(12)), dumps(_wired_by_hand(24))
    assert calls(lambda: loads(large)) / calls(lambda: loads(small)) < 5.5


def test_a_deep_copy_trains_exactly_as_the_original():
    """Activations and losses are known by identity (the fused softmax + cross-entropy
    shortcut): a copied network keeps them, so it trains to the same bits."""
    import copy

    net = Network.layered(1, 1, 2, output="softmax", loss="cross_entropy", seed=0)
    twin = copy.deepcopy(net)
    assert twin.outputs[0].activation is net.outputs[0].activation
    assert twin.loss_function is net.loss_function
    data = [((0.0,), (1.0, 0.0)), ((1.0,), (0.0, 1.0))]
    for which in (net, twin):
        which.train(data, epochs=2, rate=0.3, momentum=0.5, engine="reference")
    assert twin.state() == net.state()


def test_a_deep_copy_of_a_large_network_needs_no_deep_recursion():
    """copy.deepcopy (replay copies the network) of 2410 links: its own objects, wired alike."""
    import copy

    net = Network.layered(64, 32, 10, seed=0)
    net.train([([0.5] * 64, [0.0] * 9 + [1.0])], epochs=1, rate=0.1, engine="reference")
    twin = copy.deepcopy(net)
    assert twin.state() == net.state()
    assert all(a is not b for a, b in zip(twin.links, net.links))
    assert all(link.source.network is twin and link in link.target.incoming for link in twin.links)
    twin.links[0].weight += 1.0
    assert net.links[0].weight != twin.links[0].weight


def test_a_deep_copy_keeps_shared_weights_pooling_and_softmax_groups_its_own():
    import copy

    from lernpy import Conv, Dense, Pool, datasets

    net = Network.convolutional(
        (1, 4, 4), Conv(2, kernel=2, padding=1), Pool("max", 2), Dense(2, "softmax"),
        loss="cross_entropy", seed=2,
    )  # fmt: skip
    data = datasets.bars(6, seed=1)
    net.scheduler(data[0], rate=0.1).run()
    twin = copy.deepcopy(net)
    assert [s.name for s in twin.shared_weights] == [s.name for s in net.shared_weights]
    for mine, theirs in zip(twin.shared_weights, net.shared_weights):
        assert all(link.shared is mine for link in mine.links)
        assert [twin.links.index(k) for k in mine.links] == [
            net.links.index(k) for k in theirs.links
        ]
    assert twin["y1"].group is twin["y2"].group and twin["y1"] in twin["y1"].group
    assert twin["p1[1,1]"].winner in twin["p1[1,1]"].incoming
    assert twin.trace is not net.trace and len(twin.trace) == len(net.trace)
    for which in (net, twin):
        which.train(data, epochs=2, rate=0.1, engine="reference")
    assert twin.state() == net.state()


# -- finding 17: forward() says where a finite input overflowed -----------------------------


@pytest.mark.parametrize("x", [[1e308, 1e308], [-1e308, 1e308]])
def test_forward_names_the_neuron_where_a_finite_input_overflows(x):
    """forward() returned NaN silently; now a NumericError names the first neuron or link."""
    from lernpy import NumericError

    net = Network.layered(2, 2, 1, activation="identity", output="identity", seed=1)
    net.set_weights({"x1→h1": 10.0, "x2→h1": 10.0, "x1→h2": 10.0, "x2→h2": -10.0})
    before = net.weights()
    with pytest.raises(NumericError, match="h1|h2|x1→h1") as info:
        net.forward(x)
    assert info.value.where and net.weights() == before
    assert net.forward([0.5, 0.25]) == pytest.approx(net.forward([0.5, 0.25]))


@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    seed=st.integers(0, 2**16),
    extra=st.booleans(),
)
def test_a_reader_reads_what_the_objects_hold_as_the_network_changes(sizes, seed, extra):
    """readers.reader against a list comprehension over the same objects (the oracle),
    after a weight, a gradient, an activation and a target are set by hand, and after the
    topology changes (a neuron and a link added, or a link removed)."""
    from lernpy.graph.activations import activation
    from lernpy.graph.readers import reader

    net = Network.layered(*sizes, seed=seed)
    cases = [("links", "weight"), ("links", "gradient"), ("links", "_state"),
             ("neurons", "activation"), ("biases", "value"), ("outputs", "target")]  # fmt: skip

    def agree():
        for group, attribute in cases:
            assert reader(net, group, attribute)() == [
                getattr(o, attribute) for o in getattr(net, group)
            ], (group, attribute)

    agree()
    net.links[-1].weight = 0.125
    net.links[0].gradient = -2.0
    net.neurons[-1].activation = activation("tanh")
    net.outputs[0].target = 0.75
    agree()
    if extra:  # a new neuron and link: a new topology, read afresh
        net.add_neuron("spare", kind="hidden", layer=1)
        net.add_link(net.neurons[0], "spare", weight=0.5)
    else:
        net.remove_link(net.links[0])
    agree()
