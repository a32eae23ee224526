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
FINDING_THRESHOLDS: tuple[str, ...] = ("scale_low", "conflict_high", "gap_large", "blame_share",
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
    """

    code: str
    step: str
    severity: float
    text: str
    evidence: list[str] = field(default_factory=list)
    figures: dict[str, Any] | None = None

    def to_dict(self, results: dict | None = None) -> dict:
        """JSON-safe record: ``code``, ``step``, ``pillar``, ``severity`` (0..1), ``level``
        (``high``/``medium``/``low``), ``family``, ``text``, ``evidence`` and, with
        *results*, ``figures`` (evidence key → the value quoted)."""
        out = {"code": self.code, "step": self.step, "pillar": PILLAR_OF_STEP[self.step],
               "severity": round(self.severity, 3), "level": level_of(self.severity),
               "family": family_of(self.code), "text": self.text,
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


def _scale(results: dict, code: str, side: str) -> tuple[float | None, str]:
    key = f"survey.scales.{code}.by_side.{side}.mean"
    return get(results, key), key


def _low_scales(results: dict, step: str, cut: float,
                scales: tuple[tuple[str, str], ...]) -> list[Finding]:
    """One finding per side whose scale mean is below *cut* (1..5, healthy direction)."""
    found = []
    for code, label in scales:
        for side in ("sales", "marketing"):
            m, key = _scale(results, code, side)
            if m is not None and m < cut:
                found.append(Finding(f"{code.lower()}_low_{side}", step, 0.4 + (3 - m) / 4,
                                     f"The {side} side rates {label} low ({m:.2f} of 5, where 3 is "
                                     "neutral).",
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
            summary = get(results, f"verdict.{claim}.summary") or ""
            if summary[:2].istitle() and not summary[:2].isupper():
                summary = summary[0].lower() + summary[1:]  # continues "…: " mid-sentence
            out.append(Finding(f"verdict_{claim}", step, 1.0, text.format(s=summary).strip(),
                               [f"verdict.{claim}.status"]))

    # --- revenue at stake (only when the follow-up complaint is borne out) ---------------
    stake = get(results, "crm.revenue_at_stake") or {}
    if (get(results, "verdict.follow_up.status") == "supported"
            and stake.get("amount") and (stake.get("ci_low") or 0) > 0):
        from .formatting import about_money, about_money_range
        cur = (get(results, "client.currency") or "").strip()
        out.append(Finding(
            "revenue_at_stake", "communicate", 0.95,
            f"Sales gave up on {stake['leads']:,} leads (never touched, or dropped after one "
            f"attempt); worked up to {stake.get('attempts') or 6} attempts at the rate of "
            "comparable leads that were, they would plausibly have brought about "
            f"{about_money(stake['amount'], cur)} in won deals (95% interval "
            f"{about_money_range(stake['ci_low'], stake['ci_high'], cur)}).",
            ["crm.revenue_at_stake.amount", "crm.revenue_at_stake.ci_low",
             "crm.revenue_at_stake.ci_high", "crm.revenue_at_stake.leads"]))

    # --- politics -----------------------------------------------------------------------
    for side in ("sales", "marketing"):
        conf, key = _scale(results, "CONF", side)
        if conf is not None and conf > lim["conflict_high"]:
            out.append(Finding(f"conflict_{side}", "remove_politics",
                               0.5 + (conf - 3) / 4,
                               f"The {side} side reports high conflict and blame "
                               f"({conf:.2f} of 5, where 3 is neutral).", [key]))
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
            text = (f"None of the {side} side's variable pay depends on shared outcomes."
                    if sow == 0 else
                    f"Only {_pct(sow)} of the {side} side's variable pay depends on shared "
                    "outcomes.")
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
                               f"{_pct(reward)} of the variable pay on it.",
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
    for pillar in ("politics", "incentives", "communication"):
        v = get(results, f"scores.{pillar}")
        if v is not None and v < lim["pillar_low"]:
            step = {"politics": "remove_politics", "incentives": "incentivize",
                    "communication": "communicate"}[pillar]
            out.append(Finding(f"pillar_{pillar}", step, 0.3 + (50 - v) / 100,
                               f"The {pillar} step scores {v:.0f} of 100.", [f"scores.{pillar}"]))

    out.sort(key=lambda f: (-f.severity, f.code))
    return out


#: Findings that state the same fact in other words count as one family in the summary.
FAMILIES = {"sow_gap": "sow", "sow_low": "sow", "flag_no_shared_outcome": "sow",
            "reward_gap": "reward", "flag_marketing_no_stake": "reward",
            "blame_sales": "blame", "blame_marketing": "blame"}


def family_of(code: str) -> str:
    """The rule family of a finding code (side suffixes and synonyms collapsed)."""
    base = code.rsplit("_", 1)[0] if code.endswith(("_sales", "_marketing")) else code
    return FAMILIES.get(base, FAMILIES.get(code, base))


def top_findings(results: dict, n: int = 3) -> list[Finding]:
    """Return the *n* most severe findings, at most one per rule family.

    The executive summary shows these. Findings of the same family (e.g. CONF low on both
    sides, or a shared-outcome gap and a side with no shared outcome) are collapsed to the
    most severe one.
    """
    return _top(find(results), n)


def _top(found: list[Finding], n: int) -> list[Finding]:
    seen: set[str] = set()
    picked: list[Finding] = []
    for f in found:
        family = family_of(f.code)
        if family in seen:
            continue
        seen.add(family)
        picked.append(f)
        if len(picked) == n:
            break
    return picked


def record(results: dict, n_headline: int = 3) -> list[dict]:
    """Every finding of *results* as stored in ``results["findings"]``, most severe first.

    Parameters
    ----------
    results : dict
        The results dict with its measured sections (survey, crm, incentives, verdict,
        scores).
    n_headline : int
        How many findings the executive summary shows (:func:`top_findings`).

    Returns
    -------
    list of dict
        :meth:`Finding.to_dict` records with the figures they quote and ``headline`` (True
        for the findings the executive summary shows, at most one per family).
    """
    found = find(results)
    top_codes = {f.code for f in _top(found, n_headline)} if n_headline else set()
    return [{**f.to_dict(results), "headline": f.code in top_codes} for f in found]
