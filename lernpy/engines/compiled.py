"""The compiled engine: Python source generated from the graph, once per topology.

The reference scheduler walks neuron and link objects and records every step.
This engine reads the same walk (:func:`lernpy.walk.scheduler.sample_plan`) once and
writes it out as straight-line Python, one local variable per number: ``w7`` is
link 7's weight, ``v3``/``n3``/``e3``/``s3`` are neuron 3's value, net, error and
sensitivity. Every expression keeps the reference's order of operations, so the
results agree with the scheduler's to the last bit or nearly so. The source is
cached per topology (``Network.version``, frozen links, activations, loss and
batch options) and rebuilt when any of them changes; ``source(net, ...)`` shows
it.

Shared weights: every link of a shared weight reads one variable (its first
link's ``w``), and one update moves it with the sum of the links' gradients, in
the order :class:`~lernpy.graph.shared.SharedWeight` sums them. A max-pooling
neuron keeps the index of its winning link (``a3``), and only that link's blame
reaches its source; a detached link (truncated BPTT) sends none.

>>> from lernpy import Network
>>> net = Network.layered(2, 2, 1, seed=1)
>>> "n3 = w0*v0 + w1*v1 + w2*v2" in source(net)  # h1's net, as the scheduler sums it
True
"""

from __future__ import annotations

import linecache
import math
import weakref
from collections.abc import Sequence

from lernpy.engines.base import (
    Checkpoint,
    LastSample,
    Options,
    all_finite,
    builtin,
    velocity_of,
    write_back,
)
from lernpy.graph.activations import LEAKY_SLOPE, softmax
from lernpy.graph.link import DetachedLink, PoolLink
from lernpy.graph.losses import BCE, BCE_MEAN, CROSS_ENTROPY, HALF_SSE, exact_loss
from lernpy.graph.network import Network
from lernpy.graph.shared import SharedWeight
from lernpy.walk.plan import DELIVER, FIRE, LEARN, PRESENT, SCORE, SENSE, UPDATE, sample_plan

NAME = "compiled"
# Unrolled source grows with the links; past this many the numpy engine (or the
# reference) is the better tool, and compiling would take seconds.
MAX_LINKS = 30_000
CHUNK = 64  # terms per line of a long sum: deep expressions strain the compiler

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def why_not(net: Network, options: Options) -> str | None:
    """None if this engine can train ``net`` with ``options``, else the reason."""
    if options.special is not None:
        return options.special
    if len(net.links) > MAX_LINKS:
        return f"{len(net.links)} links: more than {MAX_LINKS} to unroll"
    return None


def cost(net: Network, options: Options) -> float:
    """Estimated seconds per sample, fitted on a 2-core x86 machine: 150 ns a link."""
    return 3e-6 + 150e-9 * len(net.links)


def _key(net: Network, batched: bool, momentum: str | None) -> tuple:
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


