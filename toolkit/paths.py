"""Where the project's notebooks, templates and sample engagements live, and how a small
input file is read safely.

The toolkit is installed from a clone of the repository (``pip install -e .``); notebooks and
templates are read from the clone. ``ALIGNDX_HOME`` overrides the location.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

REPO_ROOT = Path(os.environ.get("ALIGNDX_HOME", Path(__file__).resolve().parents[1]))
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TEMPLATES_DIR = REPO_ROOT / "templates"
SAMPLES_DIR = REPO_ROOT / "data" / "samples"

DIAGNOSTIC_NOTEBOOK = NOTEBOOKS_DIR / "diagnostic.ipynb"
PORTFOLIO_NOTEBOOK = NOTEBOOKS_DIR / "portfolio.ipynb"
WORKSHOP_NOTEBOOK = NOTEBOOKS_DIR / "workshop.ipynb"
SCAFFOLD_DIR = TEMPLATES_DIR / "engagement"
#: A results.json of the well-aligned sample, rendered when the report notebook is opened
#: without a ``results_path`` (regenerate: ``aligndx report data/samples/well-aligned -o
#: /tmp/x`` and copy ``/tmp/x/well-aligned/results.json`` here).
EXAMPLE_RESULTS = REPO_ROOT / "data" / "examples" / "results.json"


def sample_engagements() -> list[Path]:
    """Return the sample engagement folders (those holding an ``engagement.toml``), sorted."""
    if not SAMPLES_DIR.is_dir():
        return []
    return sorted(p.parent for p in SAMPLES_DIR.glob("*/engagement.toml"))


def walk(root: str | Path, *, max_depth: int | None = None):
    """:func:`os.walk` (top-down, symbolic links to folders listed but not entered) without
    recursion, so a folder nested thousands of levels deep in a client's files is walked
    like any other instead of exhausting Python's stack (attack 7, DP1).

    Parameters
    ----------
    root : str or Path
        Folder to walk.
    max_depth : int, optional
        Folders more than this many levels below *root* are not entered (None: any depth).

    Yields
    ------
    (str, list of str, list of str)
        ``dirpath, dirnames, filenames`` as :func:`os.walk` yields them (names in the order
        the file system gives them); *dirnames* may be pruned in place to skip folders.
        A folder that cannot be listed (permissions, a path too long) is skipped.
    """
    stack: list[tuple[str, int]] = [(os.fspath(root), 0)]
    while stack:
        top, depth = stack.pop()
        dirs, files, links = [], [], set()
        try:
            with os.scandir(top) as it:
                for entry in it:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else files).append(entry.name)
                    if is_dir and entry.is_symlink():
                        links.add(entry.name)
        except OSError:
            continue
        yield top, dirs, files
        if max_depth is not None and depth >= max_depth:
            continue
        # pushed in reverse so that they are visited in *dirs* order, as os.walk does
        stack.extend((os.path.join(top, d), depth + 1) for d in reversed(dirs)
                     if d not in links)


def read_regular_bytes(path: str | Path, limit: int) -> bytes:
    """The bytes of a small input file, read only when it is a regular file of at most
    *limit* bytes.

    The file is opened without blocking and checked on the open descriptor, so a named pipe
    (which would wait forever), a device (``/dev/zero``: endless), a file swapped for one of
    them after a check, or a file far larger than any such input (a sparse file of
    gigabytes: memory) is never read (attacks 14 BF1, 15 BL1).

    Raises
    ------
    OSError
        Cannot be opened; not a regular file (``errno.EINVAL``); larger than *limit*
        (``errno.EFBIG``).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if st.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit:,} bytes")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit:,} bytes")
    return data
