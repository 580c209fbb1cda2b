"""Errors lernpy raises on purpose (placeholder until the core lands on main)."""


class LernpyError(Exception):
    """Base class for every error lernpy raises on purpose."""
