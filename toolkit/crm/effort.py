"""Effort and conversion on the attempt clock, free of survivorship bias (SPEC §4.2).

Why a clock
-----------
Attempts are counted up to conversion: a lead that converts stops being called. A raw
"conversion by number of attempts" table, or a regression of conversion on the attempt
count, therefore shows more effort converting *worse* — leads with many attempts are the
ones that had not converted yet (survivorship bias; the outcome determines the exposure).
Here attempts are the *time axis* instead, as in a discrete-time survival analysis:

* a lead's **conversion attempt** is its attempt count when it converted (reached SQL or
  later, :mod:`toolkit.crm.derive`); a lead that did not convert is **censored** at its last
  attempt (abandoned or still being worked);
* the **hazard** at attempt *k* = leads converting at attempt *k* ÷ leads that reached
  attempt *k* (Wilson 95% interval);
* the **Kaplan–Meier conversion by attempt W** (``well_worked_attempts``) =
  ``1 − Π_{k ≤ W} (1 − hazard_k)``, with a Greenwood 95% interval on the log(−log) scale
  (Kalbfleisch & Prentice 2002, the default of ``scipy.stats.ecdf``) — "a lead worked to W
  attempts converts at x %", estimated from every lead, including the ones sales gave up on;
* **more effort pays** when the pooled hazard after attempt 3 (conversions at attempts
  4..W ÷ lead-attempts 4..W) is clearly above zero; the share of conversions that came after
  attempt 3 is reported beside it. Both are also given within lead-score bands, because reps
  work better-looking leads harder (reverse causality).

Converted leads with no recorded attempt cannot be placed on the clock; they are counted
(``converted_without_touch``) and left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import method
from .funnel import wilson

#: Attempts up to and including this number are "early"; later conversions need persistence.
EARLY_ATTEMPTS = int(method.value("effort_early_attempts"))
#: Two-sided normal quantile of the 95% intervals.
Z95 = float(stats.norm.ppf(0.975))


def on_clock(f: pd.DataFrame) -> np.ndarray:
    """Which rows of the lead frame *f* can be placed on the attempt clock (at least one
    known attempt): the rows :func:`clock` keeps, as a boolean array."""
    return (f["attempts"].astype("float64") >= 1).fillna(False).to_numpy(bool)


def clock(f: pd.DataFrame, columns=None) -> pd.DataFrame:
    """The leads that can be placed on the attempt clock.

    Parameters
    ----------
    f : DataFrame
        Lead frame (``attempts`` float, NaN unknown; ``converted`` bool).
    columns : sequence of str, optional
        The columns of *f* the caller reads from the result (default: all). On a million
        leads, leaving out the text columns (ids, sources) saves copying them.

    Returns
    -------
    DataFrame
        Rows of *f* with at least one known attempt (:func:`on_clock`): ``t`` (int,
        conversion or censoring attempt) and ``event`` (bool, converted), plus the columns
        of *f* (those in *columns*).
    """
    ok = on_clock(f)
    out = (f if columns is None else f[list(columns)]).loc[ok].copy()
    out["t"] = f["attempts"].to_numpy(dtype="float64")[ok].astype("int64")
    out["event"] = f["converted"].astype(bool).to_numpy()[ok]
    return out


def life_table(t: np.ndarray, event: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Leads at risk and conversions at attempts ``1..horizon``.

    Returns
    -------
    (ndarray, ndarray)
        ``at_risk[k-1]`` = leads with ``t >= k``; ``events[k-1]`` = converted leads with
        ``t == k``; both of shape ``(horizon,)``, int64.
    """
    t = np.asarray(t, dtype="int64")
    ev = np.asarray(event, dtype=bool)
    capped = np.minimum(t, horizon + 1)
    n_t = np.bincount(capped, minlength=horizon + 2)
    at_risk = n_t[::-1].cumsum()[::-1][1:horizon + 1]
    d = np.bincount(capped[ev], minlength=horizon + 2)[1:horizon + 1]
    return at_risk.astype("int64"), d.astype("int64")


