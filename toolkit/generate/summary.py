"""Measure the planted properties back from generated tables (for ``planted.json``).

These are plain-pandas read-backs of what the generator planted, written next to the targets
so the lead and the tests can compare the toolkit's measures with the data's known truth. They
use the SPEC §4 definitions in their simplest form (cohort = leads created in the period;
speed and follow-up over marketing MQLs; attempts = activities on the lead from its creation
up to conversion, a touch before the MQL stamp being a response time of 0 h; worked
conversion = a hand-written Kaplan–Meier on the attempt clock).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..instrument import CLAIM_ITEMS, REVERSE_ITEMS, SCALE_ITEMS
from .crm import PERIOD_END, PERIOD_START, SLA_HOURS, WELL_WORKED_ATTEMPTS
from .profiles import FIT_REASONS, MARKETING_SOURCES

SIDE_OF_TEAM = {"sales": "sales", "sales_development": "sales", "marketing": "marketing"}


def _r(x) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 4)


def maturity_stage(mean: float) -> str:
    """Kotler, Rackham & Krishnaswamy (2006) stage of a 1..5 MAT mean (SPEC §4.1)."""
    if mean < 2.0:
        return "Undefined"
    if mean < 3.0:
        return "Defined"
    if mean < 4.0:
        return "Aligned"
    return "Integrated"


def survey_summary(survey: pd.DataFrame) -> dict:
    """Side means per scale (healthy direction, CONF raw), claims, maturity, team counts."""
    scored = survey.copy()
    for code in REVERSE_ITEMS:
        scored[code] = 6 - scored[code]
    side = survey["team"].map(SIDE_OF_TEAM)
    out: dict = {"teams": {str(k): int(v) for k, v in survey["team"].value_counts().items()},
                 "scales": {}}
    for scale, codes in SCALE_ITEMS.items():
        items = scored[codes]
        score = items.mean(axis=1).where(items.notna().sum(axis=1) >= len(codes) / 2)
        out["scales"][scale] = {s: _r(score[side == s].mean()) for s in ("sales", "marketing")}
    agree = {c: (survey[c] >= 4).where(survey[c].notna()) for c in CLAIM_ITEMS}
    out["claims"] = {
        "sales_blame_leads_share": _r(agree["CLAIM_LEADS"][side == "sales"].mean()),
        "marketing_blame_followup_share": _r(agree["CLAIM_FOLLOW"][side == "marketing"].mean()),
    }
    out["maturity_stage"] = {s: maturity_stage(v) for s, v in
                             ((s, out["scales"]["MAT"][s]) for s in ("sales", "marketing"))}
    tight = survey["FREQ"].isin(["daily", "several_weekly"])
    out["tight_knit_share"] = _r(tight.mean())
    return out


def lead_follow_up(leads: pd.DataFrame, activities: pd.DataFrame) -> pd.DataFrame:
    """Leads with derived ``first_touch_at``, ``attempts`` and ``hours_to_touch``."""
    start = leads["mql_at"].fillna(leads["created_at"])
    acts = activities.loc[activities["lead_id"].notna(), ["lead_id", "occurred_at"]]
    acts = acts.merge(pd.DataFrame({"lead_id": leads["lead_id"],
                                    "start": leads["created_at"],
                                    "conv": leads["converted_at"]}), on="lead_id")
    acts = acts[(acts["occurred_at"] >= acts["start"])
                & (acts["conv"].isna() | (acts["occurred_at"] <= acts["conv"]))]
    agg = acts.groupby("lead_id")["occurred_at"].agg(first_touch_at="min", attempts="size")
    out = leads.merge(agg, left_on="lead_id", right_index=True, how="left")
    out["attempts"] = out["attempts"].fillna(0).astype("int64")
    out["hours_to_touch"] = ((out["first_touch_at"] - start) / pd.Timedelta(hours=1)).clip(
        lower=0.0)
    return out


def km_by_attempt(attempts: np.ndarray, converted: np.ndarray, horizon: int) -> float | None:
    """Kaplan–Meier conversion by attempt *horizon* (converted leads are events at their
    attempt count, the others censored there), by the textbook product."""
    surv = 1.0
    for k in range(1, horizon + 1):
        at_risk = int((attempts >= k).sum())
        events = int(((attempts == k) & converted).sum())
        if at_risk == 0:
            return None
        surv *= 1.0 - events / at_risk
    return 1.0 - surv


def crm_summary(leads: pd.DataFrame, opportunities: pd.DataFrame,
                activities: pd.DataFrame) -> dict:
    """Follow-up, speed, well-worked conversion and hand-off figures of the period cohort."""
    lf = lead_follow_up(leads, activities)
    lf = lf[(lf["created_at"] >= PERIOD_START)
            & (lf["created_at"] < PERIOD_END + np.timedelta64(1, "D"))]
    mkt = lf["source"].isin(MARKETING_SOURCES)
    mql = lf[mkt & lf["mql_at"].notna()]
    touched = mql["attempts"] > 0
    hours = mql["hours_to_touch"].fillna(np.inf)
    nonconv = mql[touched & mql["converted_at"].isna()]
    ww = lf[(lf["hours_to_touch"] <= SLA_HOURS) & (lf["attempts"] >= 1)]
    ww_mkt = ww["source"].isin(MARKETING_SOURCES)
    conv = ww["sql_at"].notna().to_numpy()

    def km(mask):
        return km_by_attempt(ww["attempts"].to_numpy()[mask], conv[mask],
                             WELL_WORKED_ATTEMPTS)
    rej = mql[mql["rejected_at"].notna()]
    reasons = rej["rejection_reason"].dropna()
    lead_opps = opportunities[opportunities["lead_id"].notna() & opportunities["is_closed"]]
    return {
        "leads_in_period": int(len(lf)),
        "leads_outside_period": int(len(leads) - len(lf)),
        "marketing_mqls": int(len(mql)),
        "untouched_share": _r(1 - touched.mean()),
        "within_sla_share": _r((hours <= SLA_HOURS).mean()),
        "median_first_touch_hours": _r(float(np.quantile(hours, 0.5))),
        "median_attempts_touched": _r(mql.loc[touched, "attempts"].median()),
        "single_attempt_share": _r((nonconv["attempts"] == 1).mean()),
        "well_worked_sql_rate": {"marketing": _r(km(ww_mkt.to_numpy())),
                                 "sales": _r(km(~ww_mkt.to_numpy()))},
        "touched_before_mql": int((lf["first_touch_at"] < lf["mql_at"]).sum()),
        "rejection_rate": _r(mql["rejected_at"].notna().mean()),
        "rejection_reason_share": _r(rej["rejection_reason"].notna().mean()),
        "fit_reason_share": _r(reasons.isin(FIT_REASONS).mean()),
        "acceptance_rate": _r(mql["accepted_at"].notna().mean()),
        "win_rate_lead_opportunities": _r(lead_opps["is_won"].mean()),
        "activities": int(len(activities)),
        "opportunities": int(len(opportunities)),
    }
