"""``measure_survey``: every survey measure of SPEC §4.1 into ``results["survey"]``.

Reads the canonical survey table (SPEC §2.1; raw answers, reverse-keyed items not yet
reversed) and returns a JSON-safe dict. Anonymity (SPEC §8) is applied here, before anything
leaves the toolkit: see :mod:`toolkit.survey.groups` for the rules.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..jsonio import jsonable
from ..config import AnalysisSettings
from ..instrument import (CLAIM_ITEMS, FREQ_CODE, LIKERT_ITEMS, PILLAR_REVERSED_SCALES,
                          PILLARS, REVERSE_ITEMS, SCALE_ITEMS, SCALE_PILLAR, SCALES,
                          item_labels, scale_names)
from .answer_sets import published_items
from .compare import bh_adjust, compare_sides, mean_ci
from .dominance import dominance_drivers
from .groups import REST, SIDE_NAMES, assign_groups, participation, visibility
from .heatmap import scale_heatmap
from .psychometrics import reliability
from .spread import pillar_spread
from ..vocab import NO_SIDE_TEAMS, agree_is_unhealthy
from .scoring import clean_items, reverse_items, scale_scores, stage_of, stage_rank, to_index
from .sections import AGREE_MIN, claims, comments, frequency
from .themes import comment_themes

SIDES_ALL = (*SIDE_NAMES, "all")
_HIDDEN_STATS = {"n": None, "mean": None, "sd": None, "ci_low": None, "ci_high": None,
                 "index_0_100": None}


def _empty(settings: AnalysisSettings, warnings: list) -> dict:
    return {
        "min_group_size": settings.min_group_size,
        "min_comment_group_size": settings.min_comment_group_size,
        "respondents": {"sales": None, "marketing": None, "all": None},
        "participation": {"by_team": {}, "by_side": {}, "total": {"n": None,
                                                                    "headcount": None,
                                                                    "rate": None}},
        "scales": {}, "items": {}, "gaps": [], "pillars": {}, "maturity": None,
        "frequency": None, "claims": None, "drivers": None, "heatmap": None,
        "comments": {"min_group_size": settings.min_comment_group_size, "by_side": {},
                     "hidden_sides": [], "themes": None},
        "suppressed": [], "warnings": list(warnings),
    }


class _Figure:
    """Visibility of one figure (a scale or an item) combined with the respondent rules."""

    def __init__(self, values: pd.Series, side: pd.Series, shown: dict, k: int):
        valid = values.notna()
        n = side[valid].value_counts()
        self.vis = visibility(int(n.get("sales", 0)), int(n.get("marketing", 0)),
                              int(n.get(REST, 0)), k)
        self.respondent_shown = shown
        self.masks = {"sales": side == "sales", "marketing": side == "marketing",
                      "all": (pd.Series(True, index=side.index) if self.vis.include_rest
                              else side != REST)}

    def shown(self, s: str) -> bool:
        return self.vis.shown(s) and self.respondent_shown.get(s, False)

    @property
    def comparable(self) -> bool:
        return self.shown("sales") and self.shown("marketing")

    def records(self, where: str) -> list:
        return [{"where": where, "group": f"{s} side", "reason": "few_answers"}
                for s in SIDE_NAMES if self.respondent_shown.get(s) and not self.shown(s)]


def _stats(x: pd.Series) -> dict:
    st = mean_ci(x)
    st["index_0_100"] = to_index(st["mean"])
    return st


def _scales(scores, scored, side, shown, k, warnings, asked) -> tuple[dict, list]:
    out, records = {}, []
    names = scale_names()
    for scale, codes in SCALE_ITEMS.items():
        col = scores[scale]
        # the items the survey asked (a wave comparison compares a scale only when both
        # waves asked the same ones: attack 41, WV1)
        entry = {"name": names.get(scale, scale), "pillar": SCALE_PILLAR.get(scale),
                 "items": [c for c in codes if c in asked],
                 "items_not_asked": [c for c in codes if c not in asked], "n": None, "alpha": None, "alpha_ci": None, "omega": None,
                 "alpha_flag": None, "alpha_reason": None, "by_side": {},
                 "mann_whitney_u": None, "p": None,
                 "p_adj": None, "cliffs_delta": None, "cliffs_magnitude": None,
                 "gap": None}
        if col.notna().sum() == 0:
            warnings.append(f"Scale {scale} has no usable answers (not asked, or nobody "
                            "answered all of its items).")
            for s in SIDES_ALL:
                entry["by_side"][s] = dict(_HIDDEN_STATS)
            entry["alpha_reason"] = "the scale has no usable answers"
            out[scale] = entry
            continue
        fig = _Figure(col, side, shown, k)
        records += fig.records(f"survey.scales.{scale}")
        for s in SIDES_ALL:
            entry["by_side"][s] = (_stats(col[fig.masks[s]]) if fig.shown(s)
                                   else dict(_HIDDEN_STATS))
        if fig.shown("all"):
            rel = reliability(scored.loc[fig.masks["all"], entry["items"] or codes])
            entry.update(n=entry["by_side"]["all"]["n"], alpha=rel["alpha"],
                         alpha_ci=rel["alpha_ci"], omega=rel["omega"],
                         alpha_flag=rel["alpha_flag"], reliability_n=rel["n"],
                         alpha_reason=rel.get("alpha_reason"))
            if rel["alpha_flag"]:
                warnings.append(f"Scale {scale}: Cronbach's alpha {rel['alpha']:.3f} is below "
                                "0.6; read its score with caution.")
        if fig.comparable:
            entry.update(compare_sides(col[fig.masks["sales"]], col[fig.masks["marketing"]]))
            entry["gap"] = entry["by_side"]["sales"]["mean"] - entry["by_side"]["marketing"]["mean"]
        out[scale] = entry
    for scale, p_adj in zip(out, bh_adjust([out[s]["p"] for s in out])):
        out[scale]["p_adj"] = p_adj
    return out, records


def _distribution(x: pd.Series) -> dict:
    counts = np.bincount(np.asarray(x, dtype=int), minlength=6)[1:6]
    return {str(k): float(c / counts.sum()) for k, c in zip(range(1, 6), counts)}


def _items(raw, side, shown, k) -> tuple[dict, list]:
    out, records = {}, []
    labels = item_labels()
    for code in LIKERT_ITEMS:
        col = raw[code]
        scale = code if code in CLAIM_ITEMS else code.rstrip("0123456789")
        entry = {"scale": scale, "label": labels.get(code, code),
                 "reverse": code in REVERSE_ITEMS,
                 "agree_is_unhealthy": agree_is_unhealthy(code, code in REVERSE_ITEMS),
                 "by_side": {}, "gap": None,
                 "mann_whitney_u": None, "p": None, "p_adj": None, "cliffs_delta": None,
                 "cliffs_magnitude": None}
        fig = _Figure(col, side, shown, k)
        if col.notna().sum():
            records += fig.records(f"survey.items.{code}")
        for s in SIDES_ALL:
            if fig.shown(s) and col[fig.masks[s]].notna().any():
                x = col[fig.masks[s]].dropna()
                entry["by_side"][s] = {"n": int(len(x)), "mean": float(x.mean()),
                                       "agree_share": float((x >= AGREE_MIN).mean()),
                                       "distribution": _distribution(x)}
            else:
                entry["by_side"][s] = {"n": None, "mean": None, "agree_share": None,
                                       "distribution": None}
        if fig.comparable:
            entry.update(compare_sides(col[fig.masks["sales"]], col[fig.masks["marketing"]]))
            entry["gap"] = entry["by_side"]["sales"]["mean"] - entry["by_side"]["marketing"]["mean"]
        out[code] = entry
    for code, p_adj in zip(out, bh_adjust([out[c]["p"] for c in out])):
        out[code]["p_adj"] = p_adj
    return out, records


def _gaps(items: dict) -> list:
    rows = [{"item": c, "scale": e["scale"], "label": e["label"], "reverse": e["reverse"],
             "agree_is_unhealthy": e["agree_is_unhealthy"],
             "gap": e["gap"], "sales_mean": e["by_side"]["sales"]["mean"],
             "marketing_mean": e["by_side"]["marketing"]["mean"],
             "cliffs_delta": e["cliffs_delta"], "cliffs_magnitude": e["cliffs_magnitude"],
             "p_adj": e["p_adj"]}
            for c, e in items.items() if e["gap"] is not None]
    rows.sort(key=lambda r: (-abs(r["gap"]), r["item"]))
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
    return rows


def _pillars(scales: dict, warnings: list) -> dict:
    out = {}
    for pillar, members in PILLARS.items():
        entry = {"scales": members, "overall": None, "by_side": {}}
        for s in SIDES_ALL:
            vals = []
            for sc in members:
                m = scales.get(sc, {}).get("by_side", {}).get(s, {}).get("mean")
                if m is not None:
                    vals.append(to_index(6.0 - m if sc in PILLAR_REVERSED_SCALES else m))
            value = float(np.mean(vals)) if vals else None
            if vals and len(vals) < len(members) and s == "all":
                warnings.append(f"Pillar {pillar}: computed from {len(vals)} of its "
                                f"{len(members)} scales.")
            if s == "all":
                entry["overall"] = value
            else:
                entry["by_side"][s] = value
        sa, ma = entry["by_side"].get("sales"), entry["by_side"].get("marketing")
        entry["gap"] = None if sa is None or ma is None else sa - ma
        out[pillar] = entry
    return out


def _maturity(scales: dict) -> dict:
    mat = scales.get("MAT", {}).get("by_side", {})
    def block(s):
        m = (mat.get(s) or {}).get("mean")
        return {"n": (mat.get(s) or {}).get("n"), "mean": m, "stage": stage_of(m),
                "index_0_100": to_index(m)}
    allb = block("all")
    by_side = {s: block(s) for s in SIDE_NAMES}
    rs, rm = (stage_rank(by_side[s]["stage"]) for s in SIDE_NAMES)
    ms, mm = by_side["sales"]["mean"], by_side["marketing"]["mean"]
    return {"n": allb["n"], "mean": allb["mean"], "stage": allb["stage"],
            "index_0_100": allb["index_0_100"], "by_side": by_side,
            "stage_gap": None if rs is None or rm is None else rs - rm,
            "mean_gap": None if ms is None or mm is None else ms - mm,
            "cliffs_delta": scales.get("MAT", {}).get("cliffs_delta"),
            "p_adj": scales.get("MAT", {}).get("p_adj")}


def measure_survey(survey: pd.DataFrame | None, *, settings: AnalysisSettings,
                   headcount: dict | None = None, known_names: Sequence[str] = (),
                   codebook: Sequence | None = None) -> dict:
    """Compute every survey measure of SPEC §4.1 with the privacy rules of §8.

    Parameters
    ----------
    survey : pandas.DataFrame or None
        Canonical survey table (SPEC §2.1): ``respondent_id``, ``team``, item codes as
        float64 1..5 (NaN = missing; raw, not reversed), ``FREQ``, optional ``OPEN1`` /
        ``OPEN2``. Item columns may be absent (not asked).
    settings : AnalysisSettings
        ``min_group_size`` and ``min_comment_group_size`` are used.
    headcount : dict, optional
        ``{team: people}`` for participation rates (``client.headcount``).
    known_names : sequence of str
        Names to redact from comments (respondents, CRM owners).
    codebook : list of (theme, keywords), optional
        A consultant's comment codebook (:func:`toolkit.survey.themes.load_codebook`); when
        given it replaces the automatic comment themes.

    Returns
    -------
    dict
        JSON-safe ``results["survey"]``: ``respondents``, ``participation``, ``scales``,
        ``items``, ``gaps``, ``pillars``, ``maturity``, ``frequency``, ``claims``,
        ``drivers`` (general dominance, :mod:`toolkit.survey.dominance`), ``heatmap``
        (:mod:`toolkit.survey.heatmap`), ``comments`` (with ``themes``,
        :mod:`toolkit.survey.themes`), ``suppressed``, ``warnings``,
        ``min_group_size``, ``min_comment_group_size``. Hidden figures are None and their
        n is not given. Never raises for too little data.
    """
    k = settings.min_group_size
    if survey is None or len(survey) == 0:
        return _empty(settings, ["No survey responses were provided."])
    g = assign_groups(survey, k)
    out = _empty(settings, g.warnings)
    out["suppressed"] = list(g.suppressed)
    warnings = out["warnings"]
    shown = {s: g.shown(s) for s in SIDES_ALL}
    out["respondents"] = {s: (int(g.mask(s).sum()) if shown[s] else None) for s in SIDES_ALL}
    part, part_recs = participation(survey, g, k, headcount)
    out["participation"] = part
    out["suppressed"] += part_recs
    # the teams outside sales and marketing are quoted (comment lists, comment themes) only
    # when none of them is hidden in the participation table: a quote of their pool would
    # speak for a team the report hides
    quote_rest = not any(r.get("where") == "survey.participation"
                         and r.get("group") in NO_SIDE_TEAMS for r in part_recs)
    over = [k2 for k2, v in {**part["by_team"], **part["by_side"]}.items()
            if v.get("rate") is not None and v["rate"] > 1]
    if over:
        warnings.append(f"More respondents than headcount for {', '.join(over)}: check "
                        "client.headcount (give sales_side / marketing_side for whole sides).")
    if not g.all_shown:
        return jsonable(out)

    df = survey.loc[g.reportable]
    side = g.side[g.reportable]
    raw, n_invalid = clean_items(df)
    if n_invalid:
        warnings.append(f"{n_invalid} answers outside 1..5 (e.g. 'don't know' coded 6) were "
                        "treated as missing.")
    # the items asked: answered by someone (complete_answers' rule: an item nobody answered
    # was not asked, and the scale is computed without it; attack 42, WV2)
    asked = set(raw.columns[raw.notna().any().to_numpy()])
    # a scale and its items are published on the same respondents: those who answered
    # every item of the scale (survey.answer_sets: otherwise their difference discloses
    # a partial answerer's answers)
    raw = published_items(raw)
    missing = [c for c in LIKERT_ITEMS if c not in survey]
    if missing:
        warnings.append(f"Items not in the survey data: {', '.join(missing)}.")
    blank = [c for c in LIKERT_ITEMS if c in survey and c not in asked]
    if blank:
        warnings.append(f"Items nobody answered (left out of their scales): "
                        f"{', '.join(blank)}.")
    scored = reverse_items(raw)
    scores = scale_scores(scored)
    # (the drivers and the comment themes are computed here: forked workers for them cost
    # more CPU than they moved off this process — measured, docs/benchmarks.md, issue 18)

    out["scales"], recs = _scales(scores, scored, side, shown, k, warnings, asked)
    out["suppressed"] += recs
    out["items"], recs = _items(raw, side, shown, k)
    out["suppressed"] += recs
    out["gaps"] = _gaps(out["items"])
    out["pillars"] = _pillars(out["scales"], warnings)
    masks = {"sales": side == "sales", "marketing": side == "marketing",
             "all": pd.Series(True, index=side.index)}
    for pillar, spread in pillar_spread(scores, masks, out["pillars"]).items():
        out["pillars"][pillar]["spread"] = spread   # for wave comparisons (SPEC §12)
    out["maturity"] = _maturity(out["scales"])
    out["frequency"], recs = frequency(df[FREQ_CODE] if FREQ_CODE in df else None, side, k,
                                       shown)
    out["suppressed"] += recs
    if FREQ_CODE not in df:
        warnings.append("Communication frequency (FREQ) was not asked.")
    out["claims"] = claims(out["items"])
    out["drivers"] = dominance_drivers(scores)
    warnings += out["drivers"].pop("warnings")
    out["heatmap"], recs = scale_heatmap(scores, df, side, min_size=k)
    out["suppressed"] += recs
    out["comments"], recs = comments(df, side, settings.min_comment_group_size, known_names,
                                     quote_rest=quote_rest)
    out["suppressed"] += recs
    out["comments"]["themes"], recs = comment_themes(
        df, side, min_size=settings.min_comment_group_size, known_names=known_names,
        codebook=codebook, quote_rest=quote_rest)
    out["suppressed"] += recs
    if not g.comparable:
        warnings.append("Side comparisons (gaps, Cliff's delta, tests) are not reported.")
    return jsonable(out)
