"""The data subcommands of the command line: train, show, predict, datasets.

``register(sub)`` adds them to the ``lernpy`` parser (see ``lernpy/cli.py``).
Each sets ``func(args) -> int``; a :class:`~lernpy.errors.LernpyError` they
raise is printed on stderr by ``cli.main`` with exit code 1, and bad usage
exits with 2 (argparse).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

from lernpy.cli import arguments as types
from lernpy.cli.options import add_optimizer_arguments, optimizer_options
from lernpy.errors import FileError, LernpyError
from lernpy.files import write_atomically

__all__ = ["register"]


# ------------------------------------------------------------ argument types


def _hidden_activation(text: str) -> str:
    """A hidden layer's activation: any built in, but not softmax (it couples a layer)."""
    from lernpy.graph.activations import ACTIVATIONS

    if text not in ACTIVATIONS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected one of {', '.join(sorted(ACTIVATIONS))}"
        )
    if ACTIVATIONS[text].layerwise:
        raise argparse.ArgumentTypeError(
            f"{text} turns a whole layer into probabilities that sum to 1: it belongs on the "
            "output layer (--output softmax), not on hidden layers"
        )
    return text


# ------------------------------------------------------------------- train


def _train(args: argparse.Namespace) -> int:
    from lernpy.data.csvdata import Standardizer, read_csv, split
    from lernpy.data.netfile import save
    from lernpy.data.preprocessing import Preprocessing, layer_names
    from lernpy.graph.network import Network
    from lernpy.training.schedules import constant, parse_schedule
    from lernpy.training.workflow import confusion_matrix, fit, is_classification
    from lernpy.views.progress import confusion_table, history_table
    from lernpy.views.render import get_console

    target = args.target.split(",") if args.target and "," in args.target else args.target
    data = read_csv(args.data, target=target, classes=True if args.classes else None)
    classes = data.classes
    samples = data.samples
    outputs = len(samples[0][1])
    target_names = data.target_names
    if classes is None and outputs == 1 and is_classification(samples):
        classes = ("0", "1")  # a 0/1 target column: a binary classifier
    if classes is not None and len(classes) < 2:
        raise LernpyError(
            f"{data.path}: the target holds one class ({classes[0]}): "
            "a classifier needs at least two to tell apart"
        )
    two_outputs = (args.layers is not None and args.layers[-1] == 2) or args.output == "softmax"
    if classes is not None and len(classes) == 2 and outputs == 2 and not two_outputs:
        # two classes: one sigmoid output, the probability of the second class
        samples = [(x, (t[1],)) for x, t in samples]
        outputs, target_names = 1, (classes[1],)
    n_in = len(data.input_names)
    sizes = args.layers or [n_in, 8, outputs]
    if sizes[0] != n_in or sizes[-1] != outputs:
        hint = ""
        if classes is None and outputs == 1 and sizes[-1] > 1:
            hint = "; if the target holds class labels written as numbers, add --classes"
        raise LernpyError(
            f"--layers {','.join(map(str, sizes))} does not fit {data.path}: it has {n_in} input "
            f"column(s) ({_some(data.input_names)}) and {outputs} output(s) "
            f"({_some(target_names)}), so the sizes must run from {n_in} to {outputs}" + hint
        )
    if args.output is not None:
        output = args.output
    elif classes is not None:
        output = "softmax" if outputs > 1 else "sigmoid"
    else:
        output = "identity"
    if args.loss is not None:
        loss = args.loss
    elif classes is not None:
        loss = {"softmax": "cross_entropy", "sigmoid": "bce"}.get(output, "half_sse")
    else:
        loss = "half_sse"

    if args.test > 0.0:
        train, test = split(samples, test=args.test, seed=args.seed, stratify=classes is not None)
    else:
        train, test = list(samples), []
    mean = std = None
    if args.standardize:
        scaler = Standardizer.fit(train)
        mean, std = scaler.mean, scaler.std
    prep = Preprocessing(data.input_names, target_names, classes, mean, std)
    # the neurons take the file's column and class names: the views speak the data's words
    inputs, outputs_named = layer_names(data.input_names, target_names)
    names = [inputs, *_hidden_names(sizes), outputs_named]
    net = Network.layered(
        *sizes,
        activation=args.activation,
        output=output,
        loss=loss,
        seed=args.seed,
        init=args.init,
        names=names,
    )
    schedule = parse_schedule(args.schedule, args.rate) if args.schedule else constant(args.rate)
    log = fit(
        net,
        prep(train),
        prep(test) if test else None,
        epochs=args.epochs,
        rate=schedule,
        batch_size=args.batch,
        target_loss=args.target_loss,
        **optimizer_options(args),
        patience=args.patience,
        progress=True if args.progress else None,
    )
    net.preprocessing = prep
    print(net)
    get_console().print(history_table(log))
    if classes is not None:
        shown, what = (prep(test), "test") if test else (prep(train), "training")
        matrix = confusion_matrix(net, shown, classes=len(classes))
        get_console().print(confusion_table(matrix, classes, title=f"Confusion on the {what} data"))
    if args.save:
        path = save(net, args.save)
        print(f"saved to {path}")
    return 0


