"""Plain-text formatting of records stored in ``results.json``, shared by the command line and
the report (so the report needs no analysis module to print them)."""

from __future__ import annotations

from typing import Iterable


def intake_lines(records: Iterable) -> list[str]:
    """Return the intake summary as plain-text lines, one block per file.

    Parameters
    ----------
    records : iterable of FileIntake or dict
        Per-file intake records (``EngagementData.intake`` or ``results["data"]["intake"]``).

    Returns
    -------
    list of str
    """
    lines: list[str] = []
    for r in records:
        d = r.to_dict() if hasattr(r, "to_dict") else dict(r)
        enc = d.get("encoding") or "?"
        delim = d.get("delimiter")
        delim_txt = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(delim, delim)
        lines.append(f"{d.get('path')}  [{d.get('table')}]")
        lines.append(f"    format: {d.get('format')}; encoding: {enc}"
                     + (f"; delimiter: {delim_txt}" if delim else ""))
        if d.get("rows_read") is None and d.get("rows_kept") is None and "rows_read" in d:
            lines.append("    rows read and kept: not shown (with the overall figures they "
                         "would reveal the size of a group hidden for anonymity)")
        else:
            lines.append(f"    rows read: {d.get('rows_read') or 0:,}; rows kept: "
                         f"{d.get('rows_kept') or 0:,}")
        for reason, n in (d.get("dropped") or {}).items():
            lines.append(f"    dropped {n:,}: {reason}")
        mapped = d.get("columns_mapped") or {}
        renamed = {k: v for k, v in mapped.items() if k != v}
        lines.append(f"    columns mapped: {len(mapped)}"
                     + (" (" + ", ".join(f"{k} → {v}" for k, v in list(renamed.items())[:12])
                        + (", …" if len(renamed) > 12 else "") + ")" if renamed else ""))
        unmatched = d.get("columns_unmatched") or []
        if unmatched:
            lines.append(f"    columns left unmatched: {len(unmatched)} ("
                         + ", ".join(unmatched[:12]) + (", …" if len(unmatched) > 12 else "")
                         + ")")
        for col, fmt in (d.get("date_formats") or {}).items():
            lines.append(f"    dates in {col}: {fmt}")
        for w in d.get("warnings") or []:
            lines.append(f"    warning: {w}")
    return lines


def _sig2(x: float) -> float:
    """*x* rounded to two significant figures."""
    import math
    if not x or not math.isfinite(x):
        return 0.0 if not x else x
    return round(x, 1 - int(math.floor(math.log10(abs(x)))))


def _money_body(x: float, millions: bool) -> str:
    v = _sig2(x)
    if millions:
        import math
        m = v / 1e6
        digits = max(0, 1 - int(math.floor(math.log10(abs(m))))) if m else 1
        return f"{m:,.{digits}f}"
    return f"{v:,.0f}"


def about_money(x: float | None, currency: str = "") -> str:
    """An estimate in money, rounded honestly to two significant figures.

    ``5_984_771`` → ``"USD 6.0 million"``, ``695_468`` → ``"USD 700,000"``; ``None`` → ``"—"``.
    For estimates (revenue at stake), never for booked figures, which keep their units.
    """
    if x is None:
        return "—"
    big = abs(_sig2(x)) >= 1e6
    return f"{currency} {_money_body(x, big)}{' million' if big else ''}".strip()


def about_money_range(lo: float | None, hi: float | None, currency: str = "") -> str:
    """An interval of :func:`about_money` values with the unit once: ``"USD 5.0–6.9
    million"``, ``"USD 620,000–770,000"``; ``"—"`` when a bound is missing."""
    if lo is None or hi is None:
        return "—"
    big = abs(_sig2(hi)) >= 1e6
    return (f"{currency} {_money_body(lo, big)}–{_money_body(hi, big)}"
            f"{' million' if big else ''}").strip()


def persistence_title(results: dict) -> str | None:
    """The conclusion on extra calls, gated by the evidence (``crm.effort.persistence``).

    "Persistence pays: …" only when the rate per attempt after the 3rd is clearly above zero
    *and* material (``effort_hazard_material``); otherwise the plain conclusion, e.g. "Extra
    calls add little: 3% per attempt after the third, 1% on low-score leads" — with "Fix the
    leads, not the effort." when the verdict says the leads are the bottleneck. ``None``
    without a rate.
    """
    from .lookup import get
    ef = get(results, "crm.effort") or {}
    p = ef.get("persistence") or {}
    rate = p.get("rate")
    if rate is None or not p.get("conclusion") or p["conclusion"] == "unknown":
        return None
    after = (ef.get("after_attempt_3_share") or {}).get("rate")
    low = p.get("lowest_band") or {}
    lq = get(results, "verdict.lead_quality.status") == "supported"
    words = {"low": "low", "mid": "middle", "high": "high"}
    if p["conclusion"] == "pays":
        return ("Persistence pays: " + (f"{100 * after:.0f}% of conversions come after the "
                                        "third attempt, " if after is not None else "")
                + f"{100 * rate:.0f}% per further attempt")
    band = (f", {100 * low['rate']:.0f}% on {words.get(low.get('band'), low.get('band'))}-score "
            "leads" if low.get("rate") is not None and round(100 * low["rate"]) != round(
                100 * rate) else "")
    tail = ". Fix the leads, not the effort." if lq else ""
    if p["conclusion"] == "does_not_pay":
        return f"Attempts after the third rarely convert: {100 * rate:.0f}% per attempt{tail}"
    if p["conclusion"] == "adds_little":
        return (f"Extra calls add little: {100 * rate:.0f}% per attempt after the third"
                + band + tail)
    return (f"Whether extra calls pay is not clear yet: {100 * rate:.0f}% per attempt after "
            "the third, with a wide margin of error")


