"""Training without writing a loop: fit, early stopping, a training log, evaluate, predict.

:func:`fit` trains a network epoch by epoch with the network's own ``train``
and after each epoch measures the loss (and, for classifiers, the accuracy)
on the training data and on optional test data. It keeps them in a
:class:`TrainingLog`, changes the rate as a schedule says
(:mod:`lernpy.training.schedules`), and stops early at a target loss or when
the loss stops improving.

>>> from lernpy import Network, datasets
>>> net = Network.layered(2, 2, 1, seed=1)
>>> log = fit(net, datasets.xor(), epochs=2, rate=0.5)
>>> len(log), log.stopped
(2, 'finished 2 epochs')
"""

from __future__ import annotations

import math
import numbers
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

from lernpy import checks, hooks
from lernpy.engines import ENGINES
from lernpy.errors import LernpyError, NumericError
from lernpy.graph.samples import Sample, check_data, number
from lernpy.hooks import Exports, Shows
from lernpy.numbers import num
from lernpy.optim import SGD, Optimizer, choose
from lernpy.optim import optimizer as get_optimizer
from lernpy.training.loop import Snapshot, interrupted
from lernpy.training.schedules import Schedule, constant
from lernpy.walk.scheduler import check_options

if TYPE_CHECKING:
    from lernpy.data.preprocessing import Preprocessing
    from lernpy.graph.network import Network
    from lernpy.training.loop import EpochReport


__all__ = [
    "EpochRecord",
    "Prediction",
    "TrainingLog",
    "accuracy",
    "class_index",
    "confusion_matrix",
    "evaluate",
    "fit",
    "is_classification",
    "predict",
]


# ----------------------------------------------------------- classification


def percent(value: float | None) -> str:
    """A fraction as a percentage to one place (blank for None): how accuracy is printed.

    >>> percent(0.9666666), percent(None)
    ('96.7%', '')
    """
    return "" if value is None else f"{100 * value:.1f}%"


def is_classification(data: Sequence[Sample]) -> bool:
    """True when every target is 0/1 and, with several outputs, one-hot."""
    if not data:
        return False
    for _, targets in data:
        if any(t not in (0.0, 1.0) for t in targets):
            return False
        if len(targets) > 1 and sum(targets) != 1.0:
            return False
    return True


def class_index(values: Sequence[float], threshold: float = 0.5) -> int:
    """The class a vector stands for: the largest entry, or for one value whether it reaches
    ``threshold``.

    >>> class_index([0.1, 0.7, 0.2]), class_index([0.8]), class_index([0.3])
    (1, 1, 0)
    """
    if len(values) == 1:
        return 1 if values[0] >= threshold else 0
    return max(range(len(values)), key=lambda i: values[i])


class Forward(Protocol):
    """Anything with ``forward(inputs) -> list[float]`` (a Network)."""

    def forward(self, inputs: Sequence[float]) -> list[float]: ...


def _data(net: Forward, data: object) -> Sequence[Sample]:
    """Data checked against a network's shape (any other model gets it as given)."""
    from lernpy.graph.network import Network

    if isinstance(data, Sequence) and len(data) == 0:
        return []
    if isinstance(net, Network):
        return check_data(net, data)
    return checks.items(data, "data", "(inputs, targets) pairs")


def _threshold(net: Network) -> float:
    """0.5 for outputs in [0, 1]; 0 for tanh outputs, whose midpoint is 0."""
    outputs = getattr(net, "outputs", None) or []
    names = {getattr(getattr(n, "activation", None), "name", None) for n in outputs}
    return 0.0 if names == {"tanh"} else 0.5


def accuracy(net: Forward, data: Sequence[Sample]) -> float:
    """The fraction of samples whose predicted class is the target class.

    Binary targets 0/1 against a tanh output count a value >= 0 as class 1.
    """
    data = _data(net, data)
    if not data:
        raise LernpyError("accuracy of an empty data set is undefined")
    threshold = _threshold(net)
    hits = 0
    for inputs, targets in data:
        hits += class_index(net.forward(inputs), threshold) == class_index(targets, 0.5)
    return hits / len(data)


def confusion_matrix(
    net: Forward, data: Sequence[Sample], classes: int | None = None
) -> list[list[int]]:
    """Counts of (true class, predicted class): row = what it is, column = what the network said.

    The diagonal holds the correct answers.
    """
    data = _data(net, data)
    if not data:
        raise LernpyError("confusion matrix of an empty data set is undefined")
    width = len(data[0][1])
    least = 2 if width == 1 else width
    size = least if classes is None else checks.whole(classes, "classes", low=least, high=10**6)
    threshold = _threshold(net)
    matrix = [[0] * size for _ in range(size)]
    for inputs, targets in data:
        matrix[class_index(targets, 0.5)][class_index(net.forward(inputs), threshold)] += 1
    return matrix


