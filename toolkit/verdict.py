"""The blame-game verdict (SPEC §5): two claims, each judged on the CRM evidence.

* **"The leads are garbage"** (sales' claim, ``lead_quality``): supported when well-worked
  leads still convert poorly — below the lower practitioner benchmark, or clearly below the
  other sources (non-overlapping Wilson intervals) — *and* rejections are mostly about fit.
* **"Sales call once and give up"** (marketing's claim, ``follow_up``): supported when
  follow-up is thin — many leads untouched, single-attempt or outside the SLA — *and* more
  effort converts better within the same lead-score band.

Each claim ends ``supported``, ``not_supported`` or ``inconclusive``. The verdict never claims
more than the data carries: too few leads, no attempts data, or mixed signals give
``inconclusive`` with the reason. Marketing's claim is about marketing's leads, so follow-up
is judged on marketing-sourced leads when they can be told apart (and are numerous enough).

Every threshold lives in :data:`toolkit.method.THRESHOLDS`, with its rationale and source
(SPEC §9 via :mod:`toolkit.benchmarks`); nothing else in the module holds a cut-off.
"""

from __future__ import annotations

from . import method
from .lookup import dig as _get

from .vocab import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED  # noqa: F401  (re-exported)
from .formatting import half_up

#: The thresholds live in :mod:`toolkit.method` (one home, read by verdict, findings, flags,
#: scores and the methodology appendix); ``THRESHOLDS`` is that table, re-exported.
THRESHOLDS: dict[str, dict] = method.THRESHOLDS

#: The thresholds this module reads (recorded in ``verdict["thresholds"]``).
VERDICT_THRESHOLDS: tuple[str, ...] = tuple(
    k for k, t in method.THRESHOLDS.items() if "verdict" in t["used_by"])


def thresholds_table() -> list[dict]:
    """The verdict's thresholds as JSON-safe rows ``{name, value, rationale, source,
    used_by}`` (all thresholds are in ``results["method"]["thresholds"]``)."""
    return method.thresholds_table(VERDICT_THRESHOLDS)


_t = method.value


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{half_up(100 * x):.0f}%"


def _ci(w: dict | None) -> list | None:
    if not w or w.get("ci_low") is None:
        return None
    return [w["ci_low"], w["ci_high"]]


def _ev(key, figure, comparison, interval=None) -> dict:
    return {"key": key, "figure": figure, "comparison": comparison, "interval": interval}


