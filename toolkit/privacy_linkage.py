"""The anonymity audit across a scale and its items (SPEC §8): a scale score is a function of
its items, so a scale figure and its items' figures are checked together.

A respondent's score on a scale is the mean of the items he answered (at least half of
them, :func:`toolkit.survey.scoring.scale_scores`; reverse-keyed items as ``6 − x``). A
published scale mean over a set ``S`` (times its n) is therefore the sum, over the scorers in
``S``, of ``Σ_{j answered} ±x_ij / (items answered)``; a published item mean over a set ``T``
(times its n) is ``Σ x_ij`` over the answerers of item *j* in ``T``. For a respondent who
answered every item the scale's sum is exactly the mean of his item sums; for one who
skipped some (a *partial answerer*) it is not. So ``n·mean(scale) − Σ_j ±n_j·mean_j / k`` is a
weighted sum of the partial answerers' answers alone: when fewer than the threshold of them
are in a group, their answers are disclosed (with one, his own answers; finding H2 of the
issue-13 review).

The per-measure audit (:func:`toolkit.privacy_audit.audit`) cannot see this: each measure
there is one number per respondent. Here the unknowns are the respondent's *answers* (one
per item answered), every published figure of the scale or its items is a linear function
of them, and a user may add and subtract any of them (sides, totals, every workshop filter,
differences between views). A combination reveals something about a set ``U`` of
respondents exactly when it is zero on every answer outside ``U`` and not on ``U``; with
``M`` the (answers × figures) matrix, such a combination exists exactly when removing the
rows of ``U`` lowers the rank of ``M``. Respondents with the same answered items and the
same memberships have identical rows (a *type*); only types under the threshold can be in
``U``, so the combinations are first restricted to those that vanish on every larger type
(the null space of their rows), then unions of small types with fewer than k people are
tried, smallest first, by that rank test (linear algebra in floating point on a matrix of
small rationals — 1, ±1/2 … ±1/12 — with a relative tolerance; larger searches than the
budget report every small type that takes part, the safe direction).

What the toolkit publishes is computed listwise (:mod:`toolkit.survey.answer_sets`): every
figure of a scale and of its items counts only respondents who answered all the scale's
items, and every view shows a scale and its items over the same groups. Then the check has
a short form (:func:`_same_sets`): what any combination reveals is a combination of one
measure's published sets, which the per-measure audit rules on; the linear algebra runs
only when that does not hold (figures on other answer sets, or a scale published over
groups its items are not, and vice versa).

The constant of reverse keying (``6·n``) is treated as known (the safe direction). Counts
of non-answerers (an item's n against its scale's) are counts of answer patterns, not
answers, and are not in this check.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

LINK = "link:"          # family key: ``link:FAIR`` = the scale FAIR and its items
_TOL = 1e-9
_BUDGET = 20_000


def families(measures) -> dict[str, list[str]]:
    """Scale → the measures of its family present in *measures* (the scale and its items),
    for every scale with a figure and at least one item figure published."""
    from .instrument import SCALE_ITEMS

    ms = set(measures)
    out = {}
    for scale, items in SCALE_ITEMS.items():
        if scale in ms and any(j in ms for j in items):
            out[scale] = [scale, *[j for j in items if j in ms]]
    return out


def _answered_items(survey: pd.DataFrame, cache: dict) -> pd.DataFrame:
    hit = cache.get(("linkage", "answered"))
    if hit is None:
        from .survey.answer_sets import published_items
        from .survey.scoring import clean_items

        hit = published_items(clean_items(survey)[0]).notna()
        cache[("linkage", "answered")] = hit
    return hit


def _null_space(a: np.ndarray) -> np.ndarray:
    """Orthonormal basis (columns) of the null space of *a* (rows × cols)."""
    if a.shape[0] == 0:
        return np.eye(a.shape[1])
    _, s, vt = np.linalg.svd(a, full_matrices=a.shape[0] < a.shape[1])
    tol = _TOL * max(a.shape) * (s[0] if s.size else 1.0)
    rank = int((s > tol).sum())
    return vt[rank:].T


def _rank(a: np.ndarray) -> int:
    if a.size == 0:
        return 0
    s = np.linalg.svd(a, compute_uv=False)
    return int((s > _TOL * max(a.shape) * max(s[0], 1.0)).sum())


def _same_sets(rels, cols, ans: np.ndarray, scale: str) -> bool:
    """Whether every item of the family is published over the same collection of
    respondent sets, the scale over a sub- or super-collection of it, and every member of
    them answered every item (the listwise rule of :mod:`toolkit.survey.answer_sets`).

    Then a combination is zero on a respondent exactly when ``γ_j = α`` there for every
    item *j* (``α`` the scale's coefficients, ``γ_j = −k·(±β_j)`` item *j*'s, each a
    combination of the published sets); so what it reveals is a combination ``γ_j − α``
    of the larger collection's sets — something the per-measure audit of that measure
    already rules on.
    """
    sets: dict[str, set] = {}
    for r, m in zip(rels, cols):
        sets.setdefault(r.measure, set()).add(np.packbits(m).tobytes())
    scale_sets = sets.pop(scale, set())
    if not sets:
        return False
    first = next(iter(sets.values()))
    if not all(v == first for v in sets.values()):
        return False
    if not (first <= scale_sets or scale_sets <= first):
        return False
    inside = np.any(cols, axis=0)
    return bool(ans[inside].all())


def family_violations(survey: pd.DataFrame, scale: str, rels: Sequence, k: int,
                      has: Mapping[str, np.ndarray], cache: dict) -> list[dict]:
    """Sets of fewer than *k* respondents that the figures of *scale* and its items,
    combined, would let a user isolate.

    Parameters
    ----------
    survey : pandas.DataFrame
        The canonical survey table.
    scale : str
        Scale code.
    rels : sequence of toolkit.privacy_audit.Release
        The published figures of the scale and of its items (other measures are ignored).
    k : int
        Anonymity threshold.
    has : mapping
        Who answered each measure (boolean arrays over the survey's rows).
    cache : dict
        Condition masks (:func:`toolkit.privacy_audit._mask`).

    Returns
    -------
    list of dict
        ``{"measure": "link:<scale>", "size", "where"}`` per isolable set (the figures
        holding its respondents in ``where``); empty when none.
    """
    from .instrument import REVERSE_ITEMS, SCALE_ITEMS
    from .privacy_audit import _mask

    items = list(SCALE_ITEMS[scale])
    rels = [r for r in rels if r.measure == scale or r.measure in items]
    if not any(r.measure == scale for r in rels) or all(r.measure == scale for r in rels):
        return []
    scored = np.asarray(has[scale], dtype=bool)
    cols = [_mask(survey, r.conditions, cache) & has[r.measure] for r in rels]
    # who answered each item: as the figures count it (has), else as published
    answered = _answered_items(survey, cache).reindex(columns=items, fill_value=False)
    ans = np.column_stack([np.asarray(has[j], dtype=bool) if j in has
                           else answered[j].to_numpy(dtype=bool) for j in items])
    asked = ans.any(axis=0)
    if not asked.any():
        return []
    if _same_sets(rels, cols, ans[:, asked], scale):
        return []
    masks = np.column_stack(cols)
    universe = masks.any(axis=1)
    if not universe.any():
        return []
    sig = np.column_stack([masks, ans, scored])[universe]
    uniq, counts = np.unique(sig, axis=0, return_counts=True)
    n_rel, m = len(rels), len(items)
    member, t_ans, t_scored = uniq[:, :n_rel], uniq[:, n_rel:n_rel + m], uniq[:, -1]
    item_of = np.array([items.index(r.measure) if r.measure != scale else -1 for r in rels])
    sign = np.array([-1.0 if j in REVERSE_ITEMS else 1.0 for j in items])
    rows_t, rows_j = np.nonzero(t_ans)                      # one row per (type, item)
    n_ans = t_ans.sum(axis=1)
    mat = np.zeros((len(rows_t), n_rel))
    for c in range(n_rel):
        inside = member[rows_t, c]
        if item_of[c] >= 0:
            mat[:, c] = inside & (rows_j == item_of[c])
        else:
            mat[:, c] = (inside & t_scored[rows_t]) * sign[rows_j] / n_ans[rows_t]
    keep = np.abs(mat).sum(axis=1) > 0
    mat, rows_t = mat[keep], rows_t[keep]
    if not len(mat):
        return []
    mat = np.unique(mat, axis=1)                            # identical figures: one column
    small_t = counts < k
    small_rows = small_t[rows_t]
    if not small_rows.any():
        return []
    z = _null_space(mat[~small_rows])
    q = mat[small_rows] @ z
    q_t = rows_t[small_rows]
    live = np.abs(q).max(axis=1) > _TOL if q.size else np.zeros(len(q), bool)
    if not live.any():
        return []                                           # nothing vanishes outside them
    q, q_t = q[live], q_t[live]
    found = _small_cuts(q, q_t, counts, k)
    out = []
    for group in found:
        inside = member[list(group)].any(axis=0)
        out.append({"measure": LINK + scale,
                    "size": int(sum(int(counts[t]) for t in group)),
                    "where": [rels[c].where for c in np.flatnonzero(inside)]})
    return out


def _orth(a: np.ndarray) -> np.ndarray:
    """Orthonormal basis (columns) of the row space of *a*."""
    if a.size == 0:
        return np.zeros((a.shape[1], 0))
    _, s, vt = np.linalg.svd(a, full_matrices=False)
    rank = int((s > _TOL * max(a.shape) * max(s[0], 1.0)).sum())
    return vt[:rank].T


def _complement(blocks: list[np.ndarray], dim: int) -> np.ndarray:
    """Orthonormal basis (columns, ``dim`` rows) of what *blocks* (rows × dim) leave unspanned."""
    return _null_space(np.vstack(blocks)) if blocks else np.eye(dim)


def _packs(blocks: list[np.ndarray], copies: list[int], dim: int, k: int) -> bool:
    """Whether *k* disjoint families of blocks each span the whole space, block *i*
    usable in up to ``copies[i]`` families (greedy; False means "not shown")."""
    left = list(copies)
    order = sorted(range(len(blocks)), key=lambda i: -left[i])
    for _ in range(k):
        basis = np.zeros((dim, 0))
        for i in order:
            if basis.shape[1] == dim:
                break
            if left[i] <= 0:
                continue
            res = blocks[i] - (blocks[i] @ basis) @ basis.T
            if np.abs(res).max() > 1e-7:
                basis = np.hstack([basis, _orth(res)])
                left[i] -= 1
        if basis.shape[1] < dim:
            return False
    return True


def _small_cuts(q: np.ndarray, q_t: np.ndarray, counts: np.ndarray, k: int) -> list[tuple]:
    """Unions of types, fewer than *k* people, whose rows of *q* are needed for its rank.

    Removing some of the types that span the same row subspace (a *class*) leaves the span
    unchanged, so only whole classes matter; classes of *k* people or more always stay, so
    their span is factored out first. In what is left: each class whose removal alone
    lowers the rank is a finding; the span of those is factored out too; then the rest is
    safe when it packs into *k* disjoint spanning families (fewer than *k* people cannot
    break them all), else unions of two or more classes are tried, lightest first, up to a
    budget (past it every class left is reported: the safe direction).
    """
    basis = _orth(q)                                        # r columns
    q = q @ basis
    groups: dict[bytes, list[int]] = {}
    blocks: dict[bytes, np.ndarray] = {}
    for t in sorted(set(q_t.tolist())):
        b = _orth(q[q_t == t])
        key = np.round(b @ b.T, 6).tobytes()
        groups.setdefault(key, []).append(t)
        blocks[key] = b.T
    weight = {key: int(sum(int(counts[t]) for t in ts)) for key, ts in groups.items()}
    rest = _complement([blocks[key] for key in groups if weight[key] >= k], q.shape[1])
    light = [(key, blocks[key] @ rest) for key in groups if weight[key] < k]
    light = [(key, p) for key, p in light if p.size and np.abs(p).max() > _TOL]
    if rest.shape[1] == 0 or not light:
        return []
    dim = rest.shape[1]
    found: list[list[int]] = []
    rows = np.vstack([p for _, p in light])
    owner = np.concatenate([[i] * len(p) for i, (_, p) in enumerate(light)])
    y = _null_space(rows.T)                                 # left null space
    gram = y @ y.T
    essential = []
    for i in range(len(light)):   # needed alone: its rows are dependent in the left null
        idx = np.flatnonzero(owner == i)
        if len(idx) > y.shape[1] or _rank(gram[np.ix_(idx, idx)]) < len(idx):
            essential.append(i)
            found.append([i])
    base = _complement([light[i][1] for i in essential], dim)
    cand = [i for i in range(len(light)) if i not in essential]
    pb = [light[i][1] @ base for i in cand]
    keep = [j for j, p in enumerate(pb) if p.size and np.abs(p).max() > _TOL]
    cand, pb = [cand[j] for j in keep], [pb[j] for j in keep]
    w = {i: weight[light[i][0]] for i in range(len(light))}
    if cand and base.shape[1] and not _packs([_orth(p).T for p in pb],
                                              [w[i] for i in cand], base.shape[1], k):
        rows = np.vstack(pb)
        owner = np.concatenate([[i] * len(p) for i, p in zip(cand, pb)])
        y = _null_space(rows.T)                             # left null space
        gram = y @ y.T

        def dependent(group) -> bool:
            idx = np.flatnonzero(np.isin(owner, group))
            return len(idx) > y.shape[1] or _rank(gram[np.ix_(idx, idx)]) < len(idx)

        order = sorted(cand, key=lambda i: (w[i], i))
        tried = [0]

        def unions(start, group, total):
            for pos in range(start, len(order)):
                i = order[pos]
                if total + w[i] >= k:
                    break
                g = group + (i,)
                if len(g) > 1:
                    tried[0] += 1
                    if tried[0] > _BUDGET:
                        raise OverflowError
                    yield g
                yield from unions(pos + 1, g, total + w[i])

        try:
            groups_tried = sorted(unions(0, (), 0), key=len)
        except OverflowError:               # too many to try: every class left, the safe way
            found.append(list(cand))
        else:
            new: list[set] = []
            for g in groups_tried:
                if any(f <= set(g) for f in new):
                    continue
                if dependent(list(g)):
                    new.append(set(g))
                    found.append(list(g))
    return [tuple(t for i in g for t in groups[light[i][0]]) for g in found]


def linked_violations(survey: pd.DataFrame, releases: Sequence, k: int,
                      has: Mapping[str, np.ndarray], cache: dict) -> list[dict]:
    """:func:`family_violations` of every scale whose figure and item figures are among
    *releases*."""
    by_measure: dict[str, list] = {}
    for r in releases:
        by_measure.setdefault(r.measure, []).append(r)
    out = []
    fams = families(by_measure)
    if not fams:
        return out
    with _one_thread():   # many small decompositions: BLAS threads only cost here
        for scale, ms in fams.items():
            rels = [r for mm in ms for r in by_measure[mm]]
            out += family_violations(survey, scale, rels, k, has, cache)
    return out


def _one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with scikit-learn
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(1)
