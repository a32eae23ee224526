"""Files delivered beside the HTML report: ``results.json`` and ``aggregates.xlsx``.

Both are built from the results dict only, which already respects the anonymity rule: no
respondent rows, no group under the threshold. Spreadsheet cells that start with ``=``,
``+``, ``-`` or ``@`` are neutralized against formula injection (SPEC §8).
"""

from __future__ import annotations

from pathlib import Path

from .jsonio import write_json


def write_results_json(results: dict, path: Path) -> Path:
    """Write *results* as strict JSON (no NaN) to *path*.

    Raises
    ------
    ValueError
        If a non-finite number slipped through (``allow_nan=False``).
    """
    return write_json(results, path)


def write_aggregates_xlsx(results: dict, path: Path, *, practice: str = "") -> Path:
    """Write ``aggregates.xlsx`` (see :func:`toolkit.workbook.write_workbook`).

    Cells are plain values (never formulas); text starting with ``=``, ``+``, ``-`` or ``@``
    is neutralized by :func:`toolkit.privacy.neutralize_cell`.
    """
    from .workbook import write_workbook

    return write_workbook(results, path, practice=practice)
