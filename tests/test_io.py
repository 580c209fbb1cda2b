"""Network files: exact round trips, atomic writes, and a loader that only ever says why."""

import copy
import json
import math
import os
import random
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lernpy import Conv, Dense, Network, Pool, datasets
from lernpy.data.netfile import VERSION, NetworkFileError, dumps, load, loads, save, to_dict
from lernpy.data.preprocessing import Preprocessing
from lernpy.errors import LernpyError
from lernpy.graph.activations import Activation
from lernpy.training.workflow import fit

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]
# (output activation, loss) pairs that make sense together, covering every loss and activation
PAIRS = [
    ("identity", "half_sse"),
    ("tanh", "mse"),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("relu", "half_sse"),
    ("leaky_relu", "mse"),
    ("softplus", "half_sse"),
    ("sigmoid", "half_sse"),
]


def trained_net(hidden, output, loss, seed=3):
    """A 3-4-2 network trained a little with momentum, so weights and velocities are non-trivial."""
    rng = random.Random(seed)
    data = []
    for _ in range(6):
        x = tuple(rng.uniform(-1, 1) for _ in range(3))
        k = rng.randrange(2)
        data.append((x, (1.0, 0.0) if k == 0 else (0.0, 1.0)))
    net = Network.layered(3, 4, 2, activation=hidden, output=output, loss=loss, seed=seed)
    fit(net, data, epochs=2, rate=0.1, momentum=0.5, progress=False)
    return net, data


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss"), PAIRS)
def test_save_load_predict_is_bit_identical(tmp_path, hidden, output, loss):
    """For every activation and loss, a loaded network gives the very same floats and trains on
    exactly as the saved one would have."""
    net, data = trained_net(hidden, output, loss)
    path = save(net, tmp_path / "net.json")
    back = load(path)
    probe = random.Random(1)
    for _ in range(20):
        x = [probe.uniform(-3, 3) for _ in range(3)]
        assert back(x) == net(x)  # == on floats: bit for bit (no NaN here)
        assert [v.hex() for v in back(x)] == [v.hex() for v in net(x)]
    assert back.weights() == net.weights()
    assert [link.velocity for link in back.links] == [link.velocity for link in net.links]
    assert [n.name for n in back.neurons] == [n.name for n in net.neurons]
    assert back.loss_function is net.loss_function
    # the generator state and momentum are saved too: training on continues identically
    net.train(data, epochs=2, rate=0.1, momentum=0.5, shuffle=True)
    back.train(data, epochs=2, rate=0.1, momentum=0.5, shuffle=True)
    assert back.weights() == net.weights()


def test_everything_else_the_file_holds_comes_back(tmp_path):
    """Labels, frozen flags, skip links, seed, init, preprocessing and history survive."""
    net = Network.layered(2, 3, 1, activation="tanh", seed=11, init="he")
    net.add_link("x1", "y1", 0.25)  # a skip connection
    net.label("x1→y1", "skip")
    net.freeze("b1→h2")
    prep = Preprocessing(("a", "b"), ("yes",), ("0", "1"), (1.5, -2.0), (0.5, 3.0))
    log = fit(net, datasets.xor(), epochs=3, rate=0.3, progress=False)
    save(net, tmp_path / "n.json", preprocessing=prep)
    back = load(tmp_path / "n.json")
    assert back["skip"] is back["x1→y1"]
    assert back["b1→h2"].frozen and not back["b1→h1"].frozen
    assert (back.seed, back.init) == (11, "he")
    assert back.preprocessing == prep
    assert back.training_log.epochs == log.epochs
    assert back.training_log.stopped == log.stopped
    assert back.training_log.options == log.options


def test_a_loaded_network_draws_new_weights_as_the_saved_one_would():
    """The generator state, init and scale are saved: a link added after loading gets the very
    weight it would have got in the original network."""
    net = Network.layered(2, 3, 1, init="uniform", scale=0.2, seed=8)
    back = loads(dumps(net))
    assert back.scale == 0.2 and back.init == "uniform"
    assert back.add_link("x1", "y1").weight == net.add_link("x1", "y1").weight