# --------------------------------------------------------------------------------------------
# "The leads are garbage"
# --------------------------------------------------------------------------------------------
def _lead_quality(crm: dict) -> dict:
    lq, hof = crm.get("lead_quality") or {}, crm.get("handoff") or {}
    wc = lq.get("worked_conversion") or {}
    ev, cav, reasons = [], [], []
    floor = _t("well_worked_conversion_floor")
    nmin = _t("min_well_worked")
    W = int(wc.get("well_worked_attempts") or 6)
    mk = wc.get("marketing") or {}
    use_mk = (mk.get("n") or 0) >= nmin
    grp = mk if use_mk else (wc.get("all") or {})
    gkey = ("crm.lead_quality.worked_conversion.marketing" if use_mk
            else "crm.lead_quality.worked_conversion.all")
    who = "marketing-sourced leads" if use_mk else "leads"
    n = grp.get("n") or 0
    poor = None
    if not wc:
        reasons.append("attempts or first-touch times are not in the export — worked leads "
                       "cannot be followed")
    elif n < nmin:
        reasons.append(f"{f'only {n}' if n else 'no'} {who} first touched within the SLA "
                       f"could be followed to attempt {W} (need {half_up(nmin):.0f}) — lead quality "
                       "cannot be told apart from follow-up")
    elif grp.get("rate") is None:   # enough leads, none followed that far (attack 44, A44-7)
        reasons.append(f"none of the {n} {who} first touched within the SLA could be followed "
                       f"to attempt {W} — lead quality cannot be told apart from follow-up")
    elif (grp.get("n_reached") or 0) < _t("min_worked_to_horizon"):
        reasons.append(f"only {grp.get('n_reached') or 0} {who} were called {W} times (need "
                       f"{half_up(_t('min_worked_to_horizon')):.0f}) — how worked leads convert is "
                       "not known yet")
    else:
        ev.append(_ev(f"{gkey}.rate", grp["rate"],
                      f"Kaplan–Meier conversion to SQL by attempt {W} of {who} first touched "
                      f"within the SLA, vs practitioner floor {_pct(floor)} (MQL→SQL)",
                      _ci(grp)))
        seen = _get(lq, "touched_conversion", "marketing" if use_mk else "all") or {}
        if seen.get("rate") is not None:   # what the same leads actually did: read first
            ev.insert(0, _ev(f"crm.lead_quality.touched_conversion."
                             f"{'marketing' if use_mk else 'all'}.rate", seen["rate"],
                             f"reached SQL as sales worked them (no estimate), vs practitioner "
                             f"floor {_pct(floor)} (MQL→SQL)", _ci(seen)))
        below_bench = grp["ci_high"] < floor
        other = wc.get("other") or {}
        below_other = False
        if use_mk and (other.get("n") or 0) >= nmin and other.get("rate") is not None:
            below_other = bool(_get(lq, "marketing_vs_other", "marketing_clearly_lower"))
            ev.append(_ev("crm.lead_quality.worked_conversion.other.rate", other["rate"],
                          "worked leads from other sources (intervals "
                          + ("do not overlap)" if below_other or
                             not _get(lq, "marketing_vs_other", "intervals_overlap")
                             else "overlap)"), _ci(other)))
        if below_bench or below_other:
            poor = True
        elif grp["rate"] >= floor:
            poor = False
        else:
            reasons.append(f"{who} worked to the {_ordinal(W)} attempt are estimated to reach "
                           f"SQL at {_pct(grp['rate'])}, below the {_pct(floor)} floor, but the "
                           "interval reaches it")
    fit = hof.get("fit_share")
    nr = hof.get("n_with_reason") or 0
    fit_ok = None
    if fit is None or nr < _t("min_rejections_with_reason"):
        reasons.append(f"{f'only {nr} rejections carry' if nr else 'no rejection carries'} a "
                       "reason — whether rejections are about fit "
                       "cannot be judged")
    else:
        fit_ok = fit >= _t("fit_majority")
        ev.append(_ev("crm.handoff.fit_share", fit,
                      f"vs majority threshold {_pct(_t('fit_majority'))}", _ci(hof.get("fit"))))
    short = None
    if poor is False:
        status = NOT_SUPPORTED
        seen = _observed_first(lq, grp, who, floor, W)
        if seen:
            short, summary = seen
        else:
            summary = (f"Worked to the {_ordinal(W)} attempt, {who} would reach SQL at an "
                       f"estimated {_pct(grp['rate'])}, " + _against_range(lq, grp, who, floor)
                       + ": the leads are not the problem.")
        if fit_ok:
            cav.append("Most rejection reasons cite fit, yet worked leads reach SQL at or above the "
                       "practitioner floor: "
                       "the rejections deserve a joint review.")
    elif poor and fit_ok:
        status = SUPPORTED
        seen = _observed_poor(lq, grp, who, floor, W)
        fits = f"{share_of(fit, 'rejections with a reason')} cite fit"
        if seen:
            short = seen[0] + f", and {fits}."
            summary = short + seen[1]
        else:
            summary = _upper_first(
                f"even worked to the {_ordinal(W)} attempt, an estimated "
                f"{share_of(grp['rate'], who)} would reach SQL, below the "
                f"{_pct(floor)} practitioner floor, and {fits}.")
    elif poor and fit_ok is False:
        status = INCONCLUSIVE
        summary = (f"Worked leads are estimated to convert poorly ({_pct(grp['rate'])} by the "
                   f"{_ordinal(W)} attempt), but most rejections cite reasons other than fit, "
                   "so the evidence is mixed.")
        reasons.append("poor conversion without fit-related rejections")
    else:
        status = INCONCLUSIVE
        summary = "There is not enough CRM evidence to judge lead quality: " + reasons[0] + "."
    if status != INCONCLUSIVE or poor:
        cav.append(estimate_caveat(lq, grp, who, W))
    if use_mk and (lq.get("other") or {}).get("n"):
        cav.append("Sales-sourced leads (referral, outbound) are chosen by reps themselves; "
                   "their higher conversion is partly selection.")
    out = {"status": status, "summary": summary, "evidence": ev, "caveats": cav,
           "reasons": reasons}
    if short:
        out["short"] = short
    return out


