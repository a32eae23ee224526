"""SLA designer: what would a first-touch and attempts target be worth, on the client's data?

Method (direct standardization within lead-score bands)
-------------------------------------------------------
A lead *meets* the target when it was touched within ``first_touch_hours`` of its clock
start and received at least ``attempts`` attempts (the same rule as a well-worked lead,
:func:`toolkit.crm.quality.well_worked_mask`). Conversion = reached SQL or later
(:mod:`toolkit.crm.derive`). Within each lead-score band *b* (score tertiles,
:func:`toolkit.crm.dose.score_bands`; one band "all" without a usable score)::

    extra_b = n_miss_b × (p_meet_b − p_miss_b)

where ``n_miss_b`` is the number of leads missing the target and ``p_meet_b``, ``p_miss_b``
are the conversion rates of the leads meeting / missing it in that band. The estimate is the
sum over bands — the extra conversions had the leads that missed the target converted like
comparable leads that met it, over the analysis period. Bands where either group is empty or
the meeting group has fewer than ``min_meet`` leads are left out (and named in the warnings).

Uncertainty: ``p_meet_b`` and ``p_miss_b`` are drawn from their Jeffreys posteriors,
Beta(k + ½, n − k + ½) (the Jeffreys interval of Brown, Cai & DasGupta, *Statistical
Science* 2001), independently per band; the 2.5 % and 97.5 % quantiles of the resulting sums
form the 95 % interval. Each band's rates also carry a Wilson 95 % interval
(:func:`toolkit.crm.funnel.wilson`).

This is **associational, not causal**: leads that were worked fast and hard may differ in
ways the score does not capture (reps work better-looking leads harder; a lead that converts
early stops collecting attempts). Comparing within score bands removes the part of that bias
the score explains, not all of it. Read the figure as "what the client's own data suggests",
to be confirmed by a trial of the SLA.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import method as _method
from ..crm.dose import score_bands
from ..crm.funnel import wilson
from ..crm.quality import well_worked_mask

N_DRAWS = 4000
BAND_ORDER = ("low", "mid", "high", "all", "no score")
#: Leads meeting the target needed in a band for its rate to be used (toolkit.method).
MIN_MEET = int(_method.value("sla_designer_min_meet"))
METHOD = ("Direct standardization within lead-score bands: extra = Σ n_miss × (p_meet − "
          "p_miss); 95% interval from Jeffreys Beta posterior draws of the band rates.")
CAVEAT = ("Associational, not causal: leads worked fast and hard may differ in ways the "
          "lead score does not capture. Confirm with a trial of the SLA.")


def _f(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def design_sla(leads: pd.DataFrame | None, *, first_touch_hours: float, attempts: int,
               bands: pd.Series | None = None, n_draws: int = N_DRAWS,
               min_meet: int = MIN_MEET, seed: int = 0) -> dict:
    """Estimate the extra conversions a first-touch / attempts target suggests.

    Parameters
    ----------
    leads : pandas.DataFrame or None
        Lead frame of :func:`toolkit.crm.derive.lead_frame` over the leads handed to sales
        (columns ``touched``, ``hours_to_touch``, ``attempts``, ``converted``, ``score``).
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
        Leads meeting the target needed in a band for it to count.
    seed : int
        Random seed (results are reproducible).

    Returns
    -------
    dict
        JSON-safe: ``targets`` (``first_touch_hours``, ``attempts``), ``n_leads``,
        ``meets_share`` (0..1, leads meeting the target now), ``current_conversions``,
        ``current_rate``, ``extra_conversions`` with ``ci_low`` / ``ci_high`` (95 %),
        ``projected_conversions``, ``projected_rate``, ``score_bands`` (bool), ``by_band``
        (list of ``{band, n_meet, n_miss, meet (Wilson dict), miss (Wilson dict), extra,
        used}``), ``method``, ``caveat`` and ``warnings``. Figures are None when nothing can
        be estimated (no leads, no attempt counts, no band with both groups).

    Examples
    --------
    One band, 10 leads meeting the target with 6 conversions (60 %), 20 missing it with 4
    (20 %): extra = 20 × (0.6 − 0.2) = 8 conversions; 10 now, 18 projected.
    """
    warnings: list[str] = []
    res = {"targets": {"first_touch_hours": _f(first_touch_hours), "attempts": int(attempts)},
           "n_leads": 0, "meets_share": None, "current_conversions": None,
           "current_rate": None, "extra_conversions": None, "ci_low": None, "ci_high": None,
           "projected_conversions": None, "projected_rate": None, "score_bands": False,
           "by_band": [], "method": METHOD, "caveat": CAVEAT, "warnings": warnings}
    if first_touch_hours is None or not first_touch_hours > 0 or int(attempts) < 1:
        warnings.append("Targets must be more than 0 hours and at least 1 attempt.")
        return res
    if leads is None or len(leads) == 0:
        warnings.append("No leads handed to sales: the SLA cannot be sized.")
        return res
    if not leads["attempts"].notna().any():
        warnings.append("No attempt counts (no attempts column and no activities): the SLA "
                        "cannot be sized.")
        return res
    f = leads
    meet = well_worked_mask(f, sla_hours=float(first_touch_hours),
                            well_worked_attempts=int(attempts)).to_numpy(bool)
    conv = f["converted"].fillna(False).to_numpy(bool)
    if bands is None:
        bands = score_bands(f["score"])
    if bands is None:
        b = np.full(len(f), "all", dtype=object)
        warnings.append("No usable lead score: leads are compared across all scores, so "
                        "better-looking leads being worked harder is not adjusted for.")
    else:
        res["score_bands"] = True
        b = bands.astype(object).where(bands.notna(), "no score").to_numpy()
    n = len(f)
    if f["touched"].any() and not f.loc[f["touched"].to_numpy(bool), "hours_to_touch"
                                         ].notna().any():
        warnings.append("First-touch times are unknown (attempt counts only): no lead can "
                        "be shown to meet a first-touch target.")
    res.update(n_leads=int(n), meets_share=float(meet.mean()),
               current_conversions=int(conv.sum()), current_rate=float(conv.mean()))
    res["by_band"] = _band_counts(b, meet, conv)
    return _estimate(res, n_draws=n_draws, min_meet=min_meet, seed=seed)


def _band_counts(b: np.ndarray, meet: np.ndarray, conv: np.ndarray) -> list[dict]:
    """Per score band: leads meeting / missing the target and their conversions."""
    d = pd.DataFrame({"b": b, "m": meet, "c": conv})
    g = d.groupby(["b", "m"])["c"].agg(["sum", "size"])
    order = [x for x in BAND_ORDER if x in set(b)]
    rows = []
    for band in order:
        km, nm = (int(g.loc[(band, True)][c]) if (band, True) in g.index else 0
                  for c in ("sum", "size"))
        kx, nx = (int(g.loc[(band, False)][c]) if (band, False) in g.index else 0
                  for c in ("sum", "size"))
        rows.append({"band": band, "k_meet": km, "n_meet": nm, "k_miss": kx, "n_miss": nx})
    return rows


def _estimate(res: dict, *, n_draws: int = N_DRAWS, min_meet: int = MIN_MEET,
              seed: int = 0) -> dict:
    """Fill *res* (``n_leads``, ``current_conversions``, ``by_band`` counts) with the
    direct-standardization estimate and its Jeffreys interval (module docstring)."""
    warnings = res["warnings"]
    n, conv_total = res["n_leads"], res["current_conversions"]
    rows, used = [], []
    for c in res["by_band"]:
        band, km, nm, kx, nx = c["band"], c["k_meet"], c["n_meet"], c["k_miss"], c["n_miss"]
        row = {"band": band, "n_meet": nm, "n_miss": nx, "meet": wilson(km, nm),
               "miss": wilson(kx, nx), "extra": None, "used": False}
        if nx == 0:
            pass  # every lead of the band already meets the target: nothing to gain
        elif nm < min_meet:
            warnings.append(f"Band '{band}': only {nm} leads meet the target (fewer than "
                            f"{min_meet}); its {nx} other leads are left out of the estimate.")
        else:
            row["extra"] = float(nx * (km / nm - kx / nx))
            row["used"] = True
            used.append((km, nm, kx, nx))
        rows.append(row)
    res["by_band"] = rows
    if not used:
        if all(r["n_miss"] == 0 for r in rows):
            res.update(extra_conversions=0.0, ci_low=0.0, ci_high=0.0,
                       projected_conversions=float(conv_total),
                       projected_rate=float(conv_total) / n if n else None)
            warnings.append("Every lead already meets this target.")
        else:
            warnings.append("Too few leads meet this target to estimate its effect.")
        return res
    arr = np.array(used, dtype=float)
    km, nm, kx, nx = arr.T
    extra = float(sum(r["extra"] for r in rows if r["used"]))
    rng = np.random.default_rng(seed)
    p1 = rng.beta(km + 0.5, nm - km + 0.5, size=(int(n_draws), len(arr)))
    p0 = rng.beta(kx + 0.5, nx - kx + 0.5, size=(int(n_draws), len(arr)))
    draws = ((p1 - p0) * nx).sum(axis=1)
    lo, hi = np.quantile(draws, [0.025, 0.975])
    if res["meets_share"] is not None and res["meets_share"] < 0.05:
        warnings.append(f"Only {res['meets_share']:.1%} of leads meet this target today: the "
                        "estimate extrapolates from few leads.")
    proj = float(conv_total) + extra
    res.update(extra_conversions=extra, ci_low=_f(lo), ci_high=_f(hi),
               projected_conversions=proj, projected_rate=proj / n)
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


def sla_grid(leads: pd.DataFrame | None, *, sla_hours: float | None = None,
             well_worked_attempts: int | None = None,
             hours: tuple = GRID_HOURS, attempts: tuple = GRID_ATTEMPTS) -> dict | None:
    """Aggregate counts behind every SLA target the workshop offers (stored in results.json).

    For each target (first touch within *h* hours, at least *a* attempts) and each
    lead-score band: leads meeting / missing it and how many of each converted (the inputs
    of the estimate, module docstring), plus its cost in work — the attempts the missing
    leads lack (``Σ max(0, a − attempts)``) and the leads that would have to be reached
    sooner (not touched within *h* hours). Counts of leads only, never a person.

    Parameters
    ----------
    leads : pandas.DataFrame or None
        Lead frame over the leads handed to sales (as :func:`design_sla`).
    sla_hours, well_worked_attempts : float, int, optional
        The engagement's targets, added to the grid.
    hours, attempts : tuple
        The grid.

    Returns
    -------
    dict or None
        ``hours`` and ``attempts`` (the grid), ``n_leads``, ``current_conversions``,
        ``score_bands`` (bool), ``warnings`` (from the data, target-independent) and
        ``targets`` — ``{"<h>h|<a>": {meets_share, by_band: [{band, k_meet, n_meet,
        k_miss, n_miss}], cost: {extra_attempts, leads_to_reach_sooner}}}``. ``None``
        without leads or attempt counts.
    """
    if leads is None or len(leads) == 0 or not leads["attempts"].notna().any():
        return None
    hs = sorted({float(h) for h in hours} | ({float(sla_hours)} if sla_hours else set()))
    at = sorted({int(a) for a in attempts}
                | ({int(well_worked_attempts)} if well_worked_attempts else set()))
    f = leads
    conv = f["converted"].fillna(False).to_numpy(bool)
    bands = score_bands(f["score"]) if "score" in f else None
    warnings: list[str] = []
    if bands is None:
        b = np.full(len(f), "all", dtype=object)
        warnings.append("No usable lead score: leads are compared across all scores, so "
                        "better-looking leads being worked harder is not adjusted for.")
    else:
        b = bands.astype(object).where(bands.notna(), "no score").to_numpy()
    touched = f["touched"].fillna(False).to_numpy(bool)
    h2t = pd.to_numeric(f["hours_to_touch"], errors="coerce").to_numpy(float)
    att = pd.to_numeric(f["attempts"], errors="coerce").to_numpy(float)
    if touched.any() and not np.isfinite(h2t[touched]).any():
        warnings.append("First-touch times are unknown (attempt counts only): no lead can "
                        "be shown to meet a first-touch target.")
    targets = {}
    for h in hs:
        fast = touched & (np.nan_to_num(h2t, nan=np.inf) <= h)
        for a in at:
            meet = fast & (np.nan_to_num(att, nan=-1) >= a)
            miss = ~meet
            short = np.clip(a - np.nan_to_num(att, nan=0.0), 0, None)
            targets[_key(h, a)] = {
                "meets_share": float(meet.mean()),
                "by_band": _band_counts(b, meet, conv),
                "cost": {"extra_attempts": float(short[miss & np.isfinite(att)].sum()),
                         "leads_to_reach_sooner": int((miss & ~fast).sum())}}
    return {"hours": hs, "attempts": at, "n_leads": int(len(f)),
            "current_conversions": int(conv.sum()), "score_bands": bands is not None,
            "warnings": warnings, "targets": targets, "method": METHOD, "caveat": CAVEAT}


def design_sla_from_results(grid: dict | None, *, first_touch_hours: float, attempts: int,
                            n_draws: int = N_DRAWS, min_meet: int = MIN_MEET,
                            seed: int = 0) -> dict:
    """The SLA designer's estimate from the counts in results.json (:func:`sla_grid`).

    Same result as :func:`design_sla` on the leads (same counts, same draws), plus
    ``cost`` (``extra_attempts``, ``leads_to_reach_sooner``). A target off the grid is
    refused with a warning (figures None).
    """
    warnings: list[str] = []
    res = {"targets": {"first_touch_hours": _f(first_touch_hours), "attempts": int(attempts)},
           "n_leads": 0, "meets_share": None, "current_conversions": None,
           "current_rate": None, "extra_conversions": None, "ci_low": None, "ci_high": None,
           "projected_conversions": None, "projected_rate": None, "score_bands": False,
           "by_band": [], "cost": None, "method": METHOD, "caveat": CAVEAT,
           "warnings": warnings}
    if grid is None:
        warnings.append("These results carry no lead-level counts for the SLA designer "
                        "(no leads or attempt counts, or results.json from an earlier "
                        "version of aligndx): the SLA cannot be sized.")
        return res
    cell = grid["targets"].get(_key(first_touch_hours, attempts))
    if cell is None:
        warnings.append("This target is not one of those prepared in results.json.")
        return res
    warnings += grid.get("warnings", [])
    n, conv = grid["n_leads"], grid["current_conversions"]
    res.update(n_leads=n, meets_share=cell["meets_share"], current_conversions=conv,
               current_rate=conv / n if n else None, score_bands=grid["score_bands"],
               by_band=[dict(r) for r in cell["by_band"]], cost=dict(cell["cost"]))
    return _estimate(res, n_draws=n_draws, min_meet=min_meet, seed=seed)


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
