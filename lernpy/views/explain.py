"""The chain rule written out: every factor named, every number substituted.

Pure Python (no rich): the explanations are plain data that print as text,
Markdown or LaTeX, so the CLI, the lesson page and the demos can all use them.

>>> from lernpy import examples
>>> net = examples.mazur()
>>> _ = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
>>> print(explain(net["w5"]).text().splitlines()[2])
         = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lernpy.errors import BadValueError
from lernpy.graph.activations import LEAKY_SLOPE
from lernpy.graph.link import DetachedLink, Link, PoolLink
from lernpy.graph.names import shown
from lernpy.graph.neuron import Neuron
from lernpy.graph.shared import SharedWeight
from lernpy.optim import Line, Pow, Sqrt
from lernpy.views.formulas import (
    MOMENTUM,
    RATE,
    D,
    E,
    Eq,
    Explanation,
    N,
    Power,
    Root,
    Section,
    Sym,
    Token,
    Words,
    num,
    term,
)
from lernpy.walk.mistakes import warning
from lernpy.walk.plan import LEARN, plan

if TYPE_CHECKING:
    from lernpy.walk.steps import Planned, Step
    from lernpy.walk.trace import Trace

# -- the pieces of the chain rule ------------------------------------------------


def out(n: Neuron) -> Sym:
    return Sym("out", n.name)


def net_(n: Neuron) -> Sym:
    return Sym("net", n.name)


def wsym(link: Link | SharedWeight) -> Sym:
    """``w5`` for a labelled link, ``w_h1→o1`` otherwise, ``k1`` for a shared weight."""
    if isinstance(link, SharedWeight):
        return Sym(link.name)
    return Sym(link.label) if link.label else Sym("w", link.name)


def weight_sym(link: Link) -> Sym:
    """The weight a link multiplies by: its shared weight's name (``k1``), else :func:`wsym`."""
    return Sym(link.shared.name) if link.shared is not None else wsym(link)


def _fused(n: Neuron) -> bool:
    """Does the loss fuse with this output's activation (∂E/∂net = value − target)?"""
    return n.network is not None and n.network.fused(n)


def slope_eq(n: Neuron) -> Eq:
    """∂out/∂net: the activation derivative, the factor learners most often forget."""
    lhs: list[Token] = [D(out(n), net_(n))]
    a, v, x = n.activation, n.value, n.net
    slope = a.slope(x, v)
    if a.name == "sigmoid":
        stages = [[out(n), "·", "(", "1", "−", out(n), ")"], [N(v), "×", "(", "1", "−", N(v), ")"]]
    elif a.name == "tanh":
        stages = [["1", "−", out(n), "²"], ["1", "−", N(v), "²"]]
    elif a.name == "identity":
        stages = []
    elif a.name in ("relu", "leaky_relu"):
        low = "0" if a.name == "relu" else str(LEAKY_SLOPE)
        rule = f"1 if net_{n.name} > 0 else {low}"
        stages = [[Words(rule)], [Words(f"net_{n.name} = {num(x)}")]]
    elif a.name == "softplus":
        stages = [["1", "/", "(", "1", "+", "e^−net", ")"]]
    else:
        stages = [[Words(f"{a.name}′(net_{n.name})")]]
    note = f"the activation derivative: {a.name}'s slope at net_{n.name} = {num(x)}"
    return Eq(lhs, [*stages, [N(slope, bare=True)]] if stages else [[N(slope, bare=True)]], note)


def _commas(items: list) -> list[Token]:
    """Items (tokens or lists of tokens) separated by commas."""
    joined: list[Token] = []
    for k, item in enumerate(items):
        if k:
            joined.append(",")
        joined += item if isinstance(item, list) else [item]
    return joined


def _plus(terms: Iterable[list[Token]]) -> list[Token]:
    """The terms of a sum as one expression: ``a · b + c · d``."""
    joined: list[Token] = []
    for k, part in enumerate(terms):
        joined += ["+", *part] if k else part
    return joined


