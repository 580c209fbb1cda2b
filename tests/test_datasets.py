"""Built-in data sets: shapes, determinism, and the geometry each one promises."""

import math
import statistics

import pytest

from lernpy import datasets
from lernpy.errors import LernpyError

GENERATED = ["circles", "moons", "spirals", "clusters", "sine", "stairs", "bars", "parity", "delay"]


@pytest.mark.parametrize(
    ("gate", "truth"),
    [
        ("and", lambda a, b: a and b),
        ("or", lambda a, b: a or b),
        ("nand", lambda a, b: not (a and b)),
        ("xor", lambda a, b: a != b),
    ],
)
def test_logic_gates_match_python_boolean_operators(gate, truth):
    """Each truth table agrees with Python's own boolean operators on all four rows."""
    rows = datasets.logic_gate(gate)
    assert [x for x, _ in rows] == [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    for (a, b), (y,) in rows:
        assert y == float(bool(truth(bool(a), bool(b))))


def test_named_gate_functions_match_logic_gate():
    """and_gate, or_gate, nand_gate and xor are the truth tables of their names."""
    assert datasets.and_gate() == datasets.logic_gate("and")
    assert datasets.or_gate() == datasets.logic_gate("or")
    assert datasets.nand_gate() == datasets.logic_gate("nand")
    assert datasets.xor() == datasets.logic_gate("XOR")


def test_unknown_gate_is_a_lernpy_error_naming_the_choices():
    """An unknown gate name raises LernpyError listing the known ones."""
    with pytest.raises(LernpyError, match="unknown logic gate 'nor'.*xor"):
        datasets.logic_gate("nor")


@pytest.mark.parametrize("name", GENERATED)
def test_a_seed_fixes_the_data_and_another_seed_changes_it(name):
    """Same n and seed give the same list; a different seed gives a different one."""
    first = datasets.make(name, n=40, seed=7)
    assert first == datasets.make(name, n=40, seed=7)
    assert first != datasets.make(name, n=40, seed=8)
    assert len(first) == 40


@pytest.mark.parametrize("name", GENERATED)
def test_generators_do_not_touch_the_global_random_state(name):
    """Generating data leaves the global random module's state unchanged."""
    import random

    random.seed(123)
    before = random.getstate()
    datasets.make(name, n=20, seed=1)
    assert random.getstate() == before


@pytest.mark.parametrize("name", GENERATED)
def test_samples_are_tuples_of_floats_of_the_advertised_width(name):
    """Every sample has as many inputs and targets as the data set's names say."""
    info = datasets.describe(name)
    for x, t in datasets.make(name, n=25, seed=3):
        assert isinstance(x, tuple) and isinstance(t, tuple)
        assert len(x) == len(info.input_names) and len(t) == len(info.target_names)
        assert all(isinstance(v, float) and math.isfinite(v) for v in x + t)


@pytest.mark.parametrize("name", ["circles", "moons", "spirals", "clusters", "stairs", "bars"])
def test_classes_are_balanced_to_within_one(name):
    """Each class gets n / classes samples, give or take one."""
    data = datasets.make(name, n=53, seed=5)
    counts = {}
    for _, t in data:
        label = t.index(max(t)) if len(t) > 1 else int(t[0])
        counts[label] = counts.get(label, 0) + 1
    assert max(counts.values()) - min(counts.values()) <= 1
    assert len(counts) == len(datasets.CLASSES[name])


def test_circles_without_noise_lie_on_radius_one_and_factor():
    """With no noise the outer class sits at radius 1 and the inner at the factor."""
    for (x, y), (label,) in datasets.circles(n=50, seed=2, noise=0.0, factor=0.3):
        assert math.hypot(x, y) == pytest.approx(0.3 if label else 1.0, abs=1e-12)


def test_moons_without_noise_lie_on_their_half_circles():
    """Upper moon: unit circle above y=0; lower: unit circle centred (1, 0.5) below y=0.5."""
    for (x, y), (label,) in datasets.moons(n=60, seed=4, noise=0.0):
        if label == 0:
            assert math.hypot(x, y) == pytest.approx(1.0) and y >= -1e-12
        else:
            assert math.hypot(x - 1.0, y - 0.5) == pytest.approx(1.0) and y <= 0.5 + 1e-12


def test_spiral_arms_are_half_a_turn_apart():
    """Without noise, a point of arm 1 turned by π lands on arm 0 (radius fixes the angle)."""
    turns = 1.5
    for (x, y), (label,) in datasets.spirals(n=80, seed=6, noise=0.0, turns=turns):
        radius = math.hypot(x, y)
        along = (radius - 0.1) / 0.9
        expected = 2 * math.pi * turns * along + math.pi * label
        assert math.cos(expected) * radius == pytest.approx(x, abs=1e-9)
        assert math.sin(expected) * radius == pytest.approx(y, abs=1e-9)
        assert 0.1 - 1e-12 <= radius <= 1.0 + 1e-12


def test_cluster_means_are_near_their_centres_on_the_unit_circle():
    """Each class's mean point lies near cos/sin of its evenly spaced angle."""
    data = datasets.clusters(n=900, seed=1, classes=3, spread=0.1)
    for label in range(3):
        points = [x for x, t in data if t.index(1.0) == label]
        angle = 2 * math.pi * label / 3
        # standard error of a mean of 300 draws with sd 0.1 is about 0.006
        assert statistics.fmean(p[0] for p in points) == pytest.approx(math.cos(angle), abs=0.03)
        assert statistics.fmean(p[1] for p in points) == pytest.approx(math.sin(angle), abs=0.03)


def test_sine_targets_are_sin_of_the_input_without_noise():
    """With noise 0, every target equals math.sin of its input, inputs within [-π, π]."""
    for (x,), (y,) in datasets.sine(n=30, seed=9):
        assert -math.pi <= x <= math.pi
        assert y == math.sin(x)


def test_stairs_without_noise_are_the_hand_drawn_patterns_of_their_class():
    """Noise-free stairs images are exactly one of their class's patterns, pixels 0 or 1."""
    names = list(datasets.STAIRS_PATTERNS)
    for pixels, target in datasets.stairs(n=40, seed=2, noise=0.0):
        cls = names[target.index(1.0)]
        assert tuple(int(p) for p in pixels) in datasets.STAIRS_PATTERNS[cls]
    # the classes are told apart by their pixels alone: no pattern belongs to two classes
    seen = [p for patterns in datasets.STAIRS_PATTERNS.values() for p in patterns]
    assert len(seen) == len(set(seen))


def test_stairs_noise_keeps_pixels_in_unit_range():
    """Noisy pixels are clipped to [0, 1]."""
    for pixels, _ in datasets.stairs(n=100, seed=3, noise=0.5):
        assert all(0.0 <= p <= 1.0 for p in pixels)


def test_iris_matches_fishers_published_summary():
    """150 flowers, 50 per species, column means 5.843 3.057 3.758 1.199 (Fisher 1936)."""
    data = datasets.iris()
    assert len(data) == 150
    for species in range(3):
        assert sum(1 for _, t in data if t[species] == 1.0) == 50
    means = [statistics.fmean(x[i] for x, _ in data) for i in range(4)]
    assert [round(m, 3) for m in means] == [5.843, 3.057, 3.758, 1.199]
    # published per-species means of petal length: 1.462, 4.260, 5.552
    petal = [statistics.fmean(x[2] for x, t in data if t[s] == 1.0) for s in range(3)]
    assert [round(m, 3) for m in petal] == [1.462, 4.26, 5.552]


def test_iris_file_names_its_source():
    """The shipped CSV says where the numbers come from."""
    with open(datasets._iris_path(), encoding="utf-8") as handle:
        head = handle.read(600)
    assert "Fisher" in head and "1936" in head and "UCI" in head


def test_digits_are_64_pixels_in_unit_range_with_ten_classes_or_a_clear_error():
    """With scikit-learn: 1797 images of 64 pixels in [0, 1]; without it, a LernpyError."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        with pytest.raises(LernpyError, match="scikit-learn.*lernpy\\[digits\\]"):
            datasets.digits()
        return
    data = datasets.digits()
    assert len(data) == 1797
    assert all(len(x) == 64 and len(t) == 10 for x, t in data)
    assert all(0.0 <= p <= 1.0 for x, _ in data for p in x)
    assert {t.index(1.0) for _, t in data} == set(range(10))


def test_digits_without_scikit_learn_says_how_to_install_it(monkeypatch):
    """When sklearn cannot be imported, the error names the extra to install."""
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("no sklearn here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(LernpyError, match='pip install "lernpy\\[digits\\]"'):
        datasets.digits()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_a_bad_sample_count_is_a_lernpy_error(bad):
    """n must be a positive whole number."""
    with pytest.raises(LernpyError, match="n must be"):
        datasets.circles(n=bad)


def test_unknown_dataset_name_lists_the_known_ones():
    """make() with an unknown name raises LernpyError naming the choices."""
    with pytest.raises(LernpyError, match="unknown data set 'mnist'.*spirals"):
        datasets.make("mnist")


def test_bars_without_noise_are_one_full_row_or_column():
    """A horizontal bar lights one whole row, a vertical one a whole column, nothing else."""
    for x, t in datasets.bars(n=40, seed=4, size=4, noise=0.0):
        grid = [x[r * 4 : r * 4 + 4] for r in range(4)]
        rows = [r for r in range(4) if grid[r] == (1.0,) * 4]
        cols = [c for c in range(4) if all(grid[r][c] == 1.0 for r in range(4))]
        assert sum(x) == 4.0
        assert (rows and t == (1.0, 0.0)) or (cols and t == (0.0, 1.0))


def test_bars_noise_keeps_pixels_in_unit_range():
    assert all(0.0 <= p <= 1.0 for x, _ in datasets.bars(n=30, seed=1, noise=0.5) for p in x)


def test_parity_targets_are_the_parity_of_the_bits_so_far():
    for x, t in datasets.parity(n=30, steps=5, seed=2):
        assert t == tuple(float(sum(x[: k + 1]) % 2) for k in range(5))
    last = datasets.parity(n=30, steps=5, seed=2, targets="last")
    assert [t for _, t in last] == [(t[-1],) for _, t in datasets.parity(n=30, steps=5, seed=2)]


def test_delay_targets_are_the_input_lag_steps_back():
    for x, t in datasets.delay(n=30, steps=6, lag=3, seed=2):
        assert t == (0.0, 0.0, 0.0) + x[:3]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: datasets.bars(size=1), "size must be"),
        (lambda: datasets.parity(steps=0), "steps must be"),
        (lambda: datasets.parity(targets="first"), "targets is 'first'"),
        (lambda: datasets.delay(lag=-1), "lag must be"),
    ],
)
def test_bad_options_of_the_image_and_sequence_sets_are_lernpy_errors(call, message):
    with pytest.raises(LernpyError, match=message):
        call()
