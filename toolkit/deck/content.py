"""What each slide of ``report.pptx`` says, computed from the results dict alone.

Every slide is a :class:`SlideSpec`: an action title (the "so what"), a few plain bullets, at
most two native charts (:class:`ChartSpec`, each naming its population once) and speaker
notes carrying the evidence — figures with their populations, intervals, thresholds and
sources — so a partner can answer "how do you know?" without the appendix. A section that
was not assessed gets its slide anyway, saying why, so the deck keeps its shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..formatting import (about_money, about_money_range, headline_money, money_sentence,
                          persistence_title, stake_is_headline)
from ..lookup import dig, get
from ..report.verdict import plain_evidence
from ..formatting import half_up

SIDES = ("sales", "marketing")
SIDE_LABEL = {"sales": "Sales side", "marketing": "Marketing side"}
PILLARS = (("politics", "Company politics"), ("incentives", "Incentives"),
           ("communication", "Communication"))
#: Stage words on the 0..100 score (SPEC §4.4): one stage language in the deck.
STAGE_MEANING = {
    "Undefined": "the teams work to their own agendas",
    "Defined": "processes exist, but the teams still plan and measure separately",
    "Aligned": "the teams plan together and share a funnel",
    "Integrated": "shared goals, metrics and rewards under one revenue leadership",
}
STATUS_WORDS = {"supported": "Supported by the CRM", "not_supported": "Not supported by the CRM",
                "inconclusive": "Cannot be settled on this data", None: "Not assessed"}
STEP_LABEL = {"remove_politics": "Politics", "incentivize": "Incentives",
              "communicate": "Communication"}


@dataclass
class ChartSpec:
    """A native chart: categories × series, values as plain numbers.

    ``kind`` is ``bar`` (horizontal, categories read top-down) or ``column``; ``percent``
    formats values as shares (0..1); ``maximum`` fixes the value axis.
    """

    title: str
    categories: list[str]
    series: list[tuple[str, list[float | None], str]]  # (name, values, colour key)
    kind: str = "bar"
    percent: bool = True
    maximum: float | None = None
    decimals: int = 0
    #: per category: True draws the bar in the accent colour (e.g. rejections about fit)
    highlight: list[bool] | None = None


@dataclass
class SlideSpec:
    """One slide: title, bullets, charts (0–2) and speaker notes."""

    title: str
    bullets: list[str] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kind: str = "content"  # cover | summary | content | table
    table: list[list[str]] | None = None
    subtitle: str = ""
    tiles: list[tuple[str, str, str]] = field(default_factory=list)
    columns: list[tuple[str, list[str]]] = field(default_factory=list)


# --- formatting --------------------------------------------------------------------------

def pct(x: Any, digits: int = 0) -> str:
    """0..1 share as ``"30%"``; missing as "not in the export"."""
    return "not in the export" if x is None else f"{half_up(100 * x, digits):.{digits}f}%"


def num(x: Any, digits: int = 0) -> str:
    return "—" if x is None else f"{half_up(x, digits):,.{digits}f}"


def money(x: Any, currency: str) -> str:
    if x is None:
        return "—"
    if abs(x) >= 1e6:
        return f"{currency} {half_up(x / 1e6, 1):,.1f} million"
    return f"{currency} {half_up(x):,.0f}"


def _score(x: Any) -> str:
    return "—" if x is None else f"{half_up(x):.0f}"


def ci(w: dict | None) -> str:
    if not w or w.get("rate") is None:
        return "not in the export"
    if w.get("ci_low") is None:
        return pct(w["rate"])
    lo, hi = pct(w["ci_low"]), pct(w["ci_high"])
    if lo == hi:   # never "2%–2%"
        lo, hi = pct(w["ci_low"], 1), pct(w["ci_high"], 1)
    return f"{pct(w['rate'])} (95% interval {lo}–{hi}, n = {num(w.get('n'))})"


def _sentence(text: str) -> str:
    text = (text or "").strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


# --- the slides --------------------------------------------------------------------------

def findings(results: dict, n: int = 3) -> list[str]:
    """The executive summary's *n* findings, as plain sentences with their numbers.

    The same list the written report's executive summary shows: the findings the analysis
    marked ``headline`` in ``results["findings"]``, in ``headline_order`` (the verdict's
    deciding evidence first, then one finding per theme, then what is healthy).
    """
    stored = [f for f in results.get("findings") or [] if isinstance(f, dict)
              and f.get("headline") and f.get("text")]
    stored.sort(key=lambda f: (f.get("headline_order") or 99, -(f.get("severity") or 0)))
    return [_sentence(str(f["text"])) for f in stored[:n]]


def ranked_recommendations(results: dict) -> list[dict]:
    """Recommendations in the order to act on them (rank, else priority, then list order)."""
    recs = [r for r in (results.get("recommendations") or []) if isinstance(r, dict)]
    return sorted(recs, key=lambda r: (r.get("rank") or 0, r.get("priority") or 9))


def cover(results: dict, brand: dict) -> SlideSpec:
    from ..report.sections import data_age_note, long_date

    c = results.get("client") or {}
    period = ""
    if c.get("period_start") and c.get("period_end"):
        period = (f"Analysis period {long_date(c['period_start'])} to "
                  f"{long_date(c['period_end'])}")
    extract = get(results, "crm.cohort.extract_date")
    asof = f"Data as of {long_date(extract)}" if extract else ""
    when = long_date(results["generated_at"]) if results.get("generated_at") else ""
    return SlideSpec(
        title=f"{c.get('name') or c.get('id') or 'Client'}",
        subtitle="Sales and marketing alignment diagnostic",
        bullets=[x for x in (period, asof, f"Prepared by {brand['practice']}"
                             if brand.get("practice") else "",
                             f"{when} · Confidential" if when else "Confidential",
                             data_age_note(results) or "") if x],
        kind="cover",
        notes=cover_notes(results))


def cover_notes(results: dict) -> list[str]:
    """The cover's speaker notes: what the deck rests on, with its numbers.

    The survey's respondents (total and per side, as the written report gives them), the CRM
    cohort (leads created in the period, the extract date, the won deals), the compensation
    plan's components, the verdict in one line and the anonymity rule — so a partner opening
    the deck can answer "what is this based on?" before the first content slide.
    """
    notes = []
    v = get(results, "verdict.headline")
    if v:
        notes.append(f"The finding in one line: {_sentence(str(v))}")
    resp = get(results, "survey.respondents") or {}
    if resp.get("all") is not None:
        sides = (f" ({num(resp['sales'])} on the sales side, {num(resp['marketing'])} on the "
                 "marketing side)" if resp.get("sales") is not None
                 and resp.get("marketing") is not None else "")
        notes.append(f"Survey: {num(resp['all'])} respondents{sides}.")
    coh = get(results, "crm.cohort") or {}
    if coh.get("leads") is not None:
        won = get(results, "crm.funnel.counts.won")
        from ..report.sections import long_date

        notes.append(f"CRM: {num(coh['leads'])} leads created {long_date(coh.get('period_start'))}"
                     f" to {long_date(coh.get('period_end'))}"
                     + (f" (data extracted {long_date(coh['extract_date'])})"
                        if coh.get("extract_date") else "")
                     + (f"; {num(won)} of them became won deals" if won is not None else "")
                     + ".")
    plan = get(results, "data.row_counts.plan")
    if results.get("incentives") and plan is not None:
        deals = get(results, "incentives.split.deals.won")
        notes.append(f"Compensation plan: {num(plan)} plan components, tested against "
                     + (f"the {num(deals)} won deals on opportunities created in the period."
                        if deals is not None else "the won deals of the period."))
    missing = [label for key, label in (("survey", "survey"), ("crm", "CRM export"),
                                        ("incentives", "compensation plan"))
               if results.get(key) is None]
    if missing:
        notes.append("Not assessed (not supplied or not usable): " + ", ".join(missing) + ".")
    notes.append("Survey groups under the anonymity threshold of "
                 f"{get(results, 'data.settings.min_group_size') or 5} respondents are never "
                 "shown; names, e-mail addresses and phone numbers are removed from comments.")
    return notes


def executive_summary(results: dict) -> SlideSpec:
    """Verdict, the scores, three findings with their numbers and the first three actions."""
    s = results.get("scores") or {}
    v = results.get("verdict") or {}
    currency = get(results, "client.currency") or ""
    headline = _sentence(v.get("headline") or "")
    detail = ""
    if headline:
        lead, _, rest = headline.partition(": ")
        title, detail = ((_sentence(lead), _sentence(rest[0].upper() + rest[1:]))
                         if rest and len(lead) < 90 else (headline, ""))
    elif s.get("overall") is not None:
        title = f"Alignment scores {half_up(s['overall']):.0f} of 100: {STAGE_MEANING.get(s.get('stage'), '')}"
    else:
        title = "What this diagnostic found"
    found = findings(results, 3)
    stored = [f for f in results.get("findings") or [] if isinstance(f, dict)
              and f.get("headline")]
    if any(str(f.get("code") or "").startswith(("verdict_", "healthy_follow_up",
                                                "healthy_lead_quality")) for f in stored):
        detail = ""   # the findings carry the verdict's evidence
    change = _change_lead(results)
    if change:
        detail = change
    tiles = [("Overall alignment", _score(s.get("overall")), s.get("stage") or "")]
    tiles += [(label, _score(s.get(k)), "") for k, label in PILLARS]
    money = headline_money(results)
    if money:
        share = money.get("share")
        tiles.append((money["label"], about_money(money["amount"], currency),
                      f"{half_up(100 * share):.0f}% of won revenue" if share is not None else ""))
    found = found or ["No finding was triggered: the data needed is not in the export."]
    recs = ranked_recommendations(results)[:3]
    actions = [_sentence(r.get("title", "")) for r in recs] or [
        "No change is called for: keep the shared metrics and re-run the diagnostic yearly."]
    notes = [f"Scores (0–100): politics {num(s.get('politics'))}, incentives "
             f"{num(s.get('incentives'))}, communication {num(s.get('communication'))}; overall"
             f" = mean of the three; bands under 25 Undefined, 25–49 Defined, 50–74 Aligned, "
             f"75 and over Integrated."]
    if s.get("stage"):
        notes.append(f"{s['stage']}: {STAGE_MEANING.get(s['stage'], '')}.")
    if s.get("partial"):
        notes.append("Partly assessed pillars: " + ", ".join(s["partial"]) + ".")
    if money:
        notes.append("".join(money_sentence(money, currency)) + " "
                     + " ".join(plain_evidence(str(a)) for a in base_assumptions(
                         money["section"].get("assumptions"))))
    notes += [f"Action {i}: {r.get('rationale', '')}" for i, r in enumerate(recs, 1)]
    return SlideSpec(title=title, kind="summary", tiles=tiles, subtitle=detail,
                     columns=[("What we found", found), ("What to do first", actions)],
                     notes=notes)


def _change_lead(results: dict) -> str:
    """The change since the last assessment in one line (a follow-up wave), else ""."""
    from ..report.summary import change_lead

    return change_lead(results) or ""


def base_assumptions(assumptions) -> list[str]:
    """The revenue-at-stake assumptions of the base case (the upper bound's, which runs high,
    stays in the methodology appendix)."""
    return [str(a) for a in assumptions or [] if not str(a).startswith("Upper bound")]


def stake_note(stake: dict, currency: str) -> str:
    """Speaker note: revenue at stake (base case) with its counterfactual, inputs, share of
    won revenue and assumptions (the upper bound is in the methodology appendix)."""
    sw = stake.get("sql_to_won") or {}
    parts = [f"Revenue at stake (an estimate): about {about_money(stake['amount'], currency)}"
             + (f", 95% interval {about_money_range(stake.get('ci_low'), stake.get('ci_high'), currency)}"
                if stake.get("ci_low") is not None else "") + "."]
    parts.append(f"{num(stake.get('leads'))} leads given up on ({num(stake.get('leads_untouched'))}"
                 f" never touched, {num(stake.get('leads_single_attempt'))} dropped after one "
                 f"attempt); about {num(stake.get('expected_sqls'))} more SQLs at the rate "
                 "comparable leads reached once touched at all"
                 + (f"; SQL to won {pct(sw.get('rate'))} ({num(sw.get('won'))} of "
                    f"{num(sw.get('sql'))})" if sw.get("rate") is not None else "")
                 + f"; median won deal {money(stake.get('median_won_amount'), currency)}.")
    from ..formatting import stake_share
    share = stake_share(stake)
    if share is not None:
        parts.append(f"That is {pct(share)} of the {about_money(stake['won_revenue'], currency)}"
                     " won from the period's leads.")
    return " ".join(parts + [plain_evidence(a)
                             for a in base_assumptions(stake.get("assumptions"))])


def scores(results: dict) -> SlideSpec:
    s = results.get("scores") or {}
    vals = [(label, s.get(k)) for k, label in PILLARS]
    scored = [(lab, x) for lab, x in vals if x is not None]
    if not scored:
        return SlideSpec(title="The three steps could not be scored",
                         bullets=_warnings(results, "survey", "crm", "incentives"))
    low = min(scored, key=lambda t: t[1])
    if low[1] >= 75 and len(scored) == 3:
        title = "All three steps score 75 or more: the teams work as one"
    elif len(scored) > 1:
        title = f"{low[0]} is the weakest of the three steps at {half_up(low[1]):.0f} of 100"
    else:
        title = f"{low[0]} scores {half_up(low[1]):.0f} of 100"
    chart = ChartSpec(title="Score out of 100, all respondents and the client's records",
                      categories=[lab for lab, _ in vals] + ["Overall"],
                      series=[("Score", [x for _, x in vals] + [s.get("overall")], "primary")],
                      percent=False, maximum=100)
    comp = s.get("components") or {}
    from ..report.pillars import INPUT_NAME   # "the hand-off in the CRM", as the report says
    notes = []
    for k, label in PILLARS:
        parts = (comp.get(k) or {}).get("inputs") or {}
        w = (comp.get(k) or {}).get("weights_used") or {}
        if parts:
            notes.append(f"{label}: " + ", ".join(
                f"{INPUT_NAME.get(name, name.replace('_', ' '))} {num(val)} "
                f"(weight {half_up(w.get(name, 0), 2):.0%})"
                for name, val in parts.items() if val is not None) + ".")
    bullets = [f"{label}: {num(x)} of 100" if x is not None else f"{label}: not assessed"
               for label, x in vals]
    return SlideSpec(title=title, bullets=bullets, charts=[chart], notes=notes)


def blame_game(results: dict) -> SlideSpec:
    v = results.get("verdict") or {}
    claims = get(results, "survey.claims") or {}
    beliefs = v.get("beliefs") or {}
    title = _sentence(beliefs.get("sentence") or v.get("headline")
                      or "The blame game could not be settled on this data")
    bullets, tested = [], []
    # lead quality: what the leads touched in time actually did, where measured (the worked
    # estimate runs high when sales keeps working the leads that look promising)
    for key, claim, figures in (
            ("lead_quality", "“The leads are garbage”",
             (("Touched in time, reached SQL", "touched_conversion.marketing.rate"),
              ("Worked well, reach SQL", "worked_conversion.marketing.rate"))),
            ("follow_up", "“Sales call once and give up”",
             (("Never touched by sales", "untouched_share"),))):
        c = v.get(key) or {}
        st = c.get("status")
        words = STATUS_WORDS.get(st, st) or ""
        bullets.append(f"{claim}: {words[:1].lower() + words[1:]}.")
        for label, figure_key in figures:
            fig = next((e.get("figure") for e in c.get("evidence") or []
                        if str(e.get("key", "")).endswith(figure_key)
                        and isinstance(e.get("figure"), (int, float))), None)
            if fig is not None:
                tested.append((label, float(fig), st == "supported"))
                break
    charts = []
    a, b = claims.get("sales_blame_leads_share"), claims.get("marketing_blame_followup_share")
    if a is not None or b is not None:
        n = claims.get("n") or {}
        charts.append(ChartSpec(
            title=f"What each side believes: share agreeing, of those who answered: sales "
                  f"side (n = {num(n.get('sales'))}), marketing side "
                  f"(n = {num(n.get('marketing'))})",
            categories=["Sales: marketing leads not worth working",
                        "Marketing: sales gives up too early"],
            series=[("Agree", [a, b], "accent")], kind="column", maximum=1))
    if tested:
        charts.append(ChartSpec(
            title="What the CRM shows, marketing-sourced leads" + (
                " (the complaint it bears out highlighted)" if any(t[2] for t in tested)
                else ""),
            categories=[t[0] for t in tested],
            series=[("Share", [t[1] for t in tested], "primary")], kind="column", maximum=1,
            highlight=[t[2] for t in tested] if any(t[2] for t in tested) else None))
    notes = [f"{claim}: " + _sentence((v.get(key) or {}).get("summary") or "")
             for key, claim in (("lead_quality", "The leads are garbage"),
                                ("follow_up", "Sales call once and give up"))
             if (v.get(key) or {}).get("summary")]
    for key in ("lead_quality", "follow_up"):
        for e in (v.get(key) or {}).get("evidence") or []:
            notes.append(_evidence_note(e))
        notes += [plain_evidence(c) for c in (v.get(key) or {}).get("caveats") or []]
    notes += beliefs.get("checks") or []
    return SlideSpec(title=title, bullets=bullets, charts=charts, notes=notes)


def _evidence_note(e: dict) -> str:
    """One evidence row as the written report's table shows it: what, figure with its unit,
    interval, and what it is compared with — in plain words."""
    from ..report.verdict import _figure, _interval, _what, plain_evidence

    key, comp = str(e.get("key") or ""), str(e.get("comparison") or "")
    shown = _figure(key, e.get("figure"))
    iv = _interval(key, e.get("interval"))
    what = _what(key, comp)
    against = plain_evidence(comp)
    return (f"{what}: {shown}" + (f" (95% interval {iv})" if iv else "")
            + (f"; compared with {against[:1].lower() + against[1:]}" if against
               and against.lower() != what.lower() else "") + ".")


def follow_up(results: dict) -> SlideSpec:
    crm = results.get("crm")
    if not crm:
        return _not_assessed("Follow-up could not be measured", results, "crm")
    sp = get(crm, "speed.by_group.marketing") or crm.get("speed") or {}
    pe = get(crm, "persistence.by_group.marketing") or crm.get("persistence") or {}
    pop = "marketing-sourced leads" if get(crm, "speed.by_group.marketing") else "leads"
    n = sp.get("n")
    untouched, sla, single = (sp.get("untouched_share"), sp.get("within_sla_share"),
                              pe.get("single_attempt_share"))
    st = get(results, "verdict.follow_up.status")
    if untouched is None and sla is None:
        return _not_assessed("Follow-up could not be measured", results, "crm speed")
    if st == "supported":
        title = f"Follow-up is thin: {pct(untouched)} of {pop} are never touched"
    elif st == "not_supported":
        title = f"Sales follows up: {pct(sla)} of {pop} are touched within the SLA"
    else:
        title = f"Follow-up: {pct(untouched)} of {pop} never touched, {pct(sla)} within the SLA"
    hours = sp.get("sla_hours") or get(results, "data.settings.sla_first_touch_hours")
    chart = ChartSpec(
        title=f"Share of {pop} handed to sales (n = {num(n)})",
        # both bars read the same way (the shortfall): a bar for a good figure beside one for
        # a bad figure, in one colour on one axis, would mislead
        categories=["Never touched", f"Not touched within {num(hours)} h"],
        series=[("Share", [untouched, None if sla is None else 1 - sla], "primary")],
        maximum=1)
    bullets = []
    if sp.get("median_hours") is not None:
        bullets.append(f"Half of {pop} wait {num(sp['median_hours'])} hours or more for a "
                       "first call or e-mail.")
    if single is not None:
        nt = pe.get("n_touched_not_converted")
        bullets.append(f"{pct(single)} of the "
                       + (f"{num(nt)} " if nt else "")
                       + f"{pop} that were touched but did not convert got one attempt only.")
    stake = crm.get("revenue_at_stake")
    cur = get(results, "client.currency") or ""
    headline = (isinstance(stake, dict) and stake.get("amount") is not None
                and stake_is_headline(results))
    if headline:
        from ..formatting import stake_share
        share = stake_share(stake)
        bullets.append(f"Had the {num(stake.get('leads'))} leads sales gave up on reached SQL "
                       "as often as comparable leads it did touch, they would plausibly have "
                       f"brought about {about_money(stake['amount'], cur)} in won deals"
                       + (f", {pct(share)} of the {about_money(stake['won_revenue'], cur)} won"
                          if share is not None else "") + ".")
    notes = [_evidence_note(e) for e in get(results, "verdict.follow_up.evidence") or []]
    if headline:
        notes.append(stake_note(stake, cur))
    return SlideSpec(title=title, bullets=bullets, charts=[chart], notes=notes)


def effort(results: dict) -> SlideSpec:
    """Does persistence pay? The attempt clock: the chance a lead still open at attempt k
    converts at that attempt (free of the survivorship bias of counting by attempts)."""
    ef = get(results, "crm.effort") or {}
    haz = [h for h in ef.get("hazard_by_attempt") or [] if h.get("rate") is not None]
    if haz:
        after = ef.get("after_attempt_3_share") or {}
        later = ef.get("hazard_after_attempt_3") or {}
        # "persistence pays" only when clearly above zero and material (review 16b M10)
        title = persistence_title(results) or "Conversion at each further attempt"
        chart = ChartSpec(
            title=f"Share of the leads still open at each attempt that reach SQL at it "
                  f"(touched leads handed to sales, n = {num(ef.get('n'))})",
            categories=[f"Attempt {h['attempt']}" for h in haz],
            series=[("Reach SQL at this attempt", [h["rate"] for h in haz], "primary")],
            kind="column", decimals=0)
        bullets = []
        if later.get("rate") is not None:
            bullets.append(f"Every attempt after the third still converts about "
                           f"{pct(later['rate'])} of the leads still open.")
        bands = ef.get("by_band") or {}
        floor = _threshold(results, "effort_hazard_floor")
        rated = [(b, dig(v, "hazard_after_attempt_3")) for b, v in bands.items()]
        rated = [(b, h) for b, h in rated if isinstance(h, dict) and h.get("rate") is not None]
        if rated:
            words = {"low": "low", "mid": "middle", "high": "high"}
            bullets.append("By lead score, after the third attempt: " + ", ".join(
                f"{words.get(b, b)} {pct(h['rate'])}" for b, h in rated) + " per attempt.")
            if floor is not None and len(rated) == len(bands) and all(
                    (h.get("ci_low") or 0) >= floor for _, h in rated):
                bullets.append("Every score band stays above the floor, so it is not reps "
                               "working the better-looking leads harder.")
        notes = ["Each attempt's rate counts only the leads that reached that attempt, so leads "
                 "that converted early do not make later attempts look worse.",
                 f"Share of conversions that came after the 3rd attempt: {ci(after)}.",
                 f"Conversion per attempt after the 3rd: {ci(later)}."]
        return SlideSpec(title=title, bullets=bullets, charts=[chart],
                         notes=[n for n in notes if n])
    ec = get(results, "crm.dose_response.effort_contrast") or {}
    strata = ec.get("strata") or []
    if ec.get("odds_ratio") is None or not strata:
        return _not_assessed("Whether more effort converts better could not be measured",
                             results, "crm persistence", "crm dose")
    band = {"low": "Low lead score", "mid": "Middle lead score", "high": "High lead score"}
    lo, hi = ec.get("low_effort", "1-3 attempts"), ec.get("high_effort", "6+ attempts")
    hi_, lo_ = hi.replace("-", "–"), lo.replace("-", "–")
    if ec["ci_low"] > 1:
        title = (f"Leads worked to {hi_} reach SQL {'far ' if ec['odds_ratio'] >= 2 else ''}"
                 "more often, at every lead score" if all(
                     (x.get("rate_high") or 0) > (x.get("rate_low") or 0) for x in strata) else
                 f"Leads worked to {hi_} reach SQL more often")
    else:
        title = "More attempts do not clearly convert more leads"
    chart = ChartSpec(
        title=f"Share reaching SQL, touched leads (n = {num(ec.get('n_low'))} with {lo_}, "
              f"{num(ec.get('n_high'))} with {hi_})",
        categories=[band.get(s.get("band"), str(s.get("band"))) for s in strata],
        series=[(lo_, [s.get("rate_low") for s in strata], "muted"),
                (hi_, [s.get("rate_high") for s in strata], "primary")],
        kind="column", maximum=None)
    bullets = [f"Overall, {pct(ec.get('rate_high'))} of leads given {hi_} reached SQL against "
               f"{pct(ec.get('rate_low'))} of those given {lo_}.",
               "The comparison is made within lead-score bands, so it is not explained by "
               "reps working the better-looking leads harder."]
    notes = [f"Odds ratio {half_up(ec['odds_ratio'], 1):.1f} (95% interval {half_up(ec['ci_low'], 1):.1f}–"
             f"{half_up(ec['ci_high'], 1):.1f}), stratified by lead-score band"
             + ("" if ec.get("stratified") else " (not stratified: no lead score)") + ".",
             "Observational: leads that answer early need fewer attempts."]
    return SlideSpec(title=title, bullets=bullets, charts=[chart], notes=notes)


def worked_conversion(lq: dict) -> dict | None:
    """The worked conversion the report reads (``crm.lead_quality.worked_conversion``: the
    attempt clock), or the well-worked conversion of a results.json written before it
    (toolkit 0.1); ``None`` when lead quality was not measured.

    Returns
    -------
    dict or None
        ``{all, marketing, other, by_source, n, attempts, population}``: rate dicts
        (``rate``, ``ci_low``, ``ci_high``, ``n``), sources → rate dicts with ``marketing``,
        the leads it follows and (attempt clock only) the attempt it is read at.
    """
    wc = lq.get("worked_conversion")
    if isinstance(wc, dict) and (wc.get("all") or {}).get("rate") is not None:
        return {"all": wc["all"], "marketing": wc.get("marketing") or {},
                "other": wc.get("other") or {}, "by_source": wc.get("by_source") or {},
                "n": wc.get("n_population") or wc["all"].get("n"),
                "attempts": wc.get("well_worked_attempts"),
                "population": wc.get("population") or ""}
    if lq.get("n_well_worked"):
        return {"all": lq.get("well_worked_conversion") or {},
                "marketing": lq.get("marketing") or {}, "other": lq.get("other") or {},
                "by_source": lq.get("by_source") or {}, "n": lq["n_well_worked"],
                "attempts": None, "population": lq.get("definition") or ""}
    return None


def lead_quality(results: dict) -> SlideSpec:
    """Do marketing's leads convert when sales works them properly? The same worked
    conversion the report and the verdict read."""
    lq = get(results, "crm.lead_quality") or {}
    wc = worked_conversion(lq)
    if wc is None:
        return _not_assessed("Lead quality could not be measured", results, "crm lead",
                             "crm quality")
    b = lq.get("benchmark") or {}
    m = wc["marketing"]
    by = f" by the {_ordinal(wc['attempts'])} attempt" if wc.get("attempts") else ""
    st = get(results, "verdict.lead_quality.status")
    # above the top of the range the estimate is flattered (sales keeps working the leads
    # that look promising): the slide leads with the share that actually reached SQL
    above = (m.get("rate") is not None and b.get("high") is not None
             and m["rate"] > b["high"])
    seen = get(lq, "touched_conversion.marketing") or {}
    seen_other = get(lq, "touched_conversion.other") or {}
    floor = b.get("low") or 0
    # the verdict leads with what the leads actually did whenever that figure decides it:
    # cleared at or above the floor, or confirmed below it (review 16d, M2)
    cleared = st == "not_supported" and seen.get("rate") is not None and seen["rate"] >= floor
    confirmed = st == "supported" and seen.get("rate") is not None and seen["rate"] < floor
    observed_first = cleared or confirmed
    if confirmed:
        title = (f"Marketing's leads convert poorly: only {pct(seen['rate'])} of those touched "
                 "within the SLA reached SQL")
    elif st == "supported":
        title = (f"Marketing's leads convert poorly even when worked well: {pct(m.get('rate'))}"
                 f" reach SQL{by}")
    elif cleared:
        title = (f"Marketing's leads are not the problem: {pct(seen['rate'])} of those touched "
                 "within the SLA reached SQL")
    elif st == "not_supported":
        title = f"Worked properly, marketing's leads convert: {pct(m.get('rate'))} reach SQL{by}"
    else:
        title = f"Well-worked marketing leads reach SQL at {pct(m.get('rate'))}{by}"
    observed_src = get(lq, "touched_conversion.by_source") or {}
    if observed_first and observed_src:
        # chart what the headline says: the share that actually reached SQL, by source
        rows = sorted(observed_src.items(), key=lambda kv: -(kv[1].get("n") or 0))[:8]
        n_all = sum(v.get("n") or 0 for v in observed_src.values())
        chart_title = (f"Share that reached SQL by source, leads first touched within the SLA "
                       f"(n = {num(n_all)}); marketing's sources highlighted")
    else:
        rows = sorted(wc["by_source"].items(), key=lambda kv: -(kv[1].get("n") or 0))[:8]
        chart_title = (f"{'Upper estimate' if above else 'Estimated share'} reaching SQL{by} "
                       f"by source, leads first touched within the SLA (n = {num(wc['n'])}); "
                       "marketing's sources highlighted")
    chart = ChartSpec(
        title=chart_title,
        categories=[k.replace("_", " ").capitalize() + ("" if v.get("marketing") else
                                                         " (sales-sourced)") for k, v in rows],
        series=[("Reached SQL", [v.get("rate") for _, v in rows], "primary")], maximum=1,
        highlight=[bool(v.get("marketing")) for _, v in rows])
    if observed_first:
        bullets = [f"Marketing-sourced leads touched within the SLA that reached SQL: "
                   f"{ci(seen)}" + (f"; other sources: {pct(seen_other['rate'])}"
                                    if seen_other.get("rate") is not None else "") + "."]
        est, obs = m.get("rate"), seen.get("rate")
        if est is not None and half_up(100 * est) > half_up(100 * obs):
            bullets.append(
                f"Worked{by}, an estimated {pct(est)} would reach SQL — an upper figure"
                + (", above the practitioner range" if above else "")
                + ": sales keeps working the leads that look promising, so it runs high.")
        elif est is not None:
            bullets.append(
                f"The estimate for leads worked{by}, {pct(est)}, is no higher: it counts "
                "conversions up to that attempt only.")
    else:
        bullets = [f"Marketing-sourced: {ci(m)}; other sources: {ci(wc['other'])}."]
    if b.get("low") is not None:
        bullets.append(f"Benchmark: {pct(b['low'])}–{pct(b.get('high'))} of MQLs reach SQL "
                       f"({b.get('provenance', 'practitioner')} range).")
    if lq.get("fit_share") is not None:
        bullets.append(f"{pct(lq['fit_share'])} of rejections with a stated reason are about "
                       "fit (wrong industry, too small, no budget…).")
    notes = [f"Leads followed: {plain_evidence(wc['population'])}." if wc["population"] else "",
             b.get("label", ""), _sentence(get(results, "verdict.lead_quality.summary") or "")]
    notes += [plain_evidence(c) for c in get(results, "verdict.lead_quality.caveats") or []]
    return SlideSpec(title=title, bullets=bullets, charts=[chart], notes=[n for n in notes if n])


def _ordinal(k: int) -> str:
    k = int(k)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _short(label: str) -> str:
    """``"Accepted by sales (SAL)"`` → ``"acceptance"``-style plain stage words."""
    return {"Leads": "lead", "Marketing-qualified (MQL)": "marketing qualification",
            "Accepted by sales (SAL)": "acceptance by sales",
            "Sales-qualified (SQL)": "sales qualification", "Opportunity": "opportunity",
            "Won": "a won deal"}.get(label, label.lower())


def funnel(results: dict) -> SlideSpec:
    f = get(results, "crm.funnel") or {}
    counts = f.get("counts") or {}
    if not counts:
        return _not_assessed("The funnel could not be built", results, "crm")
    labels = {"leads": "Leads", "mql": "Marketing-qualified (MQL)",
              "sal": "Accepted by sales (SAL)", "sql": "Sales-qualified (SQL)",
              "opportunity": "Opportunity", "won": "Won"}
    stages = [s for s in f.get("stages") or list(counts) if counts.get(s) is not None]
    rates = f.get("rates") or {}
    steps = [(a, b, rates.get(f"{a}_to_{b}") or {}) for a, b in zip(stages, stages[1:])]
    title = (f"Of {num(counts.get('leads'))} leads created in the period, "
             f"{num(counts.get('won'))} became won deals"
             if counts.get("won") is not None else "The funnel")
    # where the funnel loses most: one definition (toolkit.crm.drop), shared with the report
    drop = get(results, "crm.funnel_drop") or {}
    if drop.get("found"):
        b_ = drop.get("benchmark") or {}
        title = (f"The funnel loses most between {_short(labels[drop['from']])} and "
                 f"{_short(labels[drop['to']])}: {pct(drop['rate'])} move on, against "
                 f"{pct(b_.get('low'))}–{pct(b_.get('high'))} in practitioner ranges")
    from ..report.sections import long_date

    period = (long_date(get(results, "crm.cohort.period_start")),
              long_date(get(results, "crm.cohort.period_end")))
    chart = ChartSpec(title=f"Leads created {period[0]} to {period[1]} reaching each stage "
                            f"(n = {num(counts.get('leads'))})",
                      categories=[labels.get(s, s) for s in stages],
                      series=[("Leads", [counts[s] for s in stages], "primary")],
                      percent=False)
    bullets = [f"{labels[a].split(' (')[0]} → {labels[b].split(' (')[0].lower()}: "
               f"{pct(r.get('rate'))}" for a, b, r in steps if r.get("rate") is not None]
    notes = [f"{labels[a]} to {labels[b]}: {ci(r)}." for a, b, r in steps]
    notes.append("Stages are cumulative: a lead that reached a later stage passed the earlier "
                 "ones. Won = won deals from leads created in the period.")
    for c in drop.get("checked") or []:
        b_ = c.get("benchmark") or {}
        notes.append(f"{labels.get(c['from'], c['from'])} to {labels.get(c['to'], c['to'])}: "
                     f"{pct(c['rate'])} against the practitioner range {pct(b_.get('low'))}–"
                     f"{pct(b_.get('high'))}" + (" (clearly below)." if c.get("below") else "."))
    return SlideSpec(title=title, bullets=bullets, charts=[chart], notes=notes)


def handoff(results: dict) -> SlideSpec:
    h = get(results, "crm.handoff") or {}
    if h.get("acceptance_rate") is None and not h.get("reasons"):
        return _not_assessed("The hand-off could not be measured", results, "crm")
    reasons = _reason_rows(h.get("reasons") or [])
    top = (h.get("reasons") or [None])[0]
    title = (f"Sales accepts {pct(h.get('acceptance_rate'))} of MQLs; the top rejection reason "
             f"is “{top['reason']}”" if top and h.get("acceptance_rate") is not None else
             f"Sales accepts {pct(h.get('acceptance_rate'))} of marketing-qualified leads")
    charts = []
    if reasons:
        some_fit = any(fit for _, _, fit in reasons)
        charts.append(ChartSpec(
            title=f"Share of rejections with a stated reason (n = {num(h.get('n_with_reason'))})"
                  + ("; reasons about fit highlighted" if some_fit else ""),
            categories=[label for label, _, _ in reasons],
            series=[("Share", [share for _, share, _ in reasons], "primary")], maximum=None,
            highlight=[fit for _, _, fit in reasons] if some_fit else None))
    bullets = [f"{pct(h.get('rejection_rate'))} of MQLs are rejected; "
               f"{pct(h.get('reason_share'))} of rejections give a reason."]
    if h.get("fit_share") is not None:
        bullets.append(f"{pct(h['fit_share'])} of the stated reasons are about fit.")
    notes = [f"Acceptance (MQL → SAL): {ci(h.get('acceptance'))}.",
             f"Rejection: {ci(h.get('rejection'))}.",
             f"Rejections with a reason: {ci(h.get('reason'))}."]
    return SlideSpec(title=title, bullets=bullets, charts=charts, notes=notes)


def _threshold(results: dict, name: str, default: float | None = None) -> float | None:
    """The threshold the results were judged with (``results["method"]``), else *default*."""
    for row in get(results, "method.thresholds") or []:
        if isinstance(row, dict) and row.get("name") == name and row.get("value") is not None:
            return float(row["value"])
    return default


def _reason_rows(reasons: list[dict], top: int = 5) -> list[tuple[str, float, bool]]:
    """Rejection reasons for the chart: the *top* most frequent, then the rest grouped as
    "Other reasons about fit" and "Other reasons", so the highlighted bars add up to the
    share of reasons about fit quoted beside the chart."""
    rows = [r for r in reasons if isinstance(r, dict) and r.get("share") is not None]
    out = [(str(r["reason"])[:40].capitalize(), r["share"], bool(r.get("fit")))
           for r in rows[:top]]
    rest = rows[top:]
    for fit, label in ((True, "Other reasons about fit"), (False, "Other reasons")):
        group = [r for r in rest if bool(r.get("fit")) == fit]
        if len(group) == 1:   # a group of one is shown by its name
            out.append((str(group[0]["reason"])[:40].capitalize(), group[0]["share"], fit))
        elif group:
            out.append((f"{label} ({len(group)})", sum(r["share"] for r in group), fit))
    return out


def _scale_chart(results: dict, codes: tuple[str, ...], pop: str) -> ChartSpec | None:
    sc = get(results, "survey.scales") or {}
    cats, vals = [], {s: [] for s in SIDES}
    for code in codes:
        if code not in sc:
            continue
        name = sc[code].get("name") or code
        flip = code == "CONF"  # raw direction is "more conflict": show its healthy mirror
        cats.append("Freedom from conflict and blame" if flip else name)
        for side in SIDES:
            m = dig(sc[code], "by_side", side, "mean")
            vals[side].append(None if m is None else ((5 - m) if flip else (m - 1)) / 4 * 100)
    if not cats:
        return None
    resp = get(results, "survey.respondents") or {}
    return ChartSpec(
        title=f"{pop}, 0–100 (higher is healthier): sales side n = {num(resp.get('sales'))}, "
              f"marketing side n = {num(resp.get('marketing'))}",
        categories=cats, series=[(SIDE_LABEL[s], vals[s], s) for s in SIDES],
        kind="column", percent=False, maximum=100)


def _survey_slide(results: dict, pillar: str, codes: tuple[str, ...], heading: str,
                  extra: list[str]) -> SlideSpec:
    if results.get("survey") is None:
        return _not_assessed(f"{heading} could not be measured", results, "survey")
    p = get(results, f"survey.pillars.{pillar}") or {}
    chart = _scale_chart(results, codes, "Survey respondents' ratings")
    sc = get(results, "survey.scales") or {}
    rated = [((dig(sc, c, "by_side", "all", "mean")), c) for c in codes if c in sc]
    rated = [(m if c != "CONF" else 6 - m, c) for m, c in rated if m is not None]
    score = get(results, f"scores.{pillar}")
    if score is None:
        score = p.get("overall")
    if rated:
        worst = min(rated)
        name = ("freedom from conflict" if worst[1] == "CONF"
                else (sc[worst[1]].get("name") or "").lower())
        title = (f"{heading}: {num(score)} of 100; in the survey, weakest on {name}"
                 if score is not None else heading)
    else:
        title = heading
    from ..report.pillars import parts_sentence, survey_part_label

    parts = parts_sentence(results, pillar)
    label = survey_part_label(results, pillar)
    label = "The survey part" if label != heading else "In the survey"
    # the whole counts everyone who answered, so it can sit above or below both sides:
    # name who else it counts, as the report does (partner review 16e)
    resp = get(results, "survey.respondents") or {}
    counts = [resp.get(k) for k in ("all", "sales", "marketing")]
    # a side hidden for anonymity has no count: the rest is then unknown, never "all"
    # (attack 42b, DK1: "including the 88 outside sales and marketing" of 19)
    rest = (counts[0] - counts[1] - counts[2]
            if all(isinstance(c, int) for c in counts) else 0)
    who = ("everyone, including the " + f"{rest} outside sales and marketing"
           if rest > 0 else "everyone")
    bullets = ([parts] if parts and label == "The survey part" else []) + [
        f"{label}: {num(p.get('overall'))} of 100 for {who}; sales side "
        f"{num(dig(p, 'by_side', 'sales'))}, marketing side "
        f"{num(dig(p, 'by_side', 'marketing'))}."] + extra
    notes = []
    for c in codes:
        s = sc.get(c) or {}
        if s:
            flip = c == "CONF"   # named and scored as on the slide: higher is healthier

            def score(side):
                v = dig(s, "by_side", side, "index_0_100")
                return num(None if v is None else (100 - v if flip else v))

            name = "Freedom from conflict and blame" if flip else s.get("name", c)
            notes.append(f"{name}: sales side {score('sales')}, marketing side "
                         f"{score('marketing')} of 100 (higher is healthier); difference "
                         f"between the sides {s.get('cliffs_magnitude') or 'not tested'}; "
                         f"{hang_together(s.get('alpha'), results)}.")
    return SlideSpec(title=title, bullets=bullets, charts=[chart] if chart else [], notes=notes)


def hang_together(alpha: float | None, results: dict | None = None) -> str:
    """How consistently a scale's statements agree, in words a presenter reads aloud (the
    statistic's name stays in the methodology appendix): "hang together well" from the
    ``alpha_good`` threshold the results were judged with, "hang together acceptably" from
    ``alpha_flag_below``, else "do not hang together well enough to read as one score"; the
    figure (0–1) in brackets. Without the thresholds (older results) the figure alone."""
    if alpha is None:
        return "how consistently the statements agree could not be measured"
    good = _threshold(results or {}, "alpha_good")
    flag = _threshold(results or {}, "alpha_flag_below")
    figure = f"consistency {half_up(alpha, 2):.2f} on a 0–1 scale"
    if good is None or flag is None:
        return f"the statements agree with each other at {figure}"
    words = ("hang together well" if alpha >= good
             else "hang together acceptably" if alpha >= flag
             else "do not hang together well enough to read as one score")
    return f"the statements {words} ({figure})"


def politics(results: dict) -> SlideSpec:
    return _survey_slide(results, "politics", ("FAIR", "TRUST", "CONF", "SUPP"),
                         "Company politics", [])


def incentives(results: dict) -> SlideSpec:
    inc = results.get("incentives")
    if not inc:
        return _not_assessed("The compensation plan could not be assessed", results,
                             "incentives")
    sow = inc.get("shared_outcome_weight") or {}
    contrib, reward = inc.get("marketing_contribution_share"), inc.get("marketing_reward_share")
    # one measure of marketing's reward: its share of the commission paid on won deals,
    # framed as a problem by the same thresholds as the findings
    no_stake = (contrib is not None and reward is not None
                and contrib - reward >= _threshold(results, "reward_gap", 0.15)
                and reward < _threshold(results, "reward_floor", 0.05))
    low_cut = _threshold(results, "sow_low", 0.2)
    known = {k: v for k, v in sow.items() if v is not None}
    if no_stake:
        title = (f"Marketing sources {pct(contrib)} of won revenue but earns "
                 + ("none" if reward == 0 else pct(reward))
                 + " of the commission paid on won deals")
    elif known and min(known.values()) < low_cut:
        low = min(known, key=lambda k: known[k])
        share = "None" if pct(known[low]) == "0%" else f"Only {pct(known[low])}"   # ATT45-08
        title = (f"{share} of the {low} side's on-target variable pay rides on "
                 "outcomes both teams share")
    elif known:
        title = (f"Both teams are paid on outcomes they share: {pct(sow.get('sales'))} of "
                 f"sales' and {pct(sow.get('marketing'))} of marketing's on-target variable pay")
    else:
        title = "The pay plan: who is paid for what"
    charts = []
    if known and any(v > 0 for v in known.values()):
        charts.append(ChartSpec(title="Share of on-target variable pay on outcomes both teams "
                                      "share, by side (compensation plan)",
                                categories=[SIDE_LABEL[s] for s in SIDES],
                                series=[("Shared outcomes", [sow.get(s) for s in SIDES],
                                         "primary")],
                                kind="column", maximum=1))
    if contrib is not None and reward is not None:
        won = get(inc, "split.deals.won")
        charts.append(ChartSpec(title="Won deals on opportunities created in the period"
                                + (f" (n = {num(won)})" if won else "")
                                + ": marketing's share of the revenue and of the commission",
                                categories=["Revenue sourced", "Commission earned"],
                                series=[("Marketing", [contrib, reward], "marketing")],
                                kind="column", maximum=1))
    bullets = [f"{f.get('title')}." for f in (inc.get("flags") or [])[:3] if f.get("title")]
    if known and not any(v > 0 for v in known.values()):
        bullets.insert(0, "Neither side's on-target variable pay depends on an outcome both "
                          "teams share (0% on each side).")
    if contrib is not None and reward is not None and not no_stake:
        bullets.append(f"Marketing sources {pct(contrib)} of won revenue and earns "
                       f"{pct(reward)} of the commission paid on won deals: a real stake "
                       "(sales closes every deal, so a smaller share than sales' is normal).")
    bullets = bullets[:4]
    wi = inc.get("what_if") or {}
    from ..report.pillars import structure_definition

    notes = [f"Share of on-target variable pay on outcomes both teams share (company revenue, "
             f"pipeline, win rate, SLA compliance, bookings beyond one's own deals): sales side "
             f"{pct(sow.get('sales'))}, marketing side {pct(sow.get('marketing'))}.",
             f"Won deals: marketing sourced {pct(contrib)} of the revenue and earned "
             f"{pct(reward)} of the commission paid on them (all commission components of the "
             "plan, paid once per deal).",
             f"Plan structure {num(inc.get('structure_score'))} of 100: "
             + structure_definition(results) + "."]
    notes += [f.get("sentence", "") for f in inc.get("flags") or []]
    if wi.get("after") and wi.get("before"):
        cur = get(results, "client.currency") or ""
        d = (wi["after"].get("total_payout") or 0) - (wi["before"].get("total_payout") or 0)
        if abs(d) >= 1:
            notes.append(f"What-if (incentives section): the change would add {money(d, cur)} "
                         "of commission on the same won deals.")
    return SlideSpec(title=title, bullets=bullets, charts=charts, notes=[n for n in notes if n])


def communication(results: dict) -> SlideSpec:
    fr = get(results, "survey.frequency") or {}
    extra = []
    if fr.get("not_regular_share") is not None:
        extra.append(f"{pct(fr['not_regular_share'])} of respondents say the teams talk "
                     "monthly or less.")
    au = get(results, "crm.handoff.accepted_untouched") or {}
    if au.get("share") and au.get("n"):
        # its population named, as in the report's hand-off paragraph
        extra.append(f"{pct(au['share'])} of the {num(round(au['n'] / au['share']))} leads "
                     "sales accepted were never touched: accepted on paper only.")
    if results.get("survey") is None and get(results, "scores.communication") is not None:
        # scored from the CRM's hand-off alone: said as such, never "could not be measured"
        # three slides after its score (attack 45, ATT45-04)
        h = get(results, "crm.handoff") or {}
        score = get(results, "scores.communication")
        bullets = ["Scored from the CRM's hand-off evidence alone: the employee survey was "
                   "not supplied, so how the teams talk is not measured."]
        if h.get("acceptance_rate") is not None and h.get("n_mql"):
            bullets.append(f"Sales accepted {pct(h['acceptance_rate'])} of the "
                           f"{num(h['n_mql'])} MQLs handed to it.")
        return SlideSpec(title=f"Communication: {num(score)} of 100, from the hand-off alone",
                         bullets=bullets + extra,
                         notes=["The survey part of the communication pillar is missing: "
                                "no survey was supplied."])
    return _survey_slide(results, "communication", ("BIDIR", "QUAL", "DEFN", "FEED"),
                         "Communication", extra)


def recommendations(results: dict) -> SlideSpec:
    recs = ranked_recommendations(results)
    if not recs:
        return SlideSpec(title="No change is called for by this data",
                         bullets=["No measured figure crossed a threshold that calls for "
                                  "change; keep the shared metrics and re-run the diagnostic "
                                  "next year."])
    from ..report.recommendations import tag

    rows = [["#", "Action", "Fixes", "Why (the client's evidence)"]]
    notes = []
    for i, r in enumerate(recs[:6], 1):
        why = (r.get("findings") or [r.get("rationale", "")])[0]
        rows.append([str(i), _sentence(r.get("title", "")), tag(r) or STEP_LABEL.get(
                     r.get("step"), ""),
                     _sentence(why)])
        notes.append(f"{i}. {r.get('title')}: {r.get('rationale', '')}")
    if len(recs) > 6:
        more = len(recs) - 6
        notes.append(f"{more} further recommendation{'s are' if more > 1 else ' is'} in the "
                     "written report.")
    n = min(len(recs), 6)
    # the report lists them all: say that the slide holds the first ones (partner 16e)
    title = (f"The first {n} of {len(recs)} actions, in the order to take them"
             if len(recs) > n else f"{n} actions, in the order to take them" if n > 1 else
             "One action: " + _sentence(recs[0].get('title', '')).rstrip('.').replace(': ', ' — '))
    return SlideSpec(title=title,
                     table=rows, kind="table", notes=notes)


def about(results: dict) -> SlideSpec:
    resp = get(results, "survey.respondents") or {}
    rc = get(results, "data.row_counts") or {}
    bullets = []
    if resp:
        bullets.append(f"Survey: {num(resp.get('all'))} respondents ({num(resp.get('sales'))} "
                       f"on the sales side, {num(resp.get('marketing'))} on the marketing side).")
    if get(results, "crm.cohort.leads") is not None:
        from ..report.sections import long_date

        bullets.append(f"CRM: {num(get(results, 'crm.cohort.leads'))} leads created "
                       f"{long_date(get(results, 'crm.cohort.period_start'))} to "
                       f"{long_date(get(results, 'crm.cohort.period_end'))}, "
                       f"{num(rc.get('opportunities'))} opportunities in the export.")
    if results.get("incentives"):
        bullets.append(f"Compensation plan: {num(rc.get('plan'))} plan components.")
    bullets.append(f"No survey group under {get(results, 'data.settings.min_group_size') or 5} "
                   "respondents is shown; names are removed from comments.")
    missing = [label for key, label in (("survey", "survey"), ("crm", "CRM"),
                                        ("incentives", "compensation plan"))
               if results.get(key) is None]
    if missing:
        bullets.append("Not assessed: " + ", ".join(missing) + " (see the written report).")
    from ..report.appendix import plain_warning

    notes = [plain_warning(w) for w in (results.get("data") or {}).get("warnings") or []]
    counted = [f"{label} {num(rc[k])}" for k, label in (
        ("survey", "survey responses"), ("leads", "CRM leads"), ("activities", "CRM activities"),
        ("opportunities", "opportunities"), ("plan", "compensation-plan rows"))
        if rc.get(k) is not None]
    if counted:
        notes.insert(0, "Records read: " + ", ".join(counted) + ".")
    return SlideSpec(title="What this diagnostic rests on", bullets=bullets, notes=notes)


def _warnings(results: dict, *prefixes: str) -> list[str]:
    """The data-quality warnings of these sections, without their section prefix (a
    section's own warnings only: "crm: …", not the intake notes on a file in crm/)."""
    w = (results.get("data") or {}).get("warnings") or []
    out = [x.split(": ", 1)[1] if ": " in x[:40] else x
           for x in w if any(x.lower().startswith(p) and x[len(p):len(p) + 1] in (":", " ")
                             for p in prefixes)]
    out = [x[:1].upper() + x[1:] for x in out]
    return out[:3] or ["The data needed was not in the files provided."]


def _missing_input(results: dict, prefixes: tuple[str, ...]) -> str | None:
    """The input a whole section lacks, in plain words (new-user review, F5)."""
    counts = (results.get("data") or {}).get("row_counts") or {}
    sections = {p.split()[0] for p in prefixes}
    if "crm" in sections and results.get("crm") is None:
        if "leads" not in counts:
            return ("No leads file in the export"
                    + (" (only opportunities were given)" if "opportunities" in counts else "")
                    + ": this is measured on the leads handed to sales — when each was "
                    "created, qualified, accepted and worked.")
        return None
    if "survey" in sections and results.get("survey") is None and "survey" not in counts:
        return "No survey file in the export: this is measured on the employee survey."
    return None


def _not_assessed(title: str, results: dict, *prefixes: str) -> SlideSpec:
    missing = _missing_input(results, prefixes)
    return SlideSpec(title=title,
                     bullets=[missing] if missing else _warnings(results, *prefixes),
                     notes=["Not assessed: the inputs for this slide are not in the export."])


SLIDES = (executive_summary, scores, blame_game, follow_up, effort, lead_quality, funnel,
          handoff, politics, incentives, communication, recommendations, about)


def deck_content(results: dict, brand: dict | None = None) -> list[SlideSpec]:
    """Every slide of the deck, in order: cover, summary, scores, blame game, CRM evidence,
    the three steps, recommendations, the data behind it (14 slides).

    Parameters
    ----------
    results : dict
        The results dict (SPEC §6).
    brand : dict, optional
        Branding settings (practice name for the cover).

    Returns
    -------
    list of SlideSpec
    """
    slides = [cover(results, brand or {})] + [f(results) for f in SLIDES]
    if results.get("comparison"):   # [baseline]: what changed, after the summary (SPEC §12)
        from .waves import since_last

        slides.insert(2, since_last(results))
    return slides
