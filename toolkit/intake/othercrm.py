"""Pipedrive and Dynamics 365 deal exports → canonical opportunities, by built-in mappings.

Both are recognised from their headers (:mod:`toolkit.intake.detect`) and read through the
same machinery as any CRM mapped in ``[crm] columns`` (:mod:`toolkit.intake.crmbuild`);
``[crm] columns`` still overrides every built-in choice.

* **Pipedrive** "Export data → Deals": headers ``Deal - ID, Deal - Title, Deal - Value,
  Deal - Currency of value, Deal - Stage, Deal - Status, Deal - Owner, Deal - Deal created,
  Deal - Expected close date, Deal - Won time, Deal - Lost time`` ... ``Deal - Status``
  (``open``/``won``/``lost``) gives ``is_won``/``is_closed``; the close date is the won or
  lost time when exported, else the expected close date (cleared on open deals).
* **Dynamics 365** "Export to Excel": ``(Do Not Modify) Opportunity`` (the GUID),
  ``Topic, Account, Status`` (``Open``/``Won``/``Lost``), ``Status Reason, Pipeline Phase,
  Close Date, Probability, Owner, Created On``, and ``Est. Revenue`` or ``Actual Revenue``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..exceptions import ValidationError
from .base import FileIntake, ImportResult, rows_note
from .amounts import choose_amount
from .crmbuild import failed, import_mapped, norm_key
from .reader import RawTable, read_table

PIPEDRIVE = {norm_key(k): v for k, v in {
    "Deal - ID": "opportunity_id", "Deal - Value": "amount", "Deal - Stage": "stage",
    "Deal - Owner": "owner_id", "Deal - Deal created": "created_at",
    "Deal - Won time": "closed_at", "Deal - Close time": "closed_at",
    "Deal - Expected close date": "closed_at", "Deal - Source": "source",
    "Deal - Lead source": "source", "Deal - Source channel": "source"}.items()}
DYNAMICS = {norm_key(k): v for k, v in {
    "(Do Not Modify) Opportunity": "opportunity_id", "Pipeline Phase": "stage",
    "Close Date": "closed_at", "Actual Close Date": "closed_at", "Owner": "owner_id",
    "Created On": "created_at", "Actual Revenue": "amount", "Est. Revenue": "amount",
    "Estimated Revenue": "amount", "Lead Source": "source",
    "Originating Lead": "lead_id"}.items()}

#: Columns naming each deal's currency (Pipedrive "Deal - Currency of value", Dynamics 365
#: "Currency"), normalised (:func:`toolkit.intake.crmbuild.norm_key`).
CURRENCY_KEYS = ("dealcurrencyofvalue", "dealcurrency", "currency", "transactioncurrency")
#: Amounts converted into the organisation's base currency (Dynamics 365 "Est. Revenue
#: (Base)", "Actual Revenue (Base)"): read instead of the deal-currency amount (attack 37, DY1).
BASE_AMOUNT_KEYS = ("actualrevenuebase", "estrevenuebase", "estimatedrevenuebase")


def _status_flags(df: pd.DataFrame, status_key: str, intake: FileIntake) -> pd.DataFrame:
    """Turn an open/won/lost status column into ``is_won``/``is_closed`` text flags."""
    col = next((c for c in df.columns if norm_key(c) == status_key), None)
    if col is None:
        return df
    low = df[col].astype(object).map(lambda v: str(v).strip().lower(), na_action="ignore")
    out = df.copy()
    known = low.isin(["open", "won", "lost", "deleted"])
    out["is_won"] = (low == "won").map({True: "true", False: "false"}).where(known)
    out["is_closed"] = low.isin(["won", "lost"]).map({True: "true", False: "false"}) \
        .where(known)
    intake.columns_mapped[col] = "is_won, is_closed (open/won/lost)"
    odd = ~known & low.notna()
    if odd.any():   # the rows, not the values (a shifted column quotes anyone: NM1)
        intake.warnings.append(f"{col}: {int(odd.sum())} status value(s) not open/won/lost "
                               f"({rows_note(df.index[odd.to_numpy()])} of the export)")
    return out.drop(columns=[col])


def _importer(fmt: str, labels: dict[str, str], status_key: str):
    def import_crm_table(path: Path, table: str, config, *, display_path: str) -> ImportResult:
        try:
            raw = read_table(path, display_path=display_path)
        except ValidationError as exc:
            return failed(exc, table, display_path, fmt)
        intake = FileIntake(table=table, path=display_path, format=fmt,
                            encoding=raw.encoding, delimiter=raw.delimiter,
                            rows_read=int(raw.n_rows), warnings=list(raw.warnings))
        intake.drop("blank row", raw.blank_rows)
        df = raw.df
        problems = []
        if table == "opportunities":
            df = _status_flags(df, status_key, intake)
            # deals in several currencies are not summed (attack 36, HC1's class)
            df, problems = choose_amount(
                df, intake, display_path, duplicates=raw.duplicate_columns,
                converted=BASE_AMOUNT_KEYS, converted_currency=(), currency=CURRENCY_KEYS,
                converted_label="Est. Revenue (Base)" if fmt == "dynamics365" else None,
                original=tuple(k for k, v in labels.items() if v == "amount"))
        raw2 = RawTable(df=df, path=raw.path, kind=raw.kind, encoding=raw.encoding,
                        delimiter=raw.delimiter, n_rows=raw.n_rows,
                        duplicate_columns=raw.duplicate_columns)
        res = import_mapped(raw2, table, config, file=display_path, fmt=fmt,
                            labels=labels if table == "opportunities" else {},
                            intake=intake)
        res.problems = problems + res.problems
        return res
    import_crm_table.__doc__ = (f"Import a {fmt} deals export as canonical opportunities "
                                "(other tables through ``[crm] columns``).")
    return import_crm_table


import_pipedrive = _importer("pipedrive", PIPEDRIVE, norm_key("Deal - Status"))
import_dynamics365 = _importer("dynamics365", DYNAMICS, norm_key("Status"))
