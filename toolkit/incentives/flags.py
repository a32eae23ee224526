"""Conflict flags of the compensation plan (SPEC §4.3).

Each flag is ``{"code", "title", "sentence", "figures"}``: a stable code, a short title, one
plain-language sentence for the report and the figures that raised it.

Thresholds are read from :data:`toolkit.method.THRESHOLDS` (one home, with rationale and
source); :data:`THRESHOLDS` below is the flag's view of them:

* ``acceptance_rate_low`` (method ``acceptance_rate_low``, 0.40) — the lower bound of the
  MQL → SAL practitioner range (40–60 %, demand-waterfall practice). Below it, most of what
  marketing is paid to produce is turned away by sales.
* Follow-up is **thin** exactly as the verdict judges it (method ``within_sla_min``,
  ``untouched_share_max``, ``single_attempt_max``: fewer than half the leads touched within
  the SLA, one lead in ten never touched, three in ten touched-but-unconverted leads given a
  single attempt). The figures are those of :func:`toolkit.verdict.followup_evidence`: the
  same population (marketing-sourced leads when there are enough of them) and the same
  minimum sample sizes as the verdict, so the flag and the verdict quote the same numbers.
* Fit-dominated rejections use the verdict's ``fit_majority`` and
  ``min_rejections_with_reason`` (20 rejections with a reason; the flag used to require 30,
  the documented verdict value is now used by both).
* No flag is raised from too little data: the acceptance rate needs ``min_handoff_mqls``
  MQLs, the follow-up figures the verdict's ``min_followup_leads``; missing touch data
  raises no flag.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from .plan import SIDES, VOLUME_METRICS
from .structure import metric_weight, num, own_bookings_only, with_side

from .. import method
from ..method import THRESHOLDS as _M
from ..verdict import followup_evidence, thin_followup_clause
from ..formatting import half_up

#: The flags' view of :data:`toolkit.method.THRESHOLDS` (flag name → value). "Thin
#: follow-up" uses exactly the verdict's cut-offs, so the plan flag and the verdict agree.
THRESHOLDS = {
    "acceptance_rate_low": method.value("acceptance_rate_low"),
    "within_sla_share_low": method.value("within_sla_min"),
    "untouched_share_high": method.value("untouched_share_max"),
    "single_attempt_share_high": method.value("single_attempt_max"),
    "min_mqls": int(_M["min_handoff_mqls"]["value"]),
    "fit_share_high": method.value("fit_majority"),
    "min_fit_reasons": int(_M["min_rejections_with_reason"]["value"]),
}


def crm_figure(crm: dict | None, section: str, key: str) -> float | None:
    """Read ``crm[section][key]`` (a number, or a ``{"rate": ...}`` dict) or None."""
    v = (crm or {}).get(section) if isinstance(crm, dict) else None
    v = v.get(key) if isinstance(v, dict) else None
    if isinstance(v, dict):
        v = v.get("rate", v.get("value"))
    return num(v)


def _flag(code: str, title: str, sentence: str, figures: dict) -> dict:
    return {"code": code, "title": title, "sentence": sentence, "figures": figures}


def _pct(x: float) -> str:
    return f"{half_up(100 * x):.0f}%"


def marketing_acceptance(crm: dict | None, marketing_sources: Iterable[str] = ()
                         ) -> tuple[float | None, int, str]:
    """MQL → SAL acceptance rate of marketing-sourced MQLs, else of all MQLs.

    Parameters
    ----------
    crm : dict or None
        ``results["crm"]``; reads ``funnel.by_source[source].counts`` (``mql``, ``sal``) and,
        as fallback, ``handoff.acceptance_rate`` / ``handoff.n_mql``.
    marketing_sources : iterable of str
        Marketing lead sources; when empty, the sources the funnel marks ``marketing``.

    Returns
    -------
    (rate, n_mql, population)
        The acceptance rate (None when unknown), the number of MQLs it rests on and the
        population's name for sentences ("marketing-sourced MQLs" or "MQLs" when the
        by-source funnel has no marketing MQL).
    """
    by_src = (((crm or {}).get("funnel") or {}).get("by_source") or {}) if isinstance(
        crm, dict) else {}
    from ..crm.definitions import marketing_keys, source_key
    msrc = marketing_keys(marketing_sources)
    mql = sal = 0
    for src, sec in by_src.items():
        if not isinstance(sec, dict):
            continue
        is_mk = source_key(src) in msrc if msrc else bool(sec.get("marketing"))
        counts = sec.get("counts") or {}
        if is_mk:
            mql += int(num(counts.get("mql")) or 0)
            sal_n = counts.get("sal")
            if sal_n is None and "sal" in counts:   # acceptance not in the export
                return None, 0, "marketing-sourced MQLs"
            sal += int(num(sal_n) or 0)
    if mql:
        return sal / mql, mql, "marketing-sourced MQLs"
    return (crm_figure(crm, "handoff", "acceptance_rate"),
            int(crm_figure(crm, "handoff", "n_mql") or 0), "MQLs")


def _volume_flag(vol: float, crm: dict | None, marketing_sources: Iterable[str]
                 ) -> tuple[list[dict], list[str]]:
    """The ``volume_pay_low_acceptance`` flag (two triggers, see :func:`conflict_flags`)."""
    acc, n_mql, who = marketing_acceptance(crm, marketing_sources)
    thr = THRESHOLDS["acceptance_rate_low"]
    if acc is None:
        return [], ["marketing is paid on volume metrics, but the lead acceptance rate is "
                    "unknown, so the volume-pay flag could not be checked"]
    if n_mql < THRESHOLDS["min_mqls"]:
        return [], [f"marketing is paid on volume metrics, but only {half_up(n_mql):.0f} {who} "
                    f"(need {THRESHOLDS['min_mqls']}) are too few to judge the acceptance "
                    "rate, so the volume-pay flag could not be checked"]
    figures = {"marketing_volume_weight": num(vol), "acceptance_rate": acc,
               "population": who, "n_mql": n_mql, "threshold": thr}
    if acc < thr:
        return [_flag(
            "volume_pay_low_acceptance", "Marketing paid for volume sales turns away",
            f"{_pct(vol)} of marketing's variable pay rewards lead volume, yet sales "
            f"accepts {'only ' if acc > 0 else ''}{_pct(acc)} of the {half_up(n_mql):,.0f} {who} "
            f"(below the {_pct(thr)} lower bound of the usual MQL-to-SAL range): marketing "
            "is paid for leads sales does not want.", figures)], []
    fit = crm_figure(crm, "handoff", "fit_share")
    n_reason = int(crm_figure(crm, "handoff", "n_with_reason") or 0)
    if (fit is not None and fit >= THRESHOLDS["fit_share_high"]
            and n_reason >= THRESHOLDS["min_fit_reasons"]):
        return [_flag(
            "volume_pay_low_acceptance",
            "Marketing paid on volume while most rejections are for fit",
            f"{_pct(vol)} of marketing's variable pay rewards lead volume, and "
            f"{_pct(fit)} of the {half_up(n_reason):,.0f} rejections that carry a reason say the lead "
            f"does not fit (sales accepts {_pct(acc)} of the {half_up(n_mql):,.0f} {who}): marketing "
            "is paid for leads that are not the customers sales sells to.",
            {**figures, "fit_share": fit, "n_with_reason": n_reason,
             "fit_share_threshold": THRESHOLDS["fit_share_high"]})], []
    return [], []


def conflict_flags(plan: pd.DataFrame, *, sow: dict, crm: dict | None,
                   marketing_contribution: float | None,
                   marketing_reward: float | None,
                   marketing_sources: Iterable[str] = ()) -> tuple[list[dict], list[str]]:
    """Raise the conflict flags of SPEC §4.3 (plus the SOW = 0 flag).

    Codes:

    * ``no_shared_outcome`` — a side's shared-outcome weight is 0 (one flag per side).
    * ``volume_pay_low_acceptance`` — marketing has weight on volume metrics
      (mql_volume, lead_volume, activity_volume) while either sales accepts fewer than
      ``acceptance_rate_low`` of the marketing-sourced MQLs (:func:`marketing_acceptance`;
      all MQLs when the funnel by source has none), or most rejections are about fit
      (``crm.handoff.fit_share`` ≥ ``fit_share_high`` on at least ``min_fit_reasons``
      rejections with a reason): marketing is paid for leads sales does not want.
    * ``sales_individual_bookings_only`` — no sales-side component rewards SLA compliance or
      any shared outcome beyond the rep's own bookings (every shared-metric component of
      the sales side is ``bookings`` with ``applies_to`` own_won or empty) while follow-up
      is thin (see module docstring).
    * ``no_gate`` — at least one side has no gated component: its payouts are not tied to
      the company goal.
    * ``marketing_no_stake`` — marketing-sourced deals make up part of won revenue but
      marketing earns none of the commission paid on won revenue.

    Parameters
    ----------
    plan : DataFrame
        Typed compensation plan.
    sow : dict
        :func:`~toolkit.incentives.structure.shared_outcome_weight` output.
    crm : dict or None
        ``results["crm"]``.
    marketing_contribution, marketing_reward : float or None
        Marketing-sourced share of won revenue and marketing's share of the commission.
    marketing_sources : iterable of str
        Marketing lead sources (for the acceptance rate of marketing-sourced MQLs).

    Returns
    -------
    (flags, warnings)
        The raised flags, and warnings for flags that could not be checked for lack of CRM
        figures.
    """
    flags: list[dict] = []
    warnings: list[str] = []
    p = with_side(plan)
    own = own_bookings_only(plan)
    for side in sow.get("zero_sides", []):
        flags.append(_flag(
            "no_shared_outcome", f"No shared outcome on the {side} side",
            f"Nothing in the {side} side's on-target variable pay depends on an outcome both "
            "teams share (bookings of the whole team, pipeline, win rate, SLA compliance or "
            "company revenue)" + ("; a commission on one's own deals rewards closing, not the "
                                  "other team." if own.get(side) else "."),
            {"side": side, "shared_outcome_weight": 0.0}))

    vol = metric_weight(plan, VOLUME_METRICS, "marketing")
    if vol:
        flag, warn = _volume_flag(vol, crm, marketing_sources)
        flags += flag
        warnings += warn

    sales = p[p["side"] == "sales"]
    if not sales.empty:
        if own["sales"]:
            fe = followup_evidence(crm)
            fig = {k: fe["figures"][k] for k in
                   ("within_sla_share", "untouched_share", "single_attempt_share")}
            clause = thin_followup_clause(fe)
            if not fe["touch_data"]:
                warnings.append("sales is paid on its own bookings only, but the CRM has no "
                                "activities or first-touch data, so the bookings-only flag "
                                "could not be checked")
            elif all(v is None for v in fig.values()):
                warnings.append("sales is paid on its own bookings only, but follow-up "
                                "figures are unknown or rest on too few leads (need "
                                f"{_M['min_followup_leads']['value']}), so the "
                                "bookings-only flag could not be checked")
            elif clause:
                flags.append(_flag(
                    "sales_individual_bookings_only",
                    "Sales paid on own bookings only while follow-up is thin",
                    "Sales is paid only on the deals it closes, with nothing for working "
                    "marketing's leads to the SLA, and " + clause + ".",
                    {**fig, "population": fe["who"],
                     "sales_own_bookings_weight": num(metric_weight(
                         plan, ["bookings"], "sales")),
                     "thresholds": {k: v for k, v in THRESHOLDS.items() if k not in
                                    ("acceptance_rate_low", "min_mqls")}}))

    gated = {s: bool(((p["side"] == s) & p["gate"].notna()).any()) for s in SIDES}
    present = {s: bool((p["side"] == s).any()) for s in SIDES}
    ungated = [s for s in SIDES if present[s] and not gated[s]]
    if ungated:
        who = " and ".join(ungated)
        flags.append(_flag(
            "no_gate", "No gate tying pay to the company goal",
            f"The {who} side{'s' if len(ungated) > 1 else ''} can earn variable pay even when "
            "the company misses its goal: no component is gated on company attainment.",
            {"sides_without_gate": ungated,
             "gated_components": int(p["gate"].notna().sum()),
             "components": int(len(p))}))

    if (marketing_contribution is not None and marketing_contribution > 0
            and marketing_reward is not None and marketing_reward == 0):
        flags.append(_flag(
            "marketing_no_stake", "Marketing has no stake in the deals it sources",
            f"Marketing-sourced deals bring {_pct(marketing_contribution)} of won revenue, "
            "but marketing earns none of the commission paid on won deals.",
            {"marketing_contribution_share": marketing_contribution,
             "marketing_reward_share": marketing_reward}))
    return flags, warnings
