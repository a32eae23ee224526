"""Turn the simulated funnel into canonical CRM tables (SPEC §2.2–2.4).

Builds ``leads`` (without ``first_touch_at`` / ``attempts``: the toolkit derives them from
activities), ``opportunities`` (lead-derived plus some without a lead) and ``activities``
(one per sales attempt on a lead, plus activities on opportunities). All vectorized.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import special

from .crm import CALENDAR, ORIGIN, Calendar, LeadArrays, calibrate_intercept, hours_of, \
    simulate_leads, to_datetime
from .profiles import Profile

FIRST_NAMES = ("jane", "mark", "lucia", "omar", "priya", "tom", "anna", "li", "sam", "nina",
               "carlos", "eva", "raj", "sofia", "ben", "maya", "felix", "aisha", "jon", "ida",
               "leo", "zoe", "hugo", "kim", "max", "ines", "theo", "lena", "noah", "vera")
LAST_NAMES = ("doe", "chen", "garcia", "khan", "patel", "smith", "novak", "berg", "silva",
              "moreau", "okafor", "tanaka", "muller", "rossi", "haddad", "kowalski", "nguyen",
              "larsen", "costa", "weber", "ivanov", "oneill", "sato", "dubois", "fischer")
LEAD_ACTIVITY_TYPES = (("call", "email", "meeting", "other"), (0.60, 0.30, 0.05, 0.05))
OPP_ACTIVITY_TYPES = (("call", "email", "meeting", "other"), (0.35, 0.25, 0.35, 0.05))
OPEN_STAGES = ("Discovery", "Proposal", "Negotiation")
NO_LEAD_SOURCES = (("outbound", "partner", "expansion"), (0.4, 0.3, 0.3))
NO_LEAD_SHARE = 0.12          # opportunities without a lead, relative to lead-derived ones
OPP_ACTIVITIES_MEAN = 3.0     # activities per opportunity (Poisson mean)
MEDIAN_CYCLE_DAYS = 40.0      # median days from opportunity creation to close
MEDIAN_AMOUNT = 20_000.0      # lognormal deal size (USD)
MISSING_AMOUNT_SHARE = 0.03


def owner_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return *n* distinct pseudonymous-looking owner ids such as ``"jane.doe"``."""
    combos = np.array([f"{f}.{last}" for f in FIRST_NAMES for last in LAST_NAMES])
    picked = combos[rng.permutation(combos.size)][: min(n, combos.size)]
    if n > combos.size:
        extra = np.arange(n - combos.size)
        picked = np.concatenate([picked, np.char.add(combos[extra % combos.size],
                                                     (extra // combos.size + 2).astype(str))])
    return picked


def make_ids(prefix: str, n: int, width: int) -> pd.Series:
    """Return ``prefix`` + zero-padded running numbers 1..n as a ``str`` Series."""
    return prefix + pd.Series(np.arange(1, n + 1)).astype("str").str.zfill(width)


def take_str(values, idx: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Return ``values[idx]`` as a pandas ``str`` array; ``idx == -1`` gives a missing value.

    Uses Arrow's ``take`` so tens of millions of rows take well under a second.
    """
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype=object)
    base = pa.array(np.asarray(values, dtype=object), type=pa.string())
    idx = np.asarray(idx, dtype="int64")
    return pd.array(pc.take(base, pa.array(idx, mask=idx < 0)), dtype="str")


def _str(values) -> pd.arrays.ArrowStringArray:
    return pd.array(values, dtype="str")


def build_crm_tables(profile: Profile, rng: np.random.Generator, n_leads: int,
                     n_activities: int | None = None, *,
                     calendar: Calendar = CALENDAR) -> dict[str, pd.DataFrame]:
    """Generate canonical ``leads``, ``opportunities`` and ``activities`` tables.

    Parameters
    ----------
    profile : Profile
        Planted truth.
    rng : numpy.random.Generator
        Randomness.
    n_leads : int
        Leads created in the period (2025); about 4 % more are created outside it.
    n_activities : int, optional
        Minimum total activities. Lead attempts are fixed by the planted follow-up; the rest
        are activities on opportunities (``lead_id`` empty), padded up to this count for
        benchmarks (e.g. 200k for 20k leads).
    calendar : Calendar
        Period and extract date (default: 2025, extracted 2026-01-15).

    Returns
    -------
    dict of str to DataFrame
        ``leads``, ``opportunities``, ``activities`` with SPEC §2 columns and the dtypes of
        docs/architecture.md (datetimes ``datetime64[ns]``, ids ``str``, flags ``bool``).
    """
    n_owners = max(8, int(round(n_leads / 300)))
    owners = owner_ids(rng, n_owners)
    la = simulate_leads(profile, rng, n_leads, n_owners, calendar=calendar)
    order = np.argsort(la.created, kind="stable")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    n = order.size
    width = max(6, len(str(n)))
    lead_ids = make_ids("L", n, width)

    opps, lead_opp = _opportunities(la, order, rng, n_owners, lead_ids, profile.crm.win_rate,
                                    calendar)

    leads = pd.DataFrame({
        "lead_id": lead_ids,
        "created_at": to_datetime(la.created[order]),
        "source": _str(la.source[order]),
        "owner_id": take_str(owners, la.owner[order]),
        "mql_at": to_datetime(la.mql[order]),
        "accepted_at": to_datetime(la.accepted[order]),
        "rejected_at": to_datetime(la.rejected[order]),
        "rejection_reason": _str(la.reason[order]),
        "sql_at": to_datetime(la.sql[order]),
        "converted_at": to_datetime(la.converted[order]),
        "opportunity_id": _str(lead_opp),
        "score": la.score[order].astype("float64"),
    })
    opp_owner = opps.pop("owner_idx").to_numpy()
    opportunities = opps.assign(owner_id=take_str(owners, opp_owner))
    opportunities = opportunities[["opportunity_id", "lead_id", "created_at", "closed_at",
                                   "stage", "is_closed", "is_won", "amount", "owner_id",
                                   "source"]]
    activities = _activities(la, inverse, rng, opps_for_acts=opportunities,
                             opp_owner=opp_owner,
                             lead_ids=lead_ids, owners=owners, n_activities=n_activities,
                             extract_date=calendar.extract)
    return {"leads": leads, "opportunities": opportunities, "activities": activities}


def _opportunities(la: LeadArrays, order: np.ndarray, rng: np.random.Generator,
                   n_owners: int, lead_ids: pd.Series, win_rate: float,
                   calendar: Calendar = CALENDAR) -> tuple[pd.DataFrame, np.ndarray]:
    """Opportunities of converted leads plus some without a lead; lead → opportunity ids.

    The win probability ``expit(c + 0.6 q)`` is calibrated so lead-derived opportunities win
    at *win_rate* (practitioner range SQL → won 20–30 %, SPEC §9).
    """
    conv_sorted = np.flatnonzero(~np.isnan(la.converted[order]))    # positions in sorted leads
    src_idx = order[conv_sorted]
    n_lo = conv_sorted.size
    n_x = int(round(NO_LEAD_SHARE * n_lo))
    p0, p1 = hours_of(calendar.start), hours_of(calendar.end) + 24.0
    created = np.concatenate([la.converted[src_idx], rng.uniform(p0, p1, n_x)])
    quality = np.concatenate([la.quality[src_idx], rng.standard_normal(n_x) + 0.3])
    owner = np.concatenate([la.owner[src_idx], rng.integers(0, n_owners, n_x)])
    xs, xp = NO_LEAD_SOURCES
    source = np.concatenate([la.source[src_idx], rng.choice(xs, size=n_x, p=xp)])
    lead_pos = np.concatenate([conv_sorted, np.full(n_x, -1)])
    m = created.size

    extract = hours_of(calendar.extract)
    close = created + rng.lognormal(np.log(MEDIAN_CYCLE_DAYS * 24.0), 0.7, m)
    is_closed = close <= extract
    c = calibrate_intercept(0.6 * quality[:n_lo], win_rate)
    is_won = is_closed & (rng.random(m) < special.expit(c + 0.6 * quality))
    stage = np.where(is_won, "Closed Won", "Closed Lost").astype(object)
    stage[~is_closed] = rng.choice(OPEN_STAGES, size=int((~is_closed).sum()))
    amount = np.rint(rng.lognormal(np.log(MEDIAN_AMOUNT), 0.8, m) / 100.0) * 100.0
    amount[rng.random(m) < MISSING_AMOUNT_SHARE] = np.nan

    o = np.argsort(created, kind="stable")
    opp_ids = make_ids("OP", m, max(6, len(str(m))))
    frame = pd.DataFrame({
        "opportunity_id": opp_ids,
        "lead_id": take_str(lead_ids, lead_pos[o]),
        "created_at": to_datetime(created[o]),
        "closed_at": to_datetime(np.where(is_closed, close, np.nan)[o]),
        "stage": _str(stage[o]),
        "is_closed": is_closed[o],
        "is_won": is_won[o],
        "amount": amount[o],
        "owner_idx": owner[o],
        "source": _str(source[o]),
    })
    lead_opp = np.full(len(lead_ids), None, dtype=object)
    rank = np.empty(m, dtype="int64")
    rank[o] = np.arange(m)
    lead_opp[conv_sorted] = opp_ids.to_numpy(dtype=object)[rank[:n_lo]]
    return frame, lead_opp


def _activities(la: LeadArrays, inverse: np.ndarray, rng: np.random.Generator, *,
                opps_for_acts: pd.DataFrame, opp_owner: np.ndarray, lead_ids: pd.Series,
                owners: np.ndarray, n_activities: int | None,
                extract_date: np.datetime64 = CALENDAR.extract) -> pd.DataFrame:
    """Lead attempts plus activities on opportunities, sorted by time with running ids."""
    extract = hours_of(extract_date)
    n_att = la.attempt_lead.size
    m = len(opps_for_acts)
    origin = ORIGIN.astype("datetime64[ns]")
    created = (opps_for_acts["created_at"].to_numpy() - origin) / np.timedelta64(1, "h")
    closed = (opps_for_acts["closed_at"].to_numpy() - origin) / np.timedelta64(1, "h")
    end = np.where(np.isnan(closed), extract, closed)
    per_opp = rng.poisson(OPP_ACTIVITIES_MEAN, m) if m else np.zeros(0, dtype=int)
    opp_idx = np.repeat(np.arange(m), per_opp)
    if n_activities is not None and m:
        extra = n_activities - n_att - opp_idx.size
        if extra > 0:
            opp_idx = np.concatenate([opp_idx, rng.integers(0, m, extra)])
    opp_time = created[opp_idx] + rng.random(opp_idx.size) * (end - created)[opp_idx]

    lt, lp = LEAD_ACTIVITY_TYPES
    ot, op = OPP_ACTIVITY_TYPES
    time = np.concatenate([la.attempt_time, opp_time])
    kind = np.concatenate([rng.choice(len(lt), size=n_att, p=lp),
                           rng.choice(len(ot), size=opp_idx.size, p=op)])
    lead_pos = np.concatenate([inverse[la.attempt_lead], np.full(opp_idx.size, -1)])
    opp_pos = np.concatenate([np.full(n_att, -1), opp_idx])
    owner = np.concatenate([la.owner[la.attempt_lead], opp_owner[opp_idx]])
    o = np.argsort(time, kind="stable")
    k = time.size
    return pd.DataFrame({
        "activity_id": make_ids("A", k, max(7, len(str(k)))),
        "lead_id": take_str(lead_ids, lead_pos[o]),
        "opportunity_id": take_str(opps_for_acts["opportunity_id"], opp_pos[o]),
        "owner_id": take_str(owners, owner[o]),
        "type": take_str(lt, kind[o]),
        "occurred_at": to_datetime(time[o]),
    })
