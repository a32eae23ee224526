"""Driver analysis: which scales predict perceived relationship effectiveness (``REFF``).

Ordinary least squares of the standardized ``REFF`` score on standardized predictor scores
(:class:`statsmodels.regression.linear_model.OLS`), so each coefficient is a standardized
beta: the change in ``REFF`` (in SDs) per SD of the predictor, holding the others fixed.
Listwise deletion. Rule of thumb of at least 10 complete respondents per predictor
(Harrell, *Regression Modeling Strategies*, 2015): with enough respondents the eleven
pillar scales are the predictors; otherwise the three pillar scores (politics, incentives,
communication; mean of their scales with ``CONF`` reversed); below 30 respondents no model.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from ..instrument import DRIVER_SCALES, PILLAR_REVERSED_SCALES, PILLARS

OUTCOME = "REFF"
MIN_N_PER_PREDICTOR = 10


def pillar_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Per-respondent pillar scores (1..5): mean of the pillar's available scale scores,
    ``CONF`` entering as ``6 − CONF``.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scale scores per respondent (columns = scale codes).

    Returns
    -------
    pandas.DataFrame
        Columns ``politics``, ``incentives``, ``communication``.
    """
    oriented = scores.copy()
    for s in PILLAR_REVERSED_SCALES:
        if s in oriented:
            oriented[s] = 6.0 - oriented[s]
    return pd.DataFrame({p: oriented.reindex(columns=sc).mean(axis=1)
                         for p, sc in PILLARS.items()}, index=scores.index)


def driver_analysis(scores: pd.DataFrame) -> dict:
    """Standardized regression of ``REFF`` on the pillar scales (or pillar scores).

    Parameters
    ----------
    scores : pandas.DataFrame
        Scale scores per respondent (1..5), including ``REFF``; pooled reportable sample.

    Returns
    -------
    dict
        ``{"n", "r2", "adj_r2", "level": "scale"|"pillar"|None, "coefficients": [...],
        "warnings": [...]}``; each coefficient ``{"scale", "beta", "ci": [low, high], "p",
        "r"}`` (``r`` = zero-order correlation with REFF), sorted by |beta|, largest first.
    """
    out = {"outcome": OUTCOME, "n": 0, "r2": None, "adj_r2": None, "level": None,
           "coefficients": [], "warnings": []}
    if OUTCOME not in scores:
        out["warnings"].append("REFF was not asked, so no driver analysis.")
        return out
    y = scores[OUTCOME]
    candidates = [("scale", scores.reindex(columns=DRIVER_SCALES)),
                  ("pillar", pillar_scores(scores))]
    for level, X in candidates:
        X = X.loc[:, X.notna().any()]
        data = pd.concat([y.rename(OUTCOME), X], axis=1).dropna()
        p = X.shape[1]
        if p == 0:
            continue
        if len(data) >= max(30, MIN_N_PER_PREDICTOR * p):
            break
    else:
        out["n"] = int(len(data)) if p else 0
        out["warnings"].append(
            f"Driver analysis needs at least 30 respondents with complete answers; "
            f"{out['n']} available.")
        return out
    sd = data.std(ddof=1)
    const = [c for c in data.columns if not sd[c] > 0]
    if OUTCOME in const:
        out["warnings"].append("Every respondent gave REFF the same score; no driver model.")
        return out
    data = data.drop(columns=const)
    z = (data - data.mean()) / data.std(ddof=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = OLS(z[OUTCOME], add_constant(z.drop(columns=OUTCOME))).fit()
    ci = fit.conf_int(0.05)
    r = z.corr()[OUTCOME]
    coefs = []
    for name in z.columns.drop(OUTCOME):
        coefs.append({"scale": name, "beta": float(fit.params[name]),
                      "ci": [float(ci.loc[name, 0]), float(ci.loc[name, 1])],
                      "p": float(fit.pvalues[name]), "r": float(r[name])})
    coefs.sort(key=lambda c: -abs(c["beta"]))
    out.update(n=int(fit.nobs), r2=float(fit.rsquared), adj_r2=float(fit.rsquared_adj),
               level=level, coefficients=coefs)
    if level == "pillar":
        out["warnings"].append(
            f"Too few complete respondents ({int(fit.nobs)}) for the {len(DRIVER_SCALES)} "
            f"scales (10 per predictor); the three pillar scores are used instead.")
    if np.isfinite(fit.condition_number) and fit.condition_number > 30:
        out["warnings"].append("Predictors are strongly correlated; read single betas with "
                               "care and look at the correlations (r) as well.")
    return out
