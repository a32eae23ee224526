"""Reading the two waves and writing ``comparison.json`` / ``comparison.html`` (SPEC §12)."""

from __future__ import annotations

import os
import shutil
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
                                        f"{ia!r}); compare two assessments of the same client: the later "
                                        "engagement.toml must keep the earlier [client] id "
                                        "(aligndx init FOLDER --id ID)"))


def write_comparison(comp: dict, out: str | Path) -> Path:
    """Write ``OUT/<client.id>/comparison.json`` and ``comparison.html`` (both or neither).

    Both files are written into a locked staging folder ``OUT/.<client.id>.XXXX.partial``
    (:func:`toolkit.runsafe.make_staging`); a client folder holding nothing else is then
    swapped in whole (atomic: a reader, or a run killed at any instant, sees the old pair or
    the new one, attack 43b C1); a folder that also holds other files (a report written to
    the same OUT) gets the two files replaced one after the other. Staging folders of runs
    that died are removed first.

    Returns
    -------
    Path
        The client's output folder.

    Raises
    ------
    InputError
        The client id is not a slug (it becomes a path), the output folder cannot be made or
        written, or a folder is in the way of one of the two files.
    """
    from ..reporting import prepare_output_dir
    from ..runsafe import (folder_mode, make_staging, swap_into_place, sweep_creating,
                           sweep_stale)

    cid = str((comp.get("client") or {}).get("id") or "")
    if not SLUG_RE.match(cid):
        raise InputError(Problem("results.json", f"client id {cid!r} is not a slug "
                                                 "([a-z0-9-]+); it names the output folder",
                                 column="client.id", kind="key"))
    out = Path(out)
    prepare_output_dir(out)
    folder = out / cid
    if folder.is_symlink():   # swapped whole, a link would be replaced, not its target
        raise InputError(f"{folder}: the client folder is a link; give -o the folder it "
                         "points into, or remove the link")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: the output path exists and is not a folder")
    files = {"comparison.json": dumps(comp), "comparison.html": page(comp)}
    for name in files:
        if (folder / name).is_dir():
            raise InputError(f"{folder / name}: a folder is in the way of the comparison "
                             "file; move it away and run again")
    sweep_stale(out, f".{cid}.*.partial")
    sweep_creating(out, cid)
    staging = make_staging(out, cid)
    try:
        for name, text in files.items():
            (staging.path / name).write_text(text, encoding="utf-8")
        others = [p for p in folder.iterdir() if p.name not in files] if folder.is_dir() \
            else []
        if others:
            for name in files:
                os.replace(staging.path / name, folder / name)
            shutil.rmtree(staging.path, ignore_errors=True)
        else:
            staging.path.chmod(folder_mode())
            swap_into_place(staging.path, folder)
    except OSError as exc:
        shutil.rmtree(staging.path, ignore_errors=True)
        raise InputError(f"{folder}: cannot write the comparison "
                         f"({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(staging.path, ignore_errors=True)
        raise
    finally:
        staging.release()
    return folder

