"""Two independent groups of CRM measures on two cores (issue 18).

:func:`both` runs two functions without arguments and returns both results. On a large
cohort (at least :data:`MIN_ROWS` leads handed to sales), on POSIX, the second one runs in a
forked child process (a copy of this one: the lead frame is shared copy-on-write, nothing is
re-read) while this process runs the first; the child sends its result back pickled through
a pipe. Anything unusual — no ``fork``, the child failing or dying, a result that does not
unpickle — and this process runs the second function itself, so the result is always the
one a serial run gives (the measures are deterministic functions of the lead frame).

``ALIGNDX_CRM_PARALLEL=0`` turns the child off (serial, as before).

Measured in ``docs/benchmarks.md`` ("Intake + CRM measures vs DuckDB").
"""

from __future__ import annotations

import os
import pickle
import select
import sys
import time
from typing import Callable, TypeVar

A = TypeVar("A")
B = TypeVar("B")

#: Below this many leads handed to sales the measures take well under a second: a child
#: would save less than its fork and copy-on-write faults cost (measured: ~7 % more CPU).
MIN_ROWS = 100_000
#: The child may take this many times as long as the parent's own half (and at least
#: :data:`MIN_WAIT` seconds) before the parent gives up on it and computes the half itself:
#: no wait is unbounded.
WAIT_FACTOR, MIN_WAIT = 20.0, 60.0


def enabled(rows: int) -> bool:
    """Whether :func:`both` forks for a frame of *rows* rows."""
    if not hasattr(os, "fork") or os.environ.get("ALIGNDX_CRM_PARALLEL", "1") == "0":
        return False
    from ..forked import cores

    return cores() > 1 and rows >= MIN_ROWS


def both(first: Callable[[], A], second: Callable[[], B], *, rows: int) -> tuple[A, B]:
    """``(first(), second())``, the second in a forked child when :func:`enabled`.

    Parameters
    ----------
    first, second : callable
        Functions of no argument with picklable results; neither may depend on the other's
        side effects.
    rows : int
        Size of the work (leads), deciding whether a child is worth forking.

    Returns
    -------
    tuple
        ``(first(), second())``, identical to a serial run.
    """
    if not enabled(rows):
        return first(), second()
    try:
        r, w = os.pipe()
    except OSError:
        return first(), second()
    import signal
    import warnings

    from ..runsafe import die_with_parent

    parent = os.getpid()
    try:
        with warnings.catch_warnings():  # 3.12+: fork of a multi-threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return first(), second()
    if pid == 0:  # the child: compute, send, exit without running the parent's handlers
        code = 0
        try:
            os.close(r)
            die_with_parent(parent)  # never outlives the parent (SPEC §8a)
            # an interrupt ends the child at once (the parent, interrupted too, reaps it);
            # never the parent's handlers (cleanup of the parent's folders)
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            devnull = open(os.devnull, "w")
            sys.stdout = sys.stderr = devnull  # the parent's streams (a kernel's) are its own
            warnings.simplefilter("ignore")
            data = pickle.dumps(second(), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(w, view):]
        except BaseException:  # noqa: BLE001 - the parent computes it instead
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    t0 = time.monotonic()
    try:
        a = first()
    except BaseException:
        _end(pid, r)
        raise
    b = _receive(pid, r, max(MIN_WAIT, WAIT_FACTOR * (time.monotonic() - t0)))
    if b is _NOTHING:
        b = second()
    return a, b


_NOTHING = object()


def _receive(pid: int, fd: int, limit: float):
    """The child's unpickled result, or ``_NOTHING`` (failed, died, silent past *limit*)."""
    chunks = []
    deadline = time.monotonic() + limit
    ok = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break  # too slow: given up on
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                ok = True
                break
            chunks.append(chunk)
    except OSError:
        ok = False
    status = _end(pid, fd, kill=not ok)
    if not ok or status != 0:
        return _NOTHING
    try:
        return pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001
        return _NOTHING


def _end(pid: int, fd: int, kill: bool = True) -> int | None:
    """Close the pipe and reap the child (killed first when *kill*); its exit code."""
    import signal

    try:
        os.close(fd)
    except OSError:
        pass
    try:
        if kill:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)
    except (OSError, ChildProcessError):
        return None
