"""Each weight's optimizer state: kept between calls, reset on request, shown, traced and saved."""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lernpy import LernpyError, Network, Trace, datasets, examples
from lernpy.data.netfile import VERSION, dumps, loads
from lernpy.errors import ShapeError
from lernpy.optim import SGD, Adam, AdamW, State
from lernpy.views.tables import link_grid, trace_grid

XOR = datasets.xor()


def test_state_persists_between_train_calls_until_reset():
    """Momentum's velocity is kept from one train() to the next; reset_optimizer() forgets it."""
    net = Network.layered(2, 2, 1, seed=1)
    net.train(XOR, epochs=1, rate=0.5, momentum=0.9)
    kept = {link.name: link.state for link in net.links}
    assert all(s is not None and s.kind == "sgd" and s.velocity != 0.0 for s in kept.values())
    net.train(XOR, epochs=1, rate=0.5)  # momentum 0: plain gradient descent keeps no state
    assert {link.name: link.state for link in net.links} == kept
    net.reset_optimizer()
    assert all(link.state is None for link in net.links)


def test_an_optimizer_of_another_kind_starts_afresh():
    """Adam after SGD's momentum: t = 1 and m = (1 − β₁)·g, as a new torch optimizer would."""
    net = Network.layered(2, 2, 1, seed=1)
    net.train(XOR, epochs=1, rate=0.5, momentum=0.9)
    run = net.scheduler(XOR[:1], optimizer=Adam(0.01))
    steps = [s for s in run.run() if s.kind == "Updated"]
    assert all(s.after.t == 1 for s in steps)
    assert all(s.after.m == pytest.approx(0.1 * s.gradient, rel=1e-15) for s in steps)


def test_the_updated_record_holds_the_state_before_and_after():
    net = examples.mazur()
    steps = net.scheduler(examples.MAZUR_SAMPLE, optimizer=Adam(0.01), epochs=2).run()
    w5 = [s for s in steps if s.kind == "Updated" and s.link.label == "w5"]
    assert w5[0].before is None and w5[0].after.t == 1
    assert w5[1].before == w5[0].after and w5[1].after.t == 2
    assert w5[1].after == net["w5"].state


def test_back_puts_the_state_back():
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, optimizer=Adam(0.01))
    run.run(until="update")
    run.step()
    assert net["w1"].state.t == 1
    run.back()
    assert net["w1"].state is None and net["w1"].weight == 0.15


# -- explain, the table, the trace ------------------------------------------------------------


def test_explain_writes_adams_first_update_of_w5_with_every_number():
    """m̂ = g = 0.082167041, v̂ = g² = 0.006751423, denominator = g + 1e-8, w5 = 0.4 − 0.01 × 1."""
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, optimizer=Adam(0.01)).run()
    text = net["w5"].explain().text()
    g = 0.08216704056423078  # Mazur's ∂E/∂w5
    assert "m ← β₁ · m_prev + (1 − β₁) · g" in text
    assert "= 0.9 × 0 + (1 − 0.9) × 0.082167041 = 0.008216704" in text  # by hand: 0.1·g
    assert "m̂ = m / (1 − β₁^t)" in text and "= 0.008216704 / (1 − 0.9^1) = 0.082167041" in text
    assert "v̂ = v / (1 − β₂^t)" in text and f"= {g * g:.9f}" in text
    assert "denominator = √v̂ + ε" in text and "= √0.006751423 + 1.000e-08 = 0.082167051" in text
    w5 = 0.4 - 0.01 * g / (g + 1e-8)  # by hand
    assert f"= 0.4 − 0.01 × 0.082167041 / 0.082167051 = {w5:.9f}" in text
    assert net["w5"].weight == pytest.approx(w5, abs=1e-15)


