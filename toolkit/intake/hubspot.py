"""HubSpot exports → canonical leads (contacts) and opportunities (deals).

HubSpot names its exports ``hubspot-crm-exports-<view>-YYYY-MM-DD.csv`` (or ``.xlsx``); the
headers are property *labels*:

* contacts: ``Record ID, First Name, Last Name, Email, Create Date, Lifecycle Stage,
  Contact owner, Original Source, Became a Marketing Qualified Lead Date, Became a Sales
  Qualified Lead Date, Became an Opportunity Date, HubSpot Score, Number of times contacted``
  ... The lifecycle-stage date columns become ``mql_at``, ``sql_at`` and ``converted_at``;
  ``Contact owner`` (a user's name) becomes ``owner_id``; ``Original Source``
  (``Organic Search``, ``Paid Search``, ``ORGANIC_SEARCH`` in API exports) becomes the
  channel code; ``Lead Status`` is kept as ``lead_status`` and ``UNQUALIFIED`` read as a
  rejection by sales (``rejected_at``), with ``Disqualification Reason`` as its
  ``rejection_reason`` (:func:`toolkit.intake.crmbuild.status_rejections`); names and e-mail
  addresses are left behind (listed as unmatched).
* deals: ``Record ID, Deal Name, Deal Stage, Close Date, Deal owner, Amount, Pipeline,
  Create Date, Is Closed Won, Is closed`` ... When the two flags are not exported they are
  derived from the stage name (``Closed Won`` / ``Closed Lost``, HubSpot's default stages),
  with a warning.
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import ValidationError
from .amounts import choose_amount
from .base import FileIntake, ImportResult
from .crmbuild import failed, import_mapped, norm_key
from .reader import RawTable, read_table


def _table(spec: dict[str, list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canon, labels in spec.items():
        for label in labels:
            out.setdefault(norm_key(label), canon)
    return out


CONTACT_LABELS = _table({
    "lead_id": ["Record ID", "Contact ID", "hs_object_id", "vid"],
    "created_at": ["Create Date", "createdate", "Object create date/time"],
    "source": ["Original Source", "hs_analytics_source", "Original Source Type", "Lead Source"],
    "owner_id": ["Contact owner", "hubspot_owner_id", "Owner"],
    "mql_at": ["Became a Marketing Qualified Lead Date",
               "hs_lifecyclestage_marketingqualifiedlead_date"],
    "sql_at": ["Became a Sales Qualified Lead Date",
               "hs_lifecyclestage_salesqualifiedlead_date"],
    "converted_at": ["Became an Opportunity Date", "hs_lifecyclestage_opportunity_date"],
    "score": ["HubSpot Score", "hubspotscore", "Lead Score"],
    "attempts": ["Number of times contacted", "num_contacted_notes"],
    "rejection_reason": ["Lead Rejection Reason", "Rejection Reason",
                         "Disqualification Reason", "Disqualification reason",
                         "Unqualified Reason", "hs_lead_disqualification_reason"],
    "lead_status": ["Lead Status", "hs_lead_status"],
    "accepted_at": ["Sales Accepted Date", "SAL Date"],
    "rejected_at": ["Rejected Date", "Lead Rejected Date"],
    "first_touch_at": ["First Touch Date", "First Contact Date"],
})
DEAL_LABELS = _table({
    "opportunity_id": ["Record ID", "Deal ID", "hs_object_id", "dealId"],
    "created_at": ["Create Date", "createdate"],
    "closed_at": ["Close Date", "closedate"],
    "stage": ["Deal Stage", "dealstage"],
    "amount": ["Amount", "Amount in company currency", "amount_in_home_currency"],
    "owner_id": ["Deal owner", "hubspot_owner_id", "Owner"],
    "is_won": ["Is Closed Won", "hs_is_closed_won", "Is closed won"],
    "is_closed": ["Is closed", "Is Closed", "hs_is_closed"],
    "source": ["Original Source Type", "Original Source", "hs_analytics_source",
               "Deal source", "Lead Source"],
    "lead_id": ["Associated Contact IDs", "Associated Contact ID"],
})
ACTIVITY_LABELS = _table({
    "activity_id": ["Record ID", "Activity ID", "Engagement ID", "hs_object_id"],
    "lead_id": ["Associated Contact IDs", "Associated Contact ID", "Contact ID"],
    "opportunity_id": ["Associated Deal IDs", "Associated Deal ID", "Deal ID"],
    "owner_id": ["Activity assigned to", "Assigned to", "Owner", "hubspot_owner_id"],
    "type": ["Activity type", "Engagement type", "Type", "hs_engagement_type"],
    "occurred_at": ["Activity date", "Timestamp", "hs_timestamp", "Create Date"],
})
LABELS = {"leads": CONTACT_LABELS, "opportunities": DEAL_LABELS, "activities": ACTIVITY_LABELS}
#: Headers only HubSpot writes (normalised), for recognition.
SIGNATURE = {norm_key(x) for x in (
    "Record ID", "Contact owner", "Deal owner", "Lifecycle Stage", "Deal Stage", "Pipeline",
    "Became a Marketing Qualified Lead Date", "Became a Sales Qualified Lead Date",
    "Became an Opportunity Date", "HubSpot Score", "Original Source",
    "Associated Company IDs", "Associated Deal IDs", "Is Closed Won")}


def hubspot_score(raw: RawTable) -> int:
    """Number of HubSpot-only headers in *raw* (used by :mod:`toolkit.intake.detect`)."""
    return sum(norm_key(c) in SIGNATURE for c in raw.columns)


def import_crm_table(path: Path, table: str, config, *, display_path: str) -> ImportResult:
    """Import a HubSpot contacts / deals / activities export as a canonical CRM table.

    Parameters
    ----------
    path : Path
        CSV or Excel export.
    table : str
        ``"leads"`` (contacts), ``"opportunities"`` (deals) or ``"activities"``.
    config : CrmConfig
        ``columns`` overrides of ``engagement.toml``.
    display_path : str
        Path shown in messages.

    Returns
    -------
    ImportResult
        Canonical table (index = spreadsheet row), intake record (format ``"hubspot"``),
        blocking problems. Multi-value association cells (``"101;102"``) keep the first id.
    """
    try:
        raw = read_table(path, display_path=display_path)
    except ValidationError as exc:
        return failed(exc, table, display_path, "hubspot")
    intake = FileIntake(table=table, path=display_path, format="hubspot",
                        encoding=raw.encoding, delimiter=raw.delimiter,
                        rows_read=int(raw.n_rows), warnings=list(raw.warnings))
    intake.drop("blank row", raw.blank_rows)
    df = raw.df
    for col in df.columns:
        if norm_key(col).startswith("associated") and norm_key(col).endswith("ids"):
            multi = df[col].astype(object).astype(str).str.contains(";", regex=False) \
                & df[col].notna()
            if multi.any():
                df = df.copy()
                df[col] = df[col].where(~multi, df[col].astype(str).str.split(";").str[0])
                intake.warnings.append(f"{col}: {int(multi.sum())} record(s) associated with "
                                       "several ids; the first is used")
    problems = []
    if table == "opportunities":  # the company-currency amount, or deals in one currency
        df, problems = choose_amount(
            df, intake, display_path, duplicates=raw.duplicate_columns,
            converted=("amountincompanycurrency", "amountinhomecurrency"),
            converted_currency=(), currency=("dealcurrencycode", "currencycode", "currency"),
            converted_label="Amount in company currency")
    raw2 = RawTable(df=df, path=raw.path, kind=raw.kind, encoding=raw.encoding,
                    delimiter=raw.delimiter, n_rows=raw.n_rows,
                    duplicate_columns=raw.duplicate_columns)
    res = import_mapped(raw2, table, config, file=display_path, fmt="hubspot",
                        labels=LABELS[table], intake=intake)
    if table == "opportunities" and "amount" in intake.columns_mapped:
        conv = [c for c in raw.df.columns if norm_key(c) in ("amountincompanycurrency",
                                                             "amountinhomecurrency")]
        if conv:   # the column read, as the export names it
            del intake.columns_mapped["amount"]
            intake.columns_mapped[conv[0]] = "amount"
    if problems:
        res.problems = problems + res.problems
    return res
