"""Smaller survey measures: communication frequency, blame claims, comments (SPEC §4.1)."""

from __future__ import annotations

import pandas as pd

from .. import method
from ..instrument import FREQ_CODE, FREQ_LEVELS, OPEN_ITEMS
from ..privacy import make_redactor
from .groups import REST, SIDE_NAMES, visibility

TIGHT_KNIT = ("daily", "several_weekly")
NOT_REGULAR = ("monthly", "rarely", "never")
#: Lowest answer that counts as agreeing (:data:`toolkit.method.THRESHOLDS`
#: ``agree_min_answer``).
AGREE_MIN = method.value("agree_min_answer")


def _counts_by_part(valid: pd.Series, side: pd.Series) -> tuple[int, int, int]:
    n = side[valid].value_counts()
    return int(n.get("sales", 0)), int(n.get("marketing", 0)), int(n.get(REST, 0))


def frequency(freq: pd.Series | None, side: pd.Series, min_size: int,
              side_shown: dict) -> tuple[dict, list]:
    """Communication frequency by side.

    Parameters
    ----------
    freq : pandas.Series or None
        ``FREQ`` answers of the reportable respondents (``daily`` … ``never``; others and
        empty are not counted).
    side : pandas.Series
        Side of each respondent (``sales``, ``marketing``, ``other_teams``), same index.
    min_size : int
        ``min_group_size``.
    side_shown : dict
        ``{"sales": bool, "marketing": bool, "all": bool}`` from the respondent-level rules.

    Returns
    -------
    section : dict
        ``{"levels", "n", "by_side": {side: {"n", "distribution": {level: share},
        "tight_knit_share", "not_regular_share"}}, "tight_knit_share",
        "not_regular_share"}`` — top-level shares are over all reportable respondents;
        ``tight_knit`` = daily or several times a week, ``not_regular`` = monthly, rarely
        or never (SPEC §4.1).
    records : list
        Suppression records of hidden sides.
    """
    empty = {"levels": list(FREQ_LEVELS), "n": None, "by_side": {},
             "tight_knit_share": None, "not_regular_share": None}
    if freq is None:
        return empty, []
    f = freq.astype("string").str.strip().str.lower()
    valid = f.isin(FREQ_LEVELS).fillna(False).astype(bool)
    n_s, n_m, n_r = _counts_by_part(valid, side)
    vis = visibility(n_s, n_m, n_r, min_size)
    out = dict(empty)
    records = []
    masks = {"sales": side == "sales", "marketing": side == "marketing",
             "all": pd.Series(True, index=side.index) if vis.include_rest else side != REST}
    for s in (*SIDE_NAMES, "all"):
        ok = vis.shown(s) and side_shown.get(s, False)
        if not ok:
            out["by_side"][s] = {"n": None, "distribution": None, "tight_knit_share": None,
                                 "not_regular_share": None}
            if side_shown.get(s, False) and s != "all":
                records.append({"where": "survey.frequency", "group": f"{s} side",
                                "reason": "few_answers"})
            continue
        x = f[valid & masks[s]]
        shares = x.value_counts(normalize=True).reindex(FREQ_LEVELS, fill_value=0.0)
        out["by_side"][s] = {
            "n": int(len(x)),
            "distribution": {k: float(v) for k, v in shares.items()},
            "tight_knit_share": float(shares[list(TIGHT_KNIT)].sum()),
            "not_regular_share": float(shares[list(NOT_REGULAR)].sum()),
        }
    a = out["by_side"]["all"]
    out["n"] = a["n"]
    out["tight_knit_share"] = a["tight_knit_share"]
    out["not_regular_share"] = a["not_regular_share"]
    return out, records


