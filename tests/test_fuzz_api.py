"""The API fuzzed: every entry point, every argument, values of every type.

Each call either works or raises a LernpyError (never a TypeError, ValueError,
IndexError, ZeroDivisionError, OverflowError, RecursionError…), and a call that
fails leaves the network's saved form exactly as it was. A call that works
leaves a network that still saves and loads back to itself.
"""

from __future__ import annotations

import io
import math
import signal
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import lernpy
from lernpy import LernpyError, Network, Trace, datasets, fit, predict
from lernpy.data import csvdata
from lernpy.data.netfile import dumps, from_dict, loads, to_dict
from lernpy.data.preprocessing import Preprocessing
from lernpy.training import schedules
from lernpy.training.workflow import accuracy, confusion_matrix, evaluate

VALUES = [
    None, True, False, 0, 1, -1, 3, 2**70, -(2**300), 10**400, 0.0, -0.0, 0.5, -2.5, 1e308, 1e-320,
    math.nan, math.inf, -math.inf, complex(1, 2), Fraction(1, 3), Decimal("0.25"),
    Decimal("NaN"), "", "x", "h1", "x1→h1", "w5", " h1", "a->b", "\x1b[2J", "all", "mean",
    b"x1", bytearray(b"x"), [], [0.5], [0.5, 0.25], [[0.5, 0.25]], [[1.0, 2.0, 3.0]] * 2,
    [((0.0, 1.0), (1.0,))], (0.5, 0.25), {}, {"x1→h1": 0.5}, {"x9": 1}, {0.5}, object(),
    np.int64(2), np.int8(-1), np.uint64(2**63), np.float64(0.25), np.float32(math.nan),
    np.float16(1.0), np.bool_(True), np.array([0.5, 0.25]), np.array(0.5), np.str_("h1"),
    len, lambda *a: None, Trace(), Network.layered(1, 1), iter([1.0, 2.0]),
]  # fmt: skip
IDS = [f"{i}:{type(v).__name__}" for i, v in enumerate(VALUES)]

XOR = datasets.xor()
SAMPLE = ((0.5, 0.25), (1.0,))


def stop(report):  # a callback that ends training after the first epoch
    return True


def scheduler(net, **options):
    return net.scheduler(XOR, **options)


