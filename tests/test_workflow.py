"""The training workflow: schedules, fit's history, stopping, accuracy, predict, views."""

import io
import math

import pytest
from rich.console import Console

from lernpy import Network, datasets
from lernpy.data.preprocessing import Preprocessing
from lernpy.errors import LernpyError
from lernpy.training.schedules import Schedule, constant, exponential, parse_schedule, step
from lernpy.training.workflow import (
    EpochRecord,
    accuracy,
    class_index,
    confusion_matrix,
    evaluate,
    fit,
    is_classification,
    predict,
)
from lernpy.views.progress import ProgressBar, confusion_table, history_table


def recording_console(width=80):
    return Console(file=io.StringIO(), record=True, width=width, color_system=None)


# ---------------------------------------------------------------- schedules


def test_step_schedule_halves_the_rate_every_block_of_epochs():
    """step(0.8, 0.5, every=10): 0.8 for epochs 0-9, 0.4 for 10-19, 0.2 for 20-29."""
    s = step(0.8, factor=0.5, every=10)
    assert [s(e) for e in (0, 9, 10, 19, 20, 29)] == [0.8, 0.8, 0.4, 0.4, 0.2, 0.2]


def test_exponential_schedule_is_rate_times_gamma_to_the_epoch():
    """exponential(r, g)(e) = r · g^e, checked against exp(e · log g)."""
    s = exponential(0.3, gamma=0.9)
    for e in (0, 1, 7, 50):
        assert s(e) == pytest.approx(0.3 * math.exp(e * math.log(0.9)), rel=1e-12)


def test_constant_schedule_never_changes():
    """constant(r) gives r at every epoch."""
    assert {constant(0.25)(e) for e in range(100)} == {0.25}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("constant", Schedule("constant", 0.1)),
        ("step:0.5:20", Schedule("step", 0.1, factor=0.5, every=20)),
        ("exp:0.95", Schedule("exponential", 0.1, gamma=0.95)),
        ("exponential:0.95", Schedule("exponential", 0.1, gamma=0.95)),
    ],
)
def test_schedules_are_read_from_command_line_text(text, expected):
    """The CLI spellings give the same schedules as the functions."""
    assert parse_schedule(text, rate=0.1) == expected


@pytest.mark.parametrize("text", ["linear", "step:0.5", "exp:x", "step:0.5:0", "exp:-1"])
def test_unreadable_schedules_are_lernpy_errors(text):
    """A misspelt or out-of-range schedule says what was expected."""
    with pytest.raises(LernpyError, match="schedule"):
        parse_schedule(text, rate=0.1)


# ---------------------------------------------------------------------- fit


def xor_net(seed=1):
    return Network.layered(2, 3, 1, activation="tanh", output="sigmoid", seed=seed)


