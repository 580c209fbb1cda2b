"""Names and the other settings a file holds: one rule, checked wherever they enter.

Whatever a constructor or a mutator accepts, save writes and load reads back;
whatever the loader refuses, the constructors and mutators refuse too.
"""

import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lernpy import LernpyError, Network, TopologyError, UnknownNameError
from lernpy.data.netfile import NetworkFileError, dumps, loads, to_dict


def small() -> Network:
    return Network.layered(2, 2, 1, seed=3)


# -- finding 1: a network that saves must load ---------------------------------------


def _layer(layer):
    def build():
        net = Network()
        net.add_neuron("x", kind="input")
        net.add_neuron("y", kind="output", layer=layer)
        net.add_link("x", "y", 0.5)
        return net

    return build


def _label(label):
    def build():
        net = small()
        net.label("x1→h1", label)
        return net

    return build


def _neuron_named_like_a_label():
    net = small()
    net.label("x1→h1", "w5")
    net.add_neuron("w5")
    return net


def _label_named_like_a_neuron():
    net = small()
    net.label("x1→h1", "h2")
    return net


SAVE_THEN_LOAD = {
    "seed text": lambda: Network.layered(2, 1, seed="abc"),
    "seed 1.5": lambda: Network.layered(2, 1, seed=1.5),
    "seed None": lambda: Network.layered(2, 1, seed=None),
    "seed True": lambda: Network.layered(2, 1, seed=True),
    "seed 2**300": lambda: Network.layered(2, 1, seed=2**300),
    "seed -2**300": lambda: Network(seed=-(2**300)),
    "scale -1": lambda: Network.layered(2, 1, scale=-1),
    "scale nan": lambda: Network.layered(2, 1, scale=float("nan")),
    "scale text": lambda: Network(scale="big"),
    "leading space": lambda: Network.layered(2, 1, names=[[" a", "b"], ["c"]]),
    "trailing space": lambda: Network.layered(2, 1, names=[["a ", "b"], ["c"]]),
    "layer 1000": _layer(1000),
    "layer 10**7": _layer(10**7),
    "label with a space at the end": _label("w5 "),
    "empty label": _label(""),
    "label with an arrow": _label("a->b"),
    "label with a newline": _label("w\n5"),
    "neuron named like a label": _neuron_named_like_a_label,
    "label named like a neuron": _label_named_like_a_neuron,
    "neuron name with a newline": lambda: Network.layered(2, 1, names=[["a\nb", "c"], ["d"]]),
    "bias name with a tab": lambda: Network.layered(2, 1, bias_names=["b\t1"]),
}


@pytest.mark.parametrize("build", SAVE_THEN_LOAD.values(), ids=SAVE_THEN_LOAD.keys())
def test_whatever_a_constructor_accepts_saves_and_loads_back(build):
    """A call either refuses (a LernpyError) or makes a network whose file loads again."""
    try:
        net = build()
    except LernpyError:
        return
    text = dumps(net)
    again = loads(text)
    assert dumps(again) == text


def test_save_checks_with_the_loaders_rules_before_writing(tmp_path):
    """A name changed behind the network's back is refused by save; the old file stays."""
    from lernpy import save

    net = small()
    path = tmp_path / "net.json"
    save(net, path)
    before = path.read_bytes()
    net["h1"].name = "h\x1b[2J"
    with pytest.raises(NetworkFileError, match=r"neurons\[\d\]\.name"):
        save(net, path)
    with pytest.raises(NetworkFileError):
        to_dict(net)
    assert path.read_bytes() == before


def test_a_weight_poked_into_a_link_is_a_file_error_not_a_type_error():
    net = small()
    net.links[0].weight = "0.5"
    with pytest.raises(NetworkFileError, match="weight"):
        dumps(net)


@pytest.mark.parametrize(
    "seed, expected", [(np.int64(3), 3), (np.uint8(7), 7), (2**256, 2**256), (-5, -5)]
)
def test_whole_number_seeds_of_any_integer_type_work(seed, expected):
    """A numpy integer seed is the same seed as the Python int."""
    net = Network.layered(2, 2, 1, seed=seed)
    assert net.seed == expected and type(net.seed) is int
    assert net.weights() == Network.layered(2, 2, 1, seed=expected).weights()
    assert loads(dumps(net)).seed == expected


def test_numpy_floats_are_numbers_everywhere_a_number_goes():
    net = Network.layered(2, 2, 1, seed=1, init="uniform", scale=np.float64(0.25))
    net.set_weights({"x1→h1": np.float64(0.5), "x2→h1": np.float32(0.25)})
    net.add_neuron("h9", layer=np.int64(1))
    net.add_link("x1", "h9", np.float64(0.125))
    assert type(net.scale) is float and type(net["x1→h9"].weight) is float
    assert net["h9"].layer == 1 and type(net["h9"].layer) is int
    assert loads(dumps(net)).weights() == net.weights()


# -- finding 10: control characters are refused at the door ----------------------------

CONTROL = ["\x1b[2J\x1b]0;pwned\x07", "a\x01", "\x00", "a\x7fb", "\x9b31m", "a\u202eb", "a\u2028b"]