def error_eq(
    n: Neuron, weights: dict[Link, float] | None = None, sequential: bool = False
) -> list[Eq]:
    """∂E/∂out for ``n``: from the loss at an output, the sum of the blame elsewhere."""
    lhs: list[Token] = [D(E, out(n))]
    if n.kind == "output":
        loss = n.network.loss_function if n.network is not None else None
        name = loss.name if loss is not None else ""
        v, t = n.value, n.target if n.target is not None else math.nan
        tsym = Sym("target", n.name)
        if name == "half_sse":
            stages = [[out(n), "−", tsym], [N(v), "−", N(t)]]
        elif name == "mse":
            count = len(n.network.outputs)
            stages = [["2", "·", "(", out(n), "−", tsym, ")", "/", str(count)]]
            stages.append(["2", "×", "(", N(v), "−", N(t), ")", "/", str(count)])
        elif name in ("bce", "bce_mean"):
            over = ["(", out(n), "·", "(", "1", "−", out(n), ")", ")"]
            stages = [["(", out(n), "−", tsym, ")", "/", *over]]
            if name == "bce_mean":
                stages[0] += ["/", str(len(n.network.outputs))]
        elif name == "cross_entropy":
            stages = [["−", tsym, "/", out(n)], ["−", N(t), "/", N(v)]]
        else:
            stages = []
        formula = f" {loss.formula}" if loss is not None and loss.formula else ""
        note = f"the error of {n.name}, from the loss E ={formula}"
        return [Eq(lhs, [*stages, [N(n.error, bare=True)]], note)]
    if not n.outgoing:
        return [Eq(lhs, [[N(n.error, bare=True)]], f"{n.name} sends nothing on: no blame")]
    weights = weights or {}
    cut = [link for link in n.outgoing if _sends_none(link)]
    if len(cut) == len(n.outgoing):
        reasons = "; ".join(f"{link.name}: {_why_none(link)}" for link in cut)
        return [Eq(lhs, [[N(0.0, bare=True)]], f"no blame comes back to {n.name} ({reasons})")]
    symbolic = _plus(
        ["0"] if link in cut else [D(E, net_(link.target)), "·", weight_sym(link)]
        for link in n.outgoing
    )
    numeric = _plus(
        [N(0.0)]
        if link in cut
        else [N(link.target.sensitivity), "×", N(weights.get(link, link.weight))]
        for link in n.outgoing
    )
    blames = _plus([N(link.blame)] for link in n.outgoing)
    total = sum(link.blame for link in n.outgoing)
    targets = list(dict.fromkeys(link.target for link in n.outgoing))
    found = [sensitivity_eq(t, _fused(t), brief=True) for t in targets]
    stages = [symbolic, numeric]
    if len(n.outgoing) > 1:
        stages.append(blames)
    stages[-1] = [*stages[-1], "=", N(total, bare=True)]
    paths = "its one path" if len(n.outgoing) == 1 else f"the {len(n.outgoing)} paths"
    which = "already updated (the sequential mistake)" if sequential else "before the update"
    note = (
        f"the error of {n.name}: the blame summed over {paths} "
        f"it came back along, with the weights {which}"
    )
    for link in cut:
        note += f"; {link.name} sends none back ({_why_none(link)})"
    return [*found, Eq(lhs, stages, note)]


def _sends_none(link: Link) -> bool:
    """A detached link, or a link into a max pool that did not win: no blame goes back."""
    return isinstance(link, DetachedLink) or (
        isinstance(link, PoolLink) and link.target.winner is not link
    )


def _why_none(link: Link) -> str:
    if isinstance(link, DetachedLink):
        return "detached: truncated backpropagation through time stops here"
    winner = link.target.winner
    who = f"{winner.source.name} delivered the max" if winner is not None else "no winner"
    return f"max pooling sends the blame to the winner only: {who}"


def sensitivity_eq(n: Neuron, fused: bool, brief: bool = False) -> Eq:
    """∂E/∂net = ∂E/∂out · ∂out/∂net (or the fused or softmax forms)."""
    lhs: list[Token] = [D(E, net_(n))]
    s = n.sensitivity
    if fused:
        return _fused_eq(n, lhs, s)
    if n.activation.layerwise and not n.activation.pool:
        members = n.group
        sym_sum: list[Token] = ["Σ_j", D(E, Sym("out", "j")), "·", Sym("out", "j")]
        numbers: list[Token] = []
        for k, m in enumerate(members):
            if k:
                numbers.append("+")
            numbers += [N(m.current_error()), "×", N(m.value)]
        return Eq(
            lhs,
            [
                [out(n), "·", "(", D(E, out(n)), "−", *sym_sum, ")"],
                [N(n.value), "×", "(", N(n.error), "−", "(", *numbers, ")", ")"],
                [N(s, bare=True)],
            ],
            f"softmax couples the layer ({', '.join(m.name for m in members)}): every "
            f"member's error reaches net_{n.name} through the softmax Jacobian",
        )
    slope = n.activation.slope(n.net, n.value)
    return Eq(
        lhs,
        [
            [D(E, out(n)), "·", D(out(n), net_(n))],
            [N(n.error), "×", N(slope), "=", N(s, bare=True)],
        ],
        f"explain({n.name}) shows where these come from" if brief else "",
    )


def _fused_eq(n: Neuron, lhs: list[Token], s: float) -> Eq:
    """∂E/∂net of an output whose activation and loss fuse, in the loss's exact form."""
    tsym, t = Sym("target", n.name), n.target or 0.0
    loss = n.network.loss_function.name if n.network is not None else ""
    if n.activation.layerwise:  # softmax with cross-entropy: value · Σ targets − target
        total = 0.0
        for m in n.group:
            total += m.target or 0.0
        if total != 1.0:
            return Eq(
                lhs,
                [
                    [out(n), "·", "Σ_j", Sym("target", "j"), "−", tsym],
                    [N(n.value), "×", N(total), "−", N(t), "=", N(s, bare=True)],
                ],
                "softmax with cross-entropy: out · Σ target − target, exact for any targets "
                "(value − target only when the targets sum to 1)",
            )
    if loss == "bce_mean":
        count = str(len(n.network.outputs))  # type: ignore[union-attr]
        return Eq(
            lhs,
            [
                ["(", out(n), "−", tsym, ")", "/", count],
                ["(", N(n.value), "−", N(t), ")", "/", count, "=", N(s, bare=True)],
            ],
            "sigmoid with the mean BCE: its slope and the loss's cancel to (value − target)/n",
        )
    return Eq(
        lhs,
        [[out(n), "−", tsym], [N(n.value), "−", N(t), "=", N(s, bare=True)]],
        f"{n.activation.name} with this loss: its slope and the loss's cancel to value − target",
    )


def _sensed_mistake(n: Neuron, trace: Trace | None) -> str:
    """The deliberate mistake the neuron's last sensing made, as the trace recorded it."""
    if trace is None:
        return ""
    for step in reversed(trace.steps):
        if step.kind == "Sensed" and step.neuron is n:
            return step.mistake
        if step.kind == "Presented":
            return ""
    return ""


