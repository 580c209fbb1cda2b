"""What ``step``, ``explain``, ``draw`` and ``lesson`` work on: a demo or a network file, and data.

Every command knows the same demos (``lernpy demo`` lists them:
:data:`lernpy.data.examples.DEMOS`). Data comes from the demo, from
``--sample INPUTS:TARGETS``, from a built-in data set (``--data xor``) or from a
CSV file (``--data FILE.csv``); ``--row N`` keeps one sample. A network saved
from ``lernpy train`` reads a CSV file by its column names and scales the inputs
as in training, so ``lernpy lesson net.json --data wine.csv --row 3`` replays
exactly what the network saw.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lernpy.data import datasets
from lernpy.data.examples import DEMOS
from lernpy.errors import LernpyError, UnknownNameError
from lernpy.graph.network import Network
from lernpy.graph.samples import Sample


def load_network(name: str) -> tuple[Network, float, str]:
    """A demo by name or a saved network file: the network, its rate, a title."""
    if name in DEMOS:
        demo = DEMOS[name]
        return demo.build(), demo.rate, demo.summary
    if Path(name).is_file():
        from lernpy.data.netfile import load

        net = load(name)
        return net, 0.5, f"{name}: {net!r}"
    raise UnknownNameError(
        f"{name!r} is neither a demo ({', '.join(DEMOS)}) nor a network file "
        "(lernpy demo lists the demos)"
    )


def demo_data(name: str) -> list[Sample] | None:
    """A demo's own data (None for a network file)."""
    return DEMOS[name].data() if name in DEMOS else None


def parse_sample(text: str) -> Sample:
    """``"0.05,0.1:0.01,0.99"`` → ``((0.05, 0.1), (0.01, 0.99))``.

    >>> parse_sample("0.05,0.1:0.01,0.99")
    ((0.05, 0.1), (0.01, 0.99))
    """
    if text.count(":") != 1:
        raise LernpyError(f"sample {text!r}: expected INPUTS:TARGETS, such as 0.05,0.1:0.01,0.99")
    x, t = text.split(":")
    try:
        return (
            tuple(float(v) for v in x.replace(",", " ").split()),
            tuple(float(v) for v in t.replace(",", " ").split()),
        )
    except ValueError:
        raise LernpyError(f"sample {text!r}: expected numbers such as 0.05,0.1:0.01,0.99") from None


def read_file(path: str, net: Network) -> list[Sample]:
    """Samples from a CSV file, read as the network reads its data.

    A network trained from a CSV file finds its columns by name and its target by
    its class names; any other network takes columns named like its input and
    output neurons, or else the first columns as inputs and the last as targets.
    """
    from lernpy.data.csvdata import read_csv, read_labelled

    prep = getattr(net, "preprocessing", None)
    outputs = len(net.outputs)
    if prep is not None:
        inputs, targets, _ = read_labelled(
            path, prep.input_names, prep.target_names, prep.classes, outputs
        )
    else:
        names = [n.name for n in net.inputs]
        try:
            inputs, targets, _ = read_labelled(
                path, names, [n.name for n in net.outputs], None, outputs
            )
        except LernpyError:  # no columns by those names: the last ones are the targets
            data = read_csv(path, target=list(range(-outputs, 0)))
            if len(data.input_names) != len(names):
                raise LernpyError(
                    f"{path}: {len(data.input_names)} input columns and {outputs} target "
                    f"column(s); the network reads {len(names)} inputs ({', '.join(names)})"
                ) from None
            inputs = [x for x, _ in data.samples]
            targets = [t for _, t in data.samples]
    if targets is None:
        wanted = (
            f"a column of the classes {', '.join(prep.classes)}"
            if prep is not None and prep.classes is not None
            else f"the target column(s) {', '.join(o.name for o in net.outputs)}"
        )
        raise LernpyError(f"{path}: no targets to learn from: expected {wanted}")
    return list(zip(inputs, targets))


def choose_data(
    args: argparse.Namespace, net: Network, default: list[Sample] | None
) -> list[Sample] | None:
    """The samples a command works on, in the network's own units (scaled as in training)."""
    data: list[Sample] | None
    raw = True
    if getattr(args, "sample", None):
        data = [parse_sample(s) for s in args.sample]
    elif getattr(args, "data", None):
        name = args.data
        if name.lower().endswith(".csv") or Path(name).is_file():
            data = read_file(name, net)
        else:
            data = datasets.make(name)
    else:
        data, raw = default, False
    prep = getattr(net, "preprocessing", None)
    if data is not None and raw and prep is not None:
        data = prep(data)  # raw measurements, scaled as the network saw them in training
    row = getattr(args, "row", None)
    if row is not None:
        if not data:
            raise LernpyError("--row needs data: give --data NAME or FILE.csv")
        if not 0 <= row < len(data):
            raise LernpyError(
                f"--row {row}: the data has {len(data)} samples, rows 0 to {len(data) - 1}"
            )
        data = [data[row]]
    return data


def add_data_options(p: argparse.ArgumentParser) -> None:
    """--sample, --data and --row, the same for every command."""
    p.add_argument(
        "--sample",
        action="append",
        metavar="INPUTS:TARGETS",
        help="a sample such as 0.05,0.1:0.01,0.99 (repeat for more)",
    )
    p.add_argument(
        "--data",
        metavar="NAME|FILE.csv",
        help="a built-in data set (lernpy datasets lists them) or a CSV file",
    )
    p.add_argument(
        "--row",
        type=_row,
        metavar="N",
        help="only the sample in row N of the data (counting from 0, as the trace does)",
    )


def _row(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a row number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: rows count from 0")
    return value


__all__ = ["add_data_options", "choose_data", "demo_data", "load_network", "parse_sample"]