def test_the_cores_train_history_can_be_saved_with_the_network(tmp_path):
    """A History from net.train is kept as one record per epoch with its loss and rate."""
    net = Network.layered(2, 2, 1, seed=1)
    history = net.train(datasets.xor(), epochs=3, rate=0.7, momentum=0.2)
    save(net, tmp_path / "n.json", history=history)
    log = load(tmp_path / "n.json").training_log
    assert log.train_loss == history.loss
    assert [r.rate for r in log.epochs] == [0.7] * 3
    assert log.options["momentum"] == 0.2 and log.stopped == history.stopped


def test_a_file_saved_twice_is_the_same_text(tmp_path):
    """Saving, loading and saving again writes the same bytes (nothing is lost or invented)."""
    net, _ = trained_net("tanh", "softmax", "cross_entropy")
    first = dumps(net)
    assert dumps(loads(first)) == first


def test_the_file_is_plain_json_with_format_and_version():
    """The text is JSON anyone can read: a format name, a version, neurons and links."""
    doc = json.loads(dumps(Network.layered(1, 1, seed=0)))
    assert doc["format"] == "lernpy-network" and doc["version"] == VERSION
    assert [n["name"] for n in doc["neurons"]] == ["x1", "b1", "y1"]
    assert [(link["source"], link["target"]) for link in doc["links"]] == [
        ("x1", "y1"),
        ("b1", "y1"),
    ]


def test_a_custom_activation_cannot_be_saved_and_nothing_is_written(tmp_path):
    """Saving a network with a user's own activation is refused before the file is touched."""
    target = tmp_path / "net.json"
    target.write_text("old contents")
    net = Network.layered(
        1, 1, seed=0, output=Activation.custom("cube", lambda x: x**3, lambda x: 3 * x * x)
    )
    with pytest.raises(NetworkFileError, match="custom activation 'cube'"):
        save(net, target)
    assert target.read_text() == "old contents"
    assert os.listdir(tmp_path) == ["net.json"]


# ------------------------------------------------------------ atomic writes


