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

from lernpy.data import csvdata, datasets, examples
from lernpy.data.netfile import load, save
from lernpy.errors import (
    BadValueError,
    Finished,
    Interrupted,
    LernpyError,
    NumericError,
    ShapeError,
    TopologyError,
    UnknownNameError,
)
from lernpy.graph.activations import Activation
from lernpy.graph.conv import Conv, Dense, Pool
from lernpy.graph.link import Link
from lernpy.graph.losses import Loss
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron
from lernpy.graph.shared import SharedWeight
from lernpy.graph.state import diff
from lernpy.training.loop import EpochReport, History, train
from lernpy.training.workflow import fit, predict
from lernpy.walk.gradcheck import GradCheck, gradcheck
from lernpy.walk.scheduler import Scheduler
from lernpy.walk.steps import (
    Delivered,
    EpochEnded,
    Fired,
    Learned,
    Presented,
    Scored,
    Sensed,
    Step,
    Updated,
)
from lernpy.walk.trace import Trace

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "BadValueError",
    "Conv",
    "Dense",
    "Delivered",
    "EpochEnded",
    "EpochReport",
    "Finished",
    "Fired",
    "GradCheck",
    "History",
    "Interrupted",
    "Learned",
    "LernpyError",
    "Link",
    "Loss",
    "Network",
    "Neuron",
    "NumericError",
    "Pool",
    "Presented",
    "Scheduler",
    "Scored",
    "Sensed",
    "SharedWeight",
    "ShapeError",
    "Step",
    "TopologyError",
    "Trace",
    "UnknownNameError",
    "Updated",
    "datasets",
    "diff",
    "examples",
    "gradcheck",
    "train",
    # data, files and workflow
    "csvdata",
    "fit",
    "load",
    "predict",
    "save",
]
