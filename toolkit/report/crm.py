"""Report section: CRM evidence of the blame game (SPEC §4.2). Reads ``results["crm"]`` only."""

from __future__ import annotations

import pandas as pd

from ..charts import crm as charts
from ..vocab import FUNNEL_STAGES
from .read import threshold
from .display import Rendered, renders, fmt_num, fmt_pct, fmt_pct_range, show_figure, show_markdown, show_not_assessed, show_table
from ..formatting import half_up

STAGES = FUNNEL_STAGES


def _date(value) -> str | None:
    """An ISO timestamp as its date (``2026-01-14T23:35:49`` → ``2026-01-14``)."""
    return None if not value else str(value)[:10]


def biggest_drop_sentence(d: pd.DataFrame, *, min_leads: int) -> str:
    """The funnel takeaway: the stage with the lowest conversion among stages entered by at
    least *min_leads* leads (the ``min_stage_leads`` threshold the results record), or why
    none can be named.

    Parameters
    ----------
    d : DataFrame
        :func:`_funnel_frame` output (``stage``, ``count``, ``rate``).
    min_leads : int
        Fewest leads entering a stage before its rate may be called "the biggest drop".
    """
    prev_n = d["count"].shift(1)
    ok = d.iloc[1:][(prev_n.iloc[1:] >= min_leads) & d["rate"].iloc[1:].notna()]
    if ok.empty:
        return (f"Too few leads at each stage (fewer than {min_leads:g}) to say where the "
                "funnel loses most.")
    i = int(ok["rate"].idxmin())
    w, prev = d.loc[i], d.loc[i - 1, "stage"]
    moved = "none move on" if w["rate"] <= 0 else f"only {fmt_pct(w['rate'])} move on"
    return (f"The biggest drop is {charts.STAGE_LABELS[prev]} → "
            f"{charts.STAGE_LABELS[w['stage']]}: {moved} (of {int(d.loc[i - 1, 'count']):,}).")


#: Stage transitions in plain words: (where the lead stands, what moving on means).
DROP_WORDS = {("mql", "sal"): ("marketing-qualified leads (MQLs)", "were accepted by sales"),
              ("sal", "sql"): ("leads sales accepted", "became sales-qualified (SQL)"),
              ("sql", "won"): ("sales-qualified leads (SQLs)", "were won")}


def drop_sentence(drop: dict | None) -> str | None:
    """Where the funnel loses most, from ``crm.funnel_drop`` (one definition,
    :mod:`toolkit.crm.drop`): a stage clearly below its practitioner range, or — when none
    is — that no stage is; ``None`` when the results predate the figure."""
    if not isinstance(drop, dict):
        return None

    def rng(c: dict) -> str:
        b = c.get("benchmark") or {}
        return f"{fmt_pct(b.get('low'))}–{fmt_pct(b.get('high'))}"

    if drop.get("found"):
        who, moved = DROP_WORDS.get((drop["from"], drop["to"]),
                                    (f"leads at {drop['from']}", f"reached {drop['to']}"))
        return (f"The funnel loses most between {charts.STAGE_LABELS.get(drop['from'])} and "
                f"{charts.STAGE_LABELS.get(drop['to'])}: only {fmt_pct(drop['rate'])} of the "
                f"{drop['n']:,} {who} {moved} ({drop['lost']:,} went no further), against "
                f"{rng(drop)} in practitioner ranges.")
    checked = drop.get("checked") or []
    if not checked:
        return f"Where the funnel loses most cannot be judged: {drop.get('reason') or ''}."
    return ("No stage converts clearly below its practitioner range: " + "; ".join(
        f"{charts.STAGE_LABELS.get(c['from'])} → {charts.STAGE_LABELS.get(c['to'])} "
        f"{fmt_pct(c['rate'])} (range {rng(c)})" for c in checked) + ".")


