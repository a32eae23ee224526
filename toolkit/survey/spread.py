"""Spread of the pillar indexes by side, so a later wave can be compared (SPEC §12).

A pillar's index is the mean of its scales' means (0..100, ``CONF`` reversed). Its sampling
spread is approximated by the spread of each respondent's own pillar index (the mean of the
indexes of the pillar's scales they answered): ``results.json`` then carries the n and SD a
wave comparison needs without any respondent rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..instrument import PILLAR_REVERSED_SCALES, PILLARS


def pillar_spread(scores: pd.DataFrame, masks: dict, pillars: dict) -> dict:
    """Per-respondent pillar index spread by side.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scale scores per respondent (1..5, NaN missing), columns = scale codes.
    masks : dict
        ``{side: boolean Series}`` selecting each side's respondents (same index).
    pillars : dict
        ``survey.pillars`` as measured; a side whose pillar value is hidden (None) gets no
        spread.

    Returns
    -------
    dict
        ``{pillar: {side: {"n", "sd"}}}`` — only for sides whose pillar value is shown.
    """
    out: dict = {}
    for pillar, members in PILLARS.items():
        cols = [c for c in members if c in scores]
        if not cols:
            continue
        idx = pd.DataFrame({c: ((6.0 - scores[c]) if c in PILLAR_REVERSED_SCALES
                                else scores[c]) for c in cols})
        person = (idx.mean(axis=1, skipna=True) - 1.0) / 4.0 * 100.0
        entry = {}
        for side, mask in masks.items():
            p = pillars.get(pillar) or {}
            shown = p.get("overall") if side == "all" else (p.get("by_side") or {}).get(side)
            x = person[mask].dropna().to_numpy()
            if shown is None or x.size < 2:
                continue
            entry[side] = {"n": int(x.size), "sd": float(np.std(x, ddof=1))}
        out[pillar] = entry
    return out
