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
