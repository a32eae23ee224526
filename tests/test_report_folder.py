"""Re-running a report into an existing folder: another client's report is never replaced
under a shared client id, files the consultant added are kept, outdated outputs are named."""

from __future__ import annotations

import json
import shutil

import pytest

from toolkit.exceptions import InputError
from toolkit.reporting import carry_over, check_same_client


def _results(folder, name):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps({"client": {"id": "beta", "name": name}}))


def test_another_clients_report_under_the_same_id_is_refused(tmp_path):
    final = tmp_path / "beta"
    _results(final, "Beta Logistics GmbH")
    with pytest.raises(InputError) as e:
        check_same_client(final, "Gamma Foods")
    msg = str(e.value)
    assert "Beta Logistics GmbH" in msg and "Gamma Foods" in msg and "[client] id" in msg
    check_same_client(final, "Beta Logistics GmbH")        # the same client: fine
    check_same_client(tmp_path / "new", "Gamma Foods")      # no report yet: fine


def test_added_files_are_carried_over_and_outdated_ones_named(tmp_path):
    final, staging = tmp_path / "acme", tmp_path / ".acme.x.partial"
    _results(final, "Acme")
    for name in ("report.html", "report.pdf", "comparison.json", "partner-notes.txt",
                 "report-edited.pptx"):
        (final / name).write_text("old " + name)
    (final / "drafts").mkdir()
    (final / "drafts" / "v1.docx").write_text("draft")
    staging.mkdir()
    for name in ("report.html", "results.json"):
        (staging / name).write_text("new " + name)
    notes = carry_over(final, staging)
    assert sorted(p.name for p in staging.iterdir()) == [
        "drafts", "partner-notes.txt", "report-edited.pptx", "report.html", "results.json"]
    assert (staging / "partner-notes.txt").read_text() == "old partner-notes.txt"
    assert (staging / "drafts" / "v1.docx").read_text() == "draft"
    assert (staging / "report.html").read_text() == "new report.html"   # never overwritten
    assert any("Kept 3 file(s)" in n and "partner-notes.txt" in n for n in notes)
    assert any("report.pdf" in n and "comparison.json" in n for n in notes)
    shutil.rmtree(staging)


@pytest.mark.slow
def test_cli_report_refuses_a_second_client_with_the_same_id(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import SAMPLES

    eng = tmp_path / "gamma"
    shutil.copytree(SAMPLES / "well-aligned", eng)
    out = tmp_path / "out"
    cid = next(line.split("=")[1].strip().strip('"') for line in
               (eng / "engagement.toml").read_text().splitlines() if line.startswith("id"))
    _results(out / cid, "Somebody Else Ltd")
    exe = Path(sys.executable).parent / "aligndx"
    p = subprocess.run([str(exe), "report", str(eng), "-o", str(out), "-q"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 2, p.stderr
    assert "Somebody Else Ltd" in p.stderr and "Traceback" not in p.stderr
    assert json.loads((out / cid / "results.json").read_text())["client"]["name"] == \
        "Somebody Else Ltd"


def test_cli_report_with_relative_paths(tmp_path):
    """The README's own form, ``aligndx report engagements/acme -o reports``: relative
    engagement and output folders, run from their parent (the notebook's process works in
    another folder, so every path it is handed must be absolute)."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import SAMPLES

    shutil.copytree(SAMPLES / "well-aligned", tmp_path / "engagements" / "acme")
    exe = Path(sys.executable).parent / "aligndx"
    p = subprocess.run([str(exe), "report", "engagements/acme", "-o", "reports/q1", "-q"],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    (folder,) = (tmp_path / "reports" / "q1").iterdir()
    assert {"report.html", "results.json", "report.ipynb"} <= {f.name for f in folder.iterdir()}
    assert not [f for f in (tmp_path / "reports" / "q1").rglob("*") if ".partial" in f.name]