def test_explain_shows_weight_decay_and_clipping():
    net = examples.mazur()
    opt = SGD(0.5, weight_decay=0.01, clip_value=0.05)
    net.scheduler(examples.MAZUR_SAMPLE, optimizer=opt).run()
    text = net["w5"].explain().text()
    assert "g = min(max(∂E/∂w5, − clip_value), clip_value)" in text
    assert "= min(max(0.082167041, − 0.05), 0.05) = 0.05" in text  # clipped by value, by hand
    assert "g = g + λ · w5" in text and "= 0.05 + 0.01 × 0.4 = 0.054" in text
    assert "= 0.4 − 0.5 × 0.054 = 0.373" in text


def test_the_link_table_shows_each_links_state_and_the_regularisation():
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, optimizer=AdamW(0.01, clip_norm=1.0))
    run.run()
    grid = link_grid(run, links=["w5"])
    names = [c.name for c in grid.columns]
    assert names[-3:] == ["step count", "first moment", "second moment"]
    row = grid.rows[0]
    assert row[-3:] == [1.0, net["w5"].state.m, net["w5"].state.v]
    notes = "\n".join(grid.notes)
    assert "decoupled" in notes and "global norm of at most 1" in notes
    plain = link_grid(net, links=["w5"])  # the network alone shows the states it holds
    states = ["step count", "first moment", "second moment", "largest second moment"]
    assert [c.name for c in plain.columns][-4:] == states


def test_the_trace_records_and_exports_the_state():
    net = examples.mazur()
    trace = Trace()
    net.scheduler(examples.MAZUR_SAMPLE, optimizer=Adam(0.01), trace=trace, epochs=2).run()
    (row,) = [r for r in trace.rows() if r["kind"] == "Updated" and r["name"] == "h1→o1"][-1:]
    assert row["state"] == "adam" and row["t"] == 2 and row["m"] == net["w5"].state.m
    csv = trace.to_csv()
    assert "optimizer,state,t,velocity,sum,square,grad_avg,m,v,v_max,norm,mistake" in csv
    json.loads(trace.to_jsonl().splitlines()[-2])  # plain JSON
    grid = trace_grid(trace, "w5")
    assert [c.name for c in grid.columns][-4:-1] == ["step count", "first moment", "second moment"]


# -- the network file -------------------------------------------------------------------------


def test_the_file_keeps_every_links_state_and_training_goes_on_identically():
    net = Network.layered(2, 3, 1, seed=2)
    net.train(XOR, epochs=3, optimizer=Adam(0.05, amsgrad=True), shuffle=False)
    back = loads(dumps(net))
    assert [link.state for link in back.links] == [link.state for link in net.links]
    assert json.loads(dumps(net))["version"] == VERSION == 3  # 3: shared weights (issue 14)
    for n in (net, back):
        n.train(XOR, epochs=2, optimizer=Adam(0.05, amsgrad=True), shuffle=False)
    assert back.weights() == net.weights()


def test_the_file_keeps_the_optimizers_settings():
    net = Network.layered(2, 2, 1, seed=2)
    history = net.train(XOR, epochs=1, optimizer=AdamW(0.02))
    doc = json.loads(dumps(net, history=history))
    assert doc["optimizer"]["settings"]["name"] == "adamw"
    assert doc["optimizer"]["settings"]["weight_decay"] == 0.01


# A version 1 file, as lernpy wrote it before optimizer states: a velocity per link
# (the last weight change, the textbook momentum form).
VERSION_1 = """{
  "format": "lernpy-network",
  "version": 1,
  "lernpy": "0.1.0",
  "loss": "half_sse",
  "seed": 0,
  "init": "xavier",
  "scale": 0.5,
  "rng": null,
  "neurons": [
    {"name": "x1", "kind": "input", "layer": 0, "activation": "identity"},
    {"name": "b1", "kind": "bias", "layer": 0, "activation": "identity"},
    {"name": "y1", "kind": "output", "layer": 1, "activation": "sigmoid"}
  ],
  "links": [
    {"source": "x1", "target": "y1", "weight": 0.5, "frozen": false, "velocity": -0.02,
     "label": null},
    {"source": "b1", "target": "y1", "weight": 0.1, "frozen": false, "velocity": 0.0,
     "label": "wb"}
  ],
  "optimizer": {"schedule": {"kind": "constant", "rate": 0.5, "factor": 1.0, "every": 1,
                "gamma": 1.0}, "momentum": 0.9, "batch_size": 1, "shuffle": true},
  "preprocessing": null,
  "history": null
}"""


