"""One rounding rule for every displayed figure (review 16d, M1): halves round up in the text,
the tiles, the deck's native chart data and labels, and the report's charts alike."""

from __future__ import annotations

import json
import math
import re

import pytest
from pptx import Presentation

from tests.conftest import SAMPLES
from toolkit.formatting import half_up


def _excel_round(x: float, places: int = 0) -> float:
    """How PowerPoint and Excel display a value under a ``0`` number format: halves away
    from zero, after reading the value at 15 significant digits (an independent reference:
    floor(x + 0.5) on the scaled value)."""
    v = float(f"{x:.15g}") * 10 ** places
    return math.copysign(math.floor(abs(v) + 0.5 + 1e-9), v) / 10 ** places


@pytest.mark.parametrize("x,places,want", [(42.5, 0, 43), (50.5, 0, 51), (82.5, 0, 83),
                                           (100 * 0.145, 0, 15), (12.5, 0, 13),
                                           (-2.5, 0, -3), (2.45, 1, 2.5), (0.125, 2, 0.13),
                                           (41.49, 0, 41), (-0.4, 0, 0)])
def test_half_up_agrees_with_the_spreadsheet_rule(x, places, want):
    assert half_up(x, places) == want == _excel_round(x, places)
    assert str(half_up(-0.4)) == "0.0"          # never "-0"


@pytest.fixture(scope="module")
def halves():
    """A client whose scores all end in .5 (the rounding rules disagree on exactly these)."""
    from toolkit.pipeline import analyse_folder
    res = json.loads(json.dumps(analyse_folder(SAMPLES / "well-aligned")))
    res["scores"].update({"politics": 50.5, "incentives": 62.5, "communication": 82.5,
                          "overall": 42.5})
    return res


def test_deck_tiles_text_and_chart_labels_agree_on_halves(halves, tmp_path):
    from toolkit.deck import write_deck
    prs = Presentation(str(write_deck(halves, tmp_path / "report.pptx")))
    text = "\n".join(sh.text_frame.text for s in prs.slides for sh in s.shapes
                     if sh.has_text_frame)
    charts = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    score_chart = next(c for c in charts if "Overall" in list(c.plots[0].categories))
    cats = list(score_chart.plots[0].categories)
    vals = list(score_chart.plots[0].series[0].values)
    fmt = score_chart.plots[0].data_labels.number_format
    assert fmt == "#,##0"
    shown = {c: int(_excel_round(v)) for c, v in zip(cats, vals)}
    assert shown == {"Company politics": 51, "Incentives": 63, "Communication": 83,
                     "Overall": 43}, shown
    # the chart holds the value as shown, so "Edit data" and the label read the same
    assert vals == [51, 63, 83, 43]
    # every place the deck's text gives a score, it gives the chart's number
    assert "Company politics: 51 of 100" in text and "Communication: 83 of 100" in text
    for wrong in ("50 of 100", "62 of 100", "82 of 100", "42 of 100", "42\n", "42 /"):
        assert wrong not in text, wrong
    assert re.search(r"\b43\b", text)            # the overall tile


def test_report_text_rounds_halves_like_the_charts(halves):
    from toolkit.report import sowhat
    from toolkit.report.display import fmt_num, fmt_pct
    assert "51 of 100" in (sowhat.politics(halves) or "")
    assert "83 of 100" in (sowhat.communication(halves) or "")
    assert fmt_pct(0.145) == "15%" and fmt_pct(0.125) == "13%" and fmt_num(2.25, 1) == "2.3"


def test_summary_tiles_stay_readable(halves, tmp_path):
    """Review 16d: the money tile's label was 8 pt, unreadable when projected."""
    from toolkit.deck import write_deck
    prs = Presentation(str(write_deck(halves, tmp_path / "report.pptx")))
    sizes = [r.font.size.pt for sh in prs.slides[1].shapes if sh.has_text_frame
             for p in sh.text_frame.paragraphs for r in p.runs if r.font.size is not None]
    assert sizes and min(sizes) >= 10