@dataclass(frozen=True)
class Prediction:
    """A network's output for one input: the values and, for classifiers, the class."""

    values: tuple[float, ...]
    index: int | None = None
    label: str | None = None


def predict(
    net: Forward,
    inputs: Sequence[Sequence[float]],
    preprocessing: Preprocessing | None = None,
) -> list[Prediction]:
    """Run raw inputs through ``preprocessing`` and the network.

    When the preprocessing names classes, each prediction carries the class
    index and label.

    >>> from lernpy import Network
    >>> from lernpy.data.preprocessing import Preprocessing
    >>> net = Network.layered(1, 1, activation="sigmoid", weights={"x1→y1": 2.0, "b1→y1": 0.0})
    >>> prep = Preprocessing(("size",), ("big",), ("small", "big"), mean=(10.0,), std=(5.0,))
    >>> [p.label for p in predict(net, [(5.0,), (15.0,)], prep)]
    ['small', 'big']
    """
    if preprocessing is not None and not callable(getattr(preprocessing, "inputs", None)):
        raise LernpyError(
            f"preprocessing is {checks.short(preprocessing)}: expected a Preprocessing or None"
        )
    prep = preprocessing if preprocessing is not None else getattr(net, "preprocessing", None)
    threshold = _threshold(net)
    result = []
    for x in checks.items(inputs, "inputs", "input rows"):
        ready = prep.inputs(x) if prep is not None else x  # (forward checks it)
        values = tuple(net.forward(ready))
        if prep is not None and prep.classes is not None:
            index = class_index(values, threshold)
            result.append(Prediction(values, index, prep.classes[index]))
        else:
            result.append(Prediction(values))
    return result


