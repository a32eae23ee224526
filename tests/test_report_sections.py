"""Report helpers: formatting and the executive summary's honesty about missing inputs."""

from toolkit.report.display import fmt_p


def test_fmt_p():
    assert fmt_p(None) == "—"
    assert fmt_p(0.0004) == "<0.001"
    assert fmt_p(0.0123) == "0.012"


def _capture(monkeypatch):
    import toolkit.report.display as disp
    import toolkit.report.summary as summ

    shown: list[str] = []
    monkeypatch.setattr(disp, "display", lambda obj: shown.append(obj.data))
    monkeypatch.setattr(summ, "display", lambda obj: shown.append(obj.data))
    return shown


def test_summary_says_overall_not_computed_and_partial(monkeypatch):
    from toolkit.report import summary
    from toolkit.scores import combine

    shown = _capture(monkeypatch)

    survey = {"pillars": {"politics": {"overall": 80.0}, "incentives": {"overall": 60.0},
                          "communication": {"overall": 60.0}}}
    res = {"scores": combine(survey, None, None), "verdict": None}
    summary.render(res)
    out = "\n".join(shown)
    shown.clear()
    assert "could not be computed" not in out  # all three pillars scored (partly)
    assert "Partly assessed" in out and "incentives and communication" in out
    res = {"scores": combine(None, {"handoff": {"evidence_score": 90.0}}, None)}
    summary.render(res)
    out = "\n".join(shown)
    assert "could not be computed" in out and "politics" in out
    assert "Aligned" not in out and "Integrated" not in out