def test_a_write_that_fails_part_way_leaves_the_old_file_intact(tmp_path, monkeypatch):
    """A disk that fills up after some bytes: an error, the old file untouched, no leftovers."""
    import lernpy.files as lio

    old_net, _ = trained_net("tanh", "sigmoid", "bce", seed=1)
    path = tmp_path / "net.json"
    save(old_net, path)
    before = path.read_bytes()
    new_net, _ = trained_net("relu", "softmax", "cross_entropy", seed=2)
    real_write = os.write
    budget = [700]

    def failing_write(fd, data):
        if budget[0] <= 0:
            raise OSError(28, "No space left on device")
        n = real_write(fd, bytes(data[: budget[0]]))
        budget[0] -= n
        return n

    monkeypatch.setattr(lio.os, "write", failing_write)
    with pytest.raises(NetworkFileError, match="No space left on device.*old file.*unchanged"):
        save(new_net, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.json"]
    assert load(path).weights() == old_net.weights()


def test_a_process_killed_mid_save_leaves_the_old_file_intact(tmp_path):
    """A save whose process dies after writing part of the file never replaces the good file."""
    path = tmp_path / "net.json"
    good = Network.layered(2, 2, 1, seed=5)
    save(good, path)
    before = path.read_bytes()
    script = textwrap.dedent(
        f"""
        import os
        import lernpy.files as lio
        from lernpy import Network, save
        real_write = os.write
        def dying_write(fd, data):
            real_write(fd, bytes(data[:300]))
            os._exit(9)  # the process dies here, as if killed
        lio.os.write = dying_write
        save(Network.layered(2, 30, 1, seed=6), {str(path)!r})
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == 9
    assert path.read_bytes() == before
    assert load(path).weights() == good.weights()


def test_saving_into_a_missing_directory_is_a_clear_error(tmp_path):
    """A path whose folder does not exist raises NetworkFileError naming the path."""
    with pytest.raises(NetworkFileError, match="nowhere"):
        save(Network.layered(1, 1), tmp_path / "nowhere" / "net.json")


# ------------------------------------------------------------ loader errors


def base_doc():
    net = Network.layered(2, 2, 1, activation="tanh", seed=2)
    net.preprocessing = Preprocessing(("a", "b"), ("y",), ("no", "yes"), (0.0, 1.0), (1.0, 2.0))
    fit(net, datasets.xor(), epochs=2, rate=0.2, momentum=0.3, progress=False)
    return to_dict(net)


BASE = base_doc()


def broken(change):
    doc = copy.deepcopy(BASE)
    change(doc)
    return json.dumps(doc).replace("12345.678", "1e400")  # a number too big for a float


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("links"), "field links: is missing"),
        (lambda d: d.update(version=VERSION + 1), "newer lernpy"),
        (lambda d: d.update(version=0), "field version: is 0"),
        (lambda d: d.update(version="1"), "field version: expected a whole number, got text '1'"),
        (lambda d: d.update(format="other"), "field format"),
        (lambda d: d.update(loss="hinge"), "field loss: is 'hinge': expected one of"),
        (lambda d: d.update(colour="red"), "field colour: unknown field"),
        (lambda d: d["links"][3].update(weight="0.5"), "field links[3].weight: expected a number"),
        (lambda d: d["links"][3].update(weight=12345.678), "field links[3].weight: is inf"),
        (
            lambda d: d["links"][0].update(source="ghost"),
            "links[0].source: names the neuron 'ghost'",
        ),
        (lambda d: d["links"].append(dict(d["links"][0])), "appears twice"),
        (lambda d: d["neurons"][4].update(activation="swish"), "neurons[4].activation: is 'swish'"),
        (lambda d: d["neurons"][4].update(layer=-1), "neurons[4].layer: neuron 'h2': layer is -1"),
        (
            lambda d: d["neurons"][4].update(layer=10**12),
            "neurons[4].layer: neuron 'h2': layer is 1",
        ),
        (lambda d: d["neurons"][1].update(name="x1"), "neurons[1].name: 'x1' names two neurons"),
        (lambda d: d["rng"]["state"].pop(), "field rng.state: has 624 entries: expected 625"),
        (lambda d: d["preprocessing"].update(std=[1.0, 0.0]), "preprocessing.std[1]: is 0.0"),
        (lambda d: d["preprocessing"].update(mean=[1.0]), "preprocessing.mean: has 1 entries"),
        (lambda d: d["history"]["epochs"][0].update(train_accuracy=2), "expected a fraction"),
        (lambda d: d["optimizer"].update(batch_size=0), "optimizer.batch_size: is 0"),
    ],
)
def test_each_broken_field_is_named(change, message):
    """A file with one thing wrong raises NetworkFileError naming that field."""
    with pytest.raises(NetworkFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        loads(broken(change), source="net.json")


def test_a_newer_format_version_is_refused_with_a_message_saying_so():
    """A file from a newer lernpy says so, and which versions this one reads."""
    with pytest.raises(NetworkFileError) as info:
        loads(broken(lambda d: d.update(version=7)), source="future.json")
    assert str(info.value) == (
        f"future.json: field version: was written by a newer lernpy (format version 7); "
        f"this lernpy reads format versions up to {VERSION}: upgrade lernpy to load it"
    )


def test_a_cycle_in_the_links_is_named_by_the_link():
    """A link that would close a loop is refused by the core and reported with its field."""

    def cycle(d):
        d["links"].append({"source": "h1", "target": "h2", "weight": 0.1})
        d["links"].append({"source": "h2", "target": "h1", "weight": 0.1})

    with pytest.raises(NetworkFileError, match=r"links\[\d+\]: link h2→h1 would close a cycle"):
        loads(broken(cycle))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1, column 1: not valid JSON"),
        ('{"format": "lernpy-network", "version"', "not valid JSON"),
        ("[1, 2]", "expected a JSON object at the top"),
        ('{"format": "lernpy-network", "version": 1, "x": NaN}', "NaN is not allowed"),
        ("[" * 100000, "not a valid network file"),
    ],
)
def test_text_that_is_not_a_network_file_is_named(text, message):
    """Empty, truncated, non-object, NaN-bearing and absurdly nested text all get clear errors."""
    with pytest.raises(NetworkFileError, match=message):
        loads(text, source="bad.json")


def test_load_names_missing_and_non_utf8_files(tmp_path):
    """Files that cannot be opened or decoded raise NetworkFileError with the path."""
    with pytest.raises(NetworkFileError, match="no such file"):
        load(tmp_path / "missing.json")
    (tmp_path / "latin.json").write_bytes(b'{"format": "caf\xe9"}')
    with pytest.raises(NetworkFileError, match="not UTF-8"):
        load(tmp_path / "latin.json")


# ------------------------------------------------------------------ fuzzing


def json_paths(value, prefix=()):
    """Every path into a JSON value (the 625 generator words count as one place)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        items = value[:3] if prefix == ("rng", "state") else value
        for i, item in enumerate(items):
            yield from json_paths(item, (*prefix, i))


BASE_TEXT = json.dumps(BASE)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.sampled_from([0, -1, 1, 2, 10**9, -(10**9), 2**63, 625, 624])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e308, -1e308, 5e-324, -0.0])
    | st.text(max_size=8)
    | st.sampled_from(["x1", "h1", "y1", "b1", "tanh", "softmax", "input", "output", "bias"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def get_parent(doc, path):
    node = doc
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def mutated_docs(draw, base: str = BASE_TEXT):
    """A valid network file with one to three structural mutations."""
    doc = json.loads(base)  # a fresh copy, faster than deepcopy
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in json_paths(doc) if p]
        path = draw(st.sampled_from(paths))
        try:
            parent = get_parent(doc, path)
            key = path[-1]
            parent[key]
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["drop", "replace", "replace", "rename", "duplicate"]))
        if action == "drop":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(json_values)
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = parent.pop(key)
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
    return doc