def _forgotten_eq(n: Neuron) -> Eq:
    """∂E/∂net = ∂E/∂out: the sensitivity without the activation derivative (the mistake)."""
    slope = n.activation.slope(n.net, n.value)
    return Eq(
        [D(E, net_(n))],
        [[D(E, out(n))], [N(n.sensitivity, bare=True)]],
        f"{warning('forgotten_slope')}; the chain rule needs × ∂out/∂net = {num(slope)}",
    )


# -- explain a link --------------------------------------------------------------


def _last_update(link: Link | SharedWeight, trace: Trace | None) -> Step | None:
    """The update that followed the backward step whose numbers the link holds now.

    The trace's last step about the link (or its shared weight) must be an
    update, and the link's blame must have been computed with that update's old
    weight (exactly as :meth:`Link.learn` computes it; for a shared weight, every
    link's blame); otherwise the numbers have moved on.
    """
    if trace is None:
        return None
    shared = link.shared if isinstance(link, Link) else link
    for step in reversed(trace.steps):
        about = getattr(step, "link", None)
        if about is link or (shared is not None and about is shared):
            if step.kind == "Updated" and updated_from(step, link):
                return step
            return None
    return None


def blamed_with(update: Step) -> float:
    """The weight the link's blame went back through: the old one (the new one when the
    update was the sequential mistake)."""
    return update.new if update.mistake == "sequential" else update.old


def updated_from(update: Step, link: Link | SharedWeight) -> bool:
    """Was ``update`` made after the backward step whose blame ``link`` holds now?"""
    links = link.links if isinstance(link, SharedWeight) else [link]
    weight = blamed_with(update)
    return all(one.blame_for(weight) == one.blame for one in links)


def _not_yet(obj: Link | Neuron, kinds: tuple[str, ...], trace: Trace | None) -> bool:
    """Has the current sample been presented but ``obj`` not yet had a step of ``kinds``?"""
    if trace is None:
        return False
    for step in reversed(trace.steps):
        if step.kind == "Presented":
            return True
        if (
            step.kind in kinds
            and (getattr(step, "link", None) or getattr(step, "neuron", None)) is obj
        ):
            return False
    return False


def _no_sample(n: Neuron) -> bool:
    """Has no sample been presented with its targets (so nothing has gone backward yet)?"""
    net = n.network
    return net is not None and any(o.target is None for o in net.outputs)


NO_SAMPLE = (
    "no sample has gone backward yet: step a scheduler first, "
    "net.scheduler(sample).run(until='update')"
)


def _weight_used(link: Link, trace: Trace | None) -> float:
    """The weight the last backward pass used (the one before any later update)."""
    update = _last_update(link, trace)
    return blamed_with(update) if update is not None else link.weight


def _sequential(n: Neuron, trace: Trace | None) -> bool:
    """Did the blame into ``n`` come back through weights the sequential mistake updated?"""
    for link in n.outgoing:
        update = _last_update(link, trace)
        if update is not None and update.mistake == "sequential":
            return True
    return False


def _trace_of(obj: Link | Neuron, trace: Trace | None) -> Trace | None:
    """The trace given, else the network's (where the scheduler records every step)."""
    if trace is not None:
        return current(trace)
    n = obj.target if isinstance(obj, Link) else obj
    return current(n.network.trace) if n.network is not None else None


def current(trace: Trace | None) -> Trace | None:
    """``trace`` if its last records still match the objects, else None.

    Training without a trace, a gradient check or a forward pass changes the
    numbers without recording steps; then the trace no longer describes them.
    """
    if trace is None:
        return None
    seen_fired = seen_learned = False
    for step in reversed(trace.steps):
        if step.kind == "Fired" and not seen_fired:
            n = step.neuron
            if n.net != step.net or n.value != step.value:
                return None
            seen_fired = True
        elif step.kind == "Learned" and not seen_learned:
            if step.link.sensitivity != step.sensitivity:
                return None
            seen_learned = True
        if seen_fired and seen_learned:
            break
    return trace