CALLS = {
    # the network and its builder
    "Network(loss=)": lambda net, v: Network(loss=v),
    "Network(seed=)": lambda net, v: Network(seed=v),
    "Network(init=)": lambda net, v: Network(init=v),
    "Network(scale=)": lambda net, v: Network(scale=v),
    "layered(v)": lambda net, v: Network.layered(v, 1),
    "layered(2, v)": lambda net, v: Network.layered(2, v),
    "layered(activation=)": lambda net, v: Network.layered(2, 2, 1, activation=v),
    "layered(output=)": lambda net, v: Network.layered(2, 1, output=v),
    "layered(loss=)": lambda net, v: Network.layered(2, 1, loss=v),
    "layered(bias=)": lambda net, v: Network.layered(2, 1, bias=v),
    "layered(names=)": lambda net, v: Network.layered(2, 1, names=v),
    "layered(bias_names=)": lambda net, v: Network.layered(2, 1, bias_names=v),
    "layered(weights=)": lambda net, v: Network.layered(2, 1, weights=v),
    "layered(matrices=)": lambda net, v: Network.layered(2, 1, matrices=v),
    "layered(init=)": lambda net, v: Network.layered(2, 1, init=v),
    "layered(scale=)": lambda net, v: Network.layered(2, 1, scale=v),
    "layered(seed=)": lambda net, v: Network.layered(2, 1, seed=v),
    # mutators
    "add_neuron(v)": lambda net, v: net.add_neuron(v),
    "add_neuron(activation=)": lambda net, v: net.add_neuron("n9", v),
    "add_neuron(kind=)": lambda net, v: net.add_neuron("n9", "tanh", v),
    "add_neuron(layer=)": lambda net, v: net.add_neuron("n9", "tanh", "hidden", v),
    "add_link(v, y1)": lambda net, v: net.add_link(v, "y1"),
    "add_link(x1, v)": lambda net, v: net.add_link("x1", v),
    "add_link(weight=)": lambda net, v: net.add_link("x1", "y1", v),
    "add_link(label=)": lambda net, v: net.add_link("x1", "y1", 0.5, v),
    "remove_link(v)": lambda net, v: net.remove_link(v),
    "label(v, w)": lambda net, v: net.label(v, "w9"),
    "label(link, v)": lambda net, v: net.label("x2→h1", v),
    "freeze(v)": lambda net, v: net.freeze(v),
    "unfreeze(v)": lambda net, v: net.unfreeze(v),
    "set_weights(v)": lambda net, v: net.set_weights(v),
    "set_weights({link: v})": lambda net, v: net.set_weights({"x1→h1": v}),
    "set_matrix(v, m)": lambda net, v: net.set_matrix(v, [[0.1, 0.2, 0.3]] * 2),
    "set_matrix(1, v)": lambda net, v: net.set_matrix(1, v),
    # lookups and reading
    "matrix(v)": lambda net, v: net.matrix(v),
    "neuron(v)": lambda net, v: net.neuron(v),
    "link(v)": lambda net, v: net.link(v),
    "net[v]": lambda net, v: net[v],
    "v in net": lambda net, v: v in net,
    "depth(v)": lambda net, v: net.depth(v),
    "forward(v)": lambda net, v: net.forward(v),
    "loss(v, t)": lambda net, v: net.loss(v, (1.0,)),
    "loss(x, v)": lambda net, v: net.loss((0.5, 0.25), v),
    "table(v)": lambda net, v: str(net.table(v)),
    "table(layer=)": lambda net, v: str(net.table("links", layer=v)),
    "table(links=)": lambda net, v: str(net.table("links", links=v)),
    # training
    "train(v)": lambda net, v: net.train(v),
    "train(epochs=)": lambda net, v: net.train(XOR, epochs=v, callback=stop),
    "train(rate=)": lambda net, v: net.train(XOR, rate=v),
    "train(momentum=)": lambda net, v: net.train(XOR, momentum=v),
    "train(batch_size=)": lambda net, v: net.train(XOR, batch_size=v),
    "train(reduce=)": lambda net, v: net.train(XOR, reduce=v),
    "train(update=)": lambda net, v: net.train(XOR, update=v),
    "train(shuffle=)": lambda net, v: net.train(XOR, shuffle=v),
    "train(target_loss=)": lambda net, v: net.train(XOR, target_loss=v),
    "train(callback=)": lambda net, v: net.train(XOR, epochs=2, callback=v),
    "train(trace=)": lambda net, v: net.train(XOR, trace=v),
    "train(engine=)": lambda net, v: net.train(XOR, engine=v),
    "scheduler(history=)": lambda net, v: scheduler(net, history=v),
    "scheduler(show=)": lambda net, v: scheduler(net, show=v).step(),
    "scheduler(epochs=)": lambda net, v: scheduler(net, epochs=v).step(),
    "step(v)": lambda net, v: scheduler(net).step(v),
    "run(until=)": lambda net, v: scheduler(net).run(v),
    "scheduler.table(v)": lambda net, v: str(scheduler(net).table(v)),
    "gradcheck(v)": lambda net, v: net.gradcheck(v),
    "gradcheck(eps=)": lambda net, v: net.gradcheck(SAMPLE, eps=v),
    "gradcheck(rtol=)": lambda net, v: net.gradcheck(SAMPLE, rtol=v),
    "gradcheck[v]": lambda net, v: net.gradcheck(SAMPLE)[v],
    "replay(v, 0)": lambda net, v: fresh().train(XOR, epochs=1, engine="compiled").replay(v, 0),
    "replay(0, v)": lambda net, v: fresh().train(XOR, epochs=1, engine="compiled").replay(0, v),
    # traces
    "Trace(keep=)": lambda net, v: Trace(keep=v),
    "Trace(links=)": lambda net, v: Trace(links=v),
    "trace.of(v)": lambda net, v: scheduler(net).trace.of(v),
    "trace.to_csv(v)": lambda net, v: Trace().to_csv(v),
    # the workflow
    "fit(v)": lambda net, v: fit(net, v, epochs=1, progress=False),
    "fit(test=)": lambda net, v: fit(net, XOR, v, epochs=1, progress=False),
    "fit(epochs=)": lambda net, v: fit(net, XOR, epochs=v, target_loss=1e300, progress=False),
    "fit(rate=)": lambda net, v: fit(net, XOR, epochs=1, rate=v, progress=False),
    "fit(batch_size=)": lambda net, v: fit(net, XOR, epochs=1, batch_size=v, progress=False),
    "fit(momentum=)": lambda net, v: fit(net, XOR, epochs=1, momentum=v, progress=False),
    "fit(patience=)": lambda net, v: fit(net, XOR, epochs=1, patience=v, progress=False),
    "fit(min_delta=)": lambda net, v: fit(net, XOR, epochs=1, min_delta=v, progress=False),
    "fit(target_loss=)": lambda net, v: fit(net, XOR, epochs=1, target_loss=v, progress=False),
    "fit(on_epoch=)": lambda net, v: fit(net, XOR, epochs=1, on_epoch=v, progress=False),
    "fit(restore_best=)": lambda net, v: fit(net, XOR, epochs=1, restore_best=v, progress=False),
    "fit(progress=)": lambda net, v: fit(net, XOR, epochs=1, progress=v),
    "predict(v)": lambda net, v: predict(net, v),
    "predict(inputs, v)": lambda net, v: predict(net, [(0.5, 0.25)], v),
    "evaluate(v)": lambda net, v: evaluate(net, v),
    "accuracy(v)": lambda net, v: accuracy(net, v),
    "confusion_matrix(classes=)": lambda net, v: confusion_matrix(net, XOR, classes=v),
    "Preprocessing(v)": lambda net, v: Preprocessing(v, ("y",)),
    "Preprocessing(std=)": lambda net, v: Preprocessing(("a", "b"), ("y",), None, (0, 0), v),
    "Preprocessing.inputs(v)": lambda net, v: Preprocessing(("a", "b"), ("y",)).inputs(v),
    "schedules.step(v)": lambda net, v: schedules.step(v),
    "Schedule(kind=)": lambda net, v: schedules.Schedule(v, 0.5),
    "parse_schedule(v)": lambda net, v: schedules.parse_schedule(v, 0.5),
    # files
    "save(net, v)": lambda net, v: lernpy.save(net, v),
    "save(v, path)": lambda net, v: lernpy.save(v, "/nonexistent/never.json"),
    "load(v)": lambda net, v: lernpy.load(v),
    "loads(v)": lambda net, v: loads(v),
    "dumps(v)": lambda net, v: dumps(v),
    "read_csv(v)": lambda net, v: csvdata.read_csv(v),
    "read_csv(target=)": lambda net, v: csvdata.read_csv(io.StringIO("a,b\n1,2\n"), target=v),
    "read_csv(inputs=)": lambda net, v: csvdata.read_csv(io.StringIO("a,b\n1,2\n"), inputs=v),
    "read_csv(classes=)": lambda net, v: csvdata.read_csv(io.StringIO("a,b\n1,x\n"), classes=v),
    "read_inputs(v)": lambda net, v: csvdata.read_inputs(io.StringIO("a,b\n1,2\n"), v),
    "write_csv(samples=)": lambda net, v: csvdata.write_csv(io.StringIO(), v, ("a",), ("b",)),
    "split(v)": lambda net, v: csvdata.split(v),
    "split(test=)": lambda net, v: csvdata.split(XOR, test=v),
    "split(seed=)": lambda net, v: csvdata.split(XOR, seed=v),
    "Standardizer.fit(v)": lambda net, v: csvdata.Standardizer.fit(v),
    "datasets.make(v)": lambda net, v: datasets.make(v),
    "datasets.make(n=)": lambda net, v: datasets.make("moons", n=v),
    "datasets.make(seed=)": lambda net, v: datasets.make("moons", n=10, seed=v),
    "datasets.describe(v)": lambda net, v: datasets.describe(v),
    # pictures and views
    "diagram_svg(annotate=)": lambda net, v: lernpy.pictures.diagram_svg(net, annotate=v),
    "diagram_svg(highlight=)": lambda net, v: lernpy.pictures.diagram_svg(net, highlight=v),
    "diagram_svg(net=)": lambda net, v: lernpy.pictures.diagram_svg(v),
    "boundary_svg(resolution=)": lambda net, v: lernpy.pictures.boundary_svg(net, resolution=v),
    "boundary_svg(data=)": lambda net, v: lernpy.pictures.boundary_svg(net, v),
    "curves_svg(v)": lambda net, v: lernpy.pictures.curves_svg(v),
    "lesson_html(data=)": lambda net, v: lernpy.pictures.lesson_html(net, v),
    "lesson_html(max_steps=)": lambda net, v: lernpy.pictures.lesson_html(net, XOR, max_steps=v),
    "lesson_html(title=)": lambda net, v: lernpy.pictures.lesson_html(net, XOR, title=v),
    "explain(v)": lambda net, v: lernpy.views.explain.explain(v),
    "render.text(width=)": lambda net, v: lernpy.views.render.text(net, width=v),
    "Activation.custom(v)": lambda net, v: lernpy.Activation.custom(v, abs, abs),
    # what the optimizers, shared weights, builders and exercises added
    "train(optimizer=)": lambda net, v: net.train(XOR, optimizer=v),
    "Adam(rate=)": lambda net, v: lernpy.optim.Adam(rate=v),
    "SGD(momentum=)": lambda net, v: lernpy.optim.SGD(momentum=v),
    "tie(v, links)": lambda net, v: net.tie(v, ["x1→h1", "x2→h1"]),
    "tie(name, v)": lambda net, v: net.tie("k", v),
    "untie(v)": lambda net, v: net.untie(v),
    "recurrent(steps=)": lambda net, v: Network.recurrent(1, 2, 1, steps=v),
    "recurrent(truncate=)": lambda net, v: Network.recurrent(1, 2, 1, steps=3, truncate=v),
    "convolutional(image=)": lambda net, v: Network.convolutional(v, lernpy.Conv(1, kernel=1)),
    "Conv(kernel=)": lambda net, v: lernpy.Conv(1, kernel=v),
    "lesson(v)": lambda net, v: net.lesson(v),
    "history.weights(v)": lambda net, v: fresh().train(XOR, epochs=1).weights(v),
    "diff(net, v)": lambda net, v: lernpy.diff(net.state(), v),
    "exercises.problem(v)": lambda net, v: lernpy.exercises.problem(v),
    "exercises.problem(shape=)": lambda net, v: lernpy.exercises.problem(1, shape=v),
    "exercises.problem(activation=)": lambda net, v: lernpy.exercises.problem(1, activation=v),
    "exercises.problem(optimizer=)": lambda net, v: lernpy.exercises.problem(1, optimizer=v),
    "exercises.mazur(v)": lambda net, v: lernpy.exercises.mazur(v),
    "problem.check(v, 0.5)": lambda net, v: lernpy.exercises.mazur().check(v, 0.5),
    "problem.check(name, v)": lambda net, v: lernpy.exercises.mazur().check("out_h1", v),
    "audit(problem, v)": lambda net, v: lernpy.exercises.audit(lernpy.exercises.mazur(), v),
    "audit(v, key)": lambda net, v: lernpy.exercises.audit(v, "E = 0.3"),
    "read_table(v)": lambda net, v: lernpy.exercises.read_table(v),
    "RMSProp(alpha=)": lambda net, v: lernpy.optim.RMSProp(alpha=v),
    "Adam(betas=)": lambda net, v: lernpy.optim.Adam(betas=v),
    "optim.optimizer(v)": lambda net, v: lernpy.optim.optimizer(v),
    "scheduler(optimizer, rate=)": lambda net, v: scheduler(net, optimizer="adam", rate=v),
    "scheduler.set(rate=)": lambda net, v: scheduler(net).set(rate=v),
    "Pool(v)": lambda net, v: lernpy.Pool(v, 2),
    "Dense(v)": lambda net, v: lernpy.Dense(v),
    "datasets.parity(steps=)": lambda net, v: datasets.parity(4, v),
    "datasets.bars(v)": lambda net, v: datasets.bars(v),
    "trace.series(name, v)": lambda net, v: net.scheduler(XOR).trace.series("x1→h1", v),
    "table().to_csv(v)": lambda net, v: net.table().to_csv(v),
    "table().to_latex(floating=)": lambda net, v: net.table().to_latex(floating=v),
    "table().to_markdown(v)": lambda net, v: net.table().to_markdown(v),
    "table().to_latex(places=)": lambda net, v: net.table().to_latex(places=v),
    "Activation.custom(f=)": lambda net, v: lernpy.Activation.custom("f", v, abs),
}  # fmt: skip


