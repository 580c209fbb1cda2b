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

import math
import weakref
from array import array
from collections.abc import Sequence
from functools import partial

from lernpy.engines.base import (
    Checkpoint,
    LastSample,
    Options,
    all_finite,
    config,
    velocity_of,
    weights,
)  # fmt: skip
from lernpy.graph.activations import softmax
from lernpy.graph.link import DetachedLink, PoolLink
from lernpy.graph.losses import exact_loss
from lernpy.graph.network import Network
from lernpy.graph.shared import SharedWeight
from lernpy.optim import State
from lernpy.walk.lane import compile_kept, fire_line, fused_lines, score_lines, sense_line
from lernpy.walk.plan import DELIVER, FIRE, LEARN, PRESENT, SCORE, SENSE, UPDATE, sample_plan

NAME = "compiled"
# Unrolled source grows with the links; past this many the numpy engine (or the
# reference) is the better tool, and compiling would take seconds.
MAX_LINKS = 30_000
CHUNK = 64  # terms per line of a long sum: deep expressions strain the compiler


def why_not(net: Network, options: Options) -> str | None:
    """None if this engine can train ``net`` with ``options``, else the reason."""
    if options.special is not None:
        return options.special
    if len(net.links) > MAX_LINKS:
        return f"{len(net.links)} links: more than {MAX_LINKS} to unroll"
    return None


def cost(net: Network, options: Options) -> float:
    """Estimated seconds per sample, fitted on a 2-core x86 machine (a rough guide:
    ``train`` times the engines when their estimates are close): 160 ns a link, and
    more for thousands of links (long functions run slower)."""
    links = len(net.links)
    return 1e-6 + 160e-9 * links * (1.0 + links / 10_000)


def _key(net: Network, batched: bool, momentum: str | None, conf: tuple | None = None) -> tuple:
    return (conf or config(net), batched, momentum)


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
    consts["loss_value"], consts["loss_gradient"] = lf.value, lf.gradient
    consts["loss_exact"], consts["lf"] = exact_loss, lf
    # the loss from the outputs' nets where it is exact, as Network.output_loss does
    exact = net.exact_loss()
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
        "def train(W, U, data, order, rates, momentum, bs, mean, shuffle, rng, points,"
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
            body.append(fire_line(act, k, consts))
        elif code == SCORE:
            errors = [f"e{ni[id(o)]}" for o in outputs]
            targets = [target_of[id(o)] for o in outputs]
            nets = [f"n{ni[id(o)]}" for o in outputs] if exact else None
            body += score_lines(lf, [v(o) for o in outputs], targets, errors, nets)
            body.append("loss_sum += loss")
        elif code == SENSE:
            k = ni[id(obj)]
            act = obj.activation
            if net.fused(obj):
                body += error_lines(obj)
                body += fused_lines(obj, k, f"v{k}", target_of, consts)
                continue
            if act.layerwise and not act.pool:
                # the softmax Jacobian needs every member's error first
                for m in obj.group:
                    body += error_lines(m)
                weighted = " + ".join(f"e{ni[id(m)]} * {v(m)}" for m in obj.group)
                body.append(f"s{k} = v{k} * (e{k} - ({weighted}))")
                continue
            body += error_lines(obj)
            body.append(sense_line(act, k, consts))
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
    lines.append("    for ep, rate in enumerate(rates):")
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
        namespace = dict(consts)
        exec(compile_kept(self, self.source, "lernpy compiled engine"), namespace)
        self.train = namespace["train"]
        # the links each trainable velocity belongs to (a shared weight's: all of its links)
        self.trainable = [i for i, _members in moved]
        self.members = [members for _i, members in moved]
        self.write, self.links = _writer(net, batched, momentum, self.computing, moved)
        self.pools = any(n.activation.pool for n in net.neurons)  # (winners: written at once)


