"""The lane: an epoch of the stepping walk written out as Python, once per topology.

The scheduler takes one step at a time: it finds the next step of the plan,
calls a method on a Neuron or Link, checks the result, notes how to undo it and
makes a record. To take a whole epoch (``train()``, ``step("epoch")``) it runs
the lane instead: the plan of one sample (:mod:`lernpy.walk.plan`) written out
once as straight-line Python with one local variable per number (``w7`` is link
7's weight, ``n3``/``v3``/``e3``/``s3`` are neuron 3's net, value, error and
sensitivity). Every expression is the one the Neuron and Link methods evaluate,
in the same order, so the lane lands bit for bit where stepping would: a test
holds the two equal, record for record. A traced lane also hands each sample's
numbers, in the order of its steps, to the trace in one call, packed as doubles.

The lane changes no object while it runs: the scheduler writes its numbers back
when the epoch is done, or, if a number turned NaN or infinite, walks the epoch
again step by step, which stops at the step that did it.

>>> from lernpy import Network
>>> net = Network.layered(2, 2, 1, seed=1)
>>> "n3 = 0.0 + w0 * v0 + w1 * v1 + w2 * v2" in source(net)  # h1 fires, as Neuron.collect sums
True
"""

from __future__ import annotations

import linecache
import math
import struct
import weakref
from types import CodeType
from typing import TYPE_CHECKING

from lernpy.graph.activations import IDENTITY, LEAKY_RELU, LEAKY_SLOPE, RELU, SIGMOID, TANH, softmax
from lernpy.graph.losses import BCE, BCE_MEAN, CROSS_ENTROPY, HALF_SSE, MSE, exact_loss
from lernpy.optim import State
from lernpy.walk.plan import DELIVER, FIRE, LEARN, PRESENT, SCORE, SENSE, UPDATE, Op

if TYPE_CHECKING:
    from collections.abc import Callable

    from lernpy.graph.network import Network
    from lernpy.graph.neuron import Neuron

# Straight-line code grows with the links, and so does the time to compile it
# (about 0.3 s for 2,500 links); past this many the scheduler walks the objects.
MAX_LINKS = 12_000
CHUNK = 64  # terms per line of a long sum: deep expressions strain the compiler


def _sum(first: str, terms: list[str], target: str) -> list[str]:
    """``target = first + t1 + t2 + …`` added left to right, in lines of CHUNK terms."""
    lines = [f"{target} = {' + '.join([first, *terms[:CHUNK]])}"]
    for start in range(CHUNK, len(terms), CHUNK):
        lines.append(f"{target} = {' + '.join([target, *terms[start : start + CHUNK]])}")
    return lines


def _items(names: list[str], per_line: int = 16) -> list[str]:
    """Names for a list display, a few per line."""
    return [", ".join(names[i : i + per_line]) + "," for i in range(0, len(names), per_line)]


def _builtin(act) -> str | None:
    for known in (SIGMOID, TANH, IDENTITY, RELU, LEAKY_RELU):
        if act.f is known.f and act.slope is known.slope:
            return known.name
    return None


# -- one neuron's numbers as Python source (the compiled engine writes them so too) --


def fire_line(act, k: int, consts: dict) -> str:
    """``v{k} = activation(n{k})``, as Activation.f computes it (a user's own is called)."""
    kind = _builtin(act)
    if kind == "sigmoid":  # the two branches of activations._sigmoid
        below = f"(q{k} := exp(n{k})) / (1.0 + q{k})"  # (exp once, as the activation)
        return f"v{k} = 1.0 / (1.0 + exp(-n{k})) if n{k} >= 0.0 else {below}"
    if kind == "tanh":
        return f"v{k} = tanh(n{k})"
    if kind == "identity":
        return f"v{k} = n{k}"
    if kind == "relu":
        return f"v{k} = n{k} if n{k} > 0.0 else 0.0"
    if kind == "leaky_relu":
        return f"v{k} = n{k} if n{k} > 0.0 else {LEAKY_SLOPE!r} * n{k}"
    consts[f"f{k}"] = act.f
    return f"v{k} = f{k}(n{k})"


def sense_line(act, k: int, consts: dict) -> str:
    """``s{k} = e{k} · slope``, as Neuron.sense computes it for an elementwise activation."""
    kind = _builtin(act)
    if kind == "sigmoid":
        return f"s{k} = e{k} * (v{k} * (1.0 - v{k}))"
    if kind == "tanh":
        return f"s{k} = e{k} * (1.0 - v{k} * v{k})"
    if kind == "identity":
        return f"s{k} = e{k} * 1.0"
    if kind == "relu":
        return f"s{k} = e{k} * (1.0 if n{k} > 0.0 else 0.0)"
    if kind == "leaky_relu":
        return f"s{k} = e{k} * (1.0 if n{k} > 0.0 else {LEAKY_SLOPE!r})"
    consts[f"slope{k}"] = act.slope
    return f"s{k} = e{k} * slope{k}(n{k}, v{k})"


