"""Shows: how lernpy's objects show themselves, without the user calling a render function.

A plain REPL uses each class's own ``__repr__``; rich calls ``__rich__``; Jupyter
calls ``_repr_html_``. Both hooks import their renderer only when called, so
the core never imports rich.
"""

from __future__ import annotations


class Shows:
    """Mix-in: ``__rich__`` renders with :mod:`lernpy.views.render`, ``_repr_html_`` with
    :mod:`lernpy.views.tables`."""

    __slots__ = ()

    def __rich__(self) -> object:
        from lernpy.views.render import view

        return view(self)

    def _repr_html_(self) -> str:
        from lernpy.views.tables import html

        return html(self)
