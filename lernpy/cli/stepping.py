"""``lernpy step`` (an interactive stepper) and ``lernpy explain`` (the chain rule of a link).

At a terminal each key is a command (Enter: the next step; x asks for a name;
``:`` takes a whole command line); ``--lines`` or a pipe reads one command per
line instead::

    printf 'p\\nt\\nx w5\\nq\\n' | lernpy step mazur

so a lesson can be scripted and tested. Each step taken is printed as one
line; after each command a line says what comes next.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from lernpy.cli.arguments import count, fraction, positive, rate
from lernpy.data import datasets, examples
from lernpy.errors import Finished, Interrupted, LernpyError, UnknownNameError
from lernpy.graph.network import Network
from lernpy.graph.samples import Sample
from lernpy.views import render
from lernpy.views.explain import describe_planned
from lernpy.walk.scheduler import Scheduler
from lernpy.walk.steps import Step

if TYPE_CHECKING:
    # rich's Console, named through the module of views that imports rich
    from lernpy.views.render import Console


@dataclass(frozen=True)
class Example:
    """A network to step through: how to build it, its data and its rate."""

    summary: str
    build: Callable[[], Network]
    data: Callable[[], list[Sample]]
    rate: float


EXAMPLES: dict[str, Example] = {
    "mazur": Example(
        "Mazur's 2-2-2 worked example, with the article's weights",
        examples.mazur,
        lambda: [examples.MAZUR_SAMPLE],
        examples.MAZUR_RATE,
    ),
    "xor": Example(
        "a 2-2-1 sigmoid network (seed 1) on the four XOR samples",
        lambda: Network.layered(2, 2, 1, activation="sigmoid", seed=1),
        datasets.xor,
        2.0,
    ),
}

# (keys, words, what it does); the first key is what `help` shows
COMMANDS: list[tuple[str, str, str]] = [
    ("n", "Enter, n, next", "the next step"),
    ("j", "j, neuron", "on to the next neuron that fires or senses"),
    ("l", "l, layer", "to the end of this layer (in this phase)"),
    ("p", "p, phase", "to the end of this phase (forward, loss, backward, update)"),
    ("s", "s, sample", "to the next sample"),
    ("e", "e, epoch", "to the end of the epoch"),
    ("r", "r, run", "to the end"),
    ("b", "b [N], back", "undo the last step (or the last N)"),
    ("t", "t [LAYER|LINKS], table", "the link table (t 2, t w5 w6, t h1->o1)"),
    ("u", "u [LAYER], neurons", "the neuron table"),
    ("x", "x NAME, explain", "the chain rule for a link or a neuron (x w5, x h1)"),
    ("w", "w, tree", "the network as a tree"),
    ("i", "i, info", "the network and the options"),
    ("k", "k [LINK], trace", "the last steps, or a link's updates (k w5)"),
    (":", ": COMMAND", "at a terminal, type a whole command (: t w5 w6, : b 3)"),
    ("h", "h, ?, help", "this help"),
    ("q", "q, quit", "leave (so does the end of the input)"),
]
ALIASES = {
    "": "n",
    "next": "n",
    "neuron": "j",
    "layer": "l",
    "phase": "p",
    "sample": "s",
    "epoch": "e",
    "run": "r",
    "back": "b",
    "table": "t",
    "links": "t",
    "neurons": "u",
    "explain": "x",
    "tree": "w",
    "info": "i",
    "trace": "k",
    "help": "h",
    "?": "h",
    "quit": "q",
    "exit": "q",
}
GRAIN = {"j": "neuron", "l": "layer", "p": "phase", "s": "sample", "e": "epoch"}


class Stepper:
    """Reads commands and moves a scheduler, printing what happens on ``console``."""

    def __init__(self, run: Scheduler, title: str, console: Console) -> None:
        self.run = run
        self.net = run.net
        self.title = title
        self.console = console

    # -- output --------------------------------------------------------------

    def say(self, obj: object, style: str | None = None) -> None:
        self.console.print(obj, style=style, soft_wrap=False, highlight=False)

    def _print_step(self, step: Step) -> None:
        self.say(render.step_line(step))

    def where(self) -> None:
        self.say(describe_planned(self.run.peek()), style="dim")

    def help(self) -> None:
        width = max(len(words) for _, words, _ in COMMANDS)
        for _, words, what in COMMANDS:
            self.say(f"  {words:<{width}}  {what}")

    # -- commands --------------------------------------------------------------

    def command(self, line: str) -> bool:
        """Carry out one command; False means quit."""
        word, _, rest = line.strip().partition(" ")
        key = ALIASES.get(word.lower(), word)
        rest = rest.strip()
        try:
            if key == "q":
                return False
            if key == "n":
                self._move(lambda: [self.run.step()])
            elif key in GRAIN:
                self._move(lambda: [self.run.step(GRAIN[key])])
            elif key == "r":
                self._move(self.run.run)
            elif key == "b":
                self._back(int(rest) if rest else 1)
            elif key == "t":
                self.say(self._link_table(rest))
            elif key == "u":
                self.say(render.neuron_table(self.net, int(rest) if rest else None))
            elif key == "x":
                if not rest:
                    raise LernpyError("explain what? give a link or neuron name: x w5, x h1")
                self.say(render.explanation(self.net[rest]))
            elif key == "w":
                self.say(render.tree(self.net))
            elif key == "i":
                self.say(render.summary(self.run))
            elif key == "k":
                self.say(self._trace(rest))
            elif key == "h":
                self.help()
            else:
                self.say(f"unknown command {word!r}: h lists the commands")
        except Finished:
            self.say("finished: every epoch is done (b goes back, q quits)")
        except (LernpyError, ValueError) as error:
            self.say(f"error: {error}")
        self.where()
        return True

    def _move(self, go: Callable[[], Iterable[Step]]) -> None:
        # every step a grain takes is printed as it happens, through the scheduler's show hook
        self.run.show = self._print_step
        try:
            go()
        finally:
            self.run.show = False

    def _back(self, count: int) -> None:
        for _ in range(count):
            step = self.run.back()
            self.say(render.step_line(step, undone=True))

    def _link_table(self, rest: str):
        if not rest:
            return render.link_table(self.run)
        if rest.isdigit():
            return render.link_table(self.run, layer=int(rest))
        names = rest.replace(",", " ").split()
        return render.link_table(self.run, links=names)

    def _trace(self, rest: str):
        trace = self.run.trace
        if trace is None:
            raise LernpyError("this run keeps no trace")
        if rest:
            return render.trace_table(trace, self.net.link(rest).name)
        return render.trace_table(trace)

    # -- the loop ------------------------------------------------------------------

    def loop(self, stream: TextIO, interactive: bool, keys: bool = False) -> None:
        """Read commands until q or the end: single keys, typed lines, or lines from a pipe."""
        self.say(self.title, style="bold")
        if keys:
            self.say("Keys: Enter or n the next step, p the next phase, x explain, h all, q quit.")
        else:
            self.say("Enter or n: the next step; h: every command; q: quit.")
        self.where()
        self.keyboard = Keyboard() if keys else None
        try:
            self._loop(stream, interactive, keys)
        except KeyboardInterrupt:
            raise Interrupted(
                f"stepping was interrupted; {describe_planned(self.run.peek())}"
            ) from None
        finally:
            if self.keyboard is not None:
                self.keyboard.close()

    def _loop(self, stream: TextIO, interactive: bool, keys: bool) -> None:
        while True:
            if keys:
                line = self._read_key_command()
                if line is None:
                    break
            elif interactive:
                try:
                    line = input("step> ")
                except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C: leave quietly
                    self.say("")
                    break
            else:
                line = stream.readline()
                if not line:
                    break
                line = line.rstrip("\n")
                self.say(f"> {line}", style="bold")
            if not self.command(line):
                break

    def _read_key_command(self) -> str | None:
        """One key is one command; x asks for a name, : for a whole command line."""
        print("step> ", end="", flush=True)
        try:
            key = self.keyboard.key()
            if key in ("\x04", "q"):  # Ctrl-D or q
                print("q")
                return None
            if key == "x":
                print("x")
                return "x " + self.keyboard.line("explain which link or neuron? ")
            if key == ":":
                return self.keyboard.line(":")
        except (EOFError, KeyboardInterrupt):
            print()
            return None
        if key == "":
            print()
            return "h"
        word = "n" if key in ("\r", "\n", " ") else key
        print(word)
        return word


class Keyboard:
    """The terminal in cbreak mode (keys arrive one by one) until closed; POSIX only."""

    def __init__(self) -> None:
        import termios
        import tty

        self._termios, self._tty = termios, tty
        self.fd = sys.stdin.fileno()
        self.saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)  # Ctrl-C still interrupts

    def key(self) -> str:
        """One key press ("" for a key with no command, such as an arrow)."""
        data = os.read(self.fd, 1)
        if not data:
            raise EOFError
        if data == b"\x1b":  # an escape sequence (arrow keys): drop what came with it
            while select.select([self.fd], [], [], 0.05)[0]:
                os.read(self.fd, 16)
            return ""
        while data[0] >= 0xC0 and len(data) < 4:  # the rest of a UTF-8 character
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                data += os.read(self.fd, 1)
        return data.decode("utf-8", "replace")

    def line(self, prompt: str) -> str:
        """A whole line, typed with the terminal's usual editing."""
        self._termios.tcsetattr(self.fd, self._termios.TCSADRAIN, self.saved)
        try:
            return input(prompt)
        finally:
            self._tty.setcbreak(self.fd)

    def close(self) -> None:
        self._termios.tcsetattr(self.fd, self._termios.TCSADRAIN, self.saved)


