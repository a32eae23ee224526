"""``aligndx`` command line: a thin layer over the library (SPEC §7).

Exit codes: 0 success, 1 a report or job failed, 2 bad input or usage. Errors are one
readable message naming the file, row and column; a traceback only with ``--debug``.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .exceptions import AligndxError, InputError, one_line


def _echo(message="", err: bool = False, **kw) -> None:
    """Print *message* with every control and bidi character made visible
    (:func:`toolkit.privacy.terminal_text`): messages quote clients' values, which must
    not drive the terminal (review 13, L4)."""
    from .privacy import terminal_text

    click.echo(terminal_text(message), err=err, **kw)


def _branding_warnings() -> None:
    """Say which branding settings were refused (and why) instead of dropping them
    silently: a practice must know its logo is not shown (review 13, L5)."""
    from . import htmlexport
    from .exceptions import ConfigError

    try:
        warnings = htmlexport.load_branding()["warnings"]
    except ConfigError:
        return  # the run itself reports an unreadable branding file
    for w in warnings:
        _echo(f"aligndx: warning: {w} ({htmlexport.BRANDING_FILE})", err=True)


class _Ctx:
    debug = False


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _fail(exc: BaseException, debug: bool) -> None:
    """Print *exc* readably and exit with its code."""
    if debug:
        traceback.print_exc()
    code = getattr(exc, "exit_code", 1)
    label = "error" if code == 2 else "failed"
    _echo(f"aligndx: {label}: {exc}", err=True)
    sys.exit(code)


class _ResultsShape:
    """Backstop for ``render`` and ``compare`` (attack 6 RJ1): an exception that is not a
    toolkit error, raised while working on a results.json this run did not write, means the
    file does not have the shape the toolkit writes (it was edited) — exit 2 naming the file,
    not "unexpected error". Only the exception's class is named, never its text: it may quote
    a value of the file. A read/write failure (``OSError``) is not the file's shape."""

    def __init__(self, files: list[Path], step: str) -> None:
        self.files, self.step = files, step

    def __enter__(self) -> "_ResultsShape":
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        if (exc is None or not self.files or not isinstance(exc, Exception)
                or isinstance(exc, (AligndxError, OSError, MemoryError))
                or _STOP["signum"] is not None):
            return False
        from .exceptions import ValidationError

        ctx = click.get_current_context(silent=True)
        root = ctx.find_root() if ctx else None
        if root is not None and root.obj and getattr(root.obj, "debug", False):
            traceback.print_exception(kind, exc, tb)
        names = " and ".join(str(f) for f in self.files)
        raise ValidationError(f"{names}: results.json does not have the shape this toolkit "
                              f"writes (it failed while {self.step}: {kind.__name__}); use a "
                              "results.json written by 'aligndx report'") from None


