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


def _pages(html: str) -> list[str]:
    """Text of each page of *html* printed with the report's stylesheet (WeasyPrint)."""
    import io
    from pathlib import Path

    import pytest

    weasyprint = pytest.importorskip("weasyprint")
    css = (Path(__file__).resolve().parents[1] / "templates/report/aligndx/report.css") \
        .read_text(encoding="utf-8")
    doc = weasyprint.HTML(string=f"<html><head><style>{css}</style></head><body "
                                 f"class='aligndx-report'>{html}</body></html>").render()
    out = []
    for page in doc.pages:
        texts = []

        def walk(box):
            if hasattr(box, "text") and box.text:
                texts.append(box.text)
            for child in getattr(box, "children", []) or []:
                walk(child)
        walk(page._page_box)
        out.append(" ".join(texts))
    return out


def _spacer(mm: float) -> str:
    return f"<div style='height:{mm}mm'></div>"


def test_print_keeps_a_recommendation_whole_and_never_strands_one_table_row():
    because = "".join(f"<li>Reason {i} with its figure from the client's data.</li>"
                      for i in range(8))
    rec = ("<ol class='recommendations'><li><strong>RECTITLE Enforce the SLA</strong><div "
           f"class='because'>Because<ul>{because}</ul></div><p class='why'>Why it works: "
           "RECEND.</p></li></ol>")
    rows = "".join(f"<tr><td>ROW{i}</td><td>{i}</td></tr>" for i in range(14))
    table = ("<table class='table'><thead><tr><th>What</th><th>n</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>")
    for mm in range(190, 252, 4):        # the block starts at different heights on page 1
        pages = _pages(_spacer(mm) + rec)
        where = {i for i, p in enumerate(pages) if "RECTITLE" in p or "RECEND" in p}
        assert len(where) == 1, (mm, where)
        pages = _pages(_spacer(mm) + table)
        per_page = [sum(f"ROW{i} " in p + " " for i in range(14)) for p in pages]
        assert 1 not in per_page, (mm, per_page)


def test_run_in_paragraphs_are_marked_and_may_end_a_page_before_a_chart():
    from toolkit.report.display import mark_run_ins

    html = ("<div class='aligndx-md'><p><strong>Beliefs.</strong> 81% agree.</p>"
            "<p><strong>Notes on the data</strong></p></div>")
    assert mark_run_ins(html) == ("<div class='aligndx-md'><p class=\"run-in\"><strong>"
                                  "Beliefs.</strong> 81% agree.</p><p><strong>Notes on the "
                                  "data</strong></p></div>")

    def output(inner: str) -> str:
        return ("<div class='jp-OutputArea-child'><div class='jp-OutputArea-output'>"
                f"{inner}</div></div>")

    def chart(name: str) -> str:
        return output(f"<figure class='chart cap-72'><div style='height:70mm'>{name}</div>"
                      "<figcaption class='takeaway'>caption</figcaption></figure>")
    para = output(mark_run_ins("<div class='aligndx-md'><p><strong>Beliefs.</strong> BELIEFS "
                               "the teams' views.</p></div>"))
    leadin = output(mark_run_ins("<div class='aligndx-md'><p><strong>Cohort.</strong> LEADIN "
                                 "the chart's lead-in.</p></div>"))
    for mm in range(150, 236, 6):
        pages = _pages(output(_spacer(mm)) + para + leadin + chart("CHART1") + chart("CHART2"))
        at = {w: next(i for i, p in enumerate(pages) if w in p)
              for w in ("BELIEFS", "LEADIN", "CHART1", "CHART2")}
        assert at["LEADIN"] == at["CHART1"], (mm, at)        # the lead-in stays with its chart
        assert at["BELIEFS"] == 0, (mm, at)                  # a paragraph of its own stays put
        if mm <= 160:                  # room for the first chart, not the second: they part
            assert at["CHART1"] == 0 and at["CHART2"] == 1, (mm, at)
