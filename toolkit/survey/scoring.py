"""Scoring of the survey instrument (SPEC §3, §4.1).

Raw answers arrive as ``float64`` 1..5 with NaN for "not answered / don't know". Scoring
reverses reverse-keyed items (6 − x), forms scale scores as the mean of the answered items
when at least half of the scale's items are answered, maps 1..5 means to 0..100 and bands
the maturity mean into the four stages.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import method
from ..instrument import LIKERT_ITEMS, REVERSE_ITEMS, SCALE_ITEMS
from ..vocab import STAGES  # noqa: F401  (re-exported)

#: Lower bounds of Defined, Aligned, Integrated on the 1..5 ``MAT`` mean (Kotler, Rackham &
#: Krishnaswamy 2006 banding, SPEC §4.1), from :mod:`toolkit.method`.
STAGE_CUTS_1_5: tuple[float, ...] = method.MATURITY_CUTS_1_5
#: Share of a scale's items that must be answered for a scale score (SPEC §4.1).
MIN_ANSWERED_SHARE = method.value("min_answered_share")


def clean_items(survey: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Return the 1..5 item columns as float64, with out-of-range values set to NaN.

    Parameters
    ----------
    survey : pandas.DataFrame
        Canonical survey table (SPEC §2.1); item columns absent from it are added as NaN.

    Returns
    -------
    items : pandas.DataFrame
        Shape (respondents, len(LIKERT_ITEMS)), raw answers (not reversed).
    n_invalid : int
        Number of answers outside 1..5 (for example a "don't know" recorded as 6) that were
        treated as missing.
    """
    items = survey.reindex(columns=LIKERT_ITEMS)
    # numbers as they are (a NumPy integer or float column converts exactly); anything else
    # through pd.to_numeric, as the whole frame once was (a column-wise apply: ~25 ms on
    # every audit of a workshop view)
    items = pd.DataFrame({c: (col.astype("float64")
                              if isinstance(col.dtype, np.dtype) and col.dtype.kind in "fiu"
                              else pd.to_numeric(col, errors="coerce").astype("float64"))
                          for c, col in items.items()}, index=items.index, columns=items.columns)
    ok = items.isin([1.0, 2.0, 3.0, 4.0, 5.0])
    n_invalid = int((items.notna() & ~ok).to_numpy().sum())
    return items.where(ok), n_invalid


def reverse_items(items: pd.DataFrame) -> pd.DataFrame:
    """Score reverse-keyed items as ``6 − x`` (SPEC §3); other columns unchanged.

    Parameters
    ----------
    items : pandas.DataFrame
        Raw 1..5 answers, one column per item code.

    Returns
    -------
    pandas.DataFrame
        Same shape, reverse-keyed columns (``REVERSE_ITEMS``) reversed.
    """
    out = items.copy()
    cols = [c for c in out.columns if c in REVERSE_ITEMS]
    out[cols] = 6.0 - out[cols]
    return out


def scale_scores(scored: pd.DataFrame, min_share: float = MIN_ANSWERED_SHARE) -> pd.DataFrame:
    """Per-respondent scale scores: mean of the answered items, if at least half answered.

    Parameters
    ----------
    scored : pandas.DataFrame
        Item answers already reversed (:func:`reverse_items`).
    min_share : float, default 0.5
        Minimum share of the scale's items answered; below it the score is NaN. With 3
        items this means 2, with 4 items 2, with 2 items 1, with 12 items 6.

    Returns
    -------
    pandas.DataFrame
        One float64 column per scale of ``SCALE_ITEMS`` (1..5, NaN = missing).
    """
    out = {}
    for scale, codes in SCALE_ITEMS.items():
        block = scored.reindex(columns=codes)
        answered = block.notna().sum(axis=1)
        out[scale] = block.mean(axis=1).where(answered >= items_needed(len(codes), min_share))
    return pd.DataFrame(out, index=scored.index, dtype="float64")


def items_needed(n_items: int, min_share: float = MIN_ANSWERED_SHARE) -> int:
    """Answered items a scale of *n_items* needs for a score (:func:`scale_scores`)."""
    return max(math.ceil(min_share * n_items - 1e-9), 1)


def has_scale_score(items: pd.DataFrame, scale: str,
                    min_share: float = MIN_ANSWERED_SHARE) -> np.ndarray:
    """Boolean array: the respondents :func:`scale_scores` gives a *scale* score.

    The same rule without computing the scores (the anonymity audit asks only who has
    one): at least :func:`items_needed` of the scale's items answered. *items* holds 1..5
    answers or NaN (:func:`clean_items`; reversed or not, the pattern is the same).
    """
    codes = SCALE_ITEMS[scale]
    got = items.reindex(columns=codes).notna().to_numpy().sum(axis=1)
    return got >= items_needed(len(codes), min_share)


def to_index(mean_1_5: float | None) -> float | None:
    """Map a 1..5 mean to 0..100 as ``(m − 1) / 4 × 100`` (SPEC §4); None stays None."""
    if mean_1_5 is None or not np.isfinite(mean_1_5):
        return None
    return float((mean_1_5 - 1.0) / 4.0 * 100.0)


def stage_of(mean_1_5: float | None) -> str | None:
    """Return the maturity stage of a 1..5 ``MAT`` mean.

    ``< 2.0`` Undefined, ``2.0–2.99`` Defined, ``3.0–3.99`` Aligned, ``≥ 4.0`` Integrated
    (SPEC §4.1, after Kotler, Rackham & Krishnaswamy, HBR 2006). None for a missing mean.
    """
    if mean_1_5 is None or not np.isfinite(mean_1_5):
        return None
    return STAGES[int(np.searchsorted(STAGE_CUTS_1_5, mean_1_5, side="right"))]


def stage_rank(stage: str | None) -> int | None:
    """Return 0..3 for a stage name (Undefined = 0), None for None."""
    return None if stage is None else STAGES.index(stage)
