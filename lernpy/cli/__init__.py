"""The command line: ``lernpy …`` and ``python -m lernpy …`` (one module per command group)."""

from lernpy.cli.main import main

__all__ = ["main"]
