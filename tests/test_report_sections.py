"""Report helpers: formatting and the executive summary's honesty about missing inputs."""

from toolkit.report.display import fmt_p


def test_fmt_p():
    assert fmt_p(None) == "—"
    assert fmt_p(0.0004) == "<0.001"
    assert fmt_p(0.0123) == "0.012"


def _render(fn, res) -> str:
    """What a renderer produced, as text (renderers emit; nothing is displayed)."""
    from toolkit.report.display import collect

    with collect() as items:
        fn(res)
    return "\n".join(items.texts())


def test_summary_says_overall_not_computed_and_partial():
    from toolkit.report import summary
    from toolkit.scores import combine

    survey = {"pillars": {"politics": {"overall": 80.0}, "incentives": {"overall": 60.0},
                          "communication": {"overall": 60.0}}}
    res = {"scores": combine(survey, None, None), "verdict": None}
    out = _render(summary.render, res)
    assert "not computed" not in out  # all three pillars scored (partly)
    assert "Partly assessed" in out and "incentives and communication" in out
    assert "without one of their inputs" in out
    res = {"scores": combine(None, {"handoff": {"evidence_score": 90.0}}, None)}
    out = _render(summary.render, res)
    assert "overall alignment score is not computed" in out
    assert "politics and incentives pillars could not be scored" in out
    assert "Aligned" not in out and "Integrated" not in out


def test_top_findings_do_not_repeat_a_fact():
    from toolkit.findings import top_findings

    results = {"incentives": {"shared_outcome_weight": {"sales": 1.0, "marketing": 0.0},
                              "sow_gap": 1.0},
               "survey": {"claims": {"sales_blame_leads_share": 0.8,
                                     "marketing_blame_followup_share": 0.7}},
               "verdict": {"follow_up": {"status": "supported",
                                         "summary": "30% of leads are never touched."}}}
    top = top_findings(results, 3)
    texts = [f.text for f in top]
    assert texts[0] == "Sales follow-up is thin: 30% of leads are never touched."
    assert texts[1] == ("0% of the marketing side's on-target variable pay depends on an "
                        "outcome both teams share (company revenue, pipeline, win rate or SLA).")
    assert texts[2].startswith("80% of the sales side say")   # one blame finding, not two
    assert len(top) == 3
