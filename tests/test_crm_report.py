"""Charts and report renderers of the CRM evidence and the verdict (smoke + content checks)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from toolkit import method

from toolkit.charts import crm as charts
from toolkit.config import AnalysisSettings
from toolkit.crm import measure_crm
from toolkit.verdict import judge

from test_verdict import synth


@pytest.fixture(scope="module")
def results():
    crm = measure_crm(synth("followup"), None, settings=AnalysisSettings(),
                      marketing_sources=["web", "event"])
    survey = {"claims": {"sales_blame_leads_share": 0.7, "marketing_blame_followup_share": 0.8}}
    return {"crm": crm, "verdict": judge(crm, survey), "method": method.record()}


def test_km_chart_marks_sla_and_starts_at_one():
    d = pd.DataFrame({"hours": [0.0, 1.0, 2.0, 30.0], "survival": [1.0, 0.8, 0.5, 0.3]})
    ax = charts.plot_km(data=d, sla_hours=24)
    xs = [ln.get_xdata() for ln in ax.get_lines()]
    assert any(list(x) == [24, 24] for x in xs)          # the SLA line
    assert ax.get_ylim()[0] == 0
    plt.close(ax.figure)


def test_rate_bucket_chart_has_error_bars(results):
    block = results["crm"]["dose_response"]["by_attempts"]
    rows = [{**r, "band": b} for b, lst in block["by_band"].items() for r in lst]
    ax = charts.plot_rate_buckets(data=pd.DataFrame(rows).astype(
        {"rate": float, "ci_low": float, "ci_high": float}), hue="band")
    assert len(ax.patches) == 12                           # 4 buckets × 3 bands
    assert len(ax.collections) == 3                        # one errorbar set per band
    plt.close(ax.figure)


def test_funnel_and_reasons_charts(results):
    from toolkit.report.crm import _funnel_frame
    ax = charts.plot_funnel(data=_funnel_frame(results["crm"]))
    # the synthetic CRM records rejections but not acceptance, and has no opportunities: SAL,
    # opportunity and won are not in the export and are left out of the funnel (never filled
    # from later stages, never 0)
    counts = results["crm"]["funnel"]["counts"]
    assert counts["sal"] is None and counts["opportunity"] is None and counts["won"] is None
    assert len(ax.patches) == 3
    plt.close(ax.figure)
    ax = charts.plot_reasons(data=pd.DataFrame(results["crm"]["handoff"]["reasons"]))
    assert len(ax.patches) == len(results["crm"]["handoff"]["reasons"])
    plt.close(ax.figure)


def test_renderers_run_and_show_the_verdict(results, monkeypatch):
    shown: list[str] = []
    import toolkit.report.crm as rc
    import toolkit.report.verdict as rv
    for mod in (rc, rv):
        monkeypatch.setattr(mod, "show_markdown", lambda t, *a, **k: shown.append(t), raising=False)
        monkeypatch.setattr(mod, "show_table", lambda df, **k: shown.append(df.to_string()),
                            raising=False)
    monkeypatch.setattr(rc, "show_figure",
                        lambda f, *, alt, takeaway=None: shown.append(f"FIG {alt} | {takeaway}"))
    from toolkit.report.display import collect
    with collect() as items:  # what the renderers emit directly (HTML), without display()
        rc.render(results)
        rc.render_handoff(results)
        rv.render(results)
    text = "\n".join(shown + items.texts())
    # funnel, Kaplan–Meier, conversion per attempt (attempt clock), first touch, reasons
    assert text.count("FIG ") == 5
    assert "at each sales attempt among the leads still being worked" in text
    assert "Not in the export: SAL" in text
    assert "Sales blames lead quality and marketing blames follow-up; the evidence points to " \
           "follow-up." in text
    assert "Supported" in text and "Not supported" in text
    rc.render({"crm": None})
    rv.render({"verdict": None})
