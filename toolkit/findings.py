"""Findings: the facts in the results that matter, each with its number and evidence key.

A finding is triggered only by the data (a threshold crossed, a verdict reached); the
executive summary shows the three most severe, and :mod:`toolkit.recommend` turns findings
into recommendations. Thresholds live in :data:`toolkit.method.THRESHOLDS`; the findings
are stored in ``results["findings"]`` (:func:`record`) so the report never recomputes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import method
from .lookup import get  # noqa: F401  (re-exported: recommend and tests read results with it)
from .vocab import PILLAR_OF_STEP

#: The thresholds that trigger a finding (their values, rationale and source live in
#: :data:`toolkit.method.THRESHOLDS`).
FINDING_THRESHOLDS: tuple[str, ...] = ("scale_low", "scale_clear_margin", "conflict_high",
                                       "gap_large", "blame_share",
                                       "not_regular", "sow_low", "sow_gap", "reward_gap",
                                       "reward_floor", "pillar_low")

#: ``name -> (value, rationale)`` view of :data:`FINDING_THRESHOLDS` (kept for callers of the
#: former ``LIMITS`` table).
LIMITS: dict[str, tuple[float, str]] = {
    k: (method.THRESHOLDS[k]["value"], method.THRESHOLDS[k]["rationale"])
    for k in FINDING_THRESHOLDS}


@dataclass
class Finding:
    """One triggered finding.

    Attributes
    ----------
    code : str
        Stable identifier of the rule that fired.
    step : str
        ``remove_politics``, ``incentivize`` or ``communicate``.
    severity : float
        0..1; orders findings for the executive summary.
    text : str
        One plain sentence with the number in it.
    evidence : list of str
        Dotted ``results.json`` keys the finding rests on (all present and non-null).
    figures : dict, optional
        The figures the finding quotes, when they are not simply the values at
        ``evidence`` (a plan flag quotes the figures that raised it).
    kind : str
        ``problem`` (a threshold crossed, a complaint borne out) or ``strength`` (what the
        data shows is healthy: a complaint the CRM does not bear out, a plan that pays both
        teams on shared outcomes). Strengths have severity 0 and trigger no recommendation;
        the executive summary states them where they settle the verdict or where nothing
        calls for change.
    """

    code: str
    step: str
    severity: float
    text: str
    evidence: list[str] = field(default_factory=list)
    figures: dict[str, Any] | None = None
    kind: str = "problem"

    def to_dict(self, results: dict | None = None) -> dict:
        """JSON-safe record: ``code``, ``step``, ``pillar``, ``severity`` (0..1), ``level``
        (``high``/``medium``/``low``), ``family``, ``text``, ``evidence`` and, with
        *results*, ``figures`` (evidence key → the value quoted)."""
        out = {"code": self.code, "step": self.step, "pillar": PILLAR_OF_STEP[self.step],
               "severity": round(self.severity, 3), "level": level_of(self.severity),
               "family": family_of(self.code), "kind": self.kind, "text": self.text,
               "evidence": list(self.evidence)}
        if self.figures is not None:
            out["figures"] = dict(self.figures)
        elif results is not None:
            out["figures"] = {k: get(results, k) for k in self.evidence}
        return out


def level_of(severity: float) -> str:
    """``high``, ``medium`` or ``low`` by the ``severity_high`` / ``severity_medium``
    thresholds."""
    if severity >= method.value("severity_high"):
        return "high"
    return "medium" if severity >= method.value("severity_medium") else "low"



def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _short_follow_up(results: dict) -> str | None:
    """The follow-up verdict in one short sentence a CEO reads at a glance (the verdict's
    own summary, with every band, is in the blame-game section): never touched, not touched
    within the SLA, one attempt only, and what a later attempt still converts."""
    grp = "marketing" if get(results, "crm.speed.by_group.marketing") else None
    sp = get(results, "crm.speed.by_group.marketing" if grp else "crm.speed") or {}
    pe = get(results, "crm.persistence.by_group.marketing" if grp else "crm.persistence") or {}
    ef = get(results, "crm.effort.by_group.marketing" if grp else "crm.effort") or {}
    who = "marketing-sourced leads" if grp else "leads handed to sales"
    parts = []
    if sp.get("untouched_share") is not None:
        parts.append(f"{_pct(sp['untouched_share'])} of {who} are never touched")
    sla = sp.get("within_sla_share")
    hours = get(results, "crm.speed.sla_hours") or get(results, "data.settings.sla_first_touch_hours")
    if sla is not None and hours:
        parts.append(f"{_pct(1 - sla)} are not touched within the {hours:g}-hour SLA")
    if pe.get("single_attempt_share") is not None:
        parts.append(f"{_pct(pe['single_attempt_share'])} of those worked and not converted "
                     "get one attempt only")
    if len(parts) < 2:
        return None
    text = ", ".join(parts[:-1]) + " and " + parts[-1]
    h3 = (ef.get("hazard_after_attempt_3") or {}).get("rate")
    if h3 is not None and get(results, "verdict.follow_up.status") == "supported":
        text += f"; a 4th or later attempt still converts {_pct(h3)} of the time"
    return text + "."


def _scale(results: dict, code: str, side: str) -> tuple[float | None, str]:
    key = f"survey.scales.{code}.by_side.{side}.mean"
    return get(results, key), key


def clearly_off_neutral(results: dict, code: str, side: str, *, below: bool) -> bool:
    """Whether a side's scale mean is clearly below (*below*) or above neutral (3): its 95%
    interval lies wholly on that side of 3, else (no interval) the mean is at least
    ``scale_clear_margin`` from 3. A mean of 2.99 or 3.12 with an interval across 3 is
    neutral, not a problem."""
    by = get(results, f"survey.scales.{code}.by_side.{side}") or {}
    m, lo, hi = by.get("mean"), by.get("ci_low"), by.get("ci_high")
    if m is None:
        return False
    if below:
        return hi < 3.0 if hi is not None else m <= 3.0 - method.value("scale_clear_margin")
    return lo > 3.0 if lo is not None else m >= 3.0 + method.value("scale_clear_margin")


def improved(results: dict, code: str, side: str) -> bool:
    """Whether the side's scale improved detectably since the last assessment (the wave
    comparison's ``summary.improved``): such a scale is not cited as a problem."""
    key = f"survey.scales.{code}.by_side.{side}"
    return any(isinstance(x, dict) and x.get("key") == key
               for x in get(results, "comparison.summary.improved") or [])


