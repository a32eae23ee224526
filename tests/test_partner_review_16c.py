"""Partner review 16c, charts and wording shared by every report: one scale name and one
healthy direction, perception gaps that read one way."""

from __future__ import annotations

import pandas as pd


def test_sides_differ_most_on_conflict_names_its_healthy_mirror():
    from toolkit.report.survey import scale_takeaway

    sv = {"scales": {
        "FAIR": {"name": "Fair distribution", "cliffs_delta": 0.05,
                 "cliffs_magnitude": "negligible", "by_side": {"all": {"index_0_100": 40}}},
        "CONF": {"name": "Dysfunctional conflict", "cliffs_delta": -0.4,
                 "cliffs_magnitude": "medium", "by_side": {"all": {"index_0_100": 70}}}}}
    text = scale_takeaway(sv, ["FAIR", "CONF"])
    assert text == ("Weakest: freedom from conflict and blame (30 of 100). The sides differ "
                    "most on freedom from conflict and blame: the marketing side reports more "
                    "conflict and blame (a medium difference).")
    assert "dysfunctional" not in text.lower()


def test_perception_gaps_point_to_the_side_that_answers_more_healthily():
    from toolkit.charts.survey import plot_perception_gaps
    from toolkit.charts.theme import pyplot

    d = pd.DataFrame({"label": ["Marketing leads not worth working", "Joint training"],
                      "gap": [1.3, -0.4], "unhealthy": [True, False]})
    ax = plot_perception_gaps(data=d)
    widths = sorted((round(p.get_y(), 2), round(p.get_width(), 2)) for p in ax.patches)
    # top bar (first row): sales agrees more with an unhealthy statement: marketing healthier
    assert [w for _, w in widths] == [-0.4, -1.3]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Marketing leads not worth working\n(agreeing is unhealthy)" in labels
    assert "Joint training" in labels and "healthier" in ax.get_xlabel()
    pyplot().close(ax.figure)
    raw = plot_perception_gaps(data=d.drop(columns="unhealthy"))   # as answered
    assert sorted(round(p.get_width(), 2) for p in raw.patches) == [-0.4, 1.3]
    assert "agrees more" in raw.get_xlabel()
    pyplot().close(raw.figure)