class Slow(Exception):
    pass


def _alarm(signum, frame):
    raise Slow


def fresh() -> Network:
    net = Network.layered(2, 2, 1, seed=5)
    net.label("x1→h1", "w5")
    net.train(XOR, epochs=1)
    return net


BASE = to_dict(fresh())  # the saved form every call starts from


@pytest.fixture(scope="module", autouse=True)
def _imports():
    import lernpy.exercises  # noqa: F401
    import lernpy.pictures  # noqa: F401
    import lernpy.views.explain  # noqa: F401
    import lernpy.views.render  # noqa: F401


def torch_bridge():
    """lernpy.torch, or a skip without PyTorch (imported only by the tests that use it)."""
    pytest.importorskip("torch", reason="PyTorch is not installed")
    import lernpy.torch

    return lernpy.torch


def module(net):
    return torch_bridge().to_torch(net)


# the PyTorch bridge's entry points (PyTorch itself is not fuzzed: only what lernpy takes)
TORCH_CALLS = {
    "to_torch(v)": lambda net, v: torch_bridge().to_torch(v),
    "to_torch(dtype=)": lambda net, v: torch_bridge().to_torch(net, v),
    "state_dict(v)": lambda net, v: torch_bridge().state_dict(v),
    "load_state_dict(net, v)": lambda net, v: torch_bridge().load_state_dict(net, v),
    "places(v)": lambda net, v: torch_bridge().places(v),
    "torch_loss(v)": lambda net, v: torch_bridge().torch_loss(v),
    "torch_loss(reduction=)": lambda net, v: torch_bridge().torch_loss(net, v),
    "torch.save(v, path)": lambda net, v: torch_bridge().save(v, "net.pt"),
    "torch.save(net, v)": lambda net, v: torch_bridge().save(net, v),
    "torch.save(optimizer=)": lambda net, v: torch_bridge().save(net, "net.pt", v),
    "torch.load(v)": lambda net, v: torch_bridge().load(v),
    "from_torch(v)": lambda net, v: torch_bridge().from_torch(v),
    "from_torch(names=)": lambda net, v: torch_bridge().from_torch(module(net), v),
    "from_torch(loss=)": lambda net, v: torch_bridge().from_torch(module(net), loss=v),
    "from_torch(seed=)": lambda net, v: torch_bridge().from_torch(module(net), seed=v),
    "compare(v, module, sample)": lambda net, v: torch_bridge().compare(v, module(net), SAMPLE),
    "compare(net, v, sample)": lambda net, v: torch_bridge().compare(net, v, SAMPLE),
    "compare(net, module, v)": lambda net, v: torch_bridge().compare(net, module(net), v),
    "compare(rtol=)": lambda net, v: torch_bridge().compare(net, module(net), SAMPLE, rtol=v),
    "compare(links=)": lambda net, v: torch_bridge().compare(net, module(net), SAMPLE, links=v),
    "optimizer_to_torch(v)": lambda net, v: torch_bridge().optimizer_to_torch(net, module(net), v),
    "optimizer_to_torch(rate=)": lambda net, v: torch_bridge().optimizer_to_torch(
        net, module(net), "sgd", rate=v),
    "optimizer_from_torch(v)": lambda net, v: torch_bridge().optimizer_from_torch(
        v, module(net), net),
    "torch_counterpart(v)": lambda net, v: torch_bridge().torch_counterpart(v),
    "lernpy_counterpart(v)": lambda net, v: torch_bridge().lernpy_counterpart(v),
    "optimizer_of(v)": lambda net, v: torch_bridge().optimizer_of(v),
}  # fmt: skip


