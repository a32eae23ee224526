"""The report's form as a client CEO reads it (partner review, issue 17): no plumbing in the
text (spec sections, code paths, test files, JSON paths, item or team codes, analysis-area
prefixes, files the client does not receive), the body trimmed to what carries a message,
and the print layout's rules that keep headings with their block."""

from __future__ import annotations

import html as H
import re

import pytest

from toolkit.paths import EXAMPLE_RESULTS, REPO_ROOT as ROOT
from toolkit.report import appendix, sections, survey, survey_analytics

#: What must never reach the client's report text, with why.
PLUMBING = {
    "spec section": r"SPEC\s*§",
    "code path": r"\btoolkit\.[a-z_]",
    "test file": r"\btests/",
    "JSON dotted path": r"\b[a-z_]+\.[a-z_]+\.[a-z_]+",
    "item or scale code in brackets": r"\((?:FAIR|TRUST|CONF|SUPP|SHARE|RINT|RFAIR|BIDIR|QUAL|"
                                      r"DEFN|FEED|REFF|MAT|FREQ|OPEN)\d?\)",
    "raw column map": r"→ [A-Z]{3,}\d",
    "team code": r"\bsales_development\b",
    "snake_case name": r"\b[a-z]+_[a-z]+(?:_[a-z]+)*\b",
    "warning prefix": r"(?m)(?:^|- )(?:crm|survey|incentives) [a-z-]+:",
    "file the client does not get": r"comparison\.(?:json|html)|results\.json",
    "importer format": r"format: [a-z]+-",
    # partner review 16b
    "file path": r"(?i)\b[\w-]+/[\w.-]+\.(?:csv|xlsx|tsv)\b",
    "instrument code in words": r"\b(?:CONF|REFF|MAT|SHARE|RFAIR) (?:mean|scale)\b",
    "raw team code": r"\brevops\b",
    "reverse-key marker": r"\(R\)",
}
#: Method names that belong in the methodology appendix, not in the body or the deck.
JARGON = r"Kaplan|attempt clock|censor|odds ratio|logistic|survivorship|hazard"


def text_of(markup: str) -> str:
    """The visible text of report HTML (charts' base64 and tags removed)."""
    markup = re.sub(r"<img[^>]*>", " ", markup)
    markup = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", markup, flags=re.S)
    return H.unescape(re.sub(r"<[^>]+>", " ", markup))


def plumbing_in(text: str) -> dict[str, list[str]]:
    """Every plumbing pattern found in *text*, with the matches."""
    out = {}
    for what, pat in PLUMBING.items():
        found = sorted({m.group(0) for m in re.finditer(pat, text)})
        if found:
            out[what] = found
    return out


def test_the_patterns_catch_what_the_review_found():
    """The detector is not vacuous: each example the partner quoted is caught."""
    quoted = ("Pillar weights (SPEC §4.4); via toolkit.benchmarks.MQL_TO_SQL_RANGE; method "
              "(tests/test_survey_themes.py); hidden (survey.heatmap.level); Shared goals "
              "(SHARE); QID4_1 → FAIR1; team sales_development; threshold min_well_worked;\n"
              "- crm speed: 12 leads; effect sizes are in comparison.json; format: "
              "salesforce-report; Survey/qualtrics_export.csv; CONF mean above the midpoint; "
              "comments of revops; Argue what a good lead is (R)")
    assert set(plumbing_in(quoted)) == set(PLUMBING)
    assert plumbing_in("Sales development, 3 December 2026: 54% (52%–59%) reached SQL.") == {}


@pytest.fixture(scope="module")
def example():
    return sections.load(EXAMPLE_RESULTS)


@pytest.fixture(scope="module")
def example_text(example):
    return text_of("\n".join(r.html() for r in sections.render_all(example).values()))


def test_example_report_has_no_plumbing(example_text):
    assert plumbing_in(example_text) == {}


def test_body_and_deck_notes_name_no_method(example):
    """Kaplan–Meier, the attempt clock, censoring, odds ratios: the appendix describes the
    methods; the body and the speaker notes say what the figures mean."""
    from toolkit.deck import build_deck

    assert re.search(JARGON, "Kaplan–Meier median; the attempt clock; censored; odds ratio")
    out = sections.render_all(example)
    body = text_of("\n".join(out[s].html() for s in out if not s.startswith("appendix")))
    assert not re.findall(JARGON, body, re.I), re.findall(rf".{{60}}(?:{JARGON}).{{40}}",
                                                            body, re.I)[:3]
    notes = "\n".join(sl.notes_slide.notes_text_frame.text
                      for sl in build_deck(example, branding={}).slides)
    assert not re.findall(JARGON, notes, re.I), re.findall(rf".{{60}}(?:{JARGON}).{{40}}",
                                                           notes, re.I)[:3]
    assert plumbing_in(notes) == {}


