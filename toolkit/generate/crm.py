"""Synthetic CRM leads with a planted funnel (SPEC §2.2).

Every step is vectorized over all leads (NumPy), so a million leads generate in seconds.
Times are handled as float hours since :data:`ORIGIN` and turned into ``datetime64[ns]`` at the
end; events after the extract date are dropped (the lead is simply still in progress).

The funnel of one lead:

1. ``created_at`` (weekday business hours), ``source``, latent quality ``q`` and
   ``score = clip(50 + 20 (0.8 q + 0.6 e))``.
2. Marketing-sourced leads become MQL (``mql_at``, a few hours later) unless they stay in
   nurture; sales-sourced leads (referral, outbound) have no ``mql_at`` — their clock starts at
   ``created_at``. Both are *handed over* to sales.
3. A handed-over lead is touched or not; touched leads get a first-touch delay (lognormal,
   solved so the planted within-SLA share and Kaplan–Meier median hold with untouched leads
   censored) and a number of attempts from the planted distribution.
   Some MQLs that sales works fast get their first attempt between creation and the MQL
   stamp (real work, response time 0 h).
4. Reaching SQL is a per-attempt process: at attempt k the lead converts with hazard
   ``logit h = c_g + b_q q − b_s ln(1 + first-touch hours) + b_A ln k``; a lead that converts
   gets no further lead touches (attempts stop at SQL), the others get the rep's planned
   attempts. ``c_g`` per source group (marketing / sales) is solved so the Kaplan–Meier
   conversion by attempt 6 of leads first touched within 24 h is the planted rate.
5. Touched leads not reaching SQL are rejected at the planted rate (low quality more often),
   with a reason (fit / not fit) at the planted shares; the others are accepted (SAL).
6. SQLs convert to an opportunity at :attr:`CrmProfile.sql_to_opportunity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .profiles import FIT_REASONS, MARKETING_SOURCES, NONFIT_REASONS, Profile

ORIGIN = np.datetime64("2024-10-01T00:00:00", "s")
PERIOD_START = np.datetime64("2025-01-01", "s")
PERIOD_END = np.datetime64("2025-12-31", "s")           # inclusive (whole day)
EXTRACT_DATE = np.datetime64("2026-01-15", "s")
SLA_HOURS = 24.0
WELL_WORKED_ATTEMPTS = 6
PRE_MQL_TOUCH_SHARE = 0.15  # fast-touched MQLs whose first attempt precedes the MQL stamp
PRE_PERIOD_SHARE = 0.03     # leads created Oct–Dec 2024 (outside the window)
POST_PERIOD_SHARE = 0.012   # leads created 1–10 Jan 2026 (outside the window)
NONFIT_WEIGHTS = (0.35, 0.30, 0.20, 0.15)
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 16, 15, 12, 14, 15, 14, 12, 9, 6, 4,
                         3, 2, 2, 1], dtype=float)


@dataclass(frozen=True)
class Calendar:
    """The dates of a generated CRM: the period leads are created in and the extract date.

    Attributes
    ----------
    start, end : numpy.datetime64
        First and last day (inclusive, whole day) of the period.
    extract : numpy.datetime64
        The data's extract date: every event after it is dropped.

    Leads are also created just outside the period (from :data:`ORIGIN` to the day before
    *start*, and in the ten days after *end*) to exercise the window filter.
    """

    start: np.datetime64 = PERIOD_START
    end: np.datetime64 = PERIOD_END
    extract: np.datetime64 = EXTRACT_DATE


#: The committed samples' calendar: 2025, extracted 2026-01-15.
CALENDAR = Calendar()


def hours_of(ts: np.datetime64) -> float:
    """Hours from :data:`ORIGIN` to *ts*."""
    return float((ts - ORIGIN) / np.timedelta64(1, "h"))


def to_datetime(hours: np.ndarray) -> np.ndarray:
    """Convert float hours since :data:`ORIGIN` (NaN = missing) to ``datetime64[ns]`` (NaT)."""
    miss = np.isnan(hours)
    secs = np.rint(np.where(miss, 0.0, hours) * 3600.0).astype("int64")
    out = (ORIGIN + secs.astype("timedelta64[s]")).astype("datetime64[ns]")
    out[miss] = np.datetime64("NaT")
    return out


def calibrate_intercept(eta: np.ndarray, target: float) -> float:
    """Return ``c`` with ``mean(expit(c + eta)) == target`` (logistic calibration).

    Parameters
    ----------
    eta : ndarray
        Linear predictor without intercept, shape (n,). Empty → ``logit(target)``.
    target : float
        Wanted mean probability, in (0, 1).
    """
    target = float(np.clip(target, 1e-4, 1 - 1e-4))
    if eta.size == 0:
        return float(special.logit(target))
    return float(optimize.brentq(lambda c: special.expit(c + eta).mean() - target, -40, 40))


def calibrate_hazard(eta: np.ndarray, shape: np.ndarray, target: float) -> float:
    """Return ``c`` so leads worked to ``len(shape)`` attempts convert at *target*.

    A lead with linear predictor ``eta_i`` converts at attempt k with hazard
    ``expit(c + eta_i + shape[k-1])``; its conversion by the last attempt is
    ``1 − Π_k (1 − h_ik)``. ``c`` solves ``mean_i(1 − Π_k (1 − h_ik)) == target``, the quantity
    the Kaplan–Meier estimate on the attempt clock recovers when giving up is independent of
    the lead (as here: the rep's planned attempts are drawn independently).
    """
    target = float(np.clip(target, 1e-4, 1 - 1e-4))
    e = eta if eta.size else np.zeros(1)

    def gap(c: float) -> float:
        h = special.expit(c + e[:, None] + shape[None, :])
        return float((1.0 - np.prod(1.0 - h, axis=1)).mean() - target)

    return float(optimize.brentq(gap, -40, 40))


def first_touch_lognormal(untouched: float, within_sla: float,
                          median_hours: float) -> tuple[float, float]:
    """Solve the lognormal ``(mu, sigma)`` of first-touch delays of touched leads.

    With a share *untouched* never touched (censored), the planted overall shares need
    ``F(24 h) = within_sla / (1 − untouched)`` and ``F(median) = 0.5 / (1 − untouched)`` for the
    touched leads' delay distribution ``F`` (the Kaplan–Meier median of all leads is where
    ``(1 − untouched) F(t) = 0.5``).
    """
    touched = 1.0 - untouched
    a = stats.norm.ppf(min(within_sla / touched, 0.999))
    b = stats.norm.ppf(min(0.5 / touched, 0.999))
    if abs(a - b) < 1e-6:
        sigma = 1.0
    else:
        sigma = (np.log(SLA_HOURS) - np.log(median_hours)) / (a - b)
    sigma = float(np.clip(sigma, 0.3, 3.0))
    mu = float(np.log(median_hours) - sigma * b)
    return mu, sigma


def _created_hours(rng: np.random.Generator, n_in: int, n_pre: int,
                   n_post: int, calendar: Calendar = CALENDAR) -> np.ndarray:
    """Creation times (hours since ORIGIN): weekdays favoured, business hours."""
    def draw(start: np.datetime64, end_incl: np.datetime64, size: int) -> np.ndarray:
        days = np.arange(start.astype("datetime64[D]"), end_incl.astype("datetime64[D]") + 1)
        weekday = (days.astype("int64") + 3) % 7          # 0 = Monday
        w = np.where(weekday < 5, 1.0, 0.25)
        day = rng.choice(days, size=size, p=w / w.sum())
        hour = rng.choice(24, size=size, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        base = (day.astype("datetime64[s]") - ORIGIN) / np.timedelta64(1, "h")
        return base + hour + rng.random(size)

    return np.concatenate([
        draw(calendar.start, calendar.end, n_in),
        draw(ORIGIN, calendar.start - np.timedelta64(1, "D"), n_pre),
        draw(calendar.end + np.timedelta64(1, "D"), calendar.end + np.timedelta64(10, "D"),
             n_post),
    ])


@dataclass
class LeadArrays:
    """Lead-level arrays (hours since ORIGIN; NaN = no event) and attempt schedule."""

    created: np.ndarray
    source: np.ndarray
    is_mkt: np.ndarray
    quality: np.ndarray
    score: np.ndarray
    owner: np.ndarray            # owner index, -1 = unassigned
    mql: np.ndarray
    accepted: np.ndarray
    rejected: np.ndarray
    reason: np.ndarray           # object, None = no reason
    sql: np.ndarray
    converted: np.ndarray
    attempts: np.ndarray         # int, attempts before the extract date
    attempt_lead: np.ndarray     # lead index per attempt
    attempt_time: np.ndarray     # hours per attempt


def simulate_leads(profile: Profile, rng: np.random.Generator, n_leads: int,
                   n_owners: int, *, calendar: Calendar = CALENDAR) -> LeadArrays:
    """Simulate the lead funnel of one profile (see the module docstring).

    Parameters
    ----------
    profile : Profile
        Planted truth.
    rng : numpy.random.Generator
        Randomness.
    n_leads : int
        Leads created in the period (2025 by default); about 4 % more are created outside
        it.
    n_owners : int
        Number of sales owners leads are assigned to.
    calendar : Calendar
        Period and extract date (default: 2025, extracted 2026-01-15).

    Returns
    -------
    LeadArrays
        Arrays of length ``n_leads + outside`` plus one row per attempt.
    """
    cp = profile.crm
    n_pre = int(round(PRE_PERIOD_SHARE * n_leads))
    n_post = int(round(POST_PERIOD_SHARE * n_leads))
    created = _created_hours(rng, n_leads, n_pre, n_post, calendar)
    n = created.size
    extract = hours_of(calendar.extract)

    sources = np.array(list(cp.source_weights))
    w = np.array(list(cp.source_weights.values()))
    source = rng.choice(sources, size=n, p=w / w.sum())
    is_mkt = np.isin(source, MARKETING_SOURCES)
    quality = rng.standard_normal(n) + np.where(is_mkt, cp.quality_mean["marketing"],
                                                cp.quality_mean["sales"])
    score = np.clip(np.rint(50 + 20 * (0.8 * quality + 0.6 * rng.standard_normal(n))), 0, 100)
    score[rng.random(n) < 0.01] = np.nan

    # hand-over: MQL for marketing sources (unless nurture), sales-sourced from creation
    is_mql = is_mkt & (rng.random(n) >= cp.non_mql_share)
    mql = np.where(is_mql, created + rng.lognormal(np.log(2.0), 1.0, n), np.nan)
    handed = is_mql | ~is_mkt
    start = np.where(is_mql, mql, created)

    untouched_p = np.where(is_mkt, cp.untouched[0], cp.untouched[1])
    touched = handed & (rng.random(n) >= untouched_p)
    mu, sigma = first_touch_lognormal(cp.untouched[0], cp.within_sla,
                                      cp.median_first_touch_hours)
    delay = np.where(touched, rng.lognormal(mu, sigma, n), np.nan)
    pmf = np.asarray(cp.attempts_pmf, dtype=float)
    planned = np.where(touched, rng.choice(np.arange(1, pmf.size + 1), size=n,
                                           p=pmf / pmf.sum()), 0)

    # some marketing leads are already worked between creation and the MQL stamp (an SDR
    # call on a form fill): real work — the first attempt, a response time of 0 h. Taken
    # among leads touched faster than both the SLA and the planted median, so the planted
    # speed figures are unchanged.
    fast = touched & is_mql & (np.nan_to_num(delay, nan=np.inf)
                               <= min(SLA_HOURS, cp.median_first_touch_hours))
    pre_mql = fast & (rng.random(n) < PRE_MQL_TOUCH_SHARE)
    pre_time = created + rng.uniform(0.05, 0.95, n) * (mql - created)
    delay = np.where(pre_mql, 0.0, delay)

    # attempt schedule the rep would follow: first touch, then lognormal gaps
    lead_idx = np.repeat(np.arange(n), planned)
    gaps = rng.lognormal(np.log(cp.attempt_gap_hours), 0.9, lead_idx.size)
    first_of_lead = np.r_[0, np.cumsum(planned)[:-1]][planned > 0]
    gaps[first_of_lead] = np.where(pre_mql, pre_time, start + delay)[planned > 0]
    csum = np.cumsum(gaps)
    offsets = np.repeat(csum[first_of_lead] - gaps[first_of_lead], planned[planned > 0])
    times = csum - offsets
    k_row = np.arange(lead_idx.size) - np.repeat(first_of_lead, planned[planned > 0]) + 1

    # conversion is a per-attempt process: at attempt k the lead reaches SQL with hazard
    # logit h = c_g + b_q q - b_s ln(1 + first-touch hours) + b_A ln k; a lead that converts
    # gets no further lead touches. c_g is calibrated so the Kaplan-Meier conversion by
    # attempt 6 of leads first touched within 24 h is the planted rate.
    eta = cp.b_quality * quality - cp.b_speed * np.log1p(np.nan_to_num(delay))
    in_sla = touched & (np.nan_to_num(delay, nan=np.inf) <= SLA_HOURS)
    lnk = cp.b_attempts * np.log(np.arange(1, WELL_WORKED_ATTEMPTS + 1))
    c_g = np.zeros(n)
    for group, mask in (("marketing", is_mkt), ("sales", ~is_mkt)):
        c_g[mask] = calibrate_hazard(eta[in_sla & mask], lnk, cp.well_worked_sql[group])
    h_row = special.expit(c_g[lead_idx] + eta[lead_idx] + cp.b_attempts * np.log(k_row))
    hit = rng.random(lead_idx.size) < h_row
    conv_k = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(conv_k, lead_idx[hit], k_row[hit])
    is_sql = touched & (conv_k < np.iinfo(np.int64).max)
    keep = k_row <= conv_k[lead_idx]
    lead_idx, times = lead_idx[keep], times[keep]
    last = np.full(n, np.nan)
    done = np.r_[lead_idx[1:] != lead_idx[:-1], True] if lead_idx.size else np.array([], bool)
    last[lead_idx[done]] = times[done]

    # rejection among touched leads not reaching SQL, at the planted share of hand-overs
    is_rej = np.zeros(n, dtype=bool)
    eligible = touched & ~is_sql
    for rate, mask in ((cp.rejection_rate[0], is_mql), (cp.rejection_rate[1], ~is_mkt)):
        el = eligible & mask
        if el.sum() == 0:
            continue
        cond = min(rate * mask[handed].sum() / el.sum(), 0.98)
        r_eta = -cp.rejection_quality_link * quality[el]
        c = calibrate_intercept(r_eta, cond)
        is_rej[el] = rng.random(int(el.sum())) < special.expit(c + r_eta)
    reason = np.full(n, None, dtype=object)
    given = is_rej & (rng.random(n) < cp.reason_given_share)
    fit = rng.random(n) < cp.fit_reason_share
    reason[given & fit] = rng.choice(FIT_REASONS, size=int((given & fit).sum()))
    nw = np.asarray(NONFIT_WEIGHTS)
    reason[given & ~fit] = rng.choice(NONFIT_REASONS, size=int((given & ~fit).sum()),
                                      p=nw / nw.sum())
    rejected = np.where(is_rej, last + rng.lognormal(np.log(20.0), 0.8, n), np.nan)

    acc_untouched = handed & ~touched & (rng.random(n) < cp.accept_untouched)
    accepted = np.where(touched & ~is_rej, start + delay + rng.uniform(0.05, 4.0, n), np.nan)
    accepted = np.where(acc_untouched, start + rng.uniform(0.1, 8.0, n), accepted)
    sql = np.where(is_sql, np.fmax(last, accepted) + rng.lognormal(np.log(24.0), 0.7, n),
                   np.nan)
    conv = is_sql & (rng.random(n) < cp.sql_to_opportunity)
    converted = np.where(conv, sql + rng.uniform(0.5, 72.0, n), np.nan)

    # owners: handed leads assigned (a share of untouched ones never were)
    weights = rng.gamma(4.0, 1.0, n_owners)
    owner = rng.choice(n_owners, size=n, p=weights / weights.sum())
    unassigned = ~handed | (~touched & (rng.random(n) < 0.3))
    owner[unassigned] = -1

    # the extract date censors everything after it
    for arr in (mql, accepted, rejected, sql, converted):
        arr[arr > extract] = np.nan
    reason[np.isnan(rejected)] = None
    keep = times <= extract
    lead_idx, times = lead_idx[keep], times[keep]
    attempts = np.bincount(lead_idx, minlength=n)
    return LeadArrays(created=created, source=source, is_mkt=is_mkt, quality=quality,
                      score=score, owner=owner, mql=mql, accepted=accepted, rejected=rejected,
                      reason=reason, sql=sql, converted=converted, attempts=attempts,
                      attempt_lead=lead_idx, attempt_time=times)