def _generate(net: Network, batched: bool, momentum: str | None) -> tuple[str, dict, list, list]:
    """The source of ``epoch(...)``, its constants, and the indices of the computing neurons.

    ``momentum``: None, or the momentum's form ("pytorch" or "textbook").
    """
    neurons = net.neurons
    ni = {id(n): k for k, n in enumerate(neurons)}
    li = {id(link): i for i, link in enumerate(net.links)}
    consts: dict[str, object] = {
        "exp": math.exp, "tanh": math.tanh, "softmax": softmax, "isfinite": math.isfinite,
    }  # fmt: skip
    lf = net.loss_function
    half_sse = lf.value is HALF_SSE.value and lf.gradient is HALF_SSE.gradient
    exact = net.exact_loss()  # the loss from the outputs' nets, as Network.output_loss does
    if not half_sse:
        consts["loss_value"], consts["loss_gradient"] = lf.value, lf.gradient
        consts["loss_exact"], consts["lf"] = exact_loss, lf
    outputs = net.outputs
    target_of = {id(o): f"t{j}" for j, o in enumerate(outputs)}

    def v(n) -> str:
        return f"v{ni[id(n)]}"

    # a shared weight lives in its first link's variable; every link of it reads that one
    home = [li[id(link.shared.links[0])] if link.shared else i for i, link in enumerate(net.links)]

    def w(link) -> str:
        return f"w{home[li[id(link)]]}"

    def s(link) -> str:
        return f"s{ni[id(link.target)]}"

    def sensitivity(link) -> str:
        """The link's ∂E/∂w for this sample, as Link.learn (or PoolLink.learn) computes it."""
        product = f"{s(link)} * {v(link.source)}"
        if isinstance(link, PoolLink):  # 0 unless it delivered the max
            return f"({product} if a{ni[id(link.target)]} == {li[id(link)]} else 0.0)"
        return product

    def blame(link) -> str:
        """What the link sends back, as learn() computes it (Detached: nothing)."""
        if isinstance(link, DetachedLink):
            return "0.0"
        product = f"{w(link)}*{s(link)}"
        if isinstance(link, PoolLink):
            return f"({product} if a{ni[id(link.target)]} == {li[id(link)]} else 0.0)"
        return product

    weights = [f"w{home[i]}" for i in range(len(net.links))]
    # what an update moves: (home variable, the links whose gradients it sums)
    moved = []
    for p in net.parameters():
        if not p.frozen:
            members = p.links if isinstance(p, SharedWeight) else [p]
            moved.append((home[li[id(members[0])]], [li[id(link)] for link in members]))
    trainable = [index for index, _members in moved]
    gathering = [i for _index, members in moved for i in members]  # links that sum gradients
    head = [
        "def train(W, U, data, order, rate, momentum, bs, mean, epochs, shuffle, rng, points,"
        " losses, fixed_order, fixed_state):"
    ]
    body: list[str] = []  # the loop body for one sample, indented later
    if weights:
        head.append(f"    {', '.join(weights)}, = W")
    if momentum and trainable:
        head.append(f"    {', '.join(f'u{i}' for i in trainable)}, = U")
    for b in net.biases:
        head.append(f"    {v(b)} = {float(b.value)!r}")
    head.append("    getstate, shuffle_order = rng.getstate, rng.shuffle")
    head.append("    snap = None")

    computing: list[int] = []
    fired: set[int] = set()
    sensed: set[int] = set()

    def error_lines(n) -> list[str]:
        k = ni[id(n)]
        if k in sensed or n.kind == "output":
            return []
        sensed.add(k)
        return _sum([blame(link) for link in n.outgoing], f"e{k}")

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
                terms = [f"{w(link)}*{v(link.source)}" for link in m.incoming]
                if act.pool:  # max pooling: the first largest value, and which link gave it
                    body += _pool(km, terms, [li[id(link)] for link in m.incoming])
                else:
                    body += _sum(terms, f"n{km}")
            if act.pool:
                body.append(f"v{k} = n{k}")
                continue
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
                    f"({vo} - {target_of[id(o)]}) * ({vo} - {target_of[id(o)]})"
                    for vo, o in zip(values, outputs)
                )
                body.append(f"loss = 0.5 * ({squares})")
                for vo, o in zip(values, outputs):
                    body.append(f"e{ni[id(o)]} = {vo} - {target_of[id(o)]}")
            elif exact:
                nets = _tuple([f"n{ni[id(o)]}" for o in outputs])
                body.append(f"loss = loss_exact(lf, {nets}, t)")
            else:
                body.append(f"loss = loss_value({_tuple(values)}, t)")
            if not half_sse:
                errors = ", ".join(f"e{ni[id(o)]}" for o in outputs)
                body.append(f"{errors}, = loss_gradient({_tuple(values)}, t)")
            body.append("loss_sum += loss")
        elif code == SENSE:
            k = ni[id(obj)]
            act = obj.activation
            if net.fused(obj):
                body += error_lines(obj)
                t = target_of[id(obj)]
                if lf.fused_sensitivity is CROSS_ENTROPY.fused_sensitivity:
                    # value · Σ targets − target, the targets summed in the layer's order
                    total = "0.0 + " + " + ".join(target_of[id(m)] for m in obj.group)
                    body.append(f"s{k} = v{k} * ({total}) - {t}")
                elif lf.fused_sensitivity is BCE_MEAN.fused_sensitivity:
                    body.append(f"s{k} = (v{k} - {t}) / {len(outputs)}")
                elif lf.fused_sensitivity in (None, BCE.fused_sensitivity):
                    body.append(f"s{k} = v{k} - {t}")
                else:  # a user's loss with its own fused formula, called as the reference does
                    consts["fused_sensitivity"] = lf.fused_sensitivity
                    total = "0.0 + " + " + ".join(target_of[id(m)] for m in obj.group)
                    total = total if act.layerwise else "0.0"
                    body.append(f"s{k} = fused_sensitivity(v{k}, {t}, {total}, {len(outputs)})")
                continue
            if act.layerwise and not act.pool:
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
            body.append(f"g{li[id(obj)]} += {sensitivity(obj)}")

    # The reference stops on any net, sensitivity or blame that is not finite. Most
    # of them reach the weights or the loss, checked after each epoch; these may not:
    # a net past the float range under a flat activation (tanh(inf) = 1), and the
    # blame a link sends to an input or bias neuron, which nothing sums. A non-finite
    # term makes the epoch's sum non-finite (an overflow of the sum itself only sends
    # the epoch to the reference, which judges it exactly).
    checks = [f"n{k} + s{k}" for k in computing]
    checks += [blame(link) for link in net.links if link.source.is_source]
    body += _sum(["check", *checks], "check")
    states = ", ".join(f"(n{k}, v{k}, e{k}, s{k})" for k in computing)
    snapshot = f"(x, t, ({states}{',' if len(computing) == 1 else ''}), {_tuple(weights)}"
    updates: list[str] = []
    for i, members in moved:
        # a shared weight's gradient: its links' gradients summed in link order, then divided
        if batched:
            gradient = f"({' + '.join(f'g{j}' for j in members)})"
            gradient = f"(g{i} / div)" if len(members) == 1 else f"({gradient} / div)"
        else:
            gradient = f"({' + '.join(sensitivity(net.links[j]) for j in members)})"
        if momentum == "textbook":  # Δw ← μ·Δw − rate·g, w ← w + Δw
            updates.append(f"u{i} = momentum * u{i} - rate * {gradient}")
            updates.append(f"w{i} = w{i} + u{i}")
        elif momentum:  # PyTorch's: b ← μ·b + g, w ← w − rate·b
            updates.append(f"u{i} = momentum * u{i} + {gradient}")
            updates.append(f"w{i} = w{i} - rate * u{i}")
        else:
            updates.append(f"w{i} = w{i} - rate * {gradient}")

    # One call trains `epochs` epochs; each starts by recording its checkpoint
    # (weights, velocities, the order before shuffling, the generator's state).
    velocities = _tuple([f"u{i}" for i in trainable]) if momentum else "None"
    lines = head
    lines.append("    for ep in range(epochs):")
    lines.append("        if shuffle:")
    lines.append(
        f"            points.append(({_tuple(weights)}, {velocities}, tuple(order), getstate()))"
    )
    lines.append("            order = order[:]")
    lines.append("            shuffle_order(order)")
    lines.append("        else:")
    lines.append(
        f"            points.append(({_tuple(weights)}, {velocities}, fixed_order, fixed_state))"
    )
    lines.append("        loss_sum = check = 0.0")
    inner: list[str] = []
    if batched:
        inner.append("total = len(order)")
        inner.append("for start in range(0, total, bs):")
        if gathering:
            inner.append("    " + " = ".join(f"g{i}" for i in gathering) + " = 0.0")
        inner.append("    batch = order[start : start + bs]")
        inner.append("    for idx in batch:")
        inner += ["        " + line for line in body]
        inner.append("    k = len(batch)")
        inner.append("    div = float(k) if mean else 1.0")
        gradients = _tuple(
            [f"g{i}" if not net.links[i].frozen else "0.0" for i in range(len(weights))]
        )
        inner.append("    if start + k >= total:")
        inner.append(f"        snap = {snapshot}, {gradients}, k)")
        inner += ["    " + line for line in updates]
    else:
        inner.append("last = len(order) - 1")
        inner.append("for p, idx in enumerate(order):")
        inner += ["    " + line for line in body]
        inner.append("    if p == last:")
        inner.append(f"        snap = {snapshot}, None, 1)")
        inner += ["    " + line for line in updates]
    lines += ["        " + line for line in inner]
    lines.append("        losses.append(loss_sum)")
    lines.append(
        f"        if not (isfinite(loss_sum + check) and all(map(isfinite, {_tuple(weights)}))):"
    )
    lines.append(f"            return ep, order, {_tuple(weights)}, {velocities}, snap")
    lines.append(f"    return None, order, {_tuple(weights)}, {velocities}, snap")
    return "\n".join(lines) + "\n", consts, computing, moved


