"""Run every engagement of a folder, ``jobs`` at a time, each in its own child process.

Execution model
---------------
Each job is a child process (``python -m toolkit.batch.worker``) that builds one report and
starts one notebook kernel. A pool of ``jobs`` threads in the parent starts the children and
waits on them, so a job that crashes (even a segfault or an ``os._exit``) or hangs cannot
take the others down: after ``timeout`` seconds the whole process tree of the job — the
worker and its kernel, which Jupyter starts in a session of its own — is terminated (psutil),
and the job is reported as failed. With ``scheduler=`` the same :func:`run_job` is submitted
to a Dask distributed cluster instead (:mod:`toolkit.batch.dask_backend`).

Files
-----
While a job runs its log and result are kept in ``OUT/.batch-work/<key>/``; ``build_report``
builds the report in a hidden staging folder and moves it into ``OUT/<client.id>/`` only when
complete. Then:

* success: ``run.log`` and ``fingerprint.json`` are added to ``OUT/<client.id>/`` and any
  ``OUT/_failed/<client.id>/`` left by an earlier failure is removed;
* failure: the log goes to ``OUT/_failed/<client.id>/run.log`` (beside the partial notebook
  when a cell failed) and the previous successful report, if any, is left untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .. import __version__
from ..exceptions import InputError
from ..forked import cores
from ..paths import DIAGNOSTIC_NOTEBOOK
from ..runsafe import (STAGING_SUFFIX, held_lock_file, lock_folder, release_lock_file,
                       sweep_creating, sweep_stale, sweep_temp, try_lock_file)
from . import fingerprint as fpmod
from .discover import Job, discover
from .summary import summary_name, write_summary

WORK_DIR = ".batch-work"
#: Lock file of a whole (unsliced) batch in its output folder, removed when it ends.
BATCH_LOCK = ".batch.lock"
FAILED_DIR = "_failed"
LOG_FILE = "run.log"
REQUIRED_OUTPUTS = ("report.html", "report.ipynb", "results.json", "aggregates.xlsx")
DEFAULT_JOB_TIMEOUT = 1800  # seconds per engagement
_POLL = 0.2  # seconds between checks of a running child
DEFAULT_TARGET = "toolkit.batch.worker:report_job"  # what a job calls in its child process
_REPO_ROOT = str(Path(__file__).resolve().parents[2])


@dataclass
class JobResult:
    """Outcome of one job (one row of ``batch-summary.csv``)."""

    client_id: str
    folder: str
    status: str  # ok | failed | skipped | not_run
    seconds: float = 0.0
    error: str = ""
    log: str = ""

    def to_dict(self) -> dict:
        """Return the result as a JSON-safe dict."""
        return asdict(self)


@dataclass
class BatchResult:
    """Outcome of a batch.

    Attributes
    ----------
    results : list of JobResult
        In discovery order.
    summary : Path
        The summary CSV.
    seconds : float
        Wall time of the batch.
    portfolio : Path or None
        ``OUT/portfolio.html`` when built.
    portfolio_error : str
        Why the portfolio report failed, if it did.
    """

    results: list[JobResult]
    summary: Path
    seconds: float
    portfolio: Path | None = None
    portfolio_error: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = {s: sum(r.status == s for r in self.results)
                       for s in ("ok", "failed", "skipped", "not_run")}

    @property
    def failed(self) -> list[JobResult]:
        """The failed jobs."""
        return [r for r in self.results if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 when every job succeeded or was skipped (and the portfolio was built), else 1."""
        return 1 if (self.failed or self.portfolio_error or self.counts["not_run"]) else 0


# --------------------------------------------------------------------------- one job


def kill_tree(pid: int, *, grace: float = 3.0) -> None:
    """Terminate process *pid* and all its descendants (SIGTERM, then SIGKILL after *grace*).

    Descendants are collected before anything is signalled, so children that started their
    own session (the Jupyter kernel does) are found through their parent.
    """
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil ships with ipykernel
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + [root]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)


