"""Report sections of the survey analytics: drivers of an effective relationship (general
dominance), groups against the whole (heatmap), comment themes, and their methods for the
appendix. Reads ``results["survey"]`` only; plain words in the body, methods and sources in
:func:`render_methods`.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from ..charts import survey_analytics as charts
from ..vocab import FREEDOM_FROM_CONFLICT  # the conflict scale's healthy mirror (re-exported)
from .display import Rendered, renders, emit, fmt_pct, show_figure, show_markdown, show_table
from ..formatting import half_up
from .safe import md_text

PILLAR_WORDS = {"politics": "Company politics (fairness, trust, conflict, leadership support)",
                "incentives": "Incentives (shared goals and rewards)",
                "communication": "Communication (flow, quality, definitions, feedback)"}
SIDE_WORD = {"sales": "Sales side", "marketing": "Marketing side", "all": "Everyone"}


def _sv(results: dict) -> dict | None:
    sv = results.get("survey")
    if not sv or (sv.get("respondents") or {}).get("all") is None:
        return None
    return sv


def _names(sv: dict) -> dict:
    """Scale and pillar names as the report's charts show them (conflict as its healthy
    mirror, "Freedom from conflict and blame", higher = healthier)."""
    names = {sc: e.get("name", sc) for sc, e in (sv.get("scales") or {}).items()}
    names.update(PILLAR_WORDS)
    names["CONF"] = FREEDOM_FROM_CONFLICT
    return names


def drivers_takeaway(dr: dict, names: dict) -> str:
    """One plain sentence on the leading driver(s), with the interval."""
    p = dr["predictors"]
    top = p[0]
    def name(p):
        return names.get(p["scale"], p["scale"])

    text = (f"{name(top)} goes with the largest share — "
            f"{half_up(top['share'], 2):.0%} (95% interval {half_up(top['share_ci'][0], 2):.0%}–"
            f"{half_up(top['share_ci'][1], 2):.0%})")
    if len(p) > 1:
        nxt = p[1]
        text += (f", then {name(nxt)} "
                 f"({half_up(nxt['share'], 2):.0%}, {half_up(nxt['share_ci'][0], 2):.0%}–{half_up(nxt['share_ci'][1], 2):.0%})")
    return text + "."


@renders
def render_drivers(results: dict) -> Rendered:
    """What goes with seeing the relationship as effective (general dominance, plain words)."""
    sv = _sv(results)
    if sv is None:
        return
    dr = sv.get("drivers") or {}
    show_markdown("**What goes with an effective relationship.** Three statements asked how "
                  "well sales and marketing work together. The question here: which of the "
                  "other scores rise and fall with that judgement?")
    if isinstance(dr, list) and dr:
        _legacy_betas(sv, dr)
        return
    if not isinstance(dr, dict) or dr.get("status") != "ok":
        reason = (dr or {}).get("reason") if isinstance(dr, dict) else None
        show_markdown(f"*Not assessed: "
                      f"{md_text(reason or 'no driver analysis in these results.')}*")
        return
    names = _names(sv)
    what = ("the eleven scales" if dr["level"] == "scale" else
            "the three pillar scores (too few respondents for all eleven scales)")
    d = pd.DataFrame([{"label": names.get(p["scale"], p["scale"]),
                       "share": p["share"],
                       "ci_low": p["share_ci"][0], "ci_high": p["share_ci"][1]}
                      for p in dr["predictors"]])
    ax = charts.plot_dominance(data=d)
    show_figure(ax, alt="Horizontal bars: each factor's share of the differences in "
                "perceived effectiveness that the factors explain together, with 95% "
                "intervals.", takeaway=drivers_takeaway(dr, names))
    show_markdown(
        f"Together, {what} account for {half_up(dr['r2'], 2):.0%} of the differences between people in "
        f"how effective they find the relationship (95% interval {half_up(dr['r2_ci'][0], 2):.0%}–"
        f"{half_up(dr['r2_ci'][1], 2):.0%}; {dr['n']} respondents who answered every question). The "
        "bars split that explained part between the factors, crediting shared influence "
        "fairly. This shows association, not proof of cause: read it as where a change is "
        "most likely to be felt.")


def _legacy_betas(sv: dict, drivers: list) -> None:
    """A results.json written before dominance analysis: its standardized betas, as judged."""
    names = _names(sv)
    model = sv.get("drivers_model") or {}
    rows = [{"Factor": names.get(d.get("scale"), d.get("scale")),
             "Standardized coefficient": f"{half_up(d['beta'], 2):+.2f}",
             "95% interval": f"{half_up(d['ci'][0], 2):+.2f} to {half_up(d['ci'][1], 2):+.2f}"}
            for d in drivers if d.get("beta") is not None and d.get("ci")]
    show_table(pd.DataFrame(rows), caption=(
        f"Standardized regression coefficients on perceived effectiveness (n = "
        f"{model.get('n')}); these results were produced by an earlier version of the "
        "toolkit, before the drivers were measured by dominance analysis"))


#: Tenure bands and level codes of the survey, as a column header reads them.
_GROUP_WORDS = {"<1y": "Under 1 year", "1-3y": "1–3 years", "3-5y": "3–5 years",
                "5y+": "5+ years", ">5y": "Over 5 years", "5+y": "5+ years"}


def _group_word(group) -> str:
    """A heatmap group's name for its column header (codes in words, first letter up)."""
    text = str(group)
    text = _GROUP_WORDS.get(text, text.replace("_", " "))
    return text[:1].upper() + text[1:]


