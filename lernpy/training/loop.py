"""Training: epochs over whichever engine runs them, a loss history, stopping, callbacks.

``train`` checks the data once, then runs whole epochs in the scheduler's fast
lane (:mod:`lernpy.walk.fastlane`, the same walk a learner steps through by
hand) or hands them to a fast engine (:mod:`lernpy.engines`), which trains the
same Neuron and Link objects to the same numbers. Either way each epoch ends in
:func:`end_epoch`, so training stops and reports alike.

>>> from lernpy import Network, datasets
>>> net = Network.layered(2, 3, 1, activation="sigmoid", seed=3)
>>> history = net.train(datasets.xor(), epochs=3000, rate=2.0)
>>> history.loss[-1] < 0.01, [round(v) for x, _ in datasets.xor() for v in net(x)]
(True, [0, 1, 1, 0])
"""

from __future__ import annotations

import copy
import math
import random
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from lernpy import checks, engines
from lernpy.engines import ENGINES, restore
from lernpy.engines import choose as choose_engine
from lernpy.engines.base import Checkpoint, Options, config, engine_options, weights
from lernpy.errors import Interrupted, LernpyError, NumericError, UnknownNameError
from lernpy.graph.names import link_name
from lernpy.graph.network import Network
from lernpy.graph.readers import reader
from lernpy.graph.samples import check_data
from lernpy.hooks import Exports, Shows
from lernpy.numbers import num
from lernpy.optim import SGD, Optimizer, choose
from lernpy.walk.scheduler import Rates, Scheduler, check_options, scheduled
from lernpy.walk.series import Series
from lernpy.walk.trace import Trace


@dataclass
class History(Exports, Shows):
    """What training did: the mean sample loss of each epoch, and why it stopped.

    ``weights(name)`` is one link's weight at the start and after each epoch, to
    watch it change; ``table()``, ``to_csv()`` and the other exports hold the loss.
    """

    loss: list[float] = field(default_factory=list)
    stopped: str = ""
    engine: str = "reference"
    options: dict[str, object] = field(default_factory=dict)
    names: list[str] = field(default_factory=list, repr=False)  # link names, in network order
    labels: dict[str, int] = field(default_factory=dict, repr=False)  # "w5" → its link's index
    snapshots: list[array] = field(default_factory=list, repr=False)  # every weight, per epoch

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __len__(self) -> int:
        return len(self.loss)

    def __getitem__(self, index: int) -> float:
        return self.loss[index]

    def __repr__(self) -> str:
        """One line: how many epochs, the loss from first to last, the engine, why it stopped."""
        loss = f", loss {num(self.loss[0], 6)} → {num(self.loss[-1], 6)}" if self.loss else ""
        epochs = f"{self.epochs} epoch" + ("s" if self.epochs != 1 else "")
        line = f"History({epochs}{loss}, {self.engine} engine"
        why = self.stopped.split(" after ")[0].split(":")[0]
        if why and not why.startswith("ran "):  # stopped early: say why
            line += f"; {why}"
        return line + ")"

    # -- watching one weight change ----------------------------------------------

    def begin(self, net: Network, weights_now: list[float] | None = None) -> None:
        """Note the network's links and, for the reference, the weights before the first epoch
        (``weights_now``, if the caller has read them)."""
        self._links = links_of(net)  # (named when asked: naming costs more than an epoch)
        self.snapshots = [array("d", weights(net)[0]() if weights_now is None else weights_now)]

    def snapshot(self, net: Network) -> None:
        """Keep every weight as it is now (after an epoch)."""
        self.snapshots.append(array("d", weights(net)[0]()))

    def _name_links(self) -> None:
        links = getattr(self, "_links", ())
        if links and not self.names:
            self.names = [link.name for link in links]
            self.labels = {link.label: k for k, link in enumerate(links) if link.label}

    def _snapshots(self) -> list:
        return self.snapshots

    def weights(self, name: str) -> Series:
        """The weight of link ``name`` before training (epoch 0) and after each epoch.

        >>> from lernpy import examples
        >>> net = examples.mazur()
        >>> history = net.train([examples.MAZUR_SAMPLE], epochs=2, rate=0.5, engine="reference")
        >>> [round(w, 8) for w in history.weights("w5")]
        [0.4, 0.35891648, 0.31735386]
        """
        self._name_links()
        name = checks.text(name, "name")
        key = link_name(name)
        index = self.labels.get(name)
        if index is None and key in self.names:
            index = self.names.index(key)
        if index is None:
            known = ", ".join(self.names[:4]) + (", …" if len(self.names) > 4 else "")
            raise UnknownNameError(f"no link named {name!r} in this history: expected {known}")
        label = next((lab for lab, k in self.labels.items() if k == index), None)
        title = f"weight of {self.names[index]}" + (f" ({label})" if label else "")
        return Series(title, [w[index] for w in self._snapshots()], x_label="epoch", start=0)


