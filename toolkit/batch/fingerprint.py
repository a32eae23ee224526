"""Content hash of everything a report depends on, to skip unchanged engagements.

The fingerprint covers ``engagement.toml``, every input file it names (a named folder counts
with all files inside it), the report notebook, the ``templates/`` folder (instrument,
report template, branding), the toolkit version and a digest of the toolkit's own source
files (so a fix shipped without a version bump still re-runs), and the batch parameters that
change the outputs (e.g. ``pdf``). It is written as ``OUT/<client.id>/fingerprint.json`` after
a successful run; a later batch skips the engagement when the recorded digest equals the
current one and the report files are all present.

Hashes are SHA-256 of the file bytes (``hashlib.file_digest``, streamed).
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any, Iterable, Mapping

from .. import __version__
from ..config import ENGAGEMENT_FILE, read_engagement_text
from ..paths import TEMPLATES_DIR, walk

FINGERPRINT_FILE = "fingerprint.json"
TOOLKIT_DIR = Path(__file__).resolve().parents[1]

# (section, key) pairs of engagement.toml that name input files (SPEC §1).
_INPUT_KEYS = (("survey", "path"), ("crm", "leads"), ("crm", "opportunities"),
               ("crm", "activities"), ("incentives", "path"))


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _files_under(path: Path) -> Iterable[Path]:
    if path.is_file():
        yield path
    elif path.is_dir():
        for dirpath, dirnames, filenames in walk(path):   # not recursive: any depth
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for f in sorted(filenames):
                if not f.endswith((".pyc", ".pyo")):
                    yield Path(dirpath) / f


def tree_digest(root: Path, *, suffixes: tuple[str, ...] | None = None) -> str:
    """Return one SHA-256 over the relative paths and contents of the files under *root*."""
    h = hashlib.sha256()
    for f in _files_under(root):
        if suffixes and f.suffix not in suffixes:
            continue
        rel = f.relative_to(root).as_posix() if root.is_dir() else f.name
        h.update(rel.encode("utf-8") + b"\0" + file_sha256(f).encode("ascii") + b"\n")
    return h.hexdigest()


_CODE_DIGEST: str | None = None


def toolkit_code_digest() -> str:
    """Digest of the toolkit's ``.py`` files (computed once per process)."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        _CODE_DIGEST = tree_digest(TOOLKIT_DIR, suffixes=(".py",))
    return _CODE_DIGEST


def input_files(folder: Path) -> list[Path]:
    """Return ``engagement.toml`` and the files it names that exist, inside *folder*.

    Paths leaving the folder are ignored here (the report run refuses them anyway). When the
    TOML cannot be parsed only ``engagement.toml`` is returned.
    """
    folder = Path(folder).resolve()
    toml = folder / ENGAGEMENT_FILE
    files = [toml]
    try:
        doc = tomllib.loads(read_engagement_text(toml))   # never a FIFO or device (BF1)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return files
    for section, key in _INPUT_KEYS:
        table = doc.get(section)
        value = table.get(key) if isinstance(table, dict) else None
        if not isinstance(value, str) or Path(value).is_absolute():
            continue
        p = (folder / value).resolve()
        if not p.is_relative_to(folder):
            continue
        files.extend(x for x in _files_under(p) if x not in files)
    return files


def compute(folder: str | Path, *, notebook: Path,
            params: Mapping[str, Any] | None = None) -> dict:
    """Return the fingerprint of one engagement.

    Parameters
    ----------
    folder : path
        Engagement folder.
    notebook : Path
        Report notebook that will be run.
    params : mapping, optional
        Batch parameters that change the outputs (JSON-safe values), e.g. ``{"pdf": False}``.

    Returns
    -------
    dict
        ``{"digest", "toolkit_version", "toolkit_code", "notebook", "templates", "params",
        "files": {relative path: sha256}}``; ``digest`` is the SHA-256 of the rest.
    """
    folder = Path(folder).resolve()
    files = {f.relative_to(folder).as_posix(): file_sha256(f)
             for f in input_files(folder) if f.is_file()}
    body = {
        "toolkit_version": __version__,
        "toolkit_code": toolkit_code_digest(),
        "notebook": file_sha256(notebook) if Path(notebook).is_file() else None,
        "templates": tree_digest(TEMPLATES_DIR) if TEMPLATES_DIR.is_dir() else None,
        "params": dict(params or {}),
        "files": files,
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()
    return {"digest": digest, **body}


def recorded(out_folder: Path) -> dict | None:
    """Return the fingerprint recorded in ``OUT/<client.id>/``, or ``None``."""
    try:
        return json.loads((Path(out_folder) / FINGERPRINT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(out_folder: Path, fp: Mapping[str, Any],
               required: Iterable[str] = ()) -> bool:
    """True when *out_folder* holds a successful run with the same digest as *fp* and every
    file in *required*."""
    old = recorded(out_folder)
    if not old or old.get("digest") != fp.get("digest"):
        return False
    return all((Path(out_folder) / name).is_file() for name in required)


def write(out_folder: Path, fp: Mapping[str, Any]) -> Path:
    """Write *fp* as ``fingerprint.json`` into *out_folder* (atomically)."""
    target = Path(out_folder) / FINGERPRINT_FILE
    tmp = target.with_name(f".{FINGERPRINT_FILE}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(fp, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, target)
    return target
