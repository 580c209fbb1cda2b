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

import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lernpy.graph.network import Network
    from lernpy.pictures.lesson import Lesson
    from lernpy.training.loop import History
    from lernpy.views.explain import Explanation
    from lernpy.views.tables import Grid
    from lernpy.walk.gradcheck import GradCheck
    from lernpy.walk.scheduler import Scheduler
    from lernpy.walk.steps import Step


class Shows:
    """Mix-in: an object that shows itself under rich (``__rich__``) and in Jupyter
    (``_repr_mimebundle_``: one HTML view and a short text fallback); a plain REPL
    uses the class's own ``__repr__``."""

    __slots__ = ()

    def __rich__(self) -> object:
        from lernpy.views.render import view

        return view(self)

    def _repr_html_(self) -> str:
        from lernpy.views.html import html

        return html(self)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """In a notebook: the HTML and a one-line text fallback, and nothing else.

        Where the shell shows no HTML (terminal IPython) this gives nothing, so the
        shell prints the plain ``__repr__`` as a plain REPL does.
        """
        if not _html_shown():
            return {}
        return {"text/plain": self._plain(), "text/html": self._repr_html_()}

    def _plain(self) -> str:
        """The short text a notebook keeps beside the HTML: the repr's first line."""
        return repr(self).split("\n", 1)[0]


def _html_shown() -> bool:
    """Does the running IPython shell (a Jupyter kernel) show HTML? False outside IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    formatter = getattr(shell, "display_formatter", None)
    return "text/html" in getattr(formatter, "active_types", ())


class Exports:
    """Mix-in: an object whose numbers form a table, exported for slides and handouts.

    ``table()`` is the :class:`~lernpy.views.tables.Grid`; ``to_csv``, ``to_markdown``
    and ``to_latex`` are its exports.
    """

    __slots__ = ()

    def table(self) -> Grid:
        """The numbers as a table (a :class:`~lernpy.views.tables.Grid`)."""
        return grid(self)

    def to_csv(self, file: object = None) -> str | None:
        """The table as CSV: the text, or None once written to ``file`` (a path or open file)."""
        return self.table().to_csv(file)

    def to_markdown(self) -> str:
        """The table as a Markdown (GitHub) table, with its title and notes."""
        return self.table().to_markdown()

    def to_latex(self, floating: bool = True) -> str:
        """The table as LaTeX (booktabs); ``floating=False``: the tabular alone."""
        return self.table().to_latex(floating=floating)


# -- the graph reaches the walk and training ------------------------------------


def scheduler(net: Network, data: object, **options: object) -> Scheduler:
    """``Network.scheduler``: a :class:`~lernpy.walk.scheduler.Scheduler` on ``data``."""
    from lernpy.walk.scheduler import Scheduler

    return Scheduler(net, data, **options)  # type: ignore[arg-type]


def trainer() -> Callable[..., History]:
    """``Network.train``'s function: :func:`lernpy.training.loop.train`.

    Handed over, not called through: training epoch by epoch calls it often, and
    a call that passes on its keyword options costs a copy of them.
    """
    global _train
    if _train is None:  # (imported once)
        from lernpy.training.loop import train as _train
    return _train


_train = None


def gradcheck(net: Network, sample: object, **options: object) -> GradCheck:
    """``Network.gradcheck``: :func:`lernpy.walk.gradcheck.gradcheck`."""
    from lernpy.walk.gradcheck import gradcheck

    return gradcheck(net, sample, **options)


# -- the core reaches the views ---------------------------------------------------


def explain(obj: object, format: str | None = None) -> Explanation | str:
    """``Link.explain``, ``Neuron.explain``, ``SharedWeight.explain``: the views' ``explain``."""
    from lernpy.views.explain import explain

    return explain(obj, format=format)  # type: ignore[arg-type]


def table(
    obj: object, what: str, layer: int | None = None, links: Iterable[str] | None = None
) -> Grid:
    """``Network.table`` and ``Scheduler.table``: :func:`lernpy.views.tables.table`."""
    from lernpy.views.tables import table

    return table(obj, what, layer=layer, links=links)  # type: ignore[arg-type]


def grid(obj: object, **options: object) -> Grid:
    """``table()`` of a trace, a query of one, a history, a series, a state: a Grid."""
    from lernpy.views.tables import grid

    return grid(obj, **options)


def picture(obj: object) -> str:
    """``Series.svg()``: :func:`lernpy.pictures.curves.series_svg`."""
    from lernpy.pictures.curves import series_svg

    return series_svg(obj)  # type: ignore[arg-type]


def lesson(net: Network, data: object, **options: object) -> Lesson:
    """``Network.lesson`` and ``Scheduler.lesson``: :class:`lernpy.pictures.lesson.Lesson`."""
    from lernpy.pictures.lesson import Lesson

    return Lesson(net, data, **options)


def show_step(step: Step, undone: bool = False) -> None:
    """The scheduler's ``show=True``: print one step as one line (with rich)."""
    from lernpy.views.render import show_step

    show_step(step, undone=undone)


def progress_bar(epochs: int, classify: bool) -> object:
    """``fit``'s progress bar (with rich), started and stopped by ``fit``."""
    from lernpy.views.progress import ProgressBar

    return ProgressBar(epochs, classify=classify)
