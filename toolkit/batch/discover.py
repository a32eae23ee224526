"""Find the engagement folders of a practice and slice them into shards.

An engagement folder is any folder holding an ``engagement.toml`` (SPEC §1). Discovery walks
FOLDER (or takes FOLDER itself when it is an engagement), skips hidden folders, does not
descend into an engagement, and returns the folders sorted by their path relative to FOLDER,
so every machine that sees the same FOLDER sees the same list in the same order.

Shards (``--shard K/N``, K = 1..N) are assigned per folder by a hash of its relative path:
``shard = int(sha256(rel)[:16], 16) % N + 1``. The assignment of one folder does not depend
on which other folders exist, so slices started on different machines (a Kubernetes indexed
job, a CI matrix) partition the set exactly even when they list FOLDER at slightly different
times; the price is that slices of a small set are not equally sized.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..config import ENGAGEMENT_FILE, MAX_CLIENT_ID, SLUG_RE, read_engagement_text
from ..exceptions import InputError
from ..paths import walk

_SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Job:
    """One engagement of a batch.

    Attributes
    ----------
    key : str
        Output folder name: the client id from ``engagement.toml``, or, when that file cannot
        be read, a slug of the folder's relative path (the job then fails with the reason).
    folder : Path
        Absolute engagement folder.
    rel : str
        Folder relative to the batch FOLDER, POSIX style (``.`` for FOLDER itself).
    client_id : str or None
        ``client.id`` when readable and a valid slug.
    problem : str or None
        A reason to fail the job without running it (e.g. a client id used twice).
    """

    key: str
    folder: Path
    rel: str
    client_id: str | None
    problem: str | None = None


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """Parse ``"K/N"`` (1 ≤ K ≤ N) into ``(K, N)``; ``None``/empty gives ``None``.

    Raises
    ------
    InputError
        When the text is not of the form K/N with 1 ≤ K ≤ N.
    """
    if text is None or not str(text).strip():
        return None
    m = _SHARD_RE.match(str(text))
    if not m or not (1 <= int(m.group(1)) <= int(m.group(2))):
        raise InputError(f"--shard {text!r}: expected K/N with 1 ≤ K ≤ N, e.g. 2/4 "
                         "(for a Kubernetes indexed job: $((JOB_COMPLETION_INDEX + 1))/N)")
    return int(m.group(1)), int(m.group(2))


def shard_of(rel: str, n: int) -> int:
    """Return the shard (1..n) of the engagement at relative path *rel*."""
    digest = hashlib.sha256(rel.encode("utf-8")).hexdigest()
    return int(digest[:16], 16) % n + 1


def read_client_id(folder: Path) -> str | None:
    """Return ``client.id`` of *folder*'s ``engagement.toml``, or ``None`` when unreadable."""
    try:   # a regular file of bounded size only: never a FIFO or a device (attack 14, BF1)
        doc = tomllib.loads(read_engagement_text(folder / ENGAGEMENT_FILE))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    cid = doc.get("client", {}).get("id") if isinstance(doc.get("client"), dict) else None
    return cid if isinstance(cid, str) and SLUG_RE.match(cid) else None


def _engagement_dirs(root: Path) -> list[Path]:
    if (root / ENGAGEMENT_FILE).is_file():
        return [root]
    found = []
    for dirpath, dirnames, filenames in walk(root):   # not recursive: any depth (DP1)
        if ENGAGEMENT_FILE in filenames and Path(dirpath) != root:
            found.append(Path(dirpath))
            dirnames[:] = []  # an engagement's subfolders are its inputs
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
    return found


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    # a deep folder path must still make a file name (review 13c V1); room for "-x" suffixes
    return s[:MAX_CLIENT_ID - 8].strip("-") or "engagement"


def discover(folder: str | Path, *, shard: tuple[int, int] | None = None) -> list[Job]:
    """Return the engagements under *folder*, sorted by relative path, optionally one shard.

    Parameters
    ----------
    folder : str or Path
        A folder of engagement folders (searched recursively), or one engagement folder.
    shard : (K, N), optional
        Keep only the engagements of slice K of N (see :func:`shard_of`).

    Returns
    -------
    list of Job
        Jobs whose client id is used by more than one folder carry a ``problem`` and are
        reported as failed without running (which folder is right cannot be decided).

    Raises
    ------
    InputError
        *folder* does not exist or holds no engagement folder.
    """
    root = Path(folder).resolve()
    if not root.is_dir():
        raise InputError(f"{folder}: folder not found")
    dirs = _engagement_dirs(root)
    if not dirs:
        raise InputError(f"{folder}: no engagement folders (folders holding an "
                         f"{ENGAGEMENT_FILE}) found")
    rels = {d: (d.relative_to(root).as_posix() or ".") for d in dirs}
    ordered = sorted(dirs, key=lambda d: rels[d])
    ids = {d: read_client_id(d) for d in ordered}
    by_id: dict[str, list[str]] = {}
    for d in ordered:
        if ids[d]:
            by_id.setdefault(ids[d], []).append(rels[d])
    taken = set(by_id)
    jobs = []
    for d in ordered:
        cid, rel = ids[d], rels[d]
        problem = None
        if cid is None:
            key = _slug(rel if rel != "." else d.name)
            while key in taken:
                key += "-x"
            taken.add(key)
        else:
            key = cid
            if len(by_id[cid]) > 1:
                problem = (f"client id {cid!r} is used by several engagement folders "
                           f"({', '.join(by_id[cid])}); give each client its own id")
        jobs.append(Job(key=key, folder=d, rel=rel, client_id=cid, problem=problem))
    if shard is not None:
        k, n = shard
        jobs = [j for j in jobs if shard_of(j.rel, n) == k]
    return jobs
