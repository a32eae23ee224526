"""Run ``notebooks/portfolio.ipynb`` over a batch's OUT folder into ``OUT/portfolio.html``.

The batch starts it with :func:`start_portfolio` while its reports run (issue 18), and
finishes it once they are done; :func:`build_portfolio` does both at once. A local batch
starts it as a job of its warm server (:class:`ServerPortfolio`, :func:`portfolio_job`): the
notebook process and its kernel are then forks of processes that have papermill, nbconvert,
ipykernel and the report modules loaded, instead of fresh interpreters importing them while
the reports run (~3 s of CPU per batch, measured: docs/benchmarks.md, eleventh session).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from ..execute import start_notebook
from ..paths import PORTFOLIO_NOTEBOOK
from ..runsafe import make_staging


class PortfolioBuild:
    """A portfolio notebook started before the reports it summarises are finished.

    Made by :func:`start_portfolio`: the notebook's process imports papermill and
    nbconvert, starts its kernel and imports the portfolio module while the batch's reports
    run; its cell tagged ``results`` (which reads every ``results.json``) waits until
    :meth:`finish`. What is left after the last report is reading the results, the charts
    and the HTML export, not the whole notebook run in series.
    """

    def __init__(self, run, staging, out: Path):
        # staging: a locked toolkit.runsafe.Staging, so that a report's sweep of stale
        # staging folders in OUT leaves this one alone while the batch runs
        self._run, self._lock, self._out = run, staging, out
        self._staging = staging.path

    def finish(self) -> Path:
        """Let the notebook read the results, wait for it, move the outputs into OUT.

        Returns
        -------
        Path
            ``OUT/portfolio.html``.

        Raises
        ------
        toolkit.exceptions.ReportError
            The notebook failed (partial notebook kept in ``OUT/_failed/_portfolio/``).
        """
        try:
            self._run.release()
            self._run.wait()
            for name in ("portfolio.ipynb", "portfolio.html"):
                os.replace(self._staging / name, self._out / name)
        except BaseException:
            self._run.abort()
            raise
        finally:
            self._lock.discard()
        return self._out / "portfolio.html"

    def abort(self) -> None:
        """Stop the notebook; nothing of it is kept."""
        try:
            self._run.abort()
        finally:
            self._lock.discard()


def start_portfolio(out: str | Path, *, notebook: Path = PORTFOLIO_NOTEBOOK,
                    timeout: int = 600) -> PortfolioBuild:
    """Start the portfolio notebook now; it reads the results when :meth:`~PortfolioBuild.finish`
    is called (see :func:`build_portfolio` for the parameters)."""
    out = Path(out).resolve()
    lock = make_staging(out, "portfolio")
    staging = lock.path
    try:
        run = start_notebook(notebook, staging / "portfolio.ipynb",
                             parameters={"out_dir": str(out)},
                             html=staging / "portfolio.html", cwd=staging, timeout=timeout,
                             title="Portfolio — sales & marketing alignment across clients",
                             partial_dir=out / "_failed" / "_portfolio")
    except BaseException:
        lock.discard()
        raise
    return PortfolioBuild(run, lock, out)


def build_portfolio(out: str | Path, *, notebook: Path = PORTFOLIO_NOTEBOOK,
                    timeout: int = 600) -> Path:
    """Execute the portfolio notebook on the ``results.json`` files under *out*.

    The notebook and its HTML are built in a staging folder and moved to
    ``OUT/portfolio.ipynb`` and ``OUT/portfolio.html`` when complete.

    Parameters
    ----------
    out : path
        Batch output folder (``OUT/<client.id>/results.json`` per client).
    notebook : Path
        The portfolio notebook.
    timeout : int
        Seconds per cell.

    Returns
    -------
    Path
        ``OUT/portfolio.html``.

    Raises
    ------
    toolkit.exceptions.ReportError
        The notebook failed (partial notebook kept in ``OUT/_failed/_portfolio/``).
    """
    return start_portfolio(out, notebook=notebook, timeout=timeout).finish()


#: Seconds between the portfolio job's looks for the batch's go-ahead (:func:`portfolio_job`).
GO_POLL = 0.05
#: Name of the portfolio job's folder in the batch's work folder (not a client id: those
#: never start with "_").
PORTFOLIO_JOB = "_portfolio"


def portfolio_job(spec: dict) -> dict:
    """The portfolio as a batch job (a :mod:`toolkit.batch.worker` target): start the
    notebook, wait until the file ``spec["go"]`` exists (the batch's reports are done), then
    finish it into ``spec["out"]``.

    Parameters
    ----------
    spec : dict
        Keys ``out`` (the batch's output folder), ``go`` (path of the go-ahead file) and
        optionally ``notebook``.

    Returns
    -------
    dict
        ``{"portfolio": path of portfolio.html}``.

    Raises
    ------
    toolkit.exceptions.ReportError
        The notebook failed (partial notebook kept in ``OUT/_failed/_portfolio/``).
    """
    notebook = Path(spec["notebook"]) if spec.get("notebook") else PORTFOLIO_NOTEBOOK
    build = start_portfolio(spec["out"], notebook=notebook)
    go = Path(spec["go"])
    try:
        while not go.exists():
            time.sleep(GO_POLL)
    except BaseException:
        build.abort()
        raise
    return {"portfolio": str(build.finish())}


class ServerPortfolio:
    """The portfolio notebook run as a job of the batch's warm server (:func:`portfolio_job`);
    the same :meth:`finish` / :meth:`abort` as :class:`PortfolioBuild`.

    Parameters
    ----------
    server : toolkit.batch.forkserver.ForkServer
        The batch's server; :meth:`start` waits for its imports.
    out : Path
        The batch's output folder (absolute).
    work : Path
        The batch's work folder (``OUT/.batch-work``); the job's files go in a folder of it.
    target : str
        The job's function (``module:function``); :func:`portfolio_job` but in tests.
    """

    def __init__(self, server, out: Path, work: Path,
                 target: str = "toolkit.batch.portfolio:portfolio_job"):
        self._server, self._out, self._target = server, Path(out), target
        self._dir = Path(work) / PORTFOLIO_JOB
        self._pid: int | None = None
        self._lock: int | None = None

    def start(self) -> bool:
        """Fork the job; ``False`` when the server cannot (start it otherwise)."""
        from ..runsafe import lock_folder

        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir.mkdir(parents=True)
        self._lock = lock_folder(self._dir)  # a later batch sweeps it once this one has gone
        spec = {"key": PORTFOLIO_JOB, "folder": "portfolio", "out": str(self._out),
                "go": str(self._dir / "go"), "result": str(self._dir / "result.json"),
                "target": self._target,
                "parent_pid": self._server.pid}
        spec_path = self._dir / "job.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        self._pid = self._server.spawn(spec_path, self._dir / "run.log")
        if self._pid is None:
            self._cleanup()
        return self._pid is not None

    def finish(self) -> Path:
        """Let the job read the reports' results, wait for it; ``OUT/portfolio.html``.

        Raises
        ------
        toolkit.exceptions.ReportError
            The notebook failed, or the job ended without a result.
        """
        from ..exceptions import ReportError

        try:
            (self._dir / "go").touch()
            while (code := self._server.poll(self._pid)) is None:
                time.sleep(GO_POLL)
            result = self._dir / "result.json"
            info = json.loads(result.read_text(encoding="utf-8")) if result.is_file() else {}
        except BaseException:
            self.abort()
            raise
        self._cleanup()
        if info.get("status") != "ok":
            raise ReportError(str(info.get("error") or "the portfolio job ended with code "
                                  f"{code} without a result"))
        return self._out / "portfolio.html"

    def abort(self) -> None:
        """Stop the job; nothing of it is kept."""
        from ..runsafe import sweep_stale
        from .runner import kill_tree

        if self._pid is not None and self._server.poll(self._pid) is None:
            kill_tree(self._pid)
            while self._server.poll(self._pid) is None:
                time.sleep(GO_POLL)
        self._cleanup()
        sweep_stale(self._out, ".portfolio.*.partial")

    def _cleanup(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None
