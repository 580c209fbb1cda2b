"""The network diagram, read back as XML and checked against the network's own numbers."""

from __future__ import annotations

import math

import pytest
from pytest import approx
from svgparse import NS, by_class, is_blue, is_orange, parse

from lernpy import Network, examples
from lernpy.graph.samples import check_data
from lernpy.pictures import diagram_svg, draw
from lernpy.pictures.diagram import MAX_WIDTH


def mixed() -> Network:
    """A seeded 2-3-2 network with both signs among its weights."""
    net = Network.layered(2, 3, 2, activation="tanh", output="sigmoid", seed=4)
    assert any(w < 0 for w in net.weights().values()) and any(w > 0 for w in net.weights().values())
    return net


def skip() -> Network:
    """Two hidden layers and a skip link from an input straight to the output."""
    net = Network.layered(2, 3, 2, 1, activation="tanh", seed=2)
    net.add_link("x1", "y1", weight=-0.7)
    return net


def forty() -> Network:
    """40 neurons, the most drawn one by one: 4-16-16-4 with a skip link."""
    net = Network.layered(4, 16, 16, 4, activation="tanh", seed=0)
    net.add_link("x1", "y1", weight=0.9)
    return net


NETWORKS = {"mazur": examples.mazur, "mixed": mixed, "skip": skip, "forty": forty}


def centres(root) -> dict[str, tuple[float, float]]:
    return {
        c.get("data-name"): (float(c.get("cx")), float(c.get("cy")))
        for c in by_class(root, "neuron")
    }


def ends(el) -> tuple[tuple[float, float], tuple[float, float]]:
    """Start and end point of a link drawn as a line or a path."""
    if el.tag.endswith("line"):
        return (float(el.get("x1")), float(el.get("y1"))), (
            float(el.get("x2")),
            float(el.get("y2")),
        )
    numbers = [float(v) for v in el.get("d").split() if v not in ("M", "L", "Q")]
    return (numbers[0], numbers[1]), (numbers[-2], numbers[-1])


@pytest.mark.parametrize("make", NETWORKS.values(), ids=NETWORKS.keys())
def test_one_shape_per_neuron_and_one_line_per_link_joining_them(make):
    """Every neuron is one circle, every link one line or curve from its source to its target."""
    net = make()
    root = parse(diagram_svg(net))
    circles = by_class(root, "neuron")
    assert sorted(c.get("data-name") for c in circles) == sorted(n.name for n in net.neurons)
    assert all(c.tag.endswith("circle") for c in circles)
    kinds = {c.get("data-name"): c.get("class").split()[1] for c in circles}
    assert kinds == {n.name: n.kind for n in net.neurons}  # bias neurons are marked as such
    links = by_class(root, "link")
    assert [e.get("data-name") for e in links] == [link.name for link in net.links]
    at = centres(root)
    for el, link in zip(links, net.links, strict=True):
        start, end = ends(el)
        assert start == approx(at[link.source.name], abs=0.01)
        assert end == approx(at[link.target.name], abs=0.01)


@pytest.mark.parametrize("make", NETWORKS.values(), ids=NETWORKS.keys())
def test_link_colour_follows_sign_and_width_grows_with_weight(make):
    """Positive links are blue and solid, negative orange and dashed; wider for bigger |weight|."""
    net = make()
    root = parse(diagram_svg(net))
    weights = net.weights()
    shown = []
    for el in by_class(root, "link"):
        w = weights[el.get("data-name")]
        assert float(el.get("data-weight")) == w
        if w > 0:
            assert is_blue(el.get("stroke")) and not el.get("stroke-dasharray")
            assert "positive" in el.get("class")
        elif w < 0:
            assert is_orange(el.get("stroke")) and el.get("stroke-dasharray")
            assert "negative" in el.get("class")
        shown.append((abs(w), float(el.get("stroke-width"))))
    shown.sort()
    for (wa, a), (wb, b) in zip(shown, shown[1:], strict=False):
        assert a <= b
        if wb > wa * 1.05:
            assert a < b
    assert shown[-1][1] == MAX_WIDTH


def label_number(text: str) -> float:
    return float(text.split()[-1].replace("−", "-"))


def test_weight_labels_read_back_as_the_weights():
    """annotate='weight' writes each link's weight (4 significant digits), with Mazur's labels."""
    net = mixed()
    root = parse(diagram_svg(net, annotate="weight"))
    labels = by_class(root, "link-label")
    assert len(labels) == len(net.links)
    for el in labels:
        assert label_number(el.text) == approx(net[el.get("data-name")].weight, rel=1e-3)
    root = parse(diagram_svg(examples.mazur(), annotate="weight"))
    texts = {el.get("data-name"): el.text for el in by_class(root, "link-label")}
    assert texts["h1→o1"] == "w5 0.4"


