"""The report notebook in a child process, its results cell held until the results are written.

:func:`start_notebook` starts :func:`toolkit.execute.run_notebook` in a child process so that
``aligndx report`` can compute the results while papermill is imported, the kernel starts and
the notebook's imports run; the notebook's cell tagged ``results`` waits until the caller says
the results are written (:meth:`NotebookRun.release`) or stops the run
(:meth:`NotebookRun.abort`). In a batch job the child is a ``fork`` of the loaded job
(:data:`FORK_NOTEBOOK`), and its kernel a fork of a template (:mod:`toolkit.kernelfork`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .exceptions import InputError, ReportError
from .execute import (NotebookAborted, check_parameters_cell, coerce_parameters,
                      run_notebook)
from .htmlexport import warm_html_export

#: Seconds :meth:`NotebookRun.abort` waits for the notebook process to stop by itself.
ABORT_GRACE = 30
#: Start the notebook process of :func:`start_notebook` as a ``fork`` of this process instead
#: of a fresh interpreter (set by :mod:`toolkit.batch.forkserver` in its jobs, which have
#: papermill and nbconvert imported already: ~0.7 s of CPU less per report).
FORK_NOTEBOOK = False


class NotebookRun:
    """A notebook being executed by :func:`run_notebook` in a child process.

    Made by :func:`start_notebook`. Call :meth:`release` once the results the notebook reads
    are written, then :meth:`wait`; or :meth:`abort` to stop it.
    """

    def __init__(self, process, conn):
        self._process = process
        self._conn = conn
        self._finished = False

    def release(self) -> None:
        """Let the notebook go past its results cell (the results are written).

        A child that has already stopped (it failed before its results cell) is not an
        error here: :meth:`wait` then raises the child's own error.
        """
        try:
            self._conn.send(("go", None))
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    def wait(self) -> Path:
        """Wait for the notebook (and its HTML export) to finish.

        Returns
        -------
        Path
            The executed notebook.

        Raises
        ------
        ReportError
            The notebook failed (as :func:`run_notebook` raises it), or its process stopped
            without saying why.
        InputError
            Bad parameters or a missing notebook.
        """
        try:
            kind, payload = self._conn.recv()
        except EOFError:
            kind, payload = "error", ReportError(
                "the report notebook's process stopped unexpectedly (exit code "
                f"{self._process.wait()})")
        self._finished = True
        self._process.wait()
        self._conn.close()
        if kind == "ok":
            return Path(payload)
        raise payload

    def abort(self, reason: str = "stopped") -> None:
        """Stop the run if it is still going; nothing of it is kept. Waits for the process.

        The notebook stops before its results cell, or at once if its kernel has not
        started yet. A process still running after :data:`ABORT_GRACE` seconds is killed
        (its kernel exits with it: ipykernel watches its parent).
        """
        import subprocess

        if self._finished:
            return
        self._finished = True
        try:
            self._conn.send(("abort", reason))
        except (OSError, ValueError):  # the process has already gone
            pass
        # Ends the child at once while it is still importing (it has no kernel yet); from
        # the kernel's start on, the child ignores SIGTERM and stops at its results cell.
        self._process.terminate()
        try:
            self._process.wait(ABORT_GRACE)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._conn.close()


def start_notebook(notebook: str | Path, output: str | Path, **kwargs: Any) -> NotebookRun:
    """Start :func:`run_notebook` in a child process, holding its results cell until released.

    The child imports papermill and nbconvert, starts the kernel and runs the cells before
    the one tagged :data:`RESULTS_CELL_TAG` (the notebook's imports) while the caller
    computes the results; this overlap is what brings ``aligndx report`` of a typical
    engagement from 4.1× to under 3× the papermill floor (``docs/benchmarks.md``). The child
    is a fresh interpreter (``python -c``), not a :mod:`multiprocessing` process, so the
    caller's ``__main__`` is never re-imported.

    Parameters
    ----------
    notebook, output : path
        As for :func:`run_notebook`.
    **kwargs
        Other keyword arguments of :func:`run_notebook` (not ``results_ready``).

    Returns
    -------
    NotebookRun
        Call :meth:`NotebookRun.release` when the results are written, then
        :meth:`NotebookRun.wait`; or :meth:`NotebookRun.abort`.

    Raises
    ------
    InputError
        Bad parameters or a missing notebook (checked here, before the child starts).
    """
    import subprocess
    import sys
    from multiprocessing.connection import Pipe

    # Absolute paths: the child changes its working directory to the kernel's (papermill's
    # ``cwd``), so a relative output path would point elsewhere there.
    notebook, output = Path(notebook).absolute(), Path(output).absolute()
    for key in ("html", "cwd", "partial_dir"):
        if kwargs.get(key) is not None:
            kwargs[key] = Path(kwargs[key]).absolute()
    if not notebook.is_file():
        raise InputError(f"{notebook}: notebook not found")
    check_parameters_cell(notebook)
    coerce_parameters(kwargs.get("parameters") or {})
    conn, child_conn = Pipe()
    fd = child_conn.fileno()
    try:
        if FORK_NOTEBOOK and hasattr(os, "fork"):
            process = _fork_child(fd, conn)
        else:
            process = subprocess.Popen(
                [sys.executable, "-c",
                 f"from toolkit.notebookproc import _notebook_child; _notebook_child({fd}, "
                 f"{os.getpid()})"],
                pass_fds=(fd,), stdin=subprocess.DEVNULL)
    finally:
        child_conn.close()
    run = NotebookRun(process, conn)
    try:
        conn.send((str(notebook), str(output), kwargs))
    except BaseException:
        run.abort()
        raise
    return run


def exit_forked(code: int) -> None:
    """End a forked child: flush its streams, then ``os._exit`` (no atexit handlers or
    inherited finalizers of the parent run in the child)."""
    import sys

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _fork_child(fd: int, conn):
    """Run :func:`_notebook_child` in a fork of this process (see :data:`FORK_NOTEBOOK`);
    a :class:`toolkit.kernelfork.ForkedProcess`."""
    import sys

    from .kernelfork import ForkedProcess

    parent = os.getpid()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            conn.close()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            _notebook_child(fd, parent)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            exit_forked(code)
    return ForkedProcess(pid)


def _notebook_child(fd: int, parent_pid: int | None = None) -> None:
    """Body of :func:`start_notebook`'s child process; talks to the caller over pipe *fd*.

    The process dies with its parent (:func:`toolkit.runsafe.die_with_parent`); its kernel
    then exits by itself (ipykernel watches its parent).
    """
    import signal
    import sys
    from multiprocessing.connection import Connection

    from .runsafe import die_with_parent
    from .trace import mark

    mark("notebook", "process started")
    die_with_parent(parent_pid)
    # jsonschema (under nbformat) builds a Lark grammar at import when the optional
    # rfc3987-syntax package is installed (~1 s of CPU per report), for an "iri" format
    # check that notebook validation never uses: this child does without it
    sys.modules.setdefault("rfc3987_syntax", None)
    from . import kernelfork

    if kernelfork.wanted(FORK_NOTEBOOK):  # before any thread: the kernel's template
        kernelfork.start((fd,))
    conn = Connection(fd)
    released = False

    def results_ready() -> None:
        nonlocal released
        if released:
            return
        try:
            kind, reason = conn.recv()
        except EOFError:  # the caller has gone
            raise NotebookAborted("the report command stopped") from None
        if kind != "go":
            raise NotebookAborted(reason)
        released = True

    try:
        notebook, output, kwargs = conn.recv()
        import nbconvert  # noqa: F401  (the slow imports, while the caller computes)
        import papermill  # noqa: F401

        mark("notebook", "papermill and nbconvert imported")
        # the HTML export's fixed costs (template compilation, parser tables) while the
        # kernel starts and the results are computed
        import threading

        threading.Thread(target=warm_html_export, name="aligndx-warm-export",
                         daemon=True).start()
        # A kernel may start from here on: SIGTERM (NotebookRun.abort) no longer ends this
        # process, the "abort" message does, at the results cell, after a clean shutdown.
        signal.signal(signal.SIGTERM, lambda *_: None)
        if conn.poll():  # released or stopped already: stop before starting a kernel
            results_ready()
        path = run_notebook(notebook, output, results_ready=results_ready, **kwargs)
        reply = ("ok", str(path))
    except NotebookAborted as exc:
        reply = ("aborted", exc)
    except EOFError:  # the caller went before sending the job
        return
    except BaseException as exc:  # noqa: BLE001 - sent to the caller, who raises it
        reply = ("error", exc)
    kernelfork.discard()  # a template no kernel came from
    try:
        conn.send(reply)
    except Exception:  # noqa: BLE001 - unpicklable exception, or the caller has gone
        try:
            conn.send(("error", ReportError(type(reply[1]).__name__,
                                            detail=str(reply[1]) or None)))
        except Exception:  # noqa: BLE001
            pass
    conn.close()
    # the caller waits for this process to end: skip the interpreter's teardown (papermill,
    # nbconvert and the notebook in memory; issue 18). A forked child ends in _fork_child.
    if not FORK_NOTEBOOK:
        from .runsafe import exit_now

        exit_now(0)
