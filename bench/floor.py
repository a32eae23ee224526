"""The floor: papermill running an empty parameterised notebook and exporting it to HTML.

``python -m bench.floor WORKDIR`` writes ``WORKDIR/floor.ipynb`` (one ``parameters`` cell
with the two parameters of ``notebooks/diagnostic.ipynb`` and nothing else) and runs it
through :func:`toolkit.execute.run_notebook` — the same path as ``aligndx report`` (kernel
start, papermill, nbconvert with the report template). Whatever the report costs above
this is the toolkit's own work.
"""

from __future__ import annotations

import sys
from pathlib import Path


def write_empty_notebook(path: Path) -> Path:
    """Write a notebook holding only a ``parameters`` cell; return *path*."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('engagement = ""\nresults_path = ""')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def run_floor(workdir: Path) -> Path:
    """Execute the empty notebook with papermill and export it to HTML.

    Parameters
    ----------
    workdir : Path
        Folder for ``floor.ipynb``, ``floor.out.ipynb`` and ``floor.html``.

    Returns
    -------
    Path
        The HTML file.
    """
    from toolkit.execute import run_notebook

    nb = write_empty_notebook(workdir / "floor.ipynb")
    html = workdir / "floor.html"
    run_notebook(nb, workdir / "floor.out.ipynb", html=html, cwd=workdir,
                 parameters={"engagement": str(workdir), "results_path": "results.json"},
                 title="floor")
    return html


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bench.floor WORKDIR")
    print(run_floor(Path(sys.argv[1])))
