"""Interrupt safety of a run (SPEC §8a): no orphan process, no staging folder left behind,
an atomic final swap.

* :func:`die_with_parent` — called first thing in every child process the toolkit starts
  (the notebook runner's child, the batch worker): on Linux the kernel sends it SIGKILL when
  its parent dies (``prctl(PR_SET_PDEATHSIG)``), elsewhere a watcher thread exits when the
  parent's pid changes. The Jupyter kernel itself exits when its parent (the runner's child)
  goes: ipykernel polls its parent every second (``JPY_PARENT_PID``).
* :func:`parent_death_preexec` — the same for a child that is not the toolkit's code (the
  workshop's Voilà / JupyterLab server): the parent-death signal is set between fork and
  exec; the server's kernels follow it (their parent poll).
* :func:`make_staging` / :func:`sweep_stale` — a staging folder is locked (``flock`` on the
  folder itself) for as long as the process that made it lives; the next run in the same
  output folder removes every staging folder whose lock it can take, i.e. whose owner died
  (SIGKILL, power loss).
* :func:`swap_into_place` — moves a complete folder to its final name with one atomic step:
  ``renameat2(RENAME_EXCHANGE)`` when the final folder exists (readers always see a complete
  report, never an empty or mixed one; two runs writing the same report race safely: the
  last one wins), ``RENAME_NOREPLACE`` when it does not.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

PR_SET_PDEATHSIG = 1
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
#: Suffix of every staging folder the toolkit makes in an output folder.
STAGING_SUFFIX = ".partial"
#: Suffix of a staging folder while it is being made (before its owner holds its lock); its
#: name also carries the owner's pid, ``.<name>.XXXX.<pid>.creating`` (:func:`sweep_creating`).
CREATING_SUFFIX = ".creating"


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:  # pragma: no cover
        return None


def exit_now(code: int = 0) -> None:
    """End this process at once after a normal exit's clean-up: the ``atexit`` handlers run
    (log files, temporary folders, finalizers) and the streams are flushed, then
    ``os._exit`` skips the interpreter's teardown of every module and object — ~0.3–0.5 s
    of CPU in a process that has loaded pandas, SciPy, matplotlib and a report's results
    (issue 18). Only for a process whose work is done and whose exit code is *code*."""
    import atexit

    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def die_with_parent(parent_pid: int | None = None, *, sig: int = signal.SIGKILL) -> None:
    """Make this process end when its parent ends (call it first in a child process).

    Parameters
    ----------
    parent_pid : int, optional
        The pid the parent had when it started this process. When the current parent
        differs (the parent died before this call), the process exits at once.
    sig : int
        Signal delivered on the parent's death (Linux); default SIGKILL.
    """
    expected = parent_pid if parent_pid is not None else os.getppid()
    armed = False
    if sys.platform.startswith("linux"):
        libc = _libc()
        if libc is not None and libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0:
            armed = True
    if os.getppid() != expected:
        os._exit(1)
    if not armed:  # macOS and others: poll
        def watch():
            import time
            while True:
                if os.getppid() != expected:
                    os._exit(1)
                time.sleep(1.0)

        threading.Thread(target=watch, name="aligndx-parent-watch", daemon=True).start()


def parent_death_preexec(sig: int = signal.SIGTERM):
    """A ``preexec_fn`` for :class:`subprocess.Popen` that makes a child which is not the
    toolkit's own Python code (the workshop's Voilà or JupyterLab server) end with the
    process that starts it, SIGKILL of that process included.

    The child is sent *sig* when the starting thread ends (``PR_SET_PDEATHSIG``, set in the
    child between fork and exec; the signal survives the exec). SIGTERM by default, so that
    a Jupyter server shuts its kernels down and removes their connection files. When the
    parent already died before the call, the child exits at once. The starting thread must
    wait for the child (as :func:`toolkit.workshop.launch.launch` does): the signal follows
    the thread, not the process.

    Returns
    -------
    callable or None
        The function to pass as ``preexec_fn``; ``None`` where ``prctl`` is not available
        (macOS, Windows), so that nothing changes there.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = _libc()
    prctl = getattr(libc, "prctl", None) if libc is not None else None
    if prctl is None:  # pragma: no cover
        return None
    parent = os.getpid()
    signum = int(sig)

    def arm() -> None:  # in the child before exec: no import, no lock, no logging
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:   # the parent died between fork and prctl
            os._exit(1)

    return arm


