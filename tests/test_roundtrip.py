"""Whatever public calls built a network, its file loads back to the same network.

Hypothesis draws a sequence of calls (adding neurons and links, labels, ties,
freezing, weights, training, stepping; good arguments and bad ones) and runs it.
A call that fails must leave the saved form as it was; after every call the
network's file (``to_dict``, and ``save`` then ``load`` at the end) reads back
to a network equal to it, compared field by field below (not through the file).
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lernpy import LernpyError, Network
from lernpy.data.netfile import dumps, from_dict, loads, to_dict
from lernpy.graph.link import DetachedLink, PoolLink

NAMES = ["x1", "x2", "h1", "h2", "y1", "b1", "w5", "k", "hidden 1", "hü", "hu\u0308", "c1[2,3]",
         "h1@t3", " h3", "h4 ", "a→b", "a->b", "h\x1b[2J", "", "h\u202e", "y 2"]  # fmt: skip
ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "softmax", "max_pool", "swish", None]
KINDS = ["input", "bias", "hidden", "output", "other"]
NUMBERS = st.one_of(
    st.floats(-3, 3, allow_nan=False), st.sampled_from([math.nan, math.inf, 1e308, "0.5", None])
)

OPS = st.one_of(
    st.tuples(st.just("neuron"), st.sampled_from(NAMES), st.sampled_from(ACTIVATIONS),
              st.sampled_from(KINDS), st.one_of(st.none(), st.integers(-1, 4))),
    st.tuples(st.just("link"), st.sampled_from(NAMES), st.sampled_from(NAMES), NUMBERS,
              st.one_of(st.none(), st.sampled_from(NAMES)), st.booleans()),
    st.tuples(st.just("remove"), st.integers(0, 30)),
    st.tuples(st.just("label"), st.integers(0, 30), st.sampled_from(NAMES)),
    st.tuples(st.just("freeze"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("weight"), st.integers(0, 30), NUMBERS),
    st.tuples(st.just("tie"), st.sampled_from(NAMES), st.lists(st.integers(0, 30), max_size=3)),
    st.tuples(st.just("untie"), st.sampled_from(NAMES)),
    st.tuples(st.just("train"), st.sampled_from([0.1, 0.5, -1.0, "x"]),
              st.sampled_from([0.0, 0.9]), st.sampled_from([1, 2, "all", 0])),
    st.tuples(st.just("step"), st.integers(1, 40)),
    st.tuples(st.just("reset"),),
)  # fmt: skip


def run(net: Network, op: tuple) -> None:
    """One public call, whatever its arguments."""
    kind, *args = op
    links = net.links

    def link(i: int):
        return links[i % len(links)] if links else "x9→y9"

    if kind == "neuron":
        name, activation, role, layer = args
        net.add_neuron(name, activation, role, layer)
    elif kind == "link":
        source, target, weight, label, detached = args
        net.add_link(source, target, weight, label, detached=detached)
    elif kind == "remove":
        net.remove_link(link(args[0]))
    elif kind == "label":
        net.label(link(args[0]), args[1])
    elif kind == "freeze":
        (net.freeze if args[1] else net.unfreeze)(link(args[0]))
    elif kind == "weight":
        net.set_weights({link(args[0]).name if links else "x9→y9": args[1]})
    elif kind == "tie":
        net.tie(args[0], [link(i) for i in args[1]])
    elif kind == "untie":
        net.untie(args[0])
    elif kind == "train":
        rate, momentum, batch = args
        data = [([0.5] * len(net.inputs), [0.25] * len(net.outputs))] * 3
        net.train(data, epochs=2, rate=rate, momentum=momentum, batch_size=batch)
    elif kind == "step":
        data = [([0.5] * len(net.inputs), [0.25] * len(net.outputs))] * 2
        run_ = net.scheduler(data, rate=0.1, batch_size=2, trace=None)
        for _ in range(args[0]):  # stops mid-batch: the links hold half a gradient
            run_.step()
    else:
        net.reset_optimizer()


def same(a: Network, b: Network) -> None:
    """Every number and name a file holds, compared field by field."""
    assert (a.loss_function.name, a.seed, a.init, a.scale) == (
        b.loss_function.name, b.seed, b.init, b.scale)  # fmt: skip
    assert a.rng.getstate() == b.rng.getstate()

    def neurons(net):
        ordered = sorted(net.neurons, key=lambda n: n.index)
        return [(n.name, n.kind, n.layer, n.activation.name) for n in ordered]

    def links(net):
        return [(k.name, k.weight, k.frozen, k.label, k.state, type(k).__name__,
                 k.shared.name if k.shared else None) for k in net.links]  # fmt: skip

    assert neurons(a) == neurons(b)
    assert [n.name for n in a.neurons] == [n.name for n in b.neurons]  # the same order
    assert links(a) == links(b)
    assert [(s.name, [k.name for k in s.links]) for s in a.shared_weights] == [
        (s.name, [k.name for k in s.links]) for s in b.shared_weights
    ]


SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def start(kind: str) -> Network:
    """An empty network, a layered one, a small convolution or a truncated recurrent one."""
    if kind == "empty":
        return Network(seed=7)
    if kind == "layered":
        return Network.layered(2, 2, 1, seed=7, names="x1 x2 / h1 h2 / y1")
    if kind == "conv":
        from lernpy import Conv, Dense, Pool

        return Network.convolutional((1, 3, 3), Conv(1, kernel=2), Pool("max", 2), Dense(1),
                                     seed=7)  # fmt: skip
    return Network.recurrent(1, 2, 1, steps=3, truncate=1, seed=7)


@SETTINGS
@given(st.sampled_from(["empty", "layered", "conv", "recurrent"]), st.lists(OPS, max_size=30))
def test_any_sequence_of_public_calls_saves_and_loads_back_the_same_network(kind, ops):
    net = start(kind)
    worked = 0
    for op in ops:
        before = to_dict(net)
        try:
            run(net, op)
        except LernpyError:
            assert to_dict(net) == before, f"{op} failed and changed the network"
        else:
            # after every call, the file to_dict writes reads back to the same network
            same(net, from_dict(to_dict(net)))
            worked += 1
    event(f"{worked} calls of {len(ops)} worked")
    text = dumps(net)
    again = loads(text)
    same(net, again)
    assert dumps(again) == text
    if net.inputs and net.outputs:
        x = [0.5] * len(net.inputs)
        try:
            expected = net.forward(x)
        except LernpyError:
            return
        assert again.forward(x) == expected


def test_the_kinds_of_link_come_back():
    """A pooling link and a detached link are read back as what they were."""
    net = Network(seed=1)
    net.add_neuron("x1", kind="input")
    net.add_neuron("p", "max_pool", layer=1)
    net.add_neuron("y1", "identity", kind="output", layer=2)
    net.add_link("x1", "p", 1.0)
    net.add_link("p", "y1", 0.5, detached=True)
    again = loads(dumps(net))
    assert [type(k) for k in again.links] == [PoolLink, DetachedLink]
