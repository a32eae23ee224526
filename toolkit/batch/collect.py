"""``aligndx collect OUT [SHARD_OUT ...]``: merge the slices of a sharded batch.

A sharded run (``aligndx batch FOLDER -o OUT_K --shard K/N``) writes its clients'
folders and ``batch-summary-shard-K-of-N.csv``. Slices may share one OUT (a shared volume) or
write separate folders (CI artifacts). :func:`collect` finds every slice summary in OUT and in
the SHARD_OUT folders, checks that slices 1..N are all there exactly once, copies each
client's folder (and ``_failed/<client.id>/``) into OUT, writes the merged
``OUT/batch-summary.csv`` and builds the portfolio report.

A slice folder may come from another machine, so it is untrusted input (attack 9, CL1–CL3):

* every slice is checked before anything in OUT changes: each ``results.json`` is read with
  the toolkit's one reader (:func:`toolkit.jsonio.load_results`) and must be the report of the
  client its summary row names; an existing ``OUT/<client.id>/`` must hold that same client's
  report (the rule of ``aligndx report``, :func:`toolkit.reporting.check_same_client`);
* only regular files and folders really inside the slice are copied, without recursion and
  without following a link: a symbolic link is not copied (a warning names it, as ``aligndx
  report`` never follows the links in a report folder), a named pipe, socket or device, or
  folders nested more than :data:`MAX_SLICE_DEPTH` levels deep, stop the run with exit 2
  naming the path;
* each copy is made in a locked staging folder (:func:`toolkit.runsafe.make_staging`), removed
  on any failure, and moved into place whole; staging folders of a killed run are swept by the
  next run in OUT (:func:`toolkit.reporting.sweep_killed_runs`).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..exceptions import InputError
from .runner import FAILED_DIR
from .summary import SUMMARY_FILE, read_summary, write_summary

_SLICE_RE = re.compile(r"^batch-summary-shard-(\d+)-of-(\d+)\.csv$")

#: Deepest folder nesting accepted in a slice's client folder: a report folder is one level
#: deep (plus the folders a user added to it); deeper nesting is refused (exit 2) instead of
#: being copied (it would exhaust the stack of the code that removes or copies it later).
MAX_SLICE_DEPTH = 32
#: Bytes read at a time when copying a file.
_COPY_CHUNK = 1 << 20

_O_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
# O_NONBLOCK: a named pipe put in a file's place after it was checked does not block the open
_O_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_O_WRITE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
_EXPECTED = ("a slice holds only regular files and folders (the client folders 'aligndx batch' "
             "wrote); remove it from the slice and collect again")


@dataclass
class CollectResult:
    """Outcome of :func:`collect`: merged rows, the summary path, the portfolio, and
    warnings (symbolic links in a slice that were not copied)."""

    rows: list[dict]
    summary: Path
    slices: int
    portfolio: Path | None = None
    portfolio_error: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when a job failed or did not run, or the portfolio failed; else 0."""
        bad = any(r["status"] in ("failed", "not_run") for r in self.rows)
        return 1 if bad or self.portfolio_error else 0


def _kind(mode: int) -> str:
    for test, name in _SPECIAL:
        if test(mode):
            return name
    return "not a regular file or folder"


def _unreadable(path: Path, exc: OSError) -> InputError:
    return InputError(f"{path}: cannot be read ({exc.strerror or exc}); {_EXPECTED}")


def _open_dir(path: Path, name: str | None = None, dir_fd: int | None = None) -> int:
    """Open a folder without following a link (the last component; *dir_fd* pins the rest).

    Raises
    ------
    InputError
        *path* is a symbolic link, not a folder, or cannot be opened.
    """
    try:
        return os.open(name if name is not None else path, _O_DIR, dir_fd=dir_fd)
    except OSError as exc:
        try:
            st = os.stat(name if name is not None else path, dir_fd=dir_fd,
                         follow_symlinks=False)
        except OSError:
            raise _unreadable(path, exc) from None
        if stat.S_ISLNK(st.st_mode):
            raise InputError(f"{path}: a symbolic link, not a folder of the slice (links are "
                             f"not followed); {_EXPECTED}") from None
        if not stat.S_ISDIR(st.st_mode):
            raise InputError(f"{path}: {_kind(st.st_mode)}, not a folder; {_EXPECTED}") \
                from None
        raise _unreadable(path, exc) from None


