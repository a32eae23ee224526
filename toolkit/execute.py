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
#: Start the notebook process of :func:`start_notebook` as a ``fork`` of this process instead
#: of a fresh interpreter (set by :mod:`toolkit.batch.forkserver` in its jobs, which have
#: papermill and nbconvert imported already: ~0.7 s of CPU less per report).
FORK_NOTEBOOK = False
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


def load_branding(path: Path | None = None) -> dict[str, Any]:
    """Read the practice's branding settings (name, logo, colours) for the HTML template.

    Settings are untrusted like any input (SPEC §8a): colours must be plain CSS colours
    (:func:`toolkit.report.safe.css_color`, else the default is used); the logo must be a
    PNG, JPEG, GIF or WebP file inside the branding file's folder, embedded as a ``data:``
    URI only when its bytes are a real raster image (SVG, remote URLs, ``data:`` strings and
    paths leaving the folder are ignored); the font is a plain typeface name; text is
    escaped by the template.

    Parameters
    ----------
    path : Path, optional
        A TOML file with a ``[branding]`` table; default ``templates/report/branding.toml``.

    Returns
    -------
    dict
        Keys ``practice``, ``logo`` (data URI or empty), ``primary``, ``accent``, ``footer``,
        ``font`` (the deck's typeface), ``pptx_template`` (absolute path of the practice's
        PowerPoint template, or empty for the built-in 16:9 design) and ``warnings``
        (settings that were ignored, with why).

    Raises
    ------
    toolkit.exceptions.ConfigError
        The file is not valid TOML, or ``pptx_template`` names a file that does not exist
        in the branding folder.
    """
    import re

    from .exceptions import ConfigError
    from .report.safe import css_color, image_data_uri

    defaults = {"practice": "aligndx", "logo": "", "primary": "#1f3a5f", "accent": "#e07b00",
                "footer": "Confidential — prepared for the client's leadership team.",
                "font": "Arial", "pptx_template": ""}
    out = dict(defaults)
    warnings: list[str] = []
    path = Path(path) if path else BRANDING_FILE
    if path.is_file():
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8-sig")).get("branding", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        if not isinstance(doc, dict):
            warnings.append("branding: [branding] is not a table of settings; the defaults "
                            "are used")
            doc = {}
        for k in doc:
            if k not in defaults:
                warnings.append(f"branding.{k}: unknown setting, ignored; expected one of "
                                f"{', '.join(defaults)}")
        for k in ("practice", "footer"):
            if isinstance(doc.get(k), str):
                out[k] = doc[k]
            elif k in doc:
                warnings.append(f"branding.{k}: expected text, got {doc[k]!r}; the default "
                                "is used")
        for k in ("primary", "accent"):
            if k in doc:
                out[k] = css_color(doc[k], defaults[k])
                if out[k] != str(doc[k]).strip():
                    warnings.append(f"branding.{k}: {doc[k]!r} is not a CSS colour; the default "
                                    "is used")
        font = doc.get("font")
        if isinstance(font, str) and re.fullmatch(r"[A-Za-z0-9 \-]{1,60}", font.strip()):
            out["font"] = font.strip()
        elif font is not None:
            warnings.append(f"branding.font: {font!r} is not a plain typeface name; "
                            f"{defaults['font']} is used")
        base = path.parent.resolve()
        logo = doc.get("logo") or ""
        if isinstance(logo, str) and logo:
            candidate = (base / logo).resolve()
            uri = None
            if ":" not in logo and candidate.is_relative_to(base):
                uri = image_data_uri(candidate)
            if uri:
                out["logo"] = uri
            else:
                warnings.append(f"branding.logo: {logo!r} is not a PNG, JPEG, GIF or WebP file "
                                "in the branding folder; no logo is shown")
        template = str(doc.get("pptx_template") or "")
        if template:
            tpath = (base / template).resolve()
            if ":" in template or not tpath.is_relative_to(base) or not tpath.is_file():
                raise ConfigError(f"{path}: pptx_template: {template} not found (a .pptx path "
                                  "relative to this file, inside its folder, or empty)")
            out["pptx_template"] = str(tpath)
    out["warnings"] = warnings
    return out


_EXPORTER: list = []
_EXPORTER_LOCK = __import__("threading").Lock()


def _html_exporter():
    """The report's nbconvert HTML exporter, made once per process (its Jinja templates are
    compiled on first use and kept; :func:`warm_html_export` does that ahead of time)."""
    with _EXPORTER_LOCK:
        if _EXPORTER:
            return _EXPORTER[0]
        from urllib.parse import quote

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

        c = Config()
        c.TemplateExporter.exclude_input = True
        c.TemplateExporter.exclude_input_prompt = True
        c.TemplateExporter.exclude_output_prompt = True
        # Never embed files named in the notebook: the charts are data URIs already, and an
        # <img src="..."> in client text must not pull a local file into the report.
        c.HTMLExporter.embed_images = False
        c.TagRemovePreprocessor.enabled = True
        c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
        exporter = HTMLExporter(config=c, template_name=REPORT_TEMPLATE,
                                extra_template_basedirs=[str(TEMPLATES_DIR / "report")])
        exporter.register_preprocessor(DropStderr(), enabled=True)
        # the contents links point at nbconvert's heading ids (spaces to "-", URL-quoted)
        exporter.register_filter("aligndx_anchor", lambda text: quote(
            str(text).replace(" ", "-"), safe="?/:@!$&'()*+,;="))
        _EXPORTER.append(exporter)
        return exporter


def warm_html_export() -> None:
    """Prepare the HTML export ahead of time: build the exporter and export a two-cell
    notebook with it (compiles the report template and its parents, fills BeautifulSoup's
    and the safety check's tables). The notebook process of ``aligndx report`` runs this
    in a thread while it waits for ``results.json`` (issue 18); any failure is left to
    the real export."""
    try:
        import nbformat

        from .report.safe import assert_safe_html

        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("## Warm-up\n\nText."),
                    nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
                        "display_data", data={"text/html": "<p>warm-up</p>"})])]
        body, _ = _html_exporter().from_notebook_node(
            nb, resources={"metadata": {"name": "warm-up"}, "aligndx": load_branding()})
        assert_safe_html(body, where="warm-up")
    except Exception:  # noqa: BLE001 - the real export will say what is wrong
        pass


def export_html(notebook_path: Path, html_path: Path, *, title: str | None = None,
                branding: Mapping[str, Any] | None = None,
                notebook: Mapping[str, Any] | None = None) -> Path:
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
    notebook : mapping, optional
        The content of *notebook_path* as a JSON dict, when the caller has it (it has been
        validated when papermill wrote it): it is not read and validated again.

    Returns
    -------
    Path
        *html_path*.
    """
    import nbformat

    if notebook is None:
        nb = nbformat.read(str(notebook_path), as_version=4)
    else:  # what nbformat.read does, without the second schema validation
        from nbformat.v4.nbjson import JSONReader

        nb = nbformat.convert(JSONReader().to_notebook(notebook), 4)  # copies
    exporter = _html_exporter()
    resources = {"metadata": {"name": title or notebook_path.stem},
                 "aligndx": dict(branding or load_branding())}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    from .report.safe import assert_safe_html

    assert_safe_html(body, where=str(html_path.name))
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
                 f"from toolkit.execute import _notebook_child; _notebook_child({fd}, "
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
