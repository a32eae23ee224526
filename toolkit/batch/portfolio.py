"""Run ``notebooks/portfolio.ipynb`` over a batch's OUT folder into ``OUT/portfolio.html``."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..execute import run_notebook
from ..paths import PORTFOLIO_NOTEBOOK


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
    out = Path(out).resolve()
    staging = Path(tempfile.mkdtemp(prefix=".portfolio.", suffix=".partial", dir=out))
    try:
        run_notebook(notebook, staging / "portfolio.ipynb", parameters={"out_dir": str(out)},
                     html=staging / "portfolio.html", cwd=staging, timeout=timeout,
                     title="Portfolio — sales & marketing alignment across clients",
                     partial_dir=out / "_failed" / "_portfolio")
        for name in ("portfolio.ipynb", "portfolio.html"):
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out / "portfolio.html"