def _some(names: tuple[str, ...] | list[str], shown: int = 4) -> str:
    """A few names, then how many more: an error message stays one readable line."""
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f", … {len(names) - shown} more"


def _hidden_names(sizes: list[int]) -> list[list[str]]:
    """The builder's own names for hidden layers: h1… for one, h1_1… for several."""
    hidden = sizes[1:-1]
    if len(hidden) == 1:
        return [[f"h{j}" for j in range(1, hidden[0] + 1)]]
    return [[f"h{i}_{j}" for j in range(1, n + 1)] for i, n in enumerate(hidden, start=1)]


# ----------------------------------------------------------- show, predict


def _show(args: argparse.Namespace) -> int:
    from lernpy.data.netfile import load
    from lernpy.views import tables
    from lernpy.views.progress import history_table
    from lernpy.views.render import Fitted, get_console, summary

    net = load(args.network)
    console = get_console()
    console.print(summary(net))
    log = getattr(net, "training_log", None)
    if log is not None and log.epochs:
        console.print(history_table(log))
    ran = any(n.net or n.value for n in net.neurons if n.kind not in ("input", "bias"))
    if ran:
        console.print(Fitted(tables.neuron_grid(net)))
    else:  # a network read from a file holds no sample's numbers: no table of zeros
        console.print(
            "neurons: no sample has gone through yet; lernpy explain NET.json NAME "
            "--data FILE.csv --row N shows one"
        )
    if args.no_links:
        return 0
    if args.all_links or len(net.links) <= tables.LINK_LIMIT:
        console.print(Fitted(tables.link_grid(net) if ran else tables.weight_grid(net)))
    else:
        console.print(Fitted(tables.layer_grid(net)))
        console.print(f"{len(net.links)} links, summarised by layer: --all-links lists them")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from lernpy.data.csvdata import read_labelled
    from lernpy.data.netfile import load
    from lernpy.data.preprocessing import Preprocessing
    from lernpy.training.workflow import predict

    net = load(args.network)
    prep = getattr(net, "preprocessing", None)
    if prep is None:
        names = tuple(n.name for n in net.inputs)
        prep = Preprocessing(names, tuple(n.name for n in net.outputs))
    rows, targets, _ = read_labelled(
        args.data, prep.input_names, prep.target_names, prep.classes, len(net.outputs)
    )
    predictions = predict(net, rows, prep)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = [*prep.input_names, *prep.target_names]
    if prep.classes is not None and len(prep.target_names) == len(prep.classes):
        header = [*prep.input_names, *(f"p_{name}" for name in prep.target_names)]
    if prep.classes is not None:
        header.append("class")
    writer.writerow(header)
    for x, p in zip(rows, predictions, strict=True):
        row = [repr(v) for v in x] + [repr(v) for v in p.values]
        if p.label is not None:
            row.append(p.label)
        writer.writerow(row)
    if args.output in (None, "-"):
        sys.stdout.write(out.getvalue())
    else:  # all the text first, then one atomic write: a full disk leaves the old file
        write_atomically(args.output, out.getvalue().encode("utf-8"), FileError)
    if targets is not None:
        _report(net, prep, [(prep.inputs(x), t) for x, t in zip(rows, targets, strict=True)])
    return 0


def _report(net, prep, data: list) -> None:
    """The file had the targets: accuracy and confusion (or the loss), on stderr beside the CSV."""
    from rich.console import Console

    from lernpy.training.workflow import confusion_matrix, evaluate
    from lernpy.views.progress import confusion_table

    console = Console(stderr=True)
    loss, accuracy = evaluate(net, data)
    if prep.classes is None or accuracy is None:
        console.print(f"mean loss {loss:.6g} on {len(data)} samples of {net.loss_function.name}")
        return
    matrix = confusion_matrix(net, data, classes=len(prep.classes))
    console.print(confusion_table(matrix, prep.classes, title="Confusion on this file"))


# ---------------------------------------------------------------- datasets


def _datasets(args: argparse.Namespace) -> int:
    from lernpy.data import datasets
    from lernpy.data.csvdata import write_csv

    if args.name is None:
        if args.csv is not None:
            raise LernpyError("--csv needs a data set name: lernpy datasets NAME --csv FILE")
        width = max(map(len, datasets.DATASETS))
        for name, info in datasets.DATASETS.items():
            shape = f"{len(info.input_names)} in, {len(info.target_names)} out"
            print(f"{name:<{width}}  {shape:<13}  {info.summary}")
        return 0
    info = datasets.describe(args.name)
    data = datasets.make(info.name, n=args.n, seed=args.seed)
    if args.csv is None:
        print(f"{info.name}: {info.summary}; {len(data)} samples")
        print(f"inputs: {', '.join(info.input_names)}")
        print(f"targets: {', '.join(info.target_names)}")
        if info.classes is not None:
            print(f"classes: {', '.join(info.classes)}")
        print("write it out with --csv FILE (or --csv - for the terminal)")
        return 0
    if args.csv == "-":
        write_csv(sys.stdout, data, info.input_names, info.target_names, info.classes)
    else:
        try:
            write_csv(args.csv, data, info.input_names, info.target_names, info.classes)
        except OSError as exc:
            raise LernpyError(f"{args.csv}: cannot be written ({exc.strerror})") from None
        print(f"wrote {len(data)} samples to {args.csv}")
    return 0