def _writer(net: Network, batched: bool, momentum: str | None, computing: list[int], moved: list):
    """``(write, links)``: the objects where the reference leaves them, in two parts.

    Written out per topology, like the epoch. ``write(last, W)``: the last sample's
    inputs, targets and neuron numbers, and the weights. ``links(last, U, kind)``:
    each link's value, ∂E/∂w and blame from the weights that sample ran with (a
    max-pooling neuron's winner picked again from those values, as it fired) and,
    with momentum, each trainable link's state, its velocity (a shared weight's
    links all hold its one state; without momentum the states are left alone, as
    the reference leaves them). The session calls ``links`` when a link's numbers
    are first read (``Network.pending``), or at once when a neuron pools.
    """
    neurons, links = net.neurons, net.links
    ni = {id(n): k for k, n in enumerate(neurons)}
    space: dict[str, object] = {f"L{i}": link for i, link in enumerate(links)}
    space.update({f"N{k}": n for k, n in enumerate(neurons)})
    v = [f"v{ni[id(n)]}" for n in net.inputs]
    head = ["    x, t, states, old, _G, _k = last"]
    if computing:
        head.append(f"    {''.join(f'(n{k}, v{k}, e{k}, s{k}), ' for k in computing)}= states")
    now = ["def write(last, W):", *head]
    if v:
        now.append(f"    {', '.join(f'N{ni[id(n)]}.value' for n in net.inputs)}, = x")
    if net.outputs:
        now.append(f"    {', '.join(f'N{ni[id(o)]}.target' for o in net.outputs)}, = t")
    for k in computing:
        now.append(
            f"    N{k}.net, N{k}.value, N{k}.error, N{k}.sensitivity = n{k}, v{k}, e{k}, s{k}"
        )
    trainable = [i for i, link in enumerate(links) if not link.frozen]
    if trainable:
        now.append(f"    {''.join(f'w{i}, ' for i in range(len(links)))}= W")
        targets = "".join(f"L{i}.weight, " for i in trainable)
        now.append(f"    {targets}= {_tuple([f'w{i}' for i in trainable])}")
        targets = "".join(f"L{i}.gradient, " for i in trainable)
        now.append(f"    {targets}= {_tuple(['0.0'] * len(trainable))}")
    later = ["def links(last, U, kind):", *head]
    if v:
        later.append(f"    {', '.join(v)}, = x")
    for b in net.biases:
        later.append(f"    v{ni[id(b)]} = {float(b.value)!r}")
    if links:
        later.append(f"    {''.join(f'o{i}, ' for i in range(len(links)))}= old")
    velocities = [i for i, _members in moved]
    if momentum and velocities:
        later.append(f"    {''.join(f'u{i}, ' for i in velocities)}= U")
    velocity = {j: i for i, members in moved for j in members}  # link → its velocity's
    for i, link in enumerate(links):
        later.append(f"    L{i}._value = o{i} * v{ni[id(link.source)]}")
    for k, n in enumerate(neurons):
        if n.activation.pool:  # the winner, from the link values as the neuron fired
            later.append(f"    N{k}.pick_winner()")
    for i, link in enumerate(links):
        src, tgt = f"v{ni[id(link.source)]}", f"s{ni[id(link.target)]}"
        sensitivity, blame = f"{tgt} * {src}", f"o{i} * {tgt}"
        if isinstance(link, PoolLink):  # only the winner learns and sends blame
            won = f"N{ni[id(link.target)]}.winner is L{i}"
            sensitivity, blame = (
                f"({sensitivity} if {won} else 0.0)",
                f"({blame} if {won} else 0.0)",
            )
        elif isinstance(link, DetachedLink):  # truncated: no blame goes back
            blame = "0.0"
        later += [f"    L{i}._sensitivity = {sensitivity}", f"    L{i}._blame = {blame}"]
        if momentum and not link.frozen:
            later.append(f"    L{i}._state = State(kind, 0, u{velocity[i]})")
    space["State"] = State
    exec("\n".join(now) + "\n" + "\n".join(later) + "\n", space)
    return space["write"], space["links"]


def compiled(net: Network, options: Options, conf: tuple | None = None) -> Compiled:
    """The cached compiled function for ``net`` and ``options``, built if needed
    (``conf``: ``config(net)``, if the caller has it)."""
    batched = options.batch_size > 1
    momentum = options.form if options.momentum != 0.0 else None
    key = _key(net, batched, momentum, conf)
    builds = net.cache.setdefault("compiled", [])
    for built_for, code in builds:
        if built_for == key:
            return code
    if any(built_for[0] != key[0] for built_for, _code in builds):
        builds.clear()  # the topology moved on: drop the old builds
    code = Compiled(net, batched, momentum)
    builds.append((key, code))
    return code


def source(net: Network, batch_size: int = 1, momentum: float = 0.0, form: str = "pytorch") -> str:
    """The Python source the compiled engine runs for ``net`` (for reading)."""
    options = Options(
        rate=0.5, momentum=momentum, batch_size=batch_size, reduce="mean", shuffle=False,
        form=form,
    )  # fmt: skip
    return compiled(net, options).source


