"""``OUT/batch-summary.csv``: one row per engagement of a batch.

Columns: ``client_id``, ``folder`` (relative to the batch FOLDER), ``status`` (``ok``,
``failed``, ``skipped`` — unchanged since its last successful run —, or ``not_run`` when the
batch was interrupted first), ``seconds`` (wall time of the job, 0 for skipped), ``error``
(one line; empty unless failed), ``log`` (the job's ``run.log`` relative to OUT), and for
shard runs ``shard`` (``K/N``). Text cells starting with ``=``, ``+``, ``-``, ``@`` are
neutralised and e-mail addresses removed (SPEC §8). Rows are in discovery order. The file is rewritten
atomically after every finished job, so it is current even if the batch is killed.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Iterable, Mapping

from ..privacy import neutralize_cell, safe_log_text

SUMMARY_FILE = "batch-summary.csv"
COLUMNS = ("client_id", "folder", "status", "seconds", "error", "log")
STATUSES = ("ok", "failed", "skipped", "not_run")


def summary_name(shard: tuple[int, int] | None = None) -> str:
    """File name of the summary: ``batch-summary.csv``, or ``batch-summary-shard-K-of-N.csv``
    for a shard run (so slices sharing one OUT do not overwrite each other)."""
    if shard is None:
        return SUMMARY_FILE
    return f"batch-summary-shard-{shard[0]}-of-{shard[1]}.csv"


def _one_line(text: str) -> str:
    return " | ".join(s.strip() for s in str(text or "").splitlines() if s.strip())


def write_summary(path: Path, rows: Iterable[Mapping], *, shard: tuple[int, int] | None = None
                  ) -> Path:
    """Write the summary rows to *path* atomically.

    Parameters
    ----------
    path : Path
        Target CSV.
    rows : iterable of mapping
        With the keys of :data:`COLUMNS` (extra keys ignored); ``seconds`` in seconds.
    shard : (K, N), optional
        Adds a ``shard`` column ``K/N`` to every row; without it the column is written when
        some row carries a ``shard`` value (merged summaries).

    Returns
    -------
    Path
    """
    rows = list(rows)
    cols = list(COLUMNS) + (["shard"] if shard or any(r.get("shard") for r in rows) else [])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        row = {c: r.get(c, "") for c in COLUMNS}
        row["seconds"] = f"{float(r.get('seconds') or 0):.1f}"
        row["error"] = _one_line(row["error"])
        if "shard" in cols:
            row["shard"] = f"{shard[0]}/{shard[1]}" if shard else r.get("shard", "")
        # Folder names and error texts come from the client's files: a cell starting with
        # = + - @ would run as a formula when the summary is opened in a spreadsheet.
        # and no e-mail address (a respondent or owner id quoted by an error) leaves
        w.writerow({k: neutralize_cell(safe_log_text(v)) if isinstance(v, str) else v
                    for k, v in row.items()})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, path)
    return path


from ..config import SLUG_RE as _CLIENT_ID  # noqa: E402  (one slug rule, length bound included)


def read_summary(path: Path) -> list[dict]:
    """Read a summary CSV written by :func:`write_summary` (``seconds`` as float).

    A slice's summary may come from another machine (CI artefacts, a cluster job), and
    :func:`toolkit.batch.collect.collect` turns its ``client_id`` into folder names, so every
    row is checked first: ``client_id`` a slug (nothing that could name a folder outside
    OUT), ``status`` one of :data:`STATUSES`, ``seconds`` a number.

    Raises
    ------
    InputError
        A missing column or a bad value, naming the file, row and column.
    """
    from ..exceptions import InputError

    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: not a batch summary ({exc})") from None
    missing = [c for c in ("client_id", "folder", "status") if c not in header]
    if missing:
        raise InputError(f"{path}: not a batch summary: column(s) {', '.join(missing)} "
                         "missing")
    from ..privacy import unneutralize_cell

    for i, r in enumerate(rows, start=2):
        for key in ("client_id", "folder"):   # written neutralised ("-acme" as "'-acme")
            r[key] = unneutralize_cell(r.get(key) or "")
        cid, status = r.get("client_id") or "", r.get("status") or ""
        if not _CLIENT_ID.fullmatch(cid):
            raise InputError(f"{path}: row {i}, column client_id: {cid[:60]!r} is not a "
                             "client id (lowercase letters, digits and hyphens, at most 64)")
        if status not in STATUSES:
            raise InputError(f"{path}: row {i}, column status: {status[:40]!r} is not one of "
                             f"{', '.join(STATUSES)}")
        try:
            r["seconds"] = float(r.get("seconds") or 0)
        except ValueError:
            raise InputError(f"{path}: row {i}, column seconds: {r['seconds'][:40]!r} is not "
                             "a number") from None
    return rows