def _heat_rows(hm: dict) -> pd.DataFrame:
    rows = []
    names = hm.get("scale_names") or {}
    for dim, d in (hm.get("dimensions") or {}).items():
        for grp in d["groups"]:
            # client text reaches matplotlib: no mathtext ($...$) from a region name
            label = f"{d['label']}: {grp['group']} (n = {grp['n']})".replace("$", r"\$")
            for s in hm["scales"]:
                c = grp["cells"].get(s)
                col = FREEDOM_FROM_CONFLICT if s == "CONF" else names.get(s, s)
                sign = -1.0 if s == "CONF" else 1.0   # the healthy mirror: higher = healthier
                rows.append({"row": label, "scale": s, "column": col,
                             "diff": (float("nan") if not c or c["diff"] is None
                                      else sign * c["diff"]),
                             "marked": bool(c and c["marked"]), "shown": c is not None,
                             "dimension": d["label"], "group": _group_word(grp["group"]),
                             "n": grp["n"]})
    return pd.DataFrame(rows, columns=["row", "scale", "column", "diff", "marked", "shown",
                                       "dimension", "group", "n"])


def heatmap_takeaway(hm: dict) -> str:
    """The clear differences in one or two sentences (largest first)."""
    names = {**(hm.get("scale_names") or {}), "CONF": FREEDOM_FROM_CONFLICT}
    found = []
    for d in (hm.get("dimensions") or {}).values():
        for grp in d["groups"]:
            for s, c in grp["cells"].items():
                if c and c["marked"]:
                    sign = -1 if s == "CONF" else 1   # conflict named as its healthy mirror
                    found.append((abs(c["diff"]), _group_word(grp["group"]),
                                  d["label"].lower(), s, sign * c["diff"]))
    if not found:
        return ("No group differs clearly from the company as a whole on any score, once the "
                "number of comparisons is allowed for.")
    found.sort(key=lambda f: (-f[0], f[1], f[3]))
    parts = []
    for _, grp, dim, s, diff in found[:4]:
        word = "higher" if diff > 0 else "lower"
        parts.append(f"{grp} ({dim}) {word} on {names.get(s, s).lower()} "
                     f"({half_up(diff):+.0f} points)")
    more = f"; {len(found) - 4} more in the chart" if len(found) > 4 else ""
    return "Clear differences from the whole: " + "; ".join(parts) + more + "."


