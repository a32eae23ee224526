"""Batch machinery with fake jobs: discovery, shards, isolation, timeouts, skip, collect."""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path

import pytest

from toolkit.batch import discover, parse_shard, run_batch, shard_of
from toolkit.batch.collect import collect
from toolkit.exceptions import InputError

from conftest import write

TESTS = Path(__file__).resolve().parent
FAKE = "batch_fakes:job"


@pytest.fixture(autouse=True)
def _fake_path(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))


def make(root: Path, rel: str, cid: str, behaviour: str = "ok", data: str = "50 70") -> Path:
    folder = root / rel
    write(folder / "engagement.toml",
          f'[client]\nid = "{cid}"\nname = "{cid}"\n[survey]\npath = "data.csv"\n')
    write(folder / "behaviour.txt", behaviour)
    write(folder / "data.csv", data)
    return folder


def rows(path: Path) -> dict[str, dict]:
    with open(path, newline="") as fh:
        return {r["folder"]: r for r in csv.DictReader(fh)}


def batch(folder, out, **kw):
    kw.setdefault("portfolio", False)
    kw.setdefault("show_progress", False)
    return run_batch(folder, out, target=FAKE, **kw)


# --------------------------------------------------------------------------- discovery


def test_discover_sorted_nested_and_hidden(tmp_path):
    make(tmp_path, "zeta", "zeta")
    make(tmp_path, "group/beta", "beta")
    make(tmp_path, "alpha", "alpha")
    make(tmp_path, "alpha/survey/inner", "inner")   # inside an engagement: not descended
    make(tmp_path, ".cache/x", "x")                 # hidden
    make(tmp_path, "_failed/y", "y")                # underscore
    write(tmp_path / "notes/readme.txt", "no engagement here")
    jobs = discover(tmp_path)
    assert [j.rel for j in jobs] == ["alpha", "group/beta", "zeta"]
    assert [j.key for j in jobs] == ["alpha", "beta", "zeta"]
    # an engagement folder itself is a batch of one
    assert [j.rel for j in discover(tmp_path / "zeta")] == ["."]
    with pytest.raises(InputError):
        discover(tmp_path / "notes")
    with pytest.raises(InputError):
        discover(tmp_path / "missing")


def test_unreadable_toml_and_duplicate_ids(tmp_path):
    make(tmp_path, "a", "same")
    make(tmp_path, "b", "same")
    write(tmp_path / "Broken Client/engagement.toml", "[client\nid=")
    jobs = {j.rel: j for j in discover(tmp_path)}
    assert jobs["Broken Client"].client_id is None and jobs["Broken Client"].key == "broken-client"
    assert "used by several" in jobs["a"].problem and "used by several" in jobs["b"].problem


def test_parse_shard():
    assert parse_shard("2/4") == (2, 4)
    assert parse_shard(None) is None and parse_shard("") is None
    for bad in ("0/3", "4/3", "2", "a/b", "1/0"):
        with pytest.raises(InputError):
            parse_shard(bad)


def test_shards_partition_exactly(tmp_path):
    for i in range(40):
        make(tmp_path, f"c{i:02d}", f"c{i:02d}")
    everything = [j.rel for j in discover(tmp_path)]
    for n in (1, 2, 3, 7):
        slices = [[j.rel for j in discover(tmp_path, shard=(k, n))] for k in range(1, n + 1)]
        flat = [r for s in slices for r in s]
        assert sorted(flat) == everything and len(flat) == len(set(flat))  # disjoint, complete
    # a folder's slice does not depend on the other folders (brute force: remove half)
    before = {j.rel: k for k in (1, 2, 3) for j in discover(tmp_path, shard=(k, 3))}
    for i in range(0, 40, 2):
        (tmp_path / f"c{i:02d}" / "engagement.toml").unlink()
    after = {j.rel: k for k in (1, 2, 3) for j in discover(tmp_path, shard=(k, 3))}
    assert all(before[r] == k for r, k in after.items()) and len(after) == 20
    assert shard_of("acme", 1) == 1


# --------------------------------------------------------------------------- running