def _observed_first(lq: dict, grp: dict, who: str, floor: float, W: int
                    ) -> tuple[str, str] | None:
    """``(short, summary)`` of a cleared lead-quality complaint whose worked-conversion
    estimate sits above the top of the practitioner range, led by what the leads actually
    did (partner review 16c): the share of the same leads — first touched within the SLA —
    that reached SQL (``lead_quality.touched_conversion``), then the estimate as an upper
    figure only, with why it runs high. ``None`` (the estimate leads) when the estimate is
    within the range or the observed share is missing or below the floor.

    *short* is the observed figure alone, for the executive summary's two-minute read.
    """
    b = lq.get("benchmark") or {}
    lo, hi = b.get("low", floor), b.get("high")
    name = "marketing" if who.startswith("marketing") else "all"
    itt = _get(lq, "touched_conversion", name) or {}
    if hi is None or grp["rate"] <= hi or itt.get("rate") is None or itt["rate"] < floor:
        return None
    where = (f"within the {half_up(100 * lo):.0f}–{half_up(100 * hi):.0f}% practitioner range"
             if lo <= itt["rate"] <= hi else f"at or above the {_pct(floor)} practitioner floor")
    short = (f"{_pct(itt['rate'])} of {who} first touched within the SLA reached SQL, "
             f"{where}")
    summary = (f"{_upper_first(short)}: the leads are not the problem. Worked to the "
               f"{_ordinal(W)} attempt, an estimated {_pct(grp['rate'])} would reach SQL — "
               + _against_range(lq, grp, who, floor, observed=False)
               + ", so it is an upper figure only.")
    return _upper_first(short) + ".", summary


def _observed(lq: dict, who: str) -> dict:
    """The share of the same leads (first touched within the SLA) that actually reached SQL
    (``lead_quality.touched_conversion``); ``{}`` when missing."""
    name = "marketing" if who.startswith("marketing") else "all"
    return _get(lq, "touched_conversion", name) or {}


def estimate_caveat(lq: dict, grp: dict, who: str, W: int) -> str:
    """The caveat of the worked-conversion estimate, in the direction the figures take.

    Above the share that actually reached SQL it "runs high" (sales keeps working the leads
    that look promising); below it (review 16d, M2: 12% estimated against 14% observed) it
    counts conversions up to the *W*-th attempt only, and leads converting after it are
    missed — never "runs high" for a figure under the observed one.
    """
    head = ("The estimate follows every lead first touched within the SLA, those sales gave up "
            "on included up to their last attempt; it assumes giving up does not single out the "
            "worse leads. ")
    itt = _observed(lq, who)
    if itt.get("rate") is not None and half_up(100 * grp["rate"]) <= half_up(100 * itt["rate"]):
        return (head + f"Here it ({_pct(grp['rate'])}) is no higher than the share that "
                f"actually reached SQL ({_pct(itt['rate'])}): it counts conversions up to the "
                f"{_ordinal(W)} attempt only, and some leads converted later. The report leads "
                "with the share that actually reached SQL.")
    return (head + "Sales keeps working the leads that look promising, so this estimate runs "
            "high; the share that actually reached SQL is given beside it.")


def _observed_poor(lq: dict, grp: dict, who: str, floor: float, W: int
                   ) -> tuple[str, str] | None:
    """``(lead, rest)`` of a supported lead-quality complaint led by what the leads actually
    did (review 16d, M2): *lead* is "Only 14% of marketing-sourced leads first touched within
    the SLA reached SQL, below the 20% practitioner floor, although 66% were called 6 or more
    times"; *rest* gives the worked estimate with a caveat that matches its direction (an
    upper figure when above the observed share; when below it, said to be lower and why).
    ``None`` when the observed share is missing or not below the floor (the estimate leads).
    """
    itt = _observed(lq, who)
    if itt.get("rate") is None or itt["rate"] >= floor:
        return None
    lead = (f"Only {share_of(itt['rate'], who)} first touched within the SLA reached SQL, "
            f"below the {_pct(floor)} practitioner floor")
    if grp.get("n") and grp.get("n_reached") is not None and grp["n_reached"] >= grp["n"] / 2:
        lead += (f", although {share_words(grp['n_reached'] / grp['n'])} of them were called "
                 f"{W} times or more")
    if half_up(100 * grp["rate"]) > half_up(100 * itt["rate"]):
        rest = (f" Worked to the {_ordinal(W)} attempt, an estimated {_pct(grp['rate'])} would "
                "reach SQL — an upper figure, as sales keeps working the leads that look "
                "promising.")
    else:
        rest = (f" The estimate for leads worked to the {_ordinal(W)} attempt, "
                f"{_pct(grp['rate'])}, is lower still, as it counts conversions up to that "
                "attempt only.")
    return lead, rest


