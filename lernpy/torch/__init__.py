"""lernpy.torch: hand a network to PyTorch and take it back, every number kept.

An optional extra (``pip install "lernpy[torch]"``, or PyTorch's CPU build);
nothing else in lernpy imports PyTorch.

- :func:`to_torch` (``net`` → ``nn.Module``): the same function with the same
  weights; a layered network as ``nn.Sequential`` of ``nn.Linear`` and
  activations (``Linear.weight`` is :meth:`Network.matrix` without its bias
  column, ``Linear.bias`` that column), a network from the convolution builder
  as ``nn.Sequential`` of ``nn.Conv2d``, pooling, ``nn.Flatten`` and
  ``nn.Linear``, any other DAG (ties, an unrolled RNN) as a :class:`GraphModule`.
- :func:`torch_loss`: the network's loss as PyTorch computes it, mean over a batch.
- :func:`from_torch` (``nn.Module`` → ``net``): ``nn.Sequential`` stacks of
  ``nn.Linear`` and supported activations, convolutional ones the convolution
  builder can build, and every module ``to_torch`` makes.
- :func:`compare`: lernpy's ∂E/∂w beside autograd's ``.grad``, link by link.
- :func:`save`, :func:`load`, :func:`state_dict`, :func:`load_state_dict`:
  ``.pt`` files and state dicts; :func:`optimizer_to_torch`,
  :func:`optimizer_from_torch`: the state of SGD, AdaGrad, RMSProp, Adam and AdamW
  (:func:`torch_counterpart` and :func:`lernpy_counterpart` pair the optimizers).

The words side by side (one sample, loss E):

| lernpy | PyTorch |
|---|---|
| a neuron's ``net`` | the pre-activation ``z``: a ``Linear``'s output |
| a neuron's ``value`` | the activation's output |
| a neuron's ``error`` ∂E/∂value | the gradient at the activation's output |
| a neuron's ``sensitivity`` ∂E/∂net | ``z.grad`` (after ``z.retain_grad()``) |
| a link's ``sensitivity`` ∂E/∂w | its entry of ``weight.grad`` or ``bias.grad`` |
| a frozen link | ``requires_grad=False`` |
| a shared weight (``k1``, ``W[1,1]``) | one entry: ``.grad`` = Σ of its links' ∂E/∂w |
| max pooling (the first largest value wins) | ``nn.MaxPool2d``, or ``argmax`` then ``gather`` |
| a detached link (truncated BPTT) | its source value ``.detach()``-ed |
| ``rate``, ``momentum`` | ``torch.optim.SGD(lr=rate, momentum=momentum)`` |
| ``Adam(rate)``; ``state.m``, ``v``, ``t`` | ``Adam(lr=rate)``; ``exp_avg``, ``exp_avg_sq``, step |

>>> from lernpy import examples
>>> net = examples.mazur()
>>> model = to_torch(net)
>>> from_torch(model).weights() == net.weights()
True
"""

from __future__ import annotations

from lernpy.errors import LernpyError


class NoPyTorch(LernpyError, ImportError):
    """PyTorch is not installed: lernpy.torch needs it."""


try:
    import torch  # noqa: F401  (checked first, so that a missing PyTorch gets a clear error)
except ImportError as error:
    raise NoPyTorch(
        'lernpy.torch needs PyTorch, an optional extra: pip install "lernpy[torch]", or its '
        "CPU build only: pip install torch --index-url https://download.pytorch.org/whl/cpu"
    ) from error

from lernpy.torch.compare import Comparison, compare  # noqa: E402
from lernpy.torch.files import (  # noqa: E402
    TorchFileError,
    load,
    load_state_dict,
    save,
    state_dict,
)
from lernpy.torch.losses import TorchLoss, torch_loss  # noqa: E402
from lernpy.torch.modules import GraphModule, TorchError, places, to_torch  # noqa: E402
from lernpy.torch.optim import (  # noqa: E402
    lernpy_counterpart,
    optimizer_from_torch,
    optimizer_of,
    optimizer_to_torch,
    torch_counterpart,
)
from lernpy.torch.reading import from_torch  # noqa: E402

__all__ = [
    "Comparison",
    "GraphModule",
    "NoPyTorch",
    "TorchError",
    "TorchFileError",
    "TorchLoss",
    "compare",
    "from_torch",
    "load",
    "lernpy_counterpart",
    "load_state_dict",
    "optimizer_from_torch",
    "optimizer_of",
    "optimizer_to_torch",
    "places",
    "save",
    "state_dict",
    "to_torch",
    "torch_counterpart",
    "torch_loss",
]
