"""The lesson page in exercise mode, in a real headless Chromium: numbers stay hidden until typed.

Without a browser the tests are skipped and say why (the ``chromium`` fixture in conftest.py).
"""

from __future__ import annotations

import json

import pytest

from lernpy import exercises
from lernpy.exercises.page import exercise_html


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("exercise") / "mazur.html"
    path.write_text(exercise_html(exercises.mazur()), encoding="utf-8")
    return path.as_uri()


def js(b, expression: str):
    return b.evaluate(expression)


def neuron_cell(b, name: str, column: int) -> str:
    return js(
        b,
        "[...document.querySelectorAll('#neurons tbody tr')]"
        f".find(r => r.cells[0].textContent === {json.dumps(name)}).cells[{column}].textContent",
    )


def answer(b, k: int, text: str) -> str:
    """Type into question k's box, press its button, return its verdict."""
    js(b, f"document.querySelector('#question-{k} input').value = {json.dumps(text)}")
    b.click(f"#question-{k} button")
    return js(b, f"document.querySelector('#question-{k} .verdict').textContent")


def test_the_page_stops_before_each_asked_number_until_it_is_typed(chromium, page):
    """out_h1 stays hidden however far one steps; a wrong ∂E/∂w5 is named; a right one goes on."""
    b = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        b.goto(page)
        assert js(b, "document.querySelectorAll('#exercise .q').length") == 7
        for _ in range(30):
            b.click("#next")
        b.click("#last")
        assert neuron_cell(b, "h1", 2) == "·"  # out_h1 not shown: the page stopped before it
        assert "h1 fires" not in js(b, "document.getElementById('step').textContent")
        assert "0.593269992" not in js(b, "document.body.innerText")

        assert answer(b, 0, "0.6").startswith("wrong")
        assert answer(b, 0, "0.5933") == "right: out_h1 = 0.593269992"
        assert neuron_cell(b, "h1", 2) == "0.593269992"  # shown once typed
        assert js(b, "document.getElementById('step').textContent").startswith("h1 fires")

        answer(b, 1, "0.7514")
        answer(b, 2, "0.2984")
        verdict = answer(b, 3, "0.4398")  # the slope left out
        assert "the activation derivative forgotten at o1" in verdict
        assert "you wrote 0.4398" in verdict and "0.186815602" in verdict
        b.click("#last")
        assert "w5" not in js(b, "document.getElementById('step').textContent")
        assert answer(b, 3, "0,08217") == "right: ∂E/∂w5 = 0.082167041"
        assert "h1→o1 (w5) learns" in js(b, "document.getElementById('step').textContent")
    finally:
        b.close()
