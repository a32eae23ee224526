"""The definitions every CRM figure shares (SPEC §4.2), in one place.

Each rule below is used by every measure, the verdict, the incentives flags and the importers;
none of them is restated elsewhere in the code.

* **Source normalisation** (:func:`source_code`): a source name is compared as a lower-case
  channel code — case folded, every run of characters other than letters and digits
  (spaces, ``-``, ``_``, ``/``) replaced by one ``_``, leading and trailing ``_`` removed —
  so ``"Paid Search"``, ``"paid-search"`` and ``"PAID_SEARCH"`` are the same channel. The
  importers write this code into ``source``; ``[crm] marketing_sources`` is compared after the
  same normalisation (:func:`marketing_flag`). A lead without a source is *unknown*, neither
  marketing- nor otherwise sourced.
* **Touch window** (:func:`touch_window`): a touch of a lead is one of its activities with
  ``created_at <= occurred_at <= end``, where ``end`` is ``converted_at`` for converted leads,
  else the extract date. A touch between creation and ``mql_at`` is real work: it counts as an
  attempt, and the response time of a lead first touched before its MQL stamp is 0 h (counted
  in the data-quality appendix). The same rule is applied when the export gives
  ``first_touch_at`` / ``attempts`` instead of activities.
* **Measured, not inferred** (:func:`measured_inputs`): a figure whose input is absent from
  the export is ``None`` with the reason, never filled from another stage. Acceptance needs
  ``accepted_at``; rejection needs ``rejected_at`` (or an export field recording it, such as
  HubSpot's lead status ``UNQUALIFIED``, which the importer writes into ``rejected_at``); the
  MQL and SQL stages need their own timestamps.
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np
import pandas as pd

#: Reason shown wherever a figure's input is not in the client's export.
NOT_IN_EXPORT = "not in the export"

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def source_key(value) -> str | None:
    """Normalised channel code of one source name (``"Paid Search"`` → ``"paid_search"``).

    Returns ``None`` for a missing or blank value.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    code = _NON_ALNUM.sub("_", str(value).strip().lower()).strip("_")
    return code or None


def source_code(values: pd.Series) -> pd.Series:
    """Vectorised :func:`source_key` over a Series (missing / blank → ``<NA>``).

    The distinct values are normalised once each by :func:`source_key` (the one statement
    of the rule) and mapped back by their integer codes (``pandas.factorize``): a million
    leads carry a handful of distinct sources.

    Parameters
    ----------
    values : Series
        Source names, any dtype.

    Returns
    -------
    Series of dtype ``string``, same index.
    """
    import pyarrow as pa

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = pa.array([source_key(u) for u in uniques], pa.large_string())
    out = table.take(pa.array(codes, mask=codes < 0))  # missing → null, in Arrow
    return pd.Series(pd.arrays.ArrowStringArray(out), index=values.index)


def marketing_keys(marketing_sources: Iterable[str]) -> set[str]:
    """``[crm] marketing_sources`` as normalised channel codes."""
    return {k for k in (source_key(s) for s in marketing_sources) if k}


def marketing_flag(sources: pd.Series, marketing_sources: Iterable[str]) -> pd.Series:
    """Whether each source is marketing's: ``True``, ``False`` or ``<NA>`` when unknown.

    Parameters
    ----------
    sources : Series
        Source names (raw or already normalised).
    marketing_sources : iterable of str
        ``[crm] marketing_sources`` as configured (normalised here).

    Returns
    -------
    Series of dtype ``boolean`` (nullable): ``<NA>`` for a missing source.
    """
    code = source_code(sources)
    out = code.isin(marketing_keys(marketing_sources)).astype("boolean")
    return out.mask(code.isna())


def unmatched_marketing_sources(sources: pd.Series, marketing_sources: Iterable[str]
                                ) -> list[str]:
    """Configured marketing sources that match no value of *sources* (as configured)."""
    present = set(source_code(sources).dropna().unique())
    return [s for s in marketing_sources if source_key(s) not in present]


