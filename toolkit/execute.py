"""The one path that runs a notebook: papermill, then nbconvert to HTML.

The CLI, the batch runner, the workshop launcher and the tests all call
:func:`run_notebook`. It validates and coerces parameters to plain JSON types (papermill turns
numpy scalars, paths and tuples into strings otherwise), names the kernel explicitly, sets a
cell timeout, keeps the partial notebook when a cell fails and exports HTML without code,
through the template in ``templates/report/``.

:func:`start_notebook` runs :func:`run_notebook` in a child process so that ``aligndx report``
can compute the results while papermill is imported, the kernel starts and the notebook's
imports run; the notebook's cell tagged ``results`` waits until the caller says the results
are written (:meth:`NotebookRun.release`) or stops the run (:meth:`NotebookRun.abort`).
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, Callable, Mapping

from .exceptions import InputError, ReportError
from .paths import TEMPLATES_DIR

KERNEL_NAME = "python3"
DEFAULT_CELL_TIMEOUT = 600  # seconds per cell
REPORT_TEMPLATE = "aligndx"
BRANDING_FILE = TEMPLATES_DIR / "report" / "branding.toml"
#: Tag of the notebook cell that reads ``results.json``; with ``results_ready`` given,
#: :func:`run_notebook` holds that cell (and every cell after it) until the results are ready.
RESULTS_CELL_TAG = "results"
#: Seconds :meth:`NotebookRun.abort` waits for the notebook process to stop by itself.
ABORT_GRACE = 30


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
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

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


def load_branding(path: Path | None = None) -> dict[str, Any]:
    """Read the practice's branding settings (name, logo, colours) for the HTML template.

    Parameters
    ----------
    path : Path, optional
        A TOML file with a ``[branding]`` table; default ``templates/report/branding.toml``.

    Returns
    -------
    dict
        Keys ``practice``, ``logo`` (data URI or empty), ``primary``, ``accent``, ``footer``,
        ``font`` (the deck's typeface) and ``pptx_template`` (absolute path of the
        practice's PowerPoint template, or empty for the built-in 16:9 design).

    Raises
    ------
    toolkit.exceptions.ConfigError
        ``pptx_template`` names a file that does not exist.
    """
    defaults = {"practice": "aligndx", "logo": "", "primary": "#1f3a5f", "accent": "#e07b00",
                "footer": "Confidential — prepared for the client's leadership team.",
                "font": "Arial", "pptx_template": ""}
    path = Path(path) if path else BRANDING_FILE
    if path.is_file():
        doc = tomllib.loads(path.read_text(encoding="utf-8")).get("branding", {})
        defaults.update({k: v for k, v in doc.items() if k in defaults})
        logo = defaults["logo"]
        if logo and not logo.startswith("data:"):
            logo_path = (path.parent / logo)
            if logo_path.is_file():
                import base64
                mime = "image/svg+xml" if logo_path.suffix == ".svg" else "image/png"
                defaults["logo"] = (f"data:{mime};base64,"
                                    + base64.b64encode(logo_path.read_bytes()).decode())
            else:
                defaults["logo"] = ""
        template = str(defaults["pptx_template"] or "")
        if template:
            tpath = path.parent / template
            if not tpath.is_file():
                from .exceptions import ConfigError
                raise ConfigError(f"{path}: pptx_template: {template} not found (a .pptx path "
                                  "relative to this file, or empty)")
            defaults["pptx_template"] = str(tpath.resolve())
    return defaults


def export_html(notebook_path: Path, html_path: Path, *, title: str | None = None,
                branding: Mapping[str, Any] | None = None) -> Path:
    """Convert an executed notebook to self-contained HTML without code.

    Inputs and prompts are excluded, stderr streams (warnings) are dropped, images are
    embedded, and the ``templates/report/aligndx`` nbconvert template adds the branding,
    table of contents and print CSS.

    Parameters
    ----------
    notebook_path : Path
        Executed ``.ipynb``.
    html_path : Path
        Where to write the HTML.
    title : str, optional
        Document title.
    branding : mapping, optional
        Branding settings (see :func:`load_branding`).

    Returns
    -------
    Path
        *html_path*.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import Preprocessor
    from traitlets.config import Config

    class DropStderr(Preprocessor):
        def preprocess_cell(self, cell, resources, index):
            if cell.get("cell_type") == "code":
                cell.outputs = [o for o in cell.get("outputs", [])
                                if not (o.get("output_type") == "stream"
                                        and o.get("name") == "stderr")]
            return cell, resources

    nb = nbformat.read(str(notebook_path), as_version=4)
    c = Config()
    c.TemplateExporter.exclude_input = True
    c.TemplateExporter.exclude_input_prompt = True
    c.TemplateExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    exporter = HTMLExporter(config=c, template_name=REPORT_TEMPLATE,
                            extra_template_basedirs=[str(TEMPLATES_DIR / "report")])
    exporter.register_preprocessor(DropStderr(), enabled=True)
    resources = {"metadata": {"name": title or notebook_path.stem},
                 "aligndx": dict(branding or load_branding())}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def run_notebook(notebook: str | Path, output: str | Path, *,
                 parameters: Mapping[str, Any] | None = None,
                 html: str | Path | None = None,
                 cwd: str | Path | None = None,
                 timeout: int = DEFAULT_CELL_TIMEOUT,
                 kernel_name: str = KERNEL_NAME,
                 title: str | None = None,
                 partial_dir: str | Path | None = None,
                 progress: bool = False,
                 results_ready: Callable[[], None] | None = None) -> Path:
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
        its path is given in the message.
    NotebookAborted
        *results_ready* stopped the run.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    notebook, output = Path(notebook), Path(output)
    if not notebook.is_file():
        raise InputError(f"{notebook}: notebook not found")
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
            kernel_manager_class=_quiet_kernel_manager(), **hooks,
        )
    except NotebookAborted:
        output.unlink(missing_ok=True)
        raise
    except PapermillExecutionError as exc:
        kept = _keep_partial(output, partial_dir)
        raise ReportError(f"{notebook.name}: cell {exc.exec_count} failed: {exc.ename}: "
                          f"{exc.evalue}", partial_notebook=str(kept)) from None
    except Exception as exc:  # timeouts, dead kernels
        kept = _keep_partial(output, partial_dir) if output.exists() else None
        if type(exc).__name__ == "CellTimeoutError":
            msg = (f"the report notebook ({notebook.name}) stopped: a step took longer than "
                   f"the {timeout} s allowed per step (raise it with --timeout)")
        else:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            msg = f"the report notebook ({notebook.name}) failed: {type(exc).__name__}: {first}"
        raise ReportError(msg, partial_notebook=str(kept) if kept else None) from None
    finally:
        pm_log.setLevel(pm_level)
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    if html is not None:
        try:
            export_html(output, Path(html), title=title)
        except Exception as exc:
            raise ReportError(f"HTML export failed: {type(exc).__name__}: {exc}") from None
    return output


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
        self.results_ready()


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
        """Let the notebook go past its results cell (the results are written)."""
        self._conn.send(("go", None))

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

    notebook, output = Path(notebook), Path(output)
    if not notebook.is_file():
        raise InputError(f"{notebook}: notebook not found")
    coerce_parameters(kwargs.get("parameters") or {})
    conn, child_conn = Pipe()
    fd = child_conn.fileno()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c",
             f"from toolkit.execute import _notebook_child; _notebook_child({fd})"],
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


def _notebook_child(fd: int) -> None:
    """Body of :func:`start_notebook`'s child process; talks to the caller over pipe *fd*."""
    import signal
    import sys
    from multiprocessing.connection import Connection

    # jsonschema (under nbformat) builds a Lark grammar at import when the optional
    # rfc3987-syntax package is installed (~1 s of CPU per report), for an "iri" format
    # check that notebook validation never uses: this child does without it
    sys.modules.setdefault("rfc3987_syntax", None)

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
    try:
        conn.send(reply)
    except Exception:  # noqa: BLE001 - unpicklable exception, or the caller has gone
        try:
            conn.send(("error", ReportError(f"{type(reply[1]).__name__}: {reply[1]}")))
        except Exception:  # noqa: BLE001
            pass
    conn.close()


def _keep_partial(output: Path, partial_dir: str | Path | None) -> Path:
    target_dir = Path(partial_dir) if partial_dir else output.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{output.stem}.failed.ipynb"
    if output.exists():
        os.replace(output, target)
    return target