def _low_scales(results: dict, step: str, cut: float,
                scales: tuple[tuple[str, str], ...]) -> list[Finding]:
    """One finding per side whose scale mean, as quoted (two decimals), is below *cut*
    (1..5, healthy direction): "low" under 2.5, "below neutral" from 2.5 (3 is neutral, so
    a mean that rounds to 3.00 is not low)."""
    found = []
    for code, label in scales:
        for side in ("sales", "marketing"):
            m, key = _scale(results, code, side)
            if m is not None and round(m, 2) < cut and clearly_off_neutral(
                    results, code, side, below=True) and not improved(results, code, side):
                how = "low" if m < 2.5 else "below neutral"
                found.append(Finding(f"{code.lower()}_low_{side}", step, 0.4 + (3 - m) / 4,
                                     f"The {side} side rates {label} {how} ({m:.2f} of 5, where "
                                     "3 is neutral).",
                                     [key]))
    return found


def find(results: dict) -> list[Finding]:
    """Return every finding the results trigger, most severe first.

    Parameters
    ----------
    results : dict
        The results dict (SPEC §6), or a dict holding at least the sections to examine.

    Returns
    -------
    list of Finding
    """
    out: list[Finding] = []
    lim = {k: method.value(k) for k in FINDING_THRESHOLDS}

    # --- verdict --------------------------------------------------------------------------
    for claim, step, text in (
        ("follow_up", "communicate", "Sales follow-up is thin: {s}"),
        ("lead_quality", "communicate", "Lead quality is the bottleneck: {s}"),
    ):
        if get(results, f"verdict.{claim}.status") == "supported":
            short = _short_follow_up(results) if claim == "follow_up" else None
            summary = short or get(results, f"verdict.{claim}.summary") or ""
            if summary[:2].istitle() and not summary[:2].isupper():
                summary = summary[0].lower() + summary[1:]  # continues "…: " mid-sentence
            keys = [f"verdict.{claim}.status"] + ([
                k for k in (f"crm.{a}.by_group.marketing.{b}" for a, b in (
                    ("speed", "untouched_share"), ("speed", "within_sla_share"),
                    ("persistence", "single_attempt_share"),
                    ("effort", "hazard_after_attempt_3.rate")))
                if get(results, k) is not None] if short else [])
            out.append(Finding(f"verdict_{claim}", step, 1.0, text.format(s=summary).strip(),
                               keys))

    # --- revenue at stake (only when the follow-up complaint is borne out) ---------------
    stake = get(results, "crm.revenue_at_stake") or {}
    if (get(results, "verdict.follow_up.status") == "supported"
            and stake.get("amount") and (stake.get("ci_low") or 0) > 0):
        from .formatting import about_money, about_money_range, stake_share
        cur = (get(results, "client.currency") or "").strip()
        share = stake_share(stake)
        out.append(Finding(
            "revenue_at_stake", "communicate", 0.95,
            f"Sales gave up on {stake['leads']:,} leads (never touched, or dropped after one "
            "attempt); had they reached SQL as often as comparable leads sales did touch, they "
            f"would plausibly have brought about {about_money(stake['amount'], cur)} in won "
            "deals" + (f", {_pct(share)} of the {about_money(stake['won_revenue'], cur)} won "
                       "from the period's leads" if share is not None else "")
            + f" (95% interval {about_money_range(stake['ci_low'], stake['ci_high'], cur)}).",
            ["crm.revenue_at_stake.amount", "crm.revenue_at_stake.ci_low",
             "crm.revenue_at_stake.ci_high", "crm.revenue_at_stake.leads"]))

    # --- politics -----------------------------------------------------------------------
    for side in ("sales", "marketing"):
        conf, key = _scale(results, "CONF", side)
        if conf is not None and round(conf, 2) > lim["conflict_high"] and clearly_off_neutral(
                results, "CONF", side, below=False) and not improved(results, "CONF", side):
            how = ("reports high conflict and blame" if conf >= 3.5 else
                   "leans towards conflict and blame")
            out.append(Finding(f"conflict_{side}", "remove_politics",
                               0.5 + (conf - 3) / 4,
                               f"The {side} side {how} ({conf:.2f} of 5, where 3 is "
                               "neutral).", [key]))
    out += _low_scales(results, "remove_politics", lim["scale_low"], (
        ("SUPP", "senior leadership's support for cooperation"),
        ("TRUST", "trust in the other team"), ("FAIR", "fairness between the teams")))
    for code in ("FAIR", "TRUST", "SUPP", "SHARE", "DEFN"):
        d = get(results, f"survey.scales.{code}.cliffs_delta")
        if d is not None and abs(d) >= lim["gap_large"]:
            higher = "sales" if d > 0 else "marketing"
            size = get(results, f"survey.scales.{code}.cliffs_magnitude") or "clear"
            name = (get(results, f"survey.scales.{code}.name") or code).lower()
            out.append(Finding(f"gap_{code.lower()}", "remove_politics", 0.45 + abs(d) / 2,
                               f"The two sides see {name} differently: the {higher} side is "
                               f"clearly more positive (a {size} difference).",
                               [f"survey.scales.{code}.cliffs_delta"]))

    # --- beliefs ------------------------------------------------------------------------
    s_share = get(results, "survey.claims.sales_blame_leads_share")
    m_share = get(results, "survey.claims.marketing_blame_followup_share")
    if s_share is not None and s_share >= lim["blame_share"]:
        out.append(Finding("blame_sales", "remove_politics", 0.4 + s_share / 4,
                           f"{_pct(s_share)} of the sales side say most marketing leads are not "
                           "worth working.", ["survey.claims.sales_blame_leads_share"]))
    if m_share is not None and m_share >= lim["blame_share"]:
        out.append(Finding("blame_marketing", "remove_politics", 0.4 + m_share / 4,
                           f"{_pct(m_share)} of the marketing side say sales gives up on leads "
                           "too early.", ["survey.claims.marketing_blame_followup_share"]))

    # --- incentives ---------------------------------------------------------------------
    for side in ("sales", "marketing"):
        sow = get(results, f"incentives.shared_outcome_weight.{side}")
        if sow is not None and sow < lim["sow_low"]:
            text = (f"0% of the {side} side's on-target variable pay depends on an outcome "
                    "both teams share (company revenue, pipeline, win rate or SLA)."
                    if sow == 0 else
                    f"Only {_pct(sow)} of the {side} side's on-target variable pay depends on "
                    "an outcome both teams share.")
            out.append(Finding(f"sow_low_{side}", "incentivize", 0.75 if sow == 0 else 0.6,
                               text, [f"incentives.shared_outcome_weight.{side}"]))
    gap = get(results, "incentives.sow_gap")
    if gap is not None and gap >= lim["sow_gap"]:
        out.append(Finding("sow_gap", "incentivize", 0.45 + gap / 4,
                           f"The sides' shared-outcome weights differ by {100 * gap:.0f} percentage points.",
                           ["incentives.sow_gap"]))
    rc = get(results, "incentives.reward_contribution_gap")
    if rc is not None and rc >= lim["reward_gap"]:
        contrib = get(results, "incentives.marketing_contribution_share")
        reward = get(results, "incentives.marketing_reward_share")
        if contrib is not None and reward is not None and reward < lim["reward_floor"]:
            out.append(Finding("reward_gap", "incentivize", 0.6 + rc / 2,
                               f"Marketing sources {_pct(contrib)} of won revenue but earns "
                               + ("none" if reward == 0 else _pct(reward))
                               + " of the commission paid on won deals.",
                               ["incentives.marketing_contribution_share",
                                "incentives.marketing_reward_share"]))
    for i, flag in enumerate(get(results, "incentives.flags") or []):
        if isinstance(flag, dict) and flag.get("sentence"):
            out.append(Finding(f"flag_{flag.get('code', i)}", "incentivize", 0.65,
                               flag["sentence"], ["incentives.flags"],
                               figures=dict(flag.get("figures") or {})))

    # --- communication ------------------------------------------------------------------
    nr = get(results, "survey.frequency.not_regular_share")
    if nr is not None and nr >= lim["not_regular"]:
        out.append(Finding("not_regular", "communicate", 0.5,
                           f"{_pct(nr)} say the teams talk monthly or less.",
                           ["survey.frequency.not_regular_share"]))
    out += _low_scales(results, "communicate", lim["scale_low"], (
        ("DEFN", "shared definitions of a qualified lead and the hand-off"),
        ("FEED", "feedback from sales on leads"), ("BIDIR", "two-way information flow")))
    rs = get(results, "crm.handoff.reason_share")
    if rs is not None and rs < method.value("reasons_already_given"):
        n_r, n_rej = (get(results, "crm.handoff.n_with_reason"),
                      get(results, "crm.handoff.n_rejected"))
        counts = (f" ({n_r:,} of {n_rej:,})" if isinstance(n_r, int) and isinstance(n_rej, int)
                  else "")
        out.append(Finding("reasons_missing", "communicate", 0.4 + (0.8 - rs) / 2,
                           f"Sales gives a reason for only {_pct(rs)} of the leads it "
                           f"rejects{counts}.", ["crm.handoff.reason_share"]))
    for pillar in ("politics", "incentives", "communication"):
        v = get(results, f"scores.{pillar}")
        if v is not None and v < lim["pillar_low"]:
            step = {"politics": "remove_politics", "incentives": "incentivize",
                    "communication": "communicate"}[pillar]
            out.append(Finding(f"pillar_{pillar}", step, 0.3 + (50 - v) / 100,
                               f"The {pillar} step scores {v:.0f} of 100.", [f"scores.{pillar}"]))

    out += _strengths(results, lim, has_reward_gap=any(f.code == "reward_gap" for f in out))
    out.sort(key=lambda f: (-f.severity, f.code))
    return out