def headline_money(results: dict) -> dict | None:
    """The executive summary's one money figure, chosen by the verdict (SPEC §4.2, §5).

    When the evidence points to lead quality (and not to follow-up), the cost of poor leads
    (``crm.cost_of_poor_leads``, when measured and above zero); otherwise the revenue at stake
    of the leads sales gave up on (``crm.revenue_at_stake``, its base case), when measured and
    above zero. Where the verdict clears sales follow-up (``verdict.follow_up.status`` is
    ``not_supported``) the same figure is framed as what follow-up still leaves — a residual
    with its share of won revenue, not a gap blamed on sales (kind
    ``revenue_at_stake_residual``). ``None`` when neither is measured — the summary then says
    nothing about money rather than a figure the body does not carry.

    Returns
    -------
    dict or None
        ``{kind, label, amount, ci_low, ci_high, share, section}``: ``kind`` is
        ``"revenue_at_stake"``, ``"revenue_at_stake_residual"`` or ``"cost_of_poor_leads"``,
        ``label`` the tile title, ``share`` the amount as a share of the won revenue of the
        period's leads (0..1; ``None`` when that revenue is not measured), ``section`` the
        results section the figure comes from.
    """
    crm = results.get("crm") or {}
    v = results.get("verdict") or {}
    lq = (v.get("lead_quality") or {}).get("status")
    fu = (v.get("follow_up") or {}).get("status")
    poor = crm.get("cost_of_poor_leads") or {}
    stake = crm.get("revenue_at_stake") or {}

    def pick(kind: str, label: str, sec: dict) -> dict:
        return {"kind": kind, "label": label, "amount": sec["amount"],
                "ci_low": sec.get("ci_low"), "ci_high": sec.get("ci_high"),
                "share": stake_share(sec) if kind != "cost_of_poor_leads" else None,
                "section": sec}

    if lq == "supported" and fu != "supported" and (poor.get("amount") or 0) > 0:
        return pick("cost_of_poor_leads", "Revenue lost to poor leads (estimate)", poor)
    if (stake.get("amount") or 0) > 0:
        if fu == "not_supported":
            return pick("revenue_at_stake_residual",
                        "Still left on the table (estimate)", stake)
        return pick("revenue_at_stake", "Revenue at stake (estimate)", stake)
    return None


def stake_share(stake: dict) -> float | None:
    """Revenue at stake (base case) as a share of the revenue won from the period's leads
    (0..1), or ``None`` when that revenue is not measured (opportunities not linked to
    leads)."""
    won = stake.get("won_revenue")
    if not won or stake.get("revenue_basis") != "cohort" or stake.get("amount") is None:
        return None
    return float(stake["amount"]) / float(won)


def money_sentence(money: dict, currency: str = "") -> tuple[str, str]:
    """The executive summary's money figure as ``(lead, rest)`` plain text: the figure with
    its interval, then what it is and the population it counts (the same figure the body
    gives, :func:`toolkit.report.crm.stake_sentence` / ``poor_leads_sentence``). Revenue at
    stake is the base case with its share of won revenue (the upper bound is in the
    methodology appendix)."""
    sec = money["section"]
    rng = (f" (95% interval {about_money_range(money.get('ci_low'), money.get('ci_high'), currency)})"
           if money.get("ci_low") is not None and money.get("ci_high") is not None else "")
    if money["kind"] == "cost_of_poor_leads":
        eff = sec.get("sales_effort") or {}
        lead = f"Revenue lost to poor leads: about {about_money(money['amount'], currency)}"
        rest = (f"{rng} in won deals: marketing-sourced MQLs reached SQL at "
                f"{100 * sec['rate']:.0f}%; at {100 * (sec.get('benchmark_low') or .2):.0f}%, "
                "the bottom of the practitioner range, they would have brought about "
                f"{sec.get('shortfall_sqls') or 0:,.0f} more SQLs.")
        if eff.get("share_of_attempts") is not None:
            rest += (f" Of all the calls and e-mails sales made on marketing-sourced MQLs, "
                     f"{100 * eff['share_of_attempts']:.0f}% went to MQLs that never reached "
                     "SQL; what that time cost is not in the export.")
        return lead, rest
    leads = sec.get("leads")
    share = money.get("share", stake_share(sec))
    scale = (f", {100 * share:.0f}% of the {about_money(sec['won_revenue'], currency)} won "
             "from the period's leads" if share is not None else "")
    who = (f"the {leads:,} leads sales gave up on" if isinstance(leads, int)
           else "the leads sales gave up on")
    if money["kind"] == "revenue_at_stake_residual":
        lead = (f"What follow-up still leaves: about {about_money(money['amount'], currency)} "
                f"in won deals{scale}")
        rest = (f"{rng}, if {who} (never touched, or dropped after one call) had reached SQL "
                "as often as comparable leads sales did touch. Follow-up holds up, so this is "
                "a residual to watch, not the first gap to close.")
        return lead, rest
    lead = (f"Revenue at stake: about {about_money(money['amount'], currency)} in won "
            f"deals{scale}")
    rest = (f"{rng}, if {who} (never touched, or dropped after one call) had reached SQL as "
            "often as comparable leads sales did touch (same source, same lead-score band).")
    return lead, rest


def stake_is_headline(results: dict) -> bool:
    """Whether revenue at stake belongs in a summary: only when the analysis recorded it as a
    finding, which it does only when the evidence says follow-up is a problem
    (:mod:`toolkit.findings`). Elsewhere it stays in the body, beside its verdict."""
    return any(isinstance(f, dict) and f.get("code") == "revenue_at_stake"
               for f in results.get("findings") or [])
