"""SIGKILL of ``aligndx workshop`` leaves nothing serving the client's data (attack 8 WK1,
SPEC §8a, issue item 7): the Voilà server gets a parent-death signal, its kernels follow
it, the port stops answering, and the private folder of the kernels' connection files a
killed run leaves is removed by the next run (only folders whose owner is dead)."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from toolkit.workshop.launch import (SERVER_TEMP_PREFIX, LaunchCommand, free_port, launch,
                                     wait_for_port)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "followup-gap"
START_S = 300          # server up (analysis + Voilà) on a loaded machine
RENDER_S = 240         # first page: kernel start + notebook execution
GONE_S = 15            # the server and its kernels end after the launcher was killed

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="parent-death signal and /proc: Linux")


def _env(tmpdir: Path) -> dict:
    return {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def _table() -> dict[int, tuple[int, str]]:
    """pid → (ppid, state) of every process (Linux /proc)."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    rest = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[int(d)] = (int(rest[1]), rest[0])
    return out


def _descendants(root: int) -> set[int]:
    table = _table()
    found, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in table.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return found - {root}


def _alive(pids: set[int]) -> set[int]:
    table = _table()
    return {p for p in pids if p in table and table[p][1] != "Z"}   # zombies are gone


def _wait_gone(pids: set[int], timeout: float) -> set[int]:
    end = time.monotonic() + timeout
    while (left := _alive(pids)) and time.monotonic() < end:
        time.sleep(0.1)
    return left


def _kill_by_pid(pids: set[int]) -> None:
    """Clean up what this test started and left behind (by pid, nothing else)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _fake_launcher(tmp_path: Path, record: Path) -> subprocess.Popen:
    """``launch`` of a fake server (Python sleeping 120 s) that records its pid, argv and
    runtime folder in *record*, in a launcher process of its own."""
    fake = ("import os, sys, time; open(%r, 'w').write(repr((os.getpid(), sys.argv, "
            "os.environ.get('JUPYTER_RUNTIME_DIR')))); time.sleep(120)" % str(record))
    script = ("import sys; from pathlib import Path; "
              "from toolkit.workshop.launch import LaunchCommand, launch; "
              f"sys.exit(launch(LaunchCommand(argv=[sys.executable, '-c', {fake!r}], "
              "token='t', url='u', cwd=Path('.'))))")
    return subprocess.Popen([sys.executable, "-c", script], cwd=str(tmp_path),
                            env=_env(tmp_path / "systmp"))


def _read_record(record: Path, launcher: subprocess.Popen):
    end = time.monotonic() + 120      # generous: a loaded machine starts Python slowly
    while time.monotonic() < end:
        if record.exists() and record.read_text().endswith(")"):
            return eval(record.read_text())
        assert launcher.poll() is None, "the launcher exited before its server started"
        time.sleep(0.05)
    pytest.fail("the fake server did not start")


@linux_only
def test_server_does_not_outlive_a_sigkilled_launcher(tmp_path):
    """SIGKILL leaves the launcher no chance to forward anything: the server still ends
    (parent-death signal), and its connection files are in the run's private folder."""
    (tmp_path / "systmp").mkdir()
    record = tmp_path / "server.txt"
    launcher = _fake_launcher(tmp_path, record)
    child = None
    try:
        child, argv, _ = _read_record(record, launcher)
        os.kill(launcher.pid, signal.SIGKILL)
        launcher.wait(timeout=30)
        assert not _wait_gone({child}, GONE_S), "the server outlived the killed launcher"
        runtime = [a.split("=", 1)[1] for a in argv
                   if a.startswith("--Voila.connection_dir_root=")]
        assert len(runtime) == 1
        assert Path(runtime[0]).parent == tmp_path / "systmp"
        assert Path(runtime[0]).name.startswith(SERVER_TEMP_PREFIX)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
        if child is not None:
            _kill_by_pid(_alive({child}))