def explain_link(
    link: Link,
    trace: Trace | None = None,
    momentum: float | None = None,
    fused: bool | None = None,
) -> Explanation:
    """∂E/∂w for ``link`` by the chain rule, then its update if the trace holds one."""
    trace = _trace_of(link, trace)
    target, source = link.target, link.source
    fused = _fused(target) if fused is None else fused
    w = wsym(link)
    label = f" ({link.label})" if link.label else ""
    if link.shared is not None:
        label = f" ({link.shared.name})"
    title = f"Link {link.name}{label}: ∂E/∂{w.text()} by the chain rule"
    grad = link.sensitivity
    x = source.value
    if isinstance(link, PoolLink) and target.winner is not link:
        x = 0.0  # ∂net/∂w: the link's value is not the max, so the net does not move with it
    if _not_yet(link, ("Learned", "Updated"), trace) or _no_sample(target):
        return _link_forward_only(link, title, trace)
    chain: Eq
    where: list[Eq] = []
    plain = not fused and not target.activation.layerwise
    forgotten = not fused and _sensed_mistake(target, trace) == "forgotten_slope"
    if forgotten:
        chain = Eq(
            [D(E, w)],
            [
                [D(E, out(target)), "·", D(net_(target), w)],
                [N(target.error), "×", N(x), "=", N(grad, bare=True)],
            ],
        )
        where += error_eq(target, _weights_used(target, trace), _sequential(target, trace))
        where.append(_forgotten_eq(target))
    elif plain:
        slope = target.activation.slope(target.net, target.value)
        chain = Eq(
            [D(E, w)],
            [
                [D(E, out(target)), "·", D(out(target), net_(target)), "·", D(net_(target), w)],
                [N(target.error), "×", N(slope), "×", N(x), "=", N(grad, bare=True)],
            ],
        )
        where += error_eq(target, _weights_used(target, trace), _sequential(target, trace))
        where.append(slope_eq(target))
    else:
        chain = Eq(
            [D(E, w)],
            [
                [D(E, net_(target)), "·", D(net_(target), w)],
                [N(target.sensitivity), "×", N(x), "=", N(grad, bare=True)],
            ],
        )
        if not fused:
            where += error_eq(target, _weights_used(target, trace), _sequential(target, trace))
        where.append(sensitivity_eq(target, fused))
    what = {"input": "the input", "bias": "bias neuron"}.get(source.kind, "neuron")
    if isinstance(link, PoolLink) and x == 0.0 and target.winner is not link:
        where.append(
            Eq(
                [D(net_(target), w)],
                [[N(0.0, bare=True)]],
                f"max pooling: net_{target.name} is the largest incoming value, and "
                f"{source.name}'s was not it, so ∂E/∂{w.text()} = 0 and no blame goes back",
            )
        )
    else:
        where.append(
            Eq(
                [D(net_(target), w)],
                [[out(source), "=", N(x, bare=True)]],
                f"the source value: what {what} {source.name} sends along {w.text()}",
            )
        )
    sections = [Section("", [chain]), Section("where", where)]
    if isinstance(link, DetachedLink):
        sections[1].notes.append(
            f"{link.name} is detached (truncated BPTT): it learns ∂E/∂w but sends no blame "
            f"back to {source.name}"
        )
    if link.shared is not None:
        sections.append(_shared_note(link, trace))
    if link.sensitivity != target.sensitivity * x:
        sections[0].notes.append(
            f"(the values changed after {link.name} last learned, by a forward pass or a "
            "gradient check: these are the numbers the objects hold now)"
        )
    if link.frozen:
        what = f"its shared weight {link.shared.name}" if link.shared is not None else link.name
        sections.append(Section("update", notes=[f"{what} is frozen: it never changes"]))
    update = _last_update(link, trace)
    if update is not None:
        if update.momentum_term and momentum is None and update.optimizer is None:
            momentum = _momentum_from(update, trace)
        sections.append(update_section(update, momentum))
    elif not link.frozen and link.state is not None and not link.state.fresh:
        sections.append(Section("optimizer state", notes=[_state_note(link)]))
    return Explanation(title, sections, grad)


def _state_note(link: Link) -> str:
    state = link.state
    numbers = ", ".join(f"{k} = {num(v)}" for k, v in state.numbers().items())  # type: ignore[union-attr]
    return f"{link.name} keeps its optimizer state ({state.kind}): {numbers}"  # type: ignore[union-attr]


def _momentum_from(update: Step, trace: Trace | None) -> float | None:
    """μ = momentum term / Δw_prev, with Δw_prev from the link's previous update in the trace."""
    if trace is None:
        return None
    found = False
    for step in reversed(trace.steps):
        if step is update:
            found = True
        elif found and step.kind == "Updated" and step.link is update.link:
            change = step.new - step.old
            return update.momentum_term / change if change else None
    return None


def _link_forward_only(link: Link, title: str, trace: Trace | None) -> Explanation:
    """Before the backward pass reaches a link: what it delivered, and what is to come."""
    w, source = wsym(link), link.source
    notes = [f"the backward pass has not reached {link.name} in this sample yet: step on"]
    if _no_sample(link.target):
        notes = [NO_SAMPLE]
    eqs = []
    if not _not_yet(link, ("Delivered",), trace):
        eqs.append(
            Eq(
                [Sym("value", link.name)],
                [[w, "·", out(source)], [N(link.weight), "×", N(source.value)], [N(link.value)]],
                f"what {link.name} delivered to {link.target.name}",
            )
        )
    else:
        notes.insert(0, f"{link.name} has not delivered its value in this sample yet")
    return Explanation(title.split(":")[0], [Section("forward", eqs, notes)], link.sensitivity)


def _weights_used(n: Neuron, trace: Trace | None) -> dict[Link, float]:
    return {link: _weight_used(link, trace) for link in n.outgoing}


def update_section(update: Step, momentum: float | None = None) -> Section:
    """The update with its own numbers: ``w ← w − rate · ∂E/∂w``, or the optimizer's every line."""
    optimizer = getattr(update, "optimizer", None)
    if optimizer is not None and not optimizer.plain:
        section = optimizer_section(update)
    else:
        section = _plain_section(update, momentum)
    mistake = getattr(update, "mistake", "")
    if mistake:
        section.notes.append(warning(mistake))
        if mistake == "sequential" and isinstance(update.link, SharedWeight):
            section.notes.append(
                f"its links' blame went back with the new weight {num(update.new)} "
                f"(the standard algorithm sends {num(update.old)} back)"
            )
        elif mistake == "sequential":
            link = update.link
            section.notes.append(
                f"its blame went back with the new weight: {num(update.new)} × "
                f"{num(link.target.sensitivity)} = {num(link.blame)} (the standard algorithm "
                f"sends {num(update.old)} × {num(link.target.sensitivity)})"
            )
    return section


