"""Cohort selection and per-lead derived fields (SPEC §4.2).

Everything here is vectorized (merges and group-bys): a client may have millions of
activities (SPEC §10), so there is no per-row Python loop.

Definitions used by every CRM measure
-------------------------------------
* **Cohort**: leads whose ``created_at`` falls in ``[period_start, period_end]``, both dates
  inclusive (the whole ``period_end`` day counts); ``None`` means no bound.
* **Extract date**: given, else the latest timestamp found in any CRM table. Untouched leads
  are censored there (Kaplan–Meier) and derived attempts are counted up to it.
* **Clock start** of a lead: ``mql_at``, else ``created_at``.
* **Derived touches** (when the leads table lacks ``first_touch_at`` / ``attempts`` or they
  are entirely empty): lead activities in the touch window of
  :mod:`toolkit.crm.definitions` (``created_at <= occurred_at <= converted_at`` else the
  extract date). ``attempts`` = their count, ``first_touch_at`` = the earliest; a first
  touch before the clock start counts as a response time of 0 h.
* **Stage reached** (cumulative funnel): a lead reached a stage when it carries that stage's
  timestamp *or reached any later stage* (an SQL without ``accepted_at`` still passed SAL),
  so every stage-to-stage rate is a proportion of the earlier stage.
* **Conversion** (lead quality and dose–response): the lead reached SQL or later
  (``sql_at``, ``converted_at``, an ``opportunity_id`` or a linked opportunity).
* **Handed to sales** (population of speed, persistence, dose–response and lead quality):
  leads that reached MQL or later, plus every lead from a source that is not marketing's
  (sales-sourced leads such as referral or outbound are sales' own from the start). When no
  ``mql_at`` column exists, every cohort lead.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import numpy as np
import pandas as pd

from .definitions import marketing_flag, measured_inputs, source_code

DATE_COLUMNS = ("created_at", "mql_at", "accepted_at", "rejected_at", "sql_at",
                "converted_at", "first_touch_at")


def _ts(value) -> pd.Timestamp | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts


def _col(df: pd.DataFrame | None, name: str) -> pd.Series | None:
    if df is None or name not in df.columns:
        return None
    return df[name]


def _dt(series: pd.Series | None, index) -> pd.Series:
    """Return *series* as datetime64 (NaT when absent), aligned on *index*."""
    if series is None:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if series.dtype == "datetime64[ns]":
        return series  # already what to_datetime would give (as a copy): no copy needed
    out = pd.to_datetime(series, errors="coerce")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def extract_date_of(leads: pd.DataFrame | None, opportunities: pd.DataFrame | None = None,
                    activities: pd.DataFrame | None = None) -> pd.Timestamp | None:
    """Latest timestamp in any datetime column of the CRM tables.

    Parameters
    ----------
    leads, opportunities, activities : DataFrame or None
        Canonical tables (SPEC §2.2–2.4).

    Returns
    -------
    Timestamp or None
        ``None`` when no table holds a timestamp.
    """
    latest = []
    for df in (leads, opportunities, activities):
        if df is None or df.empty:
            continue
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]):
                m = _dt(df[col], df.index).max()
                if pd.notna(m):
                    latest.append(m)
    return max(latest) if latest else None


def in_period(created: pd.Series, period_start=None, period_end=None) -> np.ndarray:
    """Whether each ``created_at`` falls in ``[period_start, period_end]`` (dates inclusive).

    Parameters
    ----------
    created : Series
        Creation timestamps (any datetime-like dtype; missing → outside).
    period_start, period_end : date-like or None
        ``None`` = no bound.

    Returns
    -------
    ndarray of bool, same length as *created*.
    """
    created = _dt(created, created.index)
    keep = created.notna().to_numpy().copy()
    start = _ts(period_start)
    end = _ts(period_end)
    values = created.to_numpy()
    if start is not None:
        keep &= values >= start.normalize().to_datetime64()
    if end is not None:
        keep &= values < (end.normalize() + pd.Timedelta(days=1)).to_datetime64()
    return keep


def select_cohort(leads: pd.DataFrame, period_start=None, period_end=None
                  ) -> tuple[pd.DataFrame, int]:
    """Leads created in ``[period_start, period_end]`` (dates inclusive).

    Returns
    -------
    (DataFrame, int)
        The cohort rows (original columns) and the number of leads excluded because they
        fall outside the period or have no ``created_at``.
    """
    created = _col(leads, "created_at")
    if created is None:
        created = pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns]")
    keep = in_period(created, period_start, period_end)
    rows = np.flatnonzero(keep)
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        # one run of rows (an export sorted by creation date): the same rows as a slice,
        # without copying every column
        return leads.iloc[rows[0]:rows[-1] + 1], int(len(keep) - len(rows))
    return leads.loc[keep], int((~keep).sum())


#: Most leads one opportunity may have converted from for its activities to be theirs;
#: an id shared more widely is a placeholder (attack 45b, A45B-2).
MAX_SHARED_OPPORTUNITY = 10


def _lead_of_activity(leads: pd.DataFrame, activities: pd.DataFrame, occurred: np.ndarray,
                      out: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """The lead of each activity, with its time: its ``lead_id``, or, for an activity
    naming no lead but the opportunity a lead converted into, that lead (attack 43, CRM2:
    Salesforce moves a converted lead's tasks to its contact and opportunity, so a Data
    Loader export names no lead for them). An opportunity several leads converted into
    gives the activity to each of them (attack 44, A44-4): the touch windows, which end at
    each lead's conversion, decide whose touch it was, and the opportunity's own later work
    is no one's. The number of activities taken to a lead this way is
    ``out.attrs["via_opportunity"]``.

    Returns
    -------
    (Series, ndarray of datetime64)
        Lead ids and times of the activities, with one extra row per further lead of a
        shared opportunity.
    """
    ids = activities["lead_id"]
    out.attrs["via_opportunity"] = 0
    if "opportunity_id" not in activities.columns or "opportunity_id" not in leads.columns:
        return ids, occurred
    orphan = ids.isna().to_numpy() & activities["opportunity_id"].notna().to_numpy()
    if not orphan.any():
        return ids, occurred
    from .engine import positions

    opp = leads["opportunity_id"]
    counts = opp.map(opp.value_counts())
    shared = opp.notna().to_numpy() & opp.duplicated(keep=False).to_numpy()
    # an id many leads share is a placeholder (Salesforce's empty 000000000000000AAA), no
    # lead's opportunity: its activities go to none, and pairs stay linear (A45B-2)
    placeholder = shared & (counts > MAX_SHARED_OPPORTUNITY).to_numpy()
    shared = shared & ~placeholder
    opp = opp.where(~placeholder)
    pos = positions(activities["opportunity_id"][orphan], opp.where(~shared))
    found = pos >= 0
    # Arrow-backed text throughout: the engine reads it without a Python call per row
    lead_ids = leads["lead_id"].astype("string[pyarrow]")
    fill = ids.astype("string[pyarrow]")
    where = np.flatnonzero(orphan)[found]
    fill.iloc[where] = lead_ids.iloc[pos[found]].to_numpy()
    n = int(found.sum())
    if shared.any():
        acts = pd.DataFrame({"opportunity_id": activities["opportunity_id"][orphan]
                             .astype("string[pyarrow]").to_numpy(),
                             "occurred": occurred[orphan]})
        pairs = pd.DataFrame({"opportunity_id": opp[shared].astype("string[pyarrow]")
                              .to_numpy(), "lead_id": lead_ids[shared].to_numpy()})
        extra = acts.merge(pairs, on="opportunity_id", how="inner")
        if len(extra):
            n += int(acts["opportunity_id"].isin(pairs["opportunity_id"]).sum())
            fill = pd.concat([fill, pd.Series(extra["lead_id"].to_numpy(),
                                              dtype="string[pyarrow]")], ignore_index=True)
            occurred = np.concatenate([occurred, extra["occurred"].to_numpy()])
    out.attrs["via_opportunity"] = n
    return fill, occurred


def derive_touches(leads: pd.DataFrame, activities: pd.DataFrame, *,
                   extract_date) -> pd.DataFrame:
    """First touch and number of attempts per lead, from the activities table.

    Parameters
    ----------
    leads : DataFrame
        Canonical leads (``lead_id``, ``created_at``; ``mql_at`` and ``converted_at`` used
        when present).
    activities : DataFrame
        Canonical activities with ``lead_id`` and ``occurred_at``; a row without a lead
        is the touch of the lead that converted into its ``opportunity_id`` when there is
        one (:func:`_lead_of_activity`), else ignored (it belongs to an opportunity).
    extract_date : datetime-like
        Upper bound of the counting window for leads that did not convert.

    Returns
    -------
    DataFrame
        Indexed like *leads*, columns ``first_touch_at`` (datetime64, NaT when no touch) and
        ``attempts`` (float64, 0.0 when no touch). A touch counts when it lies in the touch
        window ``[created_at, converted_at or extract_date]`` (both ends inclusive,
        :func:`toolkit.crm.definitions.touch_window`): touches before ``mql_at`` count.
    """
    from .definitions import touch_window
    idx = leads.index
    start, end = touch_window(leads, extract_date)
    out = pd.DataFrame({"first_touch_at": pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]"),
                        "attempts": np.zeros(len(leads), dtype="float64")}, index=idx)
    if activities is None or activities.empty or "lead_id" not in activities.columns:
        return out
    from .engine import touches
    act_ids, occurred = _lead_of_activity(
        leads, activities, _dt(activities["occurred_at"], activities.index).to_numpy(), out)
    first, attempts = touches(leads["lead_id"], start.to_numpy(), end.to_numpy(), act_ids,
                              occurred)
    out["first_touch_at"] = first
    out["attempts"] = attempts
    return out


#: Optional leads columns that are treated as absent when every value is empty. An export
#: often carries a lifecycle field the client never fills; read as present, an all-empty
#: ``mql_at`` would shrink "handed to sales" to the SQL leads and an all-empty
#: ``accepted_at``/``rejected_at`` would pass for a decided hand-off. ``rejection_reason`` is
#: not listed: an empty reason column next to real rejections is itself evidence (sales does
#: not say why) and is reported as such by the hand-off measure.
OPTIONAL_LEAD_COLUMNS = ("mql_at", "accepted_at", "rejected_at", "sql_at", "converted_at",
                         "first_touch_at", "attempts", "opportunity_id", "score", "source",
                         "lead_status")


def _has_value(s: pd.Series) -> bool:
    """Whether *s* holds at least one value (not null, and not blank when text)."""
    filled = s.notna().to_numpy()
    if not filled.any():
        return False
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        first = s.iloc[int(filled.argmax())]  # usually proves it at once
        if str(first).strip():
            return True
        return bool((s.astype("string").str.strip().fillna("") != "").any())
    return True


def drop_empty_columns(leads: pd.DataFrame, columns: Iterable[str] = OPTIONAL_LEAD_COLUMNS,
                       *, emptiness: str = "is empty") -> tuple[pd.DataFrame, list[str]]:
    """Drop optional leads columns in which every value is empty (null or blank text).

    Parameters
    ----------
    leads : DataFrame
        Canonical leads (or a cohort of them).
    columns : iterable of str
        Columns eligible for dropping (default :data:`OPTIONAL_LEAD_COLUMNS`).
    emptiness : str
        Wording of the warning (e.g. ``"has no value in the cohort"``).

    Returns
    -------
    (DataFrame, list of str)
        The table without the empty columns (the input itself when none is empty) and one
        warning per dropped column: ``"leads column 'mql_at' is empty — treated as absent"``.
        An empty table keeps its columns (nothing to judge).
    """
    if leads is None or leads.empty:
        return leads, []
    empty = []
    for col in columns:
        if col not in leads.columns:
            continue
        if not _has_value(leads[col]):
            empty.append(col)
    if not empty:
        return leads, []
    return (leads.drop(columns=empty),
            [f"leads column '{c}' {emptiness} — treated as absent" for c in empty])


def _usable(df: pd.DataFrame, col: str) -> bool:
    return col in df.columns and df[col].notna().any()


def lead_frame(cohort: pd.DataFrame, opportunities: pd.DataFrame | None,
               activities: pd.DataFrame | None, *, extract_date,
               marketing_sources: Iterable[str] = ()) -> tuple[pd.DataFrame, dict]:
    """One row per cohort lead with every derived field the measures need.

    Parameters
    ----------
    cohort : DataFrame
        Cohort leads (see :func:`select_cohort`). Optional columns without any value in the
        cohort are treated as absent (:func:`drop_empty_columns`, with a warning).
    opportunities, activities : DataFrame or None
        Canonical tables; activities feed derived touches, opportunities the ``won`` stage.
    extract_date : Timestamp or None
        Censoring date.
    marketing_sources : iterable of str
        Lead sources that count as marketing-sourced.

    Returns
    -------
    (DataFrame, dict)
        Columns: ``lead_id``, ``source``, ``marketing`` (bool), ``score`` (float, NaN when
        unknown), ``start_at``, ``first_touch_at``, ``touched`` (bool), ``hours_to_touch``
        (float, NaN when untouched), ``attempts`` (float, NaN when unknown), the cumulative
        stage flags ``mql``, ``sal``, ``sql``, ``opportunity``, ``won``, ``rejected``,
        ``converted`` (SQL or later) and ``handed`` (population of the follow-up measures);
        and a dict ``{"touch_source": "leads"|"activities"|None, "attempts_source": ...,
        "warnings": [...]}``.
    """
    cohort, warnings = drop_empty_columns(cohort, emptiness="has no value in the cohort")
    idx = cohort.index
    f = pd.DataFrame(index=idx)
    f["lead_id"] = cohort["lead_id"].astype(str)
    src = _col(cohort, "source")
    code = (source_code(src) if src is not None
            else pd.Series(pd.NA, index=idx, dtype="string"))
    mk = marketing_flag(code, marketing_sources)
    f["source"] = code.fillna("unknown").astype(str)
    f["source_known"] = code.notna().to_numpy(bool)
    # marketing / other are both False for an unknown source (unknown is not "not marketing")
    f["marketing"] = mk.fillna(False).astype(bool)
    f["other"] = (~mk).fillna(False).astype(bool)
    f["score"] = (pd.to_numeric(cohort["score"], errors="coerce").astype("float64")
                  if "score" in cohort.columns else np.nan)
    created = _dt(_col(cohort, "created_at"), idx)
    f["start_at"] = _dt(_col(cohort, "mql_at"), idx).fillna(created)

    # --- touches -----------------------------------------------------------------------
    info = {"touch_source": None, "attempts_source": None}
    have_ft, have_at = _usable(cohort, "first_touch_at"), _usable(cohort, "attempts")
    have_act = (activities is not None and not activities.empty
                and "lead_id" in activities.columns and "occurred_at" in activities.columns)
    derived = None
    if (not have_ft or not have_at) and have_act:
        derived = derive_touches(cohort, activities, extract_date=extract_date)
    if have_ft:
        f["first_touch_at"] = _dt(cohort["first_touch_at"], idx)
        info["touch_source"] = "leads"
    elif derived is not None:
        f["first_touch_at"] = derived["first_touch_at"]
        info["touch_source"] = "activities"
    else:
        f["first_touch_at"] = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    if have_at:
        f["attempts"] = pd.to_numeric(cohort["attempts"], errors="coerce").astype("float64")
        info["attempts_source"] = "leads"
    elif derived is not None:
        f["attempts"] = derived["attempts"]
        info["attempts_source"] = "activities"
    else:
        f["attempts"] = np.nan
    if info["attempts_source"] == "leads" and info["touch_source"] is None:
        # attempts known, first touch not: a lead with attempts > 0 was touched (time unknown)
        pass
    f["touched"] = f["first_touch_at"].notna()
    if info["touch_source"] is None and info["attempts_source"] is not None:
        f["touched"] = f["attempts"] > 0
    hours = (f["first_touch_at"] - f["start_at"]).dt.total_seconds() / 3600.0
    before = hours < 0
    before_mql = before & (f["first_touch_at"] >= created)
    info["touched_before_mql"] = int(before_mql.sum())
    info["touched_before_creation"] = int((before & ~before_mql).sum())
    if info["touched_before_mql"]:
        warnings.append(f"{info['touched_before_mql']} leads were first touched between their "
                        "creation and their MQL stamp: real work, counted as attempts and as a "
                        "response time of 0 hours.")
    if info["touched_before_creation"]:
        warnings.append(f"{info['touched_before_creation']} leads have a first touch before "
                        "their creation time (an export inconsistency); their response time is "
                        "counted as 0 hours.")
    f["hours_to_touch"] = hours.clip(lower=0.0)

    # --- stages (cumulative) -----------------------------------------------------------
    def has(col: str) -> pd.Series:
        s = _col(cohort, col)
        if s is None:
            return pd.Series(False, index=idx)
        if col in DATE_COLUMNS:
            return _dt(s, idx).notna()
        return s.notna() & (s.astype("string").str.strip() != "")

    won = np.zeros(len(idx), dtype=bool)
    linked = has("opportunity_id").to_numpy(bool).copy()
    if opportunities is not None and not opportunities.empty and "is_won" in opportunities:
        from .engine import member
        opp = opportunities
        won_flag = opp["is_won"].fillna(False).astype(bool).to_numpy()
        if "opportunity_id" in cohort.columns and "opportunity_id" in opp.columns:
            won |= member(cohort["opportunity_id"], opp["opportunity_id"][won_flag])
        if "lead_id" in opp.columns:
            linked |= member(cohort["lead_id"], opp["lead_id"])
            won |= member(cohort["lead_id"], opp["lead_id"][won_flag])
    f["won"] = won
    if "is_converted" in cohort.columns:   # a 0/1 converted flag without a date
        linked |= cohort["is_converted"].fillna(False).astype(bool).to_numpy()
    f["opportunity"] = f["won"] | has("converted_at") | linked
    f["sql"] = f["opportunity"] | has("sql_at")
    f["sal"] = f["sql"] | has("accepted_at")
    f["rejected"] = has("rejected_at") & ~f["sal"]
    f["mql"] = f["sal"] | f["rejected"] | has("mql_at")
    f["converted"] = f["sql"]
    # measured, not inferred: which stage counts the export can actually give
    info["measured"] = measured_inputs(cohort)
    opp_linked = (opportunities is not None and not opportunities.empty and (
        ("lead_id" in opportunities.columns and opportunities["lead_id"].notna().any())
        or "opportunity_id" in cohort.columns))
    info["measured"]["opportunity"] = bool(
        any(c in cohort.columns and cohort[c].notna().any()
            for c in ("converted_at", "opportunity_id", "is_converted")) or opp_linked)
    info["measured"]["won"] = bool(opp_linked and "is_won" in opportunities.columns)
    if "mql_at" in cohort.columns:
        f["handed"] = f["mql"] | ~f["marketing"]
    else:
        f["handed"] = True
    info["warnings"] = warnings
    return f, info


def as_datetime(value) -> dt.datetime | None:
    """Timestamp → ``datetime`` (JSON-safe via isoformat by the caller) or None."""
    ts = _ts(value)
    return None if ts is None else ts.floor("us").to_pydatetime()