def test_the_next_run_sweeps_a_killed_runs_folder_and_only_that(tmp_path, monkeypatch):
    """A killed run's runtime folder (its lock is free) is removed when the next workshop
    starts; a live run's (locked) stays; the run's own folder is gone when it ends."""
    from toolkit.runsafe import make_locked_temp

    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))
    monkeypatch.setenv("TMPDIR", str(systmp))
    stale = systmp / f"{SERVER_TEMP_PREFIX}k1ll3d" / "voila_x"
    stale.mkdir(parents=True)
    (stale / "kernel-1.json").write_text('{"key": "secret"}')
    live = make_locked_temp(SERVER_TEMP_PREFIX)
    other = systmp / "voila_not_ours"
    other.mkdir()
    record = tmp_path / "server.txt"
    fake = ("import sys; open(%r, 'w').write(repr(sys.argv))" % str(record))
    try:
        assert launch(LaunchCommand(argv=[sys.executable, "-c", fake], token="t", url="u",
                                    cwd=tmp_path)) == 0
        assert not stale.parent.exists(), "the killed run's connection files were kept"
        assert live.path.is_dir() and other.is_dir()
        own = [a.split("=", 1)[1] for a in eval(record.read_text())
               if a.startswith("--Voila.connection_dir_root=")]
        assert len(own) == 1 and Path(own[0]).parent == systmp
        assert not Path(own[0]).exists(), "the run's own folder outlived it"
    finally:
        live.discard()


def test_lab_keeps_its_runtime_files_in_the_private_folder(tmp_path, monkeypatch):
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))
    record = tmp_path / "server.txt"
    fake = ("import os, sys; open(%r, 'w').write(repr((sys.argv, "
            "os.environ.get('JUPYTER_RUNTIME_DIR'))))" % str(record))
    assert launch(LaunchCommand(argv=[sys.executable, "-c", fake], token="t", url="u",
                                cwd=tmp_path, app="lab")) == 0
    argv, runtime = eval(record.read_text())
    assert not any(a.startswith("--Voila.") for a in argv)
    assert runtime and Path(runtime).parent == systmp
    assert Path(runtime).name.startswith(SERVER_TEMP_PREFIX)
    assert not list(systmp.iterdir())


@linux_only
@pytest.mark.slow
def test_sigkill_of_the_workshop_cli_stops_voila_and_its_kernels(tmp_path, monkeypatch):
    """The real ``aligndx workshop``: load the app (a kernel starts), SIGKILL the CLI; the
    Voilà server and its kernels end, the port stops answering with the old token, no
    connection file (kernel key) stays, and the next run sweeps the run's folder."""
    from toolkit.runsafe import sweep_temp

    systmp = tmp_path / "systmp"
    systmp.mkdir()
    port = free_port("127.0.0.1", random.randint(20000, 29000))
    log = tmp_path / "server.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolkit.cli", "workshop", str(SAMPLE), "-o", str(tmp_path),
         "--no-browser", "--ip", "127.0.0.1", "--port", str(port)],
        cwd=str(tmp_path), env=_env(systmp), stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    started: set[int] = set()
    try:
        if not wait_for_port("127.0.0.1", port, START_S, proc):
            pytest.fail("the workshop app did not start:\n" + log.read_text()[-3000:])
        url = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", log.read_text()).group(1)
        with urllib.request.urlopen(url, timeout=RENDER_S) as r:   # starts a kernel
            assert r.status == 200
        started = _descendants(proc.pid)
        table = _table()
        cmdlines = {p: Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0") for p in started}
        voila = [p for p, c in cmdlines.items() if b"voila" in c[:3]]
        kernels = [p for p, c in cmdlines.items() if b"ipykernel_launcher" in c]
        assert len(voila) == 1 and table[voila[0]][0] == proc.pid
        assert kernels, "the page load started no kernel"
        connection_files = list(systmp.glob("**/voila_*/kernel-*.json"))
        assert connection_files

        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        left = _wait_gone(started, GONE_S)
        assert not left, f"Voilà or a kernel outlived the killed CLI: {sorted(left)}"
        with pytest.raises(OSError):
            urllib.request.urlopen(url, timeout=5)       # nothing answers with the token
        assert not any(f.exists() for f in connection_files)
        assert all(f.parent.parent.parent == systmp
                   and f.parent.parent.name.startswith(SERVER_TEMP_PREFIX)
                   for f in connection_files), "the connection files are not the run's own"

        monkeypatch.setattr(tempfile, "tempdir", str(systmp))
        sweep_temp()                                     # what the next run does first
        assert not list(systmp.glob(f"{SERVER_TEMP_PREFIX}*"))
    finally:
        if proc.poll() is None:
            started |= _descendants(proc.pid)
            proc.kill()
            proc.wait()
        _kill_by_pid(_alive(started))
