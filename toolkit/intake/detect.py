"""Recognise which platform wrote a survey or CRM file, from its headers (``format = "auto"``).

Canonical files are recognised earlier (:mod:`toolkit.intake.canonical`); these hooks are
asked only about the rest. Each platform is recognised by headers only it writes:

=================  =========================================================================
format             recognised by
=================  =========================================================================
``qualtrics``      row 3 ``{"ImportId": ...}`` (current / legacy-3) or legacy ``V1..V10`` +
                   ``ResponseID`` (:func:`toolkit.intake.qualtrics.qualtrics_layout`)
``surveymonkey``   ``Respondent ID`` + ``Collector ID`` and a row 2 of ``Response`` labels
``google-forms``   first column ``Timestamp``
``ms-forms``       ``ID, Start time, Completion time``
``salesforce``     three or more Salesforce field labels / API names for the table, or the
                   ``salesforce.com`` copyright footer
``hubspot``        three or more HubSpot-only labels (``Record ID``, ``Contact owner``,
                   ``Became a ... Date``, ``Deal Stage``, ``Pipeline`` ...)
``pipedrive``      columns named ``Deal - ...`` / ``Person - ...`` / ``Organization - ...``
``dynamics365``    ``(Do Not Modify) ...`` columns of Dynamics' Excel export
=================  =========================================================================

When two CRMs score equally the answer is ``None`` (ambiguous: the loader then asks for
``[crm] format`` or ``[crm] columns``), never a guess. A file with no recognisable header
returns ``"mapped"`` when it has none of the platforms' headers but the caller may map it
through ``[crm] columns`` — the mapped importer then reports every required column it
could not find.
"""

from __future__ import annotations

from .forms import is_google_forms, is_ms_forms
from .hubspot import hubspot_score
from .qualtrics import qualtrics_layout
from .reader import RawTable
from .salesforce import salesforce_score
from .surveymonkey import is_surveymonkey


def detect_survey_format(raw: RawTable) -> str | None:
    """Return the survey platform of *raw* (read with one header row), or ``None``.

    Returns
    -------
    str or None
        ``"qualtrics"``, ``"surveymonkey"``, ``"google-forms"``, ``"ms-forms"`` or ``None``.
    """
    if qualtrics_layout(raw):
        return "qualtrics"
    if is_surveymonkey(raw):
        return "surveymonkey"
    if is_google_forms(raw):
        return "google-forms"
    if is_ms_forms(raw):
        return "ms-forms"
    return None


def crm_scores(raw: RawTable, table: str) -> dict[str, int]:
    """Evidence for each CRM format: number of headers (plus footer) only it writes."""
    cols = [str(c) for c in raw.columns]
    return {
        "salesforce": salesforce_score(raw, table),
        "hubspot": hubspot_score(raw),
        "pipedrive": 3 * sum(c.startswith(("Deal - ", "Person - ", "Organization - "))
                             for c in cols),
        "dynamics365": 3 * sum(c.startswith("(Do Not Modify)") for c in cols),
    }


def detect_crm_format(raw: RawTable, table: str) -> str | None:
    """Return the CRM that wrote *raw* for canonical table *table*, or ``None``.

    Parameters
    ----------
    raw : RawTable
        The file read with one header row.
    table : str
        ``"leads"``, ``"opportunities"`` or ``"activities"``.

    Returns
    -------
    str or None
        A key of ``CRM_IMPORTERS`` (``"salesforce"``, ``"hubspot"``, ``"pipedrive"``,
        ``"dynamics365"``); ``"mapped"`` when no platform is recognised (the columns must
        then be named in ``[crm] columns``); ``None`` when two platforms tie.
    """
    scores = crm_scores(raw, table)
    best = max(scores.values())
    if best < 3:
        return "mapped"
    winners = [k for k, v in scores.items() if v == best]
    if len(winners) > 1:
        return None
    return winners[0]
