"""Names: the rules for neuron names and link labels, checked wherever a name enters.

A name is text that

- is read in Unicode's composed form (NFC): ``"hü"`` typed either way is one name;
- holds no control or format character (Unicode categories Cc, Cf, Cs, Zl, Zp: no
  newline, tab, escape sequence, bidirectional override or zero-width space), so it
  prints as what it is;
- uses the plain space as its only whitespace, never at the start or the end;
- holds no arrow (``→`` or ``->``): the arrow joins two names into a link's name,
  ``h1→y1``, and splits it again;
- is not empty.

Everything else is allowed, punctuation included: ``h1@t3``, ``c1[2,3]``, ``Größe``.
The constructors, the mutators and the network file's loader all use
:func:`check_name`, so a name one of them accepts, the others accept too.
:func:`shown` is for views: it escapes whatever the rules would refuse, so a name
that came in some other way (an attribute set by hand) still prints harmlessly.

>>> check_name("hu\\u0308") == "h\\u00fc"
True
>>> check_name("h1 ", "neuron name")
Traceback (most recent call last):
lernpy.errors.TopologyError: neuron name 'h1 ': a space at the start or the end; names are trimmed
>>> link_name(" h1 -> y1 ")
'h1→y1'
"""

from __future__ import annotations

import unicodedata

from lernpy.errors import TopologyError

ARROW = "→"
ASCII_ARROW = "->"
# control, format, surrogate, line and paragraph separator
REFUSED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def problem(name: object) -> str | None:
    """What is wrong with ``name`` as a name (None if nothing is); ``name`` is taken as given."""
    if not isinstance(name, str):
        return f"expected text, got {type(name).__name__}"
    if not name:
        return "empty: expected a name such as 'h1'"
    for char in name:
        category = unicodedata.category(char)
        if category in REFUSED:
            return f"holds the control character {ascii(char)}; names are printable text"
        if category == "Zs" and char != " ":
            return f"holds the space {ascii(char)}; the plain space is the only one allowed"
    if name != name.strip(" "):
        return "a space at the start or the end; names are trimmed"
    if ARROW in name or ASCII_ARROW in name:
        return "holds an arrow (→ or ->), which joins two names into a link's name"
    return None


def check_name(name: object, what: str = "name", where: str = "") -> str:
    """``name`` in NFC as a plain ``str``, or a TopologyError saying which rule it breaks.

    The message reads ``{what} {name!r}{where}: {the rule}`` ("label 5 for link h1→y1: …").
    """
    if isinstance(name, str):
        name = unicodedata.normalize("NFC", str(name))
    reason = problem(name)
    if reason is not None:
        raise TopologyError(f"{what} {shown(repr(name))}{where}: {reason}")
    return name  # type: ignore[return-value]


def normal(name: str) -> str:
    """A name as it is looked up: in NFC."""
    return unicodedata.normalize("NFC", name)


def link_name(text: str) -> str:
    """The canonical spelling of a link's name: ``h1 -> y1`` and ``h1→y1`` become ``h1→y1``.

    The arrow splits it (names hold none), spaces around each name go, and each
    side is put in NFC. Text without an arrow comes back in NFC, trimmed.
    """
    text = normal(text).replace(ASCII_ARROW, ARROW)
    source, arrow, target = text.partition(ARROW)
    if not arrow:
        return text.strip(" ")
    return f"{source.strip(' ')}{ARROW}{target.strip(' ')}"


def shown(text: str) -> str:
    """``text`` with every character a name may not hold escaped (``\\x1b``, ``\\n``, ``\\u202e``).

    For views: a terminal, an SVG or a page shows the escape, never obeys it.
    """
    if text.isprintable():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) in REFUSED or (
            unicodedata.category(char) == "Zs" and char != " "
        ):
            out.append(ascii(char)[1:-1])
        else:
            out.append(char)
    return "".join(out)
