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


def _sig2(x: float) -> float:
    """*x* rounded to two significant figures."""
    import math
    if not x or not math.isfinite(x):
        return 0.0 if not x else x
    return round(x, 1 - int(math.floor(math.log10(abs(x)))))


def _money_body(x: float, millions: bool) -> str:
    v = _sig2(x)
    if millions:
        import math
        m = v / 1e6
        digits = max(0, 1 - int(math.floor(math.log10(abs(m))))) if m else 1
        return f"{m:,.{digits}f}"
    return f"{v:,.0f}"


def about_money(x: float | None, currency: str = "") -> str:
    """An estimate in money, rounded honestly to two significant figures.

    ``5_984_771`` → ``"USD 6.0 million"``, ``695_468`` → ``"USD 700,000"``; ``None`` → ``"—"``.
    For estimates (revenue at stake), never for booked figures, which keep their units.
    """
    if x is None:
        return "—"
    big = abs(_sig2(x)) >= 1e6
    return f"{currency} {_money_body(x, big)}{' million' if big else ''}".strip()


def about_money_range(lo: float | None, hi: float | None, currency: str = "") -> str:
    """An interval of :func:`about_money` values with the unit once: ``"USD 5.0–6.9
    million"``, ``"USD 620,000–770,000"``; ``"—"`` when a bound is missing."""
    if lo is None or hi is None:
        return "—"
    big = abs(_sig2(hi)) >= 1e6
    return (f"{currency} {_money_body(lo, big)}–{_money_body(hi, big)}"
            f"{' million' if big else ''}").strip()


def stake_is_headline(results: dict) -> bool:
    """Whether revenue at stake belongs in a summary: only when the analysis recorded it as a
    finding, which it does only when the evidence says follow-up is a problem
    (:mod:`toolkit.findings`). Elsewhere it stays in the body, beside its verdict."""
    return any(isinstance(f, dict) and f.get("code") == "revenue_at_stake"
               for f in results.get("findings") or [])
