"""Attack 30 (interrupt and concurrency safety, SPEC §8a item 7): CR1 — a second `aligndx
batch` into the same output folder removed the running batch's job folders (both failed,
with a raw FileNotFoundError and a full path); KT1 — a batch job stopped by the runner (its
timeout, or SIGTERM of the batch) left the kernel's connection folder, with the kernel's
key, in the temporary folder until the next run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from tests.conftest import SAMPLES

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX locks")


def _hold(path) -> subprocess.Popen:
    """Another process holding the lock file *path* until it is killed."""
    code = ("import sys, time; from toolkit.runsafe import try_lock_file; "
            "fd = try_lock_file(sys.argv[1]); print('held' if fd is not None else 'busy', "
            "flush=True); time.sleep(600)")
    p = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_lock_file_is_exclusive_and_removed_on_release(tmp_path):
    from toolkit.runsafe import release_lock_file, try_lock_file

    path = tmp_path / "job.lock"
    holder = _hold(path)
    try:
        assert try_lock_file(path) is None
    finally:
        holder.kill()
        holder.wait()
    fd = try_lock_file(path)   # its holder died: free again
    assert fd is not None and path.exists()
    release_lock_file(path, fd)
    assert not path.exists()


def test_a_job_another_batch_runs_is_left_alone(tmp_path):
    from toolkit.batch.runner import FAILED_DIR, WORK_DIR, _run_job

    out = tmp_path / "out"
    (out / WORK_DIR / "acme").mkdir(parents=True)
    (out / WORK_DIR / "acme" / "run.log").write_text("the other batch's job\n")
    (out / FAILED_DIR / "acme").mkdir(parents=True)
    (out / FAILED_DIR / "acme" / "run.log").write_text("an earlier failure\n")
    holder = _hold(out / WORK_DIR / "acme.lock")
    try:
        res = _run_job({"out": str(out), "key": "acme", "rel": "acme",
                        "folder": str(tmp_path / "acme")}, None)
    finally:
        holder.kill()
        holder.wait()
    assert res["status"] == "not_run"
    assert "another aligndx batch is writing this client's report" in res["error"]
    assert (out / WORK_DIR / "acme" / "run.log").read_text() == "the other batch's job\n"
    assert (out / FAILED_DIR / "acme" / "run.log").is_file()


def test_a_second_whole_batch_into_the_same_folder_is_refused(tmp_path):
    batch = tmp_path / "clients"
    batch.mkdir()
    shutil.copytree(SAMPLES / "well-aligned", batch / "well-aligned")
    out = tmp_path / "out"
    out.mkdir()
    holder = _hold(out / ".batch.lock")   # a batch running into OUT
    try:
        r = subprocess.run([sys.executable, "-m", "toolkit.cli", "batch", str(batch), "-o",
                            str(out)], capture_output=True, text=True, timeout=300)
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 2, r.stderr
    assert "another aligndx batch is writing into this output folder" in r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in out.iterdir()) == [".batch.lock"]   # nothing touched


def test_a_stopped_job_leaves_no_kernel_folder(tmp_path, monkeypatch):
    from toolkit.batch.runner import run_batch

    tmp = tmp_path / "systmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("TMPDIR", str(tmp))
    batch = tmp_path / "clients"
    batch.mkdir()
    shutil.copytree(SAMPLES / "followup-gap", batch / "followup-gap")
    out = tmp_path / "out"
    seen = []

    def watch():   # the kernel's folder exists while the job runs
        while not seen:
            if any(p.name.startswith("aligndx-kernel-") for p in tmp.iterdir()):
                seen.append(True)
            time.sleep(0.05)

    import threading

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    # the report notebook with a last cell that outlasts the timeout: the job is stopped
    # while its kernel runs, however fast the machine renders the report
    import json

    from toolkit.paths import DIAGNOSTIC_NOTEBOOK

    nb = json.loads(DIAGNOSTIC_NOTEBOOK.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "slow-last-cell",
                        "metadata": {}, "outputs": [], "source": "import time\ntime.sleep(300)"})
    slow = tmp_path / "slow.ipynb"
    slow.write_text(json.dumps(nb), encoding="utf-8")
    res = run_batch(batch, out, jobs=1, timeout=25, portfolio=False, show_progress=False,
                    notebook=slow)
    seen.append(False)
    t.join(5)
    assert res.results[0].status == "failed" and "timed out" in res.results[0].error
    assert seen[0] is True   # the kernel had started before the job was stopped
    left = [p.name for p in tmp.iterdir() if p.name.startswith(("aligndx-", ".aligndx-"))]
    assert left == []
    assert not (out / ".batch.lock").exists()


def test_a_batch_job_leaves_a_running_reports_staging_alone(tmp_path):
    """Attack 31, CB1: a batch job's clean-up at its end removed every staging folder of its
    client in OUT — also the locked one of an `aligndx report` of that client running into
    the same folder, which then failed. Only folders whose owner died are removed."""
    from toolkit.batch.runner import run_batch
    from toolkit.runsafe import make_staging

    batch = tmp_path / "clients"
    (batch / "acme").mkdir(parents=True)
    # an engagement the job refuses quickly (its survey file is missing)
    (batch / "acme" / "engagement.toml").write_text(
        '[client]\nid = "acme"\nname = "Acme"\nperiod_start = 2026-01-01\n'
        'period_end = 2026-06-30\n[survey]\nfile = "survey/missing.csv"\n', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    live = make_staging(out, "acme")   # a report of acme being built into OUT right now
    (live.path / "report.html").write_text("<p>half written</p>")
    try:
        res = run_batch(batch, out, jobs=1, portfolio=False, show_progress=False)
        assert res.results[0].status == "failed"
        assert (live.path / "report.html").is_file()
    finally:
        live.discard()