def links_of(net: Network) -> tuple:
    """The network's links as a tuple, made once for each topology (``net.version``).

    Every History keeps one to name its links when asked; training one epoch a
    call would otherwise copy thousands of links each call.
    """
    kept = net.cache.get("links")
    if kept is None or kept[0] != net.version:  # (every change of topology bumps the version)
        kept = net.cache["links"] = (net.version, tuple(net.links))
    return kept[1]


@dataclass
class EpochReport:
    """What a callback receives after each epoch. Return True from the callback to stop."""

    epoch: int  # counting from 1
    loss: float
    network: Network
    history: History


def end_epoch(
    history: History,
    net: Network,
    loss: float,
    target_loss: float | None,
    callback: Callable[[EpochReport], bool | None] | None,
    before_callback: Callable[[], object] | None = None,
) -> bool:
    """Record a finished epoch's loss; True when training stops (target loss or callback).

    Every engine ends an epoch here, so they stop alike and say so alike.
    ``before_callback`` lets a fast engine write its numbers back first.
    """
    history.loss.append(loss)
    epoch = len(history.loss)
    if target_loss is not None and loss <= target_loss:
        history.stopped = f"reached target loss {target_loss} after {epoch} epochs"
        return True
    if callback is not None:
        if before_callback is not None:
            before_callback()
        if checks.call(callback, "the callback", EpochReport(epoch, loss, net, history)):
            history.stopped = f"stopped by the callback after {epoch} epochs"
            return True
    return False


@dataclass
class Snapshot:
    """What training changes, as it was after ``epochs`` finished epochs: where Ctrl-C goes back to.

    Every link's weight, optimizer state (velocity, moments) and batch gradient, in
    link order, the network's generator, and the last step a trace held.
    """

    epochs: int
    weights: list[float]
    states: list[object]  # (immutable: kept as they are)
    gradients: list[float]
    rng: tuple | None  # (None: training does not shuffle, so the generator is not used)
    trace: Trace | None = None
    taken: int = 0  # how many steps the trace had taken in then

    @classmethod
    def of(
        cls, net: Network, epochs: int, trace: Trace | None = None, shuffle: bool = True
    ) -> Snapshot:
        net.settle()  # (then the links' own numbers are the network's)
        taken = trace.taken if trace is not None else 0
        return cls(
            epochs, weights(net)[0](), reader(net, "links", "_state")(),
            reader(net, "links", "gradient")(), net.rng.getstate() if shuffle else None, trace,
            taken,
        )  # fmt: skip

    def restore(self, net: Network) -> None:
        """Put every number back (and drop the trace's steps taken since)."""
        net.settle()
        for link, weight, state, gradient in zip(
            net.links, self.weights, self.states, self.gradients
        ):
            link.weight, link._state, link.gradient = weight, state, gradient
        if self.rng is not None:
            net.rng.setstate(self.rng)
        if self.trace is not None:
            self.trace.rewind(self.taken)


def interrupted(history: History | object, done: int, epochs: int) -> Interrupted:
    """The :class:`~lernpy.errors.Interrupted` that says where training stopped.

    ``done`` epochs of ``epochs`` finished; the caller has put the network back
    as it was after the last of them, and ``history`` holds exactly those.
    """
    if done >= epochs:
        message = (
            f"training was interrupted after its last epoch ({epochs} of {epochs}): "
            "the network holds what it held after it"
        )
    else:
        held = (
            f"after epoch {done}, the last one finished"
            if done
            else ("before training: no epoch finished")
        )
        message = (
            f"training was interrupted in epoch {done + 1} of {epochs}: "
            f"the network holds what it held {held}"
        )
    if hasattr(history, "stopped"):
        history.stopped = f"interrupted in epoch {min(done + 1, epochs)} of {epochs}"  # type: ignore[union-attr]
    return Interrupted(message, history)


