"""Shared fixtures and Hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` (set by CI through the environment variable ``CI``)
runs more examples; the default keeps a local run quick.
"""

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


# -- golden files (tests/golden/*.txt): rendered views, reviewed like code ------------------

GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.txt from the current output (then review the diff)",
    )


def _normal(text: str) -> str:
    """Trailing spaces dropped (rich pads table lines), one newline at the end."""
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n") + "\n"


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """``golden(name, text)``: compare with tests/golden/NAME.txt; ``--update-golden`` writes it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / f"{name}.txt"
        text = _normal(text)
        if update:
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path.name}: run pytest --update-golden, review it"
        assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from the output"

    return check


@pytest.fixture
def rendered():
    """``rendered(obj, width)``: what rich prints for ``obj`` at ``width`` columns, no colour."""
    from rich.console import Console

    def render(*objs: object, width: int = 80) -> str:
        console = Console(file=io.StringIO(), record=True, width=width, color_system=None)
        for obj in objs:
            console.print(obj)
        return console.export_text()

    return render


# -- one headless Chromium for every browser test ---------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """The system's Chromium driven by Playwright, started once for the whole run."""
    from browser import ARGS, find_chromium

    path = find_chromium()
    if path is None:
        pytest.skip(
            "no Chromium found: run .ci/install-browser (apt-get install chromium) to test "
            "the pages in a real browser"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip('no Playwright: pip install -e ".[test]" installs it (it drives the system '
                    "Chromium, no browser download)")  # fmt: skip
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the browser tests leave their screenshots: LERNPY_SCREENSHOTS, else a temp dir."""
    folder = Path(os.environ.get("LERNPY_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