def handoff_sentence(h: dict) -> str:
    """Plain-language hand-off paragraph from ``crm.handoff`` (reads well when figures are
    ``None`` or counts are tiny)."""
    nm = h.get("not_measured") or {}
    acc = (_ci(h.get('acceptance'), n=False) if "acceptance" not in nm
           else "— (acceptance is not in the export)")
    rej = (_ci(h.get('rejection'), n=False) if "rejection" not in nm
           else "— (rejection is not in the export)")
    if "acceptance" in nm and "rejection" in nm:
        text = (f"**Hand-off.** Of {h['n_mql']:,} MQLs, how many sales accepted or rejected "
                "is not in the export (no acceptance or rejection field), so no acceptance "
                "rate is given. ")
    elif "acceptance" in nm:
        text = (f"**Hand-off.** Sales rejected {rej} of {h['n_mql']:,} MQLs; how many it "
                "accepted is not in the export (no acceptance date or status). ")
    elif "rejection" in nm:
        text = (f"**Hand-off.** Sales accepted {acc} of {h['n_mql']:,} MQLs; how many it "
                "rejected is not in the export (no rejection date or status). ")
    else:
        text = (f"**Hand-off.** Sales accepted {acc} of {h['n_mql']:,} MQLs and rejected "
                f"{rej}")
        a, r = h.get("acceptance_rate"), h.get("rejection_rate")
        if a is not None and r is not None and 1 - a - r >= 0.005:
            # the rest of the shares as shown, so the three add to 100% (ATT45-10)
            other = 100 - half_up(100 * a) - half_up(100 * r)
            text += (f"; the other {max(other, 0):.0f}% were neither accepted nor rejected "
                     "by the extract date")
        text += ". "
    au = h.get("accepted_untouched") or {}
    if au.get("share") and au.get("n"):
        # the deck quotes it too: named here, with its population (partner review 16c)
        n_acc = round(au["n"] / au["share"])
        text += (f"Of the {n_acc:,} leads sales accepted, {fmt_pct(au['share'])} "
                 f"({au['n']:,}) were never touched — accepted on paper only, so they count "
                 "against the hand-off score. ")
    n_rej, n_reason = h.get("n_rejected") or 0, h.get("n_with_reason") or 0
    if "rejection" in nm:
        pass
    elif not n_rej:
        text += "No rejected lead is recorded, so there are no rejection reasons to read. "
    elif not n_reason:
        text += "No rejection carries a reason, so whether they are about fit is unknown. "
    else:
        text += (f"{fmt_pct(h.get('reason_share'))} of rejections say why "
                 f"({n_reason:,} of {n_rej:,})")
        fit = h.get("fit_share")
        text += (f"; {fmt_pct(fit)} of the stated reasons are about fit. " if fit is not None
                 else ". ")
    score = h.get("evidence_score")
    if score is None:
        miss = h.get("evidence_score_missing") or []
        text += ("Hand-off evidence score: not computed" + (
            " — it needs all three components, and " + "; ".join(miss) + " cannot be measured."
            if miss else "."))
    else:
        text += (f"Hand-off evidence score: **{fmt_num(score, 0)}/100** (acceptance against "
                 "the 40–60% practitioner range, net of leads never touched and of MQLs "
                 "rejected for fit; reasons given; first touch within the SLA).")
    return text


def _ci(w: dict | None, *, n: bool = True) -> str:
    """``rate (low–high, n=N)`` of a Wilson dict; without ``n=`` when the sentence already
    names the count."""
    if not w or w.get("rate") is None:
        return "—"
    tail = f", n={w['n']:,}" if n else ""
    return f"{fmt_pct(w['rate'])} ({fmt_pct_range(w['ci_low'], w['ci_high'])}{tail})"


NOT_IN_EXPORT = "not in the export"


def source_label(code: str) -> str:
    """A channel code as a reader writes it (``paid_search`` → ``Paid search``)."""
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else text


def _count(x) -> str | int:
    return NOT_IN_EXPORT if x is None else x


GROUP_LABELS = {"marketing": "marketing-sourced leads", "other": "leads from other sources"}


def speed_sentence(s: dict, mql: int | None = None) -> str:
    """Speed-to-first-touch paragraph; every share names its population (all leads handed
    to sales, and marketing-sourced leads — the population the verdict judges). With *mql*
    (the cohort's MQLs), the leads handed to sales are reconciled with the MQLs once."""
    med, p90 = s.get("median_hours"), s.get("p90_hours")
    med_t = "not reached" if med is None else fmt_num(med) + " h"
    p90_t = "not reached" if p90 is None else fmt_num(p90) + " h"
    n = s.get("n")
    who = f"all {n:,} leads handed to sales" if n else "all leads handed to sales"
    if n and isinstance(mql, int) and 0 <= n - mql < n:
        who += (f" (the {mql:,} MQLs" + (f" and {n - mql:,} leads from sales' own or unknown "
                                          "sources that never had an MQL stamp)"
                                          if n > mql else ")"))
    text = (f"**Speed to first touch.** Over {who}: median {med_t}, 90th percentile {p90_t} "
            "(leads never touched count as still waiting on the day the data was extracted); "
            f"{fmt_pct(s.get('within_sla_share'))} first touched within the {s['sla_hours']:g} h "
            f"SLA and {fmt_pct(s.get('untouched_share'))} never touched.")
    mk = (s.get("by_group") or {}).get("marketing") or {}
    if mk.get("n") and (mk.get("within_sla_share") is not None
                        or mk.get("untouched_share") is not None):
        text += (f" Of the {mk['n']:,} marketing-sourced leads handed to sales (marketing's "
                 "MQLs), "
                 f"{fmt_pct(mk.get('within_sla_share'))} were first touched within the SLA and "
                 f"{fmt_pct(mk.get('untouched_share'))} never touched.")
    return text + (" Benchmark: HBR 2011 found a mean response of 42 h and 23% of firms never "
                   "responding (academic).")


