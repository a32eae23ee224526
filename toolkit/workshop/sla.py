"""SLA designer: what would a first-touch and attempts target be worth, on the client's data?

Method (Kaplan–Meier on the attempt clock, within lead-score bands)
-------------------------------------------------------------------
A target is "first touch within *h* hours of the clock start, then at least *a* attempts
unless the lead converts first". Comparing the conversion of leads that *reached* *a*
attempts with those that did not would be biased: a lead that converts stops being called,
so converted leads rarely reach many attempts and effort looks harmful (survivorship bias,
SPEC §4.2). Attempts are therefore the time axis, as in :mod:`toolkit.crm.effort`:

* within each lead-score band *b* (score tertiles, :func:`toolkit.crm.dose.score_bands`; one
  band "all" without a usable score), among the leads first touched within *h* hours, the
  hazard at attempt *k* is ``d_k / n_k`` (leads converting at attempt *k* ÷ leads that
  reached it) and ``S_b(t) = Π_{k ≤ t} (1 − d_k / n_k)`` the Kaplan–Meier share not yet
  converted after *t* attempts; leads given up on are censored at their last attempt;
* a lead touched in time but given up on after *t < a* attempts without converting would
  convert by attempt *a* with probability ``1 − S_b(a) / S_b(t)``;
* a lead not touched in time (late or never) and not converted would convert like a lead
  touched in time, with probability ``1 − S_b(a)``;
* converted leads stay converted; leads already worked to *a* attempts are unchanged.

``extra_b`` is the sum of those probabilities and the estimate the sum over bands — the extra
conversions (SQL or later, :mod:`toolkit.crm.derive`) over the analysis period. A band enters
only when at least ``min_meet`` of its leads touched in time reached attempt *a* (the hazards
up to *a* are then estimated from at least that many leads); others are named in the warnings.

Uncertainty: each hazard ``d_k / n_k`` is drawn from its Jeffreys posterior
Beta(d_k + ½, n_k − d_k + ½) (Brown, Cai & DasGupta, *Statistical Science* 2001),
independently per attempt and band; the 2.5 % and 97.5 % quantiles of the resulting sums form
the 95 % interval, and of ``1 − S_b(a)`` the interval of the band's "worked" conversion.

Assumptions, stated in the workshop: leads given up on would have converted like the leads
that were kept on (non-informative censoring — the assumption of every Kaplan–Meier
estimate), and leads reached late would convert like leads reached in time within the same
score band. The second is **associational, not causal**: reps reach better-looking leads
faster; the score bands remove the part of that the score explains, not all of it. Read the
figure as "what the client's own data suggests", to be confirmed by a trial of the SLA.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import method as _method
from ..crm.dose import score_bands

N_DRAWS = 4000
BAND_ORDER = ("low", "mid", "high", "all", "no score")
#: Leads touched in time that reached the attempt target, needed in a band for its
#: Kaplan–Meier curve to enter the estimate (toolkit.method).
MIN_MEET = int(_method.value("sla_designer_min_meet"))
METHOD = ("Kaplan–Meier on the attempt clock within lead-score bands: leads given up on "
          "before the attempt target convert with the conditional probability of leads that "
          "were kept on; leads reached late convert like leads reached in time. 95% "
          "interval from Jeffreys Beta posterior draws of the per-attempt conversion rates.")
CAVEAT = ("Associational, not causal: leads reached in time may differ in ways the lead "
          "score does not capture, and leads given up on are assumed to convert like those "
          "kept on. Confirm with a trial of the SLA.")


def _f(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def _blank(first_touch_hours, attempts, warnings) -> dict:
    return {"targets": {"first_touch_hours": _f(first_touch_hours), "attempts": int(attempts)},
            "n_leads": 0, "meets_share": None, "current_conversions": None,
            "current_rate": None, "extra_conversions": None, "ci_low": None, "ci_high": None,
            "projected_conversions": None, "projected_rate": None, "score_bands": False,
            "by_band": [], "cost": None, "method": METHOD, "caveat": CAVEAT,
            "warnings": warnings}


def design_sla(leads: pd.DataFrame | None, *, first_touch_hours: float, attempts: int,
               bands: pd.Series | None = None, n_draws: int = N_DRAWS,
               min_meet: int = MIN_MEET, seed: int = 0) -> dict:
    """Estimate the extra conversions a first-touch / attempts target suggests.

    The same path as the workshop: the counts of :func:`sla_grid` for this one target, then
    :func:`design_sla_from_results`.

    Parameters
    ----------
    leads : pandas.DataFrame or None
        Lead frame of :func:`toolkit.crm.derive.lead_frame` over the leads handed to sales
        (columns ``touched``, ``hours_to_touch``, ``attempts`` — counted up to conversion —,
        ``converted``, ``score``).
    first_touch_hours : float
        Target hours from MQL (else creation) to the first sales touch; > 0.
    attempts : int
        Target number of attempts; ≥ 1.
    bands : pandas.Series, optional
        Score band per lead; default :func:`toolkit.crm.dose.score_bands` of ``score``
        (tertiles), or a single band when the score is missing or too sparse.
    n_draws : int
        Posterior draws for the interval.
    min_meet : int
        Leads touched in time that reached attempt *attempts*, needed in a band for it to
        count.
    seed : int
        Random seed (results are reproducible).

    Returns
    -------
    dict
        JSON-safe: ``targets`` (``first_touch_hours``, ``attempts``), ``n_leads``,
        ``meets_share`` (0..1, leads touched in time and worked to the target or converted),
        ``current_conversions``, ``current_rate``, ``extra_conversions`` with ``ci_low`` /
        ``ci_high`` (95 %), ``projected_conversions``, ``projected_rate``, ``score_bands``
        (bool), ``by_band`` (list of ``{band, n_fast, n_reached, worked: {rate, ci_low,
        ci_high}, n_given_up, n_late_open, extra, used}``), ``cost`` (``extra_attempts``,
        ``leads_to_reach_sooner``), ``method``, ``caveat`` and ``warnings``. Figures are
        None when nothing can be estimated (no leads, no attempt counts, no band with enough
        leads reaching the target).

    Examples
    --------
    One band; 22 leads touched in time: 4 convert at attempt 1, 4 are given up after 1,
    2 convert at attempt 2, 2 at attempt 3, 10 reach attempt 3 unconverted; 13 leads reached
    late or never, unconverted. ``S(1) = 18/22``, ``S(3) = 45/77``: extra =
    4 × (1 − S(3)/S(1)) + 13 × (1 − S(3)) = 8/7 + 416/77 = 72/11 ≈ 6.5 conversions.
    """
    if first_touch_hours is None or not _f(first_touch_hours) or not first_touch_hours > 0 \
            or int(attempts) < 1:
        return _blank(first_touch_hours, attempts,
                      ["Targets must be more than 0 hours and at least 1 attempt."])
    grid = sla_grid(leads, hours=(float(first_touch_hours),), attempts=(int(attempts),),
                    bands=bands)
    if grid is None:
        return _blank(first_touch_hours, attempts,
                      ["No leads handed to sales with attempt counts: the SLA cannot be "
                       "sized."])
    return design_sla_from_results(grid, first_touch_hours=first_touch_hours,
                                   attempts=attempts, n_draws=n_draws, min_meet=min_meet,
                                   seed=seed)


def _km_draws(at_risk: np.ndarray, events: np.ndarray, rng, n_draws: int) -> np.ndarray:
    """Survival ``S(t)``, t = 0..len, per posterior draw (row 0 = the point estimate)."""
    n, d = at_risk.astype(float), events.astype(float)
    ok = n > 0
    point = np.where(ok, d / np.where(ok, n, 1.0), 0.0)
    draws = np.zeros((int(n_draws), len(n)))
    if ok.any():
        draws[:, ok] = rng.beta(d[ok] + 0.5, n[ok] - d[ok] + 0.5, size=(int(n_draws), int(ok.sum())))
    haz = np.vstack([point, draws])
    s = np.cumprod(1.0 - haz, axis=1)
    return np.hstack([np.ones((len(haz), 1)), s])


def _estimate(res: dict, tables: list[dict], a: int, *, n_draws: int, min_meet: int,
              seed: int) -> dict:
    """Fill *res* with the Kaplan–Meier estimate (module docstring) from the band tables."""
    warnings = res["warnings"]
    rng = np.random.default_rng(seed)
    rows, total = [], None
    for tb in tables:
        at_risk = np.asarray(tb["at_risk"][:a], dtype=float)
        events = np.asarray(tb["events"][:a], dtype=float)
        given_up = np.asarray(tb["given_up"][:a - 1], dtype=float)  # after t = 1..a-1
        late = float(tb["late_open"])
        reached = int(at_risk[a - 1]) if len(at_risk) >= a else 0
        row = {"band": tb["band"], "n_fast": int(tb["n_fast"]), "n_reached": reached,
               "worked": {"rate": None, "ci_low": None, "ci_high": None},
               "n_given_up": int(given_up.sum()), "n_late_open": int(late),
               "extra": None, "used": False}
        rows.append(row)
        if given_up.sum() + late == 0:
            row["extra"], row["used"] = 0.0, True  # every lead already meets the target
            continue
        if reached < min_meet:
            warnings.append(f"Band '{tb['band']}': only {reached} leads reached in time were "
                            f"worked to {a} attempts (fewer than {min_meet}); its "
                            f"{int(given_up.sum() + late)} other unconverted leads are left "
                            "out of the estimate.")
            continue
        s = _km_draws(at_risk, events, rng, n_draws)          # (1 + draws, a + 1)
        s_a = s[:, a]
        s_t = s[:, 1:a]                                      # S(1..a-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            cond = np.where(s_t > 0, 1.0 - s_a[:, None] / s_t, 0.0)
        extra = (cond * given_up[None, :]).sum(axis=1) + late * (1.0 - s_a)
        worked = 1.0 - s_a
        row["worked"] = {"rate": _f(worked[0]), "ci_low": _f(np.quantile(worked[1:], 0.025)),
                         "ci_high": _f(np.quantile(worked[1:], 0.975))}
        row["extra"], row["used"] = float(extra[0]), True
        total = extra if total is None else total + extra
    res["by_band"] = rows
    n, conv_total = res["n_leads"], res["current_conversions"]
    if total is None:
        if rows and all(r["used"] for r in rows):
            res.update(extra_conversions=0.0, ci_low=0.0, ci_high=0.0,
                       projected_conversions=float(conv_total),
                       projected_rate=float(conv_total) / n if n else None)
            warnings.append("Every lead already meets this target.")
        else:
            warnings.append("Too few leads were worked to this target to estimate its "
                            "effect.")
        return res
    lo, hi = np.quantile(total[1:], [0.025, 0.975])
    extra = float(total[0])
    if res["meets_share"] is not None and res["meets_share"] < 0.05:
        warnings.append(f"Only {res['meets_share']:.1%} of leads meet this target today: the "
                        "estimate extrapolates from few leads.")
    proj = float(conv_total) + extra
    res.update(extra_conversions=extra, ci_low=_f(lo), ci_high=_f(hi),
               projected_conversions=proj, projected_rate=proj / n if n else None)
    if lo <= 0 <= hi:
        warnings.append("The 95% interval includes zero: the data cannot tell whether this "
                        "target would help.")
    return res


# --- the SLA designer's evidence in results.json (one door, SPEC §6) -----------------------
#: First-touch targets (hours) and attempt targets the designer offers; the engagement's own
#: ``sla_first_touch_hours`` / ``well_worked_attempts`` are added when not in the list.
GRID_HOURS = (1.0, 2.0, 4.0, 8.0, 12.0, 24.0, 48.0, 72.0)
GRID_ATTEMPTS = tuple(range(1, 11))


def _key(hours: float, attempts: int) -> str:
    return f"{float(hours):g}h|{int(attempts)}"


def _band_tables(b: np.ndarray, fast: np.ndarray, att: np.ndarray, conv: np.ndarray,
                 horizon: int) -> list[dict]:
    """Per score band: the attempt-clock life table of the leads touched in time and the
    counts of unconverted leads given up on after each attempt or reached late."""
    t = np.nan_to_num(att, nan=0.0).astype("int64")
    capped = np.minimum(t, horizon + 1)
    out = []
    for band in [x for x in BAND_ORDER if x in set(b)]:
        inb = b == band
        on_clock = inb & fast & (t >= 1)
        n_t = np.bincount(capped[on_clock], minlength=horizon + 2)
        at_risk = n_t[::-1].cumsum()[::-1][1:horizon + 1]
        events = np.bincount(capped[on_clock & conv], minlength=horizon + 2)[1:horizon + 1]
        given_up = np.bincount(capped[on_clock & ~conv], minlength=horizon + 2)[1:horizon + 1]
        # touched in time without a recorded attempt cannot be placed on the clock: treated
        # like leads reached late (they start the clock again under the SLA)
        late_open = int((inb & ~conv & ~on_clock).sum())
        out.append({"band": band, "n_fast": int((inb & fast).sum()),
                    "at_risk": at_risk.astype(int).tolist(),
                    "events": events.astype(int).tolist(),
                    "given_up": given_up.astype(int).tolist(), "late_open": late_open})
    return out


def sla_grid(leads: pd.DataFrame | None, *, sla_hours: float | None = None,
             well_worked_attempts: int | None = None,
             hours: tuple = GRID_HOURS, attempts: tuple = GRID_ATTEMPTS,
             bands: pd.Series | None = None) -> dict | None:
    """Aggregate counts behind every SLA target the workshop offers (stored in results.json).

    For each first-touch target *h* and lead-score band: the attempt-clock life table of
    the leads touched within *h* hours (leads reaching and converting at each attempt), the
    unconverted leads given up on after each attempt, and the unconverted leads reached
    late or never (the inputs of the estimate, module docstring). For each target (*h*,
    *a*): the share meeting it today and its cost in work — the attempts the unconverted
    leads lack (``Σ max(0, a − attempts)``) and the leads not touched within *h* hours.
    Counts of leads only, never a person.

    Parameters
    ----------
    leads : pandas.DataFrame or None
        Lead frame over the leads handed to sales (as :func:`design_sla`).
    sla_hours, well_worked_attempts : float, int, optional
        The engagement's targets, added to the grid.
    hours, attempts : tuple
        The grid.
    bands : pandas.Series, optional
        Score band per lead (default: tertiles of ``score``).

    Returns
    -------
    dict or None
        ``hours`` and ``attempts`` (the grid), ``n_leads``, ``current_conversions``,
        ``score_bands`` (bool), ``warnings`` (from the data, target-independent),
        ``tables`` — ``{"<h>h": [{band, n_fast, at_risk, events, given_up, late_open}]}``
        (lists over attempts 1..max(attempts)) — and ``targets`` — ``{"<h>h|<a>":
        {meets_share, cost: {extra_attempts, leads_to_reach_sooner}}}``. ``None`` without
        leads or attempt counts.
    """
    if leads is None or len(leads) == 0 or not leads["attempts"].notna().any():
        return None
    hs = sorted({float(h) for h in hours} | ({float(sla_hours)} if sla_hours else set()))
    at = sorted({int(a) for a in attempts}
                | ({int(well_worked_attempts)} if well_worked_attempts else set()))
    f = leads
    conv = f["converted"].fillna(False).to_numpy(bool)
    if bands is None and "score" in f:
        bands = score_bands(f["score"])
    warnings: list[str] = []
    if bands is None:
        b = np.full(len(f), "all", dtype=object)
        warnings.append("No usable lead score: leads are compared across all scores, so "
                        "better-looking leads being reached faster is not adjusted for.")
    else:
        b = pd.Series(bands).astype(object).where(pd.Series(bands).notna(),
                                                    "no score").to_numpy()
    touched = f["touched"].fillna(False).to_numpy(bool)
    h2t = pd.to_numeric(f["hours_to_touch"], errors="coerce").to_numpy(float)
    att = pd.to_numeric(f["attempts"], errors="coerce").to_numpy(float)
    if touched.any() and not np.isfinite(h2t[touched]).any():
        warnings.append("First-touch times are unknown (attempt counts only): no lead can "
                        "be shown to meet a first-touch target.")
    horizon = max(at)
    a0 = np.nan_to_num(att, nan=0.0)
    tables, targets = {}, {}
    for h in hs:
        fast = touched & (np.nan_to_num(h2t, nan=np.inf) <= h)
        tables[f"{h:g}h"] = _band_tables(b, fast, att, conv, horizon)
        for a in at:
            meet = fast & ((a0 >= a) | conv)
            short = np.clip(a - a0, 0, None)
            targets[_key(h, a)] = {
                "meets_share": float(meet.mean()),
                "cost": {"extra_attempts": float(short[~meet & ~conv].sum()),
                         "leads_to_reach_sooner": int((~fast).sum())}}
    return {"hours": hs, "attempts": at, "n_leads": int(len(f)),
            "current_conversions": int(conv.sum()), "score_bands": bands is not None,
            "warnings": warnings, "tables": tables, "targets": targets, "method": METHOD,
            "caveat": CAVEAT}


def design_sla_from_results(grid: dict | None, *, first_touch_hours: float, attempts: int,
                            n_draws: int = N_DRAWS, min_meet: int = MIN_MEET,
                            seed: int = 0) -> dict:
    """The SLA designer's estimate from the counts in results.json (:func:`sla_grid`).

    Returns the dict described in :func:`design_sla`, with ``cost`` (``extra_attempts``,
    ``leads_to_reach_sooner``). A target off the grid, or results.json written before the
    attempt-clock method (no ``tables``), is refused with a warning (figures None).
    """
    warnings: list[str] = []
    res = _blank(first_touch_hours, attempts, warnings)
    if grid is None or "tables" not in grid:
        warnings.append("These results carry no lead-level counts for the SLA designer "
                        "(no leads or attempt counts, or results.json from an earlier "
                        "version of aligndx): the SLA cannot be sized.")
        return res
    cell = grid["targets"].get(_key(first_touch_hours, attempts))
    tables = grid["tables"].get(f"{float(first_touch_hours):g}h")
    if cell is None or tables is None:
        warnings.append("This target is not one of those prepared in results.json.")
        return res
    warnings += grid.get("warnings", [])
    n, conv = grid["n_leads"], grid["current_conversions"]
    res.update(n_leads=n, meets_share=cell["meets_share"], current_conversions=conv,
               current_rate=conv / n if n else None, score_bands=grid["score_bands"],
               cost=dict(cell["cost"]))
    return _estimate(res, tables, int(attempts), n_draws=n_draws, min_meet=min_meet,
                     seed=seed)


def handed_lead_frame(data) -> pd.DataFrame | None:
    """Cohort leads handed to sales with derived touches (the population of the speed,
    persistence and dose–response measures), built by :mod:`toolkit.crm.derive` exactly as
    ``measure_crm`` does; None without a leads table.

    Parameters
    ----------
    data : toolkit.intake.EngagementData
    """
    leads = data.leads
    if leads is None:
        return None
    from ..crm.derive import as_datetime, extract_date_of, lead_frame, select_cohort

    eng = data.engagement
    crm, c = eng.crm, eng.client
    ext = crm.extract_date if crm is not None else None
    if ext is None:
        ext = extract_date_of(leads, data.opportunities, data.activities)
    ext = None if ext is None else pd.Timestamp(as_datetime(ext))
    cohort, _ = select_cohort(leads, c.period_start, c.period_end)
    f, _ = lead_frame(cohort, data.opportunities, data.activities, extract_date=ext,
                      marketing_sources=tuple(crm.marketing_sources) if crm else ())
    return f.loc[f["handed"].to_numpy(bool)]


def workshop_section(data) -> dict:
    """What the workshop needs beyond the report's figures, for ``results["workshop"]``.

    Returns
    -------
    dict
        ``sla``: :func:`sla_grid` over the handed leads (None without leads/attempts).
    """
    s = data.engagement.analysis
    return {"sla": sla_grid(handed_lead_frame(data), sla_hours=s.sla_first_touch_hours,
                            well_worked_attempts=s.well_worked_attempts)}


def sla_value(results: dict, estimate: dict) -> dict | None:
    """What the extra SQLs of an SLA estimate may be worth, from results.json figures only.

    extra won deals = extra SQLs × the period's SQL → won rate (``crm.funnel.counts``: won ÷
    SQL, the cumulative funnel); revenue = extra won deals × the average known won amount
    (``incentives.split.deals``: won revenue ÷ won deals with an amount). The interval
    scales the estimate's 95 % interval by the same two figures (their own uncertainty is
    not added). Deals still open at the extract date make the rate an underestimate.

    Returns
    -------
    dict or None
        ``sql_to_won``, ``avg_won_amount`` (None without amounts), ``extra_won``,
        ``extra_won_low``, ``extra_won_high``, ``revenue``, ``revenue_low``,
        ``revenue_high`` (None without amounts); None when the estimate or the funnel is
        missing.
    """
    if estimate.get("extra_conversions") is None:
        return None
    counts = (((results.get("crm") or {}).get("funnel") or {}).get("counts") or {})
    sql, won = counts.get("sql"), counts.get("won")
    if not sql or won is None:
        return None
    rate = float(won) / float(sql)
    deals = ((results.get("incentives") or {}).get("split") or {}).get("deals") or {}
    known, revenue = deals.get("won_amount_known"), deals.get("won_revenue")
    avg = float(revenue) / known if known and revenue is not None else None
    lo, hi = estimate.get("ci_low"), estimate.get("ci_high")
    out = {"sql_to_won": rate, "avg_won_amount": avg,
           "extra_won": estimate["extra_conversions"] * rate,
           "extra_won_low": None if lo is None else lo * rate,
           "extra_won_high": None if hi is None else hi * rate,
           "revenue": None, "revenue_low": None, "revenue_high": None}
    if avg is not None:
        out.update(revenue=out["extra_won"] * avg,
                   revenue_low=None if lo is None else lo * rate * avg,
                   revenue_high=None if hi is None else hi * rate * avg)
    return out
