"""Loading samples from CSV files, splitting them, and standardising inputs.

A CSV file becomes a list of samples ``(inputs, targets)``. The first row is a
header when any of its fields is not a number. Lines starting with ``#`` are
comments and blank lines are skipped. The target is the last column unless you
choose others; a target column holding words (such as iris species) is a class
label and becomes one-hot targets, with the class names kept in order.

Every error names the file, the line and the column, says what was expected,
and nothing is returned.

>>> import io
>>> data = read_csv(io.StringIO("a,b,kind\\n1,2,cat\\n3,4,dog\\n"), name="pets.csv")
>>> data.samples
[((1.0, 2.0), (1.0, 0.0)), ((3.0, 4.0), (0.0, 1.0))]
>>> data.classes
('cat', 'dog')
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from lernpy import checks
from lernpy.checks import short
from lernpy.data.datasets import one_hot
from lernpy.errors import LernpyError
from lernpy.files import read_text, write_atomically
from lernpy.graph.samples import Sample, check_pairs

__all__ = [
    "CSVData",
    "CSVError",
    "Standardizer",
    "read_csv",
    "read_inputs",
    "read_labelled",
    "split",
    "write_csv",
]

_MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}


class CSVError(LernpyError):
    """A CSV file that cannot be read as samples; names the file, line and column."""

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        column: int | None = None,
        column_name: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.column_name = column_name
        self.reason = message
        where = [path]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            label = f"column {column}"
            if column_name is not None and column_name != f"col{column}":
                label += f" ({column_name!r})"
            where.append(label)
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass
class CSVData:
    """Samples read from a CSV file, with the names needed to read more like them."""

    path: str
    input_names: tuple[str, ...]
    target_names: tuple[str, ...]  # one per target value: the class names when one-hot
    target_columns: tuple[str, ...]  # the CSV columns the targets came from
    classes: tuple[str, ...] | None  # class names in one-hot order, or None
    samples: list[Sample] = field(repr=False)
    lines: list[int] = field(repr=False)  # the file line of each sample
    has_header: bool = True

    def __len__(self) -> int:
        return len(self.samples)

    def label(self, targets: Sequence[float]) -> str:
        """The class name of one-hot ``targets`` (the largest entry)."""
        if self.classes is None:
            raise LernpyError(f"{self.path}: the targets are numbers, not classes")
        best = max(range(len(targets)), key=lambda i: targets[i])
        return self.classes[best]


def _is_word(text: str) -> bool:
    """Not a number at all (a non-finite number such as "inf" is still a number)."""
    try:
        float(text)
    except ValueError:
        return True
    return False


def _number(text: str) -> float | None:
    """``text`` as a finite float, or None if it is not one."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class _Rows:
    path: str
    names: list[str]
    has_header: bool
    header_line: int | None
    rows: list[list[str]]
    lines: list[int]


def _read_rows(source: str | os.PathLike[str] | TextIO, name: str | None) -> _Rows:
    """Split a CSV file into stripped fields, skipping comments and blank lines."""
    if isinstance(source, (str, os.PathLike)):
        path = name or os.fspath(source)
        text = read_text(
            source, lambda reason: CSVError(reason, path=path), "a CSV file", "utf-8-sig"
        )
    elif callable(getattr(source, "read", None)):
        path = name if isinstance(name, str) else str(getattr(source, "name", "<csv>"))
        try:
            text = source.read()
        except (OSError, ValueError) as exc:  # a closed file, a file opened for writing
            raise CSVError(f"cannot be read ({exc})", path=path) from None
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise CSVError(f"is not UTF-8 text ({exc.reason})", path=path) from None
        if not isinstance(text, str):
            raise CSVError(f"read() gave {short(text)}: expected text", path=path)
    else:
        raise CSVError(
            f"expected a file name, a Path or an open text file, got {short(source)}",
            path="<csv>",
        )
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            fields = [f.strip() for f in row]
            if not any(fields) or fields[0].startswith("#"):
                continue
            rows.append(fields)
            lines.append(line)
    except csv.Error as exc:
        raise CSVError(f"is not valid CSV ({exc})", path=path, line=reader.line_num) from None
    if not rows:
        raise CSVError("is empty: expected a header or rows of numbers", path=path)
    first = rows[0]
    # A header has a word where the data below it has numbers (or only words). A word is
    # text that is no number at all: a missing value ("?", "NA", "") or "inf" is not one,
    # so a first row of data with a gap stays data (and is named as missing a number).
    later = rows[1:6]
    words = [i for i, f in enumerate(first) if _is_word(f) and f.lower() not in _MISSING]
    has_header = bool(words) and (
        len(words) == len(first)
        or any(any(i < len(r) and _number(r[i]) is not None for r in later) for i in words)
    )
    if has_header:
        names = first
        for col, label in enumerate(names, start=1):
            if not label:
                raise CSVError(
                    "header has an empty column name", path=path, line=lines[0], column=col
                )
            if names.index(label) != col - 1:
                raise CSVError(
                    f"header names column {label!r} twice", path=path, line=lines[0], column=col
                )
        header_line: int | None = lines[0]
        rows, lines = rows[1:], lines[1:]
        if not rows:
            raise CSVError("has a header but no data rows", path=path, line=header_line)
    else:
        names = [f"col{i}" for i in range(1, len(first) + 1)]
        header_line = None
    for row, line in zip(rows, lines, strict=True):
        if len(row) != len(names):
            raise CSVError(
                f"ragged row: {len(row)} fields, expected {len(names)} like the "
                f"{'header' if has_header else 'first row'}",
                path=path,
                line=line,
            )
    return _Rows(path, names, has_header, header_line, rows, lines)