def persistence_sentence(p: dict) -> str:
    """Persistence paragraph; every share names its population."""
    text = (f"**Persistence.** Of the touched leads handed to sales that did not convert, "
            f"{fmt_pct(p.get('single_attempt_share'))} got a single attempt")
    mk = (p.get("by_group") or {}).get("marketing") or {}
    if mk.get("single_attempt_share") is not None:
        text += f" ({fmt_pct(mk['single_attempt_share'])} of the marketing-sourced ones)"
    text += (f"; {fmt_pct(p.get('well_worked_share'))} of all leads handed to sales reached "
             f"{p['well_worked_attempts']} attempts")
    if mk.get("well_worked_share") is not None:
        text += f" ({fmt_pct(mk['well_worked_share'])} of marketing-sourced leads)"
    return text + (f"; median {fmt_num(p.get('median_attempts'), 0)} attempts per touched lead. "
                   "Velocify (vendor): reps averaged 1.6 attempts, while 93% of converted leads "
                   "were reached by the 6th.")


def _funnel_frame(crm: dict) -> pd.DataFrame:
    """Stages the export measures, each with its rate from the previous measured stage (a
    stage not in the export is left out, never filled from later stages)."""
    fun = crm["funnel"]
    rows, prev = [], None
    for s in STAGES:
        count = fun["counts"].get(s)
        if count is None:
            continue
        r = {"stage": s, "count": count, "rate": None, "ci_low": None, "ci_high": None}
        if prev is not None:
            w = fun["rates"].get(f"{prev}_to_{s}") or {}
            r.update(rate=w.get("rate"), ci_low=w.get("ci_low"), ci_high=w.get("ci_high"))
        rows.append(r)
        prev = s
    return pd.DataFrame(rows).astype({"rate": float, "ci_low": float, "ci_high": float})


def not_in_export_sentence(crm: dict) -> str | None:
    """Which funnel stages the export does not record (shown instead of 0%)."""
    nm = (crm.get("funnel") or {}).get("not_measured") or {}
    if not nm:
        return None
    names = [charts.STAGE_LABELS.get(s, s) for s in nm]
    return ("Not in the export: " + ", ".join(names) + " — the CRM files do not record "
            + ("this stage" if len(names) == 1 else "these stages")
            + ", so the funnel skips " + ("it" if len(names) == 1 else "them")
            + " rather than guessing from other stages.")


def _won_populations(results: dict) -> str:
    """Reconcile the funnel's won deals with the incentives section's, naming both."""
    won = ((results.get("crm") or {}).get("funnel") or {}).get("counts", {}).get("won")
    inc = (((results.get("incentives") or {}).get("split") or {}).get("deals") or {}).get("won")
    if won is None or inc is None or won == inc:
        return ""
    return (f" ({won:,}); the incentives section counts the won deals on opportunities "
            f"created in the period ({inc:,}), which also includes deals from leads created "
            "earlier and deals opened without a lead")


@renders
def render_funnel(results: dict) -> Rendered:
    """Funnel chart and table by source."""
    crm = results["crm"]
    c = crm["cohort"]
    show_markdown(f"**Cohort.** {c['leads']:,} leads created "
                  f"{c.get('period_start') or 'from the start'} to "
                  f"{c.get('period_end') or 'the extract'} (data extracted "
                  f"{_date(c.get('extract_date')) or 'unknown'}); "
                  f"{c['excluded_outside_period']:,} "
                  "leads outside the period are left out. The funnel follows these leads: its "
                  "won deals are the won deals from leads created in the period"
                  + _won_populations(results) + ".")
    if not c["leads"]:
        show_not_assessed("Funnel", ["No leads in the analysis period."])
        return
    d = _funnel_frame(crm)
    take = drop_sentence(crm.get("funnel_drop"))
    if take is None:   # results written before the funnel drop was defined: as judged then
        take = biggest_drop_sentence(d.reset_index(drop=True),
                                     min_leads=threshold(results, "min_stage_leads"))
    gap = not_in_export_sentence(crm)
    if gap:
        show_markdown(gap)
    show_figure(charts.plot_funnel(data=d), alt="Horizontal bar chart of the number of leads "
                "reaching each funnel stage, with each stage's conversion rate and 95% "
                "interval.", takeaway=take)
    rows = []
    for src, v in sorted(crm["funnel"]["by_source"].items(),
                         key=lambda kv: -kv[1]["counts"]["leads"]):
        c = v["counts"]
        rows.append({"source": source_label(src),
                     "marketing-sourced": "Yes" if v.get("marketing") else "No",
                     "leads": c["leads"], "MQL": _count(c.get("mql")),
                     "SQL": _count(c.get("sql")), "won": _count(c.get("won")),
                     "MQL → SAL": _ci(v["rates"].get("mql_to_sal")) if c.get("sal") is not None
                     else NOT_IN_EXPORT,
                     "SAL → SQL": _ci(v["rates"].get("sal_to_sql")) if c.get("sal") is not None
                     else NOT_IN_EXPORT})
    if rows:
        show_table(pd.DataFrame(rows), caption="Funnel by lead source (rates with the range "
                   "the true rate most likely lies in, 95%)")


