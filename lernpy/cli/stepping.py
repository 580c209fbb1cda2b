"""``lernpy step`` (an interactive stepper) and ``lernpy explain`` (the chain rule of a link).

At a terminal each key is a command (Enter: the next step; a key that takes an
argument, such as x, t, b or k, asks for it; ``:`` takes a whole command line);
``--lines`` or a pipe reads one command per line instead::

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
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from lernpy.cli.arguments import count, fraction, positive, rate
from lernpy.cli.options import add_optimizer_arguments, optimizer_options
from lernpy.cli.sources import add_data_options, choose_data, demo_data, load_network
from lernpy.data.examples import DEMOS
from lernpy.errors import Finished, Interrupted, LernpyError
from lernpy.files import text_out
from lernpy.graph.network import Network
from lernpy.graph.samples import Sample
from lernpy.views import render, tables
from lernpy.views.explain import describe_planned
from lernpy.views.tables import Grid
from lernpy.walk.scheduler import Scheduler
from lernpy.walk.steps import Step

if TYPE_CHECKING:
    # rich's Console, named through the module of views that imports rich
    from lernpy.views.render import Console


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
    ("x", "x NAME, explain", "the chain rule for a link, a neuron or a shared weight (x w5, x k1)"),
    ("w", "w, tree", "the network as a tree"),
    ("i", "i, info", "the network and the options"),
    ("k", "k [LINK], trace", "the last steps, or a link's updates (k w5)"),
    ("o", "o NAME VALUE, set", "set the rate, momentum or epochs (o rate 0.1, o epochs 3)"),
    ("f", "f FILE, save", "write the last table shown to FILE (.csv, .md or .tex)"),
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
    "set": "o",
    "save": "f",
    "help": "h",
    "?": "h",
    "quit": "q",
    "exit": "q",
}
GRAIN = {"j": "neuron", "l": "layer", "p": "phase", "s": "sample", "e": "epoch"}
SETTINGS = ("rate", "momentum", "epochs")  # also commands of their own: rate 0.1
# At a terminal these keys ask for their argument (Enter alone: the default)
PROMPTS = {
    "x": "explain which link or neuron? ",
    "t": "which layer or links? (Enter: all) ",
    "u": "which layer? (Enter: all) ",
    "b": "how many steps back? (Enter: 1) ",
    "k": "which link? (Enter: the last steps) ",
    "o": "set what? (rate 0.1, momentum 0.9, epochs 3) ",
    "f": "write the last table to which file? (.csv, .md or .tex) ",
}
EXPORTS = {".csv": "to_csv", ".md": "to_markdown", ".tex": "to_latex"}


def split_names(text: str) -> list[str]:
    """Names separated by commas or spaces; a comma inside brackets belongs to the name.

    >>> split_names("w5, h1->o1 k1 x1[1,2]→c1[1,1]")
    ['w5', 'h1->o1', 'k1', 'x1[1,2]→c1[1,1]']
    """
    names, current, depth = [], "", 0
    for char in text:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth <= 0 and (char == "," or char.isspace()):
            if current:
                names.append(current)
            current = ""
        else:
            current += char
    if current:
        names.append(current)
    return names


class Stepper:
    """Reads commands and moves a scheduler, printing what happens on ``console``."""

    def __init__(self, run: Scheduler, title: str, console: Console) -> None:
        self.run = run
        self.net = run.net
        self.title = title
        self.console = console
        self.last: Grid | None = None  # the last table shown, for f FILE

    # -- output --------------------------------------------------------------

    def say(self, obj: object, style: str | None = None) -> None:
        self.console.print(obj, style=style, soft_wrap=False, highlight=False)

    def table(self, grid: Grid) -> None:
        """Show a table and keep it for ``f FILE``."""
        self.last = grid
        self.say(render.Fitted(grid))

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
        if word.lower() in SETTINGS:  # "rate 0.1" is "o rate 0.1"
            key, rest = "o", f"{word.lower()} {rest}".strip()
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
                self._back(self._count(rest))
            elif key == "t":
                self.table(self._link_table(rest))
            elif key == "u":
                self.table(tables.neuron_grid(self.net, self._layer(rest, first=0)))
            elif key == "x":
                if not rest:
                    raise LernpyError("explain what? give a link or neuron name: x w5, x h1")
                self.say(render.explanation(self.net[rest]))
            elif key == "w":
                self.say(render.tree(self.net))
            elif key == "i":
                self.table(tables.summary_grid(self.run))
            elif key == "k":
                self.table(self._trace(rest))
            elif key == "o":
                self._set(rest)
            elif key == "f":
                self._save(rest)
            elif key == "h":
                self.help()
            else:
                self.say(f"unknown command {word!r}: h lists the commands")
        except Finished:
            self.say("finished: every epoch is done (b goes back, o epochs N adds more, q quits)")
        except LernpyError as error:
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

    @staticmethod
    def _count(rest: str) -> int:
        if not rest:
            return 1
        if not rest.isdigit() or int(rest) < 1:
            raise LernpyError(f"b takes a whole number of steps, such as b 3: got {rest!r}")
        return int(rest)

    def _layer(self, rest: str, first: int) -> int | None:
        """A layer number from ``first`` to the output layer (None for all)."""
        if not rest:
            return None
        last = len(self.net.layers) - 1
        if not rest.isdigit() or not first <= int(rest) <= last:
            raise LernpyError(f"no layer {rest!r}: the layers are {first} to {last}")
        return int(rest)

    def _link_table(self, rest: str) -> Grid:
        if not rest or rest.isdigit() or rest.lstrip("-").isdigit():
            return tables.link_grid(self.run, layer=self._layer(rest, first=1))
        return tables.link_grid(self.run, links=split_names(rest))

    def _trace(self, rest: str) -> Grid:
        trace = self.run.trace
        if trace is None:
            raise LernpyError("this run keeps no trace")
        if rest:
            shared = {weight.name for weight in self.net.shared_weights}
            name = rest if rest in shared else self.net.link(rest).name
            return tables.trace_grid(trace, name)
        return tables.trace_grid(trace)

    def _set(self, rest: str) -> None:
        """``o rate 0.1``, ``o momentum 0.9``, ``o epochs 3``: checked, then changed."""
        name, _, value = rest.partition(" ")
        name, value = name.strip().lower(), value.strip()
        if name not in SETTINGS or not value:
            raise LernpyError(
                f"set what? expected a setting and a value, such as o rate 0.1 "
                f"({', '.join(SETTINGS)}): got {rest!r}"
            )
        try:
            number: float = int(value) if name == "epochs" else float(value)
        except ValueError:
            kind = "a whole number" if name == "epochs" else "a number"
            raise LernpyError(f"{name} {value!r}: expected {kind}") from None
        self.run.set(**{name: number})
        self.say(f"{name} is now {value}")

    def _save(self, rest: str) -> None:
        """Write the last table shown to a file, its format from the file's ending."""
        if self.last is None:
            raise LernpyError("no table to write yet: show one first (t, u, k or i)")
        if not rest:
            raise LernpyError("write to which file? such as f table.csv (or .md, .tex)")
        path = Path(rest).expanduser()
        export = EXPORTS.get(path.suffix.lower())
        if export is None:
            raise LernpyError(f"{rest}: expected a file ending in {', '.join(EXPORTS)}")
        text = self.last.to_csv() if export == "to_csv" else getattr(self.last, export)()
        text_out(text, path)  # atomically; an error names the file
        self.say(f"wrote {self.last.title!r} to {rest}")

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
        """One key is one command; a key that takes an argument asks for it, : for a line."""
        print("step> ", end="", flush=True)
        try:
            key = self.keyboard.key()
            if key in ("\x04", "q"):  # Ctrl-D or q
                print("q")
                return None
            if key in PROMPTS:
                print(key)
                return f"{key} " + self.keyboard.line(PROMPTS[key])
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


