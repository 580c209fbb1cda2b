"""Training: epochs over whichever engine runs them, rate schedules, fit and predict.

>>> from lernpy.training import History, fit, train
"""

from lernpy.training.loop import EpochReport, History, train
from lernpy.training.workflow import fit, predict

__all__ = ["EpochReport", "History", "fit", "predict", "train"]