@renders
def render_handoff(results: dict) -> Rendered:
    """Hand-off evidence for the communication pillar: acceptance, reasons, Pareto chart."""
    crm = results.get("crm")
    if not crm:
        return
    h = crm["handoff"]
    if not h.get("n_mql"):
        show_not_assessed("Hand-off evidence", ["No MQLs in the cohort."])
        return
    show_markdown(handoff_sentence(h))
    reasons = [r for r in h.get("reasons") or []]
    if reasons:
        d = pd.DataFrame(reasons)
        top = reasons[0]
        show_figure(charts.plot_reasons(data=d), alt="Bar chart of the share of each rejection "
                    "reason among rejections with a reason; fit-related reasons in red.",
                    takeaway=f"The most common reason is '{top['reason']}' "
                    f"({fmt_pct(top['share'])} of {h.get('n_with_reason') or 0:,} stated "
                    f"reasons); {fmt_pct(h.get('fit_share'))} of reasons are about fit.")


@renders
def render_speed(results: dict) -> Rendered:
    """Kaplan–Meier chart of time to first touch and persistence figures."""
    crm = results["crm"]
    s, p = crm["speed"], crm["persistence"]
    if s.get("within_sla_share") is None and s.get("untouched_share") is None:
        show_not_assessed("Speed to first touch", s.get("warnings") or ["No touch data."])
    else:
        show_markdown(speed_sentence(s, (crm.get("funnel") or {}).get("counts", {}).get("mql")))
        if s.get("km_curve"):
            d = pd.DataFrame(s["km_curve"])
            show_figure(charts.plot_km(data=d, sla_hours=s["sla_hours"]),
                        alt="Step curve of the share of leads not yet touched against hours "
                        "since MQL, with the SLA marked by a dashed line.",
                        takeaway=f"{fmt_pct(s.get('within_sla_share'))} of all leads handed "
                        f"to sales were touched within the {s['sla_hours']:g} h SLA and "
                        f"{fmt_pct(s.get('untouched_share'))} were never touched.")
        g = s.get("by_group") or {}
        if g:
            show_table(pd.DataFrame([{"leads": GROUP_LABELS.get(k, k), "n": v["n"],
                                      "median hours": fmt_num(v.get("median_hours")),
                                      "within SLA": fmt_pct(v.get("within_sla_share")),
                                      "never touched": fmt_pct(v.get("untouched_share"))}
                                     for k, v in g.items()]),
                       caption="Speed to first touch, marketing-sourced vs other leads")
    if p.get("single_attempt_share") is None and p.get("well_worked_share") is None:
        show_not_assessed("Persistence", p.get("warnings") or ["No attempts data."])
    else:
        show_markdown(persistence_sentence(p))


def _bucket_frame(block: dict | None) -> tuple[pd.DataFrame, str | None]:
    if not block:
        return pd.DataFrame(), None
    if block.get("by_band"):
        rows = [{**r, "band": band} for band, lst in block["by_band"].items() for r in lst]
        return pd.DataFrame(rows), "band"
    return pd.DataFrame(block["overall"]), None


def _ordinal(k: int) -> str:
    k = int(k)
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def effort_sentence(e: dict) -> str:
    """Does persistence pay, in plain words, from ``crm.effort`` (attempt clock)."""
    h3, share = e.get("hazard_after_attempt_3") or {}, e.get("after_attempt_3_share") or {}
    if h3.get("rate") is None:
        return ("**Does persistence pay?** Too few leads were called a 4th time to say.")
    text = (f"**Does persistence pay?** Of the leads still unconverted after three attempts, "
            f"{_ci(h3, n=False)} converted at each further attempt (up to the "
            f"{_ordinal(e.get('well_worked_attempts', 6))}); {_ci(share, n=False)} of all "
            "conversions "
            "came after the 3rd attempt.")
    bands = e.get("by_band") or {}
    if bands:
        text += " Within lead-score bands: " + "; ".join(
            f"{b} score {fmt_pct((v.get('hazard_after_attempt_3') or {}).get('rate'))}"
            for b, v in bands.items()) + " per further attempt."
    return text + (" Counted attempt by attempt: each lead is followed attempt by attempt "
                   "until it converts or sales stops calling, so leads that convert early "
                   "(and stop being called) do not make effort look useless.")