def _tail(path: Path, n: int = 5) -> str:
    try:
        lines = [ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()
                 if ln.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-n:])


def _move(src: Path, dst_dir: Path, name: str) -> Path:
    """Move a job's log into place, through :func:`toolkit.privacy.safe_log_text` (the log
    quotes folder names and cells of the client's files: no e-mail address, no line that a
    spreadsheet would run as a formula)."""
    from ..privacy import safe_log_text

    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / name
    text = src.read_text(encoding="utf-8", errors="replace")
    tmp = dst.with_name(f".{name}.tmp-{os.getpid()}")
    tmp.write_text(safe_log_text(text), encoding="utf-8")
    os.replace(tmp, dst)
    src.unlink(missing_ok=True)
    return dst


def make_spec(job: Job, out: Path, *, notebook: Path, timeout: float | None,
              pdf: bool = False, fingerprint: dict | None = None,
              target: str = DEFAULT_TARGET) -> dict:
    """Return the JSON-safe description of one job that :func:`run_job` executes."""
    cell_timeout = int(min(timeout, 600)) if timeout else 600
    return {"key": job.key, "folder": str(job.folder), "rel": job.rel, "out": str(out),
            "notebook": str(notebook), "timeout": timeout, "cell_timeout": cell_timeout,
            "pdf": pdf, "fingerprint": fingerprint, "target": target, "problem": job.problem}


class _ServerJob:
    """A job forked by a :class:`~toolkit.batch.forkserver.ForkServer` (Popen's poll/wait)."""

    def __init__(self, server, pid: int):
        self.server, self.pid, self.returncode = server, pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.poll(self.pid)
        return self.returncode

    def wait(self) -> int:
        while self.poll() is None:
            time.sleep(0.05)
        return self.returncode


def run_job(spec: dict, cancel: threading.Event | None = None, server=None) -> dict:
    """Run one job in a child process and file its outputs; never raises for a job failure.

    Parameters
    ----------
    spec : dict
        From :func:`make_spec`.
    cancel : threading.Event, optional
        When set, the child is stopped and the job reported ``not_run``.
    server : toolkit.batch.forkserver.ForkServer, optional
        Fork the child from this warm server (else a fresh interpreter is started).

    Returns
    -------
    dict
        A :class:`JobResult` as a dict; ``log`` is relative to OUT.
    """
    try:
        return _run_job(spec, cancel, server)
    except Exception as exc:  # a problem of the batch machinery (disk full, ...)
        return JobResult(client_id=spec["key"], folder=spec["rel"], status="failed",
                         error=f"batch runner: {type(exc).__name__}: {exc}").to_dict()


def _run_job(spec: dict, cancel: threading.Event | None, server=None) -> dict:
    out, key = Path(spec["out"]), spec["key"]
    res = JobResult(client_id=key, folder=spec["rel"], status="failed")
    if spec.get("problem"):  # refused before running (e.g. a client id used twice)
        failed = out / FAILED_DIR / key
        failed.mkdir(parents=True, exist_ok=True)
        from ..privacy import safe_log_text

        with open(failed / LOG_FILE, "a", encoding="utf-8") as log:
            log.write(safe_log_text(f"{spec['rel']}: not run: {spec['problem']}") + "\n")
        res.error, res.log = spec["problem"], f"{FAILED_DIR}/{key}/{LOG_FILE}"
        return res.to_dict()
    # this client's job in OUT is this process's alone: another batch writing into the same
    # OUT (or a slice given the same client) leaves it be, instead of removing its work and
    # failed folders under it (attack 30, CR1)
    with ExitStack() as stack:
        job_lock = None
        for attempt in range(3):  # another slice sharing OUT may remove an empty WORK_DIR
            try:
                (out / WORK_DIR).mkdir(parents=True, exist_ok=True)
                job_lock = stack.enter_context(held_lock_file(out / WORK_DIR / f"{key}.lock"))
                break
            except FileNotFoundError:
                if attempt == 2:
                    raise
        if job_lock is None:
            res.status = "not_run"
            res.error = ("not run: another aligndx batch is writing this client's report "
                         "into the same output folder; run it again once that batch has "
                         "finished")
            return res.to_dict()
        return _run_locked_job(spec, cancel, server, res)