def _results_files(*paths: Path) -> list[Path]:
    """The *paths* that are results.json files (or report folders holding one), not
    engagement folders analysed in this run."""
    out = []
    for p in paths:
        p = Path(p)
        if p.is_file():
            out.append(p)
        elif p.is_dir() and not (p / "engagement.toml").is_file() and \
                (p / "results.json").is_file():
            out.append(p / "results.json")
    return out


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread when the command is told to stop (SIGTERM, SIGHUP, Ctrl-C).

    A subclass, not ``KeyboardInterrupt`` itself: CPython remembers a bare
    ``KeyboardInterrupt`` that passed through code run by ``exec`` of a string (dataclasses,
    namedtuples and other libraries define functions that way) and then ends the process with
    SIGINT's status (-2) at exit, even after the command caught it and chose exit 1.
    """


#: The stop in progress: the signal that asked for it, and whether a cleanup is running
#: (further signals are then ignored, so the cleanup finishes).
_STOP = {"signum": None, "stopping": False}
#: The unraisable hook that was in place before :func:`_install_stop_handlers` (a test
#: runner's, or Python's own): every other unraisable exception still goes to it.
_PREVIOUS_HOOK = [sys.unraisablehook]


def _on_stop_signal(signum, frame):  # noqa: ARG001 - signal handler signature
    """SIGTERM, SIGHUP and SIGINT end a command the same way: children are stopped and
    staging removed, exit 1 with one line ("interrupted").

    One-shot: a second signal while the cleanup runs is ignored, so the cleanup finishes
    and the command exits 1 instead of dying half-way. When the exception is swallowed
    because it was raised inside a weakref callback or ``__del__`` (Python prints such
    exceptions and goes on), :func:`_unraisable` delivers the signal again."""
    if _STOP["stopping"]:
        return
    _STOP["stopping"] = True
    _STOP["signum"] = signum
    raise Interrupted()


def _unraisable(args) -> None:
    """``sys.unraisablehook``: an :class:`Interrupted` raised where Python cannot propagate
    it (a weakref callback, a finaliser) is not lost — the signal is sent again, to be
    raised at the next point where it can end the command."""
    import os
    import threading

    if isinstance(args.exc_value, Interrupted) and _STOP["signum"] is not None:
        _STOP["stopping"] = False
        # from another thread, shortly: sent from here, the handler would run inside
        # this hook, where its exception is dropped again
        timer = threading.Timer(0.02, os.kill, (os.getpid(), _STOP["signum"]))
        timer.daemon = True
        timer.start()
        return
    _PREVIOUS_HOOK[0](args)


def _install_stop_handlers() -> None:
    """Route SIGTERM, SIGHUP and SIGINT to :func:`_on_stop_signal` (main thread only).

    A signal the user or the launching shell set to be ignored stays ignored (``nohup``
    ignores SIGHUP; a shell's background job ignores SIGINT)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    _STOP.update(signum=None, stopping=False)
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        sig = getattr(signal, name, None)
        if sig is None or signal.getsignal(sig) is signal.SIG_IGN:
            continue
        signal.signal(sig, _on_stop_signal)
    if sys.unraisablehook is not _unraisable:
        _PREVIOUS_HOOK[0] = sys.unraisablehook
        sys.unraisablehook = _unraisable


def _guard(func):
    """Turn toolkit errors into readable messages and exit codes."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().obj and ctx.find_root().obj.debug)
        # a closed terminal or dropped SSH session (SIGHUP) and SIGTERM end the command
        # like Ctrl-C
        _install_stop_handlers()

        def interrupted():
            _STOP["stopping"] = True   # a second interrupt must not cut the exit short
            try:   # after SIGHUP the terminal may be gone
                click.echo("aligndx: interrupted; nothing was written for the unfinished "
                           "report", err=True)
            except OSError:
                pass
            sys.exit(1)

        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            interrupted()
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            # a stop signal raised where a library turns it into another error (a C
            # extension's import reports "ImportError: initialization failed"): the run
            # was interrupted, and says so
            if _STOP["signum"] is not None:
                interrupted()
            if isinstance(exc, AligndxError):
                _fail(exc, debug)
            # a bug: say so plainly, keep the traceback for --debug
            if debug:
                traceback.print_exc()
            _echo(f"aligndx: failed: unexpected {type(exc).__name__}: {exc}\n"
                  "  (run again with --debug for the traceback)", err=True)
            sys.exit(1)
    return wrapper


#: Commands that import the statistics stack (SciPy): SciPy's import-time docstring rewriting
#: is skipped in them (:mod:`toolkit.scipydocs`).
ANALYSING = frozenset({"validate", "report", "demo", "batch", "workshop", "compare", "render",
                       "collect"})


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="aligndx")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Sales–marketing alignment diagnostic: survey, CRM evidence and incentives into a
    report a partner can send."""
    ctx.obj = _Ctx()
    ctx.obj.debug = debug
    if ctx.invoked_subcommand in ANALYSING:
        from .scipydocs import keep_own_docstrings

        keep_own_docstrings()  # ~0.5 s of CPU less to import scipy.stats (issue 18)


@main.command(short_help="Scaffold a new engagement folder.")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--id", "client_id", help="Client slug (lowercase letters, digits, '-'); "
              "default: the folder name.")