def _effort_takeaway(results: dict, e: dict) -> str:
    """The chart's takeaway: the evidence-gated conclusion first ("Persistence pays" only
    when clearly above zero and material), then the figures."""
    from ..formatting import persistence_title
    body = effort_sentence(e).replace("**Does persistence pay?** ", "")
    head = persistence_title(results)
    return f"{head.rstrip('.')}. {body}" if head else body


@renders
def render_effort(results: dict) -> Rendered:
    """Conversion per attempt (the attempt clock) and first-touch speed within score bands."""
    crm = results["crm"]
    e = crm.get("effort") or {}
    dose = crm.get("dose_response") or {}
    hz = e.get("hazard_by_attempt") or []
    if not hz:
        show_not_assessed("Effort and conversion", e.get("warnings")
                          or ["Attempt counts are not in the export."])
    else:
        d = pd.DataFrame([{"bucket": str(h["attempt"]), "rate": h["rate"],
                           "ci_low": h["ci_low"], "ci_high": h["ci_high"], "n": h["n"]}
                          for h in hz]).astype({"rate": float, "ci_low": float,
                                                "ci_high": float})
        show_figure(charts.plot_rate_buckets(
            data=d, title="Conversion at each attempt, of the leads that reached it"
            + (f" (touched leads handed to sales, n = {e['n']:,})" if e.get("n") else ""),
            xlabel="Attempt"), alt="Bar chart of the share of leads reaching SQL at each sales "
            "attempt among the leads still being worked at that attempt, with 95% intervals.",
            takeaway=_effort_takeaway(results, e))
    ft, hue = _bucket_frame(dose.get("by_first_touch"))
    if not ft.empty and "bucket" in ft:   # never-touched leads cannot convert: no bar for them
        ft = ft[ft["bucket"].astype(str) != "never"]
    if not ft.empty:
        ft = ft.astype({"rate": float, "ci_low": float, "ci_high": float})
        show_figure(charts.plot_rate_buckets(data=ft, hue=hue,
                                             title="Conversion by time to first touch",
                                             xlabel="First touch"),
                    alt="Bar chart of the share of leads reaching SQL by time to first touch"
                    + (", split by lead-score band" if hue else "") + ", with 95% intervals.",
                    takeaway="Leads touched sooner against later, "
                    + ("within the same lead-score band." if hue else "across all leads."))
    lg = dose.get("logit") or {}
    if lg.get("terms"):
        show_markdown(odds_sentence(lg, dose))


#: What one unit of each model term is, in words.
_ODDS_TERMS = {"first_touch_days": "each day's wait before the first touch",
               "score_sd": "a lead scored one typical step higher",
               "attempts": "each extra attempt"}


def _touched_rate(dose: dict | None) -> float | None:
    """Share of touched leads reaching SQL (``dose_response.by_first_touch.overall``, the
    never-touched bucket left out): the baseline at which the model's effects are read."""
    rows = [r for r in ((dose or {}).get("by_first_touch") or {}).get("overall") or []
            if isinstance(r, dict) and str(r.get("bucket")) != "never" and r.get("n")]
    n = sum(r["n"] for r in rows)
    k = sum(r.get("k") or 0 for r in rows)
    return k / n if n else None


def _points(odds_ratio: float, base: float) -> float:
    """Change in the chance of reaching SQL (percentage points) when the odds at *base*
    are multiplied by *odds_ratio*."""
    o = odds_ratio * base / (1 - base)
    return 100 * (o / (1 + o) - base)


def odds_sentence(lg: dict, dose: dict | None = None) -> str:
    """How speed and lead score each go with reaching SQL, the other held equal, in plain
    chance: the model's odds ratios read at the touched leads' own conversion (``dose``:
    ``dose_response``) as "lowers the chance of reaching SQL by about 4 points" (partner
    review 16c: "cuts the odds by 19%" reads as chance, and is not the same thing); the
    model itself is named in the methodology appendix. Without that baseline, the direction
    only."""
    base = _touched_rate(dose)
    base = base if base is not None and 0 < base < 1 else None
    parts = []
    for k, v in (lg.get("terms") or {}).items():
        o, lo, hi = v.get("odds_ratio"), v.get("ci_low"), v.get("ci_high")
        if o is None:
            continue
        who = _ODDS_TERMS.get(k, k.replace("_", " "))
        if lo is not None and hi is not None and lo <= 1 <= hi:
            parts.append(f"{who} makes no clear difference to the chance of reaching SQL")
            continue
        word = "lowers" if o < 1 else "raises"
        if base is None or lo is None or hi is None:
            parts.append(f"{who} clearly {word} the chance of reaching SQL")
            continue
        pts = sorted(abs(_points(x, base)) for x in (lo, hi))
        mid = abs(_points(o, base))
        d = 1 if mid < 1 or half_up(pts[0]) == half_up(pts[1]) else 0
        pts, mid = [half_up(x, d) for x in pts], half_up(mid, d)   # never "0" or "2–2"
        parts.append(f"{who} {word} the chance of reaching SQL by about "
                     f"{mid:.{d}f} percentage point{'' if f'{mid:.{d}f}' == '1' else 's'} "
                     f"(95% interval {pts[0]:.{d}f}–{pts[1]:.{d}f})")
    if not parts:
        return ""
    text = "; ".join(parts)
    at = (f", read at the {fmt_pct(base)} of touched leads that reach SQL"
          if base is not None else "")
    return (f"**Speed and lead score, each with the other held equal.** {text[:1].upper()}"
            f"{text[1:]} (n = {lg.get('n', 0):,} touched leads{at}).")


