"""An opportunities-only engagement (the real Maven pipeline, no leads table): validate's
promise, the report's results and the workshop's header say the same thing (new-user
review F10). Skipped when ../shared/real is absent."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from tests.conftest import REAL as _REAL, ROOT, SAMPLES

# the clone's ../shared/real, or a worktree's ../../shared/real
REAL = next((p for p in (_REAL, ROOT.parent.parent / "shared" / "real") if p.is_dir()), _REAL)
MAVEN = REAL / "crm-maven" / "sales_pipeline.csv"
real = pytest.mark.skipif(not MAVEN.is_file(), reason="../shared/real is absent")

TOML = """
[client]
id = "maven"
name = "Maven Tech"
currency = "USD"
period_start = 2016-10-01
period_end = 2017-12-31

[crm]
opportunities = "crm/sales_pipeline.csv"
marketing_sources = ["web"]
skip_rows_without = ["created_at"]
columns = { opportunities = { sales_agent = "owner_id", deal_stage = "stage", engage_date = "created_at", close_date = "closed_at", close_value = "amount" } }

[incentives]
path = "incentives/comp_plan.csv"
attainment = 0.9
"""


@pytest.fixture(scope="module")
def maven(tmp_path_factory):
    d = tmp_path_factory.mktemp("maven")
    (d / "crm").mkdir()
    shutil.copy(MAVEN, d / "crm" / "sales_pipeline.csv")   # a temporary copy, read only here
    shutil.copytree(SAMPLES / "followup-gap" / "incentives", d / "incentives")
    (d / "engagement.toml").write_text(TOML, encoding="utf-8")
    return d


@real
def test_validate_promises_what_the_report_and_the_workshop_deliver(maven):
    from toolkit.intake import validate
    from toolkit.intake.summary import readiness_notes
    from toolkit.pipeline import analyse
    from toolkit.workshop import views

    data, problems = validate(maven)
    assert problems == [], problems
    note = next(n for n in readiness_notes(data) if n.startswith("No [crm] leads file"))
    # the promise: no CRM evidence (win rates included) and no verdict; the opportunities
    # serve the incentives' reward split and what-if
    assert "win rates by lead source" in note and "will not be assessed" in note
    assert "reward split" in note and "win rates, revenue) are read" not in note

    results = analyse(data)
    assert results["crm"] is None and results["verdict"] is None
    assert any("need a leads table" in w for w in results["data"]["warnings"])
    won = results["incentives"]["split"]["deals"]["won"]
    assert won == int((data.opportunities["stage"] == "Won").sum()) > 0

    shown = []
    session = SimpleNamespace(data=data, results=results, has_survey=False,
                              client_name="Maven Tech", min_group_size=5, views_note=None)
    orig = views.show_markdown
    views.show_markdown = shown.append
    try:
        views.show_intro(session)
    finally:
        views.show_markdown = orig
    intro = shown[0]
    assert "won deals from the opportunities export" in intro
    assert "Not provided: survey, CRM lead evidence (the funnel" in intro
    assert "Not provided: CRM evidence" not in intro

    # the deck's "could not be measured" slides name the missing input (F5)
    from toolkit.deck.content import deck_content

    unmeasured = [sl for sl in deck_content(results)
                  if sl.title.endswith(("could not be measured", "could not be built"))
                  and "CRM" not in sl.title and sl.title.split()[0] in ("Follow-up", "Lead",
                                                                         "The", "Whether")]
    assert len(unmeasured) >= 3, [sl.title for sl in deck_content(results)]
    for sl in unmeasured:
        assert sl.bullets[0].startswith("No leads file in the export (only opportunities"), \
            (sl.title, sl.bullets)
        assert not any("mapped" in b or "columns." in b for b in sl.bullets)


def test_unmeasured_slides_name_the_missing_input_not_intake_hints():
    from toolkit.deck.content import follow_up, politics

    results = {"crm": None, "survey": None, "data": {
        "row_counts": {"opportunities": 500, "plan": 4},
        "warnings": ["crm/opportunities.csv: Columns mapped by name: sales_agent → owner_id "
                     "(set [crm] columns.opportunities to map them otherwise)",
                     "crm: not assessed — the funnel needs a leads table"]}}
    sl = follow_up(results)
    assert sl.bullets == ["No leads file in the export (only opportunities were given): this "
                          "is measured on the leads handed to sales — when each was created, "
                          "qualified, accepted and worked."]
    assert politics(results).bullets[0].startswith("No survey file in the export")