def _choices(value: object, what: str, path: str, names: bool = False) -> list:
    """Columns chosen by name or number (or, with ``names``, class names), as a list."""
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise CSVError(
            f"{what} is {short(value)}: expected a list of "
            + ("class names" if names else "column names or numbers"),
            path=path,
        )
    try:
        chosen = list(value)
    except TypeError:  # a 0-d numpy array claims to be iterable
        raise CSVError(f"{what} is {short(value)}: expected a list", path=path) from None
    for item in chosen:
        ok = isinstance(item, str) or (
            not names and isinstance(item, numbers.Integral) and not isinstance(item, bool)
        )
        if not ok:
            raise CSVError(f"{what} holds {short(item)}: expected names or numbers", path=path)
    return chosen


def _column(rows: _Rows, wanted: str | int) -> int:
    """The 0-based index of a column chosen by name or by 1-based number (negative from the end)."""
    count = len(rows.names)
    if isinstance(wanted, bool) or not isinstance(wanted, (str, numbers.Integral)):
        raise CSVError(f"cannot choose a column with {short(wanted)}", path=rows.path)
    if isinstance(wanted, numbers.Integral):
        wanted = int(wanted)
        index = wanted - 1 if wanted > 0 else count + wanted
        if wanted == 0 or not 0 <= index < count:
            raise CSVError(
                f"no column number {wanted}: the file has {count} columns",
                path=rows.path,
                line=rows.header_line,
            )
        return index
    if wanted in rows.names:
        return rows.names.index(wanted)
    text = str(wanted).strip()
    if text.lstrip("-").isdigit():
        return _column(rows, int(text))
    known = ", ".join(rows.names)
    raise CSVError(
        f"unknown column {wanted!r}: the columns are {known}", path=rows.path, line=rows.header_line
    )


def _numbers(rows: _Rows, columns: Sequence[int]) -> list[tuple[float, ...]]:
    result = []
    for row, line in zip(rows.rows, rows.lines, strict=True):
        values = []
        for col in columns:
            text = row[col]
            value = _number(text)
            if value is None:
                if text.lower() in _MISSING:
                    problem = f"missing value {text!r}" if text else "missing value"
                    message = f"{problem}: expected a number"
                elif _number(text.replace(",", ".")) is not None or text.lower().lstrip("+-") in (
                    "inf",
                    "infinity",
                ):
                    message = f"expected a finite number with a '.' decimal point, got {text!r}"
                else:
                    message = f"expected a number, got {text!r}"
                raise CSVError(
                    message, path=rows.path, line=line, column=col + 1, column_name=rows.names[col]
                )
            values.append(value)
        result.append(tuple(values))
    return result


def _class_order(labels: Iterable[str]) -> tuple[str, ...]:
    """Class names sorted: numerically when they are all numbers, else alphabetically."""
    unique = set(labels)
    if all(_number(label) is not None for label in unique):
        return tuple(sorted(unique, key=lambda label: (float(label), label)))
    return tuple(sorted(unique))


