"""Hooks: the one way up from the core to the layers above it.

Imports point one way (see ``docs/architecture.md``): the graph knows nothing of
the walk, the walk nothing of training, and none of them knows the views. Yet a
learner in a REPL should be able to write ``net.train(data)``,
``net["w5"].explain()``, ``net.table()`` or ``net.scheduler(data, show=True)``, and see
any object drawn by rich or Jupyter. Those conveniences call the functions
here, and each function imports the module that does the work only when it is
called. This module is the only place where the core imports upward;
``tests/test_layout.py`` holds every other module to the rule.

>>> from lernpy import examples
>>> net = examples.mazur()
>>> type(net.scheduler(examples.MAZUR_SAMPLE)).__name__  # Network.scheduler comes through here
'Scheduler'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lernpy.graph.network import Network
    from lernpy.training.loop import History
    from lernpy.views.explain import Explanation
    from lernpy.views.tables import Grid
    from lernpy.walk.gradcheck import GradCheck
    from lernpy.walk.scheduler import Scheduler
    from lernpy.walk.steps import Step


class Shows:
    """Mix-in: an object that shows itself under rich (``__rich__``) and in Jupyter
    (``_repr_html_``); a plain REPL uses the class's own ``__repr__``."""

    __slots__ = ()

    def __rich__(self) -> object:
        from lernpy.views.render import view

        return view(self)

    def _repr_html_(self) -> str:
        from lernpy.views.html import html

        return html(self)


# -- the graph reaches the walk and training ------------------------------------


def scheduler(net: Network, data: object, **options: object) -> Scheduler:
    """``Network.scheduler``: a :class:`~lernpy.walk.scheduler.Scheduler` on ``data``."""
    from lernpy.walk.scheduler import Scheduler

    return Scheduler(net, data, **options)  # type: ignore[arg-type]


def train(net: Network, data: object, epochs: int, **options: object) -> History:
    """``Network.train``: :func:`lernpy.training.loop.train`."""
    from lernpy.training.loop import train

    return train(net, data, epochs=epochs, **options)  # type: ignore[arg-type]


def gradcheck(net: Network, sample: object, **options: object) -> GradCheck:
    """``Network.gradcheck``: :func:`lernpy.walk.gradcheck.gradcheck`."""
    from lernpy.walk.gradcheck import gradcheck

    return gradcheck(net, sample, **options)


# -- the core reaches the views ---------------------------------------------------


def explain(obj: object) -> Explanation:
    """``Link.explain``, ``Neuron.explain``, ``SharedWeight.explain``: the views' ``explain``."""
    from lernpy.views.explain import explain

    return explain(obj)  # type: ignore[arg-type]


def table(
    obj: object, what: str, layer: int | None = None, links: Iterable[str] | None = None
) -> Grid:
    """``Network.table`` and ``Scheduler.table``: :func:`lernpy.views.tables.table`."""
    from lernpy.views.tables import table

    return table(obj, what, layer=layer, links=links)  # type: ignore[arg-type]


def show_step(step: Step, undone: bool = False) -> None:
    """The scheduler's ``show=True``: print one step as one line (with rich)."""
    from lernpy.views.render import show_step

    show_step(step, undone=undone)


def progress_bar(epochs: int, classify: bool) -> object:
    """``fit``'s progress bar (with rich), started and stopped by ``fit``."""
    from lernpy.views.progress import ProgressBar

    return ProgressBar(epochs, classify=classify)