def _pool(k: int, values: list[str], indices: list[int]) -> list[str]:
    """Max pooling as PoolLink's neuron computes it: the first largest value and its link."""
    if not values:
        return [f"n{k} = 0.0", f"a{k} = -1"]
    lines = [f"n{k} = {values[0]}", f"a{k} = {indices[0]}"]
    for value, index in zip(values[1:], indices[1:]):
        lines.append(f"q = {value}")
        lines.append(f"if q > n{k}: n{k}, a{k} = q, {index}")
    return lines


class Compiled:
    """A compiled epoch function for one topology and one set of batch options."""

    def __init__(self, net: Network, batched: bool, momentum: str | None) -> None:
        self.source, consts, self.computing, moved = _generate(net, batched, momentum)
        filename = f"<lernpy compiled engine {id(self):x}>"
        # keep the source findable for tracebacks and inspect.getsource
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True), filename)
        namespace = dict(consts)
        exec(compile(self.source, filename, "exec"), namespace)
        self.train = namespace["train"]
        # the links each trainable velocity belongs to (a shared weight's: all of its links)
        self.trainable = [i for i, _members in moved]
        self.members = [members for _i, members in moved]


def compiled(net: Network, options: Options) -> Compiled:
    """The cached compiled function for ``net`` and ``options``, built if needed."""
    batched = options.batch_size > 1
    momentum = options.form if options.momentum != 0.0 else None
    key = _key(net, batched, momentum)
    per_net = _cache.setdefault(net, {})
    if key not in per_net:
        per_net.clear()  # the topology moved on: drop the old builds
        per_net[key] = Compiled(net, batched, momentum)
    return per_net[key]


