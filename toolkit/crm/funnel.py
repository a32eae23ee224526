"""Funnel cohorts and the sales–marketing hand-off (SPEC §4.2).

Stage conversion rates carry Wilson score 95% intervals (Wilson 1927, via
``statsmodels.stats.proportion.proportion_confint(method="wilson")``), which keep sensible
coverage for small counts and rates near 0 or 1, unlike the normal approximation.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from .. import method

STAGES = ("leads", "mql", "sal", "sql", "opportunity", "won")

#: Words that mark a rejection reason as being about the lead's *fit* (who the lead is:
#: company, role, budget, legitimacy) rather than about timing, reachability or process.
#: Matched case-insensitively as whole words / prefixes in the reason text.
FIT_PATTERNS = (
    r"\bfit\b", r"\bicp\b", r"not.{0,12}(?:target|qualified|relevant|ideal)", r"\bsize\b",
    r"too (?:small|large|big)", r"small (?:company|business|account)", r"\bbudget\b",
    r"\bindustr", r"\bsector\b", r"\bvertical\b", r"\bgeograph", r"\bterritor", r"\bregion\b",
    r"out of (?:area|market|scope)", r"\bcountry\b", r"decision[ -]?maker", r"\bauthority\b",
    r"\bjob (?:title|seeker)", r"\bwrong (?:title|role|persona|contact|company|segment)",
    r"\bstudent", r"\bcompetitor", r"\bspam\b", r"\bjunk\b", r"\bfake\b", r"\bbogus\b",
    r"\binvalid\b", r"\bconsumer\b", r"\bpersonal\b", r"\bno need\b", r"\bno (?:use|fit)\b",
    r"\bunqualified\b", r"\bpersona\b", r"\bsegment\b",
)
_FIT_RE = re.compile("|".join(FIT_PATTERNS), flags=re.IGNORECASE)

#: Patterns that override a fit match: the reason is about contact or timing.
NOT_FIT_PATTERNS = (r"no (?:response|answer|reply)", r"unreachable",
                    r"could ?n[o']t (?:reach|contact)", r"\bduplicate", r"\btiming\b", r"not now", r"existing customer",
                    r"already (?:a )?customer", r"\bnurture\b")
_NOT_FIT_RE = re.compile("|".join(NOT_FIT_PATTERNS), flags=re.IGNORECASE)
#: Runs of whitespace, made one space in the key by which rejection reasons are counted.
_WHITESPACE = re.compile(r"\s+")


def wilson(k: int, n: int, alpha: float = 0.05) -> dict:
    """Proportion ``k / n`` with its Wilson score interval.

    Parameters
    ----------
    k, n : int
        Successes and trials.
    alpha : float
        1 − confidence level (0.05 → 95% interval).

    Returns
    -------
    dict
        ``{rate, ci_low, ci_high, n, k}``; rate and bounds are ``None`` when ``n == 0``.
    """
    k, n = int(k), int(n)
    if n <= 0:
        return {"rate": None, "ci_low": None, "ci_high": None, "n": 0, "k": k}
    lo, hi = proportion_confint(k, n, alpha=alpha, method="wilson")
    rate = k / n
    # the closed form loses ~1e-16 at the edges (7/7 upper bound 0.9999999999999999, 0/n
    # lower bound 5e-20): the interval always contains the rate and stays in [0, 1]
    lo = 0.0 if k == 0 else min(max(0.0, float(lo)), rate)
    hi = 1.0 if k == n else max(min(1.0, float(hi)), rate)
    return {"rate": float(rate), "ci_low": lo, "ci_high": hi, "n": n, "k": k}


def _counts(f: pd.DataFrame, measured: dict | None = None) -> dict:
    out = {"leads": int(len(f))}
    for s in STAGES[1:]:
        out[s] = int(f[s].sum()) if (measured or {}).get(s, True) else None
    return out


def _rates(counts: dict) -> dict:
    """Consecutive stage rates; a stage not in the export (count ``None``) gives ``None``
    rates on both sides and a bridging rate ``<a>_to_<c>`` over it."""
    rates = {}
    for a, b in zip(STAGES[:-1], STAGES[1:]):
        ok = counts[a] is not None and counts[b] is not None
        rates[f"{a}_to_{b}"] = wilson(counts[b], counts[a]) if ok else None
    present = [s for s in STAGES if counts[s] is not None]
    for a, b in zip(present[:-1], present[1:]):
        if f"{a}_to_{b}" not in rates:
            rates[f"{a}_to_{b}"] = wilson(counts[b], counts[a])
    return rates


def not_measured(measured: dict | None) -> dict:
    """``{stage: reason}`` for the funnel stages whose input is not in the export."""
    from .definitions import STAGE_INPUTS, absent_reason
    reasons = {s: absent_reason(STAGE_INPUTS[s][0]) for s in ("mql", "sal", "sql")}
    reasons["opportunity"] = ("no converted_at or opportunity_id column and no opportunities "
                              "linked to leads — not in the export")
    reasons["won"] = "no opportunities linked to leads — not in the export"
    return {s: r for s, r in reasons.items()
            if measured is not None and not measured.get(s, True)}


def funnel(f: pd.DataFrame, measured: dict | None = None) -> dict:
    """Funnel counts and consecutive stage rates, overall and by source.

    Parameters
    ----------
    f : DataFrame
        Lead frame from :func:`toolkit.crm.derive.lead_frame` (cumulative stage flags).

    measured : dict, optional
        :func:`toolkit.crm.definitions.measured_inputs` of the cohort: a stage whose input
        column is not in the export has a ``None`` count (never filled from later stages).

    Returns
    -------
    dict
        ``{"counts": {stage: int or None}, "rates": {"<a>_to_<b>": wilson dict or None},
        "by_source": {source: {"counts", "rates", "marketing"}}, "stages": [...],
        "not_measured": {stage: reason}}``. When a stage is not measured, a bridging rate
        over it (e.g. ``mql_to_sql``) is added.
    """
    counts = _counts(f, measured)
    by_source = {}
    if len(f):
        by = f.groupby("source", sort=True)  # one grouping: the sources hashed once
        sums = by[list(STAGES[1:])].sum()
        mk = by["marketing"].first()
        sizes = by.size()
        for src in sums.index:
            c = {"leads": int(sizes[src]),
                 **{s: (int(sums.at[src, s]) if counts[s] is not None else None)
                    for s in STAGES[1:]}}
            by_source[str(src)] = {"counts": c, "rates": _rates(c),
                                   "marketing": bool(mk[src])}
    return {"stages": list(STAGES), "counts": counts, "rates": _rates(counts),
            "by_source": by_source, "not_measured": not_measured(measured)}


def is_fit_reason(reasons: pd.Series) -> pd.Series:
    """Whether each rejection reason is about the lead's fit (vectorized regex match).

    A reason is fit-related when it matches :data:`FIT_PATTERNS` and none of
    :data:`NOT_FIT_PATTERNS` (reachability, duplicates, timing are not fit).
    """
    s = reasons.astype("string").fillna("")
    fit = s.str.contains(_FIT_RE, regex=True)
    not_fit = s.str.contains(_NOT_FIT_RE, regex=True)
    return (fit & ~not_fit).fillna(False).astype(bool)


#: Hand-off evidence score (0..100) used by the communication pillar (SPEC §4.4). It is the
#: mean of three components, each 0..1:
#: * acceptance: MQL→SAL acceptance rate ÷ 0.5 (the midpoint of the 40–60% demand-waterfall
#:   practitioner range, SPEC §9), capped at 1 — shared lead definitions — times the share
#:   of accepted leads that sales then touched: a lead accepted and never worked is not a
#:   hand-off that happened (79% accepted with 30% of them never touched scores 0.70, not 1);
#: * feedback: share of rejections that carry a reason — sales tells marketing why;
#: * SLA: share of handed-over leads first touched within the SLA — the hand-off rule is kept.
#: All three are required: a component that cannot be measured (no MQLs or no
#: accepted_at/rejected_at column — acceptance then only inferred from later stages —, no
#: rejected lead or no rejection_reason column, no first-touch data) must not raise the score, so the score is
#: ``None`` and a warning names what is missing (averaging only the components present would
#: reward missing evidence: a CRM without activities scored higher than with them).
EVIDENCE_SCORE_ACCEPTANCE_TARGET = method.value("evidence_score_acceptance_target")
#: …and net of the MQLs sales rejected for fit: an MQL rejected as not fitting is a lead the
#: two teams do not define alike, the hand-off's first job. The acceptance component is
#: multiplied by ``1 − min(fit-rejected share of MQLs ÷ this, 1)`` — at a fifth of MQLs
#: rejected for fit it is 0, so 34% rejections with 81% about fit cannot score as a healthy
#: hand-off (registry entry ``evidence_score_fit_rejection_max``).
EVIDENCE_SCORE_FIT_REJECTION_MAX = method.value("evidence_score_fit_rejection_max")


def handoff(f: pd.DataFrame, cohort: pd.DataFrame, *, within_sla_share: float | None,
            top: int = 10, redactor=None, touch_data: bool = False) -> dict:
    """Acceptance, rejection, reason coverage, reason Pareto, fit share and evidence score.

    Parameters
    ----------
    f : DataFrame
        Lead frame (stage flags).
    cohort : DataFrame
        Cohort leads with the raw ``rejection_reason`` column (optional).
    within_sla_share : float or None
        From the speed section, a component of the evidence score.
    top : int
        Reasons shown individually in the Pareto; the rest are grouped as "other reasons".
    redactor : callable, optional
        ``f(text) -> text`` applied to every reason before grouping (e-mails, phone numbers
        and known names removed: :func:`toolkit.privacy.make_redactor`); default: redaction
        without known names. Reasons are free text and may carry personal data (SPEC §8).
    touch_data : bool
        Whether the export says which leads were touched (``f["touched"]``); without it the
        acceptance component cannot tell worked from unworked accepted leads, and the score
        is not computed.

    Returns
    -------
    dict
        ``acceptance_rate`` and ``rejection_rate`` (Wilson dicts as plain rates plus
        ``*_ci``), ``reason_share``, ``reasons`` (list of ``{reason, n, share,
        cumulative_share, fit}``), ``fit_share`` (fit-related ÷ rejections with a reason),
        ``n_mql``, ``n_rejected``, ``n_with_reason``, ``evidence_score`` (``None`` unless
        all three components can be measured), ``evidence_score_components``,
        ``evidence_score_missing`` (names of the components that could not be measured),
        ``accepted_untouched`` (``{n, share}``: accepted leads never touched, share of the
        accepted), ``fit_rejected_share`` (MQLs rejected for fit ÷ MQLs: the rejection rate ×
        the fit share of reasons; ``None`` when either is unknown) and ``warnings``.
    """
    warnings: list[str] = []
    from .definitions import absent_reason, measured_inputs
    measured = measured_inputs(cohort)
    mql = f["mql"]
    n_mql = int(mql.sum())
    acc = wilson(int((f["sal"] & mql).sum()), n_mql)
    rej = wilson(int((f["rejected"] & mql).sum()), n_mql)
    n_rej = int(f["rejected"].sum())
    null_reasons = {}
    if not measured["mql"]:
        # no MQL stamp: the leads handed to sales cannot be counted, and the leads sales
        # acted on are no stand-in (acceptance read 67% of them against 25% of the MQLs;
        # attack 45, ATT45-01) -- measured, not inferred from other stages
        for key in ("acceptance", "rejection"):
            null_reasons[key] = absent_reason("mql_at")
        acc = {**wilson(0, 0), "reason": null_reasons["acceptance"]}
        rej = {**wilson(0, 0), "reason": null_reasons["rejection"]}
    if not measured["sal"]:
        null_reasons["acceptance"] = absent_reason("accepted_at")
        acc = {**wilson(0, 0), "reason": null_reasons["acceptance"]}
    if not measured["rejected"] and "rejection" not in null_reasons:
        null_reasons["rejection"] = absent_reason("rejected_at") + " (nor a lead status)"
        rej = {**wilson(0, 0), "reason": null_reasons["rejection"]}
    if null_reasons:
        warnings.append("Hand-off: " + "; ".join(f"the {k} rate is not measured ({v})"
                                                  for k, v in null_reasons.items()) + ".")
    if "rejection_reason" in cohort.columns:
        raw = cohort.loc[f.index[f["rejected"]], "rejection_reason"].astype("string").str.strip()
        raw = raw[raw.notna() & (raw != "")]
    else:
        raw = pd.Series([], dtype="string")
        if n_rej:
            warnings.append("No rejection_reason column: the reasons for rejections are unknown.")
    n_reason = int(len(raw))
    if n_reason:
        if redactor is None:
            from ..privacy import make_redactor
            redactor = make_redactor(())
        uniq = pd.unique(raw.to_numpy(dtype=object))
        raw = raw.map(dict(zip(uniq, (redactor(u) for u in uniq)))).astype("string")
    reason_share = wilson(n_reason, n_rej)
    reasons: list[dict] = []
    fit = wilson(0, 0)
    if n_reason:
        # the key of each distinct reason (casefolded, runs of whitespace as one space),
        # mapped back: tens of thousands of rejections carry a few hundred reasons
        keyof = {u: _WHITESPACE.sub(" ", u.casefold())
                 for u in pd.unique(raw.to_numpy(dtype=object))}
        tab = pd.DataFrame({"key": raw.map(keyof).to_numpy(dtype=object),
                            "raw": raw.to_numpy()})
        label = tab.groupby("key")["raw"].agg(lambda s: s.value_counts().index[0])
        cnt = tab["key"].value_counts()
        cnt = cnt.sort_values(ascending=False, kind="stable")
        fit_flag = is_fit_reason(pd.Series(label.reindex(cnt.index).to_numpy()))
        fit_flag.index = cnt.index
        head = cnt.iloc[:top]
        rest = int(cnt.iloc[top:].sum())
        cum = 0
        for k_, n_ in head.items():
            cum += int(n_)
            reasons.append({"reason": str(label[k_]), "n": int(n_), "share": n_ / n_reason,
                            "cumulative_share": cum / n_reason, "fit": bool(fit_flag[k_])})
        if rest:
            reasons.append({"reason": "other reasons", "n": rest, "share": rest / n_reason,
                            "cumulative_share": 1.0,
                            "fit": None})
        n_fit = int((cnt * fit_flag.astype(int)).sum())
        fit = wilson(n_fit, n_reason)
    elif n_rej:
        warnings.append("No rejection carries a reason: whether rejections are about fit "
                        "cannot be judged.")
    comps, missing = {}, []
    untouched = _accepted_untouched(f, touch_data)
    fit_rejected = (rej["rate"] * fit["rate"] if rej["rate"] is not None
                    and fit["rate"] is not None else None)
    if acc["rate"] is not None and untouched["share"] is not None:
        comps["acceptance"] = (min(acc["rate"] / EVIDENCE_SCORE_ACCEPTANCE_TARGET, 1.0)
                               * (1.0 - untouched["share"])
                               * (1.0 - min((fit_rejected or 0.0)
                                            / EVIDENCE_SCORE_FIT_REJECTION_MAX, 1.0)))
    elif acc["rate"] is not None:
        missing.append("which accepted leads were touched (no first-touch data)")
    else:
        missing.append("acceptance rate (" + ("no acceptance date in the export"
                                              if not measured["sal"] else "no MQLs") + ")")
    if reason_share["rate"] is not None and (n_reason or "rejection_reason" in cohort.columns):
        comps["feedback"] = reason_share["rate"]
    else:
        missing.append("share of rejections with a reason (" + (
            "no rejection reason in the export" if n_rej else
            "no rejection date in the export" if not measured["rejected"]
            else "no rejected leads") + ")")
    if within_sla_share is not None:
        comps["sla"] = within_sla_share
    else:
        missing.append("share first touched within the SLA (no first-touch data)")
    score = float(100 * np.mean(list(comps.values()))) if not missing else None
    if missing:
        warnings.append("Hand-off evidence score not computed: it needs all three components, "
                        "and " + "; ".join(missing) + " cannot be measured.")
    return {
        "n_mql": n_mql, "n_rejected": n_rej, "n_with_reason": n_reason,
        "acceptance_rate": acc["rate"], "acceptance": acc,
        "rejection_rate": rej["rate"], "rejection": rej,
        "reason_share": reason_share["rate"], "reason": reason_share,
        "reasons": [{**r, "share": float(r["share"]),
                     "cumulative_share": float(r["cumulative_share"])} for r in reasons],
        "fit_share": fit["rate"], "fit": fit,
        "evidence_score": score,
        "evidence_score_components": {k: float(v) for k, v in comps.items()},
        "evidence_score_missing": missing,
        "not_measured": null_reasons,
        "accepted_untouched": untouched,
        "fit_rejected_share": fit_rejected,
        "warnings": warnings,
    }


def _accepted_untouched(f: pd.DataFrame, touch_data: bool) -> dict:
    """Accepted MQLs that sales never touched: ``{n, share}`` of the accepted (``None``
    without touch data or accepted leads)."""
    accepted = (f["sal"] & f["mql"]).to_numpy(bool)
    n_acc = int(accepted.sum())
    if not touch_data or "touched" not in f.columns or not n_acc:
        return {"n": None, "share": None}
    n = int((accepted & ~f["touched"].to_numpy(bool)).sum())
    return {"n": n, "share": n / n_acc}