def test_sensitivity_and_update_labels_match_the_steps_taken():
    """After one Mazur sample: ∂E/∂w labels are the links' sensitivities, Δw labels new − old."""
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
    root = parse(diagram_svg(net, annotate="sensitivity"))
    for el in by_class(root, "link-label"):
        assert label_number(el.text) == approx(net[el.get("data-name")].sensitivity, rel=1e-3)
    root = parse(diagram_svg(net, annotate="update"))
    deltas = {el.get("data-name"): label_number(el.text) for el in by_class(root, "link-label")}
    updates = {s.link.name: s.new - s.old for s in net.trace if s.kind == "Updated"}
    assert deltas.keys() == updates.keys()  # frozen bias links never moved: no label
    for name, delta in updates.items():
        assert deltas[name] == approx(delta, rel=1e-3)
    # published: w5 goes from 0.4 to 0.35891648
    assert deltas["h1→o1"] == approx(0.35891648 - 0.4, rel=1e-3)


def test_highlighted_link_or_neuron_is_marked():
    """highlight= by label, link name or neuron name puts a halo under that one element."""
    net = examples.mazur()
    root = parse(diagram_svg(net, highlight="w5"))
    (halo,) = by_class(root, "highlight")
    assert halo.get("data-name") == "h1→o1"
    (marked,) = by_class(root, "highlighted")
    assert marked.get("data-name") == "h1→o1" and "link" in marked.get("class")
    root = parse(diagram_svg(net, highlight="h2"))
    (halo,) = by_class(root, "highlight")
    assert halo.get("data-name") == "h2" and halo.tag.endswith("circle")
    assert diagram_svg(net, highlight="i1->h1").count('class="highlight"') == 1
    with pytest.raises(KeyError, match="h9"):
        diagram_svg(net, highlight="h9")


def boxes(root) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Rough boxes of the neurons and of every label outside them (6 px per character)."""
    out = []
    shift = 0.0
    for g in root.iter():
        if (g.get("transform") or "").startswith("translate(0,"):
            shift = float(g.get("transform")[len("translate(0,") : -1])
    for c in by_class(root, "neuron"):
        x, y, r = float(c.get("cx")), float(c.get("cy")), float(c.get("r"))
        out.append((f"circle {c.get('data-name')}", (x - r, y - r, x + r, y + r)))
    for cls in ("neuron-value", "neuron-sensitivity", "link-label"):
        for t in by_class(root, cls):
            x, y = float(t.get("x")), float(t.get("y"))
            size = float(t.get("font-size") or 11)
            w = 0.55 * size * len(t.text)
            out.append((f"{cls} {t.get('data-name')}", (x - w / 2, y - 0.7 * size, x + w / 2, y)))
    return [(name, (a, b + shift, c, d + shift)) for name, (a, b, c, d) in out]


@pytest.mark.parametrize("make", NETWORKS.values(), ids=NETWORKS.keys())
@pytest.mark.parametrize("annotate", ["weight", "sensitivity"])
def test_labels_never_overlap_each_other_or_the_neurons(make, annotate):
    """No two labels and no label and neuron share any area, and all stay inside the picture."""
    net = make()
    net.scheduler(
        check_data(net, [([0.3] * len(net.inputs), [0.5] * len(net.outputs))]), rate=0.1
    ).run()
    root = parse(diagram_svg(net, annotate=annotate))
    width, height = float(root.get("width")), float(root.get("height"))
    found = boxes(root)
    for i, (name_a, a) in enumerate(found):
        assert 0 <= a[0] and a[2] <= width and 0 <= a[1] and a[3] <= height, name_a
        for name_b, b in found[i + 1 :]:
            overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            assert not overlap, f"{name_a} overlaps {name_b}"


def test_skip_link_runs_above_the_hidden_layers():
    """x1→y1 jumps two columns along a lane above every neuron; the other links are lines."""
    net = skip()
    root = parse(diagram_svg(net))
    (curve,) = [e for e in by_class(root, "link") if e.get("data-name") == "x1→y1"]
    assert curve.tag.endswith("path")
    parts = curve.get("d").split()
    lane = [float(parts[i + 2]) for i, v in enumerate(parts) if v == "L"]
    assert lane and max(lane) < min(y for _, y in centres(root).values()) - 20
    assert all(e.tag.endswith("line") for e in by_class(root, "link") if e is not curve)


def test_large_network_is_summarised_per_layer():
    """Past 40 neurons: one box per layer with its count, one band per bundle of links."""
    net = Network.layered(2, 50, 3, activation="relu", seed=1)
    root = parse(diagram_svg(net))
    assert not by_class(root, "neuron")
    layers = by_class(root, "layer")
    assert [int(e.get("data-count")) for e in layers] == [len(layer) for layer in net.layers]
    bundles = by_class(root, "bundle")
    assert sum(int(b.get("data-links")) for b in bundles) == sum(
        1 for link in net.links if link.source.kind != "bias"
    )
    for b in bundles:
        assert 0 <= float(b.get("data-positive")) <= 1 and float(b.get("data-mean-abs-weight")) > 0
    assert by_class(parse(diagram_svg(net, max_neurons=100)), "neuron")  # can still be forced


def test_jupyter_shows_the_diagram_and_draw_writes_it(tmp_path):
    """Network's Jupyter HTML holds the diagram inline; draw(net, path) writes the same SVG."""
    net = examples.mazur()
    svg = diagram_svg(net)
    assert svg in net._repr_html_()
    assert not hasattr(net, "_repr_svg_")  # one Jupyter view: the HTML, which holds the diagram
    assert len(by_class(parse(svg), "neuron")) == len(net.neurons)
    out = tmp_path / "net.svg"
    assert draw(net, out) == out.read_text(encoding="utf-8") == svg
    assert not math.isnan(len(svg))