class Staging:
    """A locked staging folder (see :func:`make_staging`). ``path`` is the folder."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd = fd

    def fileno(self) -> int:
        """The descriptor holding the lock (-1 once released): a child process given it
        (``pass_fds``) keeps the folder locked for as long as it lives."""
        return self._fd

    def release(self) -> None:
        """Drop the lock (after the folder was moved into place or removed)."""
        if self._fd >= 0:
            try:
                os.close(self._fd)
            except OSError:  # pragma: no cover
                pass
            self._fd = -1

    def discard(self) -> None:
        """Remove the folder and drop the lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


def _lock_dir(path: Path, *, block: bool) -> int | None:
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd


def lock_folder(path: Path) -> int | None:
    """Lock folder *path* for as long as this process lives (or until the returned
    descriptor is closed), so that :func:`sweep_stale` leaves it alone; ``None`` if the
    folder cannot be opened."""
    return _lock_dir(Path(path), block=True)


def try_lock_file(path: Path) -> int | None:
    """Take the exclusive lock of the file *path* (created if missing) without waiting:
    its descriptor, or ``None`` when another process holds it. Release with
    :func:`release_lock_file`, which removes the file; a lock taken on a file another process
    removed meanwhile is dropped and taken again on the new file.

    Raises
    ------
    OSError
        The file cannot be created (its folder is missing or read-only).
    """
    import fcntl

    path = Path(path)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)   # removed by its last holder between our open and our lock


def release_lock_file(path: Path, fd: int) -> None:
    """Remove the lock file *path* and drop the lock *fd* (:func:`try_lock_file`)."""
    try:
        os.unlink(path)
    except OSError:
        pass
    os.close(fd)


@contextmanager
def held_lock_file(path: Path):
    """``with held_lock_file(path) as fd:`` — :func:`try_lock_file` for the block: *fd* is
    the lock's descriptor, or ``None`` when another process holds it; a lock taken is
    released (and its file removed) when the block ends, however it ends.

    Raises
    ------
    OSError
        The file cannot be created (its folder is missing or read-only).
    """
    fd = try_lock_file(path)
    try:
        yield fd
    finally:
        if fd is not None:
            release_lock_file(path, fd)