@pytest.mark.parametrize("engine", ["reference", "compiled", "numpy"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_fit_trains_exactly_like_one_call_of_the_cores_train(engine, shuffle):
    """fit is one train call of as many epochs: the very same weights, shuffled or not."""
    a, b = xor_net(), xor_net()
    options = dict(rate=0.5, momentum=0.3, shuffle=shuffle, engine=engine)
    fit(a, datasets.xor(), epochs=15, progress=False, **options)
    b.train(datasets.xor(), epochs=15, **options)
    assert a.weights() == b.weights()
    assert a.rng.getstate() == b.rng.getstate()


@pytest.mark.parametrize("engine", ["reference", "compiled", "numpy"])
def test_fit_follows_the_schedule_epoch_by_epoch(engine):
    """With a step schedule, fit equals one train call with the schedule, and (without
    shuffling) training one epoch at a time at the scheduled rates."""
    schedule = step(1.0, factor=0.5, every=2)
    rates = [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    a, b, c = xor_net(), xor_net(), xor_net()
    log = fit(a, datasets.xor(), epochs=6, rate=schedule, progress=False, engine=engine)
    assert [r.rate for r in log.epochs] == rates
    b.train(datasets.xor(), epochs=6, rate=schedule, engine=engine)
    assert a.weights() == b.weights()
    a = xor_net()
    fit(a, datasets.xor(), epochs=6, rate=schedule, shuffle=False, progress=False, engine=engine)
    for rate in rates:
        c.train(datasets.xor(), epochs=1, rate=rate, shuffle=False, engine=engine)
    assert a.weights() == c.weights()


def test_history_holds_the_end_of_epoch_loss_and_accuracy_on_train_and_test():
    """Each record's losses and accuracies match a by-hand evaluation of the data."""
    net = xor_net()
    train, test = datasets.xor(), datasets.xor()[:2]
    log = fit(net, train, test, epochs=3, rate=0.5, progress=False)
    last = log.last
    by_hand = sum(net.loss(x, t) for x, t in train) / len(train)
    assert last.train_loss == pytest.approx(by_hand, rel=1e-12)
    assert last.test_loss == pytest.approx(sum(net.loss(x, t) for x, t in test) / 2, rel=1e-12)
    right = sum((net(x)[0] >= 0.5) == (t[0] == 1.0) for x, t in train)
    assert last.train_accuracy == right / 4
    assert [r.epoch for r in log.epochs] == [1, 2, 3]
    assert log.loss == log.train_loss and len(log.test_accuracy) == 3
    assert net.training_log is log


def test_fit_stops_at_the_target_loss():
    """Training ends at the first epoch whose loss reaches the target."""
    net = Network.layered(2, 3, 1, activation="sigmoid", seed=3)
    log = fit(net, datasets.xor(), epochs=5000, rate=2.0, target_loss=0.05, progress=False)
    assert log.last.train_loss <= 0.05
    assert all(r.train_loss > 0.05 for r in log.epochs[:-1])
    assert "target loss" in log.stopped


def test_fit_stops_when_the_loss_stops_improving():
    """With rate 0 nothing improves after the first epoch: patience 3 stops at epoch 4."""
    log = fit(xor_net(), datasets.xor(), epochs=100, rate=0.0, patience=3, progress=False)
    assert len(log) == 4
    assert "no improvement of the training loss for 3 epochs" in log.stopped


def test_restore_best_puts_back_the_weights_of_the_best_epoch():
    """After a rate blow-up makes things worse, restore_best returns the best epoch's weights."""
    net = xor_net(seed=2)
    snapshots = {}

    def remember(record):
        snapshots[record.epoch] = (record.train_loss, dict(net.weights()))

    schedule = Schedule("step", 0.5, factor=40.0, every=5)  # rate 0.5, then 20, then 800
    fit(
        net,
        datasets.xor(),
        epochs=12,
        rate=schedule,
        patience=4,
        restore_best=True,
        progress=False,
        on_epoch=remember,
    )
    best_epoch = min(snapshots, key=lambda e: snapshots[e][0])
    assert net.weights() == snapshots[best_epoch][1]
    assert "restored the weights of the best epoch" in net.training_log.stopped


def test_fit_watches_the_test_loss_when_there_is_test_data():
    """With test data, patience counts epochs without a better test loss."""
    log = fit(
        xor_net(), datasets.xor(), datasets.xor(), epochs=50, rate=0.0, patience=2, progress=False
    )
    assert "test loss" in log.stopped and len(log) == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"epochs": -1}, "epochs must be"),
        ({"patience": 0}, "patience must be"),
        ({"rate": Schedule("constant", 0.1)}, None),
    ],
)
def test_fit_checks_its_options(options, message):
    """Bad epochs or patience raise LernpyError before any training."""
    net = xor_net()
    before = net.weights()
    if message is None:
        fit(net, datasets.xor(), progress=False, **{"epochs": 1, **options})
        return
    with pytest.raises(LernpyError, match=message):
        fit(net, datasets.xor(), progress=False, **options)
    assert net.weights() == before


def test_regression_has_no_accuracy():
    """On sine data (not classes) the accuracy columns stay empty."""
    net = Network.layered(1, 4, 1, activation="tanh", output="identity", seed=0)
    log = fit(net, datasets.sine(n=20, seed=1), epochs=2, rate=0.05, progress=False)
    assert log.train_accuracy == [None, None]