@click.option("--name", "client_name", help="Client's name, as shown in the report.")
@_guard
def init(folder: Path, client_id: str | None, client_name: str | None) -> None:
    """Scaffold an engagement FOLDER with a commented engagement.toml and empty input folders."""
    from .scaffold import init_engagement

    path = init_engagement(folder, client_id=client_id, client_name=client_name)
    p = one_line(path)
    _echo(f"Created engagement folder {p}\n"
               f"Next: put the exports into {p}/survey, {p}/crm and {p}/incentives, "
               f"edit {p}/engagement.toml, then run: aligndx validate {p}")


@main.command(short_help="Check an engagement; list every problem (exit 2 if any).")
@click.argument("engagement", type=click.Path(path_type=Path))
@_guard
def validate(engagement: Path) -> None:
    """Check an ENGAGEMENT folder; print the intake summary and every problem (exit 2 if any)."""
    from .intake import validate as validate_folder
    from .intake.summary import print_intake, readiness_notes

    data, problems = validate_folder(engagement)
    _branding_warnings()
    if data is not None:
        print_intake(data)  # stdout, so `aligndx validate X > intake.txt` keeps it
        notes = readiness_notes(data)
        if notes:
            _echo("\nWhat the report will not be able to assess:")
            for n in notes:
                _echo(f"  - {n}")
    if problems:
        _echo(f"\n{len(problems)} problem(s) found in {one_line(engagement)}:", err=True)
        order = {f: i for i, f in enumerate(dict.fromkeys(getattr(p, "file", "") for p in problems))}
        problems = sorted(problems, key=lambda p: (
            order.get(getattr(p, "file", ""), 0),
            # "... and N more rows" after the rows it continues
            float("inf") if str(getattr(p, "message", "")).startswith("...")
            else getattr(p, "row", None) or 0))
        for p in problems:
            _echo(f"  - {p}", err=True)
        sys.exit(2)
    _echo(f"{one_line(engagement)}: OK — ready for 'aligndx report'.")


def _done() -> None:
    """The command's work is done and said: end the ``aligndx`` process without the
    interpreter's teardown (:func:`toolkit.runsafe.exit_now`; ~0.4 s after a report). Only
    when this process is the CLI itself (its ``__main__`` runs :func:`main`), never inside a
    test runner or another program calling the command."""
    if getattr(sys.modules.get("__main__"), "main", None) is main:
        from .runsafe import exit_now

        # the report is in place and said: an interrupt now must not cut the exit
        # handlers short (nor turn a finished report into exit 1)
        _STOP["stopping"] = True
        exit_now(0)


def _report_one(engagement: Path, out: Path, *, timeout: int, pdf: bool, quiet: bool):
    from rich.status import Status

    from .reporting import build_report

    console = _console()
    if quiet or not console.is_terminal:
        def say(msg: str) -> None:
            if not quiet:
                _echo(f"  {one_line(engagement.name)}: {msg}", err=True)
        return build_report(engagement, out, progress=say, timeout=timeout, pdf=pdf)
    from rich.markup import escape

    from .privacy import terminal_text

    name = escape(terminal_text(engagement.name))  # a folder name is not markup
    with Status(f"{name}: starting", console=console) as status:
        return build_report(engagement, out, timeout=timeout, pdf=pdf,
                            progress=lambda m: status.update(f"{name}: {escape(m)}"))


