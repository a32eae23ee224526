"""The incentives section of the results (SPEC §4.3, §4.4, §6.1).

:func:`measure_incentives` measures the second of the three steps — "incentivize both teams
on shared outcomes" — from the compensation plan, the won deals in the CRM and the survey's
incentive scales (SHARE, RINT, RFAIR).
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from .flags import THRESHOLDS, conflict_flags
from ..exceptions import InputError, Problem
from .plan import SIDES
from .split import contribution_share, reward_split, won_deals
from .structure import (STRUCTURE_POINTS, gates, num, own_bookings_only,
                        shared_outcome_weight, structure_score, pay_mix)
from .whatif import what_if
from ..lookup import dig as _get

SURVEY_SCALES = ("SHARE", "RINT", "RFAIR")

#: The what-if shown in the report (SPEC §4.3 example): marketing earns 2 % of
#: marketing-sourced bookings and every sales- and marketing-side payout is gated at 70 % of
#: the company goal. The workshop runs :func:`~toolkit.incentives.what_if` with its own.
STANDARD_WHAT_IF = {"marketing_commission": {"rate": 0.02,
                                             "applies_to": "marketing_sourced_won"},
                    "gate": 0.7}

def survey_side(survey: dict | None) -> dict:
    """Read the incentive scales and pillar from the survey section.

    Reads ``survey["scales"][CODE]["by_side"][side]["mean"]`` for SHARE, RINT and RFAIR
    (1..5, None when suppressed or absent) and ``survey["pillars"]["incentives"]``
    (``by_side.<side>`` and ``overall``, 0..100).

    Returns
    -------
    dict
        ``{"scales": {CODE: {"sales", "marketing", "all"}}, "pillar": {"sales",
        "marketing", "overall"}}``.
    """
    scales = {code: {side: num(_get(survey, "scales", code, "by_side", side, "mean"))
                     for side in ("sales", "marketing", "all")} for code in SURVEY_SCALES}
    pil = _get(survey, "pillars", "incentives")
    overall = num(pil) if not isinstance(pil, dict) else num(
        pil.get("overall", _get(pil, "by_side", "all")))
    pillar = {"sales": num(_get(pil, "by_side", "sales")),
              "marketing": num(_get(pil, "by_side", "marketing")), "overall": overall}
    return {"scales": scales, "pillar": pillar}


def measure_incentives(plan: pd.DataFrame, *, leads: pd.DataFrame | None = None,
                       opportunities: pd.DataFrame | None = None,
                       marketing_sources: Iterable[str] = (),
                       attainment: float | None = None, survey: dict | None = None,
                       crm: dict | None = None, min_group_size: int = 5) -> dict:
    """Measure the incentives pillar from the plan, the CRM and the survey (SPEC §4.3–4.4).

    Parameters
    ----------
    plan : pandas.DataFrame
        Typed compensation plan from :func:`~toolkit.incentives.plan.load_plan`.
    leads, opportunities : pandas.DataFrame, optional
        Canonical CRM tables (SPEC §2.2–2.3); without opportunities the split, the
        contribution and the reward shares are None.
    marketing_sources : iterable of str
        Lead sources that count as marketing-sourced (``[crm] marketing_sources``).
    attainment : float, optional
        Company goal attainment in the period (``[incentives] attainment``) for the gates.
    survey : dict, optional
        ``results["survey"]``: reads the SHARE, RINT, RFAIR means by side and the incentives
        pillar.
    crm : dict, optional
        ``results["crm"]``: reads ``funnel.by_source`` (acceptance of marketing-sourced
        MQLs), ``handoff.acceptance_rate``, ``handoff.fit_share``, ``speed.within_sla_share``,
        ``speed.untouched_share`` and ``persistence.single_attempt_share`` for the flags.
    min_group_size : int
        Anonymity threshold: no pay-mix row for fewer people (default 5, the survey
        platforms' default, SPEC §9).

    Returns
    -------
    dict
        JSON-safe section with keys ``shared_outcome_weight`` (``{sales, marketing}``, 0..1),
        ``sow_gap``, ``sow_zero_sides``, ``sow_own_bookings_only`` (``{sales, marketing}``:
        the side's shared weight comes only from its own bookings, see
        :func:`~toolkit.incentives.structure.own_bookings_only`), ``variable_pay_share`` (the pay-mix table as published,
        :func:`~toolkit.incentives.structure.pay_mix`: no role under *min_group_size*
        people), ``gates`` (see :func:`~toolkit.incentives.structure.gates`),
        ``split`` (``{deals, sales_payout, marketing_payout, other_payout, total_payout,
        on_marketing_sourced, marketing_reward_share_on_marketing_sourced, components}``),
        ``marketing_reward_share``, ``marketing_contribution_share``,
        ``reward_contribution_gap`` (contribution − reward), ``flags`` (list of ``{code,
        title, sentence, figures}``), ``structure_score`` (0..100), ``structure_points``,
        ``survey``, ``thresholds``, ``what_if``
        (:func:`~toolkit.incentives.what_if` of :data:`STANDARD_WHAT_IF` on the same deals,
        None without opportunities), ``warnings``.
        Money in the engagement currency.

    Notes
    -----
    The incentives pillar (survey and plan structure combined) is scored once, by
    :func:`toolkit.scores.combine` (``results["scores"]["incentives"]``), not here.

    Rules for sides, shared and volume metrics, commissions (paid once per deal, not per
    head), ``own_won`` and gates are documented in :mod:`toolkit.incentives.plan` and
    :mod:`toolkit.incentives.split`.
    """
    warnings: list[str] = []
    sow = shared_outcome_weight(plan)
    for side in SIDES:
        if sow["by_side"][side] is None:
            warnings.append(f"the plan has no {side}-side role, so its shared-outcome "
                            "weight cannot be computed")
    gate_info = gates(plan, attainment)

    split = scenario = None
    contribution = reward = None
    if opportunities is None:
        warnings.append("no opportunities in the CRM: the reward split on won deals and "
                        "marketing's contribution cannot be computed")
    else:
        deals = won_deals(opportunities, leads, marketing_sources)
        if deals.empty:
            warnings.append("no won opportunities in the CRM: the reward split cannot be "
                            "computed")
        if not tuple(marketing_sources):
            warnings.append("no marketing_sources configured: no deal counts as "
                            "marketing-sourced")
        split = reward_split(plan, deals, attainment=attainment)
        warnings += split.pop("warnings")
        contribution = contribution_share(deals)
        n_unknown = int(deals["source"].isna().sum())
        if len(deals) and contribution is None and n_unknown:
            warnings.append("no won deal has a known source (none on the deals or their "
                            "leads): marketing's contribution to won revenue is not in the "
                            "export")
        elif n_unknown:
            warnings.append(f"{n_unknown} won deals have no known source and are left out "
                            "of marketing's contribution (unknown is not 'not marketing')")
        reward = split["marketing_reward_share"]
        try:
            scenario = what_if(plan, STANDARD_WHAT_IF, leads=leads,
                               opportunities=opportunities,
                               marketing_sources=marketing_sources, attainment=attainment)
            scenario.pop("warnings")
        except InputError as exc:   # what the plan lacks, in plain words (attack 40, RC1)
            why = "; ".join(p.message if isinstance(p, Problem) else str(p)
                            for p in exc.problems)
            warnings.append(f"the standard what-if could not be run: {why}")
    gap = (contribution - reward) if contribution is not None and reward is not None else None

    flags, flag_warn = conflict_flags(plan, sow=sow, crm=crm,
                                      marketing_contribution=contribution,
                                      marketing_reward=reward,
                                      marketing_sources=marketing_sources)
    warnings += flag_warn
    struct = structure_score(plan, sow)
    surv = survey_side(survey)
    if survey is not None and surv["pillar"]["overall"] is None:
        warnings.append("the survey section has no incentives pillar")
    return {
        "shared_outcome_weight": sow["by_side"],
        "sow_gap": sow["gap"],
        "sow_zero_sides": sow["zero_sides"],
        "sow_own_bookings_only": own_bookings_only(plan),
        "variable_pay_share": pay_mix(plan, min_group_size),
        "gates": gate_info,
        "split": split,
        "marketing_reward_share": reward,
        "marketing_contribution_share": contribution,
        "reward_contribution_gap": num(gap),
        "flags": flags,
        "structure_score": struct["score"],
        "what_if": scenario,
        "structure_points": struct["points"],
        "structure_points_max": dict(STRUCTURE_POINTS),
        "survey": surv,
        "thresholds": dict(THRESHOLDS),
        "warnings": warnings,
    }
