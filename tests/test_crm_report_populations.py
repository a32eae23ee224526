"""CRM report wording: populations named, no redundant n, whole-percent ticks (tester
polish; values by hand)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from toolkit.charts import crm as charts
from toolkit.report import crm as rc


def test_handoff_sentence_names_the_count_once():
    # 50 of 100 MQLs accepted: Wilson 95% by hand, centre (0.5 + 1.96²/200) / (1 + 1.96²/100)
    # = 0.5, half-width 1.96·√(0.25/100 + 1.96²/40000) / 1.0384 = 0.0962 → 40%–60%
    h = {"n_mql": 100, "acceptance": {"rate": 0.5, "ci_low": 0.4038, "ci_high": 0.5962,
                                      "n": 100, "k": 50},
         "rejection": {"rate": 0.1, "ci_low": 0.0552, "ci_high": 0.1744, "n": 100, "k": 10},
         "n_rejected": 10, "n_with_reason": 0, "evidence_score": None}
    t = rc.handoff_sentence(h)
    assert t.startswith("**Hand-off.** Sales accepted 50% (40%–60%) of 100 MQLs and rejected "
                        "10% (6%–17%). ")
    assert "n=" not in t


def _speed():
    return {"sla_hours": 24.0, "n": 1000, "median_hours": 30.0, "p90_hours": None,
            "within_sla_share": 0.38, "untouched_share": 0.25,
            "by_group": {"marketing": {"n": 600, "within_sla_share": 0.35,
                                       "untouched_share": 0.30},
                         "other": {"n": 400, "within_sla_share": 0.425,
                                   "untouched_share": 0.175}}}


def test_speed_and_persistence_name_their_population():
    t = rc.speed_sentence(_speed())
    assert "Over all 1,000 leads handed to sales: median 30.0 h" in t
    assert "38% first touched within the 24 h SLA and 25% never touched" in t
    assert "Of the 600 marketing-sourced leads handed to sales (marketing's MQLs), 35% were " \
           "first touched within the SLA and 30% never touched." in t
    # review item 12: the leads handed to sales reconciled with the MQLs, once
    t2 = rc.speed_sentence(_speed(), 930)
    assert "Over all 1,000 leads handed to sales (the 930 MQLs and 70 leads from sales' own " \
           "or unknown sources that never had an MQL stamp): median 30.0 h" in t2
    p = {"well_worked_attempts": 6, "single_attempt_share": 0.47, "well_worked_share": 0.15,
         "median_attempts": 2.0,
         "by_group": {"marketing": {"single_attempt_share": 0.46, "well_worked_share": 0.14}}}
    t = rc.persistence_sentence(p)
    assert ("Of the touched leads handed to sales that did not convert, 47% got a single "
            "attempt (46% of the marketing-sourced ones); 15% of all leads handed to sales "
            "reached 6 attempts (14% of marketing-sourced leads)") in t


def test_render_speed_labels_every_figure(monkeypatch):
    shown = []
    monkeypatch.setattr(rc, "show_markdown", lambda t: shown.append(t))
    monkeypatch.setattr(rc, "show_table", lambda df, **k: shown.append(df.to_string()))
    monkeypatch.setattr(rc, "show_figure", lambda fig, alt, takeaway=None:
                        (shown.append(takeaway or ""), plt.close("all")))
    s = _speed()
    s["km_curve"] = [{"hours": 0.0, "survival": 1.0}, {"hours": 24.0, "survival": 0.62}]
    rc.render_speed({"crm": {"speed": s, "persistence": {"single_attempt_share": None,
                                                         "well_worked_share": None}}})
    text = "\n".join(shown)
    assert "38% of all leads handed to sales were touched within the 24 h SLA" in text
    assert "marketing-sourced leads" in text and "leads from other sources" in text
    assert not plt.get_fignums()


@pytest.mark.parametrize("top", [0.144, 0.15, 0.42, 0.9])
@pytest.mark.parametrize("width", [4, 8])
def test_reason_chart_ticks_are_whole_percents(top, width):
    # lead-quality's top reason is 14.4% of the reasons: matplotlib's default locator put
    # ticks every 2.5% (labelled 2%, 5%, 8%, 10%, 12% …) on a 6–10 inch wide chart
    rest = (1 - top) / 8
    d = pd.DataFrame({"reason": list("abcdefghi"), "n": [1] * 9,
                      "share": [top] + [rest] * 8, "fit": [True] + [False] * 8})
    fig, ax = plt.subplots(figsize=(width, 4))
    charts.plot_reasons(data=d, ax=ax)
    fig.canvas.draw()
    lo, hi = ax.get_xlim()
    shown = [t for t in ax.get_xticks() if lo - 1e-9 <= t <= hi + 1e-9]
    assert len(shown) >= 3
    for t in shown:
        assert 100 * t == pytest.approx(round(100 * t), abs=1e-9), shown
    labels = [x.get_text() for x in ax.get_xticklabels()]
    assert len(set(labels)) == len(labels)
    plt.close("all")
