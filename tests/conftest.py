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