def _copy_file(sfd: int, name: str, path: Path, dfd: int, mode: int) -> None:
    """Copy the regular file *name* of folder *sfd* into folder *dfd* (never through a link,
    never blocking on a pipe)."""
    try:
        fd = os.open(name, _O_READ, dir_fd=sfd)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: {_kind(st.st_mode)}; {_EXPECTED}")
        os.set_blocking(fd, True)
        out = os.open(name, _O_WRITE, 0o600, dir_fd=dfd)
        try:
            while True:
                try:
                    chunk = os.read(fd, _COPY_CHUNK)
                except OSError as exc:
                    raise _unreadable(path, exc) from None
                if not chunk:
                    break
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view):]
            os.fchmod(out, (st.st_mode & 0o777 | 0o600) & mode)
            os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
        finally:
            os.close(out)
    finally:
        os.close(fd)


def _copy_tree(src: Path, dst: Path | None, warnings: list[str]) -> None:
    """Copy folder *src* into the existing empty folder *dst* (only check *src* when *dst* is
    None): regular files and folders only, iteratively (any number of entries, nesting up
    to :data:`MAX_SLICE_DEPTH`), never following a symbolic link (each one is skipped and
    named in *warnings*).

    Raises
    ------
    InputError
        *src* (or a folder in it) is a link or cannot be read; it holds a named pipe, socket or
        device, or folders nested more than :data:`MAX_SLICE_DEPTH` levels deep.
    OSError
        Writing into *dst* failed.
    """
    from ..runsafe import folder_mode

    mode = folder_mode()
    frames: list[tuple[int, int | None, Path, list[str]]] = []

    def push(sfd: int, dfd: int | None, where: Path) -> None:
        try:
            names = sorted(os.listdir(sfd))
        except OSError as exc:
            os.close(sfd)
            if dfd is not None:
                os.close(dfd)
            raise _unreadable(where, exc) from None
        frames.append((sfd, dfd, where, names[::-1]))

    push(_open_dir(src), None if dst is None else os.open(dst, _O_DIR), src)
    try:
        while frames:
            sfd, dfd, where, names = frames[-1]
            if not names:
                frames.pop()
                os.close(sfd)
                if dfd is not None:
                    os.close(dfd)
                continue
            name = names.pop()
            path = where / name
            try:
                st = os.stat(name, dir_fd=sfd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise _unreadable(path, exc) from None
            if stat.S_ISLNK(st.st_mode):
                if dst is None:
                    warnings.append(f"{path}: a symbolic link in a slice, not copied (links "
                                    "are not followed)")
            elif stat.S_ISDIR(st.st_mode):
                if len(frames) > MAX_SLICE_DEPTH:
                    raise InputError(f"{path}: folders nested more than {MAX_SLICE_DEPTH} "
                                     f"levels deep in a slice's client folder; {_EXPECTED}")
                child = _open_dir(path, name, sfd)
                cdst = None
                if dfd is not None:
                    try:
                        os.mkdir(name, 0o700, dir_fd=dfd)
                        cdst = os.open(name, _O_DIR, dir_fd=dfd)
                        os.fchmod(cdst, (st.st_mode & 0o777 | 0o700) & mode)
                    except BaseException:
                        os.close(child)
                        raise
                push(child, cdst, path)
            elif stat.S_ISREG(st.st_mode):
                if dfd is not None:
                    _copy_file(sfd, name, path, dfd, mode)
            else:
                raise InputError(f"{path}: {_kind(st.st_mode)}; {_EXPECTED}")
    finally:
        for sfd, dfd, _, _ in frames:
            os.close(sfd)
            if dfd is not None:
                os.close(dfd)


def _staged_copy(src: Path, out: Path, final: Path, label: str,
                 expect_client: str | None = None) -> None:
    """Copy *src* into a locked staging folder in *out*, then move it to *final* whole; the
    staging folder is removed on any failure (interrupts included).

    Raises
    ------
    InputError
        See :func:`_copy_tree`; the staged ``results.json`` is not *expect_client*'s (the slice
        changed after it was checked); OUT cannot be written.
    """
    from ..runsafe import folder_mode, make_staging, swap_into_place

    try:
        stage = make_staging(out, label)
    except OSError as exc:
        raise InputError(f"{out}: cannot write in the output folder "
                         f"({exc.strerror or exc})") from None
    try:
        _copy_tree(src, stage.path, [])
        if expect_client is not None:
            staged = _client_of(stage.path / "results.json", src / "results.json")
            if staged.get("id") != expect_client:
                raise InputError(f"{src / 'results.json'}, key 'client.id': changed while it "
                                 "was being collected; nothing was copied")
        os.chmod(stage.path, folder_mode())
        final.parent.mkdir(exist_ok=True)
        swap_into_place(stage.path, final)
        stage.release()
    except OSError as exc:
        stage.discard()
        raise InputError(f"{final}: cannot write the merged copy ({exc.strerror or exc}); "
                         "check the output folder's permissions and free space") from None
    except BaseException:
        stage.discard()
        raise


def _client_of(path: Path, shown: Path | None = None) -> dict:
    """The ``client`` object of the results.json *path* (read with
    :func:`toolkit.jsonio.load_results`); errors name *shown* instead of *path*."""
    from ..jsonio import load_results

    try:
        results = load_results(path)
    except InputError as exc:
        if shown is None:
            raise
        msg = str(exc)
        if msg.startswith(str(path)):
            msg = str(shown) + msg[len(str(path)):]
        raise type(exc)(msg) from None
    client = results.get("client")
    return client if isinstance(client, dict) else {}


def _check_slice_client(src: Path, cid: str, where: str) -> dict:
    """Check that ``src/results.json`` is a regular file of the slice holding client *cid*'s
    report; return its ``client`` object.

    Raises
    ------
    InputError
        No results.json, a link or special file in its place, not a results.json, or the
        report of another client (naming the slice summary's row and the key).
    """
    rj = src / "results.json"
    try:
        st = os.stat(rj, follow_symlinks=False)
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        what = ("no results.json" if st is None else "a results.json that is "
                + ("a symbolic link (links are not followed)" if stat.S_ISLNK(st.st_mode)
                   else _kind(st.st_mode)))
        raise InputError(f"{src}: listed in {where} but has {what}; expected the client "
                         "folder 'aligndx batch' wrote, with its results.json")
    client = _client_of(rj)
    got = client.get("id")
    if got != cid:
        from ..config import SLUG_RE

        named = (f"client {got!r}" if isinstance(got, str) and SLUG_RE.match(got)
                 else "no valid client id")
        raise InputError(f"{rj}, key 'client.id': names {named}, but {where}, column "
                         f"client_id, says {cid!r}; one client's report is never merged as "
                         "another's: nothing was copied")
    return client


def _check_existing(final: Path, client: dict, rj: Path, where: str) -> None:
    """Refuse to replace ``OUT/<id>/`` when it holds another client's report (same rule as
    ``aligndx report``: :func:`toolkit.reporting.check_same_client`, plus the client id)."""
    from ..reporting import check_same_client

    name = client.get("name") or client.get("id")
    try:
        check_same_client(final, str(name))
        prev = final / "results.json"
        old_id = None
        if prev.is_file():
            import json
            try:
                old_id = (json.loads(prev.read_text(encoding="utf-8")).get("client")
                          or {}).get("id")
            except (OSError, ValueError, AttributeError):
                old_id = None
        if old_id is not None and old_id != client.get("id"):
            raise InputError("another client id")
    except InputError:
        raise InputError(f"{final}: this folder holds the report of another client; "
                         f"{rj} (key 'client.name' / 'client.id', {where}) is not that "
                         "client's, so it was left untouched and nothing was copied. Collect "
                         "into another output folder (or delete the folder first if it is the "
                         "same client renamed).") from None


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
        Missing, duplicated or mixed slices (see :func:`find_slices`); a client folder named
        in a slice summary is missing from its slice, holds another client's report, or holds
        a named pipe, socket, device or folders nested too deeply (see :func:`_copy_tree`);
        ``OUT/<client.id>/`` holds another client's report. Nothing in OUT is changed then.
    """
    from ..reporting import sweep_killed_runs

    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    sweep_killed_runs(out)  # staging folders of a killed collect, report or batch
    sources = [out] + [Path(s).resolve() for s in shard_outs]
    for s in sources[1:]:
        if not s.is_dir():
            raise InputError(f"{s}: folder not found")
    if os.path.islink(out / FAILED_DIR):
        raise InputError(f"{out / FAILED_DIR}: a symbolic link; expected the output folder's "
                         "own _failed folder")
    slices = find_slices(sources)
    rows, seen, ids, copies, warnings = [], {}, {}, [], []
    # 1. check every slice before anything in OUT changes
    for (k, n), path in sorted(slices.items()):
        src_root = path.parent
        for i, r in enumerate(read_summary(path), start=2):
            if r["folder"] in seen:
                raise InputError(f"engagement {r['folder']} is in slices {seen[r['folder']]} "
                                 f"and {k}/{n}")
            seen[r["folder"]] = f"{k}/{n}"
            r["shard"] = f"{k}/{n}"
            rows.append(r)
            if src_root == out:
                continue
            cid = r["client_id"]
            where = f"{path}, row {i}"
            if r["status"] in ("ok", "skipped"):
                if cid in ids:
                    raise InputError(f"{where}, column client_id: client {cid!r} is also "
                                     f"listed in {ids[cid]}; each client is merged once")
                ids[cid] = where
                src = src_root / cid
                if not os.path.lexists(src):
                    raise InputError(f"{src}: listed as {r['status']} in {where} but the "
                                     "slice has no such folder; expected the client folder "
                                     "'aligndx batch' wrote, with its results.json")
                _copy_tree(src, None, warnings)
                client = _check_slice_client(src, cid, where)
                _check_existing(out / cid, client, src / "results.json", where)
                copies.append((src, out / cid, cid, cid))
            else:
                failed = src_root / FAILED_DIR
                if os.path.lexists(failed / cid) or os.path.islink(failed):
                    if os.path.islink(failed):
                        raise InputError(f"{failed}: a symbolic link, not a folder of the "
                                         f"slice (links are not followed); {_EXPECTED}")
                    _copy_tree(failed / cid, None, warnings)
                    copies.append((failed / cid, out / FAILED_DIR / cid, f"_failed.{cid}",
                                   None))
    # 2. copy: each folder through a locked staging folder, moved into place whole
    for src, final, label, expect in copies:
        _staged_copy(src, out, final, label, expect)
        if expect is not None:
            shutil.rmtree(out / FAILED_DIR / expect, ignore_errors=True)
    rows.sort(key=lambda r: r["folder"])
    summary = write_summary(out / SUMMARY_FILE, rows)
    result = CollectResult(rows=rows, summary=summary, slices=len(slices),
                           warnings=warnings)
    if portfolio:
        from .portfolio import build_portfolio
        try:
            result.portfolio = build_portfolio(out)
        except Exception as exc:
            result.portfolio_error = str(exc)
    return result
