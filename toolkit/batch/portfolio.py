"""Run ``notebooks/portfolio.ipynb`` over a batch's OUT folder into ``OUT/portfolio.html``.

The batch starts it with :func:`start_portfolio` while its reports run (issue 18), and
finishes it once they are done; :func:`build_portfolio` does both at once.
"""

from __future__ import annotations

import os
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
