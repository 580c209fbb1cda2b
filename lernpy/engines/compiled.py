"""The compiled engine: Python source generated from the graph, once per topology.

The reference scheduler walks neuron and link objects and records every step.
This engine reads the same walk (:func:`lernpy.scheduler.sample_plan`) once and
writes it out as straight-line Python, one local variable per number: ``w7`` is
link 7's weight, ``v3``/``n3``/``e3``/``s3`` are neuron 3's value, net, error and
sensitivity. Every expression keeps the reference's order of operations, so the
results agree with the scheduler's to the last bit or nearly so. The source is
cached per topology (``Network.version``, frozen links, activations, loss and
batch options) and rebuilt when any of them changes; ``source(net, ...)`` shows
it.

>>> from lernpy import Network
>>> net = Network.layered(2, 2, 1, seed=1)
>>> print(source(net).splitlines()[0])
def epoch(W, U, data, order, rate, momentum, bs, mean):
"""

from __future__ import annotations

import linecache
import math
import weakref
from collections.abc import Sequence

from lernpy.activations import LEAKY_SLOPE, softmax
from lernpy.losses import HALF_SSE
from lernpy.network import Network
from lernpy.scheduler import DELIVER, FIRE, LEARN, PRESENT, SCORE, SENSE, UPDATE, sample_plan

from .base import Checkpoint, LastSample, Options, all_finite, builtin, write_back

NAME = "compiled"
# Unrolled source grows with the links; past this many the numpy engine (or the
# reference) is the better tool, and compiling would take seconds.
MAX_LINKS = 30_000
CHUNK = 64  # terms per line of a long sum: deep expressions strain the compiler

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def why_not(net: Network, options: Options) -> str | None:
    """None if this engine can train ``net`` with ``options``, else the reason."""
    if len(net.links) > MAX_LINKS:
        return f"{len(net.links)} links: more than {MAX_LINKS} to unroll"
    return None


def cost(net: Network, options: Options) -> float:
    """Estimated seconds per sample, fitted on a 2-core x86 machine: 150 ns a link."""
    return 3e-6 + 150e-9 * len(net.links)


def _key(net: Network, batched: bool, momentum: bool) -> tuple:
    return (
        net.version,
        batched,
        momentum,
        tuple(link.frozen for link in net.links),
        tuple(id(n.activation) for n in net.neurons),
        tuple(n.value for n in net.biases),
        id(net.loss_function),
    )


def _sum(terms: list[str], target: str) -> list[str]:
    """``target = t1 + t2 + …`` summed left to right as the reference does, in short lines."""
    if not terms:
        return [f"{target} = 0.0"]
    lines = [f"{target} = {' + '.join(terms[:CHUNK])}"]
    for start in range(CHUNK, len(terms), CHUNK):
        lines.append(f"{target} = {target} + {' + '.join(terms[start : start + CHUNK])}")
    return lines


def _tuple(names: Sequence[str]) -> str:
    return "(" + "".join(f"{n}, " for n in names) + ")"


