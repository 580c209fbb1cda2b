"""Matt Mazur's "A Step by Step Backpropagation Example": the published numbers.

The oracle is the article (2015), which prints nine decimals; we compare at
that precision.
"""

import pytest

from lernpy import Updated, examples


def nine(x: float) -> float:
    return round(x, 9)


@pytest.fixture
def walked():
    """The Mazur network after one full sample at rate 0.5, with its scheduler."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    run.run(until="update")
    return net, run


def test_forward_pass_matches_the_article():
    """out_h1, out_o1, out_o2 and E_total as printed in the article."""
    net = examples.mazur()
    assert [nine(v) for v in net.forward([0.05, 0.10])] == [0.75136507, 0.772928465]
    assert nine(net["h1"].value) == 0.593269992
    assert nine(net["h1"].net) == 0.3775
    assert nine(net.loss(*examples.MAZUR_SAMPLE)) == 0.298371109


def test_output_weight_gradient_matches_the_article(walked):
    """∂E/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041."""
    net, _ = walked
    o1 = net["o1"]
    assert nine(o1.error) == 0.74136507
    assert nine(o1.value * (1 - o1.value)) == 0.186815602
    assert nine(net["w5"].sensitivity) == 0.082167041


def test_hidden_weight_gradient_sums_blame_over_both_outputs(walked):
    """∂E/∂out_h1 = 0.055399425 − 0.019049119 = 0.036350306; ∂E/∂w1 = 0.000438568."""
    net, _ = walked
    h1 = net["h1"]
    assert [round(link.blame, 8) for link in h1.outgoing] == [0.05539942, -0.01904912]
    assert nine(h1.error) == 0.036350306
    assert nine(h1.value * (1 - h1.value)) == 0.241300709
    assert nine(net["w1"].sensitivity) == 0.000438568


def test_new_weights_match_the_article(walked):
    """w1…w8 after one update; the frozen biases stay."""
    net, run = walked
    run.run()
    published = [
        0.149780716, 0.19956143, 0.24975114, 0.29950229,
        0.35891648, 0.408666186, 0.511301270, 0.561370121,
    ]  # fmt: skip
    for k, expected in enumerate(published, start=1):
        assert net[f"w{k}"].weight == pytest.approx(expected, abs=5e-9), f"w{k}"
    assert [net[n].weight for n in ("b1→h1", "b1→h2", "b2→o1", "b2→o2")] == [0.35, 0.35, 0.6, 0.6]
    assert [s.link.label for s in run.trace if isinstance(s, Updated)] == [
        f"w{k}" for k in range(1, 9)
    ]


def test_ten_thousand_updates():
    """After 10,000 updates: E 0.0000351019, outputs 0.015913620 and 0.984064274.

    The article's 0.0000351085 is the error measured before the last update.
    """
    net = examples.mazur()
    history = net.train([examples.MAZUR_SAMPLE], epochs=10_000, rate=0.5)
    assert round(net.loss(*examples.MAZUR_SAMPLE), 10) == 0.0000351019
    assert round(history.loss[-1], 10) == 0.0000351085
    assert [nine(v) for v in net.forward([0.05, 0.10])] == [0.01591362, 0.984064274]