def keys_work() -> bool:
    """Single keys need a POSIX terminal on both ends."""
    try:
        import termios  # noqa: F401
        import tty  # noqa: F401
    except ImportError:
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()


# -- building what to step through ----------------------------------------------------


def _parse_sample(text: str) -> Sample:
    """``"0.05,0.1:0.01,0.99"`` → ``((0.05, 0.1), (0.01, 0.99))``."""
    if ":" not in text:
        raise LernpyError(f"sample {text!r}: expected INPUTS:TARGETS, such as 0.05,0.1:0.01,0.99")
    x, t = text.split(":", 1)
    try:
        return (
            tuple(float(v) for v in x.replace(",", " ").split()),
            tuple(float(v) for v in t.replace(",", " ").split()),
        )
    except ValueError as error:
        raise LernpyError(f"sample {text!r}: {error}") from None


def load_network(path: str) -> Network:
    """A saved network, through lernpy's file format (lernpy.data.netfile)."""
    try:
        from lernpy.data import netfile as network_io  # the JSON network files of the data commands
    except ImportError:
        raise LernpyError(f"cannot read {path}: this lernpy has no network files") from None
    return network_io.load(path)


def setup(args: argparse.Namespace) -> tuple[Network, list[Sample], float, str]:
    """The network, data, rate and a title for the ``step`` and ``explain`` commands."""
    name = args.network
    if name in EXAMPLES:
        example = EXAMPLES[name]
        net, data, rate, title = example.build(), example.data(), example.rate, example.summary
    elif Path(name).is_file():
        net, data, rate = load_network(name), [], 0.5
        title = f"{name}: {net!r}"
    else:
        raise UnknownNameError(
            f"no example or file named {name!r}: expected one of {', '.join(EXAMPLES)}, "
            "or a saved network file"
        )
    if getattr(args, "sample", None):
        data = [_parse_sample(s) for s in args.sample]
    if getattr(args, "data", None):
        data = datasets.make(args.data)  # the built-in data sets, by name
    if not data:
        raise LernpyError(f"{name}: no data to step through: give --sample or --data")
    if getattr(args, "rate", None) is not None:
        rate = args.rate
    return net, data, rate, title