@dataclass(repr=False)
class EngineHistory(History):
    """A :class:`History` with a checkpoint per epoch, to replay any update."""

    checkpoints: list[Checkpoint] = field(default_factory=list)
    network: Network | None = None
    samples: list = field(default_factory=list)
    version: int = 0

    def begin(self, net: Network) -> None:
        """Note the network's links (the weights are in the checkpoints, and the end's)."""
        self._links = links_of(net)

    def _snapshots(self) -> list:
        # each epoch's checkpoint holds the weights it began with; the last snapshot the end
        starts = [point.weights for point in self.checkpoints[: len(self.loss)]]
        return starts + self.snapshots[-1:]

    def replay(self, epoch: int, sample: int, trace: bool | Trace = True) -> Scheduler:
        """A reference scheduler on a copy of the network, about to present ``sample``.

        ``epoch`` counts from 0 and ``sample`` is the index in the data set, as
        in step records. The copy holds the weights the engine had at that
        moment; stepping on walks the same update the engine made, with every
        number recorded (and ``back()`` works within the batch).
        """
        if self.network is None or not self.checkpoints:
            raise LernpyError("no epoch of this training can be replayed")
        epoch = checks.whole(epoch, "epoch", 0, len(self.checkpoints) - 1)
        sample = checks.whole(sample, "sample", 0, len(self.samples) - 1)
        if self.network.version != self.version:
            raise LernpyError("the network's links changed since training: cannot replay")
        point = self.checkpoints[epoch]
        net = copy.deepcopy(self.network, memo={id(self.network.trace): None})
        restore(net, point)
        keys = ("rate", "optimizer", "batch_size", "reduce", "shuffle", "update", "mistake")
        opts = {k: self.options[k] for k in keys}
        run = Scheduler(net, self.samples, epochs=epoch + 1, trace=trace, history="batch", **opts)
        # Start at this epoch with the sample order the engine started it with.
        run.start_at(epoch, point.order)
        order = list(point.order)
        if opts["shuffle"]:
            rng = random.Random()
            rng.setstate(point.rng)
            rng.shuffle(order)
        kept, run.trace = run.trace, None  # record only from the replayed sample on
        for _ in range(order.index(sample)):
            run.step("sample")
        run.trace = kept
        net.trace = kept
        run.history = "all"
        return run


def train(
    net: Network,
    data: object,
    epochs: int = 1,
    *,
    rate: float | Callable[[int], float] | None = None,
    momentum: float | None = None,
    optimizer: Optimizer | str | None = None,
    batch_size: int | str | None = 1,
    reduce: str = "mean",
    update: str = "deferred",
    mistake: str | None = None,
    shuffle: bool = True,
    target_loss: float | None = None,
    callback: Callable[[EpochReport], bool | None] | None = None,
    trace: bool | Trace | None = None,
    engine: str = "auto",
) -> History:
    """Train ``net`` on ``data`` for up to ``epochs`` epochs; return the :class:`History`.

    Stops early when an epoch's mean loss is at most ``target_loss``, or when
    ``callback(report)`` returns True. If a value turns NaN or infinite, a
    :class:`~lernpy.errors.NumericError` names the neuron or link and the
    sample; the network keeps the weights it had before that batch, and the
    error's ``history`` holds the epochs that finished.

    ``optimizer``: an :class:`~lernpy.optim.Optimizer` (``Adam(rate=0.01)``) or its
    name; ``rate`` and ``momentum`` are shorthand for ``SGD(rate, momentum)`` (rate
    0.5 when neither is given), and a ``rate`` given with an optimizer is the rate
    of this call (what a rate schedule passes). Each link's optimizer state
    (velocity, moments, step count) persists from one call to the next until
    ``net.reset_optimizer()``. ``update`` and ``mistake`` are as for the scheduler
    (``update="sequential"`` and ``mistake=`` are deliberate mistakes, for teaching).

    ``rate`` may also be a function of the epoch (counting from 0), such as a
    :class:`~lernpy.training.schedules.Schedule`: every engine changes the rate
    between epochs inside this one call.

    ``engine``: "auto" picks the fastest suitable engine (see :mod:`lernpy.engines`),
    "reference" runs the stepping scheduler below, "compiled" or "numpy" names one.
    A ``trace`` needs the reference: "auto" then picks it, as it does for an
    optimizer or a mistake that no fast engine implements.

    Ctrl-C (a ``KeyboardInterrupt``) anywhere inside puts the network back as it was
    after the last finished epoch (every weight, optimizer state and batch gradient,
    and the generator) and raises :class:`~lernpy.errors.Interrupted`, which says
    where it stopped and holds the history of the finished epochs. A callback that
    fails (a :class:`~lernpy.errors.CallbackError`) goes back there too.
    """
    try:
        return _train(  # (by position: a call of train() epoch by epoch is short)
            net, data, epochs, rate, momentum, optimizer, batch_size, reduce, update,
            mistake, shuffle, target_loss, callback, trace, engine,
        )  # fmt: skip
    except Interrupted:
        raise
    except KeyboardInterrupt:  # before any epoch began: nothing changed
        raise interrupted(History(), 0, epochs) from None


