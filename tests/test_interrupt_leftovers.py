"""What killed runs leave behind is removed by the next run, and only that (review 13 M4,
SPEC §8a): report staging folders, batch work folders, the report kernel's rendered
sections and the kernels' connection files in the temporary folder. Folders of a live run
are locked and survive every sweep."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES
from toolkit.exceptions import InputError


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The system's temporary folder, redirected (the sweep must not touch the real one)."""
    t = tmp_path / "systmp"
    t.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(t))
    monkeypatch.setenv("TMPDIR", str(t))
    return t


def _stale(folder: Path, name: str) -> Path:
    p = folder / name
    p.mkdir(parents=True)
    (p / "results.json").write_text('{"confidential": true}')
    return p


def test_the_next_report_sweeps_killed_runs_even_when_it_fails(tmp_path, private_tmp):
    from toolkit.reporting import build_report
    from toolkit.runsafe import make_locked_temp, make_staging

    out = tmp_path / "out"
    out.mkdir()
    stale = _stale(out, ".acme.k1ll3d.partial")                  # a killed report's
    stale_sections = _stale(private_tmp, "aligndx-sections-k1ll3d")  # its kernel's
    stale_kernel = _stale(private_tmp, "aligndx-kernel-k1ll3d")
    live = make_staging(out, "other")                             # a report still running
    live_kernel = make_locked_temp("aligndx-kernel-")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "engagement.toml").write_text("[client]\nid = 'Not A Slug'\n")
    with pytest.raises(InputError):
        build_report(bad, out)
    assert not stale.exists() and not stale_sections.exists() and not stale_kernel.exists()
    assert live.path.is_dir() and live_kernel.path.is_dir()
    live.discard()
    live_kernel.discard()


def test_the_next_batch_sweeps_killed_runs(tmp_path, private_tmp):
    from toolkit.batch.runner import WORK_DIR, run_batch
    from toolkit.runsafe import lock_folder, make_staging

    out = tmp_path / "out"
    out.mkdir()
    stale = _stale(out, ".acme.k1ll3d.partial")
    stale_work = _stale(out / WORK_DIR, "acme-k1ll3d")
    stale_sections = _stale(private_tmp, "aligndx-sections-k1ll3d")
    live = make_staging(out, "other")
    live_work = _stale(out / WORK_DIR, "other-live")
    fd = lock_folder(live_work)
    empty = tmp_path / "no-engagements"
    empty.mkdir()
    try:
        with pytest.raises(InputError):
            run_batch(empty, out)
        assert not stale.exists() and not stale_work.exists() and not stale_sections.exists()
        assert live.path.is_dir() and live_work.is_dir()
    finally:
        os.close(fd)
        live.discard()


def test_killed_kernels_connection_file_is_private_and_swept(private_tmp):
    """The kernel's connection file (its HMAC key) lives in a folder locked by the process
    that started the kernel; normal shutdown removes it, a killed process's is swept."""
    from toolkit.execute import _quiet_kernel_manager
    from toolkit.runsafe import sweep_temp

    km = _quiet_kernel_manager()()
    km.write_connection_file()
    conn = Path(km.connection_file)
    assert conn.is_file() and conn.parent.name.startswith("aligndx-kernel-")
    assert conn.parent.parent == private_tmp
    assert sweep_temp() == []                      # locked: a live run's
    km.cleanup_connection_file()
    assert not conn.parent.exists()


_HELPER_SCRIPT = """
import os, sys, time
sys.path.insert(0, {root!r})
from toolkit.report import parallel

def render(section, results):
    time.sleep(0.3 if section != "s0" else 60)
    return [section]

h = parallel.SectionHelper({{"a": 1}}, ["s0", "s1", "s2", "s3"], render)
parallel._ACTIVE = h
parallel._stop_on_sigterm()
print(h.dir, h.pid, flush=True)
time.sleep(120)
"""


def _gone(path: str, pid: int | None = None, timeout: float = 20) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not os.path.exists(path) and (pid is None or not _alive(pid)):
            return True
        time.sleep(0.1)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (not reaped by its dead parent yet) is gone for our purpose
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_rendered_sections_never_outlive_the_kernel(private_tmp, sig):
    """The report kernel's section helper writes pickled sections to a private folder;
    whether the kernel is terminated (SIGTERM) or killed (SIGKILL), the folder goes."""
    env = dict(os.environ, TMPDIR=str(private_tmp), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", _HELPER_SCRIPT.format(root=str(ROOT))],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        folder, helper = proc.stdout.readline().split()
        assert Path(folder).parent == private_tmp
        deadline = time.time() + 20                       # the helper renders s3, s2, ...
        while time.time() < deadline and not any(Path(folder).glob("*.pkl")):
            time.sleep(0.05)
        assert any(Path(folder).glob("*.pkl"))
        proc.send_signal(sig)
        proc.wait(20)
        assert _gone(folder, int(helper)), os.listdir(folder)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_an_orphaned_sections_folder_is_swept_by_the_next_helper(private_tmp):
    from toolkit.report import parallel

    orphan = _stale(private_tmp, "aligndx-sections-orphan")
    (orphan / "8.pkl").write_bytes(b"rendered section")
    h = parallel.SectionHelper({"a": 1}, ["s0", "s1"], lambda s, r: [s])
    try:
        assert not orphan.exists()
        from toolkit.runsafe import sweep_temp

        assert sweep_temp() == [] and os.path.isdir(h.dir)   # its own folder is locked
    finally:
        h.stop()
    assert not os.path.exists(h.dir)
    shutil.rmtree(orphan, ignore_errors=True)
