"""Recommendations generated from the findings, by the three steps (SPEC §0, §6).

Each rule names the findings that trigger it; a recommendation appears only when one of them
fired, carries the evidence keys of the findings behind it and a rationale citing the source
of the practice. The next stage's levers depend on the client's maturity stage (Kotler,
Rackham & Krishnaswamy 2006). No generic advice the data did not trigger.
"""

from __future__ import annotations

from dataclasses import dataclass

from .findings import find, get
from .vocab import STEP_TITLES, STEPS  # noqa: F401  (re-exported)


#: Recommendation priority of a finding level (levels from the ``severity_high`` /
#: ``severity_medium`` thresholds of :mod:`toolkit.method`).
PRIORITY_OF_LEVEL = {"high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class Rule:
    """A recommendation and the finding codes (prefixes) that trigger it."""

    code: str
    step: str
    triggers: tuple[str, ...]
    title: str
    rationale: str


RULES: tuple[Rule, ...] = (
    Rule("one_revenue_leader", "remove_politics", ("conflict_", "supp_low_"),
         "Put one senior leader visibly in charge of the joint revenue plan",
         "Senior-management support both raises collaboration and reduces conflict between "
         "sales and marketing; aligned rewards alone do not reduce conflict (Le Meunier-FitzHugh, "
         "Massey & Piercy, Industrial Marketing Management 2011)."),
    Rule("transparent_allocation", "remove_politics", ("fair_low_", "gap_fair"),
         "Make budget, headcount and recognition decisions between the teams transparent",
         "Perceived unfairness in how resources and credit are shared feeds the blame game; "
         "publishing the allocation rules removes the grounds for it."),
    Rule("evidence_over_anecdote", "remove_politics", ("blame_sales", "blame_marketing",
                                                       "trust_low_", "gap_trust"),
         "Replace anecdotes with one shared funnel dashboard reviewed by both teams",
         "Each side's claim can be tested on the CRM (this report's verdict); reviewing the same "
         "numbers together turns blame into a shared problem to solve."),
    Rule("shared_component", "incentivize", ("sow_low_", "sow_gap"),
         "Give both teams a material shared-outcome component (company revenue or pipeline)",
         "When both teams rise or fall with the same outcome, collaboration rises "
         "(Le Meunier-FitzHugh et al. 2011); today one side has little or no stake in it."),
    Rule("pay_marketing_on_bookings", "incentivize", ("reward_gap",),
         "Pay marketing a share of the bookings it sources",
         "Marketing's reward trails its contribution to won revenue; a small commission on "
         "marketing-sourced bookings (see the what-if in the incentives section) closes the gap."),
    Rule("plan_flags", "incentivize", ("flag_",),
         "Fix the plan features that set the teams against each other",
         "The compensation plan rewards behaviour that conflicts with the other team's goals "
         "(volume without quality, bookings without follow-up, payouts without a company gate)."),
    Rule("response_sla", "communicate", ("verdict_follow_up", "revenue_at_stake"),
         "Agree and enforce a lead-response SLA: first touch within the SLA, six attempts",
         "Contacting a lead within an hour makes qualification about seven times more likely "
         "(Oldroyd, McElheran & Elkington, HBR 2011); most converted leads are reached only by "
         "the sixth attempt (Velocify, vendor study)."),
    Rule("joint_mql_definition", "communicate", ("verdict_lead_quality", "defn_low_"),
         "Redefine the MQL jointly and tune lead scoring on the rejection reasons",
         "Only about 44% of MQLs are a potential good fit (Gartner); a shared written definition "
         "of a qualified lead and hand-off rules reduce rejections for fit."),
    Rule("close_the_loop", "communicate", ("feed_low_", "bidir_low_"),
         "Make rejection reasons mandatory and review them with marketing every week",
         "Two-way flow and quality of information reduce conflict (Massey & Dawes, Industrial "
         "Marketing Management 2007)."),
    Rule("regular_cadence", "communicate", ("not_regular",),
         "Set a short, fixed weekly pipeline meeting with a standing agenda",
         "Communication frequency improves quality, but more meetings are not better in "
         "themselves (Kahn 1996): keep it disciplined and two-way."),
)

#: Levers to reach the next maturity stage (Kotler, Rackham & Krishnaswamy, HBR 2006).
STAGE_LEVERS: dict[str, tuple[str, str, str]] = {
    "Undefined": ("communicate", "Move from Undefined to Defined: write down the processes",
                  "Agree who does what at the hand-off, common terms (MQL, SAL, SQL) and a "
                  "regular meeting; today the teams work on their own agendas."),
    "Defined": ("communicate", "Move from Defined to Aligned: plan together",
                "Joint planning and a shared funnel with common metrics; rotate people between "
                "teams and train them jointly."),
    "Aligned": ("incentivize", "Move from Aligned to Integrated: share the revenue goal",
                "Shared revenue targets and rewards, joint account work, and a single revenue "
                "leader over both functions."),
    "Integrated": ("communicate", "Stay Integrated: guard what works",
                   "Keep the shared metrics and joint reviews as headcount and leadership "
                   "change; re-run this diagnostic yearly."),
}


def recommend(*, survey: dict | None = None, crm: dict | None = None,
              incentives: dict | None = None, verdict: dict | None = None,
              scores: dict | None = None, findings: list[dict] | None = None
              ) -> list[dict]:
    """Turn the triggered findings into prioritized recommendations.

    Parameters
    ----------
    survey, crm, incentives, verdict, scores : dict or None
        Sections of the results dict.
    findings : list of dict, optional
        ``results["findings"]`` (:func:`toolkit.findings.record`); computed from the
        sections when not given.

    Returns
    -------
    list of dict
        ``{step, priority, title, rationale, evidence, findings, code}``, sorted by step
        then priority (1 = act first). Evidence lists dotted ``results.json`` keys, all
        present. The last item of a stage is the next-stage lever when the maturity stage is
        known.
    """
    results = {"survey": survey, "crm": crm, "incentives": incentives, "verdict": verdict,
               "scores": scores}
    if findings is None:
        findings = [f.to_dict() for f in find(results)]
    recs = []
    for rule in RULES:
        hits = [f for f in findings if f["code"].startswith(rule.triggers)]
        if not hits:
            continue
        # priority 1/2/3 = the highest finding level (severity_high / severity_medium)
        priority = min(PRIORITY_OF_LEVEL[f["level"]] for f in hits)
        evidence = list(dict.fromkeys(k for f in hits for k in f["evidence"]))
        recs.append({"code": rule.code, "step": rule.step, "priority": priority,
                     "title": rule.title, "rationale": rule.rationale,
                     "evidence": evidence, "findings": [f["text"] for f in hits]})
    stage = get(results, "survey.maturity.stage")
    if stage in STAGE_LEVERS:
        step, title, rationale = STAGE_LEVERS[stage]
        recs.append({"code": f"stage_{stage.lower()}", "step": step, "priority": 3,
                     "title": title, "rationale": rationale,
                     "evidence": ["survey.maturity.stage"],
                     "findings": [f"Alignment maturity stage: {stage}."]})
    recs.sort(key=lambda r: (STEPS.index(r["step"]), r["priority"], r["code"]))
    return recs