@main.command(short_help="Write the report and its files for one engagement.")
@click.argument("engagement", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Output folder; the report goes to OUT/<client.id>/.")
@click.option("--timeout", default=600, show_default=True, help="Seconds allowed per notebook cell.")
@click.option("--pdf", is_flag=True, help="Also write report.pdf (needs the 'pdf' extra).")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
@_guard
def report(engagement: Path, out: Path, timeout: int, pdf: bool, quiet: bool) -> None:
    """Write report.html, report.pptx, aggregates.xlsx, results.json and report.ipynb for
    ENGAGEMENT."""
    outcome = _report_one(engagement, out, timeout=timeout, pdf=pdf, quiet=quiet)
    _branding_warnings()
    _echo(f"{outcome.client_id}: report written to {one_line(outcome.folder)} "
               f"({outcome.seconds:.0f} s)")
    for name in outcome.files:
        _echo(f"  {one_line(outcome.folder / name)}")
    _done()


@main.command(short_help="Render the report and its files from a results.json alone.")
@click.argument("results_json", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Output folder; the report goes to OUT/<client.id>/.")
@click.option("--timeout", default=600, show_default=True, help="Seconds allowed per notebook cell.")
@click.option("--pdf", is_flag=True, help="Also write report.pdf (needs the 'pdf' extra).")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
@_guard
def render(results_json: Path, out: Path, timeout: int, pdf: bool, quiet: bool) -> None:
    """Write report.html, report.ipynb, results.json and aggregates.xlsx from RESULTS_JSON,
    without the engagement folder (an older results.json renders with the thresholds it was
    judged with)."""
    from .reporting import render_results

    def say(msg: str) -> None:
        if not quiet:
            _echo(f"  {results_json}: {msg}", err=True)

    with _ResultsShape([results_json], "rendering it"):
        outcome = render_results(results_json, out, progress=say, timeout=timeout, pdf=pdf)
    for note in outcome.warnings:
        _echo(f"aligndx: note: {note}", err=True)
    _branding_warnings()
    _echo(f"{outcome.client_id}: report rendered to {one_line(outcome.folder)} "
               f"({outcome.seconds:.0f} s)")
    for name in outcome.files:
        _echo(f"  {one_line(outcome.folder / name)}")
    _done()


@main.command(short_help="Write the reports of the sample engagements.")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("reports"),
              show_default=True, help="Output folder.")
@click.option("--timeout", default=600, show_default=True, help="Seconds allowed per notebook cell.")
@click.option("--pdf", is_flag=True, help="Also write report.pdf (needs the 'pdf' extra).")
@_guard
def demo(out: Path, timeout: int, pdf: bool) -> None:
    """Write the reports of every sample engagement under data/samples/."""
    from .paths import SAMPLES_DIR, sample_engagements

    samples = sample_engagements()
    if not samples:
        raise InputError(f"{SAMPLES_DIR}: no sample engagements found")
    failed = 0
    for folder in samples:
        try:
            outcome = _report_one(folder, out, timeout=timeout, pdf=pdf, quiet=False)
        except AligndxError as exc:
            failed += 1
            _echo(f"{one_line(folder.name)}: FAILED: {exc}", err=True)
            continue
        _echo(f"{outcome.client_id}: {one_line(outcome.folder / 'report.html')}")
    _echo(f"\n{len(samples) - failed} of {len(samples)} demo reports written under "
               f"{out.resolve()}")
    if failed:
        sys.exit(1)


@main.command(short_help="Export the survey instrument (printable + Qualtrics).")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("instrument"),
              show_default=True, help="Output folder.")
@_guard
def instrument(out: Path) -> None:
    """Export the survey instrument: a printable questionnaire and a Qualtrics import file."""
    from .instrument import export_printable, export_qualtrics_txt

    out.mkdir(parents=True, exist_ok=True)
    printable = export_printable(out / "aligndx-survey.html")
    qualtrics = export_qualtrics_txt(out / "aligndx-survey-qualtrics.txt")
    _echo(f"Printable questionnaire: {printable}\nQualtrics Advanced Format import: "
               f"{qualtrics}")


@main.command(short_help="Reports for every engagement under a folder (exit 1 if any fails).")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Output folder: OUT/<client.id>/ per client, OUT/batch-summary.csv, "
              "OUT/portfolio.html.")
@click.option("-j", "--jobs", default=1, show_default=True, type=click.IntRange(min=1),
              help="Reports built at the same time (one process and one kernel each).")
@click.option("--timeout", default=1800, show_default=True, type=click.IntRange(min=0),
              help="Seconds allowed per engagement; a job over it is stopped (0 = no limit).")
@click.option("--force", is_flag=True, help="Re-run engagements even when unchanged.")
@click.option("--shard", metavar="K/N", help="Run only slice K of N (1 ≤ K ≤ N); merge the "
              "slices with 'aligndx collect'.")