def folder_mode() -> int:
    """Permissions of a new folder under this process's umask (``0o755`` under the usual
    ``022``, ``0o700`` under ``077``): a report folder made private by ``mkdtemp`` while it is
    written gets these once complete, never wider than the user's umask allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o777 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # not Linux: read it by setting it, and set it back
    os.umask(mask)
    return 0o777 & ~mask


def make_staging(out: Path, name: str) -> Staging:
    """Create a hidden staging folder ``OUT/.<name>.XXXX.partial``, locked by this process.

    Raises
    ------
    OSError
        The folder cannot be created.
    """
    # made under a name sweep_stale does not match, locked, then renamed: a concurrent
    # sweep (another run starting in OUT) can never take a folder before its owner locks it;
    # the name carries this process's pid, so that the folder of a run killed at that instant
    # is told from one being made now (sweep_creating)
    tail = f".{os.getpid()}{CREATING_SUFFIX}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=tail, dir=out))
    try:
        return _lock_and_rename(tmp, tmp.name[:-len(tail)] + STAGING_SUFFIX)
    except BaseException:  # an interrupt (SIGTERM) before the owner holds it: no leftover
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _lock_and_rename(tmp: Path, name: str) -> Staging:
    """Lock the new folder *tmp* (made under a name no sweep matches), then rename it to
    *name* beside it, so a sweep never sees it unlocked; removed again on failure."""
    fd = _lock_dir(tmp, block=True)
    if fd is None:  # pragma: no cover - a folder we just made
        shutil.rmtree(tmp, ignore_errors=True)
        raise OSError(errno.EIO, f"cannot lock {tmp}")
    path = tmp.with_name(name)
    try:
        os.rename(tmp, path)
        return Staging(path, fd)
    except BaseException:  # the rename failed, or an interrupt came around it
        os.close(fd)
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        else:   # renamed: the folder is ours under its new name
            shutil.rmtree(path, ignore_errors=True)
        raise


#: Prefixes of the private folders the toolkit makes in the system's temporary folder (the
#: report kernel's section helper, the kernels' connection files, the workshop server's
#: runtime folder with its kernels' connection files); :func:`sweep_temp` removes those
#: whose owner died.
TEMP_PREFIXES = ("aligndx-sections-", "aligndx-kernel-", "aligndx-server-")


def make_locked_temp(prefix: str) -> Staging:
    """A private folder ``<tmp>/<prefix>XXXX`` locked by this process (and by any process
    forked from it while the descriptor is open), for :func:`sweep_temp` to leave alone.

    Raises
    ------
    OSError
        The folder cannot be created.
    """
    # made under a name no sweep matches, locked, then renamed (as make_staging)
    tmp = Path(tempfile.mkdtemp(prefix=".aligndx-new-"))
    return _lock_and_rename(tmp, prefix + tmp.name[len(".aligndx-new-"):])


def sweep_temp() -> list[Path]:
    """Remove the toolkit's folders in the temporary folder whose owner died (killed
    kernels, section helpers); folders of live runs are locked and left alone."""
    removed: list[Path] = []
    base = Path(tempfile.gettempdir())
    for prefix in TEMP_PREFIXES:
        removed += sweep_stale(base, prefix + "*")
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:   # EPERM: another user's live process
        return True
    return True


def sweep_creating(out: Path, name: str = "*") -> list[Path]:
    """Remove the folders ``OUT/.<name>.XXXX.<pid>.creating`` whose maker (the pid in the
    name) has died: a run killed after making its staging folder and before locking it. A
    folder another live process is making at this instant is left alone (it cannot be told
    by its lock, which its maker has not taken yet).

    Returns
    -------
    list of Path
        The folders removed.
    """
    removed = []
    try:
        candidates = sorted(Path(out).glob(f".{name}.*{CREATING_SUFFIX}"))
    except OSError:
        return removed
    for p in candidates:
        pid = p.name[:-len(CREATING_SUFFIX)].rpartition(".")[2]
        if not pid.isdigit() or _pid_alive(int(pid)) or p.is_symlink() or not p.is_dir():
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def sweep_stale(out: Path, pattern: str = f".*{STAGING_SUFFIX}") -> list[Path]:
    """Remove staging folders in *out* whose owner has died (their lock is free).

    Folders of runs still going (locked) are left alone.

    Returns
    -------
    list of Path
        The folders removed.
    """
    removed = []
    try:
        candidates = sorted(Path(out).glob(pattern))
    except OSError:
        return removed
    for p in candidates:
        if not p.is_dir() or p.is_symlink():
            continue
        fd = _lock_dir(p, block=False)
        if fd is None:
            continue
        try:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
        finally:
            os.close(fd)
    return removed


def _renameat2(src: Path, dst: Path, flags: int) -> None:
    libc = _libc()
    fn = getattr(libc, "renameat2", None) if libc is not None else None
    if fn is None:
        raise OSError(errno.ENOSYS, "renameat2 not available")
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), str(dst))


def swap_into_place(src: Path, dst: Path) -> None:
    """Move the complete folder *src* to *dst* atomically, replacing any existing *dst*.

    After the call *src* is gone (an old *dst* is exchanged into *src*'s place and
    removed). Readers of *dst* see either the old or the new folder, whole.

    Raises
    ------
    OSError
        The move failed (*src* is left as it was).
    """
    src, dst = Path(src), Path(dst)
    for _ in range(10):
        try:
            _renameat2(src, dst, _RENAME_NOREPLACE)
            return
        except OSError as exc:
            if exc.errno in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
                return _swap_fallback(src, dst)
            if exc.errno != errno.EEXIST:
                raise
        try:
            _renameat2(src, dst, _RENAME_EXCHANGE)
        except OSError as exc:
            if exc.errno == errno.ENOENT:  # dst vanished meanwhile: try again
                continue
            if exc.errno in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
                return _swap_fallback(src, dst)
            raise
        shutil.rmtree(src, ignore_errors=True)  # the previous dst
        return
    raise OSError(errno.EBUSY, f"could not move the report into place: {dst}")


def _swap_fallback(src: Path, dst: Path) -> None:
    """Two renames under an exclusive lock file (systems without ``renameat2``)."""
    import fcntl

    lock = dst.with_name(f".{dst.name}.swap-lock")
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        old = None
        if dst.exists():
            old = dst.with_name(f".{dst.name}.old-{os.getpid()}{STAGING_SUFFIX}")
            os.replace(dst, old)
        os.replace(src, dst)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