class Session:
    """Training state of the compiled engine between epochs (and between train() calls)."""

    name = NAME
    fitted: tuple = (None, None)  # (config, options) it was last found to fit (engines.session)

    def __init__(self, net: Network, samples: list, options: Options) -> None:
        self._net = weakref.ref(net)
        self.samples, self.options = samples, options
        self.code = compiled(net, options)
        self.weights = tuple(link.weight for link in net.links)
        net.settle()
        self.velocities = tuple(velocity_of(net.links[i], options) for i in self.code.trainable)
        self.last: LastSample | None = None
        self.failed: int | None = None  # the epoch of the last run that was not finite
        self.pending: object = None  # the link numbers this session left to write

    @property
    def net(self) -> Network:
        net = self._net()
        assert net is not None, "a session outlived its network"
        return net

    def fits(
        self, net: Network, samples: list, options: Options, conf: tuple | None = None
    ) -> bool:
        """Can this session train ``net`` on ``samples`` with ``options`` (the rate aside)?"""
        return (
            samples is self.samples
            and _same_options(options, self.options)
            and compiled(net, options, conf) is self.code
        )

    def sync(self) -> None:
        """Take up the weights (and velocities) the network holds, if they are not ours."""
        net = self.net
        now = weights(net)[0]()
        if now != list(self.weights):
            self.weights = tuple(now)
        if self.options.momentum and net.pending is not self.pending:
            # (while ours wait to be written, nothing has changed a state)
            net.settle()
            links, o = net.links, self.options
            velocities = [velocity_of(links[i], o) for i in self.code.trainable]
            if velocities != list(self.velocities):
                self.velocities = tuple(velocities)
        self.last = None  # the network holds the last sample's numbers

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
        rates: Sequence[float],
        shuffle: bool,
        points: list[tuple] | None = None,
        losses: list[float] | None = None,
    ) -> tuple:
        """Run the generated code; it appends each epoch's checkpoint and loss sum as it goes
        (to the caller's lists, which therefore say how far it got if it is interrupted)."""
        o, rng = self.options, self.net.rng
        points = [] if points is None else points
        losses = [] if losses is None else losses
        fixed = (tuple(order), None) if not shuffle else (None, None)
        self.failed, order, weights, velocities, snap = self.code.train(
            self.weights, self.velocities, self.samples, order, rates, o.momentum,
            o.batch_size, o.reduce == "mean", shuffle, rng, points, losses, *fixed,
        )  # fmt: skip
        failed = self.failed
        self.weights = weights
        if velocities is not None:
            self.velocities = velocities
        self.last = LastSample(*snap)
        self.rate = rates[-1] if failed is None else rates[failed]
        return points, losses, failed, order

    def epoch(self, order: list[int], rate: float) -> float:
        """Train one epoch in ``order`` (already shuffled); return the sum of the sample losses."""
        _points, losses, _failed, _order = self._run(order, [rate], False)
        return losses[0]

    def epochs(
        self,
        start: int,
        order: list[int],
        rates: Sequence[float],
        shuffle: bool,
        points: list[tuple] | None = None,
        losses: list[float] | None = None,
    ) -> tuple:
        """Train an epoch per rate in ``rates`` in one call, shuffling as the scheduler does.

        Returns (checkpoints, loss sums, the epoch that turned non-finite or None,
        the order after the last shuffle). Stops after a non-finite epoch. The raw
        checkpoints and loss sums go to ``points`` and ``losses`` as they are made.
        """
        points, losses, failed, order = self._run(order, rates, shuffle, points, losses)
        checkpoints = [self.checkpoint_of(start + j, point) for j, point in enumerate(points)]
        return checkpoints, losses, failed, order

    def finite(self) -> bool:
        """Did the last epoch keep every number finite (the loss, its checks, the weights)?"""
        return self.failed is None and all_finite(self.weights)

    def write_back(self) -> None:
        """Leave the network's objects as the reference would have.

        Weights and the neurons' numbers are written now; each link's value,
        sensitivity, blame and momentum state when one is first looked at
        (``Network.pending``): a train() call's fixed cost stays small.
        """
        net = self.net
        if net.pending is not None and net.pending is not self.pending:
            net.settle()  # (numbers another session left: before ours replace them)
        if self.last is None:  # nothing ran since the weights were loaded (or the reference)
            weights(net)[1](self.weights)
            return
        last, self.last = self.last, None
        code = self.code
        code.write(last, self.weights)
        # (ours, still pending from the last call, are replaced: these write every link)
        self.pending = partial(code.links, last, self.velocities, self.options.kind)
        net.pending = self.pending
        if code.pools:
            net.settle()  # a neuron's winner is read as a plain attribute: write it now

    def written_array(self) -> array:
        """The weights :meth:`write_back` last gave the network (its links hold them)."""
        return array("d", self.weights)

    def all_velocities(self) -> list[float] | None:
        """Every link's velocity (None without momentum: the states are left alone)."""
        return self._all(self.velocities) if self.options.momentum else None

    def _all(self, velocities: Sequence[float]) -> list[float]:
        """Velocities of every link from those of the trainable ones."""
        self.net.settle()
        every = [velocity_of(link, self.options) for link in self.net.links]
        for members, u in zip(self.code.members, velocities):
            for i in members:  # a shared weight's links all hold its velocity
                every[i] = u
        return every


def _same_options(a: Options, b: Options) -> bool:
    """The same options but perhaps the rate (which a session takes per epoch)."""
    return (a.momentum, a.batch_size, a.reduce, a.form) == (
        b.momentum,
        b.batch_size,
        b.reduce,
        b.form,
    )