def read_csv(
    source: str | os.PathLike[str] | TextIO,
    target: str | int | Sequence[str | int] | None = None,
    *,
    inputs: Sequence[str | int] | None = None,
    classes: bool | Sequence[str] | None = None,
    name: str | None = None,
) -> CSVData:
    """Read samples from a CSV file.

    ``target`` chooses the target column(s) by name or 1-based number (the
    last column by default); ``inputs`` chooses the input columns (the others
    by default). ``classes`` says whether the target is a class label: None
    decides by looking (any word makes it one), True forces it, False forbids
    it, and a list of names fixes the one-hot order. ``name`` is what errors
    call a file object.
    """
    rows = _read_rows(source, name)
    path = rows.path
    if isinstance(target, (str, numbers.Integral)) or target is None:
        targets = [target]
    else:
        targets = _choices(target, "target", path)
    if classes is not None and not isinstance(classes, bool):
        classes = [str(c) for c in _choices(classes, "classes", path, names=True)]
    if not targets:
        raise CSVError("no target column chosen", path=path)
    target_cols = [_column(rows, -1 if t is None else t) for t in targets]
    if inputs is None:
        input_cols = [i for i in range(len(rows.names)) if i not in target_cols]
    else:
        input_cols = [_column(rows, c) for c in _choices(inputs, "inputs", path)]
    for cols, what in ((target_cols, "target"), (input_cols, "input")):
        if len(set(cols)) != len(cols):
            raise CSVError(f"the same {what} column is chosen twice", path=path)
    overlap = set(target_cols) & set(input_cols)
    if overlap:
        col = min(overlap)
        raise CSVError(
            f"column {rows.names[col]!r} is chosen as both input and target",
            path=path,
            line=rows.header_line,
        )
    if not input_cols:
        raise CSVError("no input columns left: the file needs at least two columns", path=path)

    input_values = _numbers(rows, input_cols)
    target_column_names = tuple(rows.names[c] for c in target_cols)
    if classes is None:
        col = target_cols[0]
        # a word makes it a class label; "inf" or "1e999" is a number, and an error below
        categorical = len(target_cols) == 1 and any(
            _is_word(row[col]) and row[col].lower() not in _MISSING for row in rows.rows
        )
    else:
        categorical = classes is not False
    if categorical:
        if len(target_cols) != 1:
            raise CSVError("class labels need exactly one target column", path=path)
        col = target_cols[0]
        labels = []
        for row, line in zip(rows.rows, rows.lines, strict=True):
            if row[col] == "":
                raise CSVError(
                    "missing value: expected a class label",
                    path=path,
                    line=line,
                    column=col + 1,
                    column_name=rows.names[col],
                )
            labels.append(row[col])
        if isinstance(classes, bool) or classes is None:
            order = _class_order(labels)
        else:
            order = tuple(str(c) for c in classes)
            if len(set(order)) != len(order):
                raise CSVError(f"class names repeat in {order!r}", path=path)
            for label, line in zip(labels, rows.lines, strict=True):
                if label not in order:
                    raise CSVError(
                        f"unknown class {label!r}: expected one of {', '.join(order)}",
                        path=path,
                        line=line,
                        column=col + 1,
                        column_name=rows.names[col],
                    )
        index = {label: i for i, label in enumerate(order)}
        size = len(order)
        target_values = [
            tuple(1.0 if i == index[label] else 0.0 for i in range(size)) for label in labels
        ]
        target_names: tuple[str, ...] = order
        class_names: tuple[str, ...] | None = order
    else:
        target_values = _numbers(rows, target_cols)
        target_names = target_column_names
        class_names = None
    return CSVData(
        path=path,
        input_names=tuple(rows.names[c] for c in input_cols),
        target_names=target_names,
        target_columns=target_column_names,
        classes=class_names,
        samples=list(zip(input_values, target_values, strict=True)),
        lines=list(rows.lines),
        has_header=rows.has_header,
    )


def read_inputs(
    source: str | os.PathLike[str] | TextIO,
    input_names: Sequence[str],
    *,
    name: str | None = None,
) -> tuple[list[tuple[float, ...]], list[int]]:
    """Read only the input columns a network expects, by name (or by position without a header).

    Returns the input rows and the file line of each. With a header, the columns
    named ``input_names`` are used and any others (such as a target) are ignored;
    without one, the file must have at least that many columns and the first ones
    are used.
    """
    rows = _read_rows(source, name)
    try:
        input_names = checks.names(input_names, "input_names")
    except LernpyError as error:
        raise CSVError(str(error), path=rows.path) from None
    cols = _input_columns(rows, input_names)
    return _numbers(rows, cols), list(rows.lines)


