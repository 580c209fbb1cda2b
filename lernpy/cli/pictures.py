"""CLI subcommands for pictures: ``lernpy draw`` and ``lernpy lesson``.

``lernpy draw mazur -o net.svg`` writes the diagram; ``--boundary`` and
``--curves`` draw the decision boundary and the loss curves (in the terminal
when no ``-o`` is given). ``lernpy lesson mazur -o lesson.html`` writes a
self-contained page that replays training step by step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lernpy.cli.arguments import cells, count, fraction, path, positive, rate
from lernpy.cli.options import add_optimizer_arguments, optimizer_options
from lernpy.cli.sources import add_data_options, choose_data, demo_data, load_network
from lernpy.data.examples import DEMOS
from lernpy.errors import LernpyError


def _write(text: str, out: str | None) -> None:
    if out in (None, "-"):
        sys.stdout.write(text + "\n")
        return
    from lernpy.pictures import save

    save(text, out)
    print(f"wrote {out}", file=sys.stderr)


def _draw(args: argparse.Namespace) -> int:
    from lernpy import pictures

    net, _rate, _title = load_network(args.source)
    data = choose_data(args, net, None)
    if data is None:
        data = demo_data(args.source)  # a demo draws (and trains) on its own data
    history = getattr(net, "training_log", None)  # a saved network's own history
    if args.epochs:
        if not data:
            raise LernpyError("training needs data: give --data NAME or --sample")
        history = net.train(data, epochs=args.epochs, rate=args.rate, shuffle=False)
    if args.curves:
        if history is None:
            raise LernpyError(
                "--curves needs a history: a network file trained with one, or --epochs N"
            )
        if args.out:
            _write(pictures.curves_svg(history, log=args.log), args.out)
        else:
            from lernpy.views.charts import history_text, show

            show(history_text(history))
        return 0
    if args.boundary:
        if len(net.inputs) != 2:
            raise LernpyError(
                f"a decision boundary needs 2 inputs; this network has {len(net.inputs)}"
            )
        if args.out:
            svg = pictures.boundary_svg(net, data, resolution=args.resolution, hidden=args.hidden)
            _write(svg, args.out)
        else:
            from lernpy.pictures.boundary import boundary_grid, data_extent, point_class
            from lernpy.views.charts import boundary_text, show

            extent = data_extent(data)
            grid, (low, high) = boundary_grid(net, extent, min(args.resolution, 32))
            points = [(x[0], x[1], point_class(t)) for x, t in data or ()]
            show(boundary_text(grid, extent, points, low, high))
        return 0
    if data and not args.epochs:
        # Show the numbers of the first sample: its forward pass and sensitivities
        # (and, for --annotate update, one real update at --rate).
        rate = args.rate if args.annotate == "update" else 0.0
        net.scheduler([data[0]], rate=rate, trace=args.annotate == "update").run()
    labels = {"on": True, "off": False, "auto": None}[args.labels]
    try:
        svg = pictures.diagram_svg(
            net, annotate=args.annotate, highlight=args.highlight, labels=labels
        )
    except KeyError as error:
        raise LernpyError(str(error.args[0])) from error
    _write(svg, args.out)
    return 0


def _lesson(args: argparse.Namespace) -> int:
    from lernpy.pictures import write_lesson

    net, demo_rate, _title = load_network(args.source)
    data = choose_data(args, net, None)
    if data is None:
        data = demo_data(args.source)
        if data is not None and args.samples is None and DEMOS[args.source].lesson:
            data = data[: DEMOS[args.source].lesson]  # a big network: a sample or two
    if not data:
        raise LernpyError(
            f"a lesson needs data to replay: give --data NAME, --data FILE.csv or --sample "
            f"for {args.source}"
        )
    if args.samples:
        data = data[: args.samples]
    rate = args.rate if args.rate is not None else demo_rate
    title = args.title or f"lernpy lesson: {Path(args.source).stem}"
    path = write_lesson(
        args.out,
        net,
        data,
        rate=rate,
        title=title,
        max_steps=args.max_steps,
        epochs=args.epochs,
        update=args.update,
        **optimizer_options(args),
    )
    print(f"wrote {path}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``draw`` and ``lesson`` to the CLI."""
    p = sub.add_parser(
        "draw",
        help="draw a network, its decision boundary or its loss curves (SVG)",
        description="Draw a network (a demo name or a network file) as SVG, with the numbers of "
        "the first sample of its data; the boundary and the curves go to the terminal when no "
        "-o is given.",
    )
    p.add_argument("source", help=f"a demo ({', '.join(DEMOS)}) or a network file (net.json)")
    p.add_argument(
        "--labels",
        choices=("auto", "on", "off"),
        default="auto",
        help="link labels and neuron values: auto leaves them out above 40 links (hover instead)",
    )
    p.add_argument(
        "-o", "--out", type=path, help="write to this file (default: the SVG to stdout; - too)"
    )
    p.add_argument("--annotate", choices=("weight", "sensitivity", "update"))
    p.add_argument("--highlight", help="a link or neuron to mark, such as w5 or h1→o1")
    p.add_argument("--boundary", action="store_true", help="the output over the input plane")
    p.add_argument("--hidden", action="store_true", help="with --boundary: a map per hidden neuron")
    p.add_argument("--resolution", type=cells, default=40, help="boundary cells per side")
    p.add_argument(
        "--curves",
        action="store_true",
        help="loss (and accuracy) per epoch: the file's saved history, or --epochs N of training",
    )
    p.add_argument("--log", action="store_true", help="with --curves: a log scale")
    add_data_options(p)
    p.add_argument("--epochs", type=count, default=0, help="train this many epochs first")
    p.add_argument("--rate", type=rate, default=0.5)
    p.set_defaults(func=_draw)

    q = sub.add_parser(
        "lesson",
        help="write a self-contained HTML page that replays training step by step",
        description="Write one HTML file (no network access needed) replaying training of a "
        "demo or a network file: the diagram, step buttons, the per-link table, and the chain "
        "rule of any clicked link.",
    )
    q.add_argument(
        "source",
        nargs="?",
        default="mazur",
        help=f"a demo ({', '.join(DEMOS)}; default mazur) or a network file (net.json)",
    )
    q.add_argument("-o", "--out", type=path, default="lesson.html", help="the page to write")
    add_data_options(q)
    q.add_argument("--samples", type=positive, help="replay only the first N samples")
    q.add_argument("--rate", type=rate, help="learning rate (default: the demo's, else 0.5)")
    q.add_argument("--momentum", type=fraction, default=0.0)
    add_optimizer_arguments(q)
    q.add_argument("--update", choices=("deferred", "immediate", "sequential"), default="deferred")
    q.add_argument("--epochs", type=positive, default=1)
    q.add_argument("--max-steps", type=positive, default=5000, help="stop recording after N steps")
    q.add_argument("--title", help="the page's title")
    q.set_defaults(func=_lesson)