def test_body_drops_item_charts_duplicate_tables_and_logs(example, example_text):
    out = sections.render_all(example)
    body = "\n".join(out[s].html() for s in ("politics", "incentives", "communication"))
    # pillar dot charts stay; the 30-row answer-by-statement charts are gone
    assert "Dot chart of the" in body and "Diverging stacked bars" not in body
    # the perception gaps are a chart, not a chart and the same numbers as a table
    assert "mean answers differ most" in body and "mean agreement as answered" not in body
    appx = text_of(out["appendix_data_quality"].html() + out["appendix_methodology"].html())
    assert "Records analysed" in appx and "columns" not in appx.lower()
    assert "Thresholds used" in appx and "guess round" not in appx.lower()
    assert "SLA designer" not in appx and "wave comparison" not in appx.lower()
    assert "Not evidence" not in appx and "McDonald's omega" not in appx.replace(
        "McDonald's omega (one-factor model)", "")
    assert "Verdict thresholds" not in appx


def test_heatmap_without_a_clear_difference_is_one_sentence(example):
    hm = {"status": "ok", "min_group_size": 5, "n_cells": 4, "scales": ["TRUST"],
          "scale_names": {"TRUST": "Trust"},
          "dimensions": {"region": {"label": "Region", "groups": [
              {"group": "EMEA", "n": 30, "cells": {"TRUST": {"diff": 2.0, "marked": False}}},
              {"group": "Americas", "n": 40, "cells": {"TRUST": {"diff": -1.5,
                                                                 "marked": False}}}]}}}
    results = {**example, "survey": {**example["survey"], "heatmap": hm}}
    html = survey_analytics.render_heatmap(results).html()
    assert "<figure" not in html and "No group differs clearly" in html and "by region" in html
    hm["dimensions"]["region"]["groups"][0]["cells"]["TRUST"]["marked"] = True
    assert "<figure" in survey_analytics.render_heatmap(results).html()


def test_quoted_comments_lead_with_substance_not_contact_details():
    items = ["Happy to explain more, write to me at [e-mail removed]",
             "Call me on [phone removed] and I will walk you through our lead queue.",
             "For me: ok.", "Honestly, fine.",
             "Sales never reports back what happened to the leads we send them.",
             "Joint targets tied to company revenue.", "Joint targets tied to company revenue."]
    top = survey.top_comments(items, 3)
    assert top[0] == ("Joint targets tied to company revenue.", 2)
    assert top[1][0].startswith("Sales never reports back")
    assert all("removed]" not in t for t, _ in top) and len(top) == 3
    ex = survey_analytics._examples(["Short.", "[e-mail removed] me", "A longer example here."])
    assert ex == ["A longer example here.", "Short."]


def test_warnings_lose_their_area_prefix_and_groups_their_paths():
    assert appendix.plain_warning("crm speed: 12 leads had no activity") == \
        "12 leads had no activity"
    assert appendix.plain_warning("survey: few answers") == "Few answers"
    assert appendix.plain_warning("Amount: all amounts in USD") == "Amount: all amounts in USD"
    html = appendix.render_data_quality({"data": {"settings": {"min_group_size": 5},
                                                  "suppressed": [
        {"group": "revops", "where": "survey.participation"},
        {"group": "revops", "where": "survey.heatmap.level"},
        {"group": "sales_development", "where": "survey.comments.themes.OPEN2"}]}}).html()
    # what is hidden from which view (partner review 16c)
    assert "revenue operations (the participation table and the breakdown by level); sales " \
           "development (comments)" in html and "survey." not in html


def test_cover_dates_in_words_and_one_full_stop(example):
    res = {**example, "client": {**example["client"], "name": "Northwind Fasteners Inc.",
                                 "period_start": "2025-01-01", "period_end": "2025-12-31"},
           "generated_at": "2026-12-03T07:00:00"}
    text = text_of(sections.title(res).html())
    assert "1 January 2025 to 31 December 2025" in text and "Prepared 3 December 2026" in text
    assert "Inc.." not in text and "Northwind Fasteners Inc. Not for distribution" in text
    assert sections.long_date("not a date") == "not a date"


def test_print_css_keeps_headings_with_their_block_and_numbers_the_contents():
    css = (ROOT / "templates/report/aligndx/report.css").read_text()
    prn = css[css.index("@media print"):]
    assert re.search(r"h2, h3, h4[^{]*\{[^}]*break-after: avoid", prn)
    # outputs may flow across pages (JupyterLab keeps each whole, leaving near-empty pages)
    assert re.search(r"\.jp-OutputArea-child \{[^}]*break-inside: auto", prn)
    assert re.search(r"figure\.chart[^{]*\{[^}]*break-inside: avoid", prn)
    assert "target-counter(attr(href), page)" in prn