def score_lines(
    loss, values: list[str], targets: list[str], errors: list[str], nets: list[str] | None = None
) -> list[str]:
    """The sample's ``loss`` and the output errors, as Network.output_loss and the loss's
    gradient compute them.

    ½Σ(value − target)² and Σ(value − target)²/n are written out (their sums start
    from the first square, as ``sum`` does); other losses are called (``loss_value``,
    or ``loss_exact`` from the outputs' ``nets`` where the loss is exact, and
    ``loss_gradient``) with the sample's targets ``t``.
    """
    squares = " + ".join(f"({a} - {b}) * ({a} - {b})" for a, b in zip(values, targets))
    pairs = list(zip(errors, values, targets))
    if loss.value is HALF_SSE.value and loss.gradient is HALF_SSE.gradient:
        return [f"loss = 0.5 * ({squares})", *(f"{e} = {a} - {b}" for e, a, b in pairs)]
    if loss.value is MSE.value and loss.gradient is MSE.gradient:
        n = len(values)
        over = f" / {n}" if n > 1 else ""  # (x / 1 is x, to the bit: not written for one output)
        return [
            f"loss = ({squares}){over}",
            *(f"{e} = 2.0 * ({a} - {b}){over}" for e, a, b in pairs),
        ]
    first = (
        f"loss = loss_exact(lf, [{', '.join(nets)}], t)"
        if nets is not None
        else f"loss = loss_value([{', '.join(values)}], t)"
    )
    return [first, f"{', '.join(errors)}, = loss_gradient(({', '.join(values)},), t)"]


class Lane:
    """The generated epoch of one topology, walk order and batch mode, traced or not.

    ``rule`` is the update: "plain" gradient descent (w − rate · ∂E/∂w, no state), or
    SGD's momentum in PyTorch's form ("pytorch": b ← μ·b + g, w ← w − rate·b) or the
    textbook's ("textbook": Δw ← μ·Δw − rate·g, w ← w + Δw), as SGD computes them.
    """

    def __init__(
        self, net: Network, sample_ops: list[Op], update_ops: list[Op], batched: bool,
        traced: bool | str, rule: str = "plain",
    ) -> None:  # fmt: skip
        self.source, consts, self.computing = _generate(
            net, sample_ops, update_ops, batched, traced, rule
        )
        namespace = dict(consts)
        exec(compile_kept(self, self.source, "lernpy lane"), namespace)
        self.run: Callable = namespace["epoch"]


def compile_kept(owner: object, source: str, what: str) -> CodeType:
    """``source`` compiled, and kept in :mod:`linecache` while ``owner`` lives: a traceback
    or ``inspect.getsource`` then shows the generated lines, and a session that builds
    many networks does not keep the source of every one it let go."""
    filename = f"<{what} {id(owner):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    weakref.finalize(owner, linecache.cache.pop, filename, None)
    return compile(source, filename, "exec")


def lane(
    net: Network, sample_ops: list[Op], update_ops: list[Op], batched: bool, traced: bool | str,
    rule: str = "plain",
) -> Lane | None:  # fmt: skip
    """A lane for ``net`` (None when it has too many links to write out)."""
    if len(net.links) > MAX_LINKS:
        return None
    return Lane(net, sample_ops, update_ops, batched, traced, rule)


def source(net: Network, batch_size: int = 1, traced: bool = False, rule: str = "plain") -> str:
    """The Python source of the lane for ``net`` (for reading)."""
    from lernpy.walk.plan import plan

    ops, updates = plan(net, immediate=False)
    return Lane(net, ops, updates, batch_size > 1, traced, rule).source


KINDS = {"pytorch": "sgd", "textbook": "sgd-textbook"}  # the State each momentum keeps


