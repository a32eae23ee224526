"""Drivers of perceived effectiveness (``REFF``) by general dominance analysis.

Which scales go with people finding the sales–marketing relationship effective? Standardized
betas answer this badly when the predictors are correlated (they are: every scale loads on a
general "alignment" factor), because a beta credits a predictor only with what it adds when
every other predictor is already in the model. General dominance analysis (Budescu 1993;
Azen & Budescu 2003) instead gives each predictor the average gain in R² it brings, over all
models built from the other predictors:

``GD_j = (1/p) · Σ_{k=0}^{p−1} mean_{S ⊆ P∖{j}, |S| = k} [R²(S ∪ {j}) − R²(S)]``

which is the Shapley value of the R² "game" (Lipovetsky & Conklin 2001; Grömping 2007). The
weights are non-negative and add up to the full model's R², so each predictor's *share of R²*
(``GD_j / R²``) reads as "how much of what the model explains goes with this scale". Every one
of the ``2^p`` sub-models is fitted (``p`` = 11 scales → 2,048 models); the R² of a subset
``S`` comes from the correlation matrix as ``r_Sᵀ R_SS⁻¹ r_S``, so the whole computation is a
set of small linear solves, batched over bootstrap resamples.

Uncertainty: nonparametric bootstrap of respondents (``N_BOOT`` resamples, seeded), percentile
95% intervals for each share and for R² (Azen & Budescu 2003 and Tonidandel, LeBreton &
Johnson 2009 recommend the bootstrap for dominance/relative weights).

Sample size: at least ``MIN_N_PER_PREDICTOR`` = 10 complete respondents per predictor
(Harrell, *Regression Modeling Strategies*, 2nd ed. 2015, §4.4: about 10–20 observations per
candidate parameter for a linear model that is not overfitted). With fewer than that for the
eleven pillar scales, the three pillar scores (politics, incentives, communication) are the
predictors; below ``MIN_N_PILLARS`` = 30 complete respondents (10 × 3) no drivers are reported
and the section says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import method
from ..instrument import DRIVER_SCALES, PILLAR_REVERSED_SCALES, PILLARS

OUTCOME = "REFF"

MIN_N_PER_PREDICTOR = int(method.value("drivers_min_n_per_predictor"))
MIN_N_PILLARS = 3 * MIN_N_PER_PREDICTOR
N_BOOT = 1000
SEED = 20260
CONFIDENCE = 0.95
#: Above this many predictors the 2^p sub-models are too many to fit (2^15 = 32,768).
MAX_PREDICTORS = 15

METHOD_SOURCES = ("Budescu 1993, Psychological Bulletin 114:542-551; Azen & Budescu 2003, "
                  "Psychological Methods 8:129-148; Harrell 2015, Regression Modeling "
                  "Strategies, 2nd ed., §4.4")


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


def _subset_r2(corr: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """R² of the outcome (column 0) on every predictor subset, from correlation matrices.

    Subsets are visited as a tree (each subset extends its parent by a predictor of higher
    index). Adding predictor ``j`` to ``S`` raises R² by
    ``(r_yj − bᵀ R_Sj)² / (1 − R_jS R_SS⁻¹ R_Sj)`` (``b`` = the standardized coefficients on
    ``S``), and ``R_SS⁻¹`` is extended by the block-inverse (Schur complement) formula, so
    each subset costs a few vectorized operations over the B matrices.

    Parameters
    ----------
    corr : numpy.ndarray
        Shape (B, p+1, p+1): B correlation matrices, outcome first.
    masks : numpy.ndarray of int
        Subset bitmasks (bit j = predictor j) to return.

    Returns
    -------
    numpy.ndarray
        Shape (B, len(masks)); R² of the empty subset is 0.

    Raises
    ------
    numpy.linalg.LinAlgError
        A predictor is (numerically) a linear combination of others.
    """
    b, q, _ = corr.shape
    p = q - 1
    r2 = np.zeros((b, 2 ** p))
    ry = corr[:, 0, 1:]                                   # (B, p)
    R = corr[:, 1:, 1:]                                   # (B, p, p)

    def visit(mask: int, idx: list, inv: np.ndarray, coef: np.ndarray, base: np.ndarray):
        start = idx[-1] + 1 if idx else 0
        js = list(range(start, p))
        if not js:
            return
        k = len(idx)
        # every child S ∪ {j} of this subset at once: (B, k, m) with m = len(js)
        u = R[:, idx][:, :, js]                            # R_Sj
        v = np.matmul(inv, u)                              # R_SS⁻¹ R_Sj
        d = 1.0 - np.einsum("bkm,bkm->bm", u, v)
        if np.any(d <= 1e-10):
            raise np.linalg.LinAlgError("collinear predictors")
        e = ry[:, js] - np.einsum("bk,bkm->bm", coef, u)
        gain = e * e / d
        for c, j in enumerate(js):
            child = mask | (1 << j)
            r2[:, child] = base + gain[:, c]
            if j == p - 1:
                continue                                   # a leaf: no subset extends it
            vc, dc, ec = v[:, :, c], d[:, c], e[:, c]
            new_inv = np.empty((b, k + 1, k + 1))
            new_inv[:, :k, :k] = inv + vc[:, :, None] * vc[:, None, :] / dc[:, None, None]
            new_inv[:, :k, k] = new_inv[:, k, :k] = -vc / dc[:, None]
            new_inv[:, k, k] = 1.0 / dc
            new_coef = np.concatenate([coef - vc * (ec / dc)[:, None], (ec / dc)[:, None]],
                                      axis=1)
            visit(child, idx + [j], new_inv, new_coef, r2[:, child])

    visit(0, [], np.zeros((b, 0, 0)), np.zeros((b, 0)), np.zeros(b))
    return r2[:, masks]


def general_dominance_from_corr(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """General dominance weights from correlation matrices (outcome first).

    Parameters
    ----------
    corr : numpy.ndarray
        Shape (p+1, p+1) or (B, p+1, p+1); row/column 0 is the outcome. Must be positive
        definite (no predictor a linear combination of others).

    Returns
    -------
    gd : numpy.ndarray
        Shape (p,) or (B, p): general dominance weight of each predictor (R² units); they
        sum to the full model's R².
    r2 : numpy.ndarray
        Shape () or (B,): R² of the full model.

    Raises
    ------
    ValueError
        More than :data:`MAX_PREDICTORS` predictors.
    numpy.linalg.LinAlgError
        A singular predictor correlation matrix.
    """
    c = np.asarray(corr, dtype=float)
    single = c.ndim == 2
    if single:
        c = c[None]
    p = c.shape[1] - 1
    if p > MAX_PREDICTORS:
        raise ValueError(f"{p} predictors: dominance analysis fits 2^p models; at most "
                         f"{MAX_PREDICTORS} are supported")
    masks = np.arange(2 ** p)
    r2 = _subset_r2(c, masks)                                # (B, 2^p)
    size = np.array([bin(m).count("1") for m in masks])
    gd = np.zeros((c.shape[0], p))
    for j in range(p):
        bit = 1 << j
        without = masks[(masks & bit) == 0]
        gain = r2[:, without | bit] - r2[:, without]         # (B, 2^(p-1))
        k = size[without]
        # mean gain within each subset size, then the mean over sizes 0..p-1
        per_size = np.stack([gain[:, k == s].mean(axis=1) for s in range(p)], axis=1)
        gd[:, j] = per_size.mean(axis=1)
    full = r2[:, -1]
    return (gd[0], full[0]) if single else (gd, full)


def general_dominance(y, X) -> dict:
    """General dominance weights of the columns of *X* for outcome *y* (complete cases).

    Parameters
    ----------
    y : array-like, shape (n,)
    X : pandas.DataFrame, shape (n, p)

    Returns
    -------
    dict
        ``{"r2": float, "weights": {column: GD}}``; weights sum to ``r2``.
    """
    data = pd.concat([pd.Series(np.asarray(y, dtype=float), index=X.index, name="__y"),
                      X.astype(float)], axis=1).dropna()
    gd, r2 = general_dominance_from_corr(np.corrcoef(data.to_numpy(), rowvar=False))
    return {"r2": float(r2), "weights": dict(zip(X.columns, map(float, gd)))}


def _boot_corr(values: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Correlation matrices of *n_boot* bootstrap resamples of the rows of *values*.

    Resamples where a column is constant are dropped (their correlation is undefined).
    """
    n, q = values.shape
    idx = rng.integers(0, n, size=(n_boot, n))
    cov = np.empty((n_boot, q, q))
    step = max(1, 2_000_000 // max(1, n * q))               # bounded memory per chunk
    for start in range(0, n_boot, step):
        s = values[idx[start:start + step]]                  # (b, n, q)
        s = s - s.mean(axis=1, keepdims=True)
        cov[start:start + step] = np.einsum("bni,bnj->bij", s, s)
    sd = np.sqrt(np.einsum("bii->bi", cov))
    ok = (sd > 1e-12).all(axis=1)
    cov, sd = cov[ok], sd[ok]
    return cov / (sd[:, :, None] * sd[:, None, :])


def _not_enough(out: dict, message: str) -> dict:
    out["status"] = "too_few_respondents"
    out["reason"] = message
    out["warnings"].append(message)
    return out


def dominance_drivers(scores: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = SEED) -> dict:
    """Drivers of ``REFF`` by general dominance with bootstrap 95% intervals.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scale scores per respondent (1..5) of the reportable sample, including ``REFF``
        and the pillar scales.
    n_boot : int, default 1000
        Bootstrap resamples.
    seed : int
        Seed of the bootstrap (same seed, same intervals).

    Returns
    -------
    dict
        ``results["survey"]["drivers"]``: ``method`` (``"dominance"``), ``outcome``,
        ``status`` (``"ok"``, ``"too_few_respondents"``, ``"not_asked"``, ``"no_variation"``),
        ``reason``, ``level`` (``"scale"`` or ``"pillar"``), ``n`` (complete respondents),
        ``min_n`` (what the level needed), ``r2`` and ``r2_ci``, ``n_boot``, ``seed``,
        ``predictors`` — list sorted by share, largest first, of ``{"scale", "weight"
        (general dominance, R² units), "share" (of R², 0..1), "share_ci": [low, high],
        "r" (correlation with REFF), "rank"}`` — and ``warnings``.
        Never raises for too little data.
    """
    out = {"method": "dominance", "outcome": OUTCOME, "status": None, "reason": None,
           "level": None, "n": 0, "min_n": None, "min_n_per_predictor": MIN_N_PER_PREDICTOR,
           "r2": None, "r2_ci": None, "n_boot": int(n_boot), "seed": int(seed),
           "confidence": CONFIDENCE, "predictors": [], "sources": METHOD_SOURCES,
           "warnings": []}
    if OUTCOME not in scores or scores[OUTCOME].notna().sum() == 0:
        out.update(status="not_asked", reason="Perceived effectiveness (REFF) was not asked.")
        out["warnings"].append("REFF was not asked, so no driver analysis.")
        return out
    y = scores[OUTCOME].rename(OUTCOME)
    data, scale_n = None, 0
    for level, X in (("scale", scores.reindex(columns=DRIVER_SCALES)),
                     ("pillar", pillar_scores(scores))):
        X = X.loc[:, X.notna().any() & (X.std(ddof=1) > 0)]
        if X.shape[1] == 0:
            continue
        cand = pd.concat([y, X], axis=1).dropna()
        need = max(MIN_N_PILLARS, MIN_N_PER_PREDICTOR * X.shape[1])
        out.update(level=level, n=int(len(cand)), min_n=int(need))
        if level == "scale":
            scale_n = int(len(cand))
            out["n_every_scale"] = scale_n   # quoted in the fallback warning (audited, §8)
        if len(cand) >= need:
            data = cand
            break
    if data is None:
        return _not_enough(out, (
            f"Too few respondents for a driver analysis: {out['n']} answered every scale, "
            f"and at least {MIN_N_PILLARS} are needed ({MIN_N_PER_PREDICTOR} per predictor for "
            "the three pillar scores; Harrell 2015)."))
    if not data[OUTCOME].std(ddof=1) > 0:
        out.update(status="no_variation", reason="Every respondent gave REFF the same score.")
        out["warnings"].append("Every respondent gave REFF the same score; no driver model.")
        return out
    values = data.to_numpy(dtype=float)
    corr = np.corrcoef(values, rowvar=False)
    try:
        gd, r2 = general_dominance_from_corr(corr)
    except np.linalg.LinAlgError:
        out.update(status="no_variation", reason="Two predictors are perfectly collinear.")
        out["warnings"].append("Driver analysis: predictors are perfectly collinear.")
        return out
    rng = np.random.default_rng(seed)
    boot = _boot_corr(values, rng, n_boot)
    bgd, br2 = general_dominance_from_corr(boot) if len(boot) else (np.empty((0, len(gd))),
                                                                     np.empty(0))
    tail = (1 - CONFIDENCE) / 2 * 100
    share = gd / r2 if r2 > 0 else np.full_like(gd, np.nan)
    bshare = bgd / br2[:, None]
    lo, hi = (np.percentile(bshare, [tail, 100 - tail], axis=0) if len(boot)
              else (np.full_like(gd, np.nan),) * 2)
    names = list(data.columns[1:])
    preds = [{"scale": s, "weight": float(gd[j]), "share": float(share[j]),
              "share_ci": [float(lo[j]), float(hi[j])], "r": float(corr[0, j + 1])}
             for j, s in enumerate(names)]
    preds.sort(key=lambda d: (-d["share"], d["scale"]))
    for rank, d in enumerate(preds, start=1):
        d["rank"] = rank
    out.update(status="ok", n=int(len(data)), r2=float(r2),
               r2_ci=([float(v) for v in np.percentile(br2, [tail, 100 - tail])]
                      if len(boot) else None),
               predictors=preds)
    if level == "pillar":
        out["warnings"].append(
            f"Too few respondents answered every scale ({scale_n}) for the "
            f"{len(DRIVER_SCALES)} scales "
            f"({MIN_N_PER_PREDICTOR} per predictor, i.e. "
            f"{MIN_N_PER_PREDICTOR * len(DRIVER_SCALES)}); the three pillar scores are the "
            "drivers instead.")
    if len(boot) < n_boot:
        out["warnings"].append(f"Driver analysis: {n_boot - len(boot)} bootstrap resamples "
                               "had a constant scale and were left out.")
    return out


def shapley_by_permutation(y, X, *, n_perm: int | None = None, seed: int = 0) -> dict:
    """Shapley decomposition of R² by walking predictor orderings (second method, tests).

    Each ordering adds the predictors one at a time; a predictor's Shapley value is its mean
    R² gain over orderings. With ``n_perm=None`` every one of the ``p!`` orderings is walked
    (exact, and equal to general dominance); otherwise ``n_perm`` random orderings.
    R² here is from :func:`numpy.linalg.lstsq` fits with an intercept (not correlations), so
    it checks the correlation-matrix shortcut as well.

    Returns
    -------
    dict
        ``{column: value}``.
    """
    from itertools import permutations

    data = pd.concat([pd.Series(np.asarray(y, dtype=float), index=X.index, name="__y"),
                      X.astype(float)], axis=1).dropna()
    yy = data["__y"].to_numpy()
    cols = list(X.columns)
    tss = float(((yy - yy.mean()) ** 2).sum())
    cache: dict[frozenset, float] = {frozenset(): 0.0}

    def r2(s: frozenset) -> float:
        if s not in cache:
            A = np.column_stack([np.ones(len(yy))] + [data[c].to_numpy() for c in sorted(s)])
            beta, *_ = np.linalg.lstsq(A, yy, rcond=None)
            cache[s] = 1 - float(((yy - A @ beta) ** 2).sum()) / tss
        return cache[s]

    if n_perm is None:
        orders = list(permutations(cols))
    else:
        rng = np.random.default_rng(seed)
        orders = [tuple(np.array(cols)[rng.permutation(len(cols))]) for _ in range(n_perm)]
    total = dict.fromkeys(cols, 0.0)
    for order in orders:
        s: frozenset = frozenset()
        for c in order:
            t = s | {c}
            total[c] += r2(t) - r2(s)
            s = t
    return {c: v / len(orders) for c, v in total.items()}


__all__ = ["dominance_drivers", "general_dominance", "general_dominance_from_corr",
           "shapley_by_permutation", "MIN_N_PER_PREDICTOR", "MIN_N_PILLARS", "N_BOOT"]