@pytest.mark.parametrize("bad", CONTROL)
def test_control_and_format_characters_are_refused_in_every_name(bad):
    net = small()
    before = dumps(net)
    calls = [
        lambda: net.add_neuron(bad),
        lambda: net.add_neuron("ok" + bad),
        lambda: net.label("x1→h1", bad),
        lambda: net.add_link("x1", "y1", 0.1, label=bad),
        lambda: Network.layered(2, 1, names=[[bad, "b"], ["c"]]),
    ]
    for call in calls:
        with pytest.raises(TopologyError, match="control"):
            call()
    assert dumps(net) == before


@pytest.mark.parametrize("bad", CONTROL)
def test_the_loader_refuses_control_characters_in_names(bad):
    doc = to_dict(small())
    doc["neurons"][3]["name"] = "h" + bad
    with pytest.raises(NetworkFileError, match=r"neurons\[3\]\.name"):
        from lernpy.data.netfile import from_dict

        from_dict(doc)


def test_shown_escapes_what_a_terminal_would_obey():
    from lernpy.graph.names import shown

    assert shown("h1") == "h1"
    assert shown("a\x1b[2J\x07") == "a\\x1b[2J\\x07"
    assert shown("a\u202eb\n") == "a\\u202eb\\n"
    assert shown("c1[2,3] h1@t3 ü→ö") == "c1[2,3] h1@t3 ü→ö"  # printable text is left alone


# -- finding 11: whitespace inside names, Unicode forms ---------------------------------


def test_a_link_between_names_with_spaces_is_found_by_its_own_name():
    net = Network()
    net.add_neuron("input a", kind="input")
    net.add_neuron("out b", kind="output")
    link = net.add_link("input a", "out b", 0.5)
    assert link.name == "input a→out b"
    assert net[link.name] is link
    assert net.link("input a -> out b") is link
    assert net.link(" input a→ out b ") is link
    assert "input a→out b" in net and "inputa→outb" not in net


def test_two_spellings_of_one_name_are_one_neuron():
    composed, decomposed = "h\u00fc", "hu\u0308"  # ü as one code point, and u + combining ¨
    assert composed != decomposed
    net = Network()
    net.add_neuron("x", kind="input")
    neuron = net.add_neuron(composed, kind="output")
    assert neuron.name == unicodedata.normalize("NFC", decomposed)
    with pytest.raises(TopologyError, match="exists already"):
        net.add_neuron(decomposed)
    assert net[decomposed] is neuron
    link = net.add_link("x", decomposed, 0.5)
    assert net["x→" + composed] is link and net["x->" + decomposed] is link


def test_the_loader_reads_names_in_nfc_and_finds_two_spellings_the_same():
    net = Network()
    net.add_neuron("x", kind="input")
    net.add_neuron("h\u00fc", kind="output")
    net.add_link("x", "h\u00fc", 0.5)
    doc = to_dict(net)
    doc["links"][0]["target"] = "hu\u0308"
    from lernpy.data.netfile import from_dict

    assert from_dict(doc)["x→h\u00fc"].weight == 0.5
    doc["neurons"].append({"name": "hu\u0308", "kind": "hidden", "layer": 1, "activation": "tanh"})
    with pytest.raises(NetworkFileError, match="names two neurons"):
        from_dict(doc)


@pytest.mark.parametrize(
    "name", ["h1@t3", "c1[2,3]", "h1", "o1", "w_5", "x.1", "a-b", "a>b", "a b", "Größe", "ζ1", "🙂"]
)
def test_printable_names_stay_legal(name):
    """The builders of other issues make h1@t3 and c1[2,3]; printable punctuation is fine."""
    from lernpy.graph.names import check_name

    assert check_name(name, "neuron") == name
    net = Network()
    net.add_neuron("x", kind="input")
    net.add_neuron(name, kind="output")
    link = net.add_link("x", name, 0.25, label=name + "w")
    again = loads(dumps(net))
    assert again[f"x→{name}"].weight == 0.25 and again[name + "w"] is again[f"x→{name}"]
    assert net[link.name] is link


@pytest.mark.parametrize(
    "bad, why",
    [
        ("", "empty"),
        (" a", "space"),
        ("a ", "space"),
        ("a→b", "arrow"),
        ("a->b", "arrow"),
        ("a\u00a0b", "space"),
        ("a\tb", "control"),
        (5, "text"),
        (None, "text"),
        (b"a", "text"),
    ],
)
def test_names_that_break_a_rule_are_refused_with_the_rule(bad, why):
    from lernpy.graph.names import check_name

    with pytest.raises(TopologyError, match=why):
        check_name(bad, "neuron")
    net = small()
    with pytest.raises(TopologyError, match=why):
        net.add_neuron(bad)


def test_a_numpy_string_is_a_name():
    net = small()
    neuron = net.add_neuron(np.str_("h9"))
    assert type(neuron.name) is str


def test_lookup_of_a_name_that_is_no_text_says_so():
    net = small()
    for bad in (5, None, 1.5, ["h1"]):
        with pytest.raises(UnknownNameError):
            net[bad]  # noqa: B018
        assert bad not in net


@given(st.text(max_size=12))
@settings(max_examples=300)
def test_a_column_or_class_from_a_data_file_always_becomes_a_legal_name(text):
    """lernpy train names neurons after a file's columns: whatever the header holds."""
    from lernpy.data.preprocessing import neuron_name
    from lernpy.graph.names import check_name

    name = neuron_name(text, "x1", "x_")
    assert check_name(name) == name