def test_a_version_1_file_still_loads_its_velocity_as_the_textbook_state():
    """Its velocity was the last change Δw: training on in the textbook form continues it."""
    net = loads(VERSION_1)
    assert net["x1→y1"].state == State("sgd-textbook", velocity=-0.02)
    assert net["wb"].state is None
    x, t = 1.0, 0.0
    y = 1 / (1 + math.exp(-(0.5 * x + 0.1)))
    g = (y - t) * y * (1 - y) * x  # ∂E/∂w by hand
    net.train([([x], [t])], epochs=1, optimizer=SGD(0.5, momentum=0.9, momentum_form="textbook"))
    assert net["x1→y1"].weight == pytest.approx(0.5 + 0.9 * -0.02 - 0.5 * g, abs=1e-15)


def test_a_broken_state_in_a_file_is_named():
    doc = json.loads(dumps(examples.mazur()))
    doc["links"][0]["state"] = {"kind": "adam", "t": -1, "m": 0.0, "v": 0.0, "v_max": 0.0}
    with pytest.raises(LernpyError, match=r"links\[0\].state.t"):
        loads(json.dumps(doc))
    doc["links"][0]["state"] = {"kind": "lion"}
    with pytest.raises(LernpyError, match=r"links\[0\].state.kind"):
        loads(json.dumps(doc))
    doc["links"][0]["state"] = None
    doc["links"][0]["velocity"] = 0.1  # a version 1 field in a version 2 file
    with pytest.raises(LernpyError, match="velocity"):
        loads(json.dumps(doc))


# -- engines ------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
@pytest.mark.parametrize("form", ["pytorch", "textbook"])
def test_fast_engines_do_both_momentum_forms(engine, form):
    """Online and batch training with either momentum form: weights and velocities agree."""
    if engine == "numpy":
        pytest.importorskip("numpy")
    for batch in (1, 2):
        net = Network.layered(2, 9, 8, 1, activation="tanh", seed=5)
        opt = SGD(0.3, momentum=0.8, momentum_form=form)
        a, b = copy.deepcopy(net), copy.deepcopy(net)
        for _ in range(2):  # twice: the second call starts from the states the first left
            ha = a.train(XOR, epochs=3, optimizer=opt, batch_size=batch, engine="reference")
            hb = b.train(XOR, epochs=3, optimizer=opt, batch_size=batch, engine=engine)
        assert hb.engine == engine and ha.loss == pytest.approx(hb.loss, rel=1e-12)
        for x, y in zip(a.links, b.links):
            assert x.weight == pytest.approx(y.weight, abs=1e-12)
            assert x.state.kind == y.state.kind
            assert x.state.velocity == pytest.approx(y.state.velocity, abs=1e-12)


def test_auto_falls_back_to_the_reference_for_other_optimizers():
    net = Network.layered(2, 2, 1, seed=1)
    assert net.train(XOR, epochs=1, optimizer=Adam()).engine == "reference"
    with pytest.raises(LernpyError, match="Adam"):
        net.train(XOR, epochs=1, optimizer=Adam(), engine="compiled")