def _generate(
    net: Network, sample_ops: list[Op], update_ops: list[Op], batched: bool, traced: bool | str,
    rule: str = "plain",
) -> tuple[str, dict, list[int]]:  # fmt: skip
    """The source of ``epoch(...)``, its constants and the indices of the computing neurons."""
    neurons = net.neurons
    ni = {id(n): k for k, n in enumerate(neurons)}
    li = {id(link): i for i, link in enumerate(net.links)}
    links = net.links
    consts: dict[str, object] = {"exp": math.exp, "tanh": math.tanh, "softmax": softmax}
    lf = net.loss_function
    consts["loss_value"], consts["loss_gradient"] = lf.value, lf.gradient
    consts["loss_exact"], consts["lf"] = exact_loss, lf
    outputs = net.outputs
    nets = [f"n{ni[id(o)]}" for o in outputs] if net.exact_loss() else None
    target = {id(o): f"t{j}" for j, o in enumerate(outputs)}
    immediate = any(op[0] == UPDATE for op in sample_ops)

    def v(n: Neuron) -> str:
        return f"v{ni[id(n)]}"

    def delivered(i: int) -> str:  # a link's value, as Link.deliver computes it
        return f"w{i} * {v(links[i].source)}"

    def blame(i: int) -> str:  # what a link sends back, as Link.learn computes it
        return f"l{i}" if immediate else f"w{i} * s{ni[id(links[i].target)]}"

    body: list[str] = []  # one sample
    record: list[str] = []  # the sample's numbers, in the order of its steps
    computing: list[int] = []
    checks: list[str] = []
    fired: dict[int, str] = {}  # softmax groups already computed
    sensed: dict[int, str] = {}

    def net_lines(n: Neuron) -> list[str]:
        k = ni[id(n)]
        return _sum("0.0", [delivered(li[id(link)]) for link in n.incoming], f"n{k}")

    def error_lines(n: Neuron) -> list[str]:
        if n.kind == "output":
            return []  # set by the loss
        return _sum("0.0", [blame(li[id(link)]) for link in n.outgoing], f"e{ni[id(n)]}")

    for code, obj, _phase, _depth in sample_ops:
        if code == PRESENT:
            body.append("x, t = data[idx]")
            body.append(f"{', '.join(v(n) for n in net.inputs)}, = x")
            body.append(f"{', '.join(target[id(o)] for o in outputs)}, = t")
        elif code == DELIVER:
            i = li[id(obj)]
        elif code == FIRE:
            k = ni[id(obj)]
            computing.append(k)
            act = obj.activation
            if act.layerwise:
                group = id(obj.group[0])
                if group not in fired:  # the first member computes the layer (Neuron._layer)
                    for m in obj.group:
                        body += net_lines(m)
                    group_nets = ", ".join(f"n{ni[id(m)]}" for m in obj.group)
                    fired[group] = f"sm{ni[id(obj.group[0])]}"
                    body.append(f"{fired[group]} = softmax([{group_nets}])")
                body.append(f"v{k} = {fired[group]}[{obj.rank}]")
            else:
                body += net_lines(obj)
                body.append(fire_line(act, k, consts))
            record += [f"n{k}", f"v{k}"]
        elif code == SCORE:
            errors = [f"e{ni[id(o)]}" for o in outputs]
            targets = [target[id(o)] for o in outputs]
            body += score_lines(lf, [v(o) for o in outputs], targets, errors, nets)
            body.append("loss_sum += loss")
            record += ["loss", *errors]  # (a trace works the values and targets out)
        elif code == SENSE:
            k = ni[id(obj)]
            act = obj.activation
            if net.fused(obj):
                body += error_lines(obj)
                body += fused_lines(obj, k, f"v{k}", target, consts)
            elif act.layerwise:
                group = id(obj.group[0])
                if group not in sensed:  # the Jacobian product, once for the layer
                    for m in obj.group:
                        body += error_lines(m)
                    terms = [f"e{ni[id(m)]} * {v(m)}" for m in obj.group]
                    sensed[group] = f"sj{ni[id(obj.group[0])]}"
                    body += _sum("0.0", terms, sensed[group])
                body.append(f"s{k} = v{k} * (e{k} - {sensed[group]})")
            else:
                body += error_lines(obj)
                body.append(sense_line(act, k, consts))
            record += [f"e{k}", f"s{k}"]
            # a net of inf may leave no other trace (tanh(inf) is 1, its slope 0); an
            # error that is not finite makes the sensitivity so (e·0 is NaN); a built-in
            # activation's value is finite when its net is, a user's may not be
            checks += (
                [f"n{k}", f"s{k}"]
                if _builtin(act) or act.layerwise
                else [f"n{k}", f"v{k}", f"s{k}"]
            )
        elif code == LEARN:
            i = li[id(obj)]
            s, src = f"s{ni[id(obj.target)]}", v(obj.source)
            if immediate:  # the blame, before the link's weight changes
                body.append(f"l{i} = w{i} * {s}")
            if not obj.frozen:
                body.append(f"g{i} = g{i} + {s} * {src}")
            else:  # a frozen link's ∂E/∂w reaches no weight
                checks.append(f"{s} * {src}")
            if obj.source.is_source:
                checks.append(blame(i))  # a blame into an input or bias neuron: nothing sums it
        elif code == UPDATE:
            body += _update(li[id(obj)], "1.0", traced, rule)
            if traced:
                record += _updated(li[id(obj)], rule, traced == "lean")
    updates: list[str] = []
    update_record: list[str] = []
    for _code, obj, _phase, _depth in update_ops:
        updates += _update(li[id(obj)], "div" if batched else "1.0", traced, rule)
        if traced:
            update_record += _updated(li[id(obj)], rule, traced == "lean")

    # The reference stops on any number that is not finite. Most of them reach the
    # weights or the loss, checked after the epoch; the sum covers the rest (a net of
    # inf under tanh, a blame into an input). An overflow of the sum itself only sends
    # the epoch to the step-by-step walk, which judges it exactly.
    body += _sum("check", checks, "check")

    # The function reads the links' numbers, trains on locals and, if every number
    # stayed finite, writes the epoch's end into the objects (L7 is link 7, N3 neuron 3).
    for i, link in enumerate(links):
        consts[f"L{i}"] = link
    for k, n in enumerate(neurons):
        consts[f"N{k}"] = n
    consts["isfinite"] = math.isfinite
    head = ["def epoch(data, order, bs, mean, rate, momentum, numbers, from_batch, loss_sum):"]
    head += [f"    w{i}, g{i} = L{i}.weight, L{i}.gradient" for i in range(len(links))]
    trainable = [i for i, link in enumerate(links) if not link.frozen]
    if rule != "plain":  # each link's momentum state (fresh if it is not this momentum's)
        kind = KINDS[rule]
        consts["State"], consts["KIND"] = State, kind
        for i in trainable:
            head.append(f"    st = L{i}._state")
            head.append(f"    f{i} = st is None or st.kind != KIND")
            head.append(f"    u{i} = 0.0 if f{i} else st.velocity")
    for b in net.biases:
        head.append(f"    {v(b)} = {float(b.value)!r}")
    head.append("    check = 0.0")
    head.append("    loss = math.nan")
    head.append("    add = numbers.append if numbers is not None else None")
    head.append("    last = len(order) - 1")
    # the weights the last sample ran with: its links' values and blames are made of them
    snapshot = [f"p{i} = w{i}" for i in range(len(links))]
    lines = head
    indent = "        "
    if batched:
        lines.append("    b = 0")
        lines.append("    for start in range(0, len(order), bs):")
        lines.append(f"{indent}batch = order[start : start + bs]")
        lines.append(f"{indent}keep = add is not None and b >= from_batch")
        lines.append(f"{indent}for idx in batch:")
        lines += [indent + "    " + line for line in body]
        if traced:
            consts["P0"] = struct.Struct(f"{len(record)}d").pack  # (a sample's, as bytes)
            lines.append(f"{indent}    if keep:")
            lines.append(f"{indent}        add(P0(")
            lines += [f"{indent}            {item}" for item in _items(record)]
            lines.append(f"{indent}        ))")
        lines.append(f"{indent}div = float(len(batch)) if mean else 1.0")
        lines.append(f"{indent}if start + bs > last:")
        lines += [f"{indent}    {line}" for line in snapshot] or [f"{indent}    pass"]
        lines += [indent + line for line in updates]
        if traced and update_record:
            consts["P1"] = struct.Struct(f"{len(update_record)}d").pack  # (a batch's updates)
            lines.append(f"{indent}if keep:")
            lines.append(f"{indent}    add(P1(")
            lines += [f"{indent}        {item}" for item in _items(update_record)]
            lines.append(f"{indent}    ))")
        lines.append(f"{indent}b += 1")
    else:
        lines.append("    for b, idx in enumerate(order):")
        lines.append(f"{indent}if b == last:")
        lines += [f"{indent}    {line}" for line in snapshot] or [f"{indent}    pass"]
        lines += [indent + line for line in body]
        lines += [indent + line for line in updates]
        if traced:
            consts["P0"] = struct.Struct(f"{len(record + update_record)}d").pack
            lines.append(f"{indent}if add is not None and b >= from_batch:")
            lines.append(f"{indent}    add(P0(")
            lines += [f"{indent}        {item}" for item in _items(record + update_record)]
            lines.append(f"{indent}    ))")
    # not finite anywhere: nothing is written (the scheduler then steps through it)
    lines += [
        "    " + line
        for line in _sum("check + loss_sum", [f"w{i}" for i in range(len(links))], "total")
    ]
    lines.append("    if not isfinite(total):")
    lines.append("        return None")
    # the epoch's end, where stepping leaves it: the last sample's numbers, the weights
    for n in net.inputs:
        lines.append(f"    N{ni[id(n)]}.value = {v(n)}")
    for o in outputs:
        lines.append(f"    N{ni[id(o)]}.target = {target[id(o)]}")
    for k in computing:
        lines.append(
            f"    N{k}.net, N{k}.value, N{k}.error, N{k}.sensitivity = n{k}, v{k}, e{k}, s{k}"
        )
    for i, link in enumerate(links):
        src, tgt = v(link.source), f"s{ni[id(link.target)]}"
        lines.append(f"    L{i}._value = p{i} * {src}")  # as Link.deliver, Link.learn
        lines.append(f"    L{i}._sensitivity = {tgt} * {src}")
        lines.append(f"    L{i}._blame = p{i} * {tgt}")
        lines.append(f"    L{i}.weight, L{i}.gradient = w{i}, g{i}")
        if rule != "plain" and not link.frozen:  # as SGD leaves it: State(kind, 0, velocity)
            lines.append(f"    L{i}._state = State(KIND, 0, u{i})")
    lines.append("    return loss_sum, loss")
    consts["math"] = math
    return "\n".join(lines) + "\n", consts, computing


