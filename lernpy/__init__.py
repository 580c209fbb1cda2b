"""lernpy: a neural network you can open up.

Neurons hold data, links move data. Every neuron and link is an object you can
hold, print and step through; the scheduler walks training one step at a time.

>>> from lernpy import examples
>>> net = examples.mazur()
>>> run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
>>> _ = run.run()
>>> round(net["w5"].weight, 8)
0.35891648
"""

from . import csvdata, datasets, examples, io, workflow
from .activations import Activation
from .errors import (
    BadValueError,
    Finished,
    LernpyError,
    NumericError,
    ShapeError,
    TopologyError,
    UnknownNameError,
)
from .gradcheck import GradCheck, gradcheck
from .io import load, save
from .link import Link
from .losses import Loss
from .network import Network
from .neuron import Neuron
from .scheduler import (
    Delivered,
    EpochEnded,
    Fired,
    Learned,
    Presented,
    Scheduler,
    Scored,
    Sensed,
    Step,
    Updated,
)
from .trace import Trace
from .training import EpochReport, History, train
from .workflow import fit, predict

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "BadValueError",
    "Delivered",
    "EpochEnded",
    "EpochReport",
    "Finished",
    "Fired",
    "GradCheck",
    "History",
    "Learned",
    "LernpyError",
    "Link",
    "Loss",
    "Network",
    "Neuron",
    "NumericError",
    "Presented",
    "Scheduler",
    "Scored",
    "Sensed",
    "ShapeError",
    "Step",
    "TopologyError",
    "Trace",
    "UnknownNameError",
    "Updated",
    "datasets",
    "examples",
    "gradcheck",
    "train",
    # data, files and workflow
    "csvdata",
    "fit",
    "io",
    "load",
    "predict",
    "save",
    "workflow",
]