def test_replay_of_an_engines_momentum_update_lands_on_its_weights():
    net = Network.layered(2, 3, 1, seed=3)
    opt = SGD(0.4, momentum=0.9, momentum_form="textbook")
    history = net.train(XOR, epochs=4, optimizer=opt, shuffle=True, engine="compiled")
    run = history.replay(epoch=3, sample=history.checkpoints[3].order[0])
    run.run()
    assert [w.weight for w in run.net.links] == pytest.approx(
        [w.weight for w in net.links], abs=1e-12
    )


# -- names and matrices ------------------------------------------------------------------------


def test_link_names_are_found_under_either_spelling():
    net = examples.mazur()
    weights = net.weights()
    assert weights["h1->o1"] == weights["h1→o1"] == 0.4 and "h1 -> o1" in weights
    assert net.state()["h1->o1"][0] == 0.4
    assert net.gradcheck(examples.MAZUR_SAMPLE)["h1->o1"].name == "h1→o1"
    trace = Trace(links=["h1->o1"])
    net.scheduler(examples.MAZUR_SAMPLE, trace=trace).run()
    assert len(trace.updates("h1->o1")) == 1


@st.composite
def rewired(draw):
    """A layered network with links removed and extra links (skips, extra bias links) added."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    bias = draw(st.lists(st.booleans(), min_size=len(sizes) - 1, max_size=len(sizes) - 1))
    net = Network.layered(*sizes, bias=bias, seed=draw(st.integers(0, 999)))
    for _ in range(draw(st.integers(0, 3))):
        if len(net.links) > 1:
            net.remove_link(draw(st.sampled_from(net.links)))
    layers = net.layers
    for _ in range(draw(st.integers(0, 3))):
        j = draw(st.integers(1, len(layers) - 1))
        sources = [n for layer in layers[:j] for n in layer] + list(net.biases)
        source, target = draw(st.sampled_from(sources)), draw(st.sampled_from(layers[j]))
        if f"{source.name}→{target.name}" not in net:
            net.add_link(source, target, 0.25)
    return net


@settings(max_examples=60)
@given(net=rewired(), data=st.data())
def test_set_matrix_round_trips_on_any_layer_shape(net, data):
    """matrix() then set_matrix() changes nothing; new numbers land on the named links only."""
    for layer in range(1, len(net.layers)):
        before = dict(net.weights())
        net.set_matrix(layer, net.matrix(layer))
        assert dict(net.weights()) == before
        sources, targets = net.sources(layer), net.layers[layer]
        fresh = [
            [None if cell is None else data.draw(st.floats(-3, 3)) for cell in row]
            for row in net.matrix(layer)
        ]
        net.set_matrix(layer, fresh)
        assert net.matrix(layer) == fresh
        for row, target in zip(fresh, targets):
            for cell, source in zip(row, sources):
                name = f"{source.name}→{target.name}"
                assert (cell is None) == (name not in net)
                if cell is not None:
                    assert net[name].weight == cell


def test_set_matrix_after_the_issues_two_failures():
    """An extra bias link (b2→h1) and a removed link: None marks where no link is."""
    net = Network.layered(2, 2, 1, bias=[False, True], seed=0)
    net.add_link("b2", "h1", 0.3)
    assert [n.name for n in net.sources(1)] == ["x1", "x2", "b2"]
    net.set_matrix(1, [[0.1, 0.2, 0.3], [0.4, 0.5, None]])
    assert net["b2→h1"].weight == 0.3 and net["x2→h2"].weight == 0.5
    net.remove_link("x1→h2")
    assert net.matrix(1) == [[0.1, 0.2, 0.3], [None, 0.5, None]]
    with pytest.raises(ShapeError, match="no link x1→h2"):
        net.set_matrix(1, [[0.1, 0.2, 0.3], [0.9, 0.5, None]])
    with pytest.raises(ShapeError, match="link x2→h2 is None"):
        net.set_matrix(1, [[0.1, 0.2, 0.3], [None, None, None]])
    assert net.matrix(1) == [[0.1, 0.2, 0.3], [None, 0.5, None]]  # a failed call changes nothing
