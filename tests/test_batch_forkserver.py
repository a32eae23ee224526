"""Batch jobs forked from a warm server (issue 18): each job still a process of its own."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from toolkit.batch import forkserver, runner

from conftest import write

TESTS = Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture(autouse=True)
def _fake_path(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))


def _engagements(root: Path, n: int) -> None:
    for i in range(n):
        write(root / f"c{i}/engagement.toml", f'[client]\nid = "c{i}"\nname = "C{i}"\n')


def test_jobs_are_forks_of_one_warm_server(tmp_path, monkeypatch):
    src, out = tmp_path / "in", tmp_path / "out"
    _engagements(src, 3)
    spawned = []
    real = forkserver.ForkServer

    class Spy(real):
        def __init__(self, env, preload=forkserver.PRELOAD):
            super().__init__(env, ("pandas", *preload))
            spawned.append(self.pid)

    monkeypatch.setattr(forkserver, "ForkServer", Spy)
    res = runner.run_batch(src, out, jobs=2, portfolio=False, show_progress=False,
                           target="batch_fakes:whoami")
    assert res.counts["failed"] == 0, [r.error for r in res.results]
    info = [json.loads((out / f"c{i}.whoami.json").read_text()) for i in range(3)]
    assert len(spawned) == 1
    assert {i["ppid"] for i in info} == {spawned[0]}           # forked by the one server
    assert len({i["pid"] for i in info}) == 3                  # a process per job
    assert all(i["pandas"] for i in info)                      # imports done before the fork
    assert all(i["sid"] == i["pid"] for i in info)             # each in its own session


def test_without_the_server_jobs_are_fresh_interpreters(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNDX_BATCH_FORKSERVER", "0")
    src, out = tmp_path / "in", tmp_path / "out"
    _engagements(src, 2)
    res = runner.run_batch(src, out, jobs=2, portfolio=False, show_progress=False,
                           target="batch_fakes:whoami")
    assert res.counts["ok"] == 2
    info = [json.loads((out / f"c{i}.whoami.json").read_text()) for i in range(2)]
    assert {i["ppid"] for i in info} == {os.getpid()}
    assert not any(i["pandas"] for i in info)


def test_server_that_died_leaves_jobs_to_fresh_interpreters(tmp_path, monkeypatch):
    src, out = tmp_path / "in", tmp_path / "out"
    _engagements(src, 2)
    real = forkserver.ForkServer

    class Dead(real):
        def __init__(self, env, preload=forkserver.PRELOAD):
            super().__init__(env, ())
            self.proc.kill()
            self.proc.wait()

    monkeypatch.setattr(forkserver, "ForkServer", Dead)
    res = runner.run_batch(src, out, jobs=2, portfolio=False, show_progress=False,
                           target="batch_fakes:whoami")
    assert res.counts["ok"] == 2, [r.error for r in res.results]
    info = [json.loads((out / f"c{i}.whoami.json").read_text()) for i in range(2)]
    assert {i["ppid"] for i in info} == {os.getpid()}


@pytest.mark.parametrize("server", ["1", "0"])
@pytest.mark.parametrize("jobs, n_cores, serial, threads", [
    (2, 2, True, "1"),      # two jobs on two cores: each report in series, one thread each
    (2, 8, False, "4"),     # four cores per job: a report keeps its parallel parts
    (3, 4, True, "1"),
    (1, 2, False, None),    # one job: the report may use the idle core
])
def test_jobs_sharing_the_cores_run_their_reports_in_series(tmp_path, monkeypatch, server,
                                                           jobs, n_cores, serial, threads):
    """A report's own parallel parts (forked workers, the section helper, the CRM child) cost
    CPU that two jobs on two cores need for each other (issue 18): jobs with fewer than two
    cores each get them switched off, from the warm server and as fresh interpreters; a
    value the user set is kept."""
    monkeypatch.setenv("ALIGNDX_BATCH_FORKSERVER", server)
    for name in runner.PARALLEL_SWITCHES + runner.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALIGNDX_CRM_PARALLEL", "1")  # the user's choice stands
    monkeypatch.setattr(runner, "cores", lambda: n_cores)
    src, out = tmp_path / "in", tmp_path / "out"
    _engagements(src, 2)
    res = runner.run_batch(src, out, jobs=jobs, portfolio=False, show_progress=False,
                           target="batch_fakes:whoami")
    assert res.counts["ok"] == 2, [r.error for r in res.results]
    for i in range(2):
        env = json.loads((out / f"c{i}.whoami.json").read_text())["env"]
        off = "0" if serial else None
        assert env == {"ALIGNDX_FORK": off, "ALIGNDX_PARALLEL_SECTIONS": off,
                       "ALIGNDX_CRM_PARALLEL": "1", "OMP_NUM_THREADS": threads}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:   # a zombie has ended
        return fh.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_the_portfolio_is_a_job_of_the_warm_server(tmp_path, followup_results):
    """The portfolio notebook runs as a job of the batch's server (its notebook process and
    kernel are forks of loaded processes, not fresh interpreters): it waits for the go-ahead,
    reads the results of OUT, and leaves nothing in the work folder."""
    from toolkit.batch.portfolio import PORTFOLIO_JOB, ServerPortfolio

    out = tmp_path / "out"
    client = followup_results["client"]
    write(out / client["id"] / "results.json", json.dumps(followup_results))
    server = forkserver.ForkServer(runner.job_env(1), ("toolkit.batch.worker",))
    try:
        build = ServerPortfolio(server, out, out / runner.WORK_DIR)
        assert build.start()
        job_dir = out / runner.WORK_DIR / PORTFOLIO_JOB
        assert (job_dir / "job.json").is_file() and not (job_dir / "go").exists()
        assert build.finish() == out / "portfolio.html"
        html = (out / "portfolio.html").read_text(encoding="utf-8")
        assert client["name"] in html
    finally:
        server.close()
    assert not job_dir.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".batch-work", client["id"], "portfolio.html", "portfolio.ipynb"])
    assert not list((out / runner.WORK_DIR).iterdir())


def test_a_failing_portfolio_job_is_reported_and_a_stopped_one_leaves_nothing(tmp_path):
    from toolkit.batch.portfolio import ServerPortfolio
    from toolkit.exceptions import ReportError

    out = tmp_path / "out"
    out.mkdir()
    server = forkserver.ForkServer(runner.job_env(1), ("toolkit.batch.worker",))
    try:
        failing = ServerPortfolio(server, out, out / runner.WORK_DIR,
                                  target="batch_fakes:portfolio_fail")
        assert failing.start()
        with pytest.raises(ReportError, match="the portfolio notebook failed in cell 3"):
            failing.finish()
        hanging = ServerPortfolio(server, out, out / runner.WORK_DIR,
                                  target="batch_fakes:portfolio_hang")
        assert hanging.start()
        pid_file = out / "grandchild.pid"
        for _ in range(200):
            if pid_file.is_file() and pid_file.read_text():
                break
            import time
            time.sleep(0.05)
        grandchild = int(pid_file.read_text())
        hanging.abort()   # the whole job's tree is stopped
        assert not _alive(grandchild)
    finally:
        server.close()
    assert not list((out / runner.WORK_DIR).iterdir())
    assert not list(out.glob(".portfolio.*"))
