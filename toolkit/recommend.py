"""Recommendations generated from the findings, ranked by one priority rule (SPEC §0, §6).

Each rule names the findings that trigger it; a recommendation appears only when one of them
fired, carries the evidence keys of the findings behind it and a rationale citing the source
of the practice. Priority = impact (the severity of its most severe finding) × evidence
strength (how directly the client's own records show it; :data:`toolkit.method.
EVIDENCE_STRENGTH`). A rule is gated by the client's evidence: what the data shows is already
done is not recommended. The lever towards the next stage follows the overall score's stage
(the one stage language of the report; Kotler, Rackham & Krishnaswamy 2006). No generic
advice the data did not trigger.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import method
from .findings import family_of, find, get
from .method import EVIDENCE_STRENGTH
from .vocab import STEP_TITLES, STEPS  # noqa: F401  (re-exported)


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
    Rule("pay_plan", "incentivize", ("sow_low_", "sow_gap", "reward_gap", "flag_"),
         "Redesign the pay plan so both teams win on the same outcomes",
         "When both teams rise or fall with the same outcome, collaboration rises "
         "(Le Meunier-FitzHugh, Massey & Piercy 2011); a plan that pays each side on its own "
         "numbers rewards behaviour that works against the other team."),
    Rule("response_sla", "communicate", ("verdict_follow_up", "revenue_at_stake"),
         "Agree and enforce a lead-response SLA: a first touch within a set time, and six "
         "attempts before a lead is dropped",
         "Contacting a lead within an hour makes qualification about seven times more likely "
         "(Oldroyd, McElheran & Elkington, HBR 2011); most converted leads are reached only by "
         "the sixth attempt (Velocify, vendor study)."),
    Rule("joint_mql_definition", "communicate", ("verdict_lead_quality", "defn_low_"),
         "Redefine the MQL jointly and tune lead scoring on the rejection reasons",
         "Only about 44% of MQLs are a potential good fit (Gartner); a shared written definition "
         "of a qualified lead and hand-off rules reduce rejections for fit."),
    Rule("close_the_loop", "communicate", ("feed_low_", "bidir_low_", "reasons_missing"),
         "Make rejection reasons mandatory and review them with marketing every week",
         "Two-way flow and quality of information reduce conflict (Massey & Dawes, Industrial "
         "Marketing Management 2007)."),
    Rule("regular_cadence", "communicate", ("not_regular",),
         "Set a short, fixed weekly pipeline meeting with a standing agenda",
         "Communication frequency improves quality, but more meetings are not better in "
         "themselves (Kahn 1996): keep it disciplined and two-way."),
)

#: What each recommendation fixes, as the reader names it (the tag beside its title: an SLA
#: is about sales follow-up, not "communication"; partner review 16c).
FIXES: dict[str, str] = {
    "one_revenue_leader": "Conflict and leadership support",
    "transparent_allocation": "Fairness between the teams",
    "evidence_over_anecdote": "The blame game",
    "pay_plan": "Pay plan", "keep_pay": "Pay plan",
    "response_sla": "Sales follow-up", "keep_follow_up": "Sales follow-up",
    "joint_mql_definition": "Lead definition and hand-off",
    "keep_lead_quality": "Lead definition and hand-off",
    "close_the_loop": "Feedback on leads",
    "regular_cadence": "Meeting rhythm",
}
#: The tag of the lever towards the next stage.
NEXT_STAGE = "Next alignment stage"


#: Levers to reach the next stage of the overall score (the same four stage names as the
#: scores' bands; Kotler, Rackham & Krishnaswamy, HBR 2006).
STAGE_LEVERS: dict[str, tuple[str, str, str]] = {
    "Undefined": ("communicate", "Write down the hand-off: who does what, common terms, a "
                  "regular meeting",
                  "Agree who does what at the hand-off, what an MQL, SAL and SQL are, and when "
                  "the teams meet; today the teams work to their own agendas."),
    "Defined": ("communicate", "Plan together: one joint plan and one shared funnel",
                "Joint planning and a shared funnel with common metrics; rotate people between "
                "teams and train them jointly."),
    "Aligned": ("incentivize", "Share the revenue goal: joint targets and one revenue leader",
                "Shared revenue targets and rewards, joint account work, and a single revenue "
                "leader over both functions."),
    "Integrated": ("communicate", "Guard what works: keep the shared metrics and reviews",
                   "Keep the shared metrics and joint reviews as headcount and leadership "
                   "change; re-run this diagnostic yearly."),
}


#: What to keep, from what the data shows is healthy (strength findings): offered when fewer
#: than three problems call for action, so a well-aligned client still gets its two or three
#: actions — each tied to its own figures and with an owner — rather than one line.
SUSTAIN: tuple[tuple[str, str, str, str], ...] = (
    ("healthy_follow_up", "communicate",
     "Head of sales: keep first-touch time and attempts per lead in the monthly pipeline "
     "review, so follow-up stays where it is",
     "What is reviewed is kept: follow-up slips first when headcount or priorities change, "
     "and the CRM shows it months before revenue does."),
    ("healthy_pay", "incentivize",
     "CRO and CMO with HR: keep the shared-outcome part of both teams' pay in next year's plan",
     "When both teams rise or fall with the same outcome, collaboration rises (Le Meunier-"
     "FitzHugh, Massey & Piercy 2011); plan redesigns often drop it for simpler quotas."),
    ("healthy_lead_quality", "communicate",
     "Marketing and sales operations: review the MQL definition and lead scoring together "
     "each quarter",
     "A shared written definition of a qualified lead keeps rejections for fit low as "
     "campaigns, markets and products change."),
)

#: The parts of the one pay-plan redesign, each with the findings (code prefixes) that call
#: for it: a plan problem is one recommendation, not one per symptom (they rest on the same
#: plan). The first that applies leads; the rest are listed under it.
PAY_PLAN_PARTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("reward_gap", "flag_marketing_no_stake"),
     "Pay marketing a share of the bookings it sources"),
    (("sow_low_", "sow_gap", "flag_no_shared_outcome"),
     "Give both teams a material shared-outcome component (company revenue or pipeline)"),
    (("flag_volume_pay_low_acceptance",),
     "Pay marketing on leads sales accepts, not on lead volume"),
    (("flag_sales_individual_bookings_only",),
     "Pay sales for working marketing's leads to the SLA, not only for its own closed deals"),
    (("flag_no_gate",), "Gate payouts on the company goal"),
)


def _pay_plan_parts(hits: list[dict]) -> list[str]:
    """The pay-plan changes the triggered findings call for, in order (none twice)."""
    codes = [str(f.get("code") or "") for f in hits]
    parts = [text for prefixes, text in PAY_PLAN_PARTS
             if any(c.startswith(prefixes) for c in codes)]
    known = tuple(p for prefixes, _ in PAY_PLAN_PARTS for p in prefixes)
    if any(c.startswith("flag_") and not c.startswith(known) for c in codes):
        parts.append("Remove the other plan features that set the teams against each other")
    return parts


def _strength(f: dict) -> float:
    """How strongly the client's own evidence backs finding *f* (0..1), by its source:
    measured in the CRM, the plan or the verdict; both survey sides; one survey side."""
    keys = [str(k) for k in f.get("evidence") or []]
    s = EVIDENCE_STRENGTH
    if any(k.startswith(("crm.", "verdict.", "incentives.")) for k in keys):
        return s["records"]
    if str(f.get("code", "")).endswith(("_sales", "_marketing")):
        return s["survey_one_side"]
    return s["survey"]


def _gate(code: str, results: dict) -> tuple[str, str, str] | None:
    """A rule's wording when the client's evidence shows part of it already done or not
    needed; ``("drop", "", why)`` when all of it is; ``None`` to keep the rule as written."""
    reason_share = get(results, "crm.handoff.reason_share")
    if code == "close_the_loop" and reason_share is not None and \
            reason_share >= method.value("reasons_already_given"):
        return ("Review the rejection reasons with marketing every week",
                f"Sales already gives a reason for {100 * reason_share:.0f}% of rejections; "
                "what is missing is marketing hearing them. Two-way flow and quality of "
                "information reduce conflict (Massey & Dawes, Industrial Marketing Management "
                "2007).", "reasons already given")
    if code == "close_the_loop" and reason_share is None:
        return ("Review the leads handed over with marketing every week: what sales accepted, "
                "what it turned down and why",
                "Two-way flow and quality of information reduce conflict (Massey & Dawes, "
                "Industrial Marketing Management 2007). The export does not record rejection "
                "reasons, so how often sales says why is not measured.", "no reasons data")
    if code == "joint_mql_definition" and \
            get(results, "verdict.lead_quality.status") != "supported":
        fit = get(results, "crm.handoff.fit_share")
        note = (f" The CRM does not point at lead quality (only {100 * fit:.0f}% of stated "
                "rejection reasons are about fit), so the work is the definition, not the "
                "scoring." if fit is not None and fit < method.value("fit_majority") else "")
        return ("Write down, together, what a qualified lead is and the hand-off rules",
                "The teams do not share a definition of a qualified lead; a written one that "
                "both sign, with hand-off rules, removes the argument over what was handed "
                "over." + note, "lead quality not the issue")
    if code == "response_sla":
        hours = get(results, "crm.speed.sla_hours") or get(results,
                                                           "crm.speed.by_group.marketing.sla_hours")
        if hours:
            return (f"Enforce the {hours:g}-hour lead-response SLA: a first touch within "
                    f"{hours:g} hours, and six attempts before a lead is dropped",
                    "The SLA exists and is measured in this report; what is missing is "
                    "holding sales to it. Contacting a lead within an hour makes "
                    "qualification about seven times more likely (Oldroyd, McElheran & "
                    "Elkington, HBR 2011); most converted leads are reached only by the "
                    "sixth attempt (Velocify, vendor study).", "SLA already agreed")
    return None


def recommend(*, survey: dict | None = None, crm: dict | None = None,
              incentives: dict | None = None, verdict: dict | None = None,
              scores: dict | None = None, findings: list[dict] | None = None
              ) -> list[dict]:
    """Turn the triggered findings into recommendations, ranked by one priority rule.

    Priority = impact × evidence strength. Impact is the severity (0..1) of the most severe
    finding that triggered the rule; evidence strength is how directly the client's own data
    shows it (:data:`EVIDENCE_STRENGTH`: measured in the CRM, plan or verdict; reported by
    the survey; by one side only). Each rule is gated by the client's evidence: a part the
    data shows is already done is not recommended (:func:`_gate`).

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
        ``{code, step, fixes, priority, rank, title, rationale, evidence, findings, impact,
        strength, value}`` in the order to act (``fixes``: what it fixes, in the reader's
        words — the tag beside its title), ``priority`` = ``rank`` = 1, 2, 3 …
        When fewer than three problems call for action, what the data shows is healthy
        adds up to three actions to keep it (:data:`SUSTAIN`; ``sustain`` true, no value),
        after the problems.
        Evidence lists dotted ``results.json`` keys, all present; ``findings`` the sentences
        behind it, one per fact (family). The pay-plan redesign is one recommendation
        whatever the number of plan findings behind it, with ``actions`` listing the changes
        they call for (:data:`PAY_PLAN_PARTS`). The lever towards the next stage of the
        overall score comes last when the score has a stage.
    """
    results = {"survey": survey, "crm": crm, "incentives": incentives, "verdict": verdict,
               "scores": scores}
    if findings is None:
        findings = [f.to_dict() for f in find(results)]
    recs = []
    for rule in RULES:
        hits = [f for f in findings if f["code"].startswith(rule.triggers)
                and f.get("kind", "problem") == "problem"]
        if not hits:
            continue
        title, rationale = rule.title, rule.rationale
        gated = _gate(rule.code, results)
        if gated is not None:
            title, rationale, _why = gated
        impact = max(float(f.get("severity") or 0) for f in hits)
        strength = max(_strength(f) for f in hits)
        bases = {}
        for f in hits:  # the same survey finding on both sides is the company's view
            base, _, side = str(f["code"]).rpartition("_")
            if side in ("sales", "marketing"):
                bases.setdefault(base, set()).add(side)
        if any(len(v) == 2 for v in bases.values()):
            strength = max(strength, EVIDENCE_STRENGTH["survey"])
        evidence = list(dict.fromkeys(k for f in hits for k in f["evidence"]))
        because, families = [], set()
        # the fact that carries the ranking first: what the client's records measure, then
        # the survey (partner review 16c: a CRM-ranked action cited only survey ratings)
        for f in sorted(hits, key=lambda f: (-_strength(f), -(f.get("severity") or 0))):
            fam = f.get("family") or family_of(str(f["code"]))
            if fam not in families:   # one sentence per fact, not one per side or synonym
                families.add(fam)
                base, _, side = str(f["code"]).rpartition("_")
                pair = [g for g in hits if side in ("sales", "marketing")
                        and str(g["code"]) in (f"{base}_sales", f"{base}_marketing")]
                # "both sides" evidence cites both sides' figures (each a stored finding)
                because += [g["text"] for g in sorted(pair, key=lambda g: not g["code"].endswith("_sales"))
                            if g["text"] not in because] if len(pair) == 2 else [f["text"]]
        if rule.code == "close_the_loop" and get(results, "crm.handoff.reason_share") \
                is not None and "crm.handoff.reason_share" not in evidence:
            # an action about rejection reasons rests on the rejection figure (the rationale
            # of the gated wording quotes it)
            evidence.append("crm.handoff.reason_share")
        fixes = FIXES.get(rule.code)
        if rule.code == "joint_mql_definition" and gated is None:   # the leads are the issue
            fixes = "Lead quality"
        rec = {"code": rule.code, "step": rule.step, "fixes": fixes, "title": title,
               "rationale": rationale, "evidence": evidence, "findings": because,
               "impact": round(impact, 3), "strength": strength,
               "value": round(impact * strength, 3)}
        if rule.code == "pay_plan":
            rec["actions"] = _pay_plan_parts(hits)
        recs.append(rec)
    recs.sort(key=lambda r: (-r["value"], STEPS.index(r["step"]), r["code"]))
    strengths = {f["code"]: f for f in findings if f.get("kind") == "strength"}
    for code, step, title, rationale in SUSTAIN:
        if len(recs) >= 3:
            break
        f = strengths.get(code)
        if f is not None:
            keep = f"keep_{code.removeprefix('healthy_')}"
            evidence, because = list(f.get("evidence") or []), [f["text"]]
            fit = get(results, "crm.handoff.fit_share")
            if code == "healthy_lead_quality" and fit is not None:
                # what the definition keeps low: rejections for fit (partner review 16c)
                because.insert(0, f"{100 * fit:.0f}% of the rejections with a stated reason "
                               "are about fit.")
                evidence.insert(0, "crm.handoff.fit_share")
            recs.append({"code": keep, "step": step, "fixes": FIXES.get(keep),
                         "title": title, "rationale": rationale, "evidence": evidence,
                         "findings": because, "impact": None, "strength": None,
                         "value": None, "sustain": True})
    stage = get(results, "scores.stage")
    if stage in STAGE_LEVERS:
        step, title, rationale = STAGE_LEVERS[stage]
        recs.append({"code": f"stage_{stage.lower()}", "step": step, "fixes": NEXT_STAGE,
                     "title": title,
                     "rationale": rationale, "evidence": ["scores.stage"],
                     "findings": [f"Overall alignment is at the {stage} stage."],
                     "impact": None, "strength": None, "value": None})
    for i, r in enumerate(recs, 1):
        r["priority"] = r["rank"] = i
    return recs