def _input_columns(rows: _Rows, input_names: Sequence[str]) -> list[int]:
    """The columns holding ``input_names`` (by name, or the first ones without a header)."""
    if rows.has_header:
        missing = [n for n in input_names if n not in rows.names]
        if missing:
            raise CSVError(
                f"missing input column(s) {', '.join(missing)}: the network reads "
                f"{', '.join(input_names)}",
                path=rows.path,
                line=rows.header_line,
            )
        return [rows.names.index(n) for n in input_names]
    if len(rows.names) < len(input_names):
        raise CSVError(
            f"{len(rows.names)} columns, but the network needs {len(input_names)} inputs",
            path=rows.path,
            line=rows.lines[0],
        )
    return list(range(len(input_names)))


def read_labelled(
    source: str | os.PathLike[str] | TextIO,
    input_names: Sequence[str],
    target_names: Sequence[str],
    classes: Sequence[str] | None,
    outputs: int,
    *,
    name: str | None = None,
) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]] | None, list[int]]:
    """The inputs a network reads and, when the file has them, the targets it was trained on.

    The targets are found by name: a regression's target columns, or for a
    classifier the one other column whose every value is one of its ``classes``
    (one-hot, or 0/1 for a single output). Returns (inputs, targets or None, lines).

    >>> import io
    >>> text = "a,b,kind\\n1,2,cat\\n3,4,dog\\n"
    >>> read_labelled(io.StringIO(text), ["a", "b"], ["dog"], ["cat", "dog"], outputs=1)
    ([(1.0, 2.0), (3.0, 4.0)], [(0.0,), (1.0,)], [2, 3])
    """
    rows = _read_rows(source, name)
    used = _input_columns(rows, input_names)
    inputs, lines = _numbers(rows, used), list(rows.lines)
    rest = [i for i in range(len(rows.names)) if i not in used]
    if classes is not None:
        known = set(classes)
        found = [i for i in rest if all(row[i] in known for row in rows.rows)]
        if not found:
            return inputs, None, lines
        col = found[0]
        index = {label: k for k, label in enumerate(classes)}
        if outputs == 1:
            return inputs, [(1.0 if row[col] == classes[-1] else 0.0,) for row in rows.rows], lines
        return inputs, [one_hot(index[row[col]], len(classes)) for row in rows.rows], lines
    if rows.has_header:
        if not all(n in rows.names for n in target_names):
            return inputs, None, lines
        cols = [rows.names.index(n) for n in target_names]
    else:
        if len(rest) < outputs:
            return inputs, None, lines
        cols = rest[:outputs]
    return inputs, _numbers(rows, cols), lines


def write_csv(
    target: str | os.PathLike[str] | TextIO,
    samples: Sequence[Sample],
    input_names: Sequence[str],
    target_names: Sequence[str],
    classes: Sequence[str] | None = None,
) -> None:
    """Write samples as CSV with a header; with ``classes`` the target is one ``class`` column.

    Floats are written with ``repr`` so they read back exactly.
    """
    samples = check_pairs(samples, "samples")
    input_names = checks.names(input_names, "input_names")
    target_names = checks.names(target_names, "target_names")
    if classes is not None:
        classes = checks.names(classes, "classes")
    handle: TextIO
    close = False
    if isinstance(target, (str, os.PathLike)):
        # all the text first, then one atomic write: a failure leaves the old file as it was
        from lernpy.data.netfile import NetworkFileError  # its error, as before

        buffer = io.StringIO()
        write_csv(buffer, samples, input_names, target_names, classes)
        write_atomically(os.fspath(target), buffer.getvalue().encode("utf-8"), NetworkFileError)
        return
    elif callable(getattr(target, "write", None)):
        handle = target
    else:
        raise LernpyError(f"target is {short(target)}: expected a file name, a Path or a stream")
    try:
        writer = csv.writer(handle, lineterminator="\n")
        if classes is not None:
            writer.writerow([*input_names, "class"])
        else:
            writer.writerow([*input_names, *target_names])
        for inputs, targets in samples:
            if classes is not None:
                if len(targets) == 1:
                    label = classes[1] if targets[0] >= 0.5 else classes[0]
                else:
                    label = classes[max(range(len(targets)), key=lambda i: targets[i])]
                writer.writerow([*(repr(v) for v in inputs), label])
            else:
                writer.writerow([*(repr(v) for v in inputs), *(repr(v) for v in targets)])
    finally:
        if close:
            handle.close()