def _generate(net: Network, batched: bool, momentum: bool) -> tuple[str, dict, list[int]]:
    """The source of ``epoch(...)``, its constants, and the indices of the computing neurons."""
    neurons = net.neurons
    ni = {id(n): k for k, n in enumerate(neurons)}
    li = {id(link): i for i, link in enumerate(net.links)}
    consts: dict[str, object] = {"exp": math.exp, "tanh": math.tanh, "softmax": softmax}
    lf = net.loss_function
    half_sse = lf.value is HALF_SSE.value and lf.gradient is HALF_SSE.gradient
    if not half_sse:
        consts["loss_value"], consts["loss_gradient"] = lf.value, lf.gradient
    outputs = net.outputs
    target_of = {id(o): f"t{j}" for j, o in enumerate(outputs)}

    def v(n) -> str:
        return f"v{ni[id(n)]}"

    weights = [f"w{i}" for i in range(len(net.links))]
    trainable = [i for i, link in enumerate(net.links) if not link.frozen]
    head = ["def epoch(W, U, data, order, rate, momentum, bs, mean):"]
    body: list[str] = []  # the loop body for one sample, indented later
    if weights:
        head.append(f"    {', '.join(weights)}, = W")
    if momentum and trainable:
        head.append(f"    {', '.join(f'u{i}' for i in trainable)}, = U")
    for b in net.biases:
        head.append(f"    {v(b)} = {float(b.value)!r}")
    head.append("    loss_sum = 0.0")
    head.append("    snap = None")

    computing: list[int] = []
    fired: set[int] = set()
    sensed: set[int] = set()

    def error_lines(n) -> list[str]:
        k = ni[id(n)]
        if k in sensed or n.kind == "output":
            return []
        sensed.add(k)
        terms = [f"w{li[id(link)]}*s{ni[id(link.target)]}" for link in n.outgoing]
        return _sum(terms, f"e{k}")

    for code, obj, _phase, _depth in sample_plan(net):
        if code == PRESENT:
            body.append("x, t = data[idx]")
            body.append(f"{', '.join(v(n) for n in net.inputs)}, = x")
            body.append(f"{', '.join(target_of[id(o)] for o in outputs)}, = t")
        elif code == DELIVER or code == UPDATE:
            continue  # deliveries are summed where the neuron fires; updates come below
        elif code == FIRE:
            k = ni[id(obj)]
            if k in fired:
                continue
            act = obj.activation
            members = obj.group if act.layerwise else [obj]
            for m in members:
                km = ni[id(m)]
                fired.add(km)
                computing.append(km)
                terms = [f"w{li[id(link)]}*{v(link.source)}" for link in m.incoming]
                body += _sum(terms, f"n{km}")
            if act.layerwise:
                names = ", ".join(f"n{ni[id(m)]}" for m in members)
                body.append(f"{', '.join(v(m) for m in members)}, = softmax([{names}])")
                continue
            kind = builtin(act)
            if kind == "sigmoid":  # the two branches of activations._sigmoid
                body.append(
                    f"v{k} = 1.0 / (1.0 + exp(-n{k})) if n{k} >= 0.0 "
                    f"else exp(n{k}) / (1.0 + exp(n{k}))"
                )
            elif kind == "tanh":
                body.append(f"v{k} = tanh(n{k})")
            elif kind == "identity":
                body.append(f"v{k} = n{k}")
            elif kind == "relu":
                body.append(f"v{k} = n{k} if n{k} > 0.0 else 0.0")
            elif kind == "leaky_relu":
                body.append(f"v{k} = n{k} if n{k} > 0.0 else {LEAKY_SLOPE!r} * n{k}")
            else:
                consts[f"f{k}"] = act.f
                body.append(f"v{k} = f{k}(n{k})")
        elif code == SCORE:
            values = [v(o) for o in outputs]
            if half_sse:
                squares = " + ".join(
                    f"({vo} - {target_of[id(o)]}) ** 2" for vo, o in zip(values, outputs)
                )
                body.append(f"loss = 0.5 * ({squares})")
                for vo, o in zip(values, outputs):
                    body.append(f"e{ni[id(o)]} = {vo} - {target_of[id(o)]}")
            else:
                body.append(f"loss = loss_value({_tuple(values)}, t)")
                errors = ", ".join(f"e{ni[id(o)]}" for o in outputs)
                body.append(f"{errors}, = loss_gradient({_tuple(values)}, t)")
            body.append("loss_sum += loss")
        elif code == SENSE:
            k = ni[id(obj)]
            act = obj.activation
            if net.fused(obj):
                body += error_lines(obj)
                body.append(f"s{k} = v{k} - {target_of[id(obj)]}")
                continue
            if act.layerwise:
                # the softmax Jacobian needs every member's error first
                for m in obj.group:
                    body += error_lines(m)
                weighted = " + ".join(f"e{ni[id(m)]} * {v(m)}" for m in obj.group)
                body.append(f"s{k} = v{k} * (e{k} - ({weighted}))")
                continue
            body += error_lines(obj)
            kind = builtin(act)
            if kind == "sigmoid":
                body.append(f"s{k} = e{k} * (v{k} * (1.0 - v{k}))")
            elif kind == "tanh":
                body.append(f"s{k} = e{k} * (1.0 - v{k} * v{k})")
            elif kind == "identity":
                body.append(f"s{k} = e{k} * 1.0")
            elif kind == "relu":
                body.append(f"s{k} = e{k} * (1.0 if n{k} > 0.0 else 0.0)")
            elif kind == "leaky_relu":
                body.append(f"s{k} = e{k} * (1.0 if n{k} > 0.0 else {LEAKY_SLOPE!r})")
            else:
                consts[f"slope{k}"] = act.slope
                body.append(f"s{k} = e{k} * slope{k}(n{k}, v{k})")
        elif code == LEARN and batched and not obj.frozen:
            i = li[id(obj)]
            body.append(f"g{i} += s{ni[id(obj.target)]} * {v(obj.source)}")

    states = ", ".join(f"(n{k}, v{k}, e{k}, s{k})" for k in computing)
    snapshot = f"(x, t, ({states}{',' if len(computing) == 1 else ''}), {_tuple(weights)}"
    updates: list[str] = []
    for i in trainable:
        link = net.links[i]
        gradient = f"(g{i} / div)" if batched else f"(s{ni[id(link.target)]} * {v(link.source)})"
        if momentum:
            updates.append(f"u{i} = momentum * u{i} - rate * {gradient}")
            updates.append(f"w{i} = w{i} + u{i}")
        else:
            updates.append(f"w{i} = w{i} - rate * {gradient}")

    lines = head
    if batched:
        lines.append("    total = len(order)")
        lines.append("    for start in range(0, total, bs):")
        if trainable:
            lines.append("        " + " = ".join(f"g{i}" for i in trainable) + " = 0.0")
        lines.append("        batch = order[start : start + bs]")
        lines.append("        for idx in batch:")
        lines += ["            " + line for line in body]
        lines.append("        k = len(batch)")
        lines.append("        div = float(k) if mean else 1.0")
        gradients = _tuple(
            [f"g{i}" if not net.links[i].frozen else "0.0" for i in range(len(weights))]
        )
        lines.append("        if start + k >= total:")
        lines.append(f"            snap = {snapshot}, {gradients}, k)")
        lines += ["        " + line for line in updates]
    else:
        lines.append("    last = len(order) - 1")
        lines.append("    for p, idx in enumerate(order):")
        lines += ["        " + line for line in body]
        lines.append("        if p == last:")
        lines.append(f"            snap = {snapshot}, None, 1)")
        lines += ["        " + line for line in updates]
    velocities = _tuple([f"u{i}" for i in trainable]) if momentum else "U"
    lines.append(f"    return {_tuple(weights)}, {velocities}, loss_sum, snap")
    return "\n".join(lines) + "\n", consts, computing