def check_loads_cleanly(text):
    """loads either returns a whole, working network or raises NetworkFileError; nothing else."""
    try:
        net = loads(text, source="fuzz.json")
    except NetworkFileError:
        return
    # a returned network is complete: it runs, and it saves and loads to the same thing
    assert net.inputs and net.outputs
    values = net([0.5] * len(net.inputs))
    assert len(values) == len(net.outputs)
    again = loads(dumps(net))
    assert again.weights() == net.weights()


FUZZ = settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@FUZZ
@given(mutated_docs())
def test_fuzzed_structure_only_ever_raises_the_projects_error(doc):
    """Hypothesis: dropped keys, wrong types, huge and negative sizes, names of missing neurons,
    duplicated entries: the loader raises NetworkFileError or returns a working network."""
    check_loads_cleanly(json.dumps(doc))


TEXT = json.dumps(BASE, indent=1)


@settings(FUZZ, max_examples=1000)
@given(
    st.one_of(
        st.integers(0, len(TEXT)).map(lambda n: TEXT[:n]),  # truncated
        st.tuples(
            st.integers(0, len(TEXT) - 1),
            st.sampled_from(["NaN", "Infinity", "-1e999", "1e999", "}", "\x00", '"', "9" * 30]),
        ).map(lambda t: TEXT[: t[0]] + t[1] + TEXT[t[0] + 1 :]),
        st.sampled_from([f'"version": {v}' for v in (2, 99, -1, 0, "1.5", "null", "true")]).map(
            lambda v: TEXT.replace(f'"version": {VERSION}', v, 1)
        ),
    )
)
@example(TEXT[:-2])
def test_fuzzed_text_only_ever_raises_the_projects_error(text):
    """Hypothesis: truncated text, NaN and infinities, stray characters and unknown versions."""
    check_loads_cleanly(text)


def test_the_fuzzer_starts_from_a_file_that_loads():
    """The base document of the fuzz tests is itself valid (so mutations are what break it)."""
    net = loads(json.dumps(BASE))
    assert isinstance(net, Network)
    assert math.isfinite(net([0.1, 0.2])[0])
    assert issubclass(NetworkFileError, LernpyError)