def _update(i: int, divisor: str, traced: bool | str, rule: str) -> list[str]:
    """Link i's update, as Link.update and SGD compute it (and what an Updated record holds).

    The gradient is the batch's, over the divisor (x / 1.0 is x). A trace keeps the
    old weight, the momentum term (what momentum adds to plain gradient descent's
    change, as steps record it), the new weight and the velocity after.
    """
    g = f"g{i}" if divisor == "1.0" else f"(g{i} / {divisor})"
    lines = [f"o{i} = w{i}"] if traced and traced != "lean" else []
    if rule == "plain":
        lines.append(f"w{i} = w{i} - rate * {g}")
    elif rule == "textbook":  # Δw ← μ·Δw − rate·g, w ← w + Δw
        if traced:
            lines += [f"m{i} = momentum * u{i}", f"u{i} = m{i} - rate * {g}"]
        else:
            lines.append(f"u{i} = momentum * u{i} - rate * {g}")
        lines.append(f"w{i} = w{i} + u{i}")
    else:  # PyTorch's: b ← g the first time, then μ·b + (1 − dampening 0)·g; w ← w − rate·b
        if traced:
            lines.append(f"m{i} = 0.0 if f{i} else -rate * (momentum * u{i})")
        lines += [f"u{i} = {g} if f{i} else momentum * u{i} + {g}", f"f{i} = False",
                  f"w{i} = w{i} - rate * u{i}"]  # fmt: skip
    return [*lines, f"g{i} = 0.0"]