def source(net: Network, batch_size: int = 1, momentum: float = 0.0, form: str = "pytorch") -> str:
    """The Python source the compiled engine runs for ``net`` (for reading)."""
    options = Options(
        rate=0.5, momentum=momentum, batch_size=batch_size, reduce="mean", shuffle=False,
        form=form,
    )  # fmt: skip
    return compiled(net, options).source


class Session:
    """Training state of the compiled engine between epochs."""

    name = NAME

    def __init__(self, net: Network, samples: list, options: Options) -> None:
        self.net, self.samples, self.options = net, samples, options
        self.code = compiled(net, options)
        self.weights = tuple(link.weight for link in net.links)
        self.velocities = tuple(velocity_of(net.links[i], options) for i in self.code.trainable)
        self.last: LastSample | None = None
        self.failed: int | None = None  # the epoch of the last run that was not finite

    def checkpoint(self, epoch: int, order: Sequence[int], rng: tuple) -> Checkpoint:
        return self.checkpoint_of(epoch, (self.weights, self.velocities, tuple(order), rng))

    def checkpoint_of(self, epoch: int, point: tuple) -> Checkpoint:
        """A :class:`Checkpoint` from one the generated code recorded (a plain tuple)."""
        weights, velocities, order, rng = point
        if not self.options.momentum:  # without momentum the velocities play no part
            return Checkpoint(epoch, weights, None, order, rng)
        velocities = tuple(self._all(velocities))
        return Checkpoint(epoch, weights, velocities, order, rng, self.options.kind)

    def _run(
        self,
        order: list[int],
        epochs: int,
        shuffle: bool,
        points: list[tuple] | None = None,
        losses: list[float] | None = None,
    ) -> tuple:
        """Run the generated code; it appends each epoch's checkpoint and loss sum as it goes
        (to the caller's lists, which therefore say how far it got if it is interrupted)."""
        o, rng = self.options, self.net.rng
        points = [] if points is None else points
        losses = [] if losses is None else losses
        fixed = (tuple(order), rng.getstate()) if not shuffle else (None, None)
        self.failed, order, weights, velocities, snap = self.code.train(
            self.weights, self.velocities, self.samples, order, o.rate, o.momentum,
            o.batch_size, o.reduce == "mean", epochs, shuffle, rng, points, losses, *fixed,
        )  # fmt: skip
        failed = self.failed
        self.weights = weights
        if velocities is not None:
            self.velocities = velocities
        x, t, states, old, gradients, k = snap
        self.last = LastSample(x, t, dict(zip(self.code.computing, states)), old, gradients, k)
        return points, losses, failed, order

    def epoch(self, order: list[int]) -> float:
        """Train one epoch in ``order`` (already shuffled); return the sum of the sample losses."""
        _points, losses, _failed, _order = self._run(order, 1, False)
        return losses[0]

    def epochs(
        self,
        start: int,
        order: list[int],
        epochs: int,
        shuffle: bool,
        points: list[tuple] | None = None,
        losses: list[float] | None = None,
    ) -> tuple:
        """Train up to ``epochs`` epochs in one call, shuffling as the scheduler does.

        Returns (checkpoints, loss sums, the epoch that turned non-finite or None,
        the order after the last shuffle). Stops after a non-finite epoch. The raw
        checkpoints and loss sums go to ``points`` and ``losses`` as they are made.
        """
        points, losses, failed, order = self._run(order, epochs, shuffle, points, losses)
        checkpoints = [self.checkpoint_of(start + j, point) for j, point in enumerate(points)]
        return checkpoints, losses, failed, order

    def finite(self) -> bool:
        """Did the last epoch keep every number finite (the loss, its checks, the weights)?"""
        return self.failed is None and all_finite(self.weights)

    def write_back(self) -> None:
        """Leave the network's objects as the reference would have."""
        if self.last is not None:
            write_back(self.net, self.weights, self.all_velocities(), self.last, self.options)
            self.last = None
        else:  # nothing ran since the weights were loaded (or the reference ran last)
            for link, w in zip(self.net.links, self.weights):
                link.weight = w

    def all_velocities(self) -> list[float] | None:
        """Every link's velocity (None without momentum: the states are left alone)."""
        return self._all(self.velocities) if self.options.momentum else None

    def _all(self, velocities: Sequence[float]) -> list[float]:
        """Velocities of every link from those of the trainable ones."""
        every = [0.0] * len(self.net.links)
        for members, u in zip(self.code.members, velocities):
            for i in members:  # a shared weight's links all hold its velocity
                every[i] = u
        return every
