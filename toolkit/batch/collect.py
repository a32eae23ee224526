"""``aligndx collect OUT [SHARD_OUT ...]``: merge the slices of a sharded batch.

A sharded run (``aligndx batch FOLDER -o OUT_K --shard K/N``) writes its clients'
folders and ``batch-summary-shard-K-of-N.csv``. Slices may share one OUT (a shared volume) or
write separate folders (CI artifacts). :func:`collect` finds every slice summary in OUT and in
the SHARD_OUT folders, checks that slices 1..N are all there exactly once, copies each
client's folder (and ``_failed/<client.id>/``) into OUT, writes the merged
``OUT/batch-summary.csv`` and builds the portfolio report.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..exceptions import InputError
from .runner import FAILED_DIR
from .summary import SUMMARY_FILE, read_summary, write_summary

_SLICE_RE = re.compile(r"^batch-summary-shard-(\d+)-of-(\d+)\.csv$")


@dataclass
class CollectResult:
    """Outcome of :func:`collect`: merged rows, the summary path, the portfolio."""

    rows: list[dict]
    summary: Path
    slices: int
    portfolio: Path | None = None
    portfolio_error: str = ""

    @property
    def exit_code(self) -> int:
        """1 when a job failed or did not run, or the portfolio failed; else 0."""
        bad = any(r["status"] in ("failed", "not_run") for r in self.rows)
        return 1 if bad or self.portfolio_error else 0


def _copy_dir(src: Path, dst: Path) -> None:
    """Copy *src* over *dst* through a staging folder next to *dst*."""
    from ..reporting import replace_dir

    tmp = dst.with_name(f".{dst.name}.collect-{os.getpid()}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    replace_dir(tmp, dst)


def find_slices(folders: Iterable[Path]) -> dict[tuple[int, int], Path]:
    """Return ``{(K, N): summary path}`` for every slice summary in *folders*.

    Raises
    ------
    InputError
        The same slice is found in two folders, slices of different N are mixed, or a slice
        of 1..N is missing.
    """
    found: dict[tuple[int, int], Path] = {}
    for folder in folders:
        for f in sorted(Path(folder).glob("batch-summary-shard-*-of-*.csv")):
            m = _SLICE_RE.match(f.name)
            if not m:
                continue
            key = (int(m.group(1)), int(m.group(2)))
            if key in found and found[key].resolve() != f.resolve():
                raise InputError(f"slice {key[0]}/{key[1]} found twice: {found[key]} and {f}")
            found[key] = f
    if not found:
        raise InputError("no slice summaries (batch-summary-shard-K-of-N.csv) found in "
                         + ", ".join(str(f) for f in folders))
    ns = {n for _, n in found}
    if len(ns) > 1:
        raise InputError(f"slices of different batches are mixed (N = {sorted(ns)})")
    n = ns.pop()
    missing = [f"{k}/{n}" for k in range(1, n + 1) if (k, n) not in found]
    if missing:
        raise InputError(f"missing slice(s) {', '.join(missing)}: run them (or pass their "
                         "output folders) before collecting")
    return found


def collect(out: str | Path, shard_outs: Iterable[str | Path] = (), *,
            portfolio: bool = True) -> CollectResult:
    """Merge the results of the slices of a sharded batch into *out*.

    Parameters
    ----------
    out : path
        The merged output folder (it may itself hold slices).
    shard_outs : paths
        Output folders of slices run elsewhere.
    portfolio : bool
        Build ``OUT/portfolio.html`` from the merged clients.

    Returns
    -------
    CollectResult

    Raises
    ------
    InputError
        Missing, duplicated or mixed slices (see :func:`find_slices`), or a client folder
        named in a slice summary is missing from its slice.
    """
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    sources = [out] + [Path(s).resolve() for s in shard_outs]
    for s in sources[1:]:
        if not s.is_dir():
            raise InputError(f"{s}: folder not found")
    slices = find_slices(sources)
    rows, seen = [], {}
    for (k, n), path in sorted(slices.items()):
        src_root = path.parent
        for r in read_summary(path):
            if r["folder"] in seen:
                raise InputError(f"engagement {r['folder']} is in slices {seen[r['folder']]} "
                                 f"and {k}/{n}")
            seen[r["folder"]] = f"{k}/{n}"
            r["shard"] = f"{k}/{n}"
            rows.append(r)
            if src_root == out:
                continue
            cid = r["client_id"]
            if r["status"] in ("ok", "skipped"):
                src = src_root / cid
                if not (src / "results.json").is_file():
                    raise InputError(f"{src}: listed as {r['status']} in {path.name} but has "
                                     "no results.json")
                _copy_dir(src, out / cid)
                shutil.rmtree(out / FAILED_DIR / cid, ignore_errors=True)
            elif (src_root / FAILED_DIR / cid).is_dir():
                _copy_dir(src_root / FAILED_DIR / cid, out / FAILED_DIR / cid)
    rows.sort(key=lambda r: r["folder"])
    summary = write_summary(out / SUMMARY_FILE, rows)
    result = CollectResult(rows=rows, summary=summary, slices=len(slices))
    if portfolio:
        from .portfolio import build_portfolio
        try:
            result.portfolio = build_portfolio(out)
        except Exception as exc:
            result.portfolio_error = str(exc)
    return result