def optimizer_section(update: Step) -> Section:
    """Each line of the optimizer's update with its numbers, recomputed from the record."""
    optimizer = update.optimizer
    move = optimizer.update(
        update.before, update.gradient, update.old, update.rate, update.norm, show=True
    )
    w = wsym(update.link)
    eqs = [_line_eq(line, w) for line in move.lines]
    notes = []
    if abs(update.gradient - update.link.sensitivity) > 1e-15 * max(1.0, abs(update.gradient)):
        notes.append(
            f"∂E/∂{w.text()} here is the batch's gradient ({num(update.gradient)}), "
            "gathered over the batch's samples"
        )
    if move.weight != update.new:  # cannot happen unless the record was made by hand
        notes.append(f"(the record says {num(update.new)}: it was not made by this rule)")
    heading = f"update by {optimizer.describe()}, rate {num(update.rate)}"
    return Section(heading, eqs, notes)


def _line_eq(line: Line, w: Sym) -> Eq:
    """One line of an optimizer's formula: its symbols, its numbers, its value."""
    lhs: list[Token] = [w if line.lhs.name == "w" else line.lhs]
    symbols = _tokens(line.symbols, w)
    numbers = ["×" if t == "·" else t for t in _tokens(line.numbers, w)]
    stages = [symbols]
    if len(numbers) > 1:  # a lone number is the value itself
        stages.append(numbers)
    stages.append([N(line.value, bare=True)])
    return Eq(lhs, stages, line.note, arrow=line.arrow)


def _tokens(tokens: tuple, w: Sym) -> list[Token]:
    """An optimizer's tokens as the views' (numbers as N, √ and powers as Root and Power)."""
    out: list[Token] = []
    for t in tokens:
        if isinstance(t, bool):
            out.append(str(t))
        elif isinstance(t, (int, float)):
            out.append(N(float(t)))
        elif isinstance(t, Sqrt):
            out.append(Root(tuple(_tokens(t.inner, w))))
        elif isinstance(t, Pow):
            out.append(Power(_tokens((t.base,), w)[0], _tokens((t.exponent,), w)[0]))
        elif getattr(t, "name", None) == "w":
            out.append(w)
        elif getattr(t, "name", None) == "∂E/∂w":
            out.append(D(E, w))
        else:
            out.append(t)
    return out


def _plain_section(update: Step, momentum: float | None = None) -> Section:
    """``w ← w − rate · ∂E/∂w`` with the update's own numbers (and momentum's term)."""
    link = update.link
    w = wsym(link)
    heading = f"update, rate {num(update.rate)}"
    notes = []
    if abs(update.gradient - link.sensitivity) > 1e-15 * max(1.0, abs(update.gradient)):
        notes.append(
            f"∂E/∂{w.text()} here is the batch's gradient ({num(update.gradient)}), "
            "gathered over the batch's samples"
        )
    if update.momentum_term == 0.0:
        eq = Eq(
            [w],
            [
                [w, "−", RATE, "·", D(E, w)],
                [N(update.old), "−", N(update.rate), "×", N(update.gradient)],
                [N(update.new, bare=True)],
            ],
            arrow="←",
        )
        return Section(heading, [eq], notes)
    mu = f"momentum {num(momentum)}" if momentum else "momentum"
    dw = Sym("Δw", "prev")
    term: list[Token] = [MOMENTUM, "·", dw]
    eqs = []
    if momentum:
        eqs.append(
            Eq(
                [MOMENTUM, "·", dw],
                [
                    [N(momentum), "×", N(update.momentum_term / momentum)],
                    [N(update.momentum_term, bare=True)],
                ],
                "momentum keeps a share of the last change Δw_prev",
            )
        )
    eqs.append(
        Eq(
            [w],
            [
                [w, "+", *term, "−", RATE, "·", D(E, w)],
                [N(update.old), "+", N(update.momentum_term), "−", N(update.rate), "×"]
                + [N(update.gradient)],
                [N(update.new, bare=True)],
            ],
            arrow="←",
        )
    )
    return Section(f"{heading}, {mu}", eqs, notes)


# -- explain a shared weight: the sum over its links ------------------------------

FOLD = 10  # a sum of more terms than this shows its largest ones and folds the rest
SHOWN = 6  # how many terms a folded sum shows


def learned_so_far(shared: SharedWeight, trace: Trace | None) -> list[Link] | None:
    """The shared weight's links the backward pass has reached in the current sample.

    None when the trace cannot tell (no trace, or the sample is complete: then
    every link holds this sample's contribution).
    """
    if trace is None:
        return None
    links = set(shared.links)
    reached: list[Link] = []
    for step in reversed(trace.steps):
        kind = step.kind
        if kind == "Presented":
            return [link for link in shared.links if link in reached]
        if kind in ("EpochEnded",) or (kind == "Updated" and step.link is shared):
            return None
        if kind == "Learned" and step.link in links:
            reached.append(step.link)
    return None


def fold(terms: list[tuple[Link, float]]) -> tuple[list[tuple[Link, float]], list[float]]:
    """The terms to show (the largest, in link order) and the rest, when there are many."""
    if len(terms) <= FOLD:
        return terms, []
    largest = sorted(range(len(terms)), key=lambda k: -abs(terms[k][1]))[:SHOWN]
    keep = sorted(largest)
    return [terms[k] for k in keep], [t for k, (_link, t) in enumerate(terms) if k not in keep]


def _sum_of(values: list[float]) -> float:
    """Σ from the first value on, in order (as SharedWeight sums its links)."""
    total = values[0]
    for value in values[1:]:
        total += value
    return total


def _term_eq(link: Link) -> Eq:
    """One link's contribution: ∂E/∂w_link = ∂E/∂net_target × out_source (0 if it lost a max)."""
    target, source = link.target, link.source
    x = source.value
    if isinstance(link, PoolLink) and target.winner is not link:
        x = 0.0
    return Eq(
        [D(E, wsym(link))],
        [[N(target.sensitivity), "×", N(x), "=", N(link.sensitivity, bare=True)]],
    )


