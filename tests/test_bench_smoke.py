"""Smoke test of the benchmark runner (issue 10): tiny sizes, no timing assertions."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bench.__main__ import checks, main
from bench.engagements import Size, engagement_folder, parse_size
from toolkit.config import load_engagement
from toolkit.intake import load_data

TINY = Size("smoke", 25, 300, 2_000)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("bench-cache")


def test_parquet_engagement_loads_like_csv(cache):
    csv = load_data(load_engagement(engagement_folder(TINY, "csv", cache, log=lambda m: None)))
    folder = engagement_folder(TINY, "parquet", cache, log=lambda m: None)
    toml = (folder / "engagement.toml").read_text()
    assert 'leads = "crm/leads.parquet"' in toml
    pq = load_data(load_engagement(folder))
    for name in ("leads", "opportunities", "activities"):
        pd.testing.assert_frame_equal(getattr(pq, name), getattr(csv, name))
    assert len(csv.leads) >= TINY.leads  # ~4 % extra leads just outside the period


def test_runner_writes_figures_for_every_stage(cache, tmp_path):
    out = tmp_path / "out"
    code = main(["--sizes", "smoke=25/300/2000", "--formats", "csv", "--repeat", "1",
                 "--skip-report", "--out", str(out), "--cache", str(cache), "--quiet"])
    assert code == 0
    doc = json.loads((out / "bench.json").read_text())
    assert doc["machine"]["cpus"] >= 1
    (result,) = doc["results"]
    assert result["rows"] == {"respondents": 25, "leads": 300, "activities": 2000}
    for stage in ("intake", "survey", "crm", "incentives", "measures"):
        fig = result["stages"][stage]
        assert fig["seconds"] > 0
        assert fig["peak_mb"] >= fig["base_mb"] > 0


def test_parse_size_and_growth_check():
    assert parse_size("typical").leads == 20_000
    assert parse_size("x=10/2_000/30000") == Size("x", 10, 2000, 30000)
    with pytest.raises(ValueError):
        parse_size("huge")

    def run(name, leads, seconds):
        return {"size": name, "crm_format": "csv", "rows": {"leads": leads},
                "stages": {"measures": {"seconds": seconds, "peak_mb": 1.0}}}

    # 10× the leads: 12× the time is the limit (issue 10)
    ok = checks([run("a", 100, 1.0), run("b", 1000, 11.9)], None)
    bad = checks([run("a", 100, 1.0), run("b", 1000, 12.5)], None)
    assert [c["ok"] for c in ok] == [True]
    assert [c["ok"] for c in bad] == [False]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_duckdb_yardstick_computes_the_products_figures(cache, fmt):
    """The DuckDB query and the toolkit give the same figures from the same files."""
    from bench.yardstick import FIGURES, compare, duckdb_side, product

    folder = engagement_folder(TINY, fmt, cache, log=lambda m: None)
    _, ours = product(folder)
    _, theirs = duckdb_side(folder)
    n, diffs = compare(ours, theirs)
    assert diffs == [] and n == len(FIGURES) * len(ours) and len(ours) >= 4
    everyone = ours["(all)"]
    assert everyone["leads"] == sum(v["leads"] for k, v in ours.items() if k != "(all)")
    assert 0 < everyone["won"] < everyone["sql"] <= everyone["mql"] <= everyone["leads"]
    planted = json.loads(json.dumps(theirs))
    planted["(all)"]["won"] += 1
    planted["(all)"]["hours_sum"] *= 1.001
    assert len(compare(ours, planted)[1]) == 2


def test_peak_memory_is_the_processs_own():
    """A child forked by a large process reports its own peak, not the inherited one."""
    import subprocess
    import sys

    code = ("import numpy as np, subprocess, sys, json; big = np.ones(40_000_000); "
            "out = subprocess.run([sys.executable, '-c', 'from bench.yardstick import peak_mb;"
            " import resource; print(peak_mb(), resource.getrusage(resource.RUSAGE_SELF)"
            ".ru_maxrss / 1024)'], capture_output=True, text=True, check=True).stdout; "
            "print(out)")
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    own, _ = map(float, subprocess.run([sys.executable, "-c", code], capture_output=True,
                                       text=True, check=True, cwd=root).stdout.split())
    assert own < 250  # the parent holds 320 MB; the child itself far less
