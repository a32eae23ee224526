"""Persistence of sales follow-up (SPEC §4.2).

Benchmark (SPEC §9, vendor): Velocify secret-shopper studies — reps averaged 1.6 call
attempts, while 93% of converted leads were reached by the 6th attempt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Distribution bins of attempts: 0 … 9 individually, then "10+".
MAX_SINGLE_BIN = 9


def persistence(f: pd.DataFrame, *, well_worked_attempts: int) -> dict:
    """Persistence overall plus ``by_group`` (``marketing`` / ``other`` sourced leads).

    See :func:`persistence_one` for the figures.
    """
    out = persistence_one(f, well_worked_attempts=well_worked_attempts)
    groups = {}
    other = f["other"] if "other" in f.columns else ~f["marketing"]
    if f["marketing"].any() and other.any():
        # "other" = a known source that is not marketing's; an unknown source is neither
        cols = ["attempts", "converted"]  # what persistence_one reads (not ids, sources)
        for name, mask in (("marketing", f["marketing"]), ("other", other)):
            g = persistence_one(f.loc[mask.to_numpy(bool), cols],
                                well_worked_attempts=well_worked_attempts)
            g.pop("warnings", None)
            g.pop("attempts_distribution", None)
            groups[name] = g
    out["by_group"] = groups
    return out


def persistence_one(f: pd.DataFrame, *, well_worked_attempts: int) -> dict:
    """Attempts distribution, single-attempt share and well-worked share.

    Parameters
    ----------
    f : DataFrame
        Lead frame over the leads handed to sales (``attempts``, ``touched``,
        ``converted``, ``hours_to_touch``).
    well_worked_attempts : int
        Attempts from which a lead counts as well worked.

    Returns
    -------
    dict
        ``attempts_distribution`` (list of ``{attempts, n, share}``, label ``"10+"`` for the
        last bin), ``single_attempt_share`` (exactly one attempt ÷ touched leads that did not
        convert — "called once and gave up"), ``well_worked_share`` (attempts ≥
        ``well_worked_attempts`` ÷ all leads), ``median_attempts`` (touched leads),
        ``median_attempts_all``, ``mean_attempts``, counts and ``warnings``; values
        ``None`` when attempts are unknown.
    """
    warnings: list[str] = []
    att = f["attempts"].astype("float64")
    known = att.notna()
    res = {"n": int(len(f)), "n_known": int(known.sum()),
           "well_worked_attempts": int(well_worked_attempts), "attempts_distribution": [],
           "single_attempt_share": None, "n_touched_not_converted": None,
           "well_worked_share": None, "median_attempts": None, "median_attempts_all": None,
           "mean_attempts": None, "warnings": warnings}
    if not known.any():
        warnings.append("Persistence not assessed: no activities or attempts data (no "
                        "attempts column in the leads table and no activities file).")
        return res
    if (~known).any():
        warnings.append(f"{int((~known).sum())} leads have no attempt count; persistence "
                        "figures cover the others.")
    a = att[known]
    conv = f.loc[known, "converted"].astype(bool)
    binned = np.minimum(a.to_numpy(), MAX_SINGLE_BIN + 1).astype(int)
    counts = pd.Series(binned).value_counts().reindex(range(MAX_SINGLE_BIN + 2), fill_value=0)
    n = int(len(a))
    res["attempts_distribution"] = [
        {"attempts": (str(k) if k <= MAX_SINGLE_BIN else f"{MAX_SINGLE_BIN + 1}+"),
         "n": int(v), "share": float(v / n)} for k, v in counts.items()]
    touched_nc = (a >= 1) & ~conv
    res["n_touched_not_converted"] = int(touched_nc.sum())
    if touched_nc.any():
        res["single_attempt_share"] = float(((a == 1) & touched_nc).sum() / touched_nc.sum())
    else:
        warnings.append("No touched lead left unconverted: single-attempt share not defined.")
    res["well_worked_share"] = float((a >= well_worked_attempts).sum() / n)
    if (a >= 1).any():
        res["median_attempts"] = float(a[a >= 1].median())
    res["median_attempts_all"] = float(a.median())
    res["mean_attempts"] = float(a.mean())
    return res
