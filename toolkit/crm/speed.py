"""Speed to first touch (SPEC §4.2): Kaplan–Meier with untouched leads censored.

Hours run from ``mql_at`` (else ``created_at``) to ``first_touch_at``. Leads never touched
are right-censored at the extract date, so the median is not biased towards the fast leads
(dropping untouched leads would understate the wait; counting them at the extract date would
invent touches). The Kaplan–Meier estimate is ``scipy.stats.ecdf`` on
``scipy.stats.CensoredData``. The median (p90) is the smallest observed time at which the
survival function — the share of leads still untouched — is at or below 0.5 (0.1); ``None``
when the curve never gets that low (more than half / 10% of leads never touched).

Benchmarks (SPEC §9): Oldroyd, McElheran & Elkington (HBR 2011, 2,241 firms) — 37% of firms
answered a web lead within an hour, 23% never, mean response 42 h.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
KM_POINTS = 120


def km_quantile(sf_times: np.ndarray, sf_probs: np.ndarray, level: float) -> float | None:
    """Smallest time with survival ``<= level`` (``None`` when never reached)."""
    hit = np.nonzero(sf_probs <= level + 1e-12)[0]
    return float(sf_times[hit[0]]) if hit.size else None


class Survival:
    """A Kaplan–Meier survival function: the step function of :func:`kaplan_meier`.

    Attributes
    ----------
    quantiles : ndarray
        The distinct times of the sample (events and censorings), increasing.
    probabilities : ndarray
        The survival at each of them (the share still untouched just after it).
    """

    def __init__(self, quantiles: np.ndarray, probabilities: np.ndarray):
        self.quantiles = quantiles
        self.probabilities = probabilities

    def evaluate(self, x) -> np.ndarray:
        """The survival at times *x*: 1 before the first time, then the value of the last
        time at or before each (continuous from the right, as
        ``scipy.stats.ecdf(...).sf.evaluate``)."""
        steps = np.concatenate(([1.0], np.asarray(self.probabilities, dtype=float)))
        return steps[np.searchsorted(self.quantiles, np.asarray(x, dtype=float),
                                     side="right")]


def kaplan_meier(touched_hours, censored_hours):
    """Kaplan–Meier survival function of time to first touch.

    The estimate of ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData`` — the same
    times and the same survival values, bit for bit (``tests/test_crm.py::
    test_kaplan_meier_from_counts_is_scipys``) — computed from the counts of events and
    censorings at each distinct time (two sorts of values, no sort of indices), which on
    a million leads is several times cheaper. Non-finite input goes to SciPy itself.

    Parameters
    ----------
    touched_hours : array-like of float
        Hours to first touch of touched leads (events), ``>= 0``.
    censored_hours : array-like of float
        Hours from clock start to the extract date of untouched leads (right-censored).

    Returns
    -------
    Survival or scipy.stats._survival.EmpiricalDistributionFunction or None
        The survival function (``.quantiles`` times, ``.probabilities`` survival,
        ``.evaluate(x)``), or ``None`` when there is no touched lead.
    """
    ev = np.asarray(touched_hours, dtype=float)
    ce = np.clip(np.asarray(censored_hours, dtype=float), 0.0, None)
    if ev.size == 0:
        return None
    if not (np.isfinite(ev).all() and np.isfinite(ce).all()):
        from scipy import stats

        return stats.ecdf(stats.CensoredData(uncensored=ev, right=ce)).sf
    t_ev, d_ev = np.unique(ev, return_counts=True)
    if ce.size == 0:  # SciPy's uncensored estimate: 1 - the share at or below each time
        return Survival(t_ev, 1 - np.cumsum(d_ev) / ev.size)
    t_ce, c_ce = np.unique(ce, return_counts=True)
    t = np.union1d(t_ev, t_ce)
    d = np.zeros(t.size, dtype=np.int64)   # events at each time
    d[np.searchsorted(t, t_ev)] = d_ev
    gone = d.copy()                         # events and censorings at each time
    gone[np.searchsorted(t, t_ce)] += c_ce
    # at risk: the sample less everything before the time
    n = ev.size + ce.size - np.concatenate(([0], np.cumsum(gone)[:-1]))
    return Survival(t, np.cumprod((n - d) / n))


def _curve(sf, sla: float) -> list[dict]:
    """Downsample the step function to at most ~KM_POINTS of its own jump times (+0, SLA)."""
    t = np.asarray(sf.quantiles, dtype=float)
    if t.size == 0:
        return []
    if t.size > KM_POINTS:
        t = t[np.unique(np.linspace(0, t.size - 1, KM_POINTS).round().astype(int))]
    hi = float(sf.quantiles.max())
    grid = np.unique(np.concatenate([[0.0], t, [sla] if sla <= hi else []]))
    surv = sf.evaluate(grid)
    return [{"hours": float(h), "survival": float(s)} for h, s in zip(grid, surv)]


#: Warning when the CRM carries no touch information at all.
NO_TOUCH_DATA = ("Speed to first touch not assessed: no activities or first-touch data (no "
                 "first_touch_at or attempts column in the leads table and no activities "
                 "file).")


def speed(f: pd.DataFrame, *, sla_hours: float, extract_date, min_n: int = 1,
          touch_data: bool = True) -> dict:
    """Speed-to-first-touch section over the leads handed to sales.

    Parameters
    ----------
    f : DataFrame
        Lead frame (``start_at``, ``touched``, ``hours_to_touch``, ``marketing``, ``handed``).
    sla_hours : float
        First-touch SLA (``sla_first_touch_hours``).
    extract_date : Timestamp or None
        Censoring date of untouched leads.
    touch_data : bool
        False when the CRM has neither first-touch times nor attempt counts (no
        ``first_touch_at``/``attempts`` columns and no activities): every lead would look
        untouched, so all figures are ``None`` (overall and by group) with a "not assessed"
        warning instead of a "100% never touched" artefact.

    Returns
    -------
    dict
        ``median_hours``, ``p90_hours`` (Kaplan–Meier), ``within_sla_share`` (touched within
        the SLA ÷ all leads of the population, untouched count as outside),
        ``untouched_share``, ``sla_hours``, ``n``, ``n_touched``, ``km_curve`` (list of
        ``{hours, survival}``), ``by_group`` (``marketing`` / ``other`` with the same
        figures without the curve) and ``warnings``.
    """
    out = _speed_one(f, sla_hours=sla_hours, extract_date=extract_date, curve=True,
                     touch_data=touch_data)
    groups = {}
    other = f["other"] if "other" in f.columns else ~f["marketing"]
    if f["marketing"].any() and other.any():
        # "other" = a known source that is not marketing's; an unknown source is neither
        # the three columns _speed_one reads: the ids and sources are not copied
        cols = ["touched", "hours_to_touch", "start_at"]
        for name, mask in (("marketing", f["marketing"]), ("other", other)):
            g = _speed_one(f.loc[mask.to_numpy(bool), cols], sla_hours=sla_hours, extract_date=extract_date,
                           curve=False, touch_data=touch_data)
            g.pop("warnings", None)
            groups[name] = g
    out["by_group"] = groups
    return out


def _speed_one(f: pd.DataFrame, *, sla_hours: float, extract_date, curve: bool,
               touch_data: bool = True) -> dict:
    warnings: list[str] = []
    n = int(len(f))
    res = {"sla_hours": float(sla_hours), "n": n, "n_touched": None, "median_hours": None,
           "p90_hours": None, "mean_hours_touched": None, "within_sla_share": None,
           "untouched_share": None, "within_1h_share": None, "median_reached": None}
    if curve:
        res["km_curve"] = []
    if n == 0:
        warnings.append("No leads handed to sales in the cohort: speed to first touch not "
                        "measured.")
        res["warnings"] = warnings
        return res
    if not touch_data:
        warnings.append(NO_TOUCH_DATA)
        res["warnings"] = warnings
        return res
    touched = f["touched"].to_numpy(dtype=bool)
    hours = f["hours_to_touch"].to_numpy(dtype=float)
    known = touched & np.isfinite(hours)
    res["n_touched"] = int(touched.sum())
    res["untouched_share"] = float((~touched).sum() / n)
    if not known.any():
        warnings.append("No first-touch times: time to first touch and SLA compliance "
                        "cannot be measured.")
        res["warnings"] = warnings
        return res
    res["within_sla_share"] = float((known & (hours <= sla_hours)).sum() / n)
    res["within_1h_share"] = float((known & (hours <= 1.0)).sum() / n)
    res["mean_hours_touched"] = float(hours[known].mean())
    cens = np.array([], dtype=float)
    if extract_date is not None and (~touched).any():
        ext = pd.Timestamp(extract_date)
        cens = ((ext - f.loc[~touched, "start_at"]).dt.total_seconds() / 3600.0).to_numpy(float)
        cens = cens[np.isfinite(cens)]
    elif (~touched).any():
        warnings.append("No extract date: untouched leads cannot be censored; the Kaplan–Meier "
                        "median covers touched leads only.")
    sf = kaplan_meier(hours[known], cens)
    res["median_hours"] = km_quantile(sf.quantiles, sf.probabilities, 0.5)
    res["p90_hours"] = km_quantile(sf.quantiles, sf.probabilities, 0.1)
    res["median_reached"] = res["median_hours"] is not None
    if res["median_hours"] is None:
        warnings.append("More than half of the leads were never touched: the median time to "
                        "first touch is not reached.")
    elif res["p90_hours"] is None:
        warnings.append("More than 10% of the leads were never touched: the 90th percentile "
                        "of time to first touch is not reached.")
    if curve:
        res["km_curve"] = _curve(sf, float(sla_hours))
    res["warnings"] = warnings
    return res
