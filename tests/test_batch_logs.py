"""Batch logs, ``_failed/`` and batch-summary.csv carry no unneutralised client value
(issue 13 deliverable 4): folder names like ``=HYPERLINK(...)``, respondent ids that are
e-mail addresses, formula cells quoted by an error message.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest

from toolkit.batch import run_batch
from toolkit.privacy import safe_log_text

from conftest import write

TESTS = Path(__file__).resolve().parent
EMAIL = "jane.doe@client.example"
FORMULA = re.compile(r"^[=+\-@\t\r]", re.M)


@pytest.fixture(autouse=True)
def _fake_path(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS),
                                                      os.environ.get("PYTHONPATH", "")]))


def make(root: Path, rel: str, cid: str, behaviour: str) -> Path:
    folder = root / rel
    write(folder / "engagement.toml",
          f'[client]\nid = "{cid}"\nname = "{cid}"\n[survey]\npath = "data.csv"\n')
    write(folder / "behaviour.txt", behaviour)
    write(folder / "data.csv", "50 70")
    return folder


def test_logs_failed_and_summary_hold_no_client_value(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    make(src, '=HYPERLINK("http:evil.example","x")', "hyper", "leak")
    make(src, "@SUM(1+1)", "twice", "ok")            # refused: the id is used twice
    make(src, "+plus", "twice", "ok")
    make(src, "fine", "fine", "ok")
    res = run_batch(src, out, target="batch_fakes:job", portfolio=False,
                    show_progress=False)
    assert sorted(r.status for r in res.results) == ["failed", "failed", "failed", "ok"]
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".log", ".csv")]
    logs = [p for p in files if p.name == "run.log"]
    assert len(logs) >= 3 and (out / "_failed" / "hyper" / "run.log") in logs
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert EMAIL not in text, p
        if p.suffix == ".log":
            assert not FORMULA.search(text), (p, FORMULA.findall(text))
    hyper = (out / "_failed" / "hyper" / "run.log").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in hyper and "[e-mail removed]" in hyper   # kept, defused
    with open(out / "batch-summary.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for v in r.values():
            assert not re.match(r"[=+\-@\t\r]", v or ""), r
    assert {r["folder"] for r in rows} >= {"'=HYPERLINK(\"http:evil.example\",\"x\")",
                                           "'@SUM(1+1)", "'+plus"}


def test_safe_log_text_unit():
    text = "=cmd\nok line\n@x a@b.co\n-1\n+2\n\tz\n fine =x"
    assert safe_log_text(text) == ("'=cmd\nok line\n'@x [e-mail removed]\n'-1\n'+2\n'\tz\n"
                                   " fine =x")


def test_portfolio_staging_survives_a_reports_sweep(tmp_path, monkeypatch):
    """Review 13 (F-PORTFOLIO): a report's run sweeps unlocked ``OUT/.*.partial`` folders;
    the portfolio notebook's staging folder was one of them ("Broken pipe")."""
    import toolkit.batch.portfolio as pf
    from toolkit.runsafe import sweep_stale

    class Run:
        def release(self):
            pass

        def wait(self):
            pass

        def abort(self):
            pass

    def start(notebook, ipynb, **kw):
        Path(ipynb).write_text("{}")
        Path(kw["html"]).write_text("<p>portfolio</p>")
        return Run()

    monkeypatch.setattr(pf, "start_notebook", start)
    build = pf.start_portfolio(tmp_path)
    stale = tmp_path / ".abandoned.1234.partial"
    stale.mkdir()
    assert sweep_stale(tmp_path) == [stale]          # a dead run's folder goes, ours stays
    assert build.finish() == tmp_path / "portfolio.html"
    assert (tmp_path / "portfolio.html").read_text() == "<p>portfolio</p>"
    assert not list(tmp_path.glob(".*"))