def test_a_deep_copy_of_a_network_saves_and_loads():
    """Activations and losses are constants a copy shares (the file names the built-in ones)."""
    net = Network.layered(2, 3, 2, activation="tanh", output="softmax", loss="cross_entropy")
    twin = copy.deepcopy(net)
    assert twin.loss_function is net.loss_function and twin["h1"].activation is net["h1"].activation
    assert loads(dumps(twin)).weights() == net.weights()
    assert twin.fused(twin["y1"])  # softmax with cross-entropy: value − target, as the original


@pytest.mark.parametrize("kinds", [[], ["hidden"], ["input"], ["output"], ["input", "hidden"]])
def test_a_network_still_being_built_saves_and_loads_as_it_is(tmp_path, kinds):
    """Without an input or an output yet, the network saves: the loader reads it (finding 1)."""
    net = Network(seed=3)
    for i, kind in enumerate(kinds):
        net.add_neuron(f"n{i}", "tanh", kind, layer=i)
    if len(kinds) == 2:
        net.add_link("n0", "n1", 0.25)
    again = load(save(net, tmp_path / "net.json"))
    assert [(n.name, n.kind, n.layer) for n in again.neurons] == [
        (n.name, n.kind, n.layer) for n in net.neurons
    ]
    assert again.weights() == net.weights()
    with pytest.raises(LernpyError, match="at least one input and one output"):
        again.train([([0.5], [0.5])], epochs=1)  # as the network itself: it trains once it has both


# ------------------------------------------------- shared weights (format version 2)


def shared_nets():
    """A small conv net (kernels, max pooling) and a truncated RNN, trained a little."""
    conv = Network.convolutional(
        (1, 3, 3), Conv(2, kernel=2, padding=1), Pool("max", 2), Dense(2, "softmax"),
        loss="cross_entropy", seed=4,
    )  # fmt: skip
    conv.train(datasets.bars(8, seed=1, size=3), epochs=2, rate=0.1, momentum=0.5)
    rnn = Network.recurrent(1, 2, 1, steps=4, truncate=2, seed=5)
    rnn.train(datasets.parity(8, steps=4, seed=1), epochs=2, rate=0.5, momentum=0.5)
    return conv, rnn


def test_shared_weights_and_detached_links_save_and_load_as_they_were(tmp_path):
    """Names, links, weights, velocities; pooling and detached links; training goes on alike."""
    for net, data in zip(
        shared_nets(), [datasets.bars(8, seed=2, size=3), datasets.parity(8, 4, 2)]
    ):
        path = save(net, tmp_path / "net.json")
        again = load(path)
        assert [(k.weight, k.state, k.frozen) for k in again.links] == [
            (k.weight, k.state, k.frozen) for k in net.links
        ]
        assert [(type(a).__name__, a.name) for a in again.links] == [
            (type(b).__name__, b.name) for b in net.links
        ]
        for mine, theirs in zip(again.shared_weights, net.shared_weights):
            assert mine.name == theirs.name and [k.name for k in mine.links] == [
                k.name for k in theirs.links
            ]
        for which in (net, again):
            which.train(data, epochs=2, rate=0.3, momentum=0.5, engine="reference")
        assert again.state() == net.state()


def test_version_1_and_2_files_still_load_and_refuse_the_new_fields():
    """Files written before shared weights (versions 1 and 2) load; they cannot hold them."""
    net = Network.layered(2, 2, 1, seed=3)
    v2 = json.loads(dumps(net))
    v2["version"] = 2
    assert loads(json.dumps(v2)).state() == net.state()
    v1 = copy.deepcopy(v2)
    v1["version"] = 1
    for link in v1["links"]:
        del link["state"]
        link["velocity"] = 0.0
    assert loads(json.dumps(v1)).state() == net.state()
    for doc in (v1, v2):
        doc["links"][0]["shared"] = "k"
        with pytest.raises(NetworkFileError, match=r"field links\[0\]\.shared: unknown field"):
            loads(json.dumps(doc))
        del doc["links"][0]["shared"]
        doc["shared"] = ["k"]
        with pytest.raises(NetworkFileError, match=r"field shared: unknown field"):
            loads(json.dumps(doc))


