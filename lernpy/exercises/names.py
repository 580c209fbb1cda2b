"""Names of the values an exercise asks for, in the textbook's notation, and their ASCII spellings.

Canonical names are the ones :func:`lernpy.views.explain.explain` prints:
``net_h1``, ``out_h1``, ``E``, ``E_o1``, ``∂E/∂out_o1``, ``∂out_o1/∂net_o1``,
``∂E/∂net_o1``, ``∂E/∂w5`` and ``new w5``; an update rule's values are its
symbol and the weight: ``b_w5`` (a velocity), ``v_w5``, ``m_w5``, ``m̂_w5``,
``v̂_w5``. A student may type them in ASCII (``mhat_w5``, ``m_hat_w5``, ``m^_w5``).

>>> canonical("dE/dw5"), canonical("d out_o1 / d net_o1"), canonical("w1_new")
('∂E/∂w5', '∂out_o1/∂net_o1', 'new w1')
>>> canonical("delta_o1"), canonical("E_total"), canonical("w5+")
('∂E/∂net_o1', 'E', 'new w5')
>>> canonical("mhat_w5") == canonical("m^_w5") == "m\u0302_w5"
True
"""

from __future__ import annotations

import re
import unicodedata

_NEW = [
    re.compile(r"^new[ _]?(?P<w>\S+)$"),
    re.compile(r"^(?P<w>[^\s∂]+?)(?:[ _]?new|\+|⁺|'|′|\(new\)| \(new\))$"),
]


def _compact(name: str) -> str:
    """Unicode folded, arrows and derivative signs spelled one way, no spaces around / or _."""
    s = unicodedata.normalize("NFC", name).strip()
    s = s.replace("->", "→").replace("δ", "delta_").replace("∂", "∂")
    s = re.sub(r"\s*([/→_])\s*", r"\1", s)
    s = re.sub(r"\s+", " ", s)
    return s


def canonical(name: str) -> str:
    """The canonical spelling of a value's name (not checked against any problem)."""
    if not isinstance(name, str):
        return repr(name)
    s = _compact(name)
    if s in ("E_total", "Etotal", "E_tot", "loss", "Loss"):
        return "E"
    m = re.fullmatch(r"delta_*(\w+)", s)
    if m:
        return f"∂E/∂net_{m.group(1)}"
    m = re.fullmatch(r"([mv])(?:\u0302|_?hat|\^)_(\S+)", s)  # Adam's m̂ and v̂
    if m:
        return f"{m.group(1)}\u0302_{m.group(2)}"
    # derivatives: ∂a/∂b, da/db, d a / d b
    m = re.fullmatch(r"(?:∂|d)\s?(.+?)/(?:∂|d)\s?(.+)", s)
    if m:
        top, bottom = m.group(1).strip(), m.group(2).strip()
        bottom = bottom.removeprefix("(").removesuffix(")")
        return f"∂{top}/∂{bottom}"
    for pattern in _NEW:
        m = pattern.fullmatch(s)
        if m:
            return f"new {m.group('w')}"
    return s


def ascii_name(name: str) -> str:
    """A canonical name as a student would type it: ``∂E/∂w5`` → ``dE/dw5``.

    >>> ascii_name("∂out_o1/∂net_o1"), ascii_name("m̂_w5")
    ('dout_o1/dnet_o1', 'mhat_w5')
    """
    return name.replace("∂", "d").replace("→", "->").replace("\u0302", "hat")