def explain_shared(shared: SharedWeight, trace: Trace | None = None) -> Explanation:
    """∂E/∂k as the sum of its links' contributions, each with its numbers; then the update.

    A long sum is folded: its largest terms are shown and the rest counted and
    summed, so the printed numbers still add up to the gradient.
    """
    links = shared.links
    net = links[0].target.network
    trace = current(trace) if trace is not None else current(net.trace if net else None)
    k = wsym(shared)
    count = f"{len(links)} link" + ("s" if len(links) != 1 else "")
    title = f"Shared weight {shared.name}: ∂E/∂{k.text()} = Σ over its {count}"
    if _no_sample(links[0].target):
        return Explanation(title, [Section("", notes=[NO_SAMPLE])], shared.sensitivity)
    reached = learned_so_far(shared, trace)
    terms = [(link, link.sensitivity) for link in (links if reached is None else reached)]
    notes: list[str] = []
    if reached is not None and len(reached) < len(links):
        if not reached:
            note = f"the backward pass has not reached any of {shared.name}'s links in this sample"
            return Explanation(title, [Section("", notes=[note + ": step on"])], 0.0)
        notes.append(
            f"so far: the backward pass has reached {len(reached)} of its {len(links)} links; "
            "the sum grows as it reaches the others"
        )
    shown, rest = fold(terms)
    total = _sum_of([t for _link, t in terms])
    parts: list[list[Token]] = [[N(t)] for _link, t in shown]
    if rest:
        parts.append([Words(f"({len(rest)} more terms: {num(_sum_of(rest))})")])
    symbolic: list[Token] = [
        "Σ", Words("over its links"), D(E, Sym("net", "target")), "·", Sym("out", "source")
    ]  # fmt: skip
    stages = [symbolic, _plus(parts), [N(total, bare=True)]]
    chain = Eq([D(E, k)], stages)
    where = Section(
        "where, link by link (∂E/∂w = ∂E/∂net of its target × the value of its source)"
        if not rest
        else f"where, the {len(shown)} largest terms (∂E/∂w = ∂E/∂net × source value)",
        [_term_eq(link) for link, _t in shown],
    )
    if rest:
        where.notes.append(
            f"… and {len(rest)} more links, whose terms add up to {num(_sum_of(rest))}"
        )
    if any(isinstance(link, PoolLink) for link in links):
        where.notes.append("a link that did not deliver its max pool's largest value adds 0")
    elif any(t == 0.0 for _link, t in terms):
        where.notes.append(
            "a term is 0 where its source value is 0, or where no blame reached its target "
            "(a max pool downstream chose another neuron)"
        )
    sections = [Section("", [chain], notes), where]
    if shared.frozen:
        sections.append(Section("update", notes=[f"{shared.name} is frozen: it never changes"]))
    update = _last_update(shared, trace)
    if update is not None:
        momentum = _momentum_from(update, trace) if update.momentum_term else None
        sections.append(update_section(update, momentum))
    return Explanation(title, sections, total)


def _shared_note(link: Link, trace: Trace | None) -> Section:
    """For a link that shares its weight: its place in the shared weight's sum."""
    shared = link.shared
    reached = learned_so_far(shared, trace)
    done = shared.links if reached is None else reached
    total = _sum_of([one.sensitivity for one in done]) if done else 0.0
    so_far = "" if reached is None else f" so far ({len(done)} of {len(shared.links)} links)"
    return Section(
        f"shared weight {shared.name}",
        notes=[
            f"{link.name} uses the shared weight {shared.name} = {num(shared.weight)}; its "
            f"∂E/∂w is one of {len(shared.links)} terms of ∂E/∂{shared.name} = Σ"
            f"{so_far} = {num(total)} (explain {shared.name} for the sum)"
        ],
    )


# -- explain a neuron ------------------------------------------------------------


def explain_neuron(n: Neuron, trace: Trace | None = None) -> Explanation:
    """A neuron's forward numbers (net, value) and its backward ones (error, sensitivity)."""
    trace = _trace_of(n, trace)
    if n.kind == "bias":
        return Explanation(
            f"Neuron {n.name} (bias)",
            [Section("", notes=[f"out_{n.name} = 1 always: its links' weights are the biases"])],
            n.sensitivity,
        )
    if n.kind == "input":
        return Explanation(
            f"Neuron {n.name} (input)",
            [Section("", [Eq([out(n)], [[N(n.value, bare=True)]], "the input as given")])],
            n.sensitivity,
        )
    fused = _fused(n)
    title = f"Neuron {n.name} ({n.kind}, {n.activation.name})"
    if _not_yet(n, ("Fired", "Sensed"), trace):
        note = f"{n.name} has not fired in this sample yet: step on"
        return Explanation(title, [Section("", notes=[note])], n.sensitivity)
    terms = _plus([weight_sym(link), "·", out(link.source)] for link in n.incoming)
    numbers = _plus(
        [N(_weight_used(link, trace)), "×", N(link.source.value)] for link in n.incoming
    )
    if n.activation.pool:
        winner = n.winner.source.name if n.winner is not None else "none"
        values: list[Token] = [N(link.value) for link in n.incoming]
        products = [[weight_sym(link), "·", out(link.source)] for link in n.incoming]
        net_eq = Eq(
            [net_(n)],
            [["max(", *_commas(products), ")"], ["max(", *_commas(values), ")"]]
            + [[N(n.net, bare=True)]],
            f"max pooling: the largest incoming value, delivered by {winner}; only that "
            "link takes blame back",
        )
    else:
        net_eq = Eq(
            [net_(n)], [terms, [*numbers, "=", N(n.net, bare=True)]], "Σ incoming link values"
        )
    forward = [
        net_eq,
        Eq(
            [out(n)],
            [[Words(f"{n.activation.name}(net_{n.name})")], [N(n.value, bare=True)]],
            f"{n.activation.name}: {n.activation.formula}" if n.activation.formula else "",
        ),
    ]
    if _not_yet(n, ("Sensed",), trace) or _no_sample(n):
        note = f"the backward pass has not reached {n.name} in this sample yet: step on"
        note = NO_SAMPLE if _no_sample(n) else note
        return Explanation(title, [Section("forward", forward, [note])], n.sensitivity)
    backward: list[Eq] = []
    if not fused:
        backward += error_eq(n, _weights_used(n, trace), _sequential(n, trace))
    if not fused and _sensed_mistake(n, trace) == "forgotten_slope":
        backward.append(_forgotten_eq(n))
    else:
        if not fused and not n.activation.layerwise:
            backward.append(slope_eq(n))
        backward.append(sensitivity_eq(n, fused))
    return Explanation(
        f"{title}: forward, then ∂E/∂net_{n.name} by the chain rule",
        [Section("forward", forward), Section("backward", backward)],
        n.sensitivity,
    )