class Compiled:
    """A compiled epoch function for one topology and one set of batch options."""

    def __init__(self, net: Network, batched: bool, momentum: bool) -> None:
        self.source, consts, self.computing = _generate(net, batched, momentum)
        filename = f"<lernpy compiled engine {id(self):x}>"
        # keep the source findable for tracebacks and inspect.getsource
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True), filename)
        namespace = dict(consts)
        exec(compile(self.source, filename, "exec"), namespace)
        self.epoch = namespace["epoch"]
        self.trainable = [i for i, link in enumerate(net.links) if not link.frozen]


def compiled(net: Network, options: Options) -> Compiled:
    """The cached compiled function for ``net`` and ``options``, built if needed."""
    batched, momentum = options.batch_size > 1, options.momentum != 0.0
    key = _key(net, batched, momentum)
    per_net = _cache.setdefault(net, {})
    if key not in per_net:
        per_net.clear()  # the topology moved on: drop the old builds
        per_net[key] = Compiled(net, batched, momentum)
    return per_net[key]


def source(net: Network, batch_size: int = 1, momentum: float = 0.0) -> str:
    """The Python source the compiled engine runs for ``net`` (for reading)."""
    options = Options(
        rate=0.5, momentum=momentum, batch_size=batch_size, reduce="mean", shuffle=False
    )
    return compiled(net, options).source


class Session:
    """Training state of the compiled engine between epochs."""

    name = NAME

    def __init__(self, net: Network, samples: list, options: Options) -> None:
        self.net, self.samples, self.options = net, samples, options
        self.code = compiled(net, options)
        self.weights = tuple(link.weight for link in net.links)
        self.velocities = tuple(net.links[i].velocity for i in self.code.trainable)
        self.last: LastSample | None = None

    def checkpoint(self, epoch: int, order: Sequence[int], rng: tuple) -> Checkpoint:
        velocities = [link.velocity for link in self.net.links]
        if self.options.momentum:
            for i, u in zip(self.code.trainable, self.velocities):
                velocities[i] = u
        return Checkpoint(epoch, self.weights, tuple(velocities), tuple(order), rng)

    def epoch(self, order: list[int]) -> float:
        """Train one epoch in ``order``; return the sum of the sample losses."""
        o = self.options
        weights, velocities, loss_sum, snap = self.code.epoch(
            self.weights, self.velocities, self.samples, order, o.rate, o.momentum,
            o.batch_size, o.reduce == "mean",
        )  # fmt: skip
        self.weights, self.velocities = weights, velocities
        x, t, states, old, gradients, k = snap
        self.last = LastSample(x, t, dict(zip(self.code.computing, states)), old, gradients, k)
        return loss_sum

    def finite(self) -> bool:
        return all_finite(self.weights)

    def write_back(self) -> None:
        """Leave the network's objects as the reference would have."""
        if self.last is not None:
            write_back(self.net, self.weights, self.all_velocities(), self.last, self.options)
            self.last = None
        else:  # nothing ran since the weights were loaded (or the reference ran last)
            for link, w in zip(self.net.links, self.weights):
                link.weight = w

    def all_velocities(self) -> list[float]:
        velocities = [link.velocity for link in self.net.links]
        if self.options.momentum:
            for i, u in zip(self.code.trainable, self.velocities):
                velocities[i] = u
        return velocities