@pytest.mark.parametrize(
    "call", [*CALLS.values(), *TORCH_CALLS.values()], ids=[*CALLS.keys(), *TORCH_CALLS.keys()]
)
def test_every_entry_point_raises_only_lernpy_errors_and_a_failed_call_changes_nothing(
    call, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # anything a call writes lands here
    bad = []
    previous = signal.signal(signal.SIGALRM, _alarm)
    net = from_dict(BASE)
    try:
        for value, name in zip(VALUES, IDS):
            signal.setitimer(signal.ITIMER_REAL, 5.0)
            try:
                call(net, value)
            except LernpyError:
                if to_dict(net) != BASE:
                    bad.append(f"{name}: a failed call changed the network")
                    net = from_dict(BASE)
                continue  # (nothing changed: the next value can use the same network)
            except Slow:
                bad.append(f"{name}: still running after 5 s")
                continue
            except Exception as error:  # noqa: BLE001  (what the test is looking for)
                bad.append(f"{name}: {type(error).__name__}: {str(error)[:100]}")
                continue
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            try:  # it worked: the network still saves and loads back to itself
                text = dumps(net)
                assert dumps(loads(text)) == text
            except Exception as error:  # noqa: BLE001
                bad.append(f"{name}: worked, but then {type(error).__name__}: {error}")
            net = from_dict(BASE)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert not bad, "\n".join(bad)


class _Float(float):
    pass


class _Int(int):
    pass


@pytest.mark.parametrize(
    "value", [*VALUES, _Float(0.5), _Int(3)], ids=[*IDS, "float sub", "int sub"]
)
def test_the_quick_number_checks_take_exactly_what_the_abstract_classes_take(value):
    # a plain float or int is taken at once; everything else as numbers.Real / Integral say
    # (True and numpy's bool are no number)
    import numbers

    from lernpy import checks

    assert checks.real(value) == (isinstance(value, numbers.Real) and not isinstance(value, bool))
    assert checks.integral(value) == (
        isinstance(value, numbers.Integral) and not isinstance(value, bool)
    )
