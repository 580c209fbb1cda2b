"""The tutorial "from lernpy to PyTorch" runs in a real Jupyter kernel and shows the same numbers.

It needs PyTorch, scikit-learn (the digits) and nbclient; without one of them it skips and
says which.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: lernpy.torch is optional (pip install 'torch==2.13.0+cpu')",
)
pytest.importorskip("sklearn", reason="the tutorial's digits need scikit-learn (lernpy[digits])")
nbclient = pytest.importorskip("nbclient", reason="running a notebook needs nbclient")
nbformat = pytest.importorskip("nbformat", reason="reading a notebook needs nbformat")

NOTEBOOK = (
    Path(__file__).resolve().parent.parent / "docs" / "tutorials" / "from-lernpy-to-pytorch.ipynb"
)


def text_of(cell) -> str:
    """Everything a code cell printed or displayed, as text."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] == "error":
            parts.append(f"ERROR {out['ename']}: {out['evalue']}")
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The notebook executed from a clean kernel: each code cell's output text, in order."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    workdir = tmp_path_factory.mktemp("tutorial")
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    return [text_of(cell) for cell in nb.cells if cell.cell_type == "code"]


def test_the_tutorial_runs_without_an_error(outputs):
    assert not [text for text in outputs if text.startswith("ERROR")]


def test_the_tutorial_shows_the_same_numbers_in_lernpy_and_pytorch(outputs):
    """Mazur's outputs, loss and ∂E/∂w5 (0.082167041) appear in both, and compare agrees."""
    everything = "\n".join(outputs)
    assert "lernpy : [0.7513650695523157, 0.7729284653214625]" in everything
    assert "PyTorch: [0.7513650695523157, 0.7729284653214625]" in everything
    assert "lernpy : 0.2983711087600027" in everything
    assert "PyTorch: 0.298371108760002" in everything
    grads = re.findall(r"∂E/∂w5: (\S+)|weight.grad\[0, 0\]: (\S+)", everything)
    lernpy_w5, torch_w5 = (float(a or b) for a, b in grads)
    assert round(lernpy_w5, 9) == 0.082167041 and abs(lernpy_w5 - torch_w5) < 1e-15
    for name in ("h1", "h2", "o1", "o2"):
        line = re.search(rf"{name}: lernpy sensitivity (\S+)\s+PyTorch z.grad (\S+)", everything)
        assert line and line.group(1) == line.group(2), name
    assert "lernpy beside PyTorch: all 12 links agree" in everything
    assert "['h1→o2']" in everything  # the weight typed wrongly, named


def test_the_tutorial_trains_digits_in_pytorch_and_opens_them_in_lernpy(outputs):
    """The accuracy is the same in both, the weights come back, every link agrees."""
    everything = "\n".join(outputs)
    theirs = float(re.search(r"PyTorch: test accuracy ([\d.]+)%", everything).group(1))
    ours = float(re.search(r"lernpy: test accuracy ([\d.]+)%", everything).group(1))
    assert theirs == ours and ours > 90.0
    assert "same weights: True" in everything
    assert "Links: ∂E/∂w = ∂E/∂out · ∂out/∂net · out_src" in everything  # the per-link table
    assert "lernpy beside PyTorch: all 2410 links agree" in everything