def _against_range(lq: dict, grp: dict, who: str, floor: float, *, observed: bool = True
                   ) -> str:
    """Where a worked-conversion estimate sits against the practitioner range, in words.

    Inside the range: "within the 20–42% practitioner range". Above its top the estimate is
    never called normal: the clause says it sits above the range, why it may be flattered
    (sales keeps working the promising leads — informative censoring) and what the same leads
    actually achieved, counted without that assumption (``lead_quality.touched_conversion``).
    """
    b = lq.get("benchmark") or {}
    lo, hi = b.get("low", floor), b.get("high")
    rng = (f"{half_up(100 * lo):.0f}–{half_up(100 * hi):.0f}% practitioner range" if hi is not None
           else f"{_pct(floor)} practitioner floor")
    if hi is None or grp["rate"] <= hi:
        return (f"within the {rng}" if hi is not None and grp["rate"] >= lo
                else f"at or above the {_pct(floor)} practitioner floor")
    name = "marketing" if who.startswith("marketing") else "all"
    itt = _get(lq, "touched_conversion", name) or {}
    text = (f"above the top of the {rng} and probably flattered (sales keeps working the "
            "leads that look promising, and the estimate assumes the rest would have "
            "converted like them)")
    if observed and itt.get("rate") is not None:
        text += (f"; {_pct(itt['rate'])} of these leads actually reached SQL, "
                 + (f"still at or above the {_pct(floor)} floor" if itt["rate"] >= floor
                    else f"below the {_pct(floor)} floor"))
    return text


# --------------------------------------------------------------------------------------------
# "Sales call once and give up"
# --------------------------------------------------------------------------------------------
NO_TOUCH_DATA = ("not assessed: no activities or first-touch data (no first_touch_at or "
                 "attempts column in the leads table and no activities file)")
NO_TOUCH_SUMMARY = ("Follow-up was not assessed: the CRM has no activities or first-touch data "
                    "(no first_touch_at or attempts column in the leads table and no "
                    "activities file), so how fast and how often sales works the leads is "
                    "unknown.")


def share_words(x: float, *, zero: str = "none", whole: str = "all") -> str:
    """A share for a sentence: ``"35%"``, or ``zero``/``whole`` at exactly 0 and 1.

    Avoids sentences such as "only 0% of leads …".
    """
    if x <= 0:
        return zero
    if x >= 1:
        return whole
    return f"{half_up(100 * x):.0f}%"


def share_of(x: float, population: str) -> str:
    """``"35% of <population>"``, ``"none of the <population>"`` or ``"all <population>"``."""
    w = share_words(x)
    return {"none": f"none of the {population}", "all": f"all {population}"}.get(
        w, f"{w} of {population}")


