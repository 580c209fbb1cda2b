"""The PyTorch subcommands: ``lernpy export NET.json -o NET.pt``, ``lernpy import MODEL.pt``.

Both need the optional extra ``lernpy[torch]``; without PyTorch they stop with
an error that says how to install it. The ``.pt`` format is
:mod:`lernpy.torch.files`'s: ``torch.save`` of a state dict, the network's
file text and its optimizer with its state, read back with ``weights_only=True``.
"""

from __future__ import annotations

import argparse
import os

from lernpy.errors import LernpyError

__all__ = ["register"]


def _bridge():
    """lernpy.torch, or a clear error when PyTorch is missing."""
    try:
        import lernpy.torch as bridge
    except ImportError as error:
        raise LernpyError(str(error)) from None
    return bridge


def _default(path: str, suffix: str) -> str:
    stem, _ = os.path.splitext(path)
    return stem + suffix


def _export(args: argparse.Namespace) -> int:
    from lernpy.data.netfile import load

    bridge = _bridge()
    net = load(args.network)
    out = args.output or _default(args.network, ".pt")
    module = bridge.to_torch(net)
    bridge.save(net, out)
    kind = type(module).__name__
    params = sum(p.numel() for p in module.parameters())
    print(f"wrote {out}: {net!r} as a PyTorch {kind} with {params} weights{_carried(net)}")
    return 0


def _carried(net) -> str:
    """What the .pt file holds of the network's optimizer, in words."""
    bridge = _bridge()
    chosen = bridge.optimizer_of(net)
    if chosen is None:
        if any(link.state is not None and not link.state.fresh for link in net.links):
            return "; its links' optimizer state is in the network text (it names no optimizer)"
        return ""
    try:
        name, _ = bridge.torch_counterpart(chosen)
    except LernpyError as error:
        return f"; its optimizer state is in the network text only: {error}"
    return f", and {chosen.describe()}'s state as torch.optim.{name}"


def _import(args: argparse.Namespace) -> int:
    from lernpy.data.netfile import save

    bridge = _bridge()
    net = bridge.load(args.model)
    out = args.output or _default(args.model, ".json")
    save(net, out)
    chosen = bridge.optimizer_of(net)
    print(f"wrote {out}: {net!r}" + (f", with {chosen.describe()}'s state" if chosen else ""))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add export and import to the ``lernpy`` parser."""
    p = sub.add_parser(
        "export",
        help="write a saved network as a PyTorch .pt file (needs lernpy[torch])",
        description="Write a network as a PyTorch .pt file: torch.save of its state dict, "
        "the architecture lernpy needs, and the optimizer the file names (lernpy train records "
        "it) as torch.optim's, with its state. In Python: lernpy.torch.save(net, path).",
        epilog="example: lernpy export xor.json -o xor.pt",
    )
    p.add_argument("network", metavar="NET.json")
    p.add_argument("--output", "-o", metavar="NET.pt", help="where to write (default: NET.pt)")
    p.set_defaults(func=_export)

    p = sub.add_parser(
        "import",
        help="read a .pt file lernpy export or lernpy.torch.save wrote (needs lernpy[torch])",
        description="Read a .pt file (loaded with weights_only=True: no pickled objects) and "
        "save it as a lernpy network file.",
        epilog="example: lernpy import model.pt -o net.json",
    )
    p.add_argument("model", metavar="MODEL.pt")
    p.add_argument(
        "--output", "-o", metavar="NET.json", help="where to write (default: MODEL.json)"
    )
    p.set_defaults(func=_import)