def claims(items: dict) -> dict:
    """Blame claims from the item results (SPEC §4.1).

    Parameters
    ----------
    items : dict
        ``survey.items`` as built by :mod:`toolkit.survey.measures` (needs
        ``CLAIM_LEADS`` and ``CLAIM_FOLLOW`` with ``by_side.<side>.agree_share``).

    Returns
    -------
    dict
        ``sales_blame_leads_share`` = share of the sales side agreeing (4–5) that most
        marketing leads are not worth working; ``marketing_blame_followup_share`` = share of
        the marketing side agreeing that sales gives up too early; ``blame_intensity`` =
        mean of the two; ``n`` = answers behind each; ``by_side`` = both claims' agreement
        shares on each side. None where hidden or not asked.
    """
    def side(code, s, key="agree_share"):
        return (((items.get(code) or {}).get("by_side") or {}).get(s) or {}).get(key)

    leads = side("CLAIM_LEADS", "sales")
    follow = side("CLAIM_FOLLOW", "marketing")
    return {
        "sales_blame_leads_share": leads,
        "marketing_blame_followup_share": follow,
        "blame_intensity": None if leads is None or follow is None else (leads + follow) / 2,
        "n": {"sales": side("CLAIM_LEADS", "sales", "n"),
              "marketing": side("CLAIM_FOLLOW", "marketing", "n")},
        "by_side": {s: {c: side(c, s) for c in ("CLAIM_LEADS", "CLAIM_FOLLOW")}
                    for s in (*SIDE_NAMES, "all")},
    }


#: Longest comment quoted in the outputs (characters); longer ones are cut and end in "…"
#: (review 13, L3: a 50 MB comment made a 62 MB report).
MAX_COMMENT = 2000


def comments(survey: pd.DataFrame, side: pd.Series, min_comment_size: int,
             known_names=(), *, quote_rest: bool = True) -> tuple[dict, list]:
    """Redacted free-text comments by side, only for groups large enough (SPEC §4.1, §8).

    Parameters
    ----------
    survey : pandas.DataFrame
        Reportable respondents with ``OPEN1`` / ``OPEN2`` when asked.
    side : pandas.Series
        Side per respondent (same index).
    min_comment_size : int
        ``min_comment_group_size``: a group's comments on a question are shown only when at
        least this many of its respondents wrote one (whether the lists can be combined
        with the theme counts to isolate fewer is then proven by
        :func:`toolkit.privacy_report.enforce_report`).
    known_names : iterable of str
        Names to redact (respondents, CRM owners); respondent ids are redacted too.
    quote_rest : bool
        Whether the teams outside sales and marketing may be quoted at all: ``False`` when
        one of them is hidden in the participation table, so their pooled comments are
        withheld (reason ``team_hidden``) however many they wrote — the rule the comment
        themes follow too (:func:`toolkit.survey.themes.comment_themes`).

    Returns
    -------
    section : dict
        ``{"min_group_size", "by_side": {side: {"OPEN1": [text, ...], "OPEN2": [...]}},
        "hidden_sides": [...]}``. Comments are sorted alphabetically so that one person's
        two answers cannot be linked by position.
    records : list
        Suppression records for sides whose comments are withheld.
    """
    present = [c for c in OPEN_ITEMS if c in survey]
    out = {"min_group_size": int(min_comment_size), "by_side": {}, "hidden_sides": []}
    if not present:
        return out, []
    names = [str(n) for n in known_names if isinstance(n, str)]
    if "respondent_id" in survey:
        ids = survey["respondent_id"].dropna().astype(str)
        names += [i for i in ids if len(i) > 2 and any(ch.isalpha() for ch in i)]
    scrub = make_redactor(names)
    records = []
    for s in (*SIDE_NAMES, REST):
        mask = side == s
        n = int(mask.sum())
        if n == 0:
            continue
        texts = {}
        for c in present:
            col = survey.loc[mask, c].astype("string").str.strip()
            col = col[col.notna() & (col != "")]
            long = col.str.len() > MAX_COMMENT  # a report quotes a comment, not a book
            if long.any():
                col = col.where(~long, col.str.slice(0, MAX_COMMENT - 1).str.rstrip() + "…")
            texts[c] = col.tolist()
        if not any(texts.values()):
            continue
        if s == REST and not quote_rest:
            for c, v in texts.items():
                if v:
                    records.append({"where": f"survey.comments.{c}", "group": "other teams",
                                    "reason": "team_hidden"})
            out["hidden_sides"].append(s)
            continue
        # the threshold counts the people who wrote a comment on the question, not the
        # group's respondents: six comments from a group of twenty are six people's words
        few = [c for c, v in texts.items() if 0 < len(v) < min_comment_size]
        shown = {c: v for c, v in texts.items() if len(v) >= min_comment_size}
        if few:
            group = s.replace("_", " ") if s == REST else f"{s} side"
            for c in few:
                records.append({"where": f"survey.comments.{c}", "group": group,
                                "reason": "few_for_comments"})
            if not shown:
                out["hidden_sides"].append(s)
        if shown:
            out["by_side"][s] = {c: sorted(scrub(t) for t in v) for c, v in shown.items()}
    return out, records