def split(
    samples: Sequence[Sample], test: float = 0.2, seed: int = 0, stratify: bool = False
) -> tuple[list[Sample], list[Sample]]:
    """Shuffle with ``random.Random(seed)`` and split off a ``test`` fraction.

    With ``stratify`` each distinct target keeps its share in both parts.
    Both parts get at least one sample when there are two or more.

    >>> train, held_out = split([((float(i),), (0.0,)) for i in range(10)], test=0.3, seed=1)
    >>> len(train), len(held_out)
    (7, 3)
    """
    if isinstance(test, bool) or not isinstance(test, numbers.Real) or not 0.0 < test < 1.0:
        raise LernpyError(f"test must be a fraction between 0 and 1, got {short(test)}")
    samples = check_pairs(samples, "samples")
    seed = checks.whole(seed, "seed")
    stratify = checks.flag(stratify, "stratify")
    if len(samples) < 2:
        raise LernpyError(f"cannot split {len(samples)} sample(s): need at least 2")
    rng = random.Random(seed)
    if stratify:
        groups: dict[tuple[float, ...], list[Sample]] = {}
        for sample in samples:
            groups.setdefault(tuple(sample[1]), []).append(sample)
        train: list[Sample] = []
        held: list[Sample] = []
        for key in sorted(groups):
            group = list(groups[key])
            rng.shuffle(group)
            cut = round(len(group) * test)
            held.extend(group[:cut])
            train.extend(group[cut:])
        rng.shuffle(train)
        rng.shuffle(held)
    else:
        shuffled = list(samples)
        rng.shuffle(shuffled)
        cut = round(len(shuffled) * test)
        held, train = shuffled[:cut], shuffled[cut:]
    if not held:
        held.append(train.pop())
    if not train:
        train.append(held.pop())
    return train, held


def _spread(values: list[float], column: int) -> tuple[float, float]:
    """The population mean and standard deviation of one column.

    Values near the largest float (±1e200: their squares overflow) are measured in
    units of the largest of them, so the result is the same, only without overflow.
    """
    count = len(values)
    try:
        mean = math.fsum(values) / count
        deviation = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / count)
        if math.isfinite(deviation):
            return mean, deviation
    except OverflowError:
        pass
    scale = max(abs(v) for v in values)
    scaled = [v / scale for v in values]
    mean = math.fsum(scaled) / count
    deviation = math.sqrt(math.fsum((v - mean) ** 2 for v in scaled) / count)
    mean, deviation = mean * scale, deviation * scale
    if not (math.isfinite(mean) and math.isfinite(deviation)):
        raise LernpyError(
            f"input {column + 1} spreads past the largest float: it cannot be standardised"
        )
    return mean, deviation


@dataclass(frozen=True)
class Standardizer:
    """Shift and scale each input to mean 0 and standard deviation 1.

    The statistics come from the training samples only and are saved with the
    network, so new inputs are scaled exactly as the training inputs were. A
    column that never varies is only shifted.

    >>> s = Standardizer.fit([((1.0, 5.0), (0.0,)), ((3.0, 5.0), (1.0,))])
    >>> s.mean, s.std
    ((2.0, 5.0), (1.0, 1.0))
    >>> s.inputs((3.0, 7.0))
    (1.0, 2.0)
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def fit(cls, samples: Sequence[Sample]) -> Standardizer:
        """Population mean and standard deviation of each input over ``samples``."""
        samples = check_pairs(samples, "samples")
        if not samples:
            raise LernpyError("cannot standardise an empty data set")
        width = len(samples[0][0])
        mean, std = [], []
        for i in range(width):
            m, deviation = _spread([x[i] for x, _ in samples], i)
            mean.append(m)
            # a constant column has no spread to divide by: leave its scale alone
            std.append(deviation if deviation > 1e-12 * max(1.0, abs(m)) else 1.0)
        mean = tuple(mean)
        return cls(mean, tuple(std))

    def inputs(self, x: Sequence[float]) -> tuple[float, ...]:
        """One input vector, standardised."""
        if len(x) != len(self.mean):
            raise LernpyError(f"expected {len(self.mean)} inputs to standardise, got {len(x)}")
        return tuple((v - m) / s for v, m, s in zip(x, self.mean, self.std, strict=True))

    def __call__(self, samples: Sequence[Sample]) -> list[Sample]:
        """Samples with standardised inputs and unchanged targets."""
        return [(self.inputs(x), tuple(t)) for x, t in samples]

    def to_dict(self) -> dict[str, list[float]]:
        """The statistics as plain lists, for saving."""
        return {"mean": list(self.mean), "std": list(self.std)}
