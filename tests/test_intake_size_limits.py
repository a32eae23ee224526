"""Inputs that expand far beyond their size are refused before they are read (review 13c
P1, P2): exit 2 naming the file (and the row and column where there is one), no traceback,
no "unexpected" error, no minutes of work or gigabytes of memory. Files are small and
crafted here; limits are the documented ones (``toolkit.schemas.MAX_ROWS``/``MAX_CELLS``)
or lowered with monkeypatch where a file at the real limit would be slow to write."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from toolkit.cli import main


@pytest.fixture
def engagement(tmp_path):
    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", dst)
    return dst


def _point(engagement: Path, old: str, new: str) -> None:
    toml = engagement / "engagement.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new), encoding="utf-8")


def _validate(engagement: Path) -> str:
    r = CliRunner().invoke(main, ["validate", str(engagement)])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "unexpected" not in r.output
    return r.output


def _constant(n: int, value: str) -> pa.DictionaryArray:
    """*n* copies of *value*, dictionary-encoded (a few bytes on disk per million)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int8)),
                                          pa.array([value]))


def test_parquet_survey_declaring_too_many_rows_is_refused_from_its_footer(engagement):
    from toolkit.schemas import MAX_ROWS

    sv = pd.read_csv(engagement / "survey" / "responses.csv", dtype=str,
                     keep_default_na=False)
    n = MAX_ROWS["survey"] + 1
    first = sv.iloc[0]
    table = pa.table({c: _constant(n, first[c]) for c in sv.columns[:6]})
    path = engagement / "survey" / "responses.parquet"
    pq.write_table(table, path, compression="zstd")
    assert path.stat().st_size < 100_000  # a small file ...
    (engagement / "survey" / "responses.csv").unlink()
    _point(engagement, "survey/responses.csv", "survey/responses.parquet")
    out = _validate(engagement)
    # ... refused for what it declares, with the limit
    assert "survey/responses.parquet" in out and f"{n:,} rows" in out
    assert f"at most {MAX_ROWS['survey']:,}" in out


def test_parquet_crm_table_over_its_limit_is_refused_on_every_path(engagement, monkeypatch):
    """Canonical leads in Parquet go through the typed (prefetched) path: the limit holds
    there as on the general path."""
    from toolkit import schemas

    monkeypatch.setitem(schemas.MAX_ROWS, "leads", 5_000)  # the sample has 7,815 leads
    leads = pd.read_csv(engagement / "crm" / "leads.csv", dtype=str, keep_default_na=False)
    leads.to_parquet(engagement / "crm" / "leads.parquet", index=False)
    (engagement / "crm" / "leads.csv").unlink()
    _point(engagement, "crm/leads.csv", "crm/leads.parquet")
    out = _validate(engagement)
    assert "crm/leads.parquet" in out and "7,815 rows" in out and "at most 5,000" in out


def test_scale_problem_counts_cells_and_leaves_other_files_to_the_reader(tmp_path,
                                                                        monkeypatch):
    from toolkit import schemas
    from toolkit.exceptions import ValidationError
    from toolkit.intake.limits import scale_problem
    from toolkit.intake.reader import read_table

    wide = pa.table({f"c{i}": _constant(1_000, "x") for i in range(30)})
    path = tmp_path / "wide.parquet"
    pq.write_table(wide, path)
    assert scale_problem(path, "survey", "wide.parquet") is None
    monkeypatch.setitem(schemas.MAX_CELLS, "survey", 20_000)
    p = scale_problem(path, "survey", "wide.parquet")
    assert p is not None and "30,000 cells" in p.message and p.file == "wide.parquet"
    # not Parquet, or damaged: the reader words it
    (tmp_path / "x.csv").write_text("a\n1\n")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really PAR1")
    assert scale_problem(tmp_path / "x.csv", "survey", "x.csv") is None
    assert scale_problem(tmp_path / "bad.parquet", "survey", "bad.parquet") is None
    # the reader's own backstop: the largest limit of any table
    monkeypatch.setattr(schemas, "MAX_ROWS", {"survey": 10})
    monkeypatch.setattr("toolkit.intake.limits.MAX_ROWS", {"survey": 10})
    with pytest.raises(ValidationError, match="1,000 rows"):
        read_table(path, display_path="wide.parquet")