#: Kept for callers of the previous name.
render_dose = render_effort


def stake_sentence(r: dict | None, currency: str = "") -> str:
    """Revenue at stake in one paragraph: the base case stated plainly (the given-up leads at
    the conversion comparable leads achieved once touched at all), rounded as the estimate it
    is, its inputs, its scale against the period's won deals, and the attempt-clock figure as
    an upper bound with the reason it is flattered (or why nothing can be given)."""
    from ..formatting import about_money, about_money_range
    r = r or {}
    if r.get("amount") is None:
        return ("**Revenue at stake.** Not computed: " + (r.get("reason") or "no data") + ".")
    if not r.get("leads"):
        return ("**Revenue at stake.** None: sales gave up on no lead handed to it (every lead "
                "was touched more than once or converted).")
    ex = r.get("excluded") or {}
    left = []
    if ex.get("rejected"):
        left.append(f"{ex['rejected']:,} leads sales rejected")
    if ex.get("within_sla_at_extract"):
        left.append(f"{ex['within_sla_at_extract']:,} leads still within the SLA at the "
                    "extract")
    rates = _stake_rates(r)
    text = (f"**Revenue at stake.** Sales gave up on {r['leads']:,} of the leads handed to it: "
            f"{r.get('leads_untouched') or 0:,} never touched and "
            f"{r.get('leads_single_attempt') or 0:,} touched once and not converted"
            + (f" ({' and '.join(left)} are not counted)" if left else "") + ". "
            "Comparable leads — same kind of source, same lead-score band — reached SQL "
            + rates + " once sales touched them at all, however many calls they then got. "
            f"At those rates about {fmt_num(r.get('expected_sqls'), 0)} more leads would have "
            "reached SQL")
    cohort = (r.get("method") or {}).get("cohort_sqls")
    if cohort:
        text += f" (the period's leads produced {cohort:,} SQLs)"
    text += ". "
    sw = r.get("sql_to_won") or {}
    if r.get("revenue_basis") == "cohort" and sw.get("sql"):
        text += (f"At the rate at which SQLs from leads created in the period were won "
                 f"({fmt_pct(sw.get('rate'))}: {sw['won']:,} won deals from {sw['sql']:,} SQLs) "
                 f"and their median won deal ({currency + ' ' if currency else ''}"
                 f"{half_up(r.get('median_won_amount') or 0):,.0f}), ")
    else:
        text += (f"At the win rate of opportunities created in the period "
                 f"({fmt_pct(r.get('win_rate'))}, won ÷ closed) and their median won deal "
                 f"({currency + ' ' if currency else ''}{half_up(r.get('median_won_amount') or 0):,.0f}),"
                 " ")
    text += (f"that is about **{about_money(r['amount'], currency)}** in won deals (95% "
             f"interval {about_money_range(r.get('ci_low'), r.get('ci_high'), currency)})")
    from ..formatting import stake_share
    share = stake_share(r)
    if share is not None:
        text += (f", {fmt_pct(share)} of the {about_money(r['won_revenue'], currency)} "
                 "actually won from the leads created in the period")
    text += (". It rests only on conversion the client's own leads achieved, not on sales "
             "working them harder than the rest. ")
    return text + ("This is an order of magnitude, not a forecast; the interval covers "
                   "sampling error only (assumptions and an upper bound in the methodology "
                   "appendix).")


def stake_upper_sentence(r: dict | None, currency: str = "") -> str:
    """The revenue-at-stake upper bound for the methodology appendix: had the given-up leads
    converted like the leads sales kept working, with why that figure runs high; "" when
    there is none or it adds little (within 10% of the base case)."""
    from ..formatting import about_money
    r = r or {}
    up = r.get("upper_bound") or {}
    if r.get("amount") is None or up.get("amount") is None or up["amount"] <= 1.1 * r["amount"]:
        return ""
    return ("Upper bound: had they converted like the leads sales kept working, about "
            f"{about_money(up['amount'], currency)} — a figure that runs high, because sales "
            "keeps working the leads that respond or look promising.")