def _train(
    net: Network,
    data: object,
    epochs: int,
    rate: float | None,
    momentum: float | None,
    optimizer: Optimizer | str | None,
    batch_size: int | str | None,
    reduce: str,
    update: str,
    mistake: str | None,
    shuffle: bool,
    target_loss: float | None,
    callback: Callable[[EpochReport], bool | None] | None,
    trace: bool | Trace | None,
    engine: str,
) -> History:
    """:func:`train`, every option checked before anything changes."""
    if target_loss is not None:
        target_loss = checks.number(target_loss, "target_loss")
    checks.function(callback, "callback")  # before any epoch changes the net
    shuffle = checks.flag(shuffle, "shuffle")
    engine = checks.choice(engine, "engine", ENGINES)
    if not (trace is None or isinstance(trace, (bool, Trace))):
        raise LernpyError(f"trace is {checks.short(trace)}: expected True, a Trace, or None")
    net.check_ready()
    samples = check_data(net, data)  # checked once, here, for every engine
    rates = scheduled(rate, epochs)  # each epoch's, from a schedule (None: one rate)
    chosen, rate_ = choose(optimizer, rates[0] if rates else rate, momentum)
    key = None
    if optimizer is None and rates is None and type(batch_size) in _PLAIN and type(epochs) is int:
        key = (batch_size, reduce, update, mistake, shuffle, epochs, len(samples))
        if type(reduce) is not str or type(update) is not str or type(mistake) not in _PLAIN:
            key = None  # (plain values only: no two of other types may compare equal)
    kept = net.cache.get("train options")
    if key is not None and kept is not None and kept[0] is chosen and kept[1] == key:
        # checked before: exactly these values (chosen is frozen); the dicts are only read
        rate_, batch, opts, options, recorded = kept[2]
    else:
        rate_, batch = check_options(
            chosen, rate_, batch_size, reduce, update, epochs, len(samples), mistake
        )
        opts = engine_options(chosen, rate_, batch, reduce, shuffle, update, mistake)
        options = dict(rate=rate if rates else rate_, optimizer=chosen, batch_size=batch_size)
        options.update(reduce=reduce, update=update, mistake=mistake, shuffle=shuffle)
        momentum_ = chosen.momentum if isinstance(chosen, SGD) else 0.0
        recorded = {**options, "momentum": momentum_, "epochs": epochs}  # (a history's copy)
        if key is not None:
            net.cache["train options"] = (chosen, key, (rate_, batch, opts, options, recorded))
    name = "reference"
    if engine != "reference":
        if trace is not None and trace is not False:  # (an empty Trace is falsy: len 0)
            if engine != "auto":
                raise LernpyError(
                    f"engine={engine!r} records no steps: train with engine='reference' to trace"
                )
        else:
            conf = config(net)  # (once: the engine's choice and its session are keyed by it)
            name, _why = choose_engine(net, opts, engine, conf=conf)
    if name != "reference":
        every = rates or ((rate_,) if epochs == 1 else Rates(rate_, epochs))
        return _train_engine(
            net, samples, epochs, name, opts, every, recorded, target_loss, callback, conf
        )
    # whole epochs in the scheduler's fast lane: the same numbers and trace as stepping
    run = _scheduler(net, samples, epochs, trace, options, rates or Rates(rate_, epochs))
    history = History(options=dict(recorded))  # (recorded holds the epochs too)
    saved: Snapshot | None = Snapshot.of(net, 0, run.trace, run.shuffle)
    history.begin(net, saved.weights)  # type: ignore[union-attr]
    try:
        while not run.finished:
            try:  # (the links' numbers, as saved a moment ago: the walk needs them too)
                loss = run._epoch_loss((saved.weights, saved.states, saved.gradients))  # type: ignore[union-attr]
            except NumericError as error:
                history.stopped = f"numeric error: {error}"
                error.history = history  # type: ignore[attr-defined]
                raise
            history.snapshot(net)
            if end_epoch(history, net, loss, target_loss, callback):
                break
            if not run.finished:  # (after the last epoch, nothing is left to go back to)
                saved = Snapshot.of(net, len(history.loss), run.trace, run.shuffle)
        else:
            history.stopped = f"ran {epochs} epochs"
        saved = None  # finished: nothing to put back
        return history
    except NumericError:
        raise  # (it kept the batches before the one that failed, and says so)
    except BaseException as error:
        # Ctrl-C or a failing callback: back to the end of the last finished epoch
        # (no half-summed batch), and the history of the epochs that finished
        net.cache.pop("reference run", None)  # (stopped mid-walk: the next call starts afresh)
        run._walker = None  # (a walk's generator refers to its run: closed now, not by a later gc)
        if saved is not None:
            saved.restore(net)
            del history.loss[saved.epochs :]
            del history.snapshots[saved.epochs + 1 :]
        if isinstance(error, KeyboardInterrupt):
            raise interrupted(history, len(history.loss), epochs) from None
        error.history = history  # type: ignore[attr-defined]
        raise


