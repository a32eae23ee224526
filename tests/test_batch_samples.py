"""Batch over a real sample engagement (notebooks run for real) plus a broken engagement."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from toolkit.batch import run_batch
from toolkit.paths import SAMPLES_DIR

from conftest import write

SAMPLE = SAMPLES_DIR / "well-aligned"


def toml_name(src):
    import tomllib
    doc = tomllib.loads((src / "well-aligned/engagement.toml").read_text())
    return json.dumps({"name": doc["client"]["name"]})


def _strip(results: dict) -> dict:
    out = dict(results)
    out.pop("generated_at", None)
    return out


@pytest.mark.slow
def test_batch_samples_with_broken_engagement(tmp_path):
    if not (SAMPLE / "engagement.toml").is_file():
        pytest.skip("sample engagement well-aligned is absent")
    src, out = tmp_path / "clients", tmp_path / "out"
    shutil.copytree(SAMPLE, src / "well-aligned")
    write(src / "broken/engagement.toml", '[client]\nid = "broken"\nname = "Broken"\n'
          '[crm]\nleads = "crm/leads.csv"\n')
    write(src / "broken/crm/leads.csv", "lead_id,created_at\nL1,not-a-date\nL1,2025-01-01\n")

    res = run_batch(src, out, jobs=2, timeout=300, show_progress=False)
    assert res.exit_code == 1
    with open(out / "batch-summary.csv", newline="") as fh:
        rows = {r["client_id"]: r for r in csv.DictReader(fh)}
    assert {k: r["status"] for k, r in rows.items()} == {
        "broken": "failed", "well-aligned": "ok"}
    assert "leads.csv" in rows["broken"]["error"]
    assert (out / "_failed/broken/run.log").is_file() and not (out / "broken").exists()
    for cid in ("well-aligned",):
        assert sorted(p.name for p in (out / cid).iterdir()) == [
            "aggregates.xlsx", "fingerprint.json", "report.html", "report.ipynb",
            "report.pptx", "results.json", "run.log"]

    # the report built in a parallel batch (child process) and a serial in-process analysis
    # of the same inputs give the same results.json apart from the timestamp
    from toolkit.pipeline import analyse_folder

    parallel = json.loads((out / "well-aligned/results.json").read_text())
    serial = json.loads(json.dumps(analyse_folder(src / "well-aligned")))
    assert _strip(parallel) == _strip(serial)

    html = (out / "portfolio.html").read_text()
    assert res.portfolio == out / "portfolio.html"
    assert "well-aligned" in html or json.loads(toml_name(src))["name"] in html

    # second run: nothing changed, nothing rebuilt (the broken one fails again, quickly)
    again = run_batch(src, out, jobs=2, timeout=300, show_progress=False, portfolio=False)
    assert [(r.client_id, r.status) for r in again.results] == [
        ("broken", "failed"), ("well-aligned", "skipped")]