def _run_locked_job(spec: dict, cancel: threading.Event | None, server,
                    res: JobResult) -> dict:
    """:func:`_run_job` once this process holds the client's job lock."""
    out, key = Path(spec["out"]), spec["key"]
    shutil.rmtree(out / FAILED_DIR / key, ignore_errors=True)  # an earlier failure's leftovers
    work = out / WORK_DIR / key
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)   # WORK_DIR holds the job's lock file: nobody removes it now
    work_lock = lock_folder(work)  # a later batch sweeps it only once this job has gone
    log_path, result_path, spec_path = work / LOG_FILE, work / "result.json", work / "job.json"
    t0 = time.perf_counter()

    def write_spec(parent_pid: int) -> None:
        spec_path.write_text(json.dumps({**spec, "result": str(result_path),
                                         "parent_pid": parent_pid}), encoding="utf-8")

    with open(log_path, "w", encoding="utf-8") as log:
        log.write(f"aligndx {__version__} batch job {key} — {spec['folder']}\n")
        log.flush()
        proc = None
        if server is not None:  # a fork of the warm server: it is the job's parent
            write_spec(server.pid)
            pid = server.spawn(spec_path, log_path)  # waits for the server's imports
            proc = _ServerJob(server, pid) if pid is not None else None
            t0 = time.perf_counter()
        if proc is None:
            write_spec(os.getpid())
            proc = subprocess.Popen([sys.executable, "-m", "toolkit.batch.worker",
                                     str(spec_path)], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True,
                                    env=job_env(spec.get("jobs", 1)))
        timeout = spec.get("timeout")
        why = None
        while proc.poll() is None:
            if cancel is not None and cancel.is_set():
                why = "interrupted"
            elif timeout and time.perf_counter() - t0 > timeout:
                why = "timeout"
            if why:
                kill_tree(proc.pid)
                proc.wait()
                # the killed kernel's connection folder (it holds the kernel's key) and the
                # section helper's: their locks died with them (attack 30, KT1)
                sweep_temp()
                break
            time.sleep(_POLL)
    # a killed build_report's staging dir (also one killed while it was being made) — not
    # the locked staging of an `aligndx report` of this client running into OUT meanwhile
    # (attack 31, CB1: it was removed under that run)
    sweep_stale(out, f".{key}.*{STAGING_SUFFIX}")
    if why:   # a folder still being made when the job was stopped (its lock never taken)
        sweep_creating(out, key)
    if why == "interrupted":
        res.status, res.error = "not_run", "interrupted before it finished"
    elif why == "timeout":
        res.error = (f"timed out after {timeout:g} s; the job and its notebook kernel "
                     "were stopped")
    elif result_path.is_file():
        info = json.loads(result_path.read_text(encoding="utf-8"))
        res.status = "ok" if info.get("status") == "ok" else "failed"
        res.error = "" if res.status == "ok" else str(info.get("error") or "failed")
    else:
        res.error = (f"the job's process ended with code {proc.returncode} without a "
                     f"result; last log lines: {_tail(log_path)}")
    if why:
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"\n{res.error}\n")
    res.seconds = time.perf_counter() - t0
    if res.status == "ok":
        final = out / key
        res.log = _move(log_path, final, LOG_FILE).relative_to(out).as_posix()
        if spec.get("fingerprint"):
            fpmod.write(final, spec["fingerprint"])
    elif res.status == "failed":
        res.log = _move(log_path, out / FAILED_DIR / key, LOG_FILE).relative_to(out).as_posix()
    shutil.rmtree(work, ignore_errors=True)
    if work_lock is not None:
        os.close(work_lock)
    return res.to_dict()