# ---------------------------------------------------------------- register


def register(sub: argparse._SubParsersAction) -> None:
    """Add train, show, predict and datasets to the ``lernpy`` parser."""
    from lernpy.graph.activations import ACTIVATIONS
    from lernpy.graph.losses import LOSSES

    # pooling neurons belong to Network.convolutional's windows, not to a layered network
    acts = sorted(name for name in ACTIVATIONS if name not in ("max_pool", "avg_pool"))
    p = sub.add_parser(
        "train",
        help="train a network on a CSV file",
        description="Train a layered network on a CSV file and optionally save it.",
        epilog="example: lernpy train iris.csv --layers 4,8,3 --activation tanh --epochs 100 "
        "--rate 0.05 --save iris.json",
    )
    p.add_argument("data", metavar="DATA.csv", help="the CSV file (header optional)")
    p.add_argument("--target", help="target column name(s) or number (default: the last column)")
    p.add_argument("--classes", action="store_true", help="treat a numeric target as class labels")
    p.add_argument("--layers", type=types.sizes, help="layer sizes, inputs first, such as 4,8,3")
    hidden = [a for a in acts if not ACTIVATIONS[a].layerwise]
    p.add_argument(
        "--activation",
        default="tanh",
        type=_hidden_activation,
        metavar="{" + ",".join(hidden) + "}",
        help="hidden layers (tanh)",
    )
    p.add_argument("--output", choices=acts, help="output layer (default: from the target)")
    p.add_argument("--loss", choices=sorted(LOSSES), help="loss (default: from the target)")
    p.add_argument("--init", default="xavier", choices=("xavier", "he", "uniform"))
    p.add_argument("--epochs", type=types.positive, default=100, help="epochs, 1 or more (100)")
    p.add_argument("--rate", type=types.rate, default=0.1, help="learning rate (0.1)")
    p.add_argument(
        "--schedule", help="rate schedule: constant, step:FACTOR:EVERY or exponential:GAMMA"
    )
    p.add_argument("--batch", type=types.positive, default=1, help="batch size (1)")
    p.add_argument("--momentum", type=types.number, default=0.0, help="momentum (0)")
    add_optimizer_arguments(p)
    p.add_argument("--seed", type=int, default=0, help="seed for weights, split, shuffle (0)")
    p.add_argument(
        "--test", type=types.fraction, default=0.2, help="test fraction (0.2; 0 for none)"
    )
    p.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="scale inputs to mean 0, sd 1 with training statistics (default: yes)",
    )
    p.add_argument("--target-loss", type=types.number, help="stop at this training loss")
    p.add_argument(
        "--patience", type=types.positive, help="stop after this many epochs without gain"
    )
    p.add_argument("--progress", action="store_true", help="show a progress bar even when piped")
    p.add_argument(
        "--save", metavar="NET.json", type=types.path, help="save the trained network here"
    )
    p.set_defaults(func=_train)

    p = sub.add_parser(
        "show",
        help="summarise a saved network",
        description="Show a saved network: summary, training history, neurons and links.",
    )
    p.add_argument("network", metavar="NET.json")
    p.add_argument("--no-links", action="store_true", help="leave out the table of links")
    p.add_argument("--all-links", action="store_true", help="every link, also in a large network")
    p.set_defaults(func=_show)

    p = sub.add_parser(
        "predict",
        help="run a saved network on a CSV file",
        description="Predict with a saved network: writes CSV with the inputs, the outputs "
        "and (for classifiers) the class.",
    )
    p.add_argument("network", metavar="NET.json")
    p.add_argument("data", metavar="DATA.csv", help="columns named as in training (others ignored)")
    p.add_argument(
        "--output", "-o", metavar="OUT.csv", help="write here instead of stdout (- is stdout)"
    )
    p.set_defaults(func=_predict)

    p = sub.add_parser(
        "datasets",
        help="list the built-in data sets, or write one as CSV",
        description="List the built-in data sets, or describe one and write it out as CSV.",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="a data set (leave out to list them)")
    p.add_argument(
        "--csv", nargs="?", const="-", metavar="FILE", help="write it as CSV (to stdout if no FILE)"
    )
    p.add_argument("--n", type=types.positive, help="number of samples for generated sets")
    p.add_argument("--seed", type=int, default=0, help="seed for generated sets (0)")
    p.set_defaults(func=_datasets)
