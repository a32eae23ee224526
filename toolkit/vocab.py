"""The one home of the product's vocabularies (SPEC §2, §3, §4.4, §5, §6).

Names only — no thresholds (those live in :mod:`toolkit.method`) and no computation. Every
module that needs a team, a side, a stage, a pillar, a funnel stage or a plan metric imports
it from here, and so may the renderers in :mod:`toolkit.report`: a vocabulary is part of the
``results.json`` contract, not of the analysis.
"""

from __future__ import annotations

#: Canonical survey/plan teams (SPEC §2.1).
TEAMS: tuple[str, ...] = ("sales", "sales_development", "marketing", "revops", "leadership",
                          "other")

#: Team → side roll-up used everywhere (SPEC §2.1): sales side = ``sales`` +
#: ``sales_development``, marketing side = ``marketing``. ``revops``, ``leadership`` and
#: ``other`` belong to no side (they count in overall figures only).
SIDE_OF_TEAM: dict[str, str] = {"sales": "sales", "sales_development": "sales",
                                "marketing": "marketing"}

#: The two sides, in display order.
SIDES: tuple[str, ...] = ("sales", "marketing")

#: Teams of each side (derived from :data:`SIDE_OF_TEAM`).
TEAMS_OF_SIDE: dict[str, tuple[str, ...]] = {
    side: tuple(t for t in TEAMS if SIDE_OF_TEAM.get(t) == side) for side in SIDES}

#: Teams on neither side (overall figures only).
NO_SIDE_TEAMS: tuple[str, ...] = tuple(t for t in TEAMS if t not in SIDE_OF_TEAM)

#: Alignment / maturity stages, lowest first (Kotler, Rackham & Krishnaswamy 2006). Their
#: cut points (1..5 maturity mean, 0..100 score) are in :mod:`toolkit.method`.
STAGES: tuple[str, ...] = ("Undefined", "Defined", "Aligned", "Integrated")

#: The three pillars of the practitioner thesis (SPEC §0, §4.4), in report order.
PILLARS: tuple[str, ...] = ("politics", "incentives", "communication")

#: The three steps of the thesis; a recommendation's ``step`` is one of these (SPEC §6).
STEPS: tuple[str, ...] = ("remove_politics", "incentivize", "communicate")

#: Pillar ↔ step.
STEP_OF_PILLAR: dict[str, str] = dict(zip(PILLARS, STEPS))
PILLAR_OF_STEP: dict[str, str] = dict(zip(STEPS, PILLARS))

#: Headings of the steps, as the recommendations section shows them.
STEP_TITLES: dict[str, str] = {"remove_politics": "1. Remove company politics",
                               "incentivize": "2. Incentivize on shared outcomes",
                               "communicate": "3. Increase communication"}

#: Funnel stages, in order (SPEC §2.2, §6.1 ``crm.funnel.counts.<stage>``).
FUNNEL_STAGES: tuple[str, ...] = ("leads", "mql", "sal", "sql", "opportunity", "won")

#: Compensation-plan metrics (SPEC §2.5).
METRICS: tuple[str, ...] = ("bookings", "pipeline", "win_rate", "sla_compliance",
                            "company_revenue", "mql_volume", "sql_volume", "lead_volume",
                            "activity_volume", "mbo", "other")
#: Shared-outcome metrics: both teams rise or fall together (SPEC §2.5).
SHARED_METRICS: tuple[str, ...] = ("bookings", "pipeline", "win_rate", "sla_compliance",
                                   "company_revenue")
#: Volume metrics: reward quantity, not the shared outcome (SPEC §2.5).
VOLUME_METRICS: tuple[str, ...] = ("mql_volume", "lead_volume", "activity_volume")
#: ``applies_to`` values of a commission component (SPEC §2.5).
APPLIES_TO: tuple[str, ...] = ("all_won", "marketing_sourced_won", "own_won")

#: Verdict statuses of a blame claim (SPEC §5).
SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not_supported", "inconclusive"
VERDICT_STATUSES: tuple[str, ...] = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)
#: The two blame claims, in report order.
CLAIMS: tuple[str, ...] = ("lead_quality", "follow_up")

#: Finding severities, as stored in ``results.json`` ``findings[].level``: ``high`` at
#: severity ≥ 0.75, ``medium`` at ≥ 0.5, else ``low`` (the recommendation priorities 1/2/3).
SEVERITY_LEVELS: tuple[str, ...] = ("high", "medium", "low")


def side_of(team: str | None) -> str | None:
    """Return ``"sales"``, ``"marketing"`` or None for a canonical team name."""
    return SIDE_OF_TEAM.get(team) if team is not None else None


def stage_rank(stage: str | None) -> int | None:
    """Return 0..3 for a stage name (Undefined = 0), None for None or an unknown name."""
    return STAGES.index(stage) if stage in STAGES else None


#: Survey item codes (prefixes) whose agreement is the unhealthy answer without being
#: reverse-keyed: dysfunctional conflict is scored as "more conflict", and the two blame
#: claims are beliefs, not a scale. Reverse-keyed items are unhealthy when agreed too.
UNHEALTHY_WHEN_AGREED: tuple[str, ...] = ("CONF", "CLAIM_LEADS", "CLAIM_FOLLOW")


#: The conflict scale's healthy mirror, as every chart, table, sentence and comparison names it
#: (6 − the average of the conflict statements on the 1–5 scale, 100 − its 0–100 index:
#: higher = healthier, like every other score).
FREEDOM_FROM_CONFLICT = "Freedom from conflict and blame"


def agree_is_unhealthy(code: str, reverse: bool) -> bool:
    """True when agreeing with survey item *code* is the unhealthy answer.

    Parameters
    ----------
    code : str
        Instrument item code (e.g. ``"CONF2"``).
    reverse : bool
        Whether the item is reverse-keyed in its scale.
    """
    return bool(reverse) or str(code).startswith(UNHEALTHY_WHEN_AGREED)
