"""The intake summary: what was read from each file, as ``aligndx validate`` prints it."""

from __future__ import annotations

from typing import Iterable


def intake_lines(records: Iterable) -> list[str]:
    """Return the intake summary as plain-text lines, one block per file.

    Parameters
    ----------
    records : iterable of FileIntake or dict
        Per-file intake records (``EngagementData.intake`` or ``results["data"]["intake"]``).

    Returns
    -------
    list of str
    """
    lines: list[str] = []
    for r in records:
        d = r.to_dict() if hasattr(r, "to_dict") else dict(r)
        enc = d.get("encoding") or "?"
        delim = d.get("delimiter")
        delim_txt = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(delim, delim)
        lines.append(f"{d.get('path')}  [{d.get('table')}]")
        lines.append(f"    format: {d.get('format')}; encoding: {enc}"
                     + (f"; delimiter: {delim_txt}" if delim else ""))
        if d.get("rows_read") is None and d.get("rows_kept") is None and "rows_read" in d:
            lines.append("    rows read and kept: not shown (with the overall figures they "
                         "would reveal the size of a group hidden for anonymity)")
        else:
            lines.append(f"    rows read: {d.get('rows_read') or 0:,}; rows kept: "
                         f"{d.get('rows_kept') or 0:,}")
        for reason, n in (d.get("dropped") or {}).items():
            lines.append(f"    dropped {n:,}: {reason}")
        mapped = d.get("columns_mapped") or {}
        renamed = {k: v for k, v in mapped.items() if k != v}
        lines.append(f"    columns mapped: {len(mapped)}"
                     + (" (" + ", ".join(f"{k} → {v}" for k, v in list(renamed.items())[:12])
                        + (", …" if len(renamed) > 12 else "") + ")" if renamed else ""))
        unmatched = d.get("columns_unmatched") or []
        if unmatched:
            lines.append(f"    columns left unmatched: {len(unmatched)} ("
                         + ", ".join(unmatched[:12]) + (", …" if len(unmatched) > 12 else "")
                         + ")")
        for col, fmt in (d.get("date_formats") or {}).items():
            lines.append(f"    dates in {col}: {fmt}")
        for w in d.get("warnings") or []:
            lines.append(f"    warning: {w}")
    return lines


def print_intake(data, console=None) -> None:
    """Print the intake summary of *data* (an ``EngagementData``) to the console."""
    text = "\n".join(["Intake summary", *intake_lines(data.intake)])
    if data.warnings:
        text += "\nWarnings:\n" + "\n".join(f"  - {w}" for w in data.warnings)
    if console is None:
        print(text)
    else:
        console.print(text, markup=False, highlight=False)


def readiness_notes(data) -> list[str]:
    """What the report will not be able to assess, known already at intake.

    Parameters
    ----------
    data : EngagementData

    Returns
    -------
    list of str
        Plain sentences: sections missing from ``engagement.toml``, survey sides under the
        anonymity threshold, CRM tables absent.
    """
    from ..config import SIDES

    eng = data.engagement
    notes: list[str] = []
    if eng.survey is None:
        notes.append("No [survey] section: politics and the survey half of incentives and "
                     "communication will not be assessed, and there will be no overall score.")
    if eng.crm is None:
        notes.append("No [crm] section: the blame-game verdict and the hand-off evidence will "
                     "not be assessed.")
    if eng.crm is not None and eng.crm.leads is None:
        notes.append("No [crm] leads file: the lead funnel (MQL → SAL → SQL), speed to lead "
                     "and the lead-quality claim will not be assessed; only the "
                     "opportunities (win rates, revenue) are read.")
    if eng.incentives is None:
        notes.append("No [incentives] section: the compensation plan will not be assessed.")
    if data.survey is not None and "team" in data.survey.columns:
        k = eng.analysis.min_group_size
        sides = data.survey["team"].map(SIDES).value_counts()
        for side in ("sales", "marketing"):
            n = int(sides.get(side, 0))
            if n < k:
                notes.append(f"The {side} side has fewer than {k} respondents (the anonymity "
                             "threshold): its figures and every sales-vs-marketing comparison "
                             "will be hidden.")
    if eng.crm is not None and data.activities is None and data.leads is not None \
            and "first_touch_at" not in data.leads.columns:
        notes.append("No activities file and no first_touch_at column: speed to first touch "
                     "and attempts cannot be measured, so the follow-up claim will be "
                     "inconclusive.")
    return notes