# ----------------------------------------------------------- classification


def test_class_index_is_the_largest_entry_or_a_threshold():
    """Several outputs: the argmax; one output: whether it reaches the threshold."""
    assert class_index([0.2, 0.5, 0.3]) == 1
    assert class_index([0.5]) == 1 and class_index([0.49]) == 0
    assert class_index([-0.1], threshold=0.0) == 0


def test_is_classification_recognises_one_hot_and_binary_targets():
    """One-hot and 0/1 targets are classes; other numbers are regression."""
    assert is_classification(datasets.iris())
    assert is_classification(datasets.xor())
    assert not is_classification(datasets.sine(n=5))
    assert not is_classification([((0.0,), (1.0, 1.0))])


def threshold_net():
    """One input, sigmoid output, weight 1 and bias -0.5: class 1 exactly when x ≥ 0.5."""
    net = Network.layered(1, 1, activation="sigmoid", seed=0)
    net.set_weights({"x1→y1": 1.0, "b1→y1": -0.5})
    return net


def test_accuracy_and_confusion_count_by_hand():
    """A network that says "x ≥ 0.5" on six labelled points: counts worked out by hand."""
    data = [
        ((0.1,), (0.0,)),  # says 0, right
        ((0.2,), (1.0,)),  # says 0, wrong
        ((0.7,), (1.0,)),  # says 1, right
        ((0.9,), (1.0,)),  # says 1, right
        ((0.6,), (0.0,)),  # says 1, wrong
        ((0.3,), (0.0,)),  # says 0, right
    ]
    net = threshold_net()
    assert accuracy(net, data) == 4 / 6
    assert confusion_matrix(net, data) == [[2, 1], [1, 2]]
    assert evaluate(net, data)[1] == 4 / 6


def test_confusion_matrix_of_one_hot_targets_sums_to_class_counts():
    """Rows add up to each class's count and the diagonal share is the accuracy."""
    net = Network.layered(
        4, 3, activation="sigmoid", output="softmax", loss="cross_entropy", seed=1
    )
    data = datasets.iris()
    matrix = confusion_matrix(net, data)
    assert [sum(row) for row in matrix] == [50, 50, 50]
    assert sum(matrix[i][i] for i in range(3)) / 150 == accuracy(net, data)


def test_predict_standardises_then_runs_the_network_and_names_the_class():
    """predict applies (x − mean)/std before the network and labels the winning class."""
    net = threshold_net()
    prep = Preprocessing(("x",), ("big",), ("small", "big"), mean=(10.0,), std=(4.0,))
    results = predict(net, [(10.0,), (13.0,)], prep)
    # by hand: 10 → 0.0 → sigmoid(−0.5); 13 → 0.75 → sigmoid(0.25)
    assert results[0].values[0] == pytest.approx(1 / (1 + math.exp(0.5)), rel=1e-15)
    assert results[1].values[0] == pytest.approx(1 / (1 + math.exp(-0.25)), rel=1e-15)
    assert [(r.index, r.label) for r in results] == [(0, "small"), (1, "big")]


def test_predict_without_preprocessing_gives_values_only():
    """With no preprocessing, predictions are the raw outputs and no class."""
    (result,) = predict(threshold_net(), [(0.5,)])
    assert result.values == (0.5,) and result.label is None


# -------------------------------------------------------------------- views


def test_progress_stays_quiet_under_pytest():
    """progress="auto" shows nothing inside tests (or off a terminal)."""
    from lernpy.training.workflow import _want_progress

    assert _want_progress("auto") is False
    assert _want_progress(True) is True


def test_progress_bar_shows_epoch_loss_and_accuracy():
    """The bar's text carries the epoch count, the loss and the accuracy."""
    console = recording_console(width=100)
    bar = ProgressBar(10, classify=True, console=console)
    bar.start()
    bar.update(EpochRecord(3, 0.1, 0.123456789, 0.75))
    bar.stop()
    text = console.export_text()
    assert "3/10" in text and "loss 0.123457" in text and "accuracy 75.0%" in text


