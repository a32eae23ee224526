"""``aligndx collect`` with crafted slices (attack 9, CL1–CL3).

A slice folder may come from another machine (a CI artefact, a shared volume): a symbolic
link in it is never followed, a results.json is merged only under its own client's row and
never over another client's report, a named pipe or a folder nested thousands of levels deep
is refused with exit 2 naming the path, and no staging folder is left behind — those of a
killed run are swept by the next one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.batch import run_batch
from toolkit.exceptions import InputError
from toolkit.paths import walk

from conftest import write

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SECRET = "SECRET-OUTSIDE-FILE 7f3a"
DEEP = 1500


def _make(root: Path, cid: str, data: str) -> None:
    folder = root / cid
    write(folder / "engagement.toml",
          f'[client]\nid = "{cid}"\nname = "{cid}"\n[survey]\npath = "data.csv"\n')
    write(folder / "behaviour.txt", "ok")
    write(folder / "data.csv", data)


@pytest.fixture(scope="module")
def slices(tmp_path_factory) -> Path:
    """Two slices (``--shard 1/2`` and ``2/2``) of a batch of four fake clients, built once."""
    base = tmp_path_factory.mktemp("collect-slices")
    for i, v in enumerate([10, 20, 30, 40]):
        _make(base / "in", f"c{i}", str(v))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
        for k in (1, 2):
            run_batch(base / "in", base / f"out{k}", target="batch_fakes:job", shard=(k, 2),
                      jobs=1, portfolio=False, show_progress=False)
    return base


@pytest.fixture
def work(slices, tmp_path) -> Path:
    """A private copy of the slices (and of the engagements) for one test."""
    for name in ("in", "out1", "out2"):
        shutil.copytree(slices / name, tmp_path / name, symlinks=True)
    yield tmp_path
    _remove(tmp_path)   # iteratively: a 1,500-deep folder exhausts shutil.rmtree's stack


def _remove(root: Path) -> None:
    dirs = []
    for top, dnames, fnames in walk(root):
        for n in fnames:
            os.unlink(os.path.join(top, n))
        for n in list(dnames):
            if os.path.islink(os.path.join(top, n)):
                os.unlink(os.path.join(top, n))
                dnames.remove(n)
        dirs.append(top)
    for d in reversed(dirs[1:]):
        os.rmdir(d)


def _slice_of(work: Path, cid: str) -> Path:
    """The slice folder that built *cid*."""
    for k in (1, 2):
        if (work / f"out{k}" / cid / "results.json").is_file():
            return work / f"out{k}"
    raise AssertionError(cid)


def _collect(work: Path, merged: Path | None = None):
    merged = merged or work / "merged"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.run([sys.executable, "-m", "toolkit.cli", "collect", "--no-portfolio",
                        str(merged), str(work / "out1"), str(work / "out2")],
                       capture_output=True, text=True, timeout=180, env=env, cwd=work)
    assert "Traceback" not in p.stderr and "unexpected" not in p.stderr, p.stderr
    return p


def _staging(folder: Path) -> list[str]:
    """Staging folders (or other hidden leftovers) anywhere under *folder*."""
    if not folder.is_dir():
        return []
    return [os.path.join(top, n) for top, dnames, fnames in walk(folder)
            for n in dnames + fnames if n.startswith(".") or n.endswith(".partial")]


def _all_bytes(folder: Path) -> bytes:
    out = b""
    for top, _, fnames in walk(folder):
        for n in fnames:
            p = os.path.join(top, n)
            if os.path.isfile(p):
                with open(p, "rb") as fh:
                    out += fh.read()
    return out


# --------------------------------------------------------------------------- CL1: links


def test_links_in_a_slice_are_never_followed(work):
    """A file link to a 0600 secret, a link to /etc/hostname and a folder link to another
    client's raw engagement folder are not copied (a warning names each); nothing of theirs
    reaches OUT."""
    secret = work / "secret.txt"
    secret.write_text(SECRET)
    secret.chmod(0o600)
    s = _slice_of(work, "c0")
    (s / "c0/notes.txt").symlink_to(secret)
    (s / "c0/hostname.txt").symlink_to("/etc/hostname")
    (s / "c0/appendix").symlink_to(work / "in/c1")            # another client's raw folder
    os.mkdir(s / "c0/added")
    (s / "c0/added/kept.txt").write_text("a file the user added")
    (s / "c0/added/link").symlink_to(secret)
    p = _collect(work)
    assert p.returncode == 0, p.stderr
    merged = work / "merged"
    for name in ("notes.txt", "hostname.txt", "appendix", "added/link"):
        assert not os.path.lexists(merged / "c0" / name), name
        assert f"{s / 'c0' / name}: a symbolic link" in p.stderr, p.stderr
    assert (merged / "c0/added/kept.txt").read_text() == "a file the user added"
    assert SECRET.encode() not in _all_bytes(merged)
    assert not (merged / "c0/appendix/engagement.toml").exists()
    assert not [os.path.join(t, n) for t, d, f in walk(merged) for n in d + f
                if os.path.islink(os.path.join(t, n))]
    assert json.loads((merged / "c0/results.json").read_text())["client"]["id"] == "c0"
    assert _staging(merged) == []


@pytest.mark.parametrize("what", ["client folder", "results.json", "_failed"])
def test_a_linked_client_folder_or_results_is_refused(work, what):
    """The client folder, its results.json or the slice's _failed folder being a link to
    somewhere else: exit 2 naming it, nothing read through it, nothing copied."""
    s = _slice_of(work, "c0")
    elsewhere = work / "elsewhere"
    shutil.copytree(s / "c0", elsewhere / "c0")
    (elsewhere / "c0/notes.txt").write_text(SECRET)
    if what == "client folder":
        shutil.rmtree(s / "c0")
        (s / "c0").symlink_to(elsewhere / "c0")
        named = s / "c0"
    elif what == "results.json":
        (s / "c0/results.json").unlink()
        (s / "c0/results.json").symlink_to(elsewhere / "c0/results.json")
        named = s / "c0"
    else:
        # a slice whose failed client's folder is a link to another client's folder
        summary = next(s.glob("batch-summary-shard-*.csv"))
        lines = summary.read_text().splitlines(keepends=True)
        summary.write_text("".join(ln.replace(",ok,", ",failed,", 1) if ln.startswith("c0,")
                                   else ln for ln in lines))
        shutil.rmtree(s / "c0")
        (s / "_failed").mkdir(exist_ok=True)
        (s / "_failed/c0").symlink_to(elsewhere / "c0")
        named = s / "_failed/c0"
    p = _collect(work)
    assert p.returncode == 2, p.stderr
    assert f"{named}" in p.stderr and "symbolic link" in p.stderr, p.stderr
    merged = work / "merged"
    assert SECRET.encode() not in _all_bytes(merged)
    assert not (merged / "c0").exists() and not (merged / "_failed/c0").exists()
    assert _staging(merged) == []


# --------------------------------------------------------------------------- CL2: clients


def test_results_of_another_client_under_a_row_is_refused(work):
    """The row says c0, the slice's c0/results.json is c2's: exit 2 naming the slice file and
    the key; the c0 report already in OUT is untouched."""
    p = _collect(work)
    assert p.returncode == 0, p.stderr
    merged = work / "merged"
    before = (merged / "c0/results.json").read_bytes()
    s = _slice_of(work, "c0")
    other = json.loads((_slice_of(work, "c2") / "c2/results.json").read_text())
    other["client"]["name"] = "Other Client Corp"
    (s / "c0/results.json").write_text(json.dumps(other))
    p = _collect(work)
    assert p.returncode == 2, p.stderr
    assert f"{s / 'c0/results.json'}" in p.stderr and "client.id" in p.stderr, p.stderr
    assert "batch-summary-shard-" in p.stderr and "row" in p.stderr, p.stderr
    assert (merged / "c0/results.json").read_bytes() == before
    assert b"Other Client Corp" not in _all_bytes(merged)
    assert _staging(merged) == []


def test_an_existing_report_of_another_client_is_not_replaced(work):
    """OUT/c0 holds another client's report (same id, another client name, as a copied
    engagement.toml gives): collect refuses with exit 2 and leaves it as it is."""
    merged = work / "merged"
    (merged / "c0").mkdir(parents=True)
    theirs = json.loads((_slice_of(work, "c0") / "c0/results.json").read_text())
    theirs["client"]["name"] = "Another Client Ltd"
    (merged / "c0/results.json").write_text(json.dumps(theirs))
    (merged / "c0/report.html").write_text("their report")
    before = {n: (merged / "c0" / n).read_bytes() for n in ("results.json", "report.html")}
    p = _collect(work)
    assert p.returncode == 2, p.stderr
    assert f"{merged / 'c0'}" in p.stderr and "another client" in p.stderr, p.stderr
    assert {n: (merged / "c0" / n).read_bytes() for n in before} == before
    assert sorted(os.listdir(merged / "c0")) == ["report.html", "results.json"]
    assert not (merged / "c1").exists()     # refused before anything was merged
    assert _staging(merged) == []


def test_a_results_json_that_is_not_one_is_refused(work):
    s = _slice_of(work, "c1")
    (s / "c1/results.json").write_text('{"client": "c1"')
    p = _collect(work)
    assert p.returncode == 2, p.stderr
    assert f"{s / 'c1/results.json'}" in p.stderr and "not valid JSON" in p.stderr, p.stderr
    assert _staging(work / "merged") == []


# --------------------------------------------------------------------------- CL3: specials


def test_a_fifo_in_a_slice_is_refused_and_leaves_no_staging(work):
    s = _slice_of(work, "c0")
    os.mkfifo(s / "c0/pipe")
    p = _collect(work)
    assert p.returncode == 2, p.stderr
    assert f"{s / 'c0/pipe'}: a named pipe" in p.stderr, p.stderr
    assert "regular files and folders" in p.stderr, p.stderr
    merged = work / "merged"
    assert not (merged / "c0").exists()
    assert _staging(merged) == []
    (s / "c0/pipe").unlink()
    p = _collect(work)
    assert p.returncode == 0, p.stderr
    assert _staging(merged) == []


def test_a_folder_nested_1500_deep_is_refused_without_recursion(work):
    s = _slice_of(work, "c1")
    fd = os.open(s / "c1", os.O_RDONLY)
    try:
        for name in ["notes"] + ["a"] * DEEP:
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
    finally:
        os.close(fd)
    p = _collect(work)
    assert p.returncode == 2, p.stderr
    assert f"{s / 'c1/notes/a/a'}" in p.stderr and "nested more than" in p.stderr, p.stderr
    merged = work / "merged"
    assert not (merged / "c1").exists()
    assert _staging(merged) == []


def test_a_staging_copy_is_removed_when_the_copy_fails(work, tmp_path):
    """The copy itself refusing a special file (put in place after the check): the staging
    folder is removed."""
    from toolkit.batch.collect import _staged_copy

    s = _slice_of(work, "c0")
    os.mkfifo(s / "c0/zz-pipe")
    merged = work / "merged"
    merged.mkdir()
    with pytest.raises(InputError, match="named pipe"):
        _staged_copy(s / "c0", merged, merged / "c0", "c0", "c0")
    assert os.listdir(merged) == []


def test_leftovers_of_a_killed_collect_are_swept_but_not_a_live_runs(work):
    """A staging folder of a dead run (its lock free) is removed by the next collect; one a
    live run holds (locked) is left alone."""
    from toolkit.runsafe import make_staging

    merged = work / "merged"
    dead = merged / ".c0.collect-999999.partial"
    write(dead / "results.json", (_slice_of(work, "c0") / "c0/results.json").read_text())
    live = make_staging(merged, "c1.collect")
    try:
        p = _collect(work)
        assert p.returncode == 0, p.stderr
        assert not dead.exists()
        assert live.path.is_dir()
        assert _staging(merged) == [str(live.path)]
    finally:
        live.discard()
    assert (merged / "c0/results.json").is_file()
