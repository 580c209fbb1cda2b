"""The spirals, iris and digits demos reach their promised accuracy (read from their checked
output; tests/test_demos.py runs each script and compares it with that output)."""

import re
from pathlib import Path

import pytest

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def output(name):
    return (DEMOS / f"{name}.out").read_text(encoding="utf-8")


def figure(text, label):
    match = re.search(rf"{label} accuracy (\d+\.\d)%", text)
    assert match, f"no {label} accuracy line"
    return float(match.group(1))


def confusion(text, header):
    """The rows of numbers that follow the header line of a printed confusion matrix."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header)) + 2
    rows = []
    for line in lines[start:]:
        numbers = [int(n) for n in re.findall(r"\d+", line.split(maxsplit=1)[1])] if line else []
        if not numbers:
            break
        rows.append(numbers)
    return rows


def test_iris_reaches_95_percent_on_held_out_flowers():
    """Iris: at least 95% test accuracy, and the confusion matrix agrees with that figure."""
    text = output("iris")
    accuracy = figure(text, "test")
    assert accuracy >= 95.0
    matrix = confusion(text, "confusion on the test flowers")
    assert [sum(row) for row in matrix] == [10, 10, 10]  # a stratified 20% of 50 per species
    assert round(100 * sum(matrix[i][i] for i in range(3)) / 30, 1) == accuracy


def test_spirals_reach_95_percent_on_the_training_points():
    """Spirals: at least 95% train accuracy, and the picture shows both arms' points."""
    text = output("spirals")
    assert figure(text, "train") >= 95.0
    picture = [line for line in text.splitlines() if re.fullmatch(r"[-+ox ]+", line)]
    assert len(picture) == 21
    assert sum(line.count("o") for line in picture) > 10
    assert sum(line.count("x") for line in picture) > 10


def test_digits_reach_93_percent_on_held_out_images():
    """Digits: at least 93% test accuracy over 450 images, matching the confusion matrix."""
    text = output("digits")
    if text.startswith("skipped"):
        pytest.skip("the checked output was made without scikit-learn")
    accuracy = figure(text, "test")
    assert accuracy >= 93.0
    matrix = confusion(text, "confusion on the test images")
    assert len(matrix) == 10 and sum(map(sum, matrix)) == 450
    assert round(100 * sum(matrix[i][i] for i in range(10)) / 450, 1) == accuracy
