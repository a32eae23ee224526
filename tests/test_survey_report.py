"""The survey report sections: charts with alt text and takeaways, no private data."""

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import toolkit.report.display as display_mod
import toolkit.report.survey as report
from toolkit.charts import survey as charts
from toolkit.config import AnalysisSettings
from toolkit.instrument import LIKERT_ITEMS
from toolkit.survey import measure_survey

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


class _Texts:
    """The HTML/Markdown source of everything the renderers emitted (they return or emit
    displayables; nothing is displayed as a side effect)."""

    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items.texts())


@pytest.fixture
def capture():
    with display_mod.collect() as items:
        yield _Texts(items)


@pytest.fixture(scope="module")
def sample_results():
    df = pd.read_csv(SAMPLES / "well-aligned" / "survey" / "responses.csv",
                     dtype={c: "float64" for c in LIKERT_ITEMS} | {"respondent_id": str})
    # a comment with an e-mail, a phone number and a known name, on the big sales team
    i = df.index[df["team"] == "sales"][0]
    df.loc[i, "OPEN1"] = "Ask Jordan Reyes (jordan.reyes@fabrikam.example, +1 212 555 0199)"
    r = measure_survey(df, settings=AnalysisSettings(), known_names=["Jordan Reyes"])
    return df, {"survey": r}


def test_full_render_has_every_chart_with_alt_and_takeaway(capture, sample_results):
    df, results = sample_results
    report.render(results)
    html = "\n".join(capture)
    figures = re.findall(r"<figure.*?</figure>", html, flags=re.S)
    # politics, incentives and communication dot charts, gaps, maturity, frequency, drivers
    # (the statement-by-statement answer charts are no longer in the body: issue 17)
    assert len(figures) >= 7
    for f in figures:
        alt = re.search(r'alt="([^"]*)"', f).group(1)
        assert len(alt) > 20
        assert re.search(r"<figcaption class=\"takeaway\">[^<]{15,}</figcaption>", f)
    assert "Anonymity:" in html and "revenue operations" in html and "revops" not in html


def test_no_email_phone_name_or_id_reaches_html(capture, sample_results):
    df, results = sample_results
    report.render(results)
    html = "\n".join(capture)
    assert "@" not in re.sub(r'src="data:image/png;base64,[^"]+"', "", html)
    assert "pat.jordan" not in html and "jordan.reyes" not in html
    assert "555 0199" not in html and "555 0142" not in html
    assert "Jordan Reyes" not in html
    # a comment that is mostly contact details is not quoted at all (issue 17)
    assert "[e-mail removed]" not in html
    for rid in df["respondent_id"].head(30):
        assert rid not in html


def test_team_of_four_not_in_html(capture, sample_results):
    _, results = sample_results
    report.render_participation(results)
    html = "\n".join(capture)
    table = html[html.index("<table"):html.index("</table>")]
    assert "revops" not in table
    assert "<td>4</td>" not in table


def test_tiny_engagement_renders_without_side_charts(capture):
    rows = [{"respondent_id": f"r{i}", "team": t, **{c: 3.0 for c in LIKERT_ITEMS},
             "FREQ": "weekly"} for i, t in enumerate(["sales"] * 3 + ["marketing"] * 9)]
    r = measure_survey(pd.DataFrame(rows), settings=AnalysisSettings())
    report.render({"survey": r})
    html = "\n".join(capture)
    assert "Perception gaps are not shown" in html
    assert re.search(r"Hidden for anonymity: [^.—]*sales side", html)
    assert re.search(r"Also hidden: [^.]*marketing side", html)
    assert "+0.00 (negligible)" not in html        # no Cliff's delta is printed


def test_not_assessed_when_no_survey(capture):
    report.render({"survey": None, "data": {"warnings": ["survey: no survey section"]}})
    assert "not assessed" in "\n".join(capture)


def test_chart_functions_return_axes():
    lik = pd.DataFrame([{"label": "A", "side": "sales", "1": .1, "2": .2, "3": .3, "4": .2,
                         "5": .2}, {"label": "A", "side": "marketing", "1": 0, "2": 0,
                                    "3": .5, "4": .5, "5": 0}])
    ax = charts.plot_likert_diverging(data=lik)
    # bar of the sales row starts at −(0.1 + 0.2 + 0.3/2) = −0.45
    lefts = sorted(round(p.get_x(), 6) for p in ax.patches)
    assert lefts[0] == pytest.approx(-0.45)
    ax = charts.plot_perception_gaps(data=pd.DataFrame({"label": ["x", "y"],
                                                        "gap": [0.8, -0.5]}))
    assert len(ax.patches) == 2
    ax = charts.plot_frequency_by_side(data=pd.DataFrame(
        {"side": ["sales", "sales"], "level": ["daily", "never"], "share": [0.4, 0.6]}))
    assert ax.get_xlim() == (0, 1)
    ax = charts.plot_maturity_by_side(data=pd.DataFrame({"side": ["sales"], "mean": [3.2]}))
    assert ax.get_xlim() == (1, 5)
    plt.close("all")


def test_group_hidden_against_subtraction_is_not_said_to_have_few_answers():
    """Review 16d: a heatmap group of 113 hidden on one theme only so that a small group
    cannot be recovered by subtraction is not said to have "fewer than 5" answers."""
    from toolkit.report.survey import hidden_sentences

    sv = {"scales": {"TRUST": {"name": "Trust"}}}
    recs = [{"where": "survey.heatmap.level.TRUST", "group": "individual",
             "reason": "complementary_answers"},
            {"where": "survey.heatmap.level.TRUST", "group": "executive",
             "reason": "few_answers"}]
    text = " ".join(hidden_sentences(recs, sv, 5, 8, []))
    assert "executive" in text and "fewer than 5 of them answered" in text
    sub = next(t for t in hidden_sentences(recs, sv, 5, 8, []) if "individual" in t)
    assert "fewer than 5 of them answered" not in sub and "by subtraction" in sub