def explain(
    obj: Link | Neuron | SharedWeight,
    trace: Trace | None = None,
    format: str | None = None,
    **options: float,
) -> Explanation | str:
    """The chain rule for a link (∂E/∂w and its update), a neuron (∂E/∂net), or a shared
    weight (∂E/∂k, the sum over its links).

    ``trace`` defaults to the network's; ``momentum=`` names momentum's factor
    when the trace cannot tell it. ``format`` ("text", "markdown" or "latex")
    gives the explanation as that text instead of an :class:`Explanation`.

    >>> from lernpy import examples
    >>> net = examples.mazur()
    >>> _ = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
    >>> print(explain(net["w1"]).text().splitlines()[2])
             = 0.036350306 × 0.241300709 × 0.05 = 0.000438568
    >>> print(explain(net["w1"], format="latex").splitlines()[1][:36])
    \\frac{\\partial E}{\\partial w_{1}} &=
    """
    if isinstance(obj, Link):
        found = explain_link(obj, trace, **options)
    elif isinstance(obj, Neuron):
        found = explain_neuron(obj, trace)
    elif isinstance(obj, SharedWeight):
        found = explain_shared(obj, trace)
    else:
        raise BadValueError(
            f"explain() takes a Link, a Neuron or a SharedWeight, not {type(obj).__name__}"
        )
    return found if format is None else found.render(format)


# -- one step as one line ----------------------------------------------------------


def _link_name(link: Link | SharedWeight) -> str:
    if isinstance(link, SharedWeight):
        return f"{link.name} ({len(link.links)} links)"
    if link.shared is not None:
        return f"{link.name} ({link.shared.name})"
    return f"{link.name} ({link.label})" if link.label else link.name


_LEARN_ORDER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def learn_order(link: Link) -> dict[Link, int]:
    """Each link's place in the backward pass of one sample (cached per topology)."""
    net = link.target.network
    cached = _LEARN_ORDER.get(net)
    if cached is None or cached[0] != net.version:
        ops = plan(net, False)[0]
        order = {obj: k for k, (code, obj, *_rest) in enumerate(ops) if code == LEARN}
        cached = (net.version, order)
        _LEARN_ORDER[net] = cached
    return cached[1]


def _so_far(link: Link) -> str:
    """``∂E/∂k1 so far: Σ of 3 of 9 terms = 0.12``: the sum as the backward pass grows it."""
    shared = link.shared
    order = learn_order(link)
    here = order[link]
    reached = [one for one in shared.links if order[one] <= here]
    total = _sum_of([one.sensitivity for one in reached])
    count = len(shared.links)
    return f"; ∂E/∂{shared.name} so far: Σ of {len(reached)} of {count} terms = {num(total)}"


def describe(step: Step) -> str:
    """One step as one readable line, with its numbers (a name's control characters escaped).

    >>> from lernpy import examples
    >>> net = examples.mazur()
    >>> run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    >>> describe(run.step("neuron"))
    'h1 fires: net = 0.0075 + 0.02 + 0.35 = 0.3775, value = sigmoid(net) = 0.593269992'
    """
    return shown(_describe(step))


