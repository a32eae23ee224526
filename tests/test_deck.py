"""report.pptx: slide count, native charts, notes, text fit, template, and a look as images."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from pptx import Presentation
from pptx.util import Inches

from tests.conftest import SAMPLES
from toolkit.deck import build_deck, write_deck
from toolkit.deck.fit import Para, fit_size, overflow_problems, text_height, text_width, \
    wrapped_lines
from toolkit.exceptions import ConfigError

CODES = re.compile(r"\b(FAIR|TRUST|CONF|SUPP|SHARE|RINT|RFAIR|BIDIR|QUAL|DEFN|FEED|MAT|REFF)"
                   r"\d*\b|CLAIM_|\b(survey|crm|incentives|verdict|scores)\.[a-z_]+|"
                   r"not_supported|not_assessed|SPEC §")


@pytest.fixture(scope="module", params=["followup-gap", "well-aligned"])
def results(request):
    from toolkit.pipeline import analyse_folder

    return json.loads(json.dumps(analyse_folder(SAMPLES / request.param)))


def _texts(prs):
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield shape.text_frame.text
            if getattr(shape, "has_table", False):
                for row in shape.table.rows:
                    for cell in row.cells:
                        yield cell.text


def test_deck_slides_charts_notes_and_fit(results, tmp_path):
    prs = Presentation(str(write_deck(results, tmp_path / "report.pptx",
                                      branding={"practice": "Northstar Advisory"})))
    assert 10 <= len(prs.slides) <= 15
    charts = [sh for s in prs.slides for sh in s.shapes if sh.has_chart]
    pictures = [sh for s in prs.slides for sh in s.shapes if sh.shape_type == 13]
    assert len(charts) >= 8 and not pictures  # native charts, never images of charts
    # the chart carries the client's numbers: the funnel chart's values are the counts
    counts = results["crm"]["funnel"]["counts"]
    funnel = [c.chart for c in charts if list(c.chart.plots[0].categories)[0] == "Leads"]
    assert list(funnel[0].plots[0].series[0].values) == [counts[k] for k in
                                                         ("leads", "mql", "sal", "sql",
                                                          "opportunity", "won")]
    for i, slide in enumerate(prs.slides, 1):
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text.strip(), i
    assert overflow_problems(prs) == []
    text = "\n".join(_texts(prs))
    assert results["client"]["name"] in text and "Confidential" in text
    assert "Northstar Advisory" in text
    assert not CODES.search(text), CODES.search(text)
    # one stage language: only the overall score's stage appears as a stage name
    stage = results["scores"]["stage"]
    others = {"Undefined", "Defined", "Aligned", "Integrated"} - {stage}
    assert not [w for w in others if re.search(rf"\b{w}\b", text)]


def test_summary_slide_has_verdict_findings_and_actions(results):
    prs = build_deck(results, branding={})
    summary = "\n".join(sh.text_frame.text for sh in prs.slides[1].shapes if sh.has_text_frame)
    assert f"{results['scores']['overall']:.0f}" in summary
    assert "What we found" in summary and "What to do first" in summary
    from toolkit.deck.content import ranked_recommendations

    recs = ranked_recommendations(results)
    assert recs[0]["title"] in summary or "No change is called for" in summary


def test_not_assessed_sections_keep_the_deck_whole():
    results = {"client": {"name": "Acme", "currency": "EUR"}, "scores": {},
               "survey": None, "crm": None, "incentives": None, "verdict": None,
               "recommendations": [],
               "data": {"warnings": ["crm: no CRM files configured"], "settings": {}}}
    prs = build_deck(results, branding={})
    assert 10 <= len(prs.slides) <= 15
    assert overflow_problems(prs) == []
    text = "\n".join(_texts(prs))
    assert "No CRM files configured" in text and "could not be" in text


def test_practice_template_is_used(results, tmp_path):
    tpl = Presentation()
    tpl.slide_width, tpl.slide_height = Inches(10), Inches(7.5)  # 4:3 practice template
    tpl.slides.add_slide(tpl.slide_layouts[0])  # a sample slide, dropped by the deck
    tpl.save(tmp_path / "practice.pptx")
    prs = build_deck(results, branding={"practice": "Northstar", "pptx_template":
                                        str(tmp_path / "practice.pptx")})
    assert prs.slide_width == Inches(10)
    assert prs.slides[0].slide_layout.name == "Title Slide"
    assert {s.slide_layout.name for s in list(prs.slides)[1:]} == {"Title Only"}
    assert prs.slides[2].shapes.title.text  # the action title sits in the template's title
    assert overflow_problems(prs) == []


def test_missing_template_is_a_config_error(tmp_path):
    from toolkit.execute import load_branding

    (tmp_path / "branding.toml").write_text('[branding]\npptx_template = "nope.pptx"\n')
    with pytest.raises(ConfigError, match="nope.pptx"):
        load_branding(tmp_path / "branding.toml")
    (tmp_path / "bad.pptx").write_text("not a deck")
    with pytest.raises(ConfigError, match="not a readable PowerPoint"):
        build_deck({}, branding={"pptx_template": str(tmp_path / "bad.pptx")})


# --- the fit estimate, against numbers worked out by hand -----------------------------------

def test_text_width_from_glyph_advances():
    # Liberation Sans (Arial metrics): 'i' is 0.222 em, 'W' 0.944 em, space 0.278 em
    assert text_width("i", 100) == pytest.approx(22.2, abs=0.1)
    assert text_width("W W", 10) == pytest.approx(9.44 * 2 + 2.78, abs=0.05)
    assert text_width("ab", 18, bold=True) > text_width("ab", 18)


def test_wrapping_and_fitting():
    word = "x" * 10
    w = text_width(word, 12)
    line = " ".join([word] * 4)
    # 4 words on a line a bit over 2 words wide: 2 lines; a very narrow box breaks words
    assert wrapped_lines(line, (2 * w + text_width(" ", 12)) / 0.97 + 1, 12) == 2
    assert wrapped_lines(word, w / 2, 12) >= 2
    paras = [Para(line, 20), Para(line, 10, space_before=5)]
    h = text_height(paras, 10_000)
    assert h == pytest.approx(20 * 1.2 + 10 * 1.2 + 5)
    size = fit_size(paras, 10_000, h / 2, max_pt=20, min_pt=6)
    assert size is not None and size < 20
    assert text_height([Para(line, size), Para(line, size / 2, space_before=2.5 * size / 10)],
                       10_000) <= h / 2
    assert fit_size(paras, 10, 1, max_pt=20, min_pt=6) is None


def test_overflow_check_catches_a_crammed_box():
    prs = Presentation()
    box = prs.slides.add_slide(prs.slide_layouts[6]).shapes.add_textbox(0, 0, Inches(2),
                                                                         Inches(0.5))
    box.text_frame.text = "A sentence far too long for a two-inch box at eighteen points " * 3
    from pptx.util import Pt
    box.text_frame.paragraphs[0].runs[0].font.size = Pt(18)
    assert len(overflow_problems(prs)) == 1


@pytest.mark.slow
def test_every_slide_renders_as_an_image(results, tmp_path):
    """LibreOffice renders each slide; each page image carries ink (not blank)."""
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        pytest.skip("LibreOffice or poppler not installed")
    pptx = write_deck(results, tmp_path / "report.pptx")
    n = len(Presentation(str(pptx)).slides)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(pptx)],
                   check=True, capture_output=True, timeout=180)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(tmp_path / "report.pdf"),
                    str(tmp_path / "s")], check=True, timeout=120)
    pngs = sorted(tmp_path.glob("s-*.png"))
    assert len(pngs) == n
    from matplotlib.image import imread

    for p in pngs:
        img = imread(p)
        assert (img[..., :3] < 0.5).any(axis=-1).mean() > 0.005, p.name  # text or bars drawn


def test_deck_and_workbook_import_no_analysis_module():
    from pathlib import Path

    from tests.test_architecture import ANALYSIS, _imports

    root = Path(__file__).resolve().parents[1] / "toolkit"
    files = [*sorted((root / "deck").glob("*.py")), root / "workbook.py"]
    bad = {f.name: [m for m in _imports(f) if any(m == a or m.startswith(a + ".")
                                                   for a in ANALYSIS)] for f in files}
    assert not any(bad.values()), bad


def test_rejection_chart_highlights_add_up_to_the_fit_share():
    """The fit bars sum to the fit share quoted beside the chart, also when the top reasons
    are all about fit (then every bar is highlighted, not none)."""
    from toolkit.deck.content import handoff

    reasons = [{"reason": r, "share": s, "fit": f} for r, s, f in (
        ("no response", .30, False), ("could not reach", .25, False), ("timing", .15, False),
        ("duplicate", .12, False), ("not decision maker", .05, True), ("student", .04, True),
        ("competitor", .03, True), ("wrong industry", .03, True), ("too small", .03, True))]
    h = {"acceptance_rate": .8, "rejection_rate": .1, "reason_share": .8,
         "n_with_reason": 400, "fit_share": .18, "reasons": reasons}
    chart = handoff({"crm": {"handoff": h}}).charts[0]
    values, hot = chart.series[0][1], chart.highlight
    assert sum(v for v, f in zip(values, hot) if f) == pytest.approx(.18)
    assert sum(values) == pytest.approx(1.0)
    assert chart.categories == ["No response", "Could not reach", "Timing", "Duplicate",
                                "Not decision maker", "Other reasons about fit (4)"]
    all_fit = [{"reason": f"fit {i}", "share": .1, "fit": True} for i in range(4)]
    chart = handoff({"crm": {"handoff": {**h, "reasons": all_fit, "fit_share": .4}}}).charts[0]
    assert chart.highlight == [True] * 4 and "reasons about fit highlighted" in chart.title


def test_one_recommendation_reads_as_one_action():
    from toolkit.deck.content import recommendations

    slide = recommendations({"recommendations": [
        {"rank": 1, "code": "stage_integrated", "step": "communicate",
         "title": "Guard what works: keep the shared metrics and reviews",
         "findings": ["Overall alignment is at the Integrated stage."]}]})
    assert slide.title == "One action: Guard what works — keep the shared metrics and reviews"


def test_follow_up_wave_summary_leads_with_the_change():
    """A follow-up wave's summary (report and deck) opens with what changed since the last
    assessment: the overall score and the CRM figures that moved most."""
    from toolkit.deck.content import executive_summary
    from toolkit.report.summary import change_lead

    e = {"unit": "share", "status": "improved"}
    comp = {"scores": {"overall": {"before": 35.1, "after": 42.9}},
            "crm": {"untouched_share": {**e, "label": "Leads never touched by sales",
                                        "before": .251, "after": .067, "effect": -.53},
                    "acceptance_rate": {**e, "label": "Marketing leads accepted by sales",
                                        "before": .78, "after": .87, "effect": .23},
                    "within_sla_share": {**e, "label": "Leads first touched within the SLA",
                                         "before": .38, "after": .71, "effect": .68},
                    "speed_median_hours": {**e, "unit": "hours", "before": 34.8,
                                           "after": 9.8, "effect": -2.0}},
            "summary": {"improved": [{}] * 24, "worsened": []}}
    line = change_lead({"comparison": comp})
    assert line == ("Since the last assessment: overall alignment 35 → 43 of 100; leads first "
                    "touched within the SLA 38% → 71%; leads never touched by sales 25% → 7%. "
                    "(24 figures improved, 0 got worse; details in the next section)")
    assert executive_summary({"comparison": comp}).subtitle == line
    assert change_lead({}) is None


def test_chart_workbooks_carry_no_formula_from_client_data(tmp_path):
    # "Edit Data" opens each native chart's embedded workbook in Excel: a rejection reason
    # such as '=cmd|...' must arrive there as text, never as a formula (SPEC §8a)
    import io
    import zipfile

    from openpyxl import load_workbook
    from pptx import Presentation
    from pptx.util import Inches

    from toolkit.deck.content import ChartSpec
    from toolkit.deck.draw import chart
    from toolkit.deck.draw import Box, Style

    evil = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://127.0.0.1:8999/p")', "+1+2", "@SUM(A1)",
            "fit"]
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    spec = ChartSpec(title="t", kind="bar", categories=evil,
                     series=[("=1+1", [1, 2, 3, 4, 5], "sales")], percent=False, decimals=0)
    chart(slide, Box(int(Inches(1)), int(Inches(1)), int(Inches(6)), int(Inches(4))), spec,
          Style())
    path = tmp_path / "d.pptx"
    prs.save(path)
    with zipfile.ZipFile(path) as z:
        books = [n for n in z.namelist() if n.startswith("ppt/embeddings/")]
        assert books
        for n in books:
            wb = load_workbook(io.BytesIO(z.read(n)))
            for ws in wb:
                for row in ws.iter_rows():
                    for c in row:
                        assert c.data_type != "f", (n, c.coordinate, c.value)
                        if isinstance(c.value, str):
                            assert not c.value.startswith(("=", "+", "-", "@")), c.value


def test_every_slides_notes_carry_its_own_evidence(results):
    prs = build_deck(results, branding={"practice": "Northstar Advisory"})
    notes = [s.notes_slide.notes_text_frame.text for s in prs.slides]
    for i, n in enumerate(notes, 1):
        assert re.search(r"\d", n), (i, n)            # a figure, not boilerplate
        assert not CODES.search(n), (i, CODES.search(n))
        assert not re.search(r"^(crm|survey|incentives)( [a-z-]+)?:", n, re.M), (i, n)
    assert len(set(notes)) == len(notes)               # no slide repeats another's notes
    cover = notes[0]
    resp, coh = results["survey"]["respondents"], results["crm"]["cohort"]
    assert f"Survey: {resp['all']:,} respondents" in cover
    from toolkit.report.sections import long_date

    assert f"{coh['leads']:,} leads created {long_date(coh['period_start'])}" in cover
    assert f"{results['crm']['funnel']['counts']['won']:,} of them became won deals" in cover


def test_survey_slides_name_who_the_whole_counts(results):
    """Partner review 16e: "37 of 100 for both sides together; sales side 38, marketing
    side 38" — the whole counts everyone who answered (other teams too), so it can sit below
    both sides; the slide names them, as the report does."""
    prs = build_deck(results, branding={})
    text = "\n".join(_texts(prs))
    assert "both sides together" not in text
    resp = results["survey"]["respondents"]
    rest = resp["all"] - resp["sales"] - resp["marketing"]
    assert rest > 0
    lines = re.findall(r"(\d+) of 100 for everyone, including the (\d+) outside sales and "
                       r"marketing; sales side (\d+), marketing side (\d+)", text)
    assert len(lines) >= 2 and {int(m[1]) for m in lines} == {rest}
    # at least one whole outside the range of its two sides is now explained
    # (followup-gap 37 vs 38/38; well-aligned 81 vs 80/79)
    assert any(not min(int(m[2]), int(m[3])) <= int(m[0]) <= max(int(m[2]), int(m[3]))
               for m in lines)


def test_action_slide_says_how_many_the_report_lists_and_captions_match(results):
    """Partner review 16e: the deck said "6 actions" where the report lists 9; the CRM
    chart's caption promised a highlight when no complaint was borne out."""
    from toolkit.deck.content import ranked_recommendations

    prs = build_deck(results, branding={})
    text = "\n".join(_texts(prs))
    n = len(ranked_recommendations(results))
    if n > 6:
        assert f"The first 6 of {n} actions, in the order to take them" in text
    else:
        assert f"{n} actions, in the order to take them" in text or n == 1
    borne_out = any((results["verdict"].get(k) or {}).get("status") == "supported"
                    for k in ("lead_quality", "follow_up"))
    crm = [t for t in text.splitlines() if t.startswith("What the CRM shows")]
    assert crm and all(("highlighted" in t) == borne_out for t in crm), (crm, borne_out)
