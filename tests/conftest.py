"""Shared fixtures: sample engagements, a reports folder built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
REAL = ROOT.parent / "shared" / "real"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip("../shared/real is absent")
    return REAL


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture(scope="session")
def followup_results() -> dict:
    """The follow-up-gap sample's results as results.json holds them (analysed once per
    session; tests that tamper with it work on a deep copy)."""
    import json

    from toolkit.jsonio import dumps
    from toolkit.pipeline import analyse_folder

    return json.loads(dumps(analyse_folder(SAMPLES / "followup-gap", strict=True)))


def set_key(results: dict, path: str, value) -> dict:
    """Set the dotted *path* of *results* (list items by index) to *value*; return
    *results*."""
    o = results
    *head, last = path.split(".")
    for k in head:
        o = o[int(k)] if isinstance(o, list) else o[k]
    if isinstance(o, list):
        o[int(last)] = value
    else:
        o[last] = value
    return results


def canonical_with_columns(tmp_path: Path, columns: dict, comment: str) -> Path:
    """A copy of the follow-up-gap sample (canonical survey file) under *tmp_path* with the
    survey columns *columns* added (header → one value per respondent, or a function of the
    row number) and the first non-empty ``OPEN1`` comment replaced by *comment*; returns the
    engagement folder."""
    import shutil

    import pandas as pd

    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "followup-gap", dst)
    p = dst / "survey" / "responses.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    for header, values in columns.items():
        df[header] = [values(i) for i in range(len(df))] if callable(values) else values
    i = df.index[df["OPEN1"].str.len() > 0][0]
    df.loc[i, "OPEN1"] = comment
    df.to_csv(p, index=False)
    return dst


def qualtrics_with_question(tmp_path: Path, question: str, answer, note: str,
                            comment_column: str = "QID11_TEXT") -> Path:
    """A copy of the real-exports sample (Qualtrics, three header rows) under *tmp_path* with
    one more text question ``QID99_TEXT`` whose text is *question* and whose answer on data row
    *i* is ``answer(i)``, and *note* appended to every non-empty comment of *comment_column*;
    returns the engagement folder."""
    import csv
    import io
    import shutil

    eng = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", eng)
    f = eng / "survey" / "qualtrics_export.csv"
    rows = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8-sig"))))
    head = rows[0]
    rows[0] = head + ["QID99_TEXT"]
    rows[1] = rows[1] + [question]
    rows[2] = rows[2] + ['{"ImportId":"QID99_TEXT"}']
    for i, r in enumerate(rows[3:]):
        r.append(answer(i))
    comment, quoted = head.index(comment_column), 0
    for r in rows[3:]:
        if r[comment].strip():
            r[comment] += note
            quoted += 1
    assert quoted, f"no comment in {comment_column} to append to"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    f.write_text(out.getvalue(), encoding="utf-8")
    return eng


def analysed_text(engagement: Path) -> str:
    """The results of *engagement* as one JSON text (non-ASCII kept), to search for leaks."""
    import json

    from toolkit.pipeline import analyse_folder

    return json.dumps(analyse_folder(engagement), ensure_ascii=False)


def intake_problems(engagement: Path) -> list:
    """The problems :func:`toolkit.intake.load_data` raises for *engagement* (it must raise)."""
    from toolkit.config import load_engagement
    from toolkit.exceptions import ValidationError
    from toolkit.intake import load_data

    with pytest.raises(ValidationError) as err:
        load_data(load_engagement(engagement))
    return err.value.problems


def comparison_entries(node):
    """Every figure entry (``status`` and ``label``) of a comparison.json, depth first."""
    if isinstance(node, dict):
        if "status" in node and "label" in node:
            yield node
        else:
            for v in node.values():
                yield from comparison_entries(v)
