"""Plain-text formatting of records stored in ``results.json``, shared by the command line and
the report (so the report needs no analysis module to print them)."""

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
        lines.append(f"    rows read: {d.get('rows_read', 0):,}; rows kept: "
                     f"{d.get('rows_kept', 0):,}")
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
