"""Attack 7, DP1: a folder nested thousands of levels deep — inside an engagement's
``survey/`` or anywhere in a batch FOLDER — is walked without recursion: ``validate`` and
batch discovery work as without it, never "unexpected RecursionError" (SPEC §7, §8a)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main

DEPTH = 1500   # beyond Python's recursion limit (1,000), path still < 4,096 bytes


def _nest(base: Path, depth: int = DEPTH, name: str = "x.csv") -> Path:
    """*depth* folders ``a/a/…`` under *base*, a small CSV at the bottom (made with relative
    steps: the full path is never passed to one call)."""
    here = os.getcwd()
    try:
        os.chdir(base)
        for _ in range(depth):
            os.mkdir("a")
            os.chdir("a")
        with open(name, "w", encoding="utf-8") as fh:
            fh.write("a,b\n1,2\n")
    finally:
        os.chdir(here)
    _NESTED.append(base)
    return base


def _unnest(base: Path) -> None:
    """Remove the ``a/a/…`` chain under *base* one level at a time (shutil.rmtree recurses)."""
    top = base / "a"
    while top.is_dir():
        inner = top / "a"
        if not inner.is_dir():
            shutil.rmtree(top)
            break
        os.rename(inner, base / "b")
        for f in top.iterdir():
            f.unlink()
        top.rmdir()
        os.rename(base / "b", top)


@pytest.fixture(autouse=True)
def _tidy():
    yield
    for base in _NESTED:
        _unnest(base)
    _NESTED.clear()


_NESTED: list[Path] = []


def test_walk_is_not_recursive(tmp_path):
    from toolkit.paths import walk

    _nest(tmp_path)
    seen = list(walk(tmp_path))
    assert len(seen) == DEPTH + 1
    assert seen[-1][2] == ["x.csv"] and seen[0][1] == ["a"]
    assert len(list(walk(tmp_path, max_depth=3))) == 4
    assert [(Path(d).relative_to(tmp_path).as_posix(), sorted(dn), sorted(fn))
            for d, dn, fn in walk(tmp_path, max_depth=1)] == [(".", ["a"], []),
                                                              ("a", ["a"], [])]


def test_validate_an_engagement_with_a_deep_folder(tmp_path):
    eng = tmp_path / "deep"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    _nest(eng / "survey")
    (eng / "crm" / "tasks.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(eng)])
    assert res.exit_code == 0, res.output
    assert "RecursionError" not in res.output and "unexpected" not in res.output
    assert "deep: OK" in res.output


def test_unnamed_files_warns_near_the_top_only(tmp_path):
    from toolkit.config import load_engagement
    from toolkit.intake import UNNAMED_DEPTH, unnamed_files

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", eng)
    _nest(eng / "survey")
    _nest(eng / "crm", depth=2, name="notes.csv")
    warnings = unnamed_files(load_engagement(eng))
    assert warnings == ["crm/a/a/notes.csv exists but is not named in engagement.toml; it is "
                        "not read"]
    assert UNNAMED_DEPTH == 8


def test_batch_discovery_and_fingerprint_with_a_deep_archive(tmp_path):
    """A batch FOLDER holding one engagement and an ``archive/`` nested 1,500 deep: the
    engagement is found; the fingerprint of a deep input folder is computed."""
    from toolkit.batch.discover import discover
    from toolkit.batch.fingerprint import tree_digest

    src = tmp_path / "batch"
    (src / "archive").mkdir(parents=True)
    shutil.copytree(SAMPLES / "followup-gap", src / "good")
    _nest(src / "archive")
    jobs = discover(src)
    assert [j.rel for j in jobs] == ["good"] and jobs[0].problem is None
    digest = tree_digest(src / "archive")
    assert len(digest) == 64 and digest != tree_digest(src / "good")