def _strengths(results: dict, lim: dict, *, has_reward_gap: bool) -> list[Finding]:
    """What the data shows is healthy, with its numbers (``kind="strength"``, severity 0).

    A complaint the CRM does not bear out (the verdict's own sentence, which carries its
    figures); a plan that pays both sides on shared outcomes; all three steps at or above
    the ``pillar_low`` cut point.
    """
    out = []
    for claim, label in (("follow_up", "Follow-up holds up"),
                         ("lead_quality", "Lead quality holds up")):
        # the short form where the verdict gives one (lead quality led by the share that
        # actually reached SQL), so the summary stays a two-minute read
        summary = (get(results, f"verdict.{claim}.short")
                   or get(results, f"verdict.{claim}.summary"))
        if get(results, f"verdict.{claim}.status") == "not_supported" and summary:
            out.append(Finding(f"healthy_{claim}", "communicate", 0.0,
                               f"{label}: {summary[0].lower() + summary[1:]}"
                               if summary[:2].istitle() and not summary[:2].isupper()
                               else f"{label}: {summary}",
                               [f"verdict.{claim}.status"], kind="strength"))
    sow = {s: get(results, f"incentives.shared_outcome_weight.{s}") for s in ("sales",
                                                                             "marketing")}
    if all(v is not None and v >= lim["sow_low"] for v in sow.values()) and not has_reward_gap:
        reward = get(results, "incentives.marketing_reward_share")
        out.append(Finding(
            "healthy_pay", "incentivize", 0.0,
            f"Both teams are paid on outcomes they share: {_pct(sow['sales'])} of the sales "
            f"side's and {_pct(sow['marketing'])} of the marketing side's on-target variable "
            "pay" + (f", and marketing earns {_pct(reward)} of the commission paid on won "
                     "deals" if reward else "") + ".",
            ["incentives.shared_outcome_weight.sales",
             "incentives.shared_outcome_weight.marketing"]
            + (["incentives.marketing_reward_share"] if reward else []), kind="strength"))
    pillars = {p: get(results, f"scores.{p}") for p in ("politics", "incentives",
                                                         "communication")}
    if all(v is not None and v >= lim["pillar_low"] for v in pillars.values()):
        out.append(Finding(
            "healthy_scores", "remove_politics", 0.0,
            f"All three steps score {lim['pillar_low']:.0f} or more of 100: politics "
            f"{pillars['politics']:.0f}, incentives {pillars['incentives']:.0f}, "
            f"communication {pillars['communication']:.0f}.",
            [f"scores.{p}" for p in pillars], kind="strength"))
    return out