@renders
def render_heatmap(results: dict) -> Rendered:
    """Scale scores by level, tenure and region against the whole."""
    sv = _sv(results)
    if sv is None:
        return
    hm = sv.get("heatmap") or {}
    show_markdown("**Where groups differ from the company as a whole.**")
    if hm.get("status") != "ok":
        reason = hm.get("reason") or "no group breakdown in these results."
        show_markdown(f"*Not assessed: {md_text(reason)}*")
        return
    d = _heat_rows(hm)
    if d.empty or not d["shown"].any():
        show_markdown(f"*No group of level, tenure or region has at least "
                      f"{hm.get('min_group_size')} respondents that can be shown.*")
        return
    if not d["marked"].any():  # nothing differs: one sentence, no grid of grey numbers
        show_markdown(heatmap_takeaway(hm) + " Groups compared: by "
                      + ", ".join(x["label"].lower() for x in hm["dimensions"].values())
                      + ".")
        return
    ax = charts.plot_group_heatmap(data=d, healthier_when_lower=())   # conflict mirrored
    show_figure(ax, alt="Heatmap: rows are the survey scores, columns the groups by level, "
                "tenure and region; each cell is the group's score minus everyone's score in "
                "points on the 0 to 100 scale. Only clear differences are coloured: green "
                "healthier, red less healthy. Grey cells are hidden for anonymity.",
                takeaway=heatmap_takeaway(hm), min_pt=charts.HEAT_MIN_PT)
    show_markdown(
        f"Each cell is the group's score minus everyone's score, in points out of 100. "
        f"Coloured cells are differences that hold after allowing for the {hm['n_cells']} "
        "comparisons made; uncoloured numbers could be chance. Grey cells and missing groups "
        f"are hidden because fewer than {hm['min_group_size']} people are in them, or "
        "because showing them would let a smaller group be worked out by subtraction.")


def _share(v) -> str:
    return "—" if v is None else f"{half_up(v, 2):.0%}"


@renders
def render_themes(results: dict) -> Rendered:
    """Comment themes per open question: shares by side and redacted examples."""
    sv = _sv(results)
    if sv is None:
        return
    th = ((sv.get("comments") or {}).get("themes")) or {}
    qs = th.get("questions") or {}
    if not qs:
        return
    how = ("grouped with the consultant's codebook" if th.get("method") == "codebook" else
           "grouped automatically by the words they share (no text left this computer)")
    show_markdown(f"**What people wrote.** Comments {how}; names, e-mail addresses and "
                  "phone numbers removed.")
    for q, qq in qs.items():
        if qq.get("status") != "ok":
            if qq.get("status") != "not_asked":   # the question's text is the client's
                show_markdown(f"*{md_text(qq.get('prompt') or q)}: not enough comments to "
                              f"group ({md_text(qq.get('reason') or '')})*")
            continue
        emit(HTML(themes_table(qq)))


def _label(text: str) -> str:
    return text[:1].upper() + text[1:]


#: Example comments quoted per theme.
EXAMPLES_PER_THEME = 2


def _examples(examples: list[str]) -> list[str]:
    """At most :data:`EXAMPLES_PER_THEME` examples, the most substantive (longest) first,
    never one that is mostly contact details (a redaction marker in it)."""
    keep = [e for e in dict.fromkeys(examples or []) if e and "removed]" not in e]
    return sorted(keep, key=lambda e: -len(e))[:EXAMPLES_PER_THEME]