def _stake_rates(r: dict) -> str:
    """The base-case rates in words: "at 27% (never touched) and 20% (after one unanswered
    call)", lead-weighted over the source groups."""
    ec = r.get("expected_conversion") or {}
    out = []
    for key, n_key, label in (("untouched", "leads_untouched", "never touched"),
                              ("after_one_attempt", "leads_single_attempt",
                               "after one unanswered call")):
        n = sum((e.get(n_key) or 0) for e in ec.values() if e.get(key) is not None)
        if n:
            rate = sum((e.get(n_key) or 0) * e[key] for e in ec.values()
                       if e.get(key) is not None) / n
            out.append(f"{fmt_pct(rate)} ({label})")
    return "at " + " and ".join(out) if out else "at their own rate"


def poor_leads_sentence(p: dict | None, currency: str = "") -> str:
    """The cost of poor leads in one paragraph (the money figure of a lead-quality verdict),
    or ``""`` when it is not measured or nothing is lost."""
    from ..formatting import about_money, about_money_range
    p = p or {}
    if p.get("amount") is None or not p.get("leads"):
        return ""
    low = p.get("benchmark_low") or 0.2
    eff = p.get("sales_effort") or {}
    if not p["amount"]:
        return ""
    text = (f"**Revenue lost to poor leads.** Marketing-sourced MQLs reached SQL at "
            f"{fmt_pct(p['rate'])} ({p['sqls']:,} of {p['leads']:,}). At {fmt_pct(low)}, the "
            f"bottom of the practitioner range, they would have brought about "
            f"{fmt_num(p.get('shortfall_sqls'), 0)} more SQLs, worth about "
            f"**{about_money(p['amount'], currency)}** in won deals (95% interval "
            f"{about_money_range(p.get('ci_low'), p.get('ci_high'), currency)}) at the period's "
            "own SQL → won rate and median won deal. ")
    if eff.get("share_of_attempts") is not None:
        total = (f" ({eff['attempts']:,})" if isinstance(eff.get("attempts"), int) else "")
        text += (f"Of all the calls and e-mails sales made on marketing-sourced MQLs{total}, "
                 f"{fmt_pct(eff['share_of_attempts'])} ({eff['attempts_on_unconverted']:,}) "
                 "went to MQLs that never reached SQL; what that time cost is not in the "
                 "export (no cost per sales hour).")
    return text


@renders
def render_quality(results: dict) -> Rendered:
    """Worked conversion (attempt clock) by source against the benchmark; marketing's share."""
    crm = results["crm"]
    lq = crm["lead_quality"]
    wc = lq.get("worked_conversion")
    if not wc or (wc.get("all") or {}).get("rate") is None:
        show_not_assessed("Lead quality", lq.get("warnings")
                          or ["Attempts or first-touch times are not in the export."])
    else:
        b = lq["benchmark"]
        W = wc.get("well_worked_attempts", 6)
        a = wc["all"]
        show_markdown(f"**Lead quality.** Of the {a['n']:,} leads sales first touched within "
                      f"the SLA, {a.get('k', 0):,} reached SQL within {W} attempts, and "
                      f"{a.get('n_reached', 0):,} were called {W} times or more. Had every one "
                      "been worked to the "
                      f"{_ordinal(W)} attempt, we estimate {_ci(a, n=False)} would have reached "
                      "SQL (an estimate: leads given up on are assumed to "
                      "convert like those kept on); marketing-sourced "
                      f"{_ci(wc.get('marketing'))}, other sources {_ci(wc.get('other'))}. "
                      f"Benchmark: {b['label']} ({b['provenance']}).")
        rows = [{"source": source_label(k),
                 "marketing-sourced": "Yes" if v.get("marketing") else "No",
                 "leads touched within the SLA": v["n"],
                 f"reached SQL within {W} attempts": v.get("k"),
                 f"estimated to reach SQL if worked to attempt {W}": _ci(v, n=False)
                 if v.get("rate") is not None else "—"}
                for k, v in sorted(wc["by_source"].items(), key=lambda kv: -kv[1]["n"])]
        if rows:
            show_table(pd.DataFrame(rows), caption="Worked conversion by source: "
                       "observed, and estimated if worked to the last attempt (95% intervals)")
    ms = crm.get("marketing_sourced") or {}
    nm = ms.get("not_measured") or {}
    if ms.get("pipeline_share") is not None:
        won = (fmt_pct(ms.get("won_revenue_share")) if "won_revenue_share" not in nm
               else NOT_IN_EXPORT + " (no source on the won deals)")
        show_markdown(f"Marketing-sourced opportunities are {fmt_pct(ms['pipeline_share'])} of "
                      f"pipeline and {won} of won revenue"
                      + (f" ({ms['amounts_missing']} opportunities without an amount left out)."
                         if ms.get("amounts_missing") else "."))
    elif nm:
        show_markdown("Marketing's share of pipeline and won revenue: not in the export (the "
                      "opportunities and their leads carry no source).")
    from .safe import md_text  # a setting never becomes Markdown (SPEC §8a)

    currency = md_text((results.get("client") or {}).get("currency") or "")
    poor = poor_leads_sentence(crm.get("cost_of_poor_leads"), currency)
    if poor and ((results.get("verdict") or {}).get("lead_quality") or {}).get("status") \
            == "supported":
        show_markdown(poor)
    show_markdown(stake_sentence(crm.get("revenue_at_stake"), currency))