#: What a report runs beside its own analysis and rendering (forked workers, the kernel's
#: section helper, the CRM measures' child): switched off in batch jobs that share the cores
#: (see :func:`job_env`).
PARALLEL_SWITCHES = ("ALIGNDX_FORK", "ALIGNDX_PARALLEL_SECTIONS", "ALIGNDX_CRM_PARALLEL")
#: Thread pools of the numerical libraries, sized to a job's share of the cores.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def job_env(jobs: int = 1) -> dict:
    """Environment of a job's process: unbuffered output, this toolkit first on the path.

    With *jobs* running at once and fewer than two cores for each (``2 * jobs > cores``),
    a report does its work in series: its own parallel parts (forked workers, a section
    helper beside the kernel) only pay off on a core nobody else needs, and with the
    other jobs busy they add their fork and copy-on-write costs (~2 s of CPU per typical
    report, measured: docs/benchmarks.md, sixth session) without shortening anything. The
    numerical libraries' thread pools get the job's share of the cores. A variable already
    set by the user is kept.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [_REPO_ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    n = cores()
    if jobs > 1 and 2 * jobs > n:
        for name in PARALLEL_SWITCHES:
            env.setdefault(name, "0")
    if jobs > 1:
        for name in THREAD_VARIABLES:
            env.setdefault(name, str(max(1, n // jobs)))
    return env


#: Fork local jobs from a warm server (:mod:`toolkit.batch.forkserver`; POSIX). Set
#: ``ALIGNDX_BATCH_FORKSERVER=0`` to start every job as a fresh interpreter.
def _use_forkserver() -> bool:
    return hasattr(os, "fork") and os.environ.get("ALIGNDX_BATCH_FORKSERVER", "1") != "0"


# --------------------------------------------------------------------------- the batch


def plan_jobs(jobs: Iterable[Job], out: Path, *, notebook: Path, timeout: float | None,
              pdf: bool = False, force: bool = False, target: str = DEFAULT_TARGET
              ) -> tuple[list[dict], dict[str, JobResult]]:
    """Split *jobs* into specs to run and engagements skipped as unchanged.

    Returns
    -------
    (list of dict, dict of str -> JobResult)
        The specs to run and the skipped results, keyed by the folder's relative path.
    """
    to_run, skipped = [], {}
    for job in jobs:
        fp = None
        if not job.problem:
            try:
                fp = fpmod.compute(job.folder, notebook=notebook, params={"pdf": pdf})
            except OSError:
                fp = None  # unreadable input: run it and let the report say what is wrong
            if (fp is not None and not force
                    and fpmod.is_current(out / job.key, fp, REQUIRED_OUTPUTS)):
                log = out / job.key / LOG_FILE
                skipped[job.rel] = JobResult(
                    client_id=job.key, folder=job.rel, status="skipped",
                    log=log.relative_to(out).as_posix() if log.is_file() else "")
                continue
        to_run.append(make_spec(job, out, notebook=notebook, timeout=timeout, pdf=pdf,
                                fingerprint=fp, target=target))
    return to_run, skipped


def start_server(target: str, jobs: int = 1):
    """A warm job server for *target* (its imports done once) whose jobs run *jobs* at a
    time (:func:`job_env`), or ``None``."""
    if not _use_forkserver():
        return None
    from .forkserver import PRELOAD, ForkServer

    preload = PRELOAD if target == DEFAULT_TARGET else (target.partition(":")[0],)
    try:
        return ForkServer(job_env(jobs), preload)
    except OSError:  # jobs start as fresh interpreters instead
        return None


def _run_local(specs: list[dict], jobs: int, on_done: Callable[[dict], None],
               server=None) -> None:
    cancel = threading.Event()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="aligndx-job")
    futures = {pool.submit(run_job, {**s, "jobs": jobs}, cancel, server): s for s in specs}
    reported = set()
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for f in done:
                reported.add(f)
                on_done(f.result())
    except BaseException:  # Ctrl-C: stop the running children, record what finished
        cancel.set()
        for f in futures:
            f.cancel()
        pool.shutdown(wait=True)
        for f in futures:
            if f not in reported and f.done() and not f.cancelled():
                on_done(f.result())
        raise
    pool.shutdown(wait=True)


def run_batch(folder: str | Path, out: str | Path, *, jobs: int = 1,
              timeout: float | None = DEFAULT_JOB_TIMEOUT, force: bool = False,
              shard: tuple[int, int] | None = None, scheduler: str | None = None,
              notebook: Path = DIAGNOSTIC_NOTEBOOK, pdf: bool = False,
              portfolio: bool = True, console=None, show_progress: bool | None = None,
              target: str = DEFAULT_TARGET) -> BatchResult:
    """Build the report of every engagement under *folder* into *out*.

    Parameters
    ----------
    folder : path
        Folder of engagement folders (see :func:`toolkit.batch.discover.discover`).
    out : path
        Output root: ``OUT/<client.id>/`` per client, ``OUT/batch-summary.csv``,
        ``OUT/portfolio.html``.
    jobs : int
        Jobs run at the same time (each one child process and one kernel).
    timeout : float or None
        Seconds allowed per job (whole report); ``None`` or 0 for no limit. Notebook cells
        get ``min(timeout, 600)`` each.
    force : bool
        Re-run engagements even when unchanged since their last successful run.
    shard : (K, N), optional
        Run only slice K of N; the summary is then ``batch-summary-shard-K-of-N.csv`` and no
        portfolio is built (``aligndx collect`` does it once all slices are in).
    scheduler : str, optional
        Address of a Dask distributed scheduler to run the jobs on (``dask`` extra; the
        workers must see *folder* and *out* at the same paths).
    notebook : Path
        Report notebook.
    pdf : bool
        Also write ``report.pdf``.
    portfolio : bool
        Build ``OUT/portfolio.html``: its notebook starts with the batch (imports, kernel)
        and reads the results once the last report is done.
    console : rich.console.Console, optional
        Where progress goes.
    show_progress : bool, optional
        Force the progress bar on or off; default on a terminal.
    target : str
        ``module:function`` a job calls in its child process (tests inject fakes).

    Returns
    -------
    BatchResult

    Raises
    ------
    InputError
        *folder* holds no engagement or *jobs* < 1.
    KeyboardInterrupt
        Re-raised after the running jobs were stopped and the summary written.
    """
    if jobs < 1:
        raise InputError(f"--jobs {jobs}: expected at least 1")
    t0 = time.perf_counter()
    # the warm job server imports what a job needs while the batch is planned
    server = None if scheduler else start_server(target, jobs)
    try:
        return _batch(folder, out, jobs=jobs, timeout=timeout, force=force, shard=shard,
                      scheduler=scheduler, notebook=notebook, pdf=pdf, portfolio=portfolio,
                      console=console, show_progress=show_progress, target=target,
                      server=server, t0=t0)
    finally:
        if server is not None:
            server.close()


def sweep_batch_work(out: Path) -> None:
    """Remove what killed batches left in *out*'s work folder: their jobs' work folders and
    lock files whose owner died (a live job's are locked and left alone)."""
    work = Path(out) / WORK_DIR
    if not work.is_dir():
        return
    sweep_stale(work, "*")
    for lock in sorted(work.glob("*.lock")):   # jobs' locks nobody holds
        try:
            fd = try_lock_file(lock) if lock.is_file() and not lock.is_symlink() else None
        except OSError:
            fd = None
        if fd is not None:
            release_lock_file(lock, fd)


def _batch(folder, out, *, jobs, timeout, force, shard, scheduler, notebook, pdf, portfolio,
           console, show_progress, target, server, t0) -> BatchResult:
    out = Path(out).resolve()
    from ..reporting import prepare_output_dir, sweep_killed_runs

    # what a killed batch left behind: its jobs' work folders, the reports' staging and the
    # kernels' private folders (also when this batch then fails on its input)
    sweep_batch_work(out)
    sweep_killed_runs(out)
    all_jobs = discover(folder, shard=shard)
    prepare_output_dir(out)
    # one whole batch per output folder at a time: its summary and portfolio speak for every
    # client of OUT (slices of one batch run side by side, each with a summary of its own;
    # each client's job is locked in any case, see _run_job; attack 30, CR1)
    with ExitStack() as stack:
        if shard is None:
            try:
                batch_lock = stack.enter_context(held_lock_file(out / BATCH_LOCK))
            except OSError as exc:
                raise InputError(f"{out}: cannot write in the output folder "
                                 f"({exc.strerror or exc})") from None
            if batch_lock is None:
                raise InputError(f"{out}: another aligndx batch is writing into this output "
                                 "folder; wait for it to finish, or give another folder "
                                 "with -o")
        return _run_batch_locked(folder, out, all_jobs, notebook=notebook, jobs=jobs,
                                 timeout=timeout, pdf=pdf, force=force, target=target,
                                 shard=shard, portfolio=portfolio, scheduler=scheduler,
                                 server=server, console=console,
                                 show_progress=show_progress, t0=t0)


def _run_batch_locked(folder, out, all_jobs, *, notebook, jobs, timeout, pdf, force, target,
                      shard, portfolio, scheduler, server, console, show_progress, t0):
    """:func:`run_batch` once the output folder is this batch's."""
    from .progress import BatchProgress

    notebook = Path(notebook).resolve()
    specs, results = plan_jobs(all_jobs, out, notebook=notebook, timeout=timeout or None,
                               pdf=pdf, force=force, target=target)
    summary_path = out / summary_name(shard)
    lock = threading.Lock()

    def rows() -> list[dict]:
        return [(results.get(j.rel) or JobResult(j.key, j.rel, "not_run")).to_dict()
                for j in all_jobs]

    write_summary(summary_path, rows(), shard=shard)
    early = None  # the portfolio notebook starts now and reads the results at the end
    portfolio_error = ""
    if portfolio and shard is None:
        from .portfolio import ServerPortfolio, start_portfolio
        try:
            if server is not None:  # a job of the warm server (after its imports)
                early = ServerPortfolio(server, out, out / WORK_DIR)
                if not early.start():
                    early = None
            if early is None:
                early = start_portfolio(out)
        except Exception as exc:  # the reports can still be built
            portfolio_error = str(exc)
    with BatchProgress(len(specs), skipped=len(results), console=console,
                       enabled=show_progress) as bar:
        def on_done(d: dict) -> None:
            with lock:
                r = JobResult(**d)
                results[r.folder] = r
                write_summary(summary_path, rows(), shard=shard)
                bar.job_done(r.client_id, r.status, r.seconds, r.error)

        try:
            if scheduler:
                from .dask_backend import run_on_dask
                run_on_dask(specs, scheduler, on_done)
            else:
                _run_local(specs, jobs, on_done, server)
        except BaseException:
            if early is not None:
                early.abort()
            raise
        finally:
            write_summary(summary_path, rows(), shard=shard)
            try:
                (out / WORK_DIR).rmdir()  # only when empty: other slices may share OUT
            except OSError:
                pass
    ordered = [results.get(j.rel) or JobResult(j.key, j.rel, "not_run") for j in all_jobs]
    batch = BatchResult(results=ordered, summary=summary_path,
                        seconds=time.perf_counter() - t0)
    batch.portfolio_error = portfolio_error
    if early is not None:
        try:
            batch.portfolio = early.finish()
        except Exception as exc:  # the reports stand; the portfolio failure is reported
            batch.portfolio_error = str(exc)
        try:
            (out / WORK_DIR).rmdir()  # the portfolio job's folder was the last in it
        except OSError:
            pass
    return batch