def test_history_table_lists_epochs_with_their_numbers():
    """The table shows the first, every n-th and the last epoch with fixed-format numbers."""
    net = xor_net()
    log = fit(net, datasets.xor(), datasets.xor(), epochs=7, rate=0.5, progress=False)
    console = recording_console()
    console.print(history_table(log, every=3))
    text = console.export_text()
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == ["1", "3", "6", "7"]
    assert f"{log.last.train_loss:.6f}" in rows[-1]
    assert f"{100 * log.last.test_accuracy:.1f}%" in rows[-1]
    assert "finished 7 epochs" in text


def test_confusion_table_puts_true_classes_in_rows_and_counts_the_diagonal():
    """Rows are true classes, columns predictions, and the caption counts the diagonal."""
    console = recording_console()
    console.print(confusion_table([[5, 1], [2, 7]], ["cat", "dog"]))
    text = console.export_text()
    cat_row = next(line for line in text.splitlines() if line.startswith("│ cat"))
    dog_row = next(line for line in text.splitlines() if line.startswith("│ dog"))
    assert [cell.strip() for cell in cat_row.split("│")[2:4]] == ["5", "1"]
    assert [cell.strip() for cell in dog_row.split("│")[2:4]] == ["2", "7"]
    assert "12 of 15 correct (80.0%)" in text


def test_fit_with_progress_draws_a_bar_on_stderr_and_prints_nothing_on_stdout(capsys):
    """progress=True shows the bar (on stderr) with the epoch count; stdout stays clean."""
    fit(xor_net(), datasets.xor(), epochs=3, rate=0.5, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "epoch" in captured.err and "3/3" in captured.err


def _overflowing_schedule():
    return exponential(1e300, gamma=1e300)  # fine at epoch 0, past the floats at epoch 1


BAD_FIT = [
    ({"on_epoch": 5}, "on_epoch"),
    ({"min_delta": "x"}, "min_delta"),
    ({"min_delta": float("nan")}, "min_delta"),
    ({"target_loss": "x"}, "target_loss"),
    ({"rate": _overflowing_schedule()}, "rate"),
    ({"rate": "fast"}, "rate"),
    ({"rate": -0.5}, "rate"),
    ({"test": [((1.0,), (1.0,))]}, "test"),
    ({"test": "xor"}, "test"),
    ({"patience": 0}, "patience"),
    ({"batch_size": 0}, "batch_size"),
    ({"momentum": 1.5}, "momentum"),
    ({"engine": "warp"}, "engine"),
    ({"restore_best": "yes"}, "restore_best"),
    ({"shuffle": "no"}, "shuffle"),
    ({"epochs": 2.5}, "epochs"),
    ({"train": [((0.0, 1.0), (1.0,)), ((1.0,), (0.0,))]}, "sample 1"),
]


@pytest.mark.parametrize("options, message", BAD_FIT, ids=[m for _, m in BAD_FIT])
def test_fit_checks_every_argument_before_any_weight_moves(options, message):
    """Each of these trained an epoch (or more) before failing with a TypeError or worse."""
    net = Network.layered(2, 2, 1, seed=1)
    before = net.state()
    options = {"train": datasets.xor(), "epochs": 3, "progress": False, **options}
    train = options.pop("train")
    with pytest.raises(LernpyError, match=message):
        fit(net, train, **options)
    assert net.state() == before and getattr(net, "training_log", None) is None


def test_fit_reads_data_from_a_generator():
    """Data given once (a generator) is read once, then trained on and measured."""
    a, b = Network.layered(2, 2, 1, seed=1), Network.layered(2, 2, 1, seed=1)
    log = fit(a, (s for s in datasets.xor()), epochs=3, progress=False)
    expected = fit(b, datasets.xor(), epochs=3, progress=False)
    assert log.train_loss == expected.train_loss and a.weights() == b.weights()
