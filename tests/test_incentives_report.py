"""Incentives chart and report section render from the results dict alone."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from toolkit.charts.incentives import plot_contribution_reward, plot_shared_outcome_weight
from toolkit.incentives import measure_incentives, validate_plan
from toolkit.report import incentives as rep
from toolkit.report.incentives import contribution_reward_frame, render

COLS = ["team", "role", "headcount", "base_salary", "variable_target", "component", "metric",
        "weight", "commission_rate", "applies_to", "gate"]


def results():
    plan = validate_plan(pd.DataFrame([
        ["sales", "AE", 10, 100000, 100000, "Own bookings", "bookings", 1, 0.1, "own_won", ""],
        ["marketing", "DG", 4, 90000, 30000, "MQLs", "mql_volume", 1, "", "", ""]],
        columns=COLS))
    o = pd.DataFrame({"opportunity_id": ["a", "b", "c", "d"], "is_won": [True] * 4,
                      "amount": [30000.0, 10000.0, 40000.0, 20000.0],
                      "source": ["web", "web", "outbound", "referral"]})
    inc = measure_incentives(plan, opportunities=o, marketing_sources=["web"],
                             crm={"handoff": {"acceptance_rate": 0.3, "n_mql": 200}})
    return {"client": {"currency": "USD"}, "incentives": inc}


def test_frame_and_chart():
    inc = results()["incentives"]
    f = contribution_reward_frame(inc)
    share = {(s, m): v for s, m, v in f.itertuples(index=False)}
    # marketing sourced 40,000 of 100,000; all commission goes to sales
    assert share == {("sales", "contribution"): 0.6, ("sales", "reward"): 1.0,
                     ("marketing", "contribution"): 0.4, ("marketing", "reward"): 0.0}
    ax = plot_contribution_reward(data=f)
    heights = sorted(round(p.get_height(), 3) for p in ax.patches)
    assert heights == [0.0, 0.4, 0.6, 1.0]
    ax2 = plot_shared_outcome_weight(data=pd.DataFrame({"side": ["sales", "marketing"],
                                                        "sow": [1.0, 0.0]}))
    assert [p.get_width() for p in ax2.patches] == [1.0, 0.0]
    plt.close("all")


def test_render_shows_flags_and_sentences(monkeypatch):
    shown = []
    monkeypatch.setattr(rep, "show_markdown", lambda t: shown.append(t))
    monkeypatch.setattr(rep, "show_table", lambda df, **k: shown.append(df.to_string()))
    monkeypatch.setattr(rep, "show_figure", lambda fig, alt, takeaway=None:
                        (shown.append(alt + " | " + (takeaway or "")), plt.close("all")))
    render(results())
    text = "\n".join(shown)
    assert "Marketing paid for volume sales turns away" in text
    assert "sales accepts only 30% of the 200 MQLs" in text
    assert "pays sales USD 4,000 and marketing USD 0" in text
    # one measure of marketing's reward, its base named: the commission paid on won deals
    assert ("Marketing sources 40% of won revenue but earns none of the commission paid on "
            "won deals") in text
    assert not plt.get_fignums()


def test_render_not_assessed(monkeypatch):
    seen = []
    monkeypatch.setattr(rep, "show_not_assessed", lambda t, r: seen.append(t))
    render({"incentives": None})
    assert seen == ["Incentives"]


def test_standard_what_if_sentence(monkeypatch):
    shown = []
    monkeypatch.setattr(rep, "show_markdown", lambda t: shown.append(t))
    monkeypatch.setattr(rep, "show_table", lambda df, **k: None)
    monkeypatch.setattr(rep, "show_figure", lambda fig, alt, takeaway=None: plt.close("all"))
    res = results()
    w = res["incentives"]["what_if"]
    # 2 % of the 40,000 marketing-sourced won revenue; attainment unknown → gate counted paid
    assert w["added_cost"] == 800.0
    assert w["marketing_reward_share_on_marketing_sourced"]["after"] == 800 / 4800
    render(res)
    # the same measure as the headline: marketing's share of all commission paid on won
    # deals, 800 of 10,000 + 800
    assert w["marketing_reward_share"]["after"] == 800 / 10800
    assert any("share of the commission paid would go from none to 7%" in t
               and "add USD 800 in commission" in t for t in shown), shown


def test_no_empty_what_if_and_no_gate_the_plan_already_has(monkeypatch):
    """A plan that already pays marketing on the deals it sources and gates every side gets
    no what-if ("from 20% to 20%, adds USD 0"); a gate the plan has is never offered."""
    shown = []
    monkeypatch.setattr(rep, "show_markdown", lambda t: shown.append(t))
    monkeypatch.setattr(rep, "show_table", lambda df, **k: None)
    monkeypatch.setattr(rep, "show_figure", lambda fig, alt, takeaway=None: plt.close("all"))
    plan = validate_plan(pd.DataFrame([
        ["sales", "AE", 10, 100000, 100000, "Company revenue", "company_revenue", 1, 0.1,
         "all_won", 0.7],
        ["marketing", "DG", 4, 90000, 30000, "Sourced bookings", "bookings", 1, 0.02,
         "marketing_sourced_won", 0.7]], columns=COLS))
    o = pd.DataFrame({"opportunity_id": ["a", "b"], "is_won": [True] * 2,
                      "amount": [30000.0, 10000.0], "source": ["web", "outbound"]})
    inc = measure_incentives(plan, opportunities=o, marketing_sources=["web"])
    assert rep.whatif_sentence(inc, "USD") is None
    render({"client": {"currency": "USD"}, "incentives": inc})
    assert not [t for t in shown if t.startswith("What if")]
    # gated on every side but marketing unpaid: the what-if offers the commission only
    plan = validate_plan(pd.DataFrame([
        ["sales", "AE", 10, 100000, 100000, "Company revenue", "company_revenue", 1, 0.1,
         "all_won", 0.7],
        ["marketing", "DG", 4, 90000, 30000, "Pipeline", "pipeline", 1, "", "", 0.7]],
        columns=COLS))
    inc = measure_incentives(plan, opportunities=o, marketing_sources=["web"])
    assert rep.whatif_sentence(inc, "USD") == (
        "What if marketing earned 2% of marketing-sourced won deals? On the same won deals, "
        "marketing's share of the commission paid would go from none to 13%, and the plan "
        "would add USD 600 in commission.")   # 2% of 30,000 against 10% of 40,000


def test_sow_sentence_once_and_qualified_for_own_bookings(monkeypatch):
    shown = []
    monkeypatch.setattr(rep, "show_markdown", lambda t: shown.append(t))
    monkeypatch.setattr(rep, "show_table", lambda df, **k: None)
    monkeypatch.setattr(rep, "show_figure", lambda fig, alt, takeaway=None:
                        (shown.append(takeaway or ""), plt.close("all")))
    res = results()
    # the plan: sales 100 % bookings on own won deals, marketing 100 % MQL volume
    assert res["incentives"]["sow_own_bookings_only"] == {"sales": True, "marketing": False}
    render(res)
    text = "\n".join(shown)
    # SPEC §4.3: own-won bookings are an individual target, so the chart and the text both
    # show sales at 0% — never "sales fully aligned" in the chart while the text says not
    qualified = ("0% of the sales side's variable pay and 0% of the marketing side's depend on "
                 "outcomes both teams share (a commission on a side's own won deals rewards "
                 "closing, not the other team's success, so it does not count as shared: the "
                 "sales side is paid that way) — neither side's pay is tied to the other's "
                 "success")
    assert text.count(qualified) == 1
    assert "100%" not in text.split("### Are both")[1].split("###")[0]


def test_sow_sentence_unqualified_when_bookings_are_on_all_won_deals():
    plan = validate_plan(pd.DataFrame([
        ["sales", "AE", 10, 100000, 100000, "Team bookings", "bookings", 1, 0.05, "all_won", ""],
        ["marketing", "DG", 4, 90000, 30000, "Pipeline", "pipeline", 1, "", "", ""]],
        columns=COLS))
    inc = measure_incentives(plan)
    assert inc["sow_own_bookings_only"] == {"sales": False, "marketing": False}
    assert rep.sow_sentence(inc) == ("100% of the sales side's variable pay and 100% of the "
                                     "marketing side's depend on outcomes both teams share — "
                                     "no gap between them.")