@click.option("--scheduler", metavar="ADDRESS", help="Run the jobs on a Dask distributed "
              "scheduler (needs the 'dask' extra and a shared file system).")
@click.option("--no-portfolio", is_flag=True, help="Do not build OUT/portfolio.html.")
@_guard
def batch(folder: Path, out: Path, jobs: int, timeout: int, force: bool, shard: str | None,
          scheduler: str | None, no_portfolio: bool) -> None:
    """Build the report of every engagement under FOLDER (exit 1 if any failed)."""
    from .batch import parse_shard, run_batch

    res = run_batch(folder, out, jobs=jobs, timeout=timeout or None, force=force,
                    shard=parse_shard(shard), scheduler=scheduler,
                    portfolio=not no_portfolio, console=_console())
    _branding_warnings()
    c = res.counts
    _echo(f"\n{c['ok']} built, {c['skipped']} unchanged (skipped), {c['failed']} failed"
               + (f", {c['not_run']} not run" if c["not_run"] else "")
               + f" in {res.seconds:.0f} s. Summary: {res.summary}")
    for r in res.failed:
        _echo(f"  FAILED {r.client_id} ({one_line(r.folder)}): {r.error.splitlines()[0]}\n"
                   f"    log: {Path(out) / r.log}", err=True)
    if res.portfolio:
        _echo(f"Portfolio: {res.portfolio}")
    if res.portfolio_error:
        _echo(f"aligndx: failed: portfolio report: {res.portfolio_error}", err=True)
    if shard:
        _echo(f"Slice {shard} done; merge all slices with: aligndx collect {one_line(out)} "
                   "[SHARD_OUT ...]")
    sys.exit(res.exit_code)


@main.command(short_help="Merge the slices of a sharded batch.")
@click.argument("out", type=click.Path(path_type=Path))
@click.argument("shard_outs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--no-portfolio", is_flag=True, help="Do not build OUT/portfolio.html.")
@_guard
def collect(out: Path, shard_outs: tuple[Path, ...], no_portfolio: bool) -> None:
    """Merge the slices of a sharded batch (OUT and SHARD_OUT folders) into OUT."""
    from .batch.collect import collect as collect_slices

    res = collect_slices(out, shard_outs, portfolio=not no_portfolio)
    for w in res.warnings:
        _echo(f"aligndx: warning: {w}", err=True)
    counts = {s: sum(r["status"] == s for r in res.rows)
              for s in ("ok", "skipped", "failed", "not_run")}
    _echo(f"{res.slices} slice(s) merged: {counts['ok']} built, {counts['skipped']} "
               f"unchanged, {counts['failed']} failed, {counts['not_run']} not run. "
               f"Summary: {res.summary}")
    if res.portfolio:
        _echo(f"Portfolio: {res.portfolio}")
    if res.portfolio_error:
        _echo(f"aligndx: failed: portfolio report: {res.portfolio_error}", err=True)
    sys.exit(res.exit_code)