def themes_table(qq: dict) -> str:
    """HTML table of one question's themes: shares by side and example comments.

    Every value from the results (labels, comments) is escaped here.
    """
    sides = (qq.get("sides") or []) + ["all"]
    esc = html.escape
    left = "style='text-align:left;vertical-align:top'"
    num = "style='text-align:right;vertical-align:top;white-space:nowrap'"
    head = "".join(f"<th {num}>{esc(SIDE_WORD[s])}</th>" for s in sides)
    body = []
    for t in qq["themes"]:
        cells = "".join(f"<td {num}>{_share(t['share'].get(s))}</td>" for s in sides)
        ex = "".join(f"<li>“{esc(e)}”</li>" for e in _examples(t["examples"])) \
            or "<li>—</li>"
        body.append(f"<tr><td {left}><strong>{esc(_label(t['label']))}</strong></td>{cells}"
                    f"<td {left}><ul style='margin:0;padding-left:1.1em'>{ex}</ul></td></tr>")
    other = (qq.get("other_share") or {}).get("all")
    cap = (f"{qq.get('prompt')} — {qq.get('n_comments')} comments; share of each side's "
           "comments per theme")
    nb = qq.get("n_by_side") or {}
    if len(sides) == 3 and nb.get("all", 0) > sum(nb.get(s, 0) for s in sides[:2]):
        cap += " ('Everyone' also counts people outside sales and marketing)"
    if other:
        cap += f"; {fmt_pct(other)} fit no theme shown"
    return (f"<p class='caption'>{esc(cap)}</p><table class='table themes'><thead><tr>"
            f"<th {left}>Theme (its most used words)</th>{head}<th {left}>For example</th>"
            "</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _threshold(results: dict, name: str, default: float) -> float:
    """A threshold as recorded in ``results["method"]`` (so old results read as judged)."""
    for row in ((results.get("method") or {}).get("thresholds") or []):
        if row.get("name") == name and row.get("value") is not None:
            return row["value"]
    return default


@renders
def render_methods(results: dict) -> Rendered:
    """Appendix: methods and sources of drivers, heatmap and comment themes."""
    sv = results.get("survey") or {}
    per_theme = _threshold(results, "themes_comments_per_theme", 10)
    cosine = _threshold(results, "themes_distinct_cosine", 0.35)
    dr = sv.get("drivers") if isinstance(sv.get("drivers"), dict) else {}
    hm = sv.get("heatmap") or {}
    th = (sv.get("comments") or {}).get("themes") or {}
    min_n = (dr or {}).get("min_n_per_predictor") or _threshold(
        results, "drivers_min_n_per_predictor", 10)
    show_markdown(
        "**Drivers of perceived effectiveness (general dominance).** Outcome: perceived "
        "effectiveness (the three statements on how well the teams work together). "
        "Predictors: the eleven pillar scales, or the three pillar scores when fewer than "
        f"{min_n} complete respondents per scale are available; no analysis below "
        f"{3 * min_n} (at least {min_n} observations per predictor: Harrell 2015, "
        "*Regression Modeling Strategies*, §4.4). Each predictor's weight is its general "
        "dominance (Budescu 1993; Azen & Budescu 2003): its R² gain averaged over every "
        "sub-model of the other predictors (all 2ᵖ subsets), which equals the Shapley value "
        "of R² (Lipovetsky & Conklin 2001; Grömping 2007). Weights add up to the full R²; "
        "shares are weight / R². 95% intervals: percentile bootstrap of respondents "
        f"({(dr or {}).get('n_boot', 1000)} resamples, seed {(dr or {}).get('seed', '—')}). "
        "These replace standardized betas, which split shared influence arbitrarily when "
        "the scales are correlated.\n\n"
        "**Groups against the whole (heatmap).** Cell = group mean − overall mean of the "
        "scale, ×25 to read on 0–100. Test: Welch's t-test of the group against everyone "
        "else; p-values adjusted by Benjamini–Hochberg (1995) over all shown cells (false "
        "discovery "
        f"rate {hm.get('alpha', 0.05):g}); a cell is coloured only when its adjusted p is "
        "below that rate, and its interval is the false-coverage-rate adjusted interval of "
        "Benjamini & Yekutieli (2005), which then excludes zero. Anonymity: in every "
        "breakdown groups under the threshold are hidden, and so is the next-smallest group "
        "where needed so that no hidden group can be worked out from the total (also per "
        "scale, counting only the people who answered it); respondents without a value count "
        "as a group of their own.\n\n"
        "**Comment themes.** Offline: comments are redacted, then grouped by non-negative "
        "matrix factorization (scikit-learn; Kullback–Leibler divergence, Lee & Seung 2001) "
        "of their word frequencies; the number of themes is the largest for which themes "
        "keep distinct words (cosine similarity of their word profiles below "
        f"{cosine:g}; a rule of thumb calibrated on generated comments with planted themes), "
        f"at most 8 and at least {per_theme:g} comments per theme, from a fixed seed "
        f"({th.get('seed', '—')}), so the same comments give the same themes. A consultant's "
        "codebook (theme → keywords) replaces the automatic themes when given. Themes are "
        f"formed only for questions with at least {2 * per_theme:g} comments; a side's "
        "shares only when it "
        "wrote at least the comment threshold "
        f"({th.get('min_group_size', sv.get('min_comment_group_size', 8))}), and examples "
        "come only from groups that large.")