@renders
def render_attempts_appendix(results: dict) -> Rendered:
    """Methodology appendix: the raw conversion-by-attempts table, with its bias named."""
    dose = (results.get("crm") or {}).get("dose_response") or {}
    block = dose.get("by_attempts")
    if not block:
        return
    rows = [{"attempts": r["bucket"], "leads": r["n"], "reached SQL": _ci(r, n=False)}
            for r in block["overall"]]
    show_table(pd.DataFrame(rows), caption="Not evidence — raw conversion by number of "
               "attempts. " + (dose.get("by_attempts_bias") or ""))


# --- results.json written before the attempt clock (re-rendered as judged) ---------------
def _legacy_dose(results: dict) -> None:
    """A results.json written before the attempt clock (toolkit 0.1): rendered as it was
    judged, with the effort contrast it used."""
    dose = results["crm"]["dose_response"]
    d, hue = _bucket_frame(dose.get("by_attempts"))
    if d.empty:
        show_not_assessed("Dose–response", dose.get("warnings") or ["No attempts data."])
        return
    d = d.astype({"rate": float, "ci_low": float, "ci_high": float})
    ec = dose.get("effort_contrast") or {}
    take = "Too few leads to compare effort levels."
    if ec.get("odds_ratio") is not None:
        take = (f"Leads worked {ec['high_effort']} had {half_up(ec['odds_ratio'], 1):.1f}× the odds of "
                f"reaching SQL of leads given {ec['low_effort']} (95% CI "
                f"{half_up(ec['ci_low'], 1):.1f}–{half_up(ec['ci_high'], 1):.1f})"
                + (", within the same score band." if ec.get("stratified") else "."))
    show_figure(charts.plot_rate_buckets(data=d, hue=hue),
                alt="Bar chart of the share of leads reaching SQL by number of sales attempts"
                + (", split by lead-score band" if hue else "") + ", with 95% intervals.",
                takeaway=take)
    lg = dose.get("logit") or {}
    if lg.get("terms"):
        show_markdown(odds_sentence(lg))


def _legacy_quality(results: dict) -> None:
    """Lead quality of a results.json written before the attempt clock (toolkit 0.1)."""
    lq = results["crm"]["lead_quality"]
    if not lq.get("n_well_worked"):
        show_not_assessed("Lead quality", lq.get("warnings") or ["No well-worked leads."])
        return
    b = lq["benchmark"]
    from .safe import md_text  # results.json text is shown literally (§8a)

    show_markdown(f"**Lead quality.** Well-worked leads ({md_text(lq['definition'])}) reach SQL at "
                  f"{_ci(lq['well_worked_conversion'])}; marketing-sourced "
                  f"{_ci(lq.get('marketing'))}, other sources {_ci(lq.get('other'))}. "
                  f"Benchmark: {b['label']} ({b['provenance']}).")
    rows = [{"source": k, "marketing-sourced": "Yes" if v.get("marketing") else "No",
             "well-worked leads": v["n"], "reached SQL": _ci(v)}
            for k, v in sorted(lq["by_source"].items(), key=lambda kv: -kv[1]["n"])]
    if rows:
        show_table(pd.DataFrame(rows), caption="Well-worked leads by source (Wilson 95% "
                   "intervals)")
    ms = results["crm"].get("marketing_sourced") or {}
    if ms.get("pipeline_share") is not None:
        show_markdown(f"Marketing-sourced opportunities are {fmt_pct(ms['pipeline_share'])} of "
                      f"pipeline and {fmt_pct(ms.get('won_revenue_share'))} of won revenue"
                      + (f" ({ms['amounts_missing']} opportunities without an amount left out)."
                         if ms.get("amounts_missing") else "."))


@renders
def render(results: dict) -> Rendered:
    """Render the CRM evidence: funnel, speed, persistence, dose–response, lead quality."""
    crm = results.get("crm")
    if not crm:
        show_not_assessed("CRM evidence", ["No CRM data in this engagement."])
        return
    render_funnel(results)
    if not crm["cohort"]["leads"]:
        return
    render_speed(results)
    if "effort" in crm:
        render_effort(results)
        render_quality(results)
    else:
        _legacy_dose(results)
        _legacy_quality(results)
