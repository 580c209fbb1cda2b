"""lernpy's losses as PyTorch losses, with the reduction over a batch spelled out.

lernpy's loss E is one sample's; a batch's loss is the mean of its samples'
(``reduce="mean"``, the default) or their sum (``reduce="sum"``).
:func:`torch_loss` gives the same numbers, built on PyTorch's own losses:

| lernpy | one sample | PyTorch, for a batch of n samples (``reduction="mean"``) |
|---|---|---|
| ``half_sse`` | ½Σ(value − target)² | ``0.5 * nn.MSELoss(reduction="sum")(out, t) / n`` |
| ``mse`` | Σ(value − target)²/outputs | ``nn.MSELoss()(out, t)`` (mean over samples and outputs) |
| ``bce`` | −Σ[t·log v + (1−t)·log(1−v)] | ``nn.BCELoss(reduction="sum")(out, t) / n`` |
| ``bce_mean`` | −Σ[t·log v + (1−t)·log(1−v)]/outputs | ``nn.BCELoss()(out, t)`` |
| ``cross_entropy`` | −Σ t·log v | ``-(t * out.log()).sum() / n`` |

On the nets of a softmax output layer (the module without its last
``nn.Softmax``), ``cross_entropy`` is ``nn.CrossEntropyLoss()(nets, t)``.

Where lernpy fuses the output activation with the loss (sigmoid with ``bce``
or ``bce_mean``, softmax with ``cross_entropy``) it uses the exact ∂E/∂net
(value − target; value · Σtarget − target for softmax, for any targets) and
computes E from the nets; autograd gets there through the chain rule, equal to
about 1e-16 away from saturation.

>>> import torch
>>> from lernpy import examples
>>> loss = torch_loss(examples.mazur())
>>> loss
TorchLoss(half_sse: 0.5 * nn.MSELoss(reduction='sum')(out, t) / n)
>>> out = torch.tensor([0.75136507, 0.772928465], dtype=torch.float64)
>>> round(loss(out, torch.tensor([0.01, 0.99], dtype=torch.float64)).item(), 9)  # Mazur's E
0.298371109
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lernpy.graph.losses import LOSSES, TINY
from lernpy.graph.network import Network
from lernpy.torch.modules import TorchError, network

PYTORCH = {
    "half_sse": "0.5 * nn.MSELoss(reduction='sum')(out, t) / n",
    "mse": "nn.MSELoss()(out, t)",
    "bce": "nn.BCELoss(reduction='sum')(out, t) / n",
    "bce_mean": "nn.BCELoss()(out, t)",
    "cross_entropy": "-(t * out.log()).sum() / n",
}
SUMMED = {  # reduction="sum" (lernpy's reduce="sum"): the samples' losses added up
    "half_sse": "0.5 * nn.MSELoss(reduction='sum')(out, t)",
    "mse": "nn.MSELoss(reduction='sum')(out, t) / outputs",
    "bce": "nn.BCELoss(reduction='sum')(out, t)",
    "bce_mean": "nn.BCELoss(reduction='sum')(out, t) / outputs",
    "cross_entropy": "-(t * out.log()).sum()",
}


class TorchLoss(nn.Module):
    """lernpy's loss ``name`` over a batch: the mean of the samples' losses, or their sum."""

    def __init__(self, name: str, reduction: str = "mean") -> None:
        super().__init__()
        if name not in PYTORCH:
            raise TorchError(f"the loss {name!r} has no PyTorch counterpart")
        if not isinstance(reduction, str) or reduction not in ("mean", "sum"):
            raise TorchError(f"reduction is {reduction!r}: expected 'mean' or 'sum'")
        self.name = name
        self.reduction = reduction

    def forward(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if out.dim() == 1:
            out, target = out.unsqueeze(0), target.unsqueeze(0)
        if self.name == "half_sse":
            total = 0.5 * F.mse_loss(out, target, reduction="sum")
        elif self.name == "mse":
            total = F.mse_loss(out, target, reduction="sum") / out.shape[1]
        elif self.name == "bce":
            total = F.binary_cross_entropy(out, target, reduction="sum")
        elif self.name == "bce_mean":
            total = F.binary_cross_entropy(out, target, reduction="sum") / out.shape[1]
        else:  # cross_entropy, clamped as lernpy clamps it
            total = -(target * torch.log(out.clamp_min(TINY))).sum()
        return total / out.shape[0] if self.reduction == "mean" else total

    def extra_repr(self) -> str:
        text = (PYTORCH if self.reduction == "mean" else SUMMED)[self.name]
        return f"{self.name}: {text}"

    def __repr__(self) -> str:
        return f"TorchLoss({self.extra_repr()})"


def torch_loss(net: Network, reduction: str = "mean") -> TorchLoss:
    """``net``'s loss as a PyTorch module; ``reduction`` is lernpy's ``reduce`` ("mean", "sum")."""
    loss = network(net).loss_function
    if LOSSES.get(loss.name) is not loss:
        raise TorchError(f"the loss {loss.name!r} is not built in: PyTorch has no matching loss")
    return TorchLoss(loss.name, reduction)
