"""The one notebook runner: parameters, failures kept, HTML without code."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from toolkit.exceptions import InputError, ReportError
from toolkit.execute import coerce_parameters, run_notebook


def test_coerce_parameters_plain_types():
    out = coerce_parameters({"p": Path("/x/y"), "n": np.int64(3), "f": np.float32(0.5),
                             "t": (1, 2), "d": dt.date(2025, 1, 2), "b": np.bool_(True)})
    assert out == {"p": "/x/y", "n": 3, "f": 0.5, "t": [1, 2], "d": "2025-01-02", "b": True}
    assert type(out["n"]) is int and type(out["b"]) is bool
    with pytest.raises(InputError):
        coerce_parameters({"x": float("nan")})
    with pytest.raises(InputError):
        coerce_parameters({"not valid": 1})
    with pytest.raises(InputError):
        coerce_parameters({"x": object()})


def _nb(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell("x = 1\nlabel = 'a'")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p] + [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.mark.slow
def test_run_notebook_injects_parameters_and_exports_html(tmp_path):
    src = _nb(tmp_path / "in.ipynb",
              "import sys; print('warning!', file=sys.stderr)\nSECRET_CODE_MARKER = 1",
              "from IPython.display import HTML, display\n"
              "display(HTML(f'<p>value={x * 2} label={label}</p>'))")
    out = run_notebook(src, tmp_path / "out.ipynb", parameters={"x": np.int64(21),
                                                                "label": Path("b")},
                       html=tmp_path / "out.html")
    nb = nbformat.read(str(out), as_version=4)
    assert any("value=42 label=b" in str(c.get("outputs")) for c in nb.cells)
    html = (tmp_path / "out.html").read_text()
    assert "value=42 label=b" in html
    assert "SECRET_CODE_MARKER" not in html  # no code
    assert "warning!" not in html           # no stderr
    assert not re.search(r'<script[^>]+src="http', html)  # offline: no CDN scripts


@pytest.mark.slow
def test_failing_cell_keeps_partial_notebook(tmp_path):
    src = _nb(tmp_path / "in.ipynb", "print('step one')", "raise ValueError('boom')")
    with pytest.raises(ReportError) as info:
        run_notebook(src, tmp_path / "out" / "run.ipynb", partial_dir=tmp_path / "failed")
    assert "ValueError: boom" in str(info.value)
    kept = Path(info.value.partial_notebook)
    assert kept == tmp_path / "failed" / "run.failed.ipynb" and kept.is_file()
    assert "step one" in kept.read_text()
    assert not (tmp_path / "out" / "run.ipynb").exists()


@pytest.mark.slow
def test_cell_timeout_is_one_readable_message(tmp_path, capfd):
    src = _nb(tmp_path / "in.ipynb", "import time; time.sleep(30)")
    with pytest.raises(ReportError) as info:
        run_notebook(src, tmp_path / "out.ipynb", timeout=1)
    assert "took longer than the 1 s allowed per step" in str(info.value)
    assert "--timeout" in str(info.value)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ZMQError" not in err


def test_branding_settings_show_in_html(tmp_path):
    from toolkit.execute import export_html, load_branding

    logo = tmp_path / "logo.png"
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(1, 1))
    fig.savefig(logo)
    plt.close(fig)
    (tmp_path / "branding.toml").write_text(
        '[branding]\npractice = "Northstar Advisory"\nprimary = "#123456"\n'
        'accent = "#abcdef"\nlogo = "logo.png"\nfooter = "Prepared by Northstar"\n')
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Executive summary\n\ntext")]
    src = tmp_path / "n.ipynb"
    nbformat.write(nb, str(src))
    html = export_html(src, tmp_path / "n.html",
                       branding=load_branding(tmp_path / "branding.toml")).read_text()
    assert "Northstar Advisory" in html and "Prepared by Northstar" in html
    assert "--brand-primary: #123456" in html and "--brand-accent: #abcdef" in html
    assert 'class="brand-logo" src="data:image/png;base64,' in html
    default = export_html(src, tmp_path / "d.html").read_text()
    assert "Northstar" not in default and "#123456" not in default
    assert ('<li><a class="toc-link" href="#Executive-summary">Executive summary</a></li>'
            in html)  # printable contents, linked without a script
    assert "<script" not in html


@pytest.mark.slow
def test_timed_out_notebook_keeps_the_cells_done_so_far(tmp_path):
    """The progress saves (plain JSON, issue 18) leave a readable partial notebook."""
    src = _nb(tmp_path / "in.ipynb", "print('step one')", "import time; time.sleep(30)")
    with pytest.raises(ReportError) as info:
        run_notebook(src, tmp_path / "out" / "run.ipynb", timeout=2,
                     partial_dir=tmp_path / "failed")
    kept = Path(info.value.partial_notebook)
    nb = nbformat.read(str(kept), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("step one" in o.get("text", "") for o in outputs)
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no temporary file left


def test_every_html_output_is_wrapped_whatever_its_text_says():
    """Review 13c M1: client text holding the ignore class names ("tex2jax_ignore
    mathjax_ignore") near the start of an output must not switch the MathJax guard off."""
    from bs4 import BeautifulSoup

    from toolkit.execute import _make_inert
    from toolkit.report.safe import NO_MATH_CLASS

    client = ("Northwind tex2jax_ignore mathjax_ignore "
              "$\\href{http://evil.example/tex}{Open the full results}$")
    outputs = [f"<section class='cover'><h1>{client}</h1></section>",
               f"<p>{client}</p><div class=\"{NO_MATH_CLASS}\">x</div>",
               f"{NO_MATH_CLASS} $x$",
               f'<div class="{NO_MATH_CLASS}">already inert</div>']
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {"text/html": h}} for h in outputs]}]}
    _make_inert(nb)
    for o in nb["cells"][0]["outputs"]:
        soup = BeautifulSoup(o["data"]["text/html"], "html.parser")
        top = [n for n in soup.contents if str(n).strip()]
        assert len(top) == 1 and set(NO_MATH_CLASS.split()) <= set(top[0].get("class", [])), \
            o["data"]["text/html"][:120]


@pytest.mark.slow
def test_no_progress_save_between_cells_but_one_at_the_end(tmp_path, monkeypatch):
    """Issue 18: papermill's save at every cell's start and end (a ~1.5 MB notebook written
    twice per cell of the report) is skipped; the notebook is written at the start, by the
    timed autosave of a long cell, and at the end, so the output is complete."""
    from toolkit import execute

    src = _nb(tmp_path / "in.ipynb", "print('one')", "print('two')", "print('three')")
    written = []
    real_replace = os.replace

    def counting(a, b, *args, **kwargs):
        if str(b).endswith("run.ipynb"):
            written.append(Path(a).name)
        return real_replace(a, b, *args, **kwargs)

    monkeypatch.setattr(execute.os, "replace", counting)
    out = run_notebook(src, tmp_path / "run.ipynb")
    nb = nbformat.read(str(out), as_version=4)
    texts = [o.get("text", "") for c in nb.cells if c.cell_type == "code"
             for o in c.get("outputs", [])]
    assert texts == ["one\n", "two\n", "three\n"]
    assert all(c.metadata.papermill["status"] == "completed" for c in nb.cells)
    # the progress saves: one at the start, one when the run ends (was 2 + 2 per cell)
    assert written[:2] == [".run.ipynb.saving"] * 2 and ".run.ipynb.saving" not in written[2:]