_PLAIN = (int, str, type(None))  # option values kept as a key (not bool: True == 1)


def _scheduler(
    net: Network, samples: list, epochs: int, trace, options: dict, rates: Rates
) -> Scheduler:
    """A scheduler at the start of training: the last call's again, if it fits, or a new one.

    train() called epoch by epoch with the same data, options and trace would
    build the same scheduler each time; it starts the last one over instead.
    """
    # (the kept scheduler holds the data and the trace: their ids name them; the
    # optimizer's rate is each epoch's, so it does not count)
    optimizer = options["optimizer"]
    kept = net.cache.get("reference run")
    if kept is not None and kept[2] is optimizer:  # (the same one: rate=… makes one per rate)
        kind = kept[0][2]
    else:
        kind = (type(optimizer), *(v for k, v in vars(optimizer).items() if k != "rate"))
    same = (id(samples), id(trace), kind, options["batch_size"], options["reduce"],
            options["update"], options["mistake"], options["shuffle"])  # fmt: skip
    if kept is not None and kept[0] == same and kept[1].again(epochs, rates):
        return kept[1]
    run = Scheduler(net, samples, epochs=epochs, trace=trace, history="batch", **options)
    net.cache["reference run"] = (same, run, optimizer)
    return run


def _train_engine(
    net: Network,
    samples: list,
    epochs: int,
    name: str,
    opts: Options,
    rates: Rates | tuple[float],
    options: dict[str, object],
    target_loss: float | None,
    callback: Callable[[EpochReport], bool | None] | None,
    conf: tuple | None = None,
) -> EngineHistory:
    """Train with the fast engine ``name``, epoch by epoch or all epochs in one call.

    The engine's session is kept between calls (see :func:`lernpy.engines.session`):
    a call takes up what changed in the network since the last one and writes every
    number back once, at its end (and before each callback, which may read them).
    On a NaN or infinity the failing epoch is rerun by the reference scheduler from
    its checkpoint, so the error names the same neuron or link. On Ctrl-C (or a
    failing callback) the network goes back to the checkpoint after the last
    finished epoch. ``conf``: ``config(net)``, computed by the caller in this call.
    """
    shuffle = opts.shuffle
    session = engines.session(net, samples, opts, name, conf)
    history = EngineHistory(
        options=dict(options), engine=name, network=net, samples=samples,
        version=net.version,
    )  # fmt: skip
    history.begin(net)
    order = list(range(len(samples)))
    e = 0
    # Where Ctrl-C goes back to: (epochs finished, the checkpoint after them), set at
    # each epoch's start; inside a many-epoch call, the engine's own checkpoints.
    back: tuple[int, Checkpoint] | None = None
    inside: tuple[int, list, list] | None = None
    # the optimizer states as they were (read, not settled): without momentum the engines
    # leave them alone, so there is nothing to put back
    states = engines.states(net) if opts.momentum else None
    try:
        while e < epochs:
            if callback is None and target_loss is None:
                # nothing to do between epochs: let the engine run them all in one call
                raw_points: list = []
                raw_sums: list = []
                inside = (e, raw_points, raw_sums)
                points, sums, failed, after = session.epochs(
                    e, order, rates[e:], bool(shuffle), raw_points, raw_sums
                )
                ok = len(points) if failed is None else failed
                history.checkpoints += points[:ok]
                history.loss += [total / len(samples) for total in sums[:ok]]
                e += ok
                if failed is None:
                    order = after
                    back, inside = (e - 1, history.checkpoints[-1]), None
                    continue
                point = points[failed]
                back, inside = (e, point), None
            else:
                point = session.checkpoint(e, order, net.rng.getstate() if shuffle else None)
                back = (e, point)
                if shuffle:
                    order = order[:]
                    net.rng.shuffle(order)
                try:
                    loss_sum = session.epoch(order, rates[e])
                    ok = math.isfinite(loss_sum) and session.finite()
                except (OverflowError, ZeroDivisionError, ValueError):
                    ok = False
                if ok:
                    history.checkpoints.append(point)
                    e += 1
                    loss = loss_sum / len(samples)
                    if end_epoch(history, net, loss, target_loss, callback, session.write_back):
                        break
                    if callback is not None:
                        session = _resume(net, samples, opts, name, history)
                    continue
            # A NaN or an infinity: the reference runs this epoch from its checkpoint and
            # names the culprit (or, if the engine's alarm was an overflow of its check, just
            # runs the epoch); the engine then carries on from the reference's state.
            history.checkpoints.append(point)
            restore(net, point)
            keys = ("rate", "optimizer", "batch_size", "reduce", "shuffle", "update", "mistake")
            again = {k: options[k] for k in keys}
            rerun = Scheduler(net, samples, epochs=e + 1, trace=None, history="batch", **again)
            rerun.start_at(e, point.order)  # at epoch e, so that an error names the same epoch
            try:
                loss = rerun.step("epoch").loss
            except NumericError as error:
                history.stopped = f"numeric error: {error}"
                error.history = history  # type: ignore[attr-defined]
                raise
            order = rerun.order
            session = engines.session(net, samples, opts, name)  # from the reference's numbers
            e += 1
            if end_epoch(history, net, loss, target_loss, callback, session.write_back):
                break
            if callback is not None:
                session = _resume(net, samples, opts, name, history)
        else:
            history.stopped = f"ran {epochs} epochs"
        session.write_back()
        history.snapshots = [session.written_array()]  # the end
        back = inside = None  # finished: nothing to put back
        return history
    except NumericError:
        raise  # (the reference's rerun kept the batches before the one that failed)
    except BaseException as error:
        # Ctrl-C or a failing callback: back to the checkpoint after the last finished epoch
        net.cache.pop("session", None)  # (its numbers may be half an epoch on: not kept)
        if inside is not None and inside[1]:
            # the engine had taken the running epoch's checkpoint: the ones before it finished
            start, raw_points, raw_sums = inside
            done = start + len(raw_points) - 1
            history.checkpoints[start:] = [
                session.checkpoint_of(start + j, raw) for j, raw in enumerate(raw_points)
            ]
            history.loss[start:] = [total / len(samples) for total in raw_sums[: done - start]]
            back = (done, history.checkpoints[done])
        if back is not None:
            done, point = back
            history.checkpoints[done:] = []
            history.loss[done:] = []
            restore(net, point)
            if done == 0 and states is not None:
                engines.put_back_states(net, states)  # exactly as before, fresh states too
        if isinstance(error, KeyboardInterrupt):
            raise interrupted(history, len(history.loss), epochs) from None
        error.history = history  # type: ignore[attr-defined]
        raise


def _resume(net: Network, samples: list, options: Options, name: str, history: EngineHistory):
    """The session again, having taken up what the callback changed, as the reference does.

    A callback that only reads the network changes nothing: the engine goes on. One
    that sets weights or freezes links changes what the reference's next epoch uses,
    so the engine takes that up too.
    """
    if net.version != history.version:  # the reference's scheduler refuses to go on
        raise LernpyError(
            "the network's links changed since this scheduler was made: make a new one"
        )
    return engines.session(net, samples, options, name)