def _updated(i: int, rule: str, lean: bool = False) -> list[str]:
    if lean:  # (plain gradient descent, an epoch kept whole: the new weight)
        return [f"w{i}"]
    if rule == "plain":
        return [f"o{i}", "0.0", f"w{i}"]
    return [f"o{i}", f"m{i}", f"w{i}", f"u{i}"]


def fused_lines(obj: Neuron, k: int, value: str, target: dict, consts: dict) -> list[str]:
    """``s{k}``, the sensitivity of an output whose activation fuses with the loss, as
    Neuron.fused_sensitivity computes it (the layer's targets summed in its order)."""
    net = obj.network
    lf = net.loss_function  # type: ignore[union-attr]
    t = target[id(obj)]
    total = "0.0"
    if obj.activation.layerwise:
        total = "0.0 + " + " + ".join(target[id(m)] for m in obj.group)
    formula = lf.fused_sensitivity
    if formula is None or formula is BCE.fused_sensitivity:
        return [f"s{k} = {value} - {t}"]
    if formula is CROSS_ENTROPY.fused_sensitivity:
        return [f"s{k} = {value} * ({total}) - {t}"]
    if formula is BCE_MEAN.fused_sensitivity:
        return [f"s{k} = ({value} - {t}) / {len(net.outputs)}"]  # type: ignore[union-attr]
    consts["fused_sensitivity"] = formula  # a user's loss with its own: called
    return [f"s{k} = fused_sensitivity({value}, {t}, {total}, {len(net.outputs)})"]  # type: ignore[union-attr]