def _step(args: argparse.Namespace) -> int:
    if sys.stdin is None:
        raise LernpyError("stdin is closed: step reads its commands from it (a terminal or a pipe)")
    net, data, rate, title = setup(args)
    run = net.scheduler(
        data,
        rate=rate,
        momentum=args.momentum,
        batch_size=args.batch_size,
        update=args.update,
        epochs=args.epochs,
    )
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    count = f"{len(data)} sample" + ("s" if len(data) > 1 else "")
    title = f"lernpy step: {title}; {count}, rate {rate:g}"
    keys = interactive and not args.lines and keys_work()
    Stepper(run, title, render.get_console()).loop(sys.stdin, interactive, keys)
    return 0


def _explain(args: argparse.Namespace) -> int:
    net, data, rate, _title = setup(args)
    if args.name is None:
        labels = [f"{link.label} ({link.name})" if link.label else link.name for link in net.links]
        print("links:   " + ", ".join(labels))
        print("neurons: " + ", ".join(n.name for n in net.neurons))
        return 0
    if not 0 <= args.index < len(data):
        raise LernpyError(f"sample {args.index}: expected 0 to {len(data) - 1}")
    obj = net[args.name]  # an unknown name fails here, before any work
    run = net.scheduler(data[args.index], rate=rate, momentum=args.momentum)
    run.run(until="update" if args.before_update else None)
    explanation = obj.explain()
    if args.format == "markdown":
        print(explanation.markdown(), end="")
    elif args.format == "latex":
        print(explanation.latex())
    else:
        render.get_console().print(render.explanation(explanation))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "network",
        nargs="?",
        default="mazur",
        help=f"an example ({', '.join(EXAMPLES)}) or a saved network file (default: mazur)",
    )
    p.add_argument("--rate", type=rate, help="the learning rate (default: the example's)")
    p.add_argument("--momentum", type=fraction, default=0.0, help="momentum (default 0)")
    p.add_argument(
        "--sample",
        action="append",
        metavar="INPUTS:TARGETS",
        help="a sample such as 0.05,0.1:0.01,0.99 (repeat for more)",
    )
    p.add_argument("--data", help="a built-in data set instead (lernpy datasets lists them)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``step`` and ``explain`` to the ``lernpy`` command."""
    p = sub.add_parser(
        "step",
        help="step through training one step at a time (reads commands, also from a pipe)",
        description="Step through training: one command per line (h lists them).",
    )
    _common(p)
    p.add_argument("--batch-size", type=positive, default=1, help="samples per update (default 1)")
    p.add_argument(
        "--update",
        choices=("deferred", "immediate"),
        default="deferred",
        help="update after every sensitivity is known (deferred) or link by link",
    )
    p.add_argument("--epochs", type=positive, default=1, help="epochs to step through (default 1)")
    p.add_argument(
        "--lines",
        action="store_true",
        help="at a terminal, read whole command lines instead of single keys",
    )
    p.set_defaults(func=_step)

    p = sub.add_parser(
        "explain",
        help="the chain rule for one link or neuron, every number substituted",
        description="Train one sample, then explain a link or neuron: lernpy explain mazur w5",
    )
    p.add_argument("network", help=f"an example ({', '.join(EXAMPLES)}) or a saved network file")
    p.add_argument(
        "name", nargs="?", help="a link (w5, h1->o1) or a neuron (h1); leave out to list"
    )
    p.add_argument("--index", type=count, default=0, help="which sample of the data (default 0)")
    p.add_argument(
        "--format", choices=("text", "markdown", "latex"), default="text", help="default: text"
    )
    p.add_argument(
        "--before-update", action="store_true", help="stop after the backward pass, before updates"
    )
    p.add_argument("--rate", type=rate, help="the learning rate (default: the example's)")
    p.add_argument("--momentum", type=fraction, default=0.0, help="momentum (default 0)")
    p.add_argument("--sample", action="append", metavar="INPUTS:TARGETS", help="a sample")
    p.add_argument("--data", help="a built-in data set instead (lernpy datasets lists them)")
    p.set_defaults(func=_explain)
