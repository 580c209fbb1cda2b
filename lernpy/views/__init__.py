"""Views: explanations, tables and their renderings (plain text, rich, HTML).

``explain``, ``tables`` and ``html`` are plain Python; only ``render``, ``progress``
and ``charts`` import rich, and only when a view is asked for.
"""
