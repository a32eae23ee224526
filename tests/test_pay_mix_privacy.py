"""The pay-mix table shows no role under the anonymity threshold (partner review 16b M7).

A role with fewer people on the plan than ``min_group_size`` is combined with others of its
team — complementary suppression, so subtracting a shown role never isolates it — and the
audit (:func:`toolkit.privacy_audit.audit_pay_mix`) proves it on hand-built plans and on the
samples' plans, for the results, the report table and the workbook sheet.
"""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit.incentives.structure import pay_mix
from toolkit.privacy_audit import audit_pay_mix, plan_headcount

COLS = ["team", "role", "headcount", "base_salary", "variable_target", "component", "metric",
        "weight"]


def _plan(rows):
    return pd.DataFrame([r + ["Bookings", "bookings", 1.0] for r in rows], columns=COLS)


def test_director_of_one_is_combined_with_the_team():
    # the review's case: Demand Gen Manager 5 at 19%, Marketing Director 1 at 20%
    plan = _plan([["sales", "Account Executive", 14, 100_000, 100_000],
                  ["marketing", "Demand Gen Manager", 5, 85_000, 20_000],
                  ["marketing", "Marketing Director", 1, 160_000, 40_000]])
    rows = pay_mix(plan, 5)
    assert [(r["team"], r["role"], r["headcount"]) for r in rows] == [
        ("sales", "Account Executive", 14), ("marketing", None, 6)]
    m = rows[1]
    assert m["merged"] and m["roles"] == ["Demand Gen Manager", "Marketing Director"]
    assert m["share"] is None                          # no mean beside the range
    assert (m["share_low"], m["share_high"]) == pytest.approx((20 / 105, 0.2))
    audit = audit_pay_mix(rows, plan_headcount(plan), 5)
    assert audit["ok"] and audit["violations"] == 0


def test_complementary_suppression_and_the_audit_catches_subtraction():
    plan = _plan([["marketing", "Director", 1, 100, 25], ["marketing", "Ops", 7, 100, 10],
                  ["marketing", "Field", 20, 100, 15], ["sales", "AE", 3, 100, 100],
                  ["sales", "SE", 1, 100, 50]])
    hc = plan_headcount(plan)
    rows = pay_mix(plan, 5)
    # marketing: the Director (1) goes with the next-smallest role, Ops (7), not alone;
    # sales: 4 people in all, under the threshold — the team is hidden
    got = {(r["team"], tuple(r["roles"] or ())): (r["headcount"], r["suppressed"])
           for r in rows}
    assert got == {("marketing", ("Field",)): (20, False),
                   ("marketing", ("Director", "Ops")): (8, False),
                   ("sales", ()): (None, True)}
    assert audit_pay_mix(rows, hc, 5)["ok"]
    # what the audit rejects: the Director on its own row …
    alone = [{"team": "marketing", "roles": ["Director"], "headcount": 1, "share": 0.2}]
    bad = audit_pay_mix(alone, hc, 5)
    assert not bad["ok"] and "marketing / Director" in bad["problems"][0]
    # … or recoverable by subtraction: Director + Ops (8) beside Ops alone (7) → 1
    sub = [{"team": "marketing", "roles": ["Director", "Ops"], "headcount": 8},
           {"team": "marketing", "roles": ["Ops"], "headcount": 7, "share": 0.09}]
    bad = audit_pay_mix(sub, hc, 5)
    assert bad["violations"] == 1 and "marketing / Director: 1 people" in bad["problems"][0]
    # … and a figure the model does not describe
    wrong = [{"team": "marketing", "roles": ["Field"], "headcount": 21, "share": 0.13}]
    assert audit_pay_mix(wrong, hc, 5)["mismatches"] == 1


@pytest.mark.parametrize("name", ["followup-gap", "followup-gap-after", "real-exports",
                                  "lead-quality", "well-aligned"])
def test_samples_pay_mix_passes_in_results_report_and_workbook(samples_dir, name):
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.report.incentives import pay_mix_row
    from toolkit.workbook import roles_sheet

    eng = load_engagement(samples_dir / name, skip=("survey", "crm", "baseline"))
    plan = load_data(eng).plan
    k = eng.analysis.min_group_size
    rows = pay_mix(plan, k)
    assert audit_pay_mix(rows, plan_headcount(plan), k)["ok"]
    assert all(r["headcount"] is None or r["headcount"] >= k for r in rows)
    small = {ro for (t, ro), h in plan_headcount(plan).items() if h < k}
    results = {"incentives": {"variable_pay_share": rows},
               "data": {"settings": {"min_group_size": k}}}
    table = [pay_mix_row(r, results) for r in rows]
    sheet = roles_sheet(results).rows
    for role in small:                       # a small role never has a row of its own
        assert not [t for t in table if t["Role"] == role]
        assert not [s for s in sheet if s[1] == role]
    if name in ("followup-gap", "followup-gap-after", "real-exports"):
        assert small == {"Marketing Director"}
        row = [t for t in table if t["Team"].lower().startswith("marketing")]
        assert row == [{"Team": row[0]["Team"],
                        "Role": "Combined: Demand Gen Manager and Marketing Director",
                        "Headcount": 6, "Variable share of pay": "19–20%"}]