def followup_evidence(crm: dict | None) -> dict:
    """Follow-up figures of the population the verdict judges, gated on sample size.

    Marketing's claim is about marketing's leads, so the population is the marketing-sourced
    leads (``crm.speed.by_group.marketing`` / ``crm.persistence.by_group.marketing``) when
    there are at least ``min_followup_leads`` of them, else all leads handed to sales. A
    figure is kept only when its base reaches ``min_followup_leads`` (leads for the speed
    shares, touched-but-unconverted leads for the single-attempt share). The incentives
    conflict flag reads the same figures, so flag and verdict quote the same numbers.

    Parameters
    ----------
    crm : dict or None
        ``results["crm"]``.

    Returns
    -------
    dict
        ``who`` (population name for sentences), ``marketing`` (bool), ``speed_key`` /
        ``persistence_key`` (results paths), ``sla_hours``, ``figures`` (``untouched_share``,
        ``within_sla_share``, ``single_attempt_share``, ``median_hours``: float or None),
        ``thin`` (signal name → bool, only for figures present: ``untouched``, ``sla``,
        ``single``), ``touch_data`` (False when the CRM has neither first-touch nor attempts
        data) and ``n`` (leads in the population).
    """
    crm = crm if isinstance(crm, dict) else {}
    spd, per = crm.get("speed") or {}, crm.get("persistence") or {}
    cohort = crm.get("cohort") or {}
    nmin = _t("min_followup_leads")
    sg = _get(spd, "by_group", "marketing") or {}
    pg = _get(per, "by_group", "marketing") or {}
    use_mk = (sg.get("n") or 0) >= nmin
    s_src, s_key = (sg, "crm.speed.by_group.marketing") if use_mk else (spd, "crm.speed")
    p_src, p_key = ((pg, "crm.persistence.by_group.marketing") if use_mk and pg
                    else (per, "crm.persistence"))
    touch_data = not ("touch_source" in cohort and cohort.get("touch_source") is None
                      and cohort.get("attempts_source") is None)
    figs = {"untouched_share": None, "within_sla_share": None, "single_attempt_share": None,
            "median_hours": None}
    if touch_data and (s_src.get("n") or 0) >= nmin:
        for k in ("untouched_share", "within_sla_share", "median_hours"):
            figs[k] = s_src.get(k)
    if touch_data and (p_src.get("n_touched_not_converted") or 0) >= nmin:
        figs["single_attempt_share"] = p_src.get("single_attempt_share")
    thin = {}
    if figs["untouched_share"] is not None:
        thin["untouched"] = figs["untouched_share"] >= _t("untouched_share_max")
    if figs["within_sla_share"] is not None:
        thin["sla"] = figs["within_sla_share"] < _t("within_sla_min")
    if figs["single_attempt_share"] is not None:
        thin["single"] = figs["single_attempt_share"] >= _t("single_attempt_max")
    return {"who": "marketing-sourced leads" if use_mk else "leads handed to sales",
            "marketing": use_mk, "speed_key": s_key, "persistence_key": p_key,
            "sla_hours": float(spd.get("sla_hours") or 24), "figures": figs, "thin": thin,
            "touch_data": touch_data, "n": int(s_src.get("n") or 0)}


def thin_followup_clause(fe: dict) -> str | None:
    """The thin follow-up signals of :func:`followup_evidence` as one clause naming its
    population.

    E.g. "30% of marketing-sourced leads are never touched, 35% are first touched within
    the 24 h SLA and 46% of those touched but not converted got a single attempt". Shares of
    exactly 0 or 1 read "none" / "all". ``None`` when no signal is thin.
    """
    f, who, first = fe["figures"], fe["who"], True
    words = []

    def subject(x: float, pop: str) -> str:
        w = share_words(x)
        if w == "none":
            return f"none of the {pop}" if pop else "none"
        if w == "all":
            return f"all {pop}" if pop else "all"
        return f"{w} of {pop}" if pop else w

    if fe["thin"].get("untouched"):
        words.append(subject(f["untouched_share"], who) + " are never touched")
        first = False
    if fe["thin"].get("sla"):
        words.append(subject(f["within_sla_share"], who if first else "")
                     + f" are first touched within the {fe['sla_hours']:g} h SLA")
        first = False
    if fe["thin"].get("single"):
        pop = f"{who} touched but not converted" if first else "those touched but not converted"
        w = share_words(f["single_attempt_share"])
        words.append(("all " + pop if w == "all" else f"{w} of {pop}") + " got a single attempt")
    if not words:
        return None
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _persistence_pays(crm: dict, fe: dict, reasons: list, cav: list
                      ) -> tuple[bool | None, str, dict | None]:
    """Whether persistence pays, on the attempt clock (``crm.effort``).

    Pays when the hazard after attempt 3 has its lower bound at or above
    ``effort_hazard_floor`` and no score band with enough leads has its whole interval below
    it; does not pay when the whole interval lies below the floor. Judged on the population
    of :func:`followup_evidence` (marketing-sourced leads when they are enough).

    Returns
    -------
    (bool or None, str, dict or None)
        The judgement, the results key of the effort figures used and the hazard dict.
    """
    eff = crm.get("effort") or {}
    floor, nmin = _t("effort_hazard_floor"), _t("min_effort_leads")
    key, src = "crm.effort", eff
    g = _get(eff, "by_group", "marketing") or {}
    if fe["marketing"] and ((g.get("hazard_after_attempt_3") or {}).get("leads") or 0) >= nmin:
        key, src = "crm.effort.by_group.marketing", g
    h3 = src.get("hazard_after_attempt_3") or {}
    if not fe["touch_data"] or not eff.get("hazard_by_attempt"):
        if fe["touch_data"]:
            reasons.append("attempt counts are not in the export — whether persistence pays "
                           "cannot be measured")
        return None, key, None
    if (h3.get("leads") or 0) < nmin or h3.get("rate") is None:
        reasons.append(f"too few leads reached a 4th attempt (need {half_up(nmin):.0f}) to tell whether "
                       "persistence pays")
        return None, key, (h3 if h3.get("rate") is not None else None)
    if h3["ci_high"] < floor:
        return False, key, h3
    if h3["ci_low"] < floor:
        reasons.append("the conversion rate after the 3rd attempt is too imprecise to call")
        return None, key, h3
    bands = eff.get("by_band") or {}
    for band, b in bands.items():
        hb = b.get("hazard_after_attempt_3") or {}
        if (hb.get("leads") or 0) >= nmin and hb.get("ci_high") is not None \
                and hb["ci_high"] < floor:
            reasons.append(f"persistence pays overall but not among {band}-score leads, so reps "
                           "working better-looking leads harder may explain it")
            return None, key, h3
    if not bands:
        cav.append("There is no lead score, so reps working better-looking leads harder "
                   "cannot be ruled out.")
    return True, key, h3


