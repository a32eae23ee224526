"""Report sections of the survey analytics: plain words, charts with alt text, escaped client
text, honest "not assessed", old results still render as judged."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.axes import Axes

from toolkit.charts.survey_analytics import plot_dominance, plot_group_heatmap
from toolkit.config import AnalysisSettings
from toolkit.instrument import LIKERT_ITEMS
from toolkit.report import sections
from toolkit.report import survey_analytics as ra
from toolkit.report.display import collect
from toolkit.survey import measure_survey

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def results():
    df = pd.read_csv(SAMPLES / "followup-gap" / "survey" / "responses.csv",
                     dtype={c: "float64" for c in LIKERT_ITEMS} | {"respondent_id": str})
    sales = df.index[df["team"] == "sales"]
    # client text that must never become markup, and a region name that is mathtext
    df.loc[sales[:12], "OPEN1"] = "<script>alert(1)</script> the CRM leads <b>data</b>"
    df.loc[df["region"] == "APAC", "region"] = "$APAC$"
    return {"survey": measure_survey(df, settings=AnalysisSettings())}


def _html(fn, results) -> str:
    with collect() as out:
        fn(results)
    return out.html()


def test_drivers_in_plain_words_with_chart(results):
    html = _html(ra.render_drivers, results)
    assert "What goes with an effective relationship" in html
    fig = re.search(r"<figure.*?</figure>", html, flags=re.S).group(0)
    assert 'alt="Horizontal bars' in fig
    assert re.search(r"goes with the largest share — \d+% \(95% interval \d+%–\d+%\)", fig)
    assert "association, not proof of cause" in html and "beta" not in html.lower()


def test_heatmap_section_names_the_planted_region(results):
    html = _html(ra.render_heatmap, results)
    assert "Where groups differ from the company as a whole" in html
    assert "EMEA (region) lower on trust" in html
    assert "hidden because fewer than 5 people" in html


def test_themes_table_escapes_client_text(results):
    html = _html(ra.render_themes, results)
    assert "<script>" not in html and "<b>data" not in html
    assert "Biggest obstacle" in html and "For example" in html
    assert "@" not in html
    qq = {"prompt": "Biggest obstacle", "n_comments": 30, "sides": ["sales"],
          "themes": [{"label": "<img src=x onerror=alert(1)>", "share": {"sales": 0.5,
                                                                       "all": 0.4},
                      "examples": ["<script>alert(1)</script>"]}],
          "other_share": {"all": 0.1}}
    table = ra.themes_table(qq)
    assert "<img" not in table and "<script>" not in table
    assert "&lt;script&gt;" in table and "&lt;img src=x" in table
    assert "50%" in table and "40%" in table and "10% fit no theme" in table


def test_communication_section_through_the_dispatch_table(results):
    html = sections.render("communication", results).html()
    for heading in ("What goes with an effective relationship", "Where groups differ",
                    "What people wrote"):
        assert heading in html
    appendix = sections.render("appendix_methodology", results).html()
    assert "general dominance" in appendix and "Benjamini" in appendix
    assert "Kullback" in appendix


def test_too_few_respondents_is_said_plainly(results):
    thin = {"survey": {**results["survey"], "drivers": {
        "status": "too_few_respondents", "reason": "Too few respondents for a driver "
        "analysis: 12 answered every scale, and at least 30 are needed."}}}
    html = _html(ra.render_drivers, thin)
    assert "Not assessed: Too few respondents" in html and "<figure" not in html


def test_old_results_render_their_betas():
    old = {"survey": {"respondents": {"all": 80}, "scales": {"TRUST": {"name": "Trust"}},
                      "drivers": [{"scale": "TRUST", "beta": 0.41, "ci": [0.2, 0.6]}],
                      "drivers_model": {"n": 80}}}
    html = _html(ra.render_drivers, old)
    assert "+0.41" in html and "earlier version" in html


def test_charts_return_axes():
    d = pd.DataFrame({"label": ["Trust", "Shared goals"], "share": [0.6, 0.4],
                      "ci_low": [0.4, 0.2], "ci_high": [0.8, 0.6]})
    assert isinstance(plot_dominance(data=d), Axes)
    h = pd.DataFrame({"row": ["A", "A"], "scale": ["TRUST", "CONF"], "column": ["T", "C"],
                      "diff": [5.0, -3.0], "marked": [True, False], "shown": [True, True]})
    assert isinstance(plot_group_heatmap(data=h), Axes)
