"""Reading the two waves and writing ``comparison.json`` / ``comparison.html`` (SPEC §12)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from ..exceptions import InputError, Problem, one_line
from ..jsonio import dumps
from ..jsonio import load_results as _load_results
from .core import compare_results
from ..report.waves import page

from ..config import SLUG_RE  # noqa: E402  (one slug rule; refuses a trailing newline)
RESULTS_FILE = "results.json"


def load_results(path: str | Path) -> dict:
    """Read one ``results.json`` (:func:`toolkit.jsonio.load_results`, the one reader).

    Raises
    ------
    InputError
        The file is missing, not UTF-8 JSON, or not a results object.
    """
    return _load_results(path)


def load_wave(path: str | Path, *, progress: Callable[[str], None] | None = None) -> dict:
    """One wave: a ``results.json`` file, a report folder holding one, or an engagement
    folder (analysed here with the same code path as ``aligndx report``).

    Raises
    ------
    InputError
        Neither a results file nor an engagement folder, or the engagement is invalid.
    """
    p = Path(path)
    if p.is_file():
        return load_results(p)
    if p.is_dir() and (p / "engagement.toml").is_file():
        from ..pipeline import analyse_folder

        if progress:
            progress(f"analysing {one_line(p.name)}")
        return analyse_folder(p)
    if p.is_dir() and (p / RESULTS_FILE).is_file():
        return load_results(p / RESULTS_FILE)
    raise InputError(Problem(str(p), "expected an engagement folder (with engagement.toml) or "
                                     "a results.json written by 'aligndx report'"))


def compare_paths(before: str | Path, after: str | Path, *,
                  progress: Callable[[str], None] | None = None) -> dict:
    """Compare two waves given as engagement folders or ``results.json`` files.

    Raises
    ------
    InputError
        A wave cannot be read, or the two waves are of different clients.
    """
    b = load_wave(before, progress=progress)
    a = load_wave(after, progress=progress)
    check_same_client(b, a, str(after))
    if progress:
        progress("comparing")
    return compare_results(b, a)


def check_same_client(before: dict, after: dict, where: str) -> None:
    """Refuse two waves of different clients (one client's data never appears in another's
    outputs, SPEC §8).

    Raises
    ------
    InputError
        Naming *where* and both client ids.
    """
    ib, ia = (before.get("client") or {}).get("id"), (after.get("client") or {}).get("id")
    for wave, cid in (("earlier", ib), ("later", ia)):
        if not isinstance(cid, str) or not cid:
            raise InputError(Problem(where, f"the {wave} wave's results.json names no client "
                                            "id, so it cannot be shown to be this client's; "
                                            "use a results.json written by 'aligndx report'",
                                     column="client.id", kind="key"))
    if ib != ia:
        raise InputError(Problem(where, f"the two waves are of different clients ({ib!r} and "
                                        f"{ia!r}); compare two assessments of the same client"))


def write_comparison(comp: dict, out: str | Path) -> Path:
    """Write ``OUT/<client.id>/comparison.json`` and ``comparison.html`` (both or neither).

    Returns
    -------
    Path
        The client's output folder.

    Raises
    ------
    InputError
        The client id is not a slug (it becomes a path).
    """
    cid = str((comp.get("client") or {}).get("id") or "")
    if not SLUG_RE.match(cid):
        raise InputError(Problem("results.json", f"client id {cid!r} is not a slug "
                                                 "([a-z0-9-]+); it names the output folder",
                                 column="client.id", kind="key"))
    folder = Path(out) / cid
    folder.mkdir(parents=True, exist_ok=True)
    files = {"comparison.json": dumps(comp),
             "comparison.html": page(comp)}
    tmpdir = Path(tempfile.mkdtemp(prefix=".compare-", dir=folder))
    try:
        for name, text in files.items():
            (tmpdir / name).write_text(text, encoding="utf-8")
        for name in files:
            os.replace(tmpdir / name, folder / name)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return folder
