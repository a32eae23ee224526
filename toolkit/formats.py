"""The importer registry: every input format name and the function that imports it — one list.

``engagement.toml`` accepts exactly these names (``[survey] format``, ``[crm] format``, plus
``auto`` and ``canonical``), :func:`toolkit.intake.load_data` dispatches on them, and the
error for an unknown name lists them. Importers are referenced as ``"module:function"`` and
imported on first use (a typical run needs one or two of them); an entry that does not
resolve is an error, never a silently skipped format (a test resolves every entry).

Adding a format: write the importer (contract in :mod:`toolkit.intake.base`), add one line
here, and teach :mod:`toolkit.intake.detect` to recognise it for ``format = "auto"``.
"""

from __future__ import annotations

import importlib
from typing import Callable

#: Survey formats: name → ``"module:function"`` with the signature
#: ``import_survey(path, config, *, display_path) -> ImportResult``.
SURVEY_IMPORTERS: dict[str, str] = {
    "qualtrics": "toolkit.intake.qualtrics:import_survey",
    "surveymonkey": "toolkit.intake.surveymonkey:import_survey",
    "google-forms": "toolkit.intake.forms:import_google_forms",
    "ms-forms": "toolkit.intake.forms:import_ms_forms",
    "spss": "toolkit.intake.spss:import_survey",
}

#: CRM formats: name → ``"module:function"`` with the signature
#: ``import_crm_table(path, table, config, *, display_path) -> ImportResult``.
CRM_IMPORTERS: dict[str, str] = {
    "salesforce": "toolkit.intake.salesforce:import_crm_table",
    "hubspot": "toolkit.intake.hubspot:import_crm_table",
    "pipedrive": "toolkit.intake.othercrm:import_pipedrive",
    "dynamics365": "toolkit.intake.othercrm:import_dynamics365",
    "mapped": "toolkit.intake.crmbuild:import_crm_table",
}

#: Formats read without a platform importer.
GENERIC = ("auto", "canonical")

#: Every accepted ``[survey] format`` / ``[crm] format`` value, in documentation order.
SURVEY_FORMATS: tuple[str, ...] = GENERIC + tuple(SURVEY_IMPORTERS)
CRM_FORMATS: tuple[str, ...] = GENERIC + tuple(CRM_IMPORTERS)

_KINDS = {"survey": SURVEY_IMPORTERS, "crm": CRM_IMPORTERS}


class UnknownFormat(LookupError):
    """A format name that is not in the registry (message lists the known ones)."""


def importer(kind: str, name: str) -> Callable:
    """Return the importer function of format *name*.

    Parameters
    ----------
    kind : {"survey", "crm"}
    name : str
        A key of :data:`SURVEY_IMPORTERS` or :data:`CRM_IMPORTERS`.

    Raises
    ------
    UnknownFormat
        *name* is not registered for *kind*; the message names the known formats.
    ImportError, AttributeError
        The registered module or function does not exist (a bug in this table).
    """
    table = _KINDS[kind]
    if name not in table:
        raise UnknownFormat(f"unknown {kind} format {name!r}; expected one of "
                            f"{', '.join(GENERIC + tuple(table))}")
    module, func = table[name].split(":")
    return getattr(importlib.import_module(module), func)