# ------------------------------------------------------------------ history


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch of :func:`fit` measured (accuracies are None for regression)."""

    epoch: int
    rate: float
    train_loss: float
    train_accuracy: float | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None


@dataclass(repr=False)
class TrainingLog(Exports, Shows):
    """Per-epoch train and test loss and accuracy, and why training stopped.

    It shows itself as one line in a REPL, as a table with its curves in a
    notebook, and exports its table (``to_csv()``, ``to_markdown()``, ``to_latex()``).
    """

    epochs: list[EpochRecord] = field(default_factory=list)
    stopped: str = ""
    options: dict[str, object] = field(default_factory=dict)  # the training options, for saving

    @property
    def train_loss(self) -> list[float]:
        return [r.train_loss for r in self.epochs]

    @property
    def test_loss(self) -> list[float | None]:
        return [r.test_loss for r in self.epochs]

    @property
    def train_accuracy(self) -> list[float | None]:
        return [r.train_accuracy for r in self.epochs]

    @property
    def test_accuracy(self) -> list[float | None]:
        return [r.test_accuracy for r in self.epochs]

    @property
    def loss(self) -> list[float]:
        """The training loss per epoch (as the core's history calls it)."""
        return self.train_loss

    @property
    def last(self) -> EpochRecord:
        if not self.epochs:
            raise LernpyError("no epoch has been trained yet")
        return self.epochs[-1]

    def __len__(self) -> int:
        return len(self.epochs)

    def __repr__(self) -> str:
        """One line: epochs, the last losses and accuracies, each labelled."""
        count = f"{len(self.epochs)} epoch" + ("s" if len(self.epochs) != 1 else "")
        parts = [count]
        if self.epochs:
            last = self.epochs[-1]
            parts.append(f"train loss {num(last.train_loss, 6)}")
            if last.train_accuracy is not None:
                parts.append(f"train accuracy {percent(last.train_accuracy)}")
            if last.test_loss is not None:
                parts.append(f"test loss {num(last.test_loss, 6)}")
            if last.test_accuracy is not None:
                parts.append(f"test accuracy {percent(last.test_accuracy)}")
        line = f"TrainingLog({', '.join(parts)})"
        while len(line) > 80 and len(parts) > 1:  # the test numbers matter most: drop train's
            parts.pop(1)
            line = f"TrainingLog({', '.join(parts)})"
        return line

    def to_dict(self) -> dict[str, object]:
        """Plain values for the network file."""
        return {
            "epochs": [asdict(r) for r in self.epochs],
            "stopped": self.stopped,
            "options": dict(self.options),
        }


def evaluate(net: Network, data: Sequence[Sample]) -> tuple[float, float | None]:
    """Mean sample loss over ``data`` and, if the targets are classes, the accuracy."""
    data = _data(net, data)
    if not data:
        raise LernpyError("cannot evaluate on an empty data set")
    threshold = _threshold(net)
    classify = is_classification(data)
    total = 0.0
    hits = 0
    for inputs, targets in data:
        values = net.forward(inputs)
        total += net.output_loss(targets)
        if classify:
            hits += class_index(values, threshold) == class_index(targets, 0.5)
    return total / len(data), (hits / len(data) if classify else None)


def _want_progress(progress: bool | str | None) -> bool:
    if progress in (None, "auto"):
        # quiet inside tests and whenever nobody is watching a terminal
        if "PYTEST_CURRENT_TEST" in os.environ:
            return False
        return sys.stderr.isatty()
    return bool(progress)


FIT_TRAIN_OPTIONS = ("reduce", "update", "mistake", "engine", "trace", "callback")


def _check_fit(
    net: Network,
    train: object,
    test: object,
    epochs: object,
    shuffle: object,
    target_loss: object,
    patience: object,
    min_delta: object,
    restore_best: object,
    progress: object,
    on_epoch: object,
    train_options: dict[str, object],
) -> tuple[list[Sample], list[Sample] | None]:
    """:func:`fit`'s arguments checked (the rate and optimizer in :func:`fit`); returns the
    data read once (a generator too). Raises a LernpyError naming the argument at fault."""
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise LernpyError(f"epochs must be a whole number >= 0, got {checks.short(epochs)}")
    if patience is not None and (
        isinstance(patience, bool) or not isinstance(patience, numbers.Integral) or patience < 1
    ):
        raise LernpyError(f"patience must be a whole number >= 1, got {checks.short(patience)}")
    delta = number(min_delta, "min_delta") if not isinstance(min_delta, str) else None
    if delta is None or delta < 0.0:
        raise LernpyError(f"min_delta must be a finite number >= 0, got {checks.short(min_delta)}")
    if target_loss is not None:
        number(target_loss, "target_loss")
    checks.flag(shuffle, "shuffle")
    checks.flag(restore_best, "restore_best")
    auto = isinstance(progress, str) and progress == "auto"
    if not (progress is None or isinstance(progress, bool) or auto):
        raise LernpyError(
            f"progress must be True, False, 'auto' or None, got {checks.short(progress)}"
        )
    checks.function(on_epoch, "on_epoch")
    unknown = sorted(set(train_options) - set(FIT_TRAIN_OPTIONS))
    if unknown:
        raise LernpyError(
            f"fit() got unknown option(s) {', '.join(unknown)}: "
            f"expected also {', '.join(FIT_TRAIN_OPTIONS)}"
        )
    net.check_ready()
    samples = check_data(net, train)
    test_samples = None
    if test is not None and not (isinstance(test, Sequence) and len(test) == 0):
        try:
            test_samples = check_data(net, test)
        except LernpyError as error:
            raise type(error)(f"test data: {error}") from None
    checks.choice(train_options.get("engine", "auto"), "engine", ENGINES)
    return samples, test_samples


def fit(
    net: Network,
    train: Sequence[Sample],
    test: Sequence[Sample] | None = None,
    *,
    epochs: int = 100,
    rate: float | Schedule | None = None,
    batch_size: int = 1,
    momentum: float | None = None,
    optimizer: Optimizer | str | None = None,
    shuffle: bool = True,
    target_loss: float | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = False,
    progress: bool | str | None = "auto",
    on_epoch: Callable[[EpochRecord], None] | None = None,
    **train_options: object,
) -> TrainingLog:
    """Train for up to ``epochs`` epochs, measuring after each, and return the log.

    The epochs run in one ``net.train`` call (so with shuffling, fit equals one
    ``train`` call of as many epochs), measuring from its callback after each.
    ``rate`` is a number or a :class:`Schedule`; each epoch's rate goes to the
    optimizer (``optimizer=``, or SGD with ``momentum``). Training stops early when the
    training loss reaches ``target_loss``, or when the watched loss (the test
    loss if there is test data, else the training loss) has not improved by more
    than ``min_delta`` for ``patience`` epochs; with ``restore_best`` the
    weights of the best epoch are put back. ``progress`` shows a progress bar
    ("auto": only on a terminal and never under pytest). The log is also kept
    as ``net.training_log``.

    >>> from lernpy import Network, datasets
    >>> net = Network.layered(2, 3, 1, activation="tanh", output="sigmoid", seed=1)
    >>> from lernpy.training.schedules import step
    >>> log = fit(net, datasets.xor(), epochs=3, rate=step(0.5, factor=0.5, every=2))
    >>> len(log), [r.rate for r in log.epochs], log.stopped
    (3, [0.5, 0.5, 0.25], 'finished 3 epochs')
    """
    # every argument is checked before any weight moves (an epoch used to train first)
    train, test = _check_fit(
        net, train, test, epochs, shuffle, target_loss, patience, min_delta, restore_best,
        progress, on_epoch, train_options,
    )  # fmt: skip
    if optimizer is None:
        rate = 0.5 if rate is None else rate
    elif rate is None:
        rate = get_optimizer(optimizer).rate
    schedule = rate if isinstance(rate, Schedule) else constant(rate)
    chosen, _ = choose(optimizer, schedule(0), momentum)  # checks the options before training
    # a schedule only grows or only shrinks: its first and last rates bound the others
    for r in {schedule.rate_at(0), schedule.rate_at(max(int(epochs) - 1, 0))}:
        check_options(
            chosen, r, batch_size, train_options.get("reduce", "mean"),
            train_options.get("update", "deferred"), 1, len(train), train_options.get("mistake"),
        )  # fmt: skip
    log = TrainingLog(options={"schedule": schedule.to_dict()})
    if isinstance(chosen, SGD):
        log.options["momentum"] = float(chosen.momentum)
    if optimizer is not None:
        log.options["settings"] = chosen.to_dict()
    if isinstance(batch_size, numbers.Integral) and not isinstance(batch_size, bool):
        log.options["batch_size"] = min(int(batch_size), len(train))  # the batches it made
    log.options["shuffle"] = bool(shuffle)
    watch_test = bool(test)
    best = math.inf
    best_weights = None
    waited = 0
    bar = None

    def after_epoch(report: EpochReport) -> bool:
        """Measure the epoch just trained, log it, and say whether to stop."""
        nonlocal best, best_weights, waited, saved
        epoch = report.epoch - 1
        train_loss, train_acc = evaluate(net, train)
        test_loss, test_acc = evaluate(net, test) if test else (None, None)
        record = EpochRecord(epoch + 1, schedule(epoch), train_loss, train_acc, test_loss, test_acc)
        log.epochs.append(record)
        if bar is not None:
            bar.update(record)
        if on_epoch is not None:
            checks.call(on_epoch, "on_epoch", record)
        if not math.isfinite(train_loss):
            log.stopped = f"the training loss became {train_loss} at epoch {epoch + 1}"
            return True
        if target_loss is not None and train_loss <= target_loss:
            log.stopped = f"reached the target loss {float(target_loss):g} at epoch {epoch + 1}"
            return True
        watched = test_loss if watch_test and test_loss is not None else train_loss
        if watched < best - min_delta:
            best = watched
            waited = 0
            if restore_best:
                best_weights = dict(net.weights())
        else:
            waited += 1
            if patience is not None and waited >= patience:
                which = "test" if watch_test else "training"
                log.stopped = (
                    f"no improvement of the {which} loss for {patience} epochs "
                    f"(stopped at epoch {epoch + 1})"
                )
                return True
        saved = Snapshot.of(net, len(log.epochs))  # where Ctrl-C in the next epoch goes back to
        return False

    if _want_progress(progress):
        bar = hooks.progress_bar(epochs, classify=is_classification(train))
    # Ctrl-C goes back to the start of the epoch that was running (its train() call
    # and its record belong together), and says where it stopped.
    saved = Snapshot.of(net, 0)
    try:
        if bar is not None:
            bar.start()
        if epochs:
            # one train() call for every epoch: the engine keeps its state between them,
            # and the schedule sets each epoch's rate inside it
            net.train(
                train,
                epochs=epochs,
                rate=schedule,
                batch_size=batch_size,
                momentum=momentum,
                optimizer=optimizer,
                shuffle=shuffle,
                callback=after_epoch,
                **train_options,
            )
        if not log.stopped:
            log.stopped = f"finished {epochs} epochs"
        saved = None
    except NumericError as error:  # train() kept the batches before the one that failed
        error.history = log  # type: ignore[attr-defined]
        raise
    except BaseException as error:
        # Ctrl-C or a failing on_epoch: back to the start of the epoch that was running
        if saved is not None:
            saved.restore(net)
            del log.epochs[saved.epochs :]
        if isinstance(error, KeyboardInterrupt):
            net.training_log = log  # type: ignore[attr-defined]  # the epochs that finished
            raise interrupted(log, len(log.epochs), epochs) from None
        error.history = log  # type: ignore[attr-defined]
        raise
    finally:
        if bar is not None:
            bar.stop()
    if restore_best and best_weights is not None:
        net.set_weights(best_weights)
        log.stopped += f"; restored the weights of the best epoch (loss {best:.6g})"
    net.training_log = log  # type: ignore[attr-defined]  # an attribute this module adds
    return log
