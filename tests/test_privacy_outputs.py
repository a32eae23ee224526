"""No figure or comment of a hidden group reaches any output (issue 13; partner review A1, A2).

Differential proof, output by output: an engagement with a group the anonymity rules hide
is rendered twice — as it is, and with the hidden group's data changed (or the group
removed). Every output a reader gets — results.json, every report section (text and
charts), aggregates.xlsx and report.pptx — must then be identical: nothing in them depends on
the hidden group, so no number, comment, total or row count can reveal it, by subtraction
or otherwise. Then the real thing, once: ``build_report`` with the PDF, whose report.html,
report.ipynb and PDF text must hold none of the hidden group's comments, and whose
results.json is the one the differential proof was run on.

Scenario 1: a team of 3 (revops, the only team outside sales and marketing) — below
``min_group_size``, so left out of every figure; variant: one more of them and all their
answers and comments changed (their head count, rows read and kept, totals and content must
change nothing). That a small group was left out is said (as the rule requires), never its
size.
Scenario 2: the other teams are 12 people (shown in overall figures) but only 4 of them
answered "One thing to change" — under ``min_comment_group_size``; variant: those 4
comments rewritten.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

MARK = "Zanzibarquokka"   # a word no generated comment holds


def _engagement(root: Path, name: str, *, rest: dict, open2_rest: int | None = None,
                variant: str = "base") -> Path:
    """A small followup-gap engagement whose other teams are exactly *rest*."""
    from toolkit.generate import generate_engagement

    eng = generate_engagement(root / name, "followup-gap", seed=1313, n_respondents=72,
                              n_leads=900, client_id="hidden-group")
    path = eng / "survey" / "responses.csv"
    sv = pd.read_csv(path, dtype=str, keep_default_na=False)
    others = ~sv["team"].isin(["sales", "sales_development", "marketing"])
    sv.loc[others, "team"] = "sales"
    start = 0
    for team, n in rest.items():
        rows = sv.index[sv["team"] == "sales"][start:start + n]
        sv.loc[rows, "team"] = team
    hidden = sv.index[~sv["team"].isin(["sales", "sales_development", "marketing"])]
    if open2_rest is None:  # scenario 1: the whole team is hidden
        for j, i in enumerate(hidden):
            sv.loc[i, "OPEN1"] = f"{MARK} obstacle {j}: the revops queue is ours alone"
            sv.loc[i, "OPEN2"] = f"{MARK} change {j}: give revops its own budget"
            for c in sv.columns[5:]:
                if re.fullmatch(r"[A-Z]+\d+", c):
                    sv.loc[i, c] = "1" if variant == "base" else "5"
        if variant == "changed":  # one more of them, and every answer and comment changed
            extra = sv.loc[[hidden[0]]].assign(respondent_id="R_one_more")
            sv = pd.concat([sv, extra], ignore_index=True)
    else:  # scenario 2: a few of the other teams' comments on OPEN2
        sv.loc[hidden, "OPEN2"] = ""
        for j, i in enumerate(hidden[:open2_rest]):
            sv.loc[i, "OPEN2"] = (f"{MARK} wish {j}: one shared revenue target" if
                                  variant == "base" else f"Nothing else {j}, all fine")
    sv.to_csv(path, index=False)
    return eng


def _strip_volatile(obj):
    if isinstance(obj, dict):
        return {k: _strip_volatile(v) for k, v in obj.items()
                if k not in ("generated_at", "path", "seconds")}
    if isinstance(obj, list):
        return [_strip_volatile(v) for v in obj]
    return obj


def _outputs(eng: Path, tmp: Path) -> dict:
    """Everything a reader gets, rendered in this process: results, each report section
    (visible text and every chart's bytes), the workbook's cells, the deck's text."""
    from bs4 import BeautifulSoup
    from openpyxl import load_workbook
    from pptx import Presentation

    from toolkit.deck import write_deck
    from toolkit.deliverables import write_aggregates_xlsx
    from toolkit.jsonio import jsonable
    from toolkit.pipeline import analyse_folder
    from toolkit.report.sections import render_all

    results = json.loads(json.dumps(jsonable(analyse_folder(eng))))
    out = {"results.json": _strip_volatile(results)}
    for name, rendered in render_all(results).items():
        soup = BeautifulSoup(rendered.html(), "html.parser")
        charts = [hashlib.sha1(img.get("src", "").encode()).hexdigest()
                  for img in soup.find_all("img")]
        out[f"report:{name}"] = (" ".join(soup.get_text(" ").split()), charts)
    tmp.mkdir(parents=True, exist_ok=True)
    xlsx = write_aggregates_xlsx(results, tmp / "aggregates.xlsx")
    wb = load_workbook(xlsx, read_only=True)
    out["aggregates.xlsx"] = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                              for ws in wb.worksheets}
    deck = write_deck(results, tmp / "report.pptx")
    out["report.pptx"] = [[sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
                          + [slide.notes_slide.notes_text_frame.text
                             if slide.has_notes_slide else ""]
                          for slide in Presentation(deck).slides]
    return out


def _differences(a: dict, b: dict) -> list[str]:
    return [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


@pytest.fixture(scope="module")
def team_of_three(tmp_path_factory):
    root = tmp_path_factory.mktemp("team3")
    base = _engagement(root, "base", rest={"revops": 3})
    changed = _engagement(root, "changed", rest={"revops": 3}, variant="changed")
    return {"base": base, "outputs": {v: _outputs(e, root / f"{v}-out") for v, e in
                                      (("base", base), ("changed", changed))}}


def test_team_of_three_changes_no_output(team_of_three):
    """Three revops respondents → four, every answer and comment of theirs changed: no
    output changes (so no n, mean, comment, total or row count depends on them)."""
    out = team_of_three["outputs"]
    res = out["base"]["results.json"]
    assert res["data"]["privacy_audit"]["ok"] is True
    assert res["survey"]["respondents"]["all"] is not None      # the report still says much
    assert res["data"]["row_counts"]["survey"] is None          # rows read would give 3
    assert not any(MARK in json.dumps(v, default=str) for v in out["base"].values())
    assert _differences(out["base"], out["changed"]) == []


def test_team_of_three_in_every_file_of_a_real_run(team_of_three, tmp_path):
    """report.html, report.ipynb and the PDF (when weasyprint is there) of a real run hold
    none of the team's comments; its results.json is the one proven above."""
    import shutil
    import subprocess

    import toolkit.reporting as reporting

    try:
        import weasyprint  # noqa: F401
        pdf = bool(shutil.which("pdftotext"))
    except (ImportError, OSError):  # pragma: no cover - the pdf extra is optional
        pdf = False
    outcome = reporting.build_report(team_of_three["base"], tmp_path / "out", pdf=pdf)
    files = outcome.files
    for name in ("report.html", "report.ipynb", "results.json"):
        assert MARK not in Path(files[name]).read_text(encoding="utf-8"), name
    res = json.loads(Path(files["results.json"]).read_text(encoding="utf-8"))
    assert _strip_volatile(res) == team_of_three["outputs"]["base"]["results.json"]
    if pdf:
        text = subprocess.run(["pdftotext", str(files["report.pdf"]), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "respondents" in text and MARK not in text


def test_few_comments_of_a_shown_group_change_no_output(tmp_path):
    """Results are the one door to every output (tests/test_architecture.py), so equal
    results.json prove every rendered file equal; the base's outputs are searched too."""
    from toolkit.jsonio import jsonable
    from toolkit.pipeline import analyse_folder

    base = _engagement(tmp_path, "base", rest={"leadership": 12}, open2_rest=4)
    other = _engagement(tmp_path, "other", rest={"leadership": 12}, open2_rest=4,
                        variant="changed")
    a, b = (_strip_volatile(json.loads(json.dumps(jsonable(analyse_folder(e)))))
            for e in (base, other))
    assert a["survey"]["respondents"]["all"] == 72                  # the 12 count in "all"
    assert "other_teams" not in a["survey"]["comments"]["by_side"]
    assert MARK not in json.dumps(a)
    assert a == b
