"""The data commands end to end, in a subprocess: train, save, show, predict, datasets."""

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lernpy import datasets
from lernpy.data.netfile import load

ROOT = Path(__file__).resolve().parent.parent


def lernpy(*args, cwd):
    """Run ``python -m lernpy ARGS`` as a user would, off a terminal."""
    env = {
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
        "COLUMNS": "100",
        "NO_COLOR": "1",
        "PATH": os.environ.get("PATH", ""),
    }
    return subprocess.run(
        [sys.executable, "-m", "lernpy", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Write iris as CSV with the CLI, train on it for a few epochs and save the network."""
    folder = tmp_path_factory.mktemp("cli")
    made = lernpy("datasets", "iris", "--csv", "iris.csv", cwd=folder)
    assert made.returncode == 0, made.stderr
    result = lernpy(
        "train", "iris.csv", "--layers", "4,6,3", "--activation", "tanh", "--epochs", "4",
        "--rate", "0.05", "--batch", "1", "--seed", "2", "--save", "net.json",
        cwd=folder,
    )  # fmt: skip
    return folder, result


def test_train_reports_history_and_confusion_and_saves(trained):
    """train prints the per-epoch table and a confusion matrix, then saves a loadable network."""
    folder, result = trained
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert "Network(4-6-3, tanh/softmax, loss=cross_entropy, 51 links, seed=2)" in out
    assert "train loss" in out and "test accuracy" in out
    assert "Confusion on the test data" in out
    assert "saved to net.json" in out
    net = load(folder / "net.json")
    assert net.preprocessing.classes == ("setosa", "versicolor", "virginica")
    assert len(net.training_log) == 4
    # the caption's count agrees with the saved test accuracy (30 held-out flowers)
    right = round(net.training_log.last.test_accuracy * 30)
    assert f"{right} of 30 correct" in out


def test_show_prints_summary_history_neurons_and_links(trained):
    """show lists the layer sizes, the classes, each neuron and each link's saved weight."""
    folder, _ = trained
    result = lernpy("show", "net.json", cwd=folder)
    assert result.returncode == 0, result.stderr
    net = load(folder / "net.json")
    out = result.stdout
    assert "4-6-3: x1 x2 x3 x4 | h1 h2 h3 h4 h5 h6 | y1 y2 y3" in out
    assert "setosa, versicolor, virginica" in out
    assert "sepal_length, sepal_width, petal_length, petal_width" in out
    # the link table: one row per link, in network order, with the saved weight to 9 places
    rows = [r for r in (line.split() for line in out.splitlines()) if r and "→" in r[0]]
    assert [r[0] for r in rows] == [link.name for link in net.links]
    for link, r in zip(net.links, rows, strict=True):
        assert float(r[1]) == pytest.approx(link.weight, abs=5e-10)
    neurons = [r[0] for r in (line.split() for line in out.splitlines()) if r]
    for neuron in net.neurons:
        assert neuron.name in neurons
    assert "4 epochs" in out


def test_predict_writes_csv_that_matches_the_network_on_standardised_inputs(trained):
    """predict's CSV holds the inputs, softmax probabilities and the class, computed from
    (x − mean)/std by hand and the loaded network."""
    folder, _ = trained
    rows = datasets.iris()[::25]
    with open(folder / "few.csv", "w", encoding="utf-8") as handle:
        # columns in another order, and no species column: predict picks inputs by name
        handle.write("petal_width,sepal_length,petal_length,sepal_width\n")
        for x, _ in rows:
            handle.write(f"{x[3]},{x[0]},{x[2]},{x[1]}\n")
    result = lernpy("predict", "net.json", "few.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == [
        "sepal_length", "sepal_width", "petal_length", "petal_width",
        "p_setosa", "p_versicolor", "p_virginica", "class",
    ]  # fmt: skip
    net = load(folder / "net.json")
    prep = net.preprocessing
    for (x, _), line in zip(rows, table[1:], strict=True):
        scaled = [(v - m) / s for v, m, s in zip(x, prep.mean, prep.std, strict=True)]
        expected = net(scaled)
        got = [float(v) for v in line[4:7]]
        assert got == expected  # repr'd floats read back exactly
        assert math.isclose(sum(got), 1.0, rel_tol=1e-12)
        assert line[7] == prep.classes[got.index(max(got))]


def test_predict_can_write_to_a_file(trained):
    """--output writes the same CSV to a file instead of stdout."""
    folder, _ = trained
    to_stdout = lernpy("predict", "net.json", "iris.csv", cwd=folder).stdout
    result = lernpy("predict", "net.json", "iris.csv", "-o", "out.csv", cwd=folder)
    assert result.returncode == 0 and result.stdout == ""
    assert (folder / "out.csv").read_text(encoding="utf-8") == to_stdout


def test_datasets_lists_every_built_in_set(tmp_path):
    """datasets with no name lists each data set with its shape."""
    result = lernpy("datasets", cwd=tmp_path)
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == list(datasets.DATASETS)


def test_datasets_csv_to_stdout_reads_back_as_the_same_samples(tmp_path):
    """datasets NAME --csv writes the generator's samples exactly, here to stdout."""
    result = lernpy("datasets", "moons", "--n", "12", "--seed", "3", "--csv", cwd=tmp_path)
    assert result.returncode == 0
    from lernpy.data.csvdata import read_csv

    back = read_csv(io.StringIO(result.stdout), name="stdout")
    assert back.samples == datasets.moons(n=12, seed=3)


def test_regression_csv_trains_with_an_identity_output(tmp_path):
    """A numeric target trains a regression: identity output, no accuracy, no confusion."""
    assert (
        lernpy("datasets", "sine", "--n", "30", "--csv", "sine.csv", cwd=tmp_path).returncode == 0
    )
    result = lernpy("train", "sine.csv", "--layers", "1,4,1", "--epochs", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "identity" in result.stdout and "Confusion" not in result.stdout


def test_numeric_class_labels_train_as_classes_with_the_classes_flag(tmp_path):
    """Labels written as numbers (clusters 0, 1, 2) need --classes; without it the error says so."""
    assert (
        lernpy("datasets", "clusters", "--n", "30", "--csv", "c.csv", cwd=tmp_path).returncode == 0
    )
    plain = lernpy("train", "c.csv", "--layers", "2,4,3", "--epochs", "1", cwd=tmp_path)
    assert plain.returncode == 1 and "add --classes" in plain.stderr
    flagged = lernpy("train", "c.csv", "--classes", "--layers", "2,4,3", "--epochs", "1",
                     "--batch", "4", "--schedule", "exp:0.9", cwd=tmp_path)  # fmt: skip
    assert flagged.returncode == 0, flagged.stderr
    assert "softmax" in flagged.stdout and "Confusion on the test data" in flagged.stdout


@pytest.mark.parametrize("command", ["train", "show", "predict", "datasets"])
def test_every_command_has_help(command, tmp_path):
    """--help on each command explains it and exits 0."""
    result = lernpy(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: lernpy " + command in result.stdout


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")
    return name


@pytest.mark.parametrize(
    ("args", "files", "code", "message"),
    [
        (["train", "missing.csv"], {}, 1, "lernpy: error: missing.csv: no such file"),
        (
            ["train", "bad.csv"],
            {"bad.csv": "a,b,c\n1,2,x\n3,,y\n"},
            1,
            "lernpy: error: bad.csv, line 3, column 2 ('b'): missing value: expected a number",
        ),
        (
            ["train", "bad.csv"],
            {"bad.csv": "a,b,c\n1,2,3\n4,5\n"},
            1,
            "bad.csv, line 3: ragged row: 2 fields, expected 3 like the header",
        ),
        (["train", "empty.csv"], {"empty.csv": ""}, 1, "empty.csv: is empty"),
        (
            ["train", "ok.csv", "--target", "colour"],
            {"ok.csv": "a,b,c\n1,2,3\n4,5,6\n"},
            1,
            "ok.csv, line 1: unknown column 'colour': the columns are a, b, c",
        ),
        (
            ["train", "ok.csv", "--layers", "3,4,1"],
            {"ok.csv": "a,b,c\n1,2,3\n4,5,6\n"},
            1,
            "--layers 3,4,1 does not fit ok.csv: it has 2 input column(s) (a, b)",
        ),
        (["train", "ok.csv", "--layers", "2,x,1"], {"ok.csv": "a,b\n1,2\n"}, 2, "--layers"),
        (["train", "ok.csv", "--epochs", "-3"], {"ok.csv": "a,b\n1,2\n"}, 2, "negative"),
        (["train", "ok.csv", "--activation", "swish"], {"ok.csv": "a,b\n1,2\n"}, 2,
         "invalid choice"),
        (["train"], {}, 2, "the following arguments are required: DATA.csv"),
        (["show", "net.json"], {"net.json": '{"format": "lernpy-network", "version": 9}'}, 1,
         "net.json: field version: was written by a newer lernpy (format version 9)"),
        (["show", "net.json"], {"net.json": '{"format": "lernpy-network", "vers'}, 1,
         "net.json: line 1, column"),
        (["predict", "nothing.json", "x.csv"], {}, 1, "nothing.json: no such file"),
        (["datasets", "mnist"], {}, 1, "unknown data set 'mnist'"),
        (["datasets", "--csv", "x.csv"], {}, 1, "--csv needs a data set name"),
        (["nonsense"], {}, 2, "invalid choice: 'nonsense'"),
    ],
)  # fmt: skip
def test_bad_input_exits_with_the_right_code_and_a_message_without_traceback(
    tmp_path, args, files, code, message
):
    """Data errors exit 1, usage errors 2; the message is on stderr and names what is wrong."""
    for name, text in files.items():
        write(tmp_path, name, text)
    result = lernpy(*args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_predict_names_a_missing_input_column(trained):
    """A CSV without a column the network reads is refused, naming the column."""
    folder, _ = trained
    write(folder, "partial.csv", "sepal_length,sepal_width\n5.1,3.5\n")
    result = lernpy("predict", "net.json", "partial.csv", cwd=folder)
    assert result.returncode == 1
    assert "missing input column(s) petal_length, petal_width" in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    """With --debug, a lernpy error comes with its traceback."""
    result = lernpy("--debug", "show", "missing.json", cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "NetworkFileError" in result.stderr


def test_a_file_that_fails_to_load_changes_nothing(tmp_path):
    """A failed show leaves the file as it was (loading never writes)."""
    path = tmp_path / "net.json"
    text = json.dumps({"format": "lernpy-network", "version": 1, "loss": "mse"})
    path.write_text(text, encoding="utf-8")
    result = lernpy("show", "net.json", cwd=tmp_path)
    assert result.returncode == 1 and "field seed: is missing" in result.stderr
    assert path.read_text(encoding="utf-8") == text
