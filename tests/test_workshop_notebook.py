"""The workshop notebook executes headless end to end (widgets render their initial state)."""

from __future__ import annotations

import json

import nbformat
import pytest

from toolkit.execute import run_notebook
from toolkit.paths import NOTEBOOKS_DIR


@pytest.mark.slow
@pytest.mark.parametrize("engagement", ["", "lead-quality"])
def test_workshop_notebook_runs_headless(tmp_path, samples_dir, engagement):
    eng = str(samples_dir / engagement) if engagement else ""
    out = run_notebook(NOTEBOOKS_DIR / "workshop.ipynb", tmp_path / "workshop.ipynb",
                       parameters={"engagement": eng}, timeout=300)
    nb = nbformat.read(str(out), as_version=4)
    state = json.dumps(nb.metadata.get("widgets", {}))
    # the callbacks behind the widgets ran without error and drew the three charts
    assert "Traceback" not in state and "Error" not in state
    assert state.count("data:image/png") == 3
    assert "alignment workshop" in json.dumps([c.get("outputs") for c in nb.cells])
    # never a respondent id in anything displayed
    assert not any(tok in state for tok in ("R_", "respondent_id"))


def test_workshop_notebook_is_clean_and_parameterised():
    nb = nbformat.read(str(NOTEBOOKS_DIR / "workshop.ipynb"), as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and 'engagement = ""' in params[0].source
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_workshop_headings_unnumbered_and_live_note():
    """The report template numbers headings itself ("1. 1. …" before), and a headless copy
    shows no widgets, so the notebook says the exercises need a live session."""
    import re
    nb = nbformat.read(str(NOTEBOOKS_DIR / "workshop.ipynb"), as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    headings = re.findall(r"^#{2,} (.+)$", md, flags=re.M)
    assert "Perception gap reveal" in headings
    assert not [h for h in headings if re.match(r"\d+[.)] ", h)]
    assert "live session (`aligndx workshop`)" in md
