"""Warm job processes for a local batch (issue 18): import once, fork per engagement.

Every job of a batch used to be a fresh interpreter (``python -m toolkit.batch.worker``)
that imported pandas, pyarrow, pandera, scipy, statsmodels, scikit-learn and the toolkit —
about 2 s of CPU per report — and whose notebook process then imported papermill and
nbconvert again (~0.7 s). A :class:`ForkServer` is one process that imports all of it once;
each job is a ``fork`` of it, so a job starts with everything loaded, and its notebook
process is a ``fork`` of the job (:data:`toolkit.notebookproc.FORK_NOTEBOOK`). A job is still a
process of its own: in its own session, writing its own ``run.log``, killed as a whole
process tree on timeout, and it cannot take the others down; it ends when the server ends,
and the server ends with the batch.

Protocol (one JSON object per line): the batch sends ``{"spec": PATH, "log": PATH}``; the
server answers ``{"pid": N}`` (or ``{"error": TEXT}``) and, when a job's process ends,
``{"exit": N, "code": RC}``. The server forks only while it has no other thread.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

#: Modules a job needs, imported by the server before it forks (best effort: a module that
#: fails to import is imported, or fails, in the job as before).
PRELOAD = ("toolkit.batch.worker", "toolkit.reporting", "toolkit.intake", "toolkit.pipeline",
           "toolkit.survey", "toolkit.crm", "toolkit.incentives", "toolkit.verdict",
           "toolkit.scores", "toolkit.findings", "toolkit.recommend", "toolkit.method",
           "toolkit.privacy_audit", "toolkit.workshop.sla", "toolkit.deliverables",
           "toolkit.deck", "toolkit.execute", "toolkit.notebookproc", "statsmodels.discrete.discrete_model",
           "sklearn.decomposition", "sklearn.feature_extraction.text", "papermill",
           "nbconvert", "nbformat", "jupyter_client.manager",
           # what the side-file worker loads before it writes aggregates.xlsx and
           # report.pptx (toolkit.reporting.prepare_side_files): ~0.5 s of CPU per job
           "openpyxl.styles", "openpyxl.utils", "pptx", "toolkit.workbook",
           "toolkit.deck.content", "toolkit.deck.fit", "toolkit.deck.waves",
           "toolkit.charts.theme", "toolkit.report.sections", "toolkit.report.pillars",
           "toolkit.report.summary", "toolkit.report.verdict", "toolkit.report.waves",
           # what the report kernel loads before its first cell, for the kernel forked in
           # each job (toolkit.kernelfork): ~1.7 s of CPU per report
           "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "IPython",
           "toolkit.report.sections",
           # the portfolio notebook's kernel (a job of the server, toolkit.batch.portfolio)
           "toolkit.report.portfolio", "toolkit.batch.portfolio",
           # loaded by the report modules' set-up in the kernel (~0.4 s); importing it
           # chooses no backend (the kernel's is set in toolkit.kernelfork)
           "matplotlib.pyplot")


class ForkServer:
    """The batch's side of a warm job server (see the module docstring).

    Parameters
    ----------
    env : dict
        Environment of the server (and so of every job and notebook kernel).
    preload : tuple of str
        Modules the server imports before it forks (default :data:`PRELOAD`, what a report
        job needs).

    Raises
    ------
    OSError
        The server could not be started.
    """

    def __init__(self, env: dict, preload: tuple[str, ...] = PRELOAD):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "toolkit.batch.forkserver", str(os.getpid()), *preload],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, text=True, bufsize=1)
        self.pid = self.proc.pid
        self._send = threading.Lock()
        self._cond = threading.Condition()
        self._replies: list[dict] = []
        self._exits: dict[int, int] = {}
        self._closed = False
        self._spawned = 0
        threading.Thread(target=self._reader, name="aligndx-forkserver", daemon=True).start()

    def _reader(self) -> None:
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self._cond:
                if "exit" in msg:
                    self._exits[int(msg["exit"])] = int(msg["code"])
                else:
                    self._replies.append(msg)
                self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def spawn(self, spec: Path, log: Path) -> int | None:
        """Start a job; its pid, or ``None`` when the server cannot (start it otherwise)."""
        with self._send:
            with self._cond:
                if self._closed:
                    return None
            try:
                self.proc.stdin.write(json.dumps({"spec": str(spec), "log": str(log)}) + "\n")
                self.proc.stdin.flush()
                self._spawned += 1
            except (OSError, ValueError):
                return None
            with self._cond:
                while not self._replies and not self._closed:
                    self._cond.wait()
                if not self._replies:
                    return None
                reply = self._replies.pop(0)
        return int(reply["pid"]) if "pid" in reply else None

    def poll(self, pid: int) -> int | None:
        """The exit code of job *pid*, or ``None`` while it runs (-1 if the server died)."""
        with self._cond:
            if pid in self._exits:
                return self._exits[pid]
            if self._closed:
                return -1
        return None

    def close(self) -> None:
        """End the server (jobs still running end with it)."""
        if not self._spawned:  # nothing forked (every report was up to date): no wait
            self.proc.kill()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _job(spec: str, log: str) -> None:
    """In the forked child: become the job (``toolkit.batch.worker.main``); never returns."""
    code = 1
    try:
        os.setsid()
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        from .. import notebookproc
        from . import worker

        notebookproc.FORK_NOTEBOOK = True  # the notebook process: a fork of this one, too
        code = worker.main([spec])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
    finally:
        from ..notebookproc import exit_forked  # preloaded by the server: a lookup, not a load

        exit_forked(code)


def main(argv: list[str] | None = None) -> int:
    """The server: ``argv`` = the batch's pid, then the modules to import before forking;
    then one job is forked per request read on stdin."""
    import importlib

    argv = sys.argv[1:] if argv is None else argv
    from ..runsafe import die_with_parent

    die_with_parent(int(argv[0]) if argv else None)
    # as in the notebook process (toolkit.notebookproc._notebook_child): jsonschema's optional
    # rfc3987-syntax grammar (~1 s to build at import) is never used by notebook validation
    sys.modules.setdefault("rfc3987_syntax", None)
    from ..scipydocs import keep_own_docstrings

    keep_own_docstrings()  # as the command line does: ~0.5 s of CPU less for scipy.stats
    for name in argv[1:]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the job imports (or fails on) it itself
            pass
    out = sys.stdout
    children: set[int] = set()

    def say(msg: dict) -> None:
        out.write(json.dumps(msg) + "\n")
        out.flush()

    def reap() -> None:
        for pid in list(children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                children.discard(pid)
                say({"exit": pid, "code": os.waitstatus_to_exitcode(status)})

    stdin = sys.stdin.buffer
    pending = b""
    while True:
        readable, _, _ = select.select([stdin], [], [], 0.1 if children else 1.0)
        reap()
        if not readable:
            continue
        chunk = os.read(stdin.fileno(), 65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            try:
                req = json.loads(line)
            except ValueError:
                continue
            if threading.active_count() > 1:  # fork is only safe without other threads
                say({"error": "the job server has threads; not forking"})
                continue
            out.flush()
            pid = os.fork()
            if pid == 0:
                _job(req["spec"], req["log"])
            children.add(pid)
            say({"pid": pid})
    while children:  # the batch has gone: its jobs are being stopped; wait for them
        reap()
        if children:
            select.select([], [], [], 0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