BAND_WORDS = {"low": "low", "mid": "mid", "high": "high"}


def band_detail(bands: dict | None) -> str:
    """The per-attempt conversion after the 3rd attempt within lead-score bands, as stated in
    the body (``"; 6%, 11% and 19% for low-, mid- and high-score leads"``), so a headline
    never claims one rate "in every band" when the bands differ; ``""`` without bands."""
    rates = [(BAND_WORDS.get(b, str(b)), _get(v, "hazard_after_attempt_3", "rate"))
             for b, v in (bands or {}).items()]
    rates = [(b, r) for b, r in rates if r is not None]
    if not rates:
        return ""
    shown = [_pct(r) for _, r in rates]
    if len(set(shown)) == 1:
        return f", {shown[0]} in each lead-score band"
    names = [b for b, _ in rates]
    lead = ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]
    who = (", ".join(f"{n}-" for n in names[:-1]) + " and " + names[-1] + "-score leads"
           if len(names) > 1 else names[0] + "-score leads")
    return f"; {lead} for {who}"


def _follow_up(crm: dict) -> dict:
    ev, cav, reasons = [], [], []
    nmin = _t("min_followup_leads")
    fe = followup_evidence(crm)
    who, f, signals = fe["who"], fe["figures"], fe["thin"]
    s_key, p_key = fe["speed_key"], fe["persistence_key"]
    if f["untouched_share"] is not None:
        ev.append(_ev(f"{s_key}.untouched_share", f["untouched_share"],
                      f"never touched; thin at {_pct(_t('untouched_share_max'))} or more "
                      "(HBR 2011: 23% of firms never answered)"))
    if f["within_sla_share"] is not None:
        ev.append(_ev(f"{s_key}.within_sla_share", f["within_sla_share"],
                      f"first touched within the {fe['sla_hours']:g} h SLA; thin "
                      f"below {_pct(_t('within_sla_min'))}"))
    if f["median_hours"] is not None:
        ev.append(_ev(f"{s_key}.median_hours", f["median_hours"],
                      "Kaplan–Meier median hours to first touch (HBR 2011 mean: 42 h)"))
    if f["single_attempt_share"] is not None:
        ev.append(_ev(f"{p_key}.single_attempt_share", f["single_attempt_share"],
                      "touched, unconverted leads with one attempt; thin at "
                      f"{_pct(_t('single_attempt_max'))} or more (Velocify: 93% of "
                      "converted leads reached by the 6th attempt)"))
    thin = any(signals.values()) if signals else None
    if not fe["touch_data"]:
        reasons.append(NO_TOUCH_DATA)
    elif thin is None:
        reasons.append(f"too few {who} (need {half_up(nmin):.0f} leads with first-touch "
                       "or attempts data)")
    if thin is False and "single" not in signals and "untouched" not in signals:
        thin = None
        reasons.append("no attempts or untouched figures to judge persistence")

    better, eff_key, h3 = _persistence_pays(crm, fe, reasons, cav)
    if h3 is not None:
        ev.append(_ev(f"{eff_key}.hazard_after_attempt_3.rate", h3["rate"],
                      "conversions per attempt after the 3rd (attempt clock); real when "
                      f"the lower bound is {_pct(_t('effort_hazard_floor'))} or more, "
                      f"material (persistence pays) at {_pct(_t('effort_hazard_material'))} "
                      "or more", _ci(h3)))
        share = _get(crm, *eff_key.split(".")[1:], "after_attempt_3_share") or {}
        if share.get("rate") is not None:
            ev.append(_ev(f"{eff_key}.after_attempt_3_share.rate", share["rate"],
                          "share of conversions that came after the 3rd attempt", _ci(share)))
    if fe["touch_data"]:
        cav.append("The attempt clock is observational: it assumes sales does not give up "
                   "on exactly the leads that would have converted later.")
    clause = thin_followup_clause(fe)
    if thin is False:
        status = NOT_SUPPORTED
        summary = (f"Sales follows up {who} diligently "
                   f"({_pct(f['untouched_share'])} never touched, "
                   f"{_pct(f['within_sla_share'])} within the SLA): the follow-up "
                   "complaint is not borne out.")
    elif thin and better:
        status = SUPPORTED
        material = h3["rate"] >= _t("effort_hazard_material")
        # one population per figure (review 16d): the rate is marketing-sourced leads' when
        # judged on them, the score bands are counted over all leads
        detail = band_detail((crm.get("effort") or {}).get("by_band"))
        mk = eff_key.endswith(".marketing")
        if mk and detail:
            detail = "; across all leads, " + detail.lstrip(",; ")
        summary = _upper_first(f"{clause}; leads still convert after the 3rd attempt "
                               f"({_pct(h3['rate'])}{' of marketing-sourced leads' if mk else ''}"
                               " per further attempt" + detail
                               + ("), so persistence pays." if material else
                                  "), a small but real gain per extra call."))
    elif thin and better is False:
        status = NOT_SUPPORTED
        summary = _upper_first(f"{clause}, but leads almost never convert after the 3rd "
                               "attempt, so giving up early is not what loses these leads.")
        cav.append("Follow-up still misses the hand-off rules; fix it for its own sake.")
    elif not fe["touch_data"]:
        status, summary = INCONCLUSIVE, NO_TOUCH_SUMMARY
    else:
        status = INCONCLUSIVE
        lead = f"{clause}, but " if thin else ""
        summary = (lead + "there is not enough CRM evidence to judge follow-up: "
                   + reasons[0] + ".") if reasons else "The follow-up evidence is mixed."
        summary = _upper_first(summary)
    return {"status": status, "summary": summary, "evidence": ev, "caveats": cav,
            "reasons": reasons}