def km_conversion(t, event, horizon: int) -> dict:
    """Kaplan–Meier conversion by attempt *horizon* with its 95% interval.

    Parameters
    ----------
    t : array-like of int
        Conversion attempt (event) or last attempt (censored), ``>= 1``.
    event : array-like of bool
        Converted.
    horizon : int
        Attempt at which conversion is read (``well_worked_attempts``).

    Returns
    -------
    dict
        ``{rate, ci_low, ci_high, n, k, n_reached}``: *n* leads on the clock, *k* conversions
        at attempts ``<= horizon``, ``n_reached`` leads that reached attempt *horizon*. The
        interval is Greenwood's on the log(−log) scale of the survival; with no conversion it
        is the Wilson interval of 0 of ``n_reached`` (Greenwood's variance is then 0).
        ``rate`` is ``None`` (with ``reason``) when no lead reached attempt *horizon* (the
        curve is not estimable there) and no lead is left.
    """
    t = np.asarray(t, dtype="int64")
    ev = np.asarray(event, dtype=bool)
    n = int(t.size)
    res = {"rate": None, "ci_low": None, "ci_high": None, "n": n, "k": 0, "n_reached": 0}
    if n == 0:
        res["reason"] = "no leads"
        return res
    at_risk, d = life_table(t, ev, horizon)
    res["k"] = int(d.sum())
    res["n_reached"] = int(at_risk[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(at_risk > 0, d / at_risk, 0.0)
    surv = float(np.prod(1.0 - q))
    if at_risk[-1] == 0 and surv > 0:
        res["reason"] = f"no lead was worked to attempt {horizon}"
        return res
    rate = 1.0 - surv
    if res["k"] == 0:
        w = wilson(0, max(res["n_reached"], 1))
        lo, hi = 0.0, w["ci_high"]
    elif surv <= 0.0:
        lo, hi = wilson(res["k"], n)["ci_low"], 1.0
    else:
        m = (at_risk > 0) & (at_risk > d)
        gw = float(np.sum(d[m] / (at_risk[m] * (at_risk[m] - d[m]).astype(float))))
        ls = np.log(surv)
        se = np.sqrt(gw) / abs(ls)
        # survival bounds on the log(-log) scale (scipy.stats.ecdf's "log-log" method)
        s_lo = surv ** np.exp(Z95 * se)
        s_hi = surv ** np.exp(-Z95 * se)
        lo, hi = 1.0 - s_hi, 1.0 - s_lo
    res["rate"] = float(rate)
    res["ci_low"] = float(min(max(lo, 0.0), rate))
    res["ci_high"] = float(max(min(hi, 1.0), rate))
    return res


def hazard_by_attempt(t, event, horizon: int) -> list[dict]:
    """Per-attempt conversion hazard ``{attempt, rate, ci_low, ci_high, n}`` for 1..horizon.

    ``n`` = leads that reached the attempt; ``k`` = those converting at it (Wilson interval).
    """
    at_risk, d = life_table(np.asarray(t), np.asarray(event), horizon)
    out = []
    for k in range(1, horizon + 1):
        w = wilson(int(d[k - 1]), int(at_risk[k - 1]))
        out.append({"attempt": k, "rate": w["rate"], "ci_low": w["ci_low"],
                    "ci_high": w["ci_high"], "n": w["n"], "k": w["k"]})
    return out


def hazard_after(t, event, horizon: int, after: int = EARLY_ATTEMPTS) -> dict:
    """Pooled hazard at attempts ``after+1 .. horizon``: conversions there ÷ lead-attempts
    there (Wilson interval on lead-attempts; ``n`` = lead-attempts, ``leads`` = leads that
    reached attempt ``after+1``)."""
    at_risk, d = life_table(np.asarray(t), np.asarray(event), horizon)
    w = wilson(int(d[after:].sum()), int(at_risk[after:].sum()))
    w["leads"] = int(at_risk[after]) if horizon > after else 0
    return w


def after_share(t, event, after: int = EARLY_ATTEMPTS) -> dict:
    """Share of conversions that came after attempt *after* (Wilson interval; ``n`` =
    conversions on the clock)."""
    t = np.asarray(t, dtype="int64")
    ev = np.asarray(event, dtype=bool)
    return wilson(int((ev & (t > after)).sum()), int(ev.sum()))


def persistence_reading(h3: dict | None, by_band: dict | None = None) -> dict:
    """What the conversion rate after the 3rd attempt means, for titles and takeaways.

    ``pays`` only when the rate is clearly above zero (its 95% lower bound at or above
    ``effort_hazard_floor``) **and** material (the rate at or above
    ``effort_hazard_material``, :data:`toolkit.method.THRESHOLDS`); ``does_not_pay`` when
    the whole interval lies below the floor; ``adds_little`` when the rate is below the
    material threshold otherwise; ``unclear`` when a material rate is too imprecise to call;
    ``unknown`` without a rate.

    Returns
    -------
    dict
        ``conclusion``, ``rate``, ``clearly_above_zero``, ``material``, ``floor``,
        ``material_threshold`` and ``lowest_band`` (``{band, rate}`` of the score band with
        the lowest rate, or ``None``).
    """
    from .. import method
    floor, mat = method.value("effort_hazard_floor"), method.value("effort_hazard_material")
    h3 = h3 or {}
    rates = [(b, (v.get("hazard_after_attempt_3") or {}).get("rate"))
             for b, v in (by_band or {}).items() if isinstance(v, dict)]
    rates = [(b, r) for b, r in rates if r is not None]
    low = min(rates, key=lambda t: t[1]) if rates else None
    out = {"conclusion": "unknown", "rate": h3.get("rate"), "clearly_above_zero": None,
           "material": None, "floor": floor, "material_threshold": mat,
           "lowest_band": {"band": low[0], "rate": float(low[1])} if low else None}
    if h3.get("rate") is None or h3.get("ci_low") is None:
        return out
    clearly = h3["ci_low"] >= floor
    material = h3["rate"] >= mat
    out.update(clearly_above_zero=bool(clearly), material=bool(material))
    if clearly and material:
        out["conclusion"] = "pays"
    elif h3["ci_high"] < floor:
        out["conclusion"] = "does_not_pay"
    elif not material:
        out["conclusion"] = "adds_little"
    else:
        out["conclusion"] = "unclear"
    return out


def _bands(f: pd.DataFrame) -> pd.Series | None:
    from .dose import score_bands
    return score_bands(f["score"])


def effort(f: pd.DataFrame, *, well_worked_attempts: int, bands: pd.Series | None = None
           ) -> dict:
    """The ``crm.effort`` section: hazard by attempt and "does persistence pay".

    Parameters
    ----------
    f : DataFrame
        Lead frame over the leads handed to sales.
    well_worked_attempts : int
        Horizon *W* of the clock.
    bands : Series, optional
        Lead-score band per lead (default: score tertiles, :func:`toolkit.crm.dose.score_bands`).

    Returns
    -------
    dict
        ``hazard_by_attempt`` (list of ``{attempt, rate, ci_low, ci_high, n, k}``),
        ``after_attempt_3_share`` (``{rate, ci_low, ci_high, n, k}``: conversions after
        attempt 3 ÷ conversions), ``hazard_after_attempt_3`` (pooled hazard of attempts
        4..W), ``by_group`` (``marketing`` / ``other``: the same two figures),
        ``by_band`` (``low``/``mid``/``high``: the same two figures), ``n`` (leads on the
        clock), ``converted_without_touch``, ``persistence`` (:func:`persistence_reading` of
        the pooled rate), ``definition``, ``bias_note`` and ``warnings``.
    """
    W = int(well_worked_attempts)
    warnings: list[str] = []
    res = {"definition": ("attempt clock: hazard at attempt k = leads converting (reaching "
                          "SQL or later) at attempt k ÷ leads that reached attempt k; leads "
                          "not converted are censored at their last attempt"),
           "bias_note": ("Attempts stop when a lead converts, so counting conversions by "
                         "number of attempts makes more effort look worse (survivorship); "
                         "the attempt clock avoids it."),
           "well_worked_attempts": W, "n": 0, "converted_without_touch": 0,
           "hazard_by_attempt": [], "after_attempt_3_share": wilson(0, 0),
           "hazard_after_attempt_3": {**wilson(0, 0), "leads": 0},
           "by_group": {}, "by_band": {}, "persistence": persistence_reading(None),
           "warnings": warnings}
    if f["attempts"].isna().all():
        warnings.append("No attempt counts: the attempt clock cannot be built.")
        return res
    res["converted_without_touch"] = int((f["converted"].astype(bool)
                                          & (f["attempts"].fillna(0) < 1)).sum())
    c = clock(f, columns=("marketing", "other"))
    res["n"] = int(len(c))
    if c.empty:
        warnings.append("No lead with a recorded attempt: the attempt clock cannot be built.")
        return res
    t, ev = c["t"].to_numpy(), c["event"].to_numpy()
    res["hazard_by_attempt"] = hazard_by_attempt(t, ev, W)
    res["after_attempt_3_share"] = after_share(t, ev)
    res["hazard_after_attempt_3"] = hazard_after(t, ev, W)
    for name in ("marketing", "other"):
        g = c.loc[c[name].to_numpy(bool)]
        if len(g):
            res["by_group"][name] = {
                "n": int(len(g)),
                "after_attempt_3_share": after_share(g["t"], g["event"]),
                "hazard_after_attempt_3": hazard_after(g["t"], g["event"], W)}
    bands = _bands(f) if bands is None else bands
    if bands is not None:
        b = bands.reindex(c.index)
        for band in ("low", "mid", "high"):
            m = (b == band).fillna(False).to_numpy(bool)
            if m.any():
                res["by_band"][band] = {
                    "n": int(m.sum()),
                    "after_attempt_3_share": after_share(t[m], ev[m]),
                    "hazard_after_attempt_3": hazard_after(t[m], ev[m], W)}
    else:
        warnings.append("No usable lead score: persistence is judged across all leads, so "
                        "reps working better-looking leads harder cannot be ruled out.")
    res["persistence"] = persistence_reading(res["hazard_after_attempt_3"], res["by_band"])
    if res["converted_without_touch"]:
        warnings.append(f"{res['converted_without_touch']} converted leads have no recorded "
                        "attempt and are left off the attempt clock.")
    return res


def worked_conversion(f: pd.DataFrame, *, sla_hours: float, well_worked_attempts: int,
                      bands: pd.Series | None = None) -> dict:
    """Kaplan–Meier conversion by attempt W among leads first touched within the SLA.

    Parameters
    ----------
    f : DataFrame
        Lead frame over the leads handed to sales.
    sla_hours : float
        First-touch SLA; only leads first touched within it enter ("given a fair chance").
    well_worked_attempts : int
        Horizon W.
    bands : Series, optional
        Score band per lead (default: score tertiles over *f*).

    Returns
    -------
    dict
        ``all``, ``marketing``, ``other`` (each :func:`km_conversion`), ``by_source``
        (``{source: km dict + marketing}``), ``by_band`` (``{band: {marketing, other}}``),
        ``population`` (definition) and ``n_population``.
    """
    W = int(well_worked_attempts)
    pop = (f["touched"].astype(bool) & (f["hours_to_touch"] <= sla_hours)).fillna(False)
    cols = ["source", "marketing", "other"]
    c = clock(f.loc[pop.to_numpy(bool), ["attempts", "converted", *cols]], columns=cols)
    res = {"population": (f"leads first touched within {sla_hours:g} h, followed to attempt "
                          f"{W}; leads given up on are censored at their last attempt"),
           "well_worked_attempts": W, "n_population": int(len(c)),
           "all": km_conversion(c["t"], c["event"], W)}
    for name in ("marketing", "other"):
        g = c.loc[c[name].to_numpy(bool)]
        res[name] = km_conversion(g["t"], g["event"], W)
    res["by_source"] = {}
    for src, g in c.groupby("source", sort=True):
        res["by_source"][str(src)] = {**km_conversion(g["t"], g["event"], W),
                                      "marketing": bool(g["marketing"].iloc[0])}
    res["by_band"] = {}
    bands = _bands(f) if bands is None else bands
    if bands is not None:
        b = bands.reindex(c.index)
        for band in ("low", "mid", "high"):
            m = (b == band).fillna(False).to_numpy(bool)
            if m.any():
                g = c.loc[m]
                res["by_band"][band] = {
                    name: km_conversion(g.loc[g[name].to_numpy(bool), "t"],
                                        g.loc[g[name].to_numpy(bool), "event"], W)
                    for name in ("marketing", "other")}
    return res