def opportunity_source(opportunities: pd.DataFrame, leads: pd.DataFrame | None
                       ) -> pd.Series:
    """Channel code of each opportunity: its own source, else its lead's.

    The lead is found by the opportunity's ``lead_id``, else as the lead whose
    ``opportunity_id`` is the opportunity's (the first such lead). Used by the
    marketing-sourced shares and by the intake check of opportunities without a source.

    Parameters
    ----------
    opportunities : DataFrame
        Canonical opportunities (``source``, ``lead_id``, ``opportunity_id`` when present).
    leads : DataFrame or None
        Canonical leads (``lead_id``, ``source``, ``opportunity_id`` when present).

    Returns
    -------
    Series of dtype ``string`` (normalised codes, :func:`source_code`), ``<NA>`` when
    neither the opportunity nor a linked lead has a source; same index as *opportunities*.
    """
    from .engine import positions
    opp = opportunities
    src = (source_code(opp["source"]) if "source" in opp.columns
           else pd.Series(pd.NA, index=opp.index, dtype="string"))
    if leads is None or "source" not in leads.columns or not src.isna().any():
        return src
    # the first lead holding the id *and a source* (as ``groupby(...).first()`` did)
    code = source_code(leads["source"])
    has_src = code.notna().to_numpy()
    lsrc = np.append(code.to_numpy(dtype=object, na_value=None)[has_src], None)  # -1 → None
    for opp_col, lead_col in (("lead_id", "lead_id"), ("opportunity_id", "opportunity_id")):
        if opp_col in opp.columns and lead_col in leads.columns and src.isna().any():
            found = lsrc[positions(opp[opp_col], leads[lead_col][has_src])]
            src = src.fillna(pd.Series(found, index=opp.index, dtype="string"))
    return src


def touch_window(leads: pd.DataFrame, extract_date) -> tuple[pd.Series, pd.Series]:
    """Start and end of each lead's touch window (see the module docstring).

    Parameters
    ----------
    leads : DataFrame
        Canonical leads with ``created_at`` (and ``converted_at`` when known).
    extract_date : datetime-like or None
        End of the window of unconverted leads; ``None`` = open.

    Returns
    -------
    (Series, Series)
        ``created_at`` and ``converted_at`` else the extract date (NaT = open), both
        datetime64 aligned on *leads*; a ``converted_at`` of dates only (beside timed
        creations) ends at the end of its day.
    """
    from .derive import _col, _dt, _ts
    idx = leads.index
    start = _dt(_col(leads, "created_at"), idx)
    end = _dt(_col(leads, "converted_at"), idx)
    if _dates_only(end) and not _dates_only(start):
        # a conversion date without a time (Salesforce's ConvertedDate) beside timed
        # creations: the conversion happened some time that day, so the window runs to its
        # end; read as midnight it dropped the day's touches (attack 44, A44-1)
        end = end + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    ext = _ts(extract_date)
    if ext is not None:
        end = end.fillna(ext)
    return start, end


def _dates_only(s: pd.Series) -> bool:
    """Whether a datetime column holds values and every one is at midnight (a date column)."""
    v = s.dropna()
    return bool(len(v)) and bool((v == v.dt.normalize()).all())


#: The touch window (:func:`touch_window`) as a DuckDB predicate over an activity ``a``
#: (``occurred_at``) and its lead ``l`` (``start_at``, ``end_at`` from :func:`touch_window`),
#: used by :func:`toolkit.crm.engine.touches`. Both ends inclusive; ``end_at`` NULL = open.
TOUCH_WINDOW_SQL = ("a.occurred_at >= l.start_at "
                    "AND (l.end_at IS NULL OR a.occurred_at <= l.end_at)")


#: Which leads columns measure which figure (SPEC §4.2 "measured, not inferred").
STAGE_INPUTS = {"mql": ("mql_at",), "sal": ("accepted_at",),
                "rejected": ("rejected_at", "lead_status"), "sql": ("sql_at",)}


def measured_inputs(cohort: pd.DataFrame) -> dict[str, bool]:
    """Which funnel inputs the export records (a column with at least one value).

    Returns
    -------
    dict
        ``{"mql": bool, "sal": bool, "rejected": bool, "sql": bool}``.
    """
    out = {}
    for key, cols in STAGE_INPUTS.items():
        out[key] = any(c in cohort.columns and cohort[c].notna().any() for c in cols)
    return out


#: The CRM columns a "not in the export" reason names, in the reader's words (attack 45,
#: ATT45-03: "no accepted_at column" reached the report and the deck).
_COLUMN_WORDS = {"mql_at": "MQL date", "accepted_at": "acceptance date",
                 "rejected_at": "rejection date", "sql_at": "SQL date",
                 "rejection_reason": "rejection reason", "converted_at": "conversion date"}


def absent_reason(column: str) -> str:
    """``"no acceptance date — not in the export"``-style reason for a null figure, the
    column named in plain words."""
    return f"no {_COLUMN_WORDS.get(column, column.replace('_', ' '))} — {NOT_IN_EXPORT}"
