"""The data commands end to end, in a subprocess: train, save, show, predict, datasets."""

import csv
import io
import json
import math
import os
import re
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


def test_show_prints_summary_history_and_links_under_the_files_names(trained):
    """show lists the layer sizes in the CSV's column and class names, and each link's saved
    weight; a network fresh from its file has no sample's numbers, so no table of zeros."""
    folder, _ = trained
    result = lernpy("show", "net.json", cwd=folder)
    assert result.returncode == 0, result.stderr
    net = load(folder / "net.json")
    out = result.stdout
    names = "sepal_length sepal_width petal_length petal_width"
    assert f"4-6-3: {names} | h1 h2 h3 h4 h5 h6 | setosa versicolor virginica" in " ".join(
        out.split()
    )
    assert [n.name for n in net.inputs] == names.split()  # kept in the saved network
    assert [n.name for n in net.outputs] == ["setosa", "versicolor", "virginica"]
    # the link table: one row per link, in network order, with the saved weight to 9 places
    rows = [r for r in (line.split() for line in out.splitlines()) if r and "→" in r[0]]
    first = list({r[0]: r for r in reversed(rows)}.values())[::-1]  # folded: names repeat
    assert [r[0] for r in first] == [link.name for link in net.links]
    for link, r in zip(net.links, first, strict=True):
        assert float(r[1]) == pytest.approx(link.weight, abs=5e-10)
    assert "no sample has gone through yet" in out and "Neurons:" not in out
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
        (["train", "ok.csv", "--epochs", "-3"], {"ok.csv": "a,b\n1,2\n"}, 2,
         "-3 is too small: expected 1 or more"),
        (["train", "ok.csv", "--epochs", "0"], {"ok.csv": "a,b\n1,2\n"}, 2,
         "0 is too small: expected 1 or more"),
        (["train", "ok.csv", "--activation", "swish"], {"ok.csv": "a,b\n1,2\n"}, 2,
         "'swish': expected one of"),
        (["train", "ok.csv", "--activation", "softmax"], {"ok.csv": "a,b\n1,2\n"}, 2,
         "it belongs on the output layer (--output softmax), not on hidden layers"),
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


# -- a real data file: column and class names, two classes, a large network ------------------


def write_patients(folder: Path, rows: int = 120) -> list[str]:
    """A two-class CSV with 30 named columns (as a breast-cancer table has); class by a rule."""
    import random

    rng = random.Random(3)
    columns = [f"mean {w}" for w in ("radius", "texture", "area")] + [
        f"feature {k}" for k in range(4, 31)
    ]
    with open(folder / "patients.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*columns, "diagnosis"])
        for _ in range(rows):
            x = [rng.gauss(0, 1) for _ in columns]
            writer.writerow(
                [*(f"{v:.4f}" for v in x), "malignant" if x[0] + x[1] > 0 else "benign"]
            )
    return columns


def test_two_classes_get_one_sigmoid_output_with_bce_and_keep_their_names(tmp_path):
    """Two classes: one sigmoid output (the second class's probability) with BCE, so --layers
    30,6,1 fits; the neurons take the file's column and class names, and the file keeps them."""
    columns = write_patients(tmp_path)
    result = lernpy("train", "patients.csv", "--layers", "30,6,1", "--epochs", "3",
                    "--save", "net.json", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Network(30-6-1, tanh/sigmoid, loss=bce, 193 links, seed=0)" in result.stdout
    net = load(tmp_path / "net.json")
    assert [n.name for n in net.inputs] == [c.replace(" ", "_") for c in columns]
    assert [n.name for n in net.outputs] == ["malignant"]
    assert net.preprocessing.classes == ("benign", "malignant")
    assert "Confusion on the test data" in result.stdout


def test_a_layer_size_that_does_not_fit_names_a_few_columns_not_thirty(tmp_path):
    write_patients(tmp_path)
    result = lernpy("train", "patients.csv", "--layers", "30,6,3", cwd=tmp_path)
    assert result.returncode == 1
    assert "(mean radius, mean texture, mean area, feature 4, … 26 more)" in result.stderr
    assert "feature 30" not in result.stderr


def test_predict_reports_accuracy_and_confusion_when_the_file_has_the_target(tmp_path):
    """The CSV on stdout stays clean; the confusion matrix and accuracy go to stderr."""
    write_patients(tmp_path)
    assert lernpy("train", "patients.csv", "--epochs", "3", "--save", "net.json",
                  cwd=tmp_path).returncode == 0  # fmt: skip
    result = lernpy("predict", "net.json", "patients.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Confusion on this file" in result.stderr
    correct = int(re.search(r"(\d+) of 120 correct", result.stderr).group(1))
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0][-2:] == ["malignant", "class"]
    truth = list(csv.reader(open(tmp_path / "patients.csv", encoding="utf-8")))[1:]
    assert correct == sum(row[-1] == t[-1] for row, t in zip(table[1:], truth, strict=True))
    # without the target column: the predictions, and no report
    everything = list(csv.reader(open(tmp_path / "patients.csv", encoding="utf-8")))
    with open(tmp_path / "inputs.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(row[:-1] for row in everything)
    bare = lernpy("predict", "net.json", "inputs.csv", cwd=tmp_path)
    assert bare.returncode == 0 and "Confusion" not in bare.stderr


def test_show_summarises_a_large_network_in_a_screenful(tmp_path):
    """A 30-6-1 network from a file: no table of zeros, links summarised by layer."""
    write_patients(tmp_path)
    assert lernpy("train", "patients.csv", "--epochs", "2", "--save", "net.json",
                  cwd=tmp_path).returncode == 0  # fmt: skip
    result = lernpy("show", "net.json", cwd=tmp_path)
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) < 70
    assert "Links by layer" in result.stdout and "--all-links lists them" in result.stdout
    every = lernpy("show", "net.json", "--all-links", cwd=tmp_path).stdout
    assert "mean_radius→h1" in every


def test_the_progress_bar_labels_the_loss_and_the_accuracy_it_shows():
    """'loss 0.003309 accuracy 97.2%' mixed the training loss with the test accuracy, unlabelled."""
    from rich.console import Console

    from lernpy.training.workflow import EpochRecord
    from lernpy.views.progress import ProgressBar

    console = Console(file=io.StringIO(), width=120, color_system=None, force_terminal=True)
    bar = ProgressBar(10, classify=True, console=console)
    bar.start()
    bar.update(EpochRecord(3, 0.1, 0.003309, 0.99, 0.05, 0.972))
    bar.stop()
    text = console.file.getvalue()
    assert "train loss 0.003309" in text and "test accuracy 97.2%" in text
    console = Console(file=io.StringIO(), width=120, color_system=None, force_terminal=True)
    bar = ProgressBar(10, classify=True, console=console)
    bar.start()
    bar.update(EpochRecord(3, 0.1, 0.25, 0.75))  # no test data: the training accuracy
    bar.stop()
    assert "train accuracy 75.0%" in console.file.getvalue()