def setup(args: argparse.Namespace) -> tuple[Network, list[Sample], float, str]:
    """The network, data, rate and a title for the ``step`` and ``explain`` commands."""
    net, rate, title = load_network(args.network)
    data = choose_data(args, net, None)
    if data is None:
        data = demo_data(args.network)
    if not data:
        raise LernpyError(
            f"{args.network}: no data to step through: "
            "give --sample, --data NAME or --data FILE.csv"
        )
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
        batch_size=args.batch_size,
        update=args.update,
        epochs=args.epochs,
        **optimizer_options(args),
    )
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    count = f"{len(data)} sample" + ("s" if len(data) > 1 else "")
    title = f"lernpy step: {title}; {count}, rate {rate:g}"
    keys = interactive and not args.lines and keys_work()
    Stepper(run, title, render.get_console()).loop(sys.stdin, interactive, keys)
    return 0


def _explain(args: argparse.Namespace) -> int:
    net, rate, _title = load_network(args.network)
    if args.name is None:
        labels = [f"{link.label} ({link.name})" if link.label else link.name for link in net.links]
        print("links:   " + ", ".join(labels))
        print("neurons: " + ", ".join(n.name for n in net.neurons))
        if net.shared_weights:
            shared = [f"{s.name} ({len(s.links)} links)" for s in net.shared_weights]
            print("shared:  " + ", ".join(shared))
        return 0
    net, data, rate, _title = setup(args)
    obj = net[args.name]  # an unknown name fails here, before any step
    if not 0 <= args.index < len(data):
        raise LernpyError(f"sample {args.index}: expected 0 to {len(data) - 1}")
    run = net.scheduler(data[args.index], rate=rate, **optimizer_options(args))
    run.run(until="update" if args.before_update else None)
    if args.format == "text":
        render.get_console().print(render.explanation(obj.explain()))
    else:
        print(obj.explain(format=args.format), end="" if args.format == "markdown" else "\n")
    return 0


def _common(p: argparse.ArgumentParser, default: str | None = "mazur") -> None:
    p.add_argument(
        "network",
        nargs="?" if default else None,
        default=default,
        help=f"a demo ({', '.join(DEMOS)}) or a saved network file"
        + (f" (default: {default})" if default else ""),
    )
    p.add_argument("--rate", type=rate, help="the learning rate (default: the demo's)")
    p.add_argument("--momentum", type=fraction, default=0.0, help="momentum (default 0)")
    add_optimizer_arguments(p)
    add_data_options(p)


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
        choices=("deferred", "immediate", "sequential"),
        default="deferred",
        help="update after every sensitivity is known (deferred) or link by link; "
        "sequential is the classic mistake of sending blame through the updated weight",
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
        help="the chain rule for one link, neuron or shared weight, every number substituted",
        description="Train one sample, then explain a link, neuron or shared weight: "
        "lernpy explain mazur w5, lernpy explain conv k1",
    )
    _common(p, default=None)
    p.add_argument(
        "name",
        nargs="?",
        help="a link (w5, h1->o1), a neuron (h1) or a shared weight (k1); leave out to list",
    )
    p.add_argument("--index", type=count, default=0, help="which sample of the data (default 0)")
    p.add_argument(
        "--format", choices=("text", "markdown", "latex"), default="text", help="default: text"
    )
    p.add_argument(
        "--before-update", action="store_true", help="stop after the backward pass, before updates"
    )
    p.set_defaults(func=_explain)