@main.command(short_help="What changed between two assessments of one client.")
@click.argument("before", type=click.Path(path_type=Path))
@click.argument("after", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Output folder; writes OUT/<client.id>/comparison.json and comparison.html.")
@_guard
def compare(before: Path, after: Path, out: Path) -> None:
    """Compare two waves, BEFORE and AFTER (engagement folders or results.json files)."""
    from .compare import compare_paths, write_comparison

    with _ResultsShape(_results_files(before, after), "comparing the waves"):
        comp = compare_paths(before, after, progress=lambda m: _echo(f"  {m}", err=True))
        folder = write_comparison(comp, out)
    c = comp["summary"]["counts"]
    _echo(f"{comp['client'].get('id')}: {c.get('improved', 0)} improved, "
               f"{c.get('worsened', 0)} worse, {c.get('no_detectable_change', 0)} no "
               f"detectable change, {c.get('hidden', 0)} hidden"
               + (f", {c['not_comparable']} not compared (different questions)"
                  if c.get("not_comparable") else "") + "\n"
               f"  {folder / 'comparison.html'}\n  {folder / 'comparison.json'}")
    for w in comp.get("warnings") or []:
        _echo(f"aligndx: warning: {w}", err=True)


@main.command(short_help="Serve the live workshop app for an engagement.")
@click.argument("engagement", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Folder for the workshop copy (OUT/<client.id>/); default ./workshops.")
@click.option("--results", "results_path", type=click.Path(path_type=Path),
              help="Use this results.json (e.g. reports/<client.id>/results.json) instead "
              "of analysing the engagement again.")
@click.option("--lab", is_flag=True, help="Open the notebook in JupyterLab (code visible; "
              "for preparing the session) instead of the code-free app.")
@click.option("--voila", is_flag=True, hidden=True,
              help="The code-free app (the default; kept for old scripts).")
@click.option("--ip", default="127.0.0.1", show_default=True,
              help="Address of the app; anything but loopback needs --allow-remote.")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port of the app (default: the first free one from 8866).")
@click.option("--allow-remote", is_flag=True, help="Let phones on the room's network "
              "answer the guess round (prints a QR code); also allows a non-loopback --ip.")
@click.option("--room-ip", help="Address of the phones' page with --allow-remote "
              "(default: this laptop's address on the room's network).")
@click.option("--room-port", type=click.IntRange(1, 65535),
              help="Port of the phones' page (default: the first free one from 8870).")
@click.option("--phones-per-address", type=int, default=1, show_default=True,
              help="Answers the guess round counts per network address. Raise it only "
              "where the room's Wi-Fi puts every phone behind one address (phones then see "
              "a note that their answer replaces a colleague's). Each address may also hold "
              "2 connections per phone at once (at least 8, at most 64).")
@click.option("--dry-run", is_flag=True, help="Prepare the workshop and print the server "
              "command without starting it.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@_guard
def workshop(engagement: Path, out: Path | None, results_path: Path | None, lab: bool,
             voila: bool, ip: str, port: int | None, allow_remote: bool, room_ip: str | None,
             room_port: int | None, phones_per_address: int, dry_run: bool,
             no_browser: bool) -> None:
    """Prepare ENGAGEMENT's workshop and serve it as a code-free app on this machine."""
    from .workshop.launch import build_command, launch, prepare_workshop, workshop_folder
    from .workshop.room import room_config, terminal_qr

    if lab and voila:
        raise click.UsageError("--lab and --voila exclude each other")
    folder = workshop_folder(engagement, out)
    cmd = build_command(folder / "workshop.ipynb", lab=lab, ip=ip, port=port,
                        allow_remote=allow_remote, open_browser=not no_browser)
    cmd.room = room_config(folder / "room", allow_remote=allow_remote, ip=room_ip,
                           port=room_port, app_ip=ip, per_address=phones_per_address)
    _echo(f"Preparing the workshop for {one_line(engagement)} ...", err=True)
    nb = prepare_workshop(engagement, out, results=results_path)
    for w in cmd.warnings:
        _echo(f"aligndx: warning: {w}", err=True)
    _echo(f"Workshop notebook: {nb}")
    app = "JupyterLab" if lab else "the workshop app"
    if dry_run:
        cmd.write_files()
        _echo(f"Would run (in {cmd.cwd}):\n  {cmd.shell()}\nThen open: {cmd.url}\n"
                   f"Phones' page (served by aligndx workshop itself): {cmd.room.url}")
        return
    _echo(f"Starting {app} on {cmd.url.split('/?')[0].split('/lab')[0]}; open:\n"
               f"  {cmd.url}\nStop it with Ctrl-C.")
    if cmd.room.remote:
        _echo(f"\nPhones on the room's network answer the guess round at:\n"
                   f"  {cmd.room.url}\n{terminal_qr(cmd.room.url)}")
    else:
        _echo("The guess round's phone page stays on this laptop; restart with "
                   "--allow-remote to let phones on the room's network join.")
    sys.exit(launch(cmd))


if __name__ == "__main__":  # pragma: no cover
    main()
