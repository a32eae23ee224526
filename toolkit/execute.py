"""The one path that runs a notebook: papermill, then nbconvert to HTML.

The CLI, the batch runner, the workshop launcher and the tests all call
:func:`run_notebook`. It validates and coerces parameters to plain JSON types (papermill turns
numpy scalars, paths and tuples into strings otherwise), names the kernel explicitly, sets a
cell timeout, keeps the partial notebook when a cell fails and exports HTML without code,
through the template in ``templates/report/``.

The HTML export is :mod:`toolkit.htmlexport`; :func:`start_notebook` (in
:mod:`toolkit.notebookproc`) runs :func:`run_notebook` in a child process so that ``aligndx
report`` can compute the results while papermill is imported, the kernel starts and the
notebook's imports run. Both are re-exported here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Mapping

from .exceptions import InputError, ReportError

KERNEL_NAME = "python3"
DEFAULT_CELL_TIMEOUT = 600  # seconds per cell
#: Tag of the notebook cell that reads ``results.json``; with ``results_ready`` given,
#: :func:`run_notebook` holds that cell (and every cell after it) until the results are ready.
RESULTS_CELL_TAG = "results"
from .report.safe import RUN_MIME, announce_run  # noqa: E402,F401  (re-exported)


def check_parameters_cell(notebook: Path) -> None:
    """Refuse a notebook without exactly one code cell tagged ``parameters``.

    Without it papermill runs the notebook with its own defaults (a report titled for one
    client could show another client's data); with two, which values win is unclear.

    Raises
    ------
    ReportError
        Naming the notebook and what was found.
    """
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError) as exc:
        raise ReportError(f"{notebook}: not a readable notebook ({exc})") from None
    tagged = [i + 1 for i, c in enumerate(cells)
              if "parameters" in ((c.get("metadata") or {}).get("tags") or [])]
    code = [i for i in tagged if cells[i - 1].get("cell_type") == "code"]
    if len(tagged) != 1 or len(code) != 1:
        found = ("no cell" if not tagged else
                 f"{len(tagged)} cells (cells {', '.join(map(str, tagged))})" if len(tagged) > 1
                 else f"a {cells[tagged[0] - 1].get('cell_type')} cell")
        raise ReportError(f"{Path(notebook).name}: a report notebook needs exactly one code cell "
                          f"tagged 'parameters' (found {found}); without it the notebook would "
                          "run on its own defaults instead of this engagement")


def _make_inert(nb: dict) -> list[str]:
    """Make every output of *nb* inert in place; return the client ids it announced.

    Markdown outputs become HTML rendered by :func:`toolkit.report.safe.markdown_html`;
    every HTML output is wrapped in a block MathJax ignores; LaTeX outputs (which Jupyter
    typesets, links included; the toolkit never emits one) are dropped for their plain
    text; the :data:`RUN_MIME` outputs move into the cell metadata.
    """
    from .report.safe import NO_MATH_CLASS, markdown_html

    seen: list[str] = []
    for c in nb.get("cells", []):
        kept = []
        for o in c.get("outputs", []) or []:
            data = o.get("data")
            if isinstance(data, dict):
                if RUN_MIME in data:
                    cid = str((data[RUN_MIME] or {}).get("client_id", ""))
                    seen.append(cid)
                    c.setdefault("metadata", {}).setdefault("aligndx", {})["client_id"] = cid
                    continue
                if "text/latex" in data:
                    data.pop("text/latex")
                    if not data:
                        data["text/plain"] = "(a LaTeX output was removed)"
                if "text/markdown" in data:
                    md = data.pop("text/markdown")
                    data["text/html"] = markdown_html("".join(md) if isinstance(md, list)
                                                      else md)
                if "text/html" in data:
                    h = data["text/html"]
                    h = "".join(h) if isinstance(h, list) else str(h)
                    # always: a test of the text (review 13c M1: a client name holding the
                    # class names switched the guard off) would let client text decide
                    h = f'<div class="{NO_MATH_CLASS}">{h}</div>'
                    data["text/html"] = h
            kept.append(o)
        if "outputs" in c:
            c["outputs"] = kept
    return seen


def _harden(output: Path, expect_client_id: str | None) -> dict:
    """Check the executed notebook's outputs and the client it saw; make outputs inert;
    return the notebook as written (a JSON dict).

    Markdown outputs become HTML rendered by :func:`toolkit.report.safe.markdown_html`; every
    HTML output is wrapped in a block MathJax ignores; :func:`toolkit.report.safe.
    check_notebook_outputs` must find nothing; the :data:`RUN_MIME` outputs move into the
    cell metadata (``aligndx.client_id``) after the client id is checked.
    """
    from .report.safe import check_notebook_outputs

    nb = json.loads(output.read_text(encoding="utf-8"))
    seen = _make_inert(nb)
    problems = check_notebook_outputs(nb)
    if problems:
        raise ReportError(f"{output.name}: refused: the notebook displayed markup the toolkit "
                          "did not produce: " + "; ".join(problems[:5]))
    if expect_client_id is not None:
        if not seen:
            raise ReportError(f"{output.name}: the notebook never said which engagement's "
                              "results it loaded (it must call toolkit.execute.announce_run); "
                              "refusing to publish it as this engagement's report")
        wrong = sorted({s for s in seen if s != expect_client_id})
        if wrong:
            raise ReportError(f"{output.name}: the notebook loaded the results of client "
                              f"{wrong[0]!r}, not {expect_client_id!r}; refusing to publish "
                              "another client's report under this name")
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, output)
    return nb



class NotebookAborted(Exception):
    """The caller stopped a notebook run before its results cell (see :func:`start_notebook`)."""


def _quiet_kernel_manager():
    """A kernel manager whose kernel writes nothing to our terminal.

    Cell errors still reach the notebook as outputs; what is silenced is the kernel's own
    console chatter (e.g. the ZMQ traceback it prints when it is stopped after a timeout).
    """
    import subprocess

    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        _aligndx_folder = None

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            from . import kernelfork  # a batch job's kernel: a fork of the loaded process

            if kernelfork.launch_into(self, kernel_cmd, kw):
                return None
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        def write_connection_file(self, **kw):
            # the connection file (it holds the kernel's key) goes into a folder locked by
            # this process: when the process is killed, the next run removes it
            # (toolkit.runsafe.sweep_temp) instead of it staying in /tmp for good
            if not self.connection_file and self._aligndx_folder is None:
                from .runsafe import make_locked_temp

                try:
                    self._aligndx_folder = make_locked_temp("aligndx-kernel-")
                    self.connection_file = str(self._aligndx_folder.path / "kernel.json")
                except OSError:
                    self._aligndx_folder = None
            return super().write_connection_file(**kw)

        def cleanup_connection_file(self):
            super().cleanup_connection_file()
            if self._aligndx_folder is not None:
                self._aligndx_folder.discard()
                self._aligndx_folder = None

    return QuietKernelManager


def coerce_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Return *parameters* as plain JSON types papermill can inject faithfully.

    Parameters
    ----------
    parameters : mapping
        Parameter name to value. Paths become strings, tuples become lists, numpy scalars
        become Python numbers, dates become ISO strings.

    Returns
    -------
    dict

    Raises
    ------
    InputError
        When a name is not a Python identifier or a value has no JSON form (e.g. NaN or an
        arbitrary object).
    """
    from .jsonio import jsonable

    def conv(name: str, v: Any) -> Any:
        try:
            return jsonable(v, strict=True)
        except ValueError:
            raise InputError(f"parameter '{name}': cannot pass {v!r} to a notebook; use "
                             "text, numbers, lists or tables (no NaN, no objects)") from None

    out = {}
    for name, value in parameters.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise InputError(f"parameter name {name!r} is not a valid identifier")
        out[name] = conv(name, value)
    json.dumps(out)  # guaranteed to succeed by construction
    return out


def run_notebook(notebook: str | Path, output: str | Path, *,
                 parameters: Mapping[str, Any] | None = None,
                 html: str | Path | None = None,
                 cwd: str | Path | None = None,
                 timeout: int = DEFAULT_CELL_TIMEOUT,
                 kernel_name: str = KERNEL_NAME,
                 title: str | None = None,
                 partial_dir: str | Path | None = None,
                 progress: bool = False,
                 results_ready: Callable[[], None] | None = None,
                 expect_client_id: str | None = None) -> Path:
    """Execute a parameterised notebook with papermill and optionally export it to HTML.

    Parameters
    ----------
    notebook : path
        Input notebook with a cell tagged ``parameters``.
    output : path
        Where the executed notebook is written.
    parameters : mapping, optional
        Parameters to inject; coerced by :func:`coerce_parameters`.
    html : path, optional
        When given, the executed notebook is also exported there (see :func:`export_html`).
    cwd : path, optional
        Working directory of the kernel; default the output's folder.
    timeout : int
        Seconds allowed per cell.
    kernel_name : str
        Jupyter kernel; always passed explicitly.
    title : str, optional
        HTML document title.
    partial_dir : path, optional
        Where the partially executed notebook is kept when a cell fails; default next to
        *output* as ``<stem>.failed.ipynb``.
    progress : bool
        Show papermill's per-cell progress bar.
    results_ready : callable, optional
        Called in this process, after the kernel has started and run the cells above it,
        just before the first cell tagged :data:`RESULTS_CELL_TAG` executes (before the
        first code cell when no cell has the tag). It blocks until the results that cell
        reads exist; raising :class:`NotebookAborted` stops the run, keeps nothing and is
        re-raised. The time spent in it is not counted against *timeout*.
    expect_client_id : str, optional
        The engagement's ``client.id``: the executed notebook must have announced exactly
        this client (:func:`announce_run`), else nothing is published.

    Returns
    -------
    Path
        The executed notebook.

    Raises
    ------
    InputError
        Bad parameters or a missing notebook.
    ReportError
        A cell failed or timed out, or HTML export failed; the partial notebook is kept and
        its path is given in the message. The notebook has no single ``parameters`` cell,
        did not load *expect_client_id*'s results, or displayed markup the toolkit did not
        write (:mod:`toolkit.report.safe`).
    NotebookAborted
        *results_ready* stopped the run.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .trace import mark

    # Absolute paths: papermill changes the working directory to *cwd* while it runs.
    notebook, output = Path(notebook).absolute(), Path(output).absolute()
    html = Path(html).absolute() if html is not None else None
    partial_dir = Path(partial_dir).absolute() if partial_dir is not None else None
    cwd = Path(cwd).absolute() if cwd is not None else None
    if not notebook.is_file():
        raise InputError(f"{notebook}: notebook not found")
    check_parameters_cell(notebook)
    params = coerce_parameters(parameters or {})
    output.parent.mkdir(parents=True, exist_ok=True)
    # An MPLBACKEND inherited from the caller would leave the notebook without images.
    env_backend = os.environ.pop("MPLBACKEND", None)
    # papermill/nbclient log timeouts themselves; our ReportError says it once, readably.
    import logging

    pm_log = logging.getLogger("papermill")
    pm_level = pm_log.level
    pm_log.setLevel(logging.CRITICAL)
    hooks = {}
    if results_ready is not None:
        hooks["on_cell_execute"] = _ResultsGate(notebook, results_ready)
    try:
        pm.execute_notebook(
            str(notebook), str(output), parameters=params, kernel_name=kernel_name,
            execution_timeout=timeout, progress_bar=progress, log_output=False,
            cwd=str(cwd or output.parent), report_mode=False,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            kernel_manager_class=_quiet_kernel_manager(), engine_name=_engine(), **hooks,
        )
    except NotebookAborted:
        output.unlink(missing_ok=True)
        raise
    except PapermillExecutionError as exc:
        kept = _keep_partial(output, partial_dir)
        raise ReportError(f"{notebook.name}: cell {exc.exec_count} failed: {exc.ename}",
                          partial_notebook=str(kept), detail=exc.evalue or None) from None
    except Exception as exc:  # timeouts, dead kernels
        kept = _keep_partial(output, partial_dir) if output.exists() else None
        if type(exc).__name__ == "CellTimeoutError":
            msg = (f"the report notebook ({notebook.name}) stopped: a step took longer than "
                   f"the {timeout} s allowed per step (raise it with --timeout)")
        else:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else None
            msg = f"the report notebook ({notebook.name}) failed: {type(exc).__name__}"
            raise ReportError(msg, partial_notebook=str(kept) if kept else None,
                              detail=first) from None
        raise ReportError(msg, partial_notebook=str(kept) if kept else None) from None
    finally:
        pm_log.setLevel(pm_level)
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    mark("notebook", "cells executed")
    try:
        hardened = _harden(output, expect_client_id)
    except ReportError:
        _keep_partial(output, partial_dir)
        raise
    mark("notebook", "outputs checked")
    if html is not None:
        from .report.safe import UnsafeOutput

        try:
            export_html(output, Path(html), title=title, notebook=hardened)
        except UnsafeOutput as exc:
            raise ReportError(f"{Path(html).name}: refused to write output holding markup the "
                              "toolkit did not produce", detail=str(exc)) from None
        except Exception as exc:
            raise ReportError(f"HTML export failed: {type(exc).__name__}",
                              detail=str(exc) or None) from None
        mark("notebook", "HTML exported")
    return output


ENGINE_NAME = "aligndx"


def _engine() -> str:
    """Register (once) and name papermill's nbclient engine with cheap progress saves.

    papermill writes the whole notebook at the start and at the end of every cell (so that a
    cell that fails or times out leaves a partial notebook) through ``nbformat.writes``, which
    deep-copies and validates it and pretty-prints it with the pure-Python JSON encoder: ~50
    saves of a notebook that grows to ~1.5 MB of charts, between the report's cells. This
    engine writes those progress saves as plain JSON (same content, not re-validated, written
    under a temporary name and renamed), and not at every cell's start and end: a failed or
    timed-out cell still leaves the notebook as it stood (papermill saves once more when the
    run ends, whatever the outcome), and a cell that runs long is still saved every
    ``autosave_cell_every`` seconds. papermill's final write of the executed notebook is
    unchanged (validated).
    """
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    if papermill_engines._engines.get(ENGINE_NAME) is None:
        class QuickSaves(NotebookExecutionManager):
            _between_cells = False  # in papermill's cell_start / cell_complete: no save

            def cell_start(self, cell, cell_index=None, **kwargs):
                self._between_cells = True
                try:
                    super().cell_start(cell, cell_index, **kwargs)
                finally:
                    self._between_cells = False

            def cell_complete(self, cell, cell_index=None, **kwargs):
                self._between_cells = True
                try:
                    super().cell_complete(cell, cell_index, **kwargs)
                finally:
                    self._between_cells = False

            def save(self, **kwargs):
                if self._between_cells:
                    return  # the next timed autosave or the final save writes it
                if self.output_path:
                    out = Path(self.output_path)
                    tmp = out.with_name(f".{out.name}.saving")
                    tmp.write_text(json.dumps(self.nb, ensure_ascii=False), encoding="utf-8")
                    os.replace(tmp, out)
                self.last_save_time = self.now()

        class AligndxEngine(NBClientEngine):
            @classmethod
            def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                                 log_output=False, autosave_cell_every=30, **kwargs):
                # papermill's Engine.execute_notebook, with QuickSaves as the manager
                nb_man = QuickSaves(nb, output_path=output_path, progress_bar=progress_bar,
                                    log_output=log_output,
                                    autosave_cell_every=autosave_cell_every)
                nb_man.notebook_start()
                try:
                    cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output,
                                                 **kwargs)
                finally:
                    nb_man.cleanup_pbar()
                    nb_man.notebook_complete()
                return nb_man.nb

        papermill_engines.register(ENGINE_NAME, AligndxEngine)
    return ENGINE_NAME


class _ResultsGate:
    """nbclient ``on_cell_execute`` hook: call *results_ready* once, before the results cell."""

    def __init__(self, notebook: Path, results_ready: Callable[[], None]):
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        self.tagged = any(RESULTS_CELL_TAG in (c.get("metadata", {}).get("tags") or [])
                          for c in cells)
        self.results_ready = results_ready
        self.done = False

    def __call__(self, cell, cell_index: int) -> None:
        if self.done:
            return
        if self.tagged and RESULTS_CELL_TAG not in (cell.get("metadata", {}).get("tags")
                                                    or []):
            return
        self.done = True
        from .trace import mark

        mark("notebook", "waiting for results.json")
        self.results_ready()
        mark("notebook", "results released")


def _keep_partial(output: Path, partial_dir: str | Path | None) -> Path:
    target_dir = Path(partial_dir) if partial_dir else output.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{output.stem}.failed.ipynb"
    if output.exists():
        os.replace(output, target)
        try:  # kept for diagnosis, and as inert as a published report (review 13, I1)
            nb = json.loads(target.read_text(encoding="utf-8"))
            _make_inert(nb)
            target.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")
        except (OSError, ValueError, TypeError, AttributeError):
            pass
    return target


# re-exported: the HTML export and the notebook's child process, each in its own module
from .htmlexport import (BRANDING_FILE, REPORT_TEMPLATE, export_html,  # noqa: E402,F401
                         load_branding, warm_html_export)
_IN_NOTEBOOKPROC = frozenset({"ABORT_GRACE", "FORK_NOTEBOOK", "NotebookRun", "exit_forked",
                              "start_notebook"})


def __getattr__(name: str):
    """:mod:`toolkit.notebookproc`'s names, re-exported here on first use (it imports this
    module: no import cycle)."""
    if name in _IN_NOTEBOOKPROC:
        from . import notebookproc

        return getattr(notebookproc, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