def _alive(pid: int) -> bool:
    import psutil
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_isolation_timeout_crash_and_logs(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    make(src, "good-1", "good-1", data="40 60")
    make(src, "good-2", "good-2", data="90")
    make(src, "bad", "bad", "fail")
    make(src, "hangs", "hangs", "hang")
    make(src, "crashes", "crashes", "crash")
    t0 = time.perf_counter()
    res = batch(src, out, jobs=2, timeout=6)
    assert time.perf_counter() - t0 < 40
    assert res.exit_code == 1
    summary = rows(out / "batch-summary.csv")
    assert {k: r["status"] for k, r in summary.items()} == {
        "bad": "failed", "crashes": "failed", "good-1": "ok", "good-2": "ok", "hangs": "failed"}
    assert "row 7, column 'created_at'" in summary["bad"]["error"]
    assert "timed out after 6 s" in summary["hangs"]["error"]
    assert "ended with code 3" in summary["crashes"]["error"]
    # the hanging job's grandchild (its own session, like a Jupyter kernel) was killed too
    assert not _alive(int((src / "hangs" / "grandchild.pid").read_text()))
    # good reports complete, with log and fingerprint; failed ones keep their log only
    assert json.loads((out / "good-1/results.json").read_text())["scores"]["overall"] == 50.0
    assert "fake job good-1: ok" in (out / "good-1/run.log").read_text()
    assert (out / "good-1/fingerprint.json").is_file()
    assert summary["bad"]["log"] == "_failed/bad/run.log"
    assert "bad date" in (out / "_failed/bad/run.log").read_text()
    assert "timed out" in (out / "_failed/hangs/run.log").read_text()
    for name in ("bad", "hangs", "crashes"):
        assert not (out / name).exists()
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no staging or work folder left behind


def test_second_run_skips_changed_input_reruns_force_reruns(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    make(src, "a", "a", data="10")
    make(src, "b", "b", data="20")
    assert batch(src, out, jobs=2).counts == {"ok": 2, "failed": 0, "skipped": 0, "not_run": 0}
    mtime = (out / "a/results.json").stat().st_mtime_ns
    second = batch(src, out, jobs=2)
    assert second.counts["skipped"] == 2 and second.exit_code == 0
    assert (out / "a/results.json").stat().st_mtime_ns == mtime
    assert {r["status"] for r in rows(out / "batch-summary.csv").values()} == {"skipped"}
    write(src / "b/data.csv", "30")                         # an input changed
    third = batch(src, out)
    assert [r.status for r in third.results] == ["skipped", "ok"]
    assert json.loads((out / "b/results.json").read_text())["scores"]["overall"] == 30.0
    (out / "a/report.html").unlink()                        # an output went missing
    assert [r.status for r in batch(src, out).results] == ["ok", "skipped"]
    assert batch(src, out, force=True).counts["ok"] == 2


def test_interrupted_batch_continues_where_it_stopped(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    make(src, "a", "a")
    make(src, "b", "b")
    batch(src, out)                     # the part that finished before the interruption
    make(src, "c", "c")
    make(src, "d", "d")
    (out / "b" / "fingerprint.json").unlink()   # b was cut off before its record was written
    res = batch(src, out, jobs=2)
    assert [r.status for r in res.results] == ["skipped", "ok", "ok", "ok"]


def test_duplicate_ids_reported_without_running(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    make(src, "x1", "same")
    make(src, "x2", "same")
    make(src, "y", "y")
    res = batch(src, out)
    assert [r.status for r in res.results] == ["failed", "failed", "ok"]
    assert not (out / "same").exists() and res.exit_code == 1


def test_shards_then_collect(tmp_path):
    src = tmp_path / "in"
    for i, v in enumerate([10, 20, 30, 40, 50, 60]):
        make(src, f"c{i}", f"c{i}", data=str(v), behaviour="fail" if i == 3 else "ok")
    outs = [tmp_path / f"out{k}" for k in (1, 2)]
    for k, o in enumerate(outs, start=1):
        r = batch(src, o, shard=(k, 2), jobs=2)
        assert (o / f"batch-summary-shard-{k}-of-2.csv").is_file()
        assert not (o / "batch-summary.csv").exists()
    merged = tmp_path / "merged"
    with pytest.raises(InputError, match="missing slice"):
        collect(merged, [outs[0]], portfolio=False)
    res = collect(merged, outs, portfolio=False)
    summary = rows(merged / "batch-summary.csv")
    assert sorted(summary) == [f"c{i}" for i in range(6)]
    assert summary["c3"]["status"] == "failed" and res.exit_code == 1
    for i in (0, 1, 2, 4, 5):
        got = json.loads((merged / f"c{i}/results.json").read_text())
        assert got["scores"]["overall"] == [10, 20, 30, 40, 50, 60][i]
    assert (merged / "_failed/c3/run.log").is_file()
    assert {r["shard"] for r in summary.values()} == {"1/2", "2/2"}


@pytest.mark.parametrize("cid,status,problem", [
    ("VICTIM", "ok", "column client_id"),          # an absolute path (filled in below)
    ("../../victim", "ok", "column client_id"),
    ("victim", "ok\"", "column status"),
    ("c0\n", "ok", "column client_id"),
])
def test_collect_refuses_a_slice_summary_naming_folders_outside_out(tmp_path, cid, status,
                                                                    problem):
    """A slice's summary may come from another machine: its client ids become folder names,
    so one naming a folder outside OUT is refused before anything is copied or removed
    (review 13b, F5: ``rmtree(OUT/_failed/<absolute path>)`` deleted that folder)."""
    victim = tmp_path / "victim"
    write(victim / "results.json", "{}")
    cid = str(victim) if cid == "VICTIM" else cid
    slice_ = tmp_path / "slice"
    slice_.mkdir()
    with open(slice_ / "batch-summary-shard-1-of-1.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["client_id", "folder", "status", "seconds", "error", "log", "shard"])
        w.writerow([cid, "x", status, "1.0", "", "", "1/1"])
    merged = tmp_path / "out" / "merged"
    with pytest.raises(InputError, match=f"row 2, {problem}"):
        collect(merged, [slice_], portfolio=False)
    assert (victim / "results.json").is_file()
    assert not (merged / "_failed").exists()


def test_cli_batch_exit_codes(tmp_path):
    from click.testing import CliRunner

    from toolkit.cli import main

    write(tmp_path / "in/broken/engagement.toml", '[client]\nid = "broken"\n[survey]\n'
          'path = "survey/missing.csv"\n')
    runner = CliRunner()
    r = runner.invoke(main, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                             "--no-portfolio"])
    assert r.exit_code == 1, r.output
    summary = rows(tmp_path / "out/batch-summary.csv")
    assert summary["broken"]["status"] == "failed"
    assert "missing.csv" in summary["broken"]["error"]
    r = runner.invoke(main, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "o2"),
                             "--shard", "3/2"])
    assert r.exit_code == 2
    r = runner.invoke(main, ["batch", str(tmp_path / "nowhere"), "-o", str(tmp_path / "o3")])
    assert r.exit_code == 2


def test_dask_local_cluster_matches_local_run(tmp_path):
    distributed = pytest.importorskip("distributed")
    src = tmp_path / "in"
    make(src, "a", "a", data="10 20")
    make(src, "b", "b", data="70")
    make(src, "bad", "bad", "fail")
    local = batch(src, tmp_path / "local", jobs=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        remote = batch(src, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert [(r.client_id, r.status) for r in remote.results] == \
        [(r.client_id, r.status) for r in local.results]
    for cid in ("a", "b"):
        a = json.loads((tmp_path / "local" / cid / "results.json").read_text())
        b = json.loads((tmp_path / "dask" / cid / "results.json").read_text())
        a.pop("generated_at"), b.pop("generated_at")
        assert a == b
    assert remote.exit_code == 1 and (tmp_path / "dask/_failed/bad/run.log").is_file()


def test_portfolio_leaves_out_stale_results_of_a_failed_client(tmp_path):
    """A client whose rerun fails keeps its old results.json; the portfolio must not use it."""
    from toolkit.report import portfolio as pf
    src, out = tmp_path / "in", tmp_path / "out"
    make(src, "a", "a", data="40 60")
    make(src, "b", "b", data="90")
    assert batch(src, out).counts["ok"] == 2
    assert pf.load(out)["n_clients"] == 2
    write(src / "b/behaviour.txt", "fail")
    write(src / "b/data.csv", "10")                  # changed input: b is rerun, and fails
    res = batch(src, out)
    assert [r.status for r in res.results] == ["skipped", "failed"]
    assert (out / "b/results.json").is_file()        # the previous report is still there
    p = pf.load(out)
    assert p["n_clients"] == 1                       # only a (50.0), from this run
    assert p["score_stats"]["overall"]["median"] == 50.0
    assert any(w.startswith("b: previous report — last run failed") for w in p["warnings"])