#: Findings that state the same fact in other words count as one family (one sentence under
#: a recommendation).
FAMILIES = {"sow_gap": "sow", "sow_low": "sow", "flag_no_shared_outcome": "sow",
            "reward_gap": "reward", "flag_marketing_no_stake": "reward",
            "blame_sales": "blame", "blame_marketing": "blame"}


def family_of(code: str) -> str:
    """The rule family of a finding code (side suffixes and synonyms collapsed)."""
    base = code.rsplit("_", 1)[0] if code.endswith(("_sales", "_marketing")) else code
    return FAMILIES.get(base, FAMILIES.get(code, base))


def theme_of(code: str, step: str) -> str:
    """The theme a finding speaks to in the executive summary: the blame-game claim for the
    verdict, its revenue at stake and its strengths, else the step (one pay-plan finding,
    one politics finding, one communication finding)."""
    for claim in ("follow_up", "lead_quality"):
        if code in (f"verdict_{claim}", f"healthy_{claim}"):
            return claim
    if code == "revenue_at_stake":
        return "follow_up"
    return step


def top_findings(results: dict, n: int = 3) -> list[Finding]:
    """The executive summary's *n* findings, in the order to read them (:func:`headline`)."""
    return headline(find(results), n)


def headline(found: list[Finding], n: int = 3) -> list[Finding]:
    """Pick the executive summary's *n* findings from *found*.

    1. The verdict's deciding evidence: each claim the CRM bears out (``verdict_*``); when
       it bears out neither, the evidence that settles both (``healthy_follow_up``,
       ``healthy_lead_quality``).
    2. The most severe problem of each other theme (:func:`theme_of`: the pay plan, politics,
       communication), so no fact is stated twice in other words.
    3. Strengths, when fewer problems than *n* remain: a well-aligned client still reads
       what is healthy, with its numbers.

    The revenue at stake is stated by the summary itself and is not picked.
    """
    problems = [f for f in found if f.kind == "problem" and f.code != "revenue_at_stake"]
    strengths = [f for f in found if f.kind == "strength"]
    picked = [f for f in problems if f.code.startswith("verdict_")]
    if not picked:
        picked = [f for f in strengths if f.code in ("healthy_follow_up",
                                                     "healthy_lead_quality")]
    themes = {theme_of(f.code, f.step) for f in picked}
    for f in problems + strengths:
        if len(picked) >= n:
            break
        t = theme_of(f.code, f.step)
        if f in picked or t in themes:
            continue
        themes.add(t)
        picked.append(f)
    return picked[:n]


def record(results: dict, n_headline: int = 3) -> list[dict]:
    """Every finding of *results* as stored in ``results["findings"]``, most severe first.

    Parameters
    ----------
    results : dict
        The results dict with its measured sections (survey, crm, incentives, verdict,
        scores).
    n_headline : int
        How many findings the executive summary shows (:func:`headline`).

    Returns
    -------
    list of dict
        :meth:`Finding.to_dict` records with the figures they quote, ``headline`` (True for
        the findings the executive summary and the deck's summary slide show) and
        ``headline_order`` (1, 2, 3 … the order they are read in; None when not shown).
    """
    found = find(results)
    order = {f.code + "|" + f.text: i for i, f in
             enumerate(headline(found, n_headline) if n_headline else [], 1)}
    out = []
    for f in found:
        rank = order.get(f.code + "|" + f.text)
        out.append({**f.to_dict(results), "headline": rank is not None,
                    "headline_order": rank})
    return out
