"""Which answers the published figures of a scale and its items are computed from
(SPEC §4.1, §8).

A respondent's scale score is the mean of the items he answered (at least half of them,
:func:`toolkit.survey.scoring.scale_scores`). For a respondent who answered every item of a
scale that score is exactly the mean of his item answers; for one who skipped some (a
*partial answerer*) it is not, and one who answered fewer than half counts in the item
figures but not in the scale's. So, for any group, ``n × scale mean − Σ ±n_j × item mean_j
/ k`` (reverse-keyed items as ``6 − x``) depends on the partial answerers' answers alone:
with fewer than the anonymity threshold of them in the group — in any group a user can
form, differences between views included — publishing a scale's figure beside its items'
discloses what they answered (with one partial answerer, his own answers; finding H2 of the
issue-13 review).

The rule: every published figure of a scale **and** of its items (report, workbook, deck,
heatmap, every workshop view) is computed on the same answer set, the respondents who
answered every item of the scale (listwise). A scale's mean is then exactly the mean of its
items' means over the same people, so it adds nothing to them, in every group and every
difference of groups. Choosing the answer set per group instead (listwise only where a
group has a few partial answerers) was tried and rejected: the people a group leaves out
are the difference between it and a larger group that keeps them, which isolates them
again (a filtered workshop view against the whole side, a side against the total).
The cost is the partial answerers' answers on that scale (about one respondent in ten on
the 3- and 4-item scales of the samples, more on the 12-item maturity scale); every figure
states its n, and the method appendix states the rule. A respondent's answers on the other
scales still count.

:mod:`toolkit.privacy_linkage` audits the scale–item linkage on whatever is published, so a
figure computed on another answer set would be caught.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..instrument import SCALE_ITEMS

#: Item code → the scale it belongs to.
ITEM_SCALE = {j: s for s, items in SCALE_ITEMS.items() for j in items}


def family_of(code: str) -> str | None:
    """The scale whose figures are linked to *code*'s (the scale itself, or an item's
    scale); None for a code outside every scale (the blame claims)."""
    if code in SCALE_ITEMS:
        return code
    return ITEM_SCALE.get(code)


def complete_answers(raw: pd.DataFrame) -> pd.DataFrame:
    """Per respondent and scale: answered every item of the scale.

    Parameters
    ----------
    raw : pandas.DataFrame
        1..5 answers (NaN = not answered), one column per item code; an item absent from
        it counts as not answered.

    Returns
    -------
    pandas.DataFrame of bool
        One column per scale of ``SCALE_ITEMS``, aligned with *raw*. Items nobody in
        *raw* answered (not asked) are left out of "every item"; a scale none of whose
        items was answered has no complete respondent.
    """
    if not raw.columns.is_unique:  # pragma: no cover - canonical tables have unique codes
        return _complete_answers_frame(raw)
    got = raw.notna().to_numpy()
    asked = got.any(axis=0)   # an item nobody answered was not asked: it does not count
    pos = {c: i for i, c in enumerate(raw.columns)}
    out = {}
    for s, items in SCALE_ITEMS.items():
        cols = [pos[c] for c in items if c in pos and asked[pos[c]]]
        out[s] = (got[:, cols].all(axis=1) if cols
                  else np.zeros(len(raw), dtype=bool))
    return pd.DataFrame(out, index=raw.index, dtype=bool)


def _complete_answers_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """:func:`complete_answers` column by column with pandas (repeated column names)."""
    got = raw.notna()
    asked = got.any(axis=0)
    out = {}
    for s, items in SCALE_ITEMS.items():
        cols = [c for c in items if c in raw.columns and bool(asked[c])]
        out[s] = got[cols].all(axis=1) if cols else pd.Series(False, index=raw.index)
    return pd.DataFrame(out, index=raw.index, dtype=bool)


def published_items(raw: pd.DataFrame) -> pd.DataFrame:
    """The item answers every published figure is computed from.

    Parameters
    ----------
    raw : pandas.DataFrame
        Item answers as :func:`toolkit.survey.scoring.clean_items` returns them (1..5,
        NaN = not answered, not reversed).

    Returns
    -------
    pandas.DataFrame
        Same shape; for each scale, the answers of a respondent who did not answer all of
        its items are NaN (items outside every scale, e.g. the blame claims, unchanged).
        Scale scores computed from it (:func:`toolkit.survey.scoring.scale_scores`) are
        the mean of all the scale's items, or NaN.

    Examples
    --------
    A respondent answering TRUST1 = 4, TRUST2 = 2 and skipping TRUST3 counts in no TRUST
    figure (his scale score would be 3.0 under the half rule; with it published beside
    the items' figures his answers could be worked out).
    """
    done = complete_answers(raw)
    if raw.columns.is_unique and (raw.dtypes == np.float64).all():
        # one float array, the partial answerers' cells set to NaN scale by scale (the
        # pandas .loc assignment per scale cost ~10 ms each, on every audit of a view)
        values = raw.to_numpy(dtype=np.float64, copy=True)
        pos = {c: i for i, c in enumerate(raw.columns)}
        for scale, items in SCALE_ITEMS.items():
            cols = [pos[c] for c in items if c in pos]
            partial = ~done[scale].to_numpy()
            if cols and partial.any():
                values[np.ix_(partial, cols)] = np.nan
        return pd.DataFrame(values, index=raw.index, columns=raw.columns)
    out = raw.copy()
    for scale, items in SCALE_ITEMS.items():
        cols = [c for c in items if c in out.columns]
        if cols:
            out.loc[~done[scale], cols] = float("nan")
    return out