# --------------------------------------------------------------------------------------------
# Beliefs and headline
# --------------------------------------------------------------------------------------------
def _beliefs(survey: dict | None, lq: dict, fu: dict) -> dict:
    s = _get(survey, "claims", "sales_blame_leads_share")
    m = _get(survey, "claims", "marketing_blame_followup_share")
    maj = _t("belief_majority")
    sb = None if s is None else s >= maj
    mb = None if m is None else m >= maj
    if sb is None and mb is None:
        blame = "The survey did not measure who blames whom"
    elif sb and mb:
        blame = "Sales blames lead quality and marketing blames follow-up"
    elif sb:
        blame = "Sales blames lead quality"
    elif mb:
        blame = "Marketing blames follow-up"
    else:
        blame = "Neither side mostly blames the other"
    a, b = lq["status"], fu["status"]
    if b == SUPPORTED and a == NOT_SUPPORTED:
        points = "the evidence points to follow-up"
    elif a == SUPPORTED and b == NOT_SUPPORTED:
        points = "the evidence points to lead quality"
    elif a == SUPPORTED and b == SUPPORTED:
        points = "the evidence supports both complaints"
    elif a == NOT_SUPPORTED and b == NOT_SUPPORTED:
        points = "the evidence supports neither complaint"
    elif SUPPORTED in (a, b):
        points = ("the evidence points to " + ("follow-up" if b == SUPPORTED else "lead quality")
                  + ", while the other complaint cannot be judged")
    else:
        points = "the CRM evidence cannot settle it"
    checks = []
    if s is not None:
        checks.append(f"{_pct(s)} of the sales side say most marketing leads are not worth "
                      f"working; the CRM evidence {_status_words(a)}.")
    if m is not None:
        checks.append(f"{_pct(m)} of the marketing side say sales gives up on leads too early; "
                      f"the CRM evidence {_status_words(b)}.")
    return {"sales_blame_leads_share": s, "marketing_blame_followup_share": m,
            "sales_blames_leads": sb, "marketing_blames_followup": mb,
            "sentence": f"{blame}; {points}.", "checks": checks}