def _describe(step: Step) -> str:
    kind = step.kind
    if kind == "Presented":
        net = ", ".join(num(v) for v in step.inputs)
        want = ", ".join(num(v) for v in step.targets)
        return f"sample {step.sample} presented: inputs {net}; targets {want}"
    if kind == "Delivered":
        link = step.link
        w, x = link.weight, link.source.value
        if w * x == step.value:
            weight = link.shared.name if link.shared else "w"
            return (
                f"{_link_name(link)} delivers {weight} · out_{link.source.name} = "
                f"{term(w)} × {term(x)} = {num(step.value)}"
            )
        return f"{_link_name(link)} delivers {num(step.value)}"
    if kind == "Fired":
        n = step.neuron
        parts = [link.value for link in n.incoming]
        if n.activation.pool and parts and max(parts) == step.net:
            who = f" (from {n.winner.source.name})" if n.winner is not None else ""
            values = ", ".join(num(p) for p in parts)
            return (
                f"{n.name} fires: net = max({values}) = {num(step.net)}{who}, "
                f"out = {num(step.value)}"
            )
        sums = ""
        if parts and math.isclose(sum(parts), step.net, rel_tol=1e-12, abs_tol=1e-15):
            sums = " + ".join(term(p) for p in parts) + " = "
        return (
            f"{n.name} fires: net = {sums}{num(step.net)}, "
            f"value = {n.activation.name}(net) = {num(step.value)}"
        )
    if kind == "Scored":
        errors = ", ".join(num(e) for e in step.errors)
        return f"loss E = {num(step.loss)}; errors ∂E/∂out: {errors}"
    if kind == "Sensed":
        n = step.neuron
        head = f"{n.name} senses: ∂E/∂net_{n.name} = "
        if step.mistake:
            return head + f"∂E/∂out = {num(step.sensitivity)}  {warning(step.mistake)}"
        if _fused(n) and n.target is not None:
            if n.activation.layerwise:
                return (
                    head
                    + f"{num(step.sensitivity)} (softmax, cross-entropy: out · Σ target − target)"
                )
            numbers = f"{term(n.value)} − {term(n.target)} = {num(step.sensitivity)}"
            return head + f"out − target = {numbers}"
        if n.activation.layerwise and not n.activation.pool:
            return head + f"{num(step.sensitivity)} (softmax Jacobian; ∂E/∂out {num(step.error)})"
        slope = n.activation.slope(n.net, n.value)
        return (
            head + f"∂E/∂out × ∂out/∂net = {term(step.error)} × {term(slope)} = "
            f"{num(step.sensitivity)}"
        )
    if kind == "Learned":
        link = step.link
        x, s = link.source.value, link.target.sensitivity
        w = wsym(link).text()
        current = link.sensitivity == step.sensitivity
        if isinstance(link, PoolLink) and link.target.winner is not link and current:
            winner = link.target.winner
            who = winner.source.name if winner is not None else "another link"
            return (
                f"{_link_name(link)} learns: not the max into {link.target.name}, so "
                f"∂E/∂{w} = 0 and it sends no blame back to {link.source.name} "
                f"(max pooling sends it all to {who})"
            )
        how = ""
        if s * x == step.sensitivity:
            how = f"∂E/∂net_{link.target.name} × out_{link.source.name} = {term(s)} × {term(x)} = "
        sends = f"sends blame {num(step.blame)} back to {link.source.name}"
        if isinstance(link, DetachedLink):
            sends = f"sends no blame back to {link.source.name} (detached: truncated BPTT)"
        line = f"{_link_name(link)} learns: ∂E/∂{w} = {how}{num(step.sensitivity)}; {sends}"
        if link.shared is not None and current and link.target.network is not None:
            line += _so_far(link)
        return line
    if kind == "Updated":
        line = _describe_update(step)
        return f"{line}  {warning(step.mistake)}" if step.mistake else line
    if kind == "EpochEnded":
        return f"epoch {step.epoch} ended: mean loss {num(step.loss)}"
    return repr(step)


def _describe_update(step: Step) -> str:
    """An update as one line: the rule with its numbers, whichever the optimizer."""
    w = wsym(step.link).text()
    head = f"{_link_name(step.link)} updates: "
    optimizer = step.optimizer
    if optimizer is not None and not optimizer.plain:
        move = optimizer.update(
            step.before, step.gradient, step.old, step.rate, step.norm, show=True
        )
        parts = [f"{line.lhs.name} = {num(line.value)}" for line in move.lines[:-1]]
        last = move.lines[-1]
        final = (
            f"{w} ← {_plain_text(last.symbols, w)} = {_plain_text(last.numbers, w)} = "
            f"{num(step.new)}"
        )
        return head + f"{optimizer.title}: " + "; ".join([*parts, final])
    if step.momentum_term:
        return head + (
            f"{w} ← {w} + momentum·Δw − rate·∂E/∂{w} = {term(step.old)} + "
            f"{term(step.momentum_term)} − {term(step.rate)} × {term(step.gradient)} = "
            f"{num(step.new)}"
        )
    return head + (
        f"{w} ← {w} − rate·∂E/∂{w} = {term(step.old)} − {term(step.rate)} × "
        f"{term(step.gradient)} = {num(step.new)}"
    )


def _plain_text(tokens: tuple, w: Sym) -> str:
    """An optimizer's tokens as one line of text."""
    return Eq([], [_tokens(tokens, w)]).lines()[0].split(" = ", 1)[1]


_PLANNED = {
    "Presented": "the next sample is presented",
    "Delivered": "{name} delivers",
    "Fired": "{name} fires",
    "Scored": "the loss is scored",
    "Sensed": "{name} senses its error",
    "Learned": "{name} learns its ∂E/∂w",
    "Updated": "{name} updates its weight",
    "EpochEnded": "the epoch ends",
}


def describe_planned(planned: Planned | None) -> str:
    """What comes next, in words.

    >>> from lernpy import examples
    >>> run = examples.mazur().scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    >>> describe_planned(run.peek())
    'next: the next sample is presented (forward, sample 0, epoch 0)'
    """
    if planned is None:
        return "next: nothing (finished)"
    what = _PLANNED.get(planned.kind, planned.kind).replace("{name}", planned.name)
    where = planned.phase if planned.sample < 0 else f"{planned.phase}, sample {planned.sample}"
    return shown(f"next: {what} ({where}, epoch {planned.epoch})")


def lines(steps: Iterable[Step]) -> list[str]:
    """:func:`describe` for each step."""
    return [describe(s) for s in steps]


__all__ = [
    "Explanation",
    "describe",
    "describe_planned",
    "explain",
    "explain_link",
    "explain_neuron",
    "explain_shared",
    "num",
]
