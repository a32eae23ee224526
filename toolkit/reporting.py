"""Produce one client's deliverables: ``aligndx report ENGAGEMENT -o OUT`` (analyse, then
render) and ``aligndx render RESULTS_JSON -o OUT`` (render a results.json alone).

Outputs are built in a hidden staging folder inside ``OUT`` and moved to ``OUT/<client.id>/``
only when complete, so a failed run (bad input included) leaves the previous report (if any)
untouched and no half-written folder behind.

The report notebook starts in a child process (:func:`toolkit.execute.start_notebook`) as soon
as ``engagement.toml`` is read: papermill's import, the kernel's start and the notebook's
imports overlap with validation and the measures in this process. The notebook's
``results`` cell waits until ``results.json`` is complete (written under a temporary name,
then renamed); when validation or the analysis fails, the notebook is stopped before that
cell and nothing is kept.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import load_engagement
from .deliverables import write_aggregates_xlsx, write_results_json
from .exceptions import InputError
from .execute import DEFAULT_CELL_TIMEOUT, load_branding, run_notebook, start_notebook
from .forked import ForkedCall
from .paths import DIAGNOSTIC_NOTEBOOK
from .runsafe import folder_mode, make_staging, swap_into_place, sweep_creating, sweep_stale

REPORT_FILES = ("report.html", "report.ipynb", "results.json", "aggregates.xlsx",
                "report.pptx")

#: Start the notebook while the analysis runs (POSIX: the child talks over an inherited
#: pipe). On Windows the notebook runs after the analysis, through the same runner.
OVERLAP_NOTEBOOK = os.name == "posix"


@dataclass
class ReportOutcome:
    """What :func:`build_report` produced."""

    client_id: str
    folder: Path
    files: dict[str, Path]
    seconds: float
    warnings: list[str] = field(default_factory=list)


#: Files a report run writes into ``OUT/<client.id>/``; anything else there was added by
#: the user and is carried over to the new folder.
DELIVERABLES = ("report.html", "report.ipynb", "results.json", "aggregates.xlsx",
                "report.pptx", "report.pdf")
#: Files made from the previous results by another command; stale once the report is redone.
DERIVED = ("comparison.json", "comparison.html")


def check_same_client(final: Path, name: str) -> None:
    """Refuse to replace another client's report that has the same client id.

    Raises
    ------
    InputError
        ``final/results.json`` names another client (copied engagement.toml with the old id).
    """
    prev = Path(final) / "results.json"
    if not prev.is_file():
        return
    try:
        old = (json.loads(prev.read_text(encoding="utf-8")).get("client") or {}).get("name")
    except (OSError, ValueError, AttributeError):
        return
    if old and str(old) != str(name):
        raise InputError(
            f"{final}: this folder holds the report of another client ({old!r}) with the same "
            f"client id; this engagement is {name!r}. Give it its own [client] id in "
            "engagement.toml, or write to another output folder (delete the folder first if "
            "it is the same client renamed).")


def carry_over(final: Path, staging: Path) -> list[str]:
    """Copy the files the user added to ``final`` into ``staging`` before the swap.

    Returns
    -------
    list of str
        Notes for the user: files kept, earlier files removed because this run replaces
        or outdates them.
    """
    final, staging = Path(final), Path(staging)
    notes: list[str] = []
    if not final.is_dir():
        return notes
    kept, dropped = [], []
    for p in sorted(final.iterdir()):
        if p.name.startswith(".") or (staging / p.name).exists():
            continue
        if p.name in DELIVERABLES or p.name in DERIVED:
            dropped.append(p.name)
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.copytree(p, staging / p.name, symlinks=True)
        else:
            shutil.copy2(p, staging / p.name, follow_symlinks=False)
        kept.append(p.name)
    if kept:
        notes.append(f"Kept {len(kept)} file(s) you had added to {final.name}/: "
                     + ", ".join(kept) + ".")
    if dropped:
        notes.append("Removed the earlier " + ", ".join(dropped) + " (made from the previous "
                     "results; run the command that made them again, e.g. --pdf or "
                     "aligndx compare).")
    return notes


def build_report(engagement: str | Path, out: str | Path, *,
                 progress: Callable[[str], None] | None = None,
                 timeout: int = DEFAULT_CELL_TIMEOUT,
                 notebook: Path = DIAGNOSTIC_NOTEBOOK,
                 pdf: bool = False) -> ReportOutcome:
    """Validate, analyse and render one engagement into ``OUT/<client.id>/``.

    Parameters
    ----------
    engagement : path
        Engagement folder.
    out : path
        Output root; created when missing.
    progress : callable, optional
        Called with a short label at each step.
    timeout : int
        Seconds allowed per notebook cell.
    notebook : Path
        The report notebook (default ``notebooks/diagnostic.ipynb``).
    pdf : bool
        Also write ``report.pdf`` (needs the ``pdf`` extra).

    Returns
    -------
    ReportOutcome

    Raises
    ------
    toolkit.exceptions.InputError
        Bad engagement folder or tables; nothing is written.
    toolkit.exceptions.ReportError
        The notebook failed; the partial notebook is kept under ``OUT/_failed/<client.id>/``.
    """
    from .trace import mark

    def say(msg: str) -> None:
        mark("main", msg)
        if progress is not None:
            progress(msg)

    t0 = time.perf_counter()
    out = Path(out)
    sweep_killed_runs(out)  # also when this run fails on its input
    say("reading engagement.toml")
    eng = load_engagement(engagement)

    made_out = prepare_output_dir(out)
    final = out / eng.client.id
    check_same_client(final, eng.client.name)
    try:
        stage = make_staging(out, eng.client.id)
    except OSError as exc:
        raise InputError(f"{out}: cannot write in the output folder "
                         f"({exc.strerror or exc})") from None
    staging = stage.path
    run = side = None
    nb_args = dict(parameters={"results_path": "results.json"},
                   html=staging / "report.html", cwd=staging, timeout=timeout,
                   title=f"{eng.client.name} — sales & marketing alignment diagnostic",
                   partial_dir=out / "_failed" / eng.client.id,
                   expect_client_id=eng.client.id)
    try:
        if OVERLAP_NOTEBOOK:
            say("starting the report notebook")
            run = start_notebook(notebook, staging / "report.ipynb", **nb_args)
        # the measures' libraries are imported once the notebook process has started, so
        # that its imports and the kernel's start overlap with theirs (issue 18)
        from .intake import load_data
        from .pipeline import analyse

        if OVERLAP_NOTEBOOK:
            # aggregates.xlsx and report.pptx: a forked worker loads their libraries and
            # fonts now, on the core the analysis leaves free, and writes them from
            # results.json once it is complete (issue 18); low priority, as nothing waits
            # for it until the notebook is done. Forked after the imports above (before
            # any input is read: no reader thread yet), it shares pandas, NumPy and pyarrow
            # with this process instead of importing them again (~0.6 s of CPU).
            side = ForkedCall(write_side_files, staging, hold=True, prepare=prepare_side_files,
                              name="side files", nice=10)

        say("reading and validating input files")
        data = load_data(eng)
        results = analyse(data, progress=say)
        say("writing results.json")
        partial_json = write_results_json(results, staging / ".results.json.partial")
        os.replace(partial_json, staging / "results.json")  # the notebook sees it whole
        if run is not None:
            run.release()
        say("writing aggregates.xlsx and report.pptx")
        if side is not None:
            side.result()  # the worker's files, or written here when it could not
            side = None
        else:
            write_side_files(staging)
        say("running the report notebook")
        if run is not None:
            run.wait()
            run = None
            mark("main", "notebook finished")
        else:
            run_notebook(notebook, staging / "report.ipynb", **nb_args)
        if pdf:
            say("writing report.pdf")
            from .pdf import html_to_pdf
            html_to_pdf(staging / "report.html", staging / "report.pdf")
        # mkdtemp makes it private; the report folder gets the user's umask (attack 8)
        os.chmod(staging, folder_mode())
        kept = _move_into_place(staging, final)
        stage.release()
        mark("main", "report in place")
    except BaseException:
        if side is not None:
            side.cancel()
        if run is not None:
            run.abort()
        stage.discard()
        if made_out:
            try:
                out.rmdir()  # only if still empty: a bad input leaves no folder behind
            except OSError:
                pass
        raise
    files = {p.name: p for p in sorted(final.iterdir())}
    return ReportOutcome(client_id=eng.client.id, folder=final, files=files,
                         seconds=time.perf_counter() - t0,
                         warnings=list(results["data"]["warnings"]) + kept)


def render_results(results_json: str | Path, out: str | Path, *,
                   progress: Callable[[str], None] | None = None,
                   timeout: int = DEFAULT_CELL_TIMEOUT,
                   notebook: Path = DIAGNOSTIC_NOTEBOOK,
                   pdf: bool = False) -> ReportOutcome:
    """Render the deliverables of a ``results.json`` alone: ``aligndx render``.

    Writes ``OUT/<client.id>/`` — ``report.html``, ``report.ipynb``, ``results.json``,
    ``aggregates.xlsx`` and ``report.pptx`` (and ``report.pdf``) — from the file, without the engagement folder
    and without re-analysing. A file of an earlier layout is brought up to date first
    (:func:`toolkit.upgrade.upgrade_results`): the thresholds and weights it recorded are
    kept, so it renders as it was judged; what was rebuilt is listed in the warnings.

    Parameters
    ----------
    results_json : path
        A ``results.json`` written by ``aligndx report`` (any version).
    out : path
        Output root; created when missing.
    progress, timeout, notebook, pdf
        As for :func:`build_report`.

    Returns
    -------
    ReportOutcome

    Raises
    ------
    toolkit.exceptions.InputError
        The file is missing, not JSON or not a results.json; nothing is written.
    toolkit.exceptions.ReportError
        The notebook failed; the partial notebook is kept under ``OUT/_failed/<client.id>/``.
    """
    from .jsonio import load_results
    from .upgrade import upgrade_results

    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    sweep_killed_runs(Path(out))
    say("reading results.json")
    results, notes = upgrade_results(load_results(results_json))
    check_vocabulary(results, str(results_json))
    client_id = str((results.get("client") or {}).get("id") or "")
    from .config import SLUG_RE
    if not SLUG_RE.match(client_id):
        raise InputError(f"{results_json}: client.id {client_id!r} is not a client slug "
                         "([a-z0-9-]+)")
    name = (results.get("client") or {}).get("name") or client_id
    out = Path(out)
    made_out = prepare_output_dir(out)
    final = out / client_id
    check_same_client(final, name)
    try:
        stage = make_staging(out, client_id)
    except OSError as exc:
        raise InputError(f"{out}: cannot write in the output folder "
                         f"({exc.strerror or exc})") from None
    staging = stage.path
    try:
        say("writing results.json, aggregates.xlsx and report.pptx")
        write_results_json(results, staging / "results.json")
        write_side_files(staging)
        say("running the report notebook")
        run_notebook(notebook, staging / "report.ipynb",
                     parameters={"results_path": "results.json"},
                     html=staging / "report.html", cwd=staging, timeout=timeout,
                     title=f"{name} — sales & marketing alignment diagnostic",
                     partial_dir=out / "_failed" / client_id, expect_client_id=client_id)
        if pdf:
            say("writing report.pdf")
            from .pdf import html_to_pdf
            html_to_pdf(staging / "report.html", staging / "report.pdf")
        os.chmod(staging, folder_mode())
        notes = notes + _move_into_place(staging, final)
        stage.release()
    except BaseException:
        stage.discard()
        if made_out:
            try:
                out.rmdir()
            except OSError:
                pass
        raise
    files = {p.name: p for p in sorted(final.iterdir())}
    return ReportOutcome(client_id=client_id, folder=final, files=files,
                         seconds=time.perf_counter() - t0, warnings=notes)


def check_vocabulary(results: dict, where: str) -> None:
    """Refuse a results.json whose coded values are outside the toolkit's vocabularies
    (the renderers look them up): an exit-2 error naming the key, before the notebook
    starts, instead of a notebook cell failing (review 13, I4).

    Raises
    ------
    InputError
        Naming the file, the key, the value and the values expected.
    """
    from .vocab import VERDICT_STATUSES

    problems = []
    verdict = results.get("verdict")
    if verdict is not None and not isinstance(verdict, dict):
        problems.append(("verdict", verdict, "an object or null"))
    for claim in ("lead_quality", "follow_up") if isinstance(verdict, dict) else ():
        c = verdict.get(claim)
        if not isinstance(c, dict):
            problems.append((f"verdict.{claim}", c, "an object"))
        elif c.get("status") not in VERDICT_STATUSES:
            problems.append((f"verdict.{claim}.status", c.get("status"),
                             " or ".join(VERDICT_STATUSES)))
    if problems:
        key, value, expected = problems[0]
        raise InputError(f"{where}, key '{key}': {str(value)[:80]!r} is not a value "
                         f"aligndx writes; expected {expected}")


def sweep_killed_runs(out: Path) -> None:
    """What runs killed with SIGKILL left behind (SPEC §8a): their staging folders in *out*
    and their private folders in the temporary folder (kernel connection files, rendered
    sections). A folder still locked by a live run — another report into the same *out*,
    a batch job — is left alone (:func:`toolkit.runsafe.sweep_stale`)."""
    from .runsafe import sweep_temp

    if Path(out).is_dir():
        sweep_stale(Path(out))
        sweep_creating(Path(out))
    sweep_temp()


def write_side_files(folder: Path) -> None:
    """Write ``aggregates.xlsx`` and ``report.pptx`` into *folder* from its ``results.json``
    alone (read back from the file, as a later re-render would), in the practice's branding.

    Raises
    ------
    toolkit.exceptions.ConfigError
        The branding settings name a PowerPoint template that is missing or unreadable.
    """
    from .deck import write_deck

    brand = load_branding()
    stored = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    write_aggregates_xlsx(stored, folder / "aggregates.xlsx", practice=brand["practice"])
    write_deck(stored, folder / "report.pptx", branding=brand)


def prepare_side_files() -> None:
    """Load what :func:`write_side_files` needs (python-pptx, openpyxl, the deck's and the
    workbook's modules, the glyph widths of the branding font), so that writing the files
    later costs only the writing."""
    import openpyxl.styles  # noqa: F401  (imported by the workbook when it writes)
    import openpyxl.utils  # noqa: F401
    import pptx  # noqa: F401

    from . import deliverables, instrument, privacy, workbook  # noqa: F401
    from .charts import theme  # noqa: F401
    from .deck import content, fit, waves  # noqa: F401
    from .report import appendix, pillars, sections, summary, verdict  # noqa: F401
    from .report import waves as report_waves  # noqa: F401

    font = load_branding()["font"]
    fit.preload(font)


def _move_into_place(staging: Path, final: Path) -> list[str]:
    """Carry the user's files over and swap the complete report into place.

    Raises
    ------
    InputError
        The earlier report folder cannot be read or replaced (permissions, an immutable or
        read-only folder); the message names the folder and the reason.
    """
    try:
        kept = carry_over(final, staging)
        replace_dir(staging, final)
    except OSError as exc:
        raise InputError(f"{final}: cannot replace the report folder ({exc.strerror or exc}); "
                         "check its permissions, or write to another output folder") from None
    return kept


def replace_dir(src: Path, dst: Path) -> None:
    """Move *src* to *dst* atomically, replacing an existing *dst* (see
    :func:`toolkit.runsafe.swap_into_place`; safe when two runs write the same report)."""
    swap_into_place(Path(src), Path(dst))


def prepare_output_dir(out: Path) -> bool:
    """Create the output folder if needed and check that it can be written.

    Returns
    -------
    bool
        Whether the folder was created by this call.

    Raises
    ------
    InputError
        The path is a file, or the folder cannot be created or written (read-only file
        system, permissions); the message names the folder and the reason.
    """
    out = Path(out)
    made = not out.exists()
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: the output path exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = ("a part of the path is a file" if exc.errno == errno.ENOTDIR
                  else exc.strerror or str(exc))
        raise InputError(f"{out}: cannot create the output folder ({reason})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"{out}: the output folder is not writable (permission denied)")
    return made