def _status_words(status: str) -> str:
    return {SUPPORTED: "supports this", NOT_SUPPORTED: "does not support this",
            INCONCLUSIVE: "is not conclusive"}[status]


def _headline(lq: dict, fu: dict, beliefs: dict | None = None) -> str:
    a, b = lq["status"], fu["status"]
    if a == NOT_SUPPORTED and b == SUPPORTED:
        return ("The evidence points to follow-up, not lead quality: "
                + _lower_first(fu["summary"]))
    if a == SUPPORTED and b == NOT_SUPPORTED:
        return ("The evidence points to lead quality, not follow-up: "
                + _lower_first(lq["summary"]))
    if a == SUPPORTED and b == SUPPORTED:
        return "Both complaints hold: the leads convert poorly and follow-up is thin."
    if a == NOT_SUPPORTED and b == NOT_SUPPORTED:
        majority = _t("belief_majority")
        shares = [(beliefs or {}).get(k) for k in ("sales_blame_leads_share",
                                                   "marketing_blame_followup_share")]
        conv = _conversion_words(lq)
        if any(x is not None and x >= majority for x in shares):
            return (f"Neither complaint holds: worked leads {conv} and sales follows "
                    "up properly, so the blame game is about perception, not performance.")
        if all(x is not None for x in shares):
            return ("Neither complaint holds, and few on either side make it: worked leads "
                    f"{conv} and sales follows up properly.")
        return (f"Neither complaint holds: worked leads {conv} and sales follows up "
                "properly.")
    return ("The CRM data cannot settle the blame game yet: lead quality is "
            f"{a.replace('_', ' ')}, follow-up is {b.replace('_', ' ')}.")


def _conversion_words(lq: dict) -> str:
    """How worked leads convert, for the headline: "convert within the practitioner range",
    or, when the estimate sits above its top, "reach SQL at least at the practitioner floor"
    (never "normally": the estimate may be flattered, see :func:`_against_range`)."""
    summary = lq.get("summary") or ""
    if "above the top of the" in summary:
        return "reach SQL at least at the practitioner floor"
    if "within the" in summary:
        return "convert within the practitioner range"
    return "convert at or above the practitioner floor"


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def _upper_first(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s else s


def judge(crm: dict | None, survey: dict | None) -> dict:
    """Adjudicate the blame game (SPEC §5).

    Parameters
    ----------
    crm : dict or None
        ``results["crm"]`` from :func:`toolkit.crm.measure_crm`.
    survey : dict or None
        ``results["survey"]``; ``claims.sales_blame_leads_share`` and
        ``claims.marketing_blame_followup_share`` are read for the cross-check.

    Returns
    -------
    dict
        ``lead_quality`` and ``follow_up`` (each ``{status, summary, evidence: [{key, figure,
        comparison, interval}], caveats, reasons}``), ``beliefs`` (``{sales_blame_leads_share,
        marketing_blame_followup_share, sentence, checks}``), ``headline``, ``thresholds``
        (the table of :data:`THRESHOLDS`) and ``warnings``. Never raises: missing data gives
        ``inconclusive`` with the reason.
    """
    warnings: list[str] = []
    if not isinstance(crm, dict) or not crm.get("cohort", {}).get("leads"):
        why = ("no CRM data" if not isinstance(crm, dict)
               else "no leads in the analysis period")
        empty = {"status": INCONCLUSIVE, "summary": f"The blame game cannot be judged: {why}.",
                 "evidence": [], "caveats": [], "reasons": [why]}
        lq, fu = dict(empty), {**empty, "reasons": [why]}
        warnings.append(f"verdict: inconclusive — {why}")
    else:
        lq, fu = _lead_quality(crm), _follow_up(crm)
        for name, c in (("lead quality", lq), ("follow-up", fu)):
            if c["status"] == INCONCLUSIVE:
                warnings.append(f"verdict: {name} inconclusive — " + "; ".join(c["reasons"]))
    beliefs = _beliefs(survey, lq, fu)
    return {"lead_quality": lq, "follow_up": fu, "beliefs": beliefs,
            "headline": _headline(lq, fu, beliefs), "thresholds": thresholds_table(),
            "warnings": warnings}
