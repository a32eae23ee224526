"""start_notebook: the notebook runs in a child process and its results cell waits for the
caller; a stopped run keeps nothing and leaves no process behind."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from toolkit.exceptions import InputError, ReportError
from toolkit.execute import RESULTS_CELL_TAG, run_notebook, start_notebook


def _nb(path: Path, *, tagged: bool = True) -> Path:
    """Parameters; an import cell that records when it ran; a results cell reading r.json."""
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell("results_path = ''")
    p.metadata["tags"] = ["parameters"]
    first = nbformat.v4.new_code_cell("import json, time\nimported_at = time.time()\n"
                                      "open('imported', 'w').close()")
    load = nbformat.v4.new_code_cell(
        "with open(results_path) as fh:\n    value = json.load(fh)['value']\n"
        "from IPython.display import HTML, display\n"
        "display(HTML(f'<p>value={value} imported_at={imported_at}</p>'))")
    if tagged:
        load.metadata["tags"] = [RESULTS_CELL_TAG]
    nb.cells = [p, first, load]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _wait_for(path: Path, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < end, f"{path.name} did not appear"
        time.sleep(0.05)


def _shown(notebook: Path) -> str:
    return str([c.get("outputs") for c in nbformat.read(str(notebook), as_version=4).cells])


@pytest.mark.slow
@pytest.mark.parametrize("tagged", [True, False])
def test_results_cell_waits_for_release(tmp_path, tagged):
    src = _nb(tmp_path / "in.ipynb", tagged=tagged)
    run = start_notebook(src, tmp_path / "out.ipynb", parameters={"results_path": "r.json"},
                         cwd=tmp_path, html=tmp_path / "out.html")
    if tagged:  # the kernel has started and run the import cell; the results cell waits
        _wait_for(tmp_path / "imported")
    time.sleep(1)
    assert not (tmp_path / "out.html").exists()
    written_at = time.time()
    (tmp_path / "r.json").write_text(json.dumps({"value": 42}))
    run.release()
    out = run.wait()
    shown = _shown(out)
    assert "value=42" in shown and "value=42" in (tmp_path / "out.html").read_text()
    imported_at = float(shown.split("imported_at=")[1].split("<")[0])
    if tagged:  # the cells above the results cell ran before the results existed
        assert imported_at < written_at
    else:       # no tagged cell: nothing runs before the release
        assert imported_at > written_at


@pytest.mark.slow
@pytest.mark.parametrize("at_cell", [False, True])
def test_abort_stops_the_run_and_keeps_nothing(tmp_path, at_cell):
    # stopped while the child is still importing, or while it waits at the results cell
    src = _nb(tmp_path / "in.ipynb")
    run = start_notebook(src, tmp_path / "out.ipynb", parameters={"results_path": "r.json"},
                         cwd=tmp_path, partial_dir=tmp_path / "failed")
    if at_cell:
        _wait_for(tmp_path / "imported")
    t0 = time.perf_counter()
    run.abort("analysis failed")
    assert time.perf_counter() - t0 < 15
    assert run._process.poll() is not None  # the child has exited
    assert not (tmp_path / "out.ipynb").exists() and not (tmp_path / "failed").exists()


@pytest.mark.slow
def test_failing_cell_after_release_is_a_report_error(tmp_path):
    src = _nb(tmp_path / "in.ipynb")
    run = start_notebook(src, tmp_path / "out.ipynb", parameters={"results_path": "r.json"},
                         cwd=tmp_path, partial_dir=tmp_path / "failed")
    (tmp_path / "r.json").write_text("{}")  # no 'value': the results cell fails
    run.release()
    with pytest.raises(ReportError) as info:
        run.wait()
    assert "KeyError" in str(info.value)
    assert Path(info.value.partial_notebook).is_file()


def test_bad_notebook_or_parameters_raise_before_any_process(tmp_path):
    with pytest.raises(InputError):
        start_notebook(tmp_path / "missing.ipynb", tmp_path / "out.ipynb")
    src = _nb(tmp_path / "in.ipynb")
    with pytest.raises(InputError):
        start_notebook(src, tmp_path / "out.ipynb", parameters={"x": float("nan")})


@pytest.mark.slow
def test_run_notebook_results_ready_can_stop_the_run(tmp_path):
    from toolkit.execute import NotebookAborted

    src = _nb(tmp_path / "in.ipynb")
    calls = []

    def refuse():
        calls.append(1)
        raise NotebookAborted("no results")

    with pytest.raises(NotebookAborted):
        run_notebook(src, tmp_path / "out.ipynb", parameters={"results_path": "r.json"},
                     results_ready=refuse, partial_dir=tmp_path / "failed")
    assert calls == [1]
    assert not (tmp_path / "out.ipynb").exists() and not (tmp_path / "failed").exists()


@pytest.mark.slow
@pytest.mark.parametrize("overlap", [True, False])
def test_build_report_same_outputs_with_and_without_overlap(tmp_path, monkeypatch, overlap):
    """The sequential path (used on Windows) and the overlapped one give the same report."""
    import toolkit.reporting as reporting
    from tests.conftest import SAMPLES

    nb = tmp_path / "mini.ipynb"
    book = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell("engagement = ''\nresults_path = ''")
    p.metadata["tags"] = ["parameters"]
    load = nbformat.v4.new_code_cell(
        "import json\nfrom IPython.display import HTML, display\n"
        "r = json.load(open(results_path))\n"
        "display(HTML(f\"<p>stage={r['scores']['stage']}</p>\"))")
    load.metadata["tags"] = [RESULTS_CELL_TAG]
    book.cells = [p, load]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    nbformat.write(book, str(nb))
    monkeypatch.setattr(reporting, "OVERLAP_NOTEBOOK", overlap)
    outcome = reporting.build_report(SAMPLES / "well-aligned", tmp_path / "out", notebook=nb)
    html = (outcome.folder / "report.html").read_text()
    assert "stage=Integrated" in html
    assert sorted(outcome.files) == ["aggregates.xlsx", "report.html", "report.ipynb",
                                     "report.pptx", "results.json"]
