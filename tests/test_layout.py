"""The layout is the architecture: imports point one way, and every documented name imports.

The layers, lowest first (docs/architecture.md draws them):

    base      errors, files, checks
    graph     graph/ (neurons, links, network, builders, samples), hooks
    optim     optim/ (optimizers: each weight's update rule and state)
    walk      walk/ (plan, steps, scheduler, fastlane, lane, trace, gradcheck, mistakes)
    engines   engines/ (compiled, numpy)
    training  training/ (train, schedules, fit)
    data      data/ (data sets, CSV, preprocessing, the network file, examples)
    views     views/ (explain, tables, html, rich renderers), pictures/
    course    exercises/ (problems from a seed, sheets and keys, the checker, the auditor)
    bridge    torch/ (lernpy.torch: to and from PyTorch, an optional extra)
    cli       cli/

A module may import from its own layer and the layers below. The one way up is
``lernpy.hooks``: its functions import upward when called, and no other module
does (type hints under ``if TYPE_CHECKING:`` are not imports at run time).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lernpy"

LAYERS = [
    ("base", ["lernpy.errors", "lernpy.files", "lernpy.numbers", "lernpy.checks"]),
    ("graph", ["lernpy.graph", "lernpy.hooks"]),
    ("optim", ["lernpy.optim"]),
    ("walk", ["lernpy.walk"]),
    ("engines", ["lernpy.engines"]),
    ("training", ["lernpy.training"]),
    ("data", ["lernpy.data"]),
    ("views", ["lernpy.views", "lernpy.pictures"]),
    ("course", ["lernpy.exercises"]),
    ("bridge", ["lernpy.torch"]),
    ("cli", ["lernpy.cli"]),
]
TOP = {"lernpy", "lernpy.__main__"}  # the public face: re-exports every layer
HOOKS = "lernpy.hooks"
RICH = {"lernpy.views.render", "lernpy.views.progress", "lernpy.views.charts"}


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = modules()


def rank(module: str) -> int:
    for i, (_layer, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(module: str) -> list[tuple[str, bool, int]]:
    """(imported module, at module level?, line) for each lernpy import run at run time."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool, int]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for orelse in child.orelse:
                    visit(orelse, top)
                continue
            if isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - child.level + 1]
                    base = ".".join(parts + ([child.module] if child.module else []))
                for alias in child.names:
                    target = f"{base}.{alias.name}"
                    name = target if target in MODULES else base
                    if name.startswith("lernpy"):
                        found.append((name, top, child.lineno))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("lernpy"):
                        found.append((alias.name, top, child.lineno))
            inner = top and not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            visit(child, inner)

    visit(tree, True)
    return found


def test_every_module_is_in_a_layer():
    """A new module must be placed in a layer before it can be imported from anywhere."""
    for module in MODULES:
        if module not in TOP:
            rank(module)


def test_imports_point_down_or_sideways_never_up():
    """No module imports a layer above its own, at load time or inside a function."""
    upward = []
    for module in MODULES:
        if module in TOP:
            continue
        for target, top, line in imports(module):
            if target in TOP and module != "lernpy.cli.main":
                upward.append(f"{module}:{line} imports the package itself ({target})")
                continue
            if target in TOP:
                continue  # the CLI finds the demos through lernpy.demos
            if module == HOOKS and not top:
                continue  # the one documented way up
            if rank(target) > rank(module):
                upward.append(
                    f"{module}:{line} ({LAYERS[rank(module)][0]}) imports {target} "
                    f"({LAYERS[rank(target)][0]})"
                )
    assert not upward, "imports pointing up:\n" + "\n".join(upward)


def test_hooks_imports_upward_only_inside_its_functions():
    """hooks.py loads nothing above the graph: each hook imports its module when called."""
    for target, top, line in imports(HOOKS):
        if top:
            assert rank(target) <= rank(HOOKS), f"hooks.py:{line} imports {target} at load time"


def test_module_level_imports_form_no_cycle():
    """Read at load time, the imports are a DAG: any module can be understood bottom-up."""
    graph = {m: {t for t, top, _ in imports(m) if top and t in MODULES} for m in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in graph[m]:
            if state.get(t) == 1 and t != m:
                cycle = stack[stack.index(t) :] + [t]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m)


def test_only_the_renderers_import_rich():
    """The core, data and pictures never import rich; the renderers and the CLI do."""
    offenders = []
    for module, path in MODULES.items():
        if module in RICH or module.startswith("lernpy.cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            if any(n == "rich" or n.startswith("rich.") for n in names):
                offenders.append(f"{module}:{node.lineno}")
    assert not offenders, f"rich imported outside the renderers: {offenders}"


def test_the_layer_test_catches_an_upward_import(tmp_path, monkeypatch):
    """A module of the graph that imports a view is reported (the test can fail)."""
    fake = tmp_path / "lernpy" / "graph"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("def f():\n    from lernpy.views import tables\n")
    monkeypatch.setitem(MODULES, "lernpy.graph.bad", fake / "bad.py")
    with pytest.raises(AssertionError, match=r"lernpy.graph.bad:2 \(graph\) imports"):
        test_imports_point_down_or_sideways_never_up()


def test_setuptools_ships_every_package():
    """Every folder with an __init__.py is listed in pyproject.toml, or a wheel would lack it."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in PACKAGE.rglob("__init__.py")}
    assert folders <= listed, f"not shipped: {sorted(folders - listed)}"


# -- every name the README and the docs use imports --------------------------------

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FROM_IMPORT = re.compile(r"from (lernpy[\w.]*) import (?:\(([^)]*)\)|([\w, ]+))", re.M)
DOTTED = re.compile(r"`(lernpy(?:\.\w+)+)")


def documented_names() -> list[tuple[str, str]]:
    """(where, dotted name) for each lernpy name the docs import or mention in code."""
    names = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for module, grouped, listed in FROM_IMPORT.findall(text):
            for name in (grouped or listed).replace("\n", " ").split(","):
                name = name.strip().split(" as ")[0]
                if name:
                    names.append((doc.name, f"{module}.{name}"))
        for dotted in DOTTED.findall(text):
            names.append((doc.name, dotted))
    return names


def resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and look the rest up as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_the_docs_name_names():
    """The docs do name lernpy modules and functions (so the next test checks something)."""
    names = {n for _, n in documented_names()}
    assert {"lernpy.Network", "lernpy.fit", "lernpy.save", "lernpy.load"} <= names


@pytest.mark.parametrize("where, dotted", documented_names())
def test_every_documented_name_imports(where, dotted):
    """Each ``from lernpy… import …`` and each `lernpy.…` in README.md and docs/ resolves."""
    if dotted.startswith("lernpy.torch") and importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed: lernpy.torch is an optional extra")
    assert resolve(dotted) is not None, f"{where}: {dotted}"