def test_draw_writes_atomically_beside_a_stray_temporary_name(tmp_path):
    """A left-over 'x.svg.tmp' cannot block the write, and no temporary file stays behind."""
    (tmp_path / "x.svg.tmp").mkdir()
    svg = draw(Network.layered(2, 2, 1, seed=1), tmp_path / "x.svg")
    assert (tmp_path / "x.svg").read_text(encoding="utf-8") == svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.svg", "x.svg.tmp"]


def test_draw_into_a_missing_folder_is_a_lernpy_error(tmp_path):
    """A path that cannot be written is a clear LernpyError naming it, not a raw OSError."""
    from lernpy import LernpyError

    with pytest.raises(LernpyError, match="nowhere"):
        draw(Network.layered(2, 2, 1, seed=1), tmp_path / "nowhere" / "x.svg")


# -- real-sized networks: a 13-8-3 trained from a file with named columns ---------------------

WINE = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
        "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
        "od280/od315_of_diluted_wines", "proline"]  # fmt: skip


def wine() -> Network:
    names = [WINE, [f"h{k}" for k in range(1, 9)], ["barolo", "grignolino", "barbera"]]
    return Network.layered(13, 8, 3, activation="tanh", output="softmax", loss="cross_entropy",
                           names=names, seed=0)  # fmt: skip


def test_a_large_network_leaves_its_link_labels_out_and_keeps_the_numbers_on_hover():
    """139 links: no labels by default (33 of them were dropped over a mass of others), each
    link's numbers in its tooltip, and the legend says so; labels=True puts them back."""
    net = wine()
    root = parse(diagram_svg(net, annotate="weight"))
    assert by_class(root, "link-label") == []
    tips = [e.find(f"{NS}title").text for e in by_class(root, "link")]
    assert len(tips) == 139 and all("weight" in t for t in tips)
    legend = " ".join(t.text for t in by_class(root, "legend-labels"))
    assert "left out for 139 links (hover a link for its numbers)" in legend
    small = parse(diagram_svg(examples.mazur(), annotate="weight"))
    assert len(by_class(small, "link-label")) == 12  # a small network keeps its labels
    forced = parse(diagram_svg(net, annotate="weight", labels=True))
    assert by_class(forced, "link-label")


def test_long_names_sit_beside_their_column_and_inside_the_picture():
    """Column names written left of the inputs and class names right of the outputs, all
    inside the picture and clear of one another."""
    root = parse(diagram_svg(wine()))
    width = float(root.get("width"))
    names = {t.get("data-name"): t for t in by_class(root, "neuron-name")}
    circles = centres(root)
    for name in (n for n in WINE if len(n) > 3):  # ash and hue fit inside their circles
        text = names[name]
        assert text.get("text-anchor") == "end" and float(text.get("x")) < circles[name][0]
        assert float(text.get("x")) - 0.62 * 12 * len(name) >= 0  # its estimated box fits
    for name in ("barolo", "grignolino", "barbera"):
        text = names[name]
        assert text.get("text-anchor") == "start" and float(text.get("x")) > circles[name][0]
        assert float(text.get("x")) + 0.62 * 12 * len(name) <= width
    assert (
        names["h1"].get("text-anchor") == "middle" and names["ash"].get("text-anchor") == "middle"
    )


def test_sparse_wiring_is_drawn_with_fewer_crossings():
    """x1 feeds only h2 and x2 only h1: the hidden neurons swap rows so nothing crosses; a
    fully connected layer (every order crosses alike) keeps its order."""
    from lernpy.pictures.layout import crossings

    net = Network(seed=0)
    for name, kind in (("x1", "input"), ("x2", "input"), ("h1", "hidden"), ("h2", "hidden"),
                       ("y1", "output"), ("y2", "output")):  # fmt: skip
        net.add_neuron(name, "sigmoid", kind)
    for s, t in (("x1", "h2"), ("x2", "h1"), ("h2", "y1"), ("h1", "y2")):
        net.add_link(s, t, 0.5)
    root = parse(diagram_svg(net))
    at = centres(root)
    assert at["h2"][1] < at["h1"][1]  # h2 drawn above h1
    columns = [["x1", "x2"], ["h2", "h1"], ["y1", "y2"]]
    edges = [(link.source.name, link.target.name) for link in net.links]
    assert crossings(columns, edges) == 0 and crossings([["x1", "x2"], ["h1", "h2"],
                                                          ["y1", "y2"]], edges) == 2  # fmt: skip
    dense = centres(parse(diagram_svg(wine())))
    assert [dense[f"h{k}"][1] for k in range(1, 9)] == sorted(
        dense[f"h{k}"][1] for k in range(1, 9)
    )