def test_a_plain_network_file_only_changes_its_version():
    """No shared weight, no detached link: the links are written as before."""
    doc = json.loads(dumps(Network.layered(2, 2, 1, seed=3)))
    assert all(set(link) == {"source", "target", "weight", "frozen", "state", "label"}
               for link in doc["links"])  # fmt: skip


def _shared_doc():
    net = Network.recurrent(1, 1, 1, steps=3, truncate=1, seed=1)
    return json.loads(dumps(net))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["links"][0].update(weight=0.123),
         "field links\\[4\\].weight: is .* but links\\[0\\] shares the weight U\\[1,1\\]"),
        (lambda d: d["links"][0].update(shared=5), "field links\\[0\\].shared: .*expected text"),
        (lambda d: d["links"][0].update(shared="h1@t1"), "names a neuron"),
        (lambda d: d["links"][0].update(shared="a→b"), "holds an arrow"),
        (lambda d: d["links"][1].update(detached="yes"), "field links\\[1\\].detached: expected"),
        (lambda d: d["links"][0].update(frozen=True), "links\\[4\\].frozen"),
        (lambda d: d["shared"].append("zzz"), "field shared: names 'zzz', which no link uses"),
        (lambda d: d["shared"].remove("W[1,1]"), "'W\\[1,1\\]' is not in the list 'shared'"),
    ],
)  # fmt: skip
def test_bad_shared_fields_name_the_field(change, message):
    doc = _shared_doc()
    change(doc)
    with pytest.raises(NetworkFileError, match=message):
        loads(json.dumps(doc))


def test_a_detached_link_into_a_max_pool_is_refused():
    net = Network.convolutional((1, 2, 2), Conv(1, kernel=1), Pool("max", 2), Dense(1))
    doc = json.loads(dumps(net))
    index = next(i for i, link in enumerate(doc["links"]) if link["target"] == "p1[1,1]")
    doc["links"][index]["detached"] = True
    with pytest.raises(NetworkFileError, match="cannot be detached"):
        loads(json.dumps(doc))


SHARED_TEXT = json.dumps(to_dict(shared_nets()[0]))


@settings(FUZZ, max_examples=300)
@given(mutated_docs(SHARED_TEXT))
def test_fuzzed_shared_weight_files_only_ever_raise_the_projects_error(doc):
    """The same structural fuzzing on a file with shared weights and max pooling."""
    check_loads_cleanly(json.dumps(doc))


# -- finding 17: duplicate keys, a byte-order mark ------------------------------------------


@pytest.mark.parametrize(
    "text, field",
    [
        ('{"format": "lernpy-network", "format": "x", "version": 1}', "format"),
        ("DOC_WITH_TWO_SEEDS", "seed"),
        ("DOC_WITH_A_LINK_WITH_TWO_WEIGHTS", "weight"),
    ],
)
def test_a_key_written_twice_is_refused(text, field):
    """json.loads kept the last of two equal keys: a file could say two things at once."""
    good = dumps(Network.layered(2, 1, seed=1))
    if text == "DOC_WITH_TWO_SEEDS":
        text = good.replace('"seed": 1,', '"seed": 1,\n  "seed": 2,')
    elif text == "DOC_WITH_A_LINK_WITH_TWO_WEIGHTS":
        text = good.replace('"weight": ', '"weight": 0.5, "weight": ', 1)
    with pytest.raises(NetworkFileError, match=f"'{field}' appears twice"):
        loads(text)


def test_a_byte_order_mark_is_read_in_network_files_as_in_csv(tmp_path):
    """Notepad writes one; the CSV reader skipped it and the network loader refused the file."""
    net = Network.layered(2, 2, 1, seed=1)
    path = tmp_path / "net.json"
    path.write_bytes(b"\xef\xbb\xbf" + dumps(net).encode("utf-8"))
    assert load(path).weights() == net.weights()
    assert loads("\ufeff" + dumps(net)).weights() == net.weights()
