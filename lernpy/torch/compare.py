"""lernpy's ∂E/∂w beside PyTorch autograd's ``.grad``, one connection at a time.

:func:`compare` runs one sample through both and lays the numbers side by
side, link by link, as a table like lernpy's others. It checks two things:

- the **weights**: does the module hold the network's weights? A link whose
  weight differs is named (verdict "weight: PyTorch 0.41").
- the **gradients**, at the module's weights (lernpy runs on a copy of the
  network holding them): does autograd's ``.grad`` equal lernpy's ∂E/∂w, the
  target's sensitivity times the source's value? A link whose gradient differs
  is named (verdict "∂E/∂w"): the module computes another function there (another
  activation, another loss, a layer that bends the gradient).

So a weight copied wrongly into a PyTorch model is named by itself, and a wrong
function is named by the gradients it spoils.

A shared weight is one entry in PyTorch and one verdict here: each of its links
has a row with its own term of the sum (``x1→h1 (k1)``, as lernpy's link table
shows it), and its Σ row sets the sum beside the entry's ``.grad``; a shared
weight that disagrees is named by its own name (``k1``). Neither the network nor the
module is changed (autograd runs on copies of the parameters: ``.grad`` is
left alone).

>>> from lernpy import examples
>>> from lernpy.torch import to_torch
>>> net = examples.mazur()
>>> model = to_torch(net)
>>> compare(net, model, examples.MAZUR_SAMPLE).ok
True
>>> with torch.no_grad():
...     model[2].weight[0, 0] += 0.01  # w5 in the PyTorch copy
>>> compare(net, model, examples.MAZUR_SAMPLE).disagree
['h1→o1']
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.func import functional_call

from lernpy import checks
from lernpy.errors import ShapeError
from lernpy.graph.link import Link
from lernpy.graph.network import Network
from lernpy.graph.samples import check_data
from lernpy.graph.shared import SharedWeight
from lernpy.torch.losses import torch_loss
from lernpy.torch.modules import TorchError, link_weights, network, torch_module
from lernpy.torch.reading import Reading, read_as
from lernpy.views.formulas import num
from lernpy.views.tables import Column, Grid


@dataclass(repr=False)
class Comparison(Grid):
    """The per-link table of :func:`compare`; ``disagree`` names the links that differ."""

    disagree: list[str] = field(default_factory=list)
    loss: tuple[float, float] = (math.nan, math.nan)  # (lernpy, PyTorch)
    worst: float = 0.0  # the largest relative difference of a gradient

    @property
    def ok(self) -> bool:
        return not self.disagree


def _agree(a: float, b: float, rtol: float, atol: float) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def compare(
    net: Network,
    module: nn.Module,
    sample: object,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    links: Iterable[str] | None = None,
) -> Comparison:
    """Every link's weight and ∂E/∂w in lernpy beside the module's, for one ``sample``.

    Numbers agree when |a − b| ≤ atol + rtol · max(|a|, |b|); by default
    rtol 1e-9 and atol 1e-12 for a float64 module, 1e-4 and 1e-6 for a
    float32 one. ``links`` keeps only those rows in the table (all links are
    checked either way). ``module`` may be any module :func:`from_torch` reads,
    and also one whose layers subclass nn.Linear (to check their gradients).
    """
    net, module = network(net), torch_module(module)
    rtol = None if rtol is None else checks.number(rtol, "rtol", low=0)
    atol = None if atol is None else checks.number(atol, "atol", low=0)
    links = None if links is None else checks.names(links, "links")
    samples = check_data(net, sample)
    if len(samples) != 1:
        raise ShapeError(f"compare takes one sample (inputs, targets): got {len(samples)}")
    params = dict(module.named_parameters())
    dtype = next(iter(params.values())).dtype if params else torch.float64
    wide = dtype == torch.float64
    rtol = (1e-9 if wide else 1e-4) if rtol is None else rtol
    atol = (1e-12 if wide else 1e-6) if atol is None else atol
    sizes = "-".join(str(len(layer)) for layer in net.layers)
    if getattr(module, "lernpy_network", None) is None and isinstance(module, nn.Sequential):
        shape = _sequential_sizes(module)
        if shape is not None and shape != sizes and not _convolutional(module):
            raise TorchError(f"the module's layers are {shape}, the network's {sizes}")
    found = read_as(net, module, strict=False)
    ours = {link.name for link in net.links}
    theirs = set(found.places)
    if ours != theirs:
        extra = ", ".join(sorted(theirs - ours)) or "none"
        lacking = ", ".join(sorted(ours - theirs)) or "none"
        raise TorchError(
            f"the module's links are not the network's: only in the module {extra}; "
            f"only in the network {lacking}"
        )
    where = found.places
    _same_weights_apart(net, found)
    module_weights = link_weights(module, where)

    # lernpy: a copy of the network holding the module's weights, one sample forward and back
    x, target = samples[0]
    twin = copy.deepcopy(net, memo={id(net.trace): None})
    for link in twin.links:
        link.weight = module_weights.get(link.name, link.weight)
    run = twin.scheduler((x, target), rate=0.0, trace=None)
    run.run(until="update")
    ours_grad = {link.name: link.sensitivity for link in twin.links}
    lernpy_loss = run.loss

    # PyTorch: autograd on copies of the parameters, so the module's .grad stays as it was
    copies = {name: p.detach().clone().requires_grad_(True) for name, p in params.items()}
    xs = torch.tensor([x], dtype=dtype)
    if found.image is not None:  # the module takes images, not lernpy's flat inputs
        xs = xs.reshape(1, *found.image)
    ts = torch.tensor([target], dtype=dtype)
    out = functional_call(module, copies, (xs,))
    loss = torch_loss(net)(out, ts)
    grads = torch.autograd.grad(loss, list(copies.values()), allow_unused=True)
    grad_of = {
        name: (g if g is not None else torch.zeros_like(p)).to(torch.float64).tolist()
        for (name, p), g in zip(copies.items(), grads)
    }

    # one verdict per weight: a link that owns its weight, or a shared weight (Σ of its links)
    verdicts: dict[str, tuple[float, float, float, str]] = {}  # name → (Σ ∂E/∂w, .grad, rel, …)
    frozen, pooled = [], []
    table = Comparison("", COLUMNS, loss=(lernpy_loss, float(loss.detach())))
    for owner in net.parameters():
        members = owner.links if isinstance(owner, SharedWeight) else [owner]
        place = where[members[0].name]
        if place is None:
            pooled.extend(link.name for link in members)
            continue
        name, index = place
        value = grad_of[name]
        for i in index:
            value = value[i]
        mine = ours_grad[members[0].name]
        for link in members[1:]:
            mine += ours_grad[link.name]  # in link order, as lernpy's shared weight sums
        w_net, w_mod = owner.weight, module_weights[members[0].name]
        scale = max(abs(mine), abs(value))
        rel = abs(mine - value) / scale if scale > 0.0 else 0.0
        verdict = "ok"
        if not _agree(w_net, w_mod, rtol, atol):
            verdict = f"weight: PyTorch {num(w_mod)}"
        elif not _agree(mine, value, rtol, atol):
            verdict = "∂E/∂w"
        else:
            table.worst = max(table.worst, rel)
        if verdict != "ok":
            table.disagree.append(owner.name)
        if not params[name].requires_grad:
            frozen.append(owner.name)
        verdicts[owner.name] = (mine, value, rel, verdict)

    keep = None if links is None else _kept(net, links)
    for link in net.links:  # each link in network order, as lernpy's link table
        if (keep is not None and link not in keep) or where[link.name] is None:
            continue
        if link.shared is not None:  # its term of the sum; the Σ row compares
            term = ours_grad[link.name]
            table.add([f"{link.name} ({link.shared.name})", link.weight, term, None, "", ""])
            continue
        mine, value, rel, verdict = verdicts[link.name]
        table.add(
            [link.name, link.weight, mine, value, f"{rel:.1e}", verdict],
            "" if verdict == "ok" else "fail",
        )
    sums = [s for s in net.shared_weights if keep is None or keep.intersection(s.links)]
    for shared in sums:  # then a Σ row per shared weight, as lernpy's link table
        mine, value, rel, verdict = verdicts[shared.name]
        table.add(
            [f"{shared.name} (Σ of {len(shared)} links)", shared.weight, mine, value,
             f"{rel:.1e}", verdict],
            "sum" if verdict == "ok" else "fail",
        )  # fmt: skip
    bad = len(table.disagree)
    weights = len(verdicts)
    what, besides = "links", ""
    if net.shared_weights:
        count = len(net.shared_weights)
        what = "weights"
        besides = f" ({len(net.links)} links; {count} shared weight{'s' * (count != 1)})"
    if bad:
        table.title = f"lernpy beside PyTorch: {bad} of {weights} {what} disagree{besides}"
    else:
        table.title = f"lernpy beside PyTorch: all {weights} {what} agree{besides}"
    if keep is not None:
        total = len(net.links) - len(pooled) + len(net.shared_weights)
        table.notes.append(f"showing {len(table.rows)} of {total} rows")
    if bad:
        table.notes.append("disagree: " + ", ".join(table.disagree))
    table.notes.append(
        f"loss: lernpy {num(lernpy_loss)}, PyTorch {num(table.loss[1])}; "
        f"∂E/∂w at the module's weights; agree when |a−b| ≤ {atol:g} + {rtol:g}·max(|a|, |b|)"
    )
    if sums:
        table.notes.append(
            "Σ rows: a shared weight's ∂E/∂w is the sum of its links' (the rows that name it), "
            "beside the .grad of its one entry in PyTorch"
        )
    if frozen:
        table.notes.append(
            f"frozen (requires_grad=False; .grad computed on a copy): {', '.join(frozen)}"
        )
    if pooled:
        table.notes.append(
            f"{len(pooled)} pooling links have no parameter in PyTorch: their fixed weights are "
            "the pooling module's (MaxPool2d, AvgPool2d)"
        )
    return table


COLUMNS = [
    Column("link", "", numeric=False),
    Column("weight", "w"),
    Column("lernpy", "∂E/∂w"),
    Column("PyTorch", ".grad"),
    Column("rel error", ""),
    Column("verdict", "", numeric=False),
]


def _kept(net: Network, names: Iterable[str]) -> set[Link]:
    """The links a ``links=`` list names: links, or shared weights (all their links)."""
    shared = {s.name: s for s in net.shared_weights}
    kept: set[Link] = set()
    for name in names:
        kept.update(shared[name].links if name in shared else [net.link(name)])
    return kept


def _same_weights_apart(net: Network, found: Reading) -> None:
    """Each place of the module must hold one weight of ``net``: a link that owns its weight,
    or every link of one shared weight; a pooling constant must be the network's weight."""
    groups: dict[tuple, list[Link]] = {}
    for link in net.links:
        place = found.places[link.name]
        if place is None:
            theirs = found.net.link(link.name).weight
            pooling = link.target.activation.name in ("max_pool", "avg_pool")
            if link.weight != theirs or not pooling:
                raise TorchError(
                    f"link {link.name} is a pooling link in the module, fixed at {theirs!r}; "
                    f"in the network it has weight {link.weight!r} into {link.target.name}"
                )
            continue
        groups.setdefault(place, []).append(link)
    for (name, index), members in groups.items():
        shared = members[0].shared
        expected = shared.links if shared is not None else members[:1]
        if members != expected:
            held = ", ".join(link.name for link in members)
            meant = f"the shared weight {shared.name}" if shared else "its own weight"
            raise TorchError(
                f"the module's {name}{list(index)} holds {held}; in the network "
                f"{members[0].name} has {meant}"
                + (f" ({', '.join(k.name for k in expected)})" if shared else "")
            )


def _convolutional(module: nn.Sequential) -> bool:
    return any(isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)) for m in module.modules())


def _sequential_sizes(module: nn.Sequential) -> str | None:
    """The layer sizes of a Sequential's Linear layers, as "2-3-1" (None without any)."""
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    if not linears:
        return None
    return "-".join(str(n) for n in [linears[0].in_features, *(m.out_features for m in linears)])
