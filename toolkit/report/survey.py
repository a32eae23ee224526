"""Report sections of the survey (SPEC §4.1). Reads ``results["survey"]`` only.

Public renderers (each takes the whole results dict):
``render`` (everything, in order), ``render_participation`` (who answered + the anonymity
line), ``render_politics``, ``render_incentives``, ``render_communication``,
``render_maturity``, ``render_gaps``, ``render_claims``, ``render_drivers``,
``render_heatmap``, ``render_comments``, ``render_reliability`` (drivers, heatmap and comment
themes are drawn by :mod:`toolkit.report.survey_analytics`).
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from . import survey_analytics as analytics
from ..charts import survey as charts
from ..instrument import PILLARS, SCALE_ITEMS
from ..vocab import agree_is_unhealthy
from .pillars import parts_sentence, survey_part_label
from .display import (Rendered, renders, emit, fmt_num, fmt_p, fmt_pct, show_figure, show_markdown, show_not_assessed,
                      show_table)
from ..formatting import half_up

SIDE_WORD = {"sales": "sales side", "marketing": "marketing side", "all": "all respondents"}
TEAM_WORD = {"sales": "Sales", "sales_development": "Sales development",
             "marketing": "Marketing", "revops": "Revenue operations",
             "leadership": "Leadership", "other": "Other teams"}
PILLAR_TITLE = {"politics": "Company politics", "incentives": "Incentives",
                "communication": "Communication"}
from .survey_analytics import FREEDOM_FROM_CONFLICT  # noqa: E402  (re-exported)


def _plain(label: str) -> str:
    """An item label without the instrument's "(R)" marker."""
    return label[:-4].rstrip() if label.endswith("(R)") else label


def _survey(results: dict, title: str) -> dict | None:
    sv = results.get("survey")
    if not sv:
        reasons = [w for w in (results.get("data") or {}).get("warnings") or []
                   if "survey" in w.lower()] or ["No survey data."]
        show_not_assessed(title, reasons)
        return None
    if sv.get("respondents", {}).get("all") is None:
        show_not_assessed(title, sv.get("warnings") or ["Too few respondents to report."])
        return None
    return sv


def _population(sv: dict, *, with_all: bool = False) -> str:
    """The survey population a chart shows, named once in its title."""
    r = sv.get("respondents") or {}
    if _comparable(sv):
        text = f"sales side n = {r.get('sales')}, marketing side n = {r.get('marketing')}"
        return text + (f", all respondents n = {r.get('all')}" if with_all else "")
    return f"all survey respondents, n = {r.get('all')}"


def _comparable(sv: dict) -> bool:
    r = sv.get("respondents") or {}
    return r.get("sales") is not None and r.get("marketing") is not None


#: Hidden groups as the report names them (team and level codes in words).
GROUP_WORDS = {"revops": "revenue operations", "other": "other teams",
               "sales_development": "sales development", "executive": "executives",
               "manager": "managers", "individual": "individual contributors",
               "leadership": "leadership", "other teams": "other teams"}


def group_words(groups) -> list[str]:
    """Hidden groups in plain words, each once: codes named, lists ("revops, leadership and
    other teams") split, so no group is named twice in one sentence."""
    import re

    out: list[str] = []
    for g in groups:
        for atom in re.split(r",\s*|\s+and\s+", str(g)):
            atom = atom.strip()
            if atom:
                word = GROUP_WORDS.get(atom, atom.replace("_", " "))
                if word not in out:
                    out.append(word)
    return out


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


#: The views a suppression record's ``where`` names, in words.
_VIEW_WORDS = {"participation": "the participation table", "heatmap": "the breakdown by {}",
               "scales": "the side figures", "items": "the side figures",
               "frequency": "the side figures", "pillars": "the side figures",
               "drivers": "the drivers analysis"}


def _view(where: str) -> str:
    """The report view a suppression record applies to, in words ("the breakdown by
    level", "the participation table")."""
    parts = str(where or "").split(".")
    if len(parts) >= 3 and parts[1] == "heatmap":
        return f"the breakdown by {parts[2].replace('_', ' ')}"
    if len(parts) >= 2 and parts[1] in _VIEW_WORDS:
        return _VIEW_WORDS[parts[1]]
    return "the figures"


def _scale_word(sv: dict, code: str) -> str:
    """A scale's name in words (never its code); the conflict scale as the report names it."""
    if code == "CONF":
        return "conflict and blame"
    name = ((sv.get("scales") or {}).get(code) or {}).get("name")
    return str(name).lower() if name else "one theme"


def hidden_sentences(records, sv: dict, min_size: int = 5, min_comment: int = 8,
                     shown_teams=()) -> list[str]:
    """What the anonymity rule hid, view by view, in sentences a reader can check against
    every table (partner review 16c: a group listed as hidden must not appear in a table the
    sentence does not name).

    Parameters
    ----------
    records : iterable of dict
        Suppression records ``{where, group, reason}`` (``survey.suppressed`` or
        ``data.suppressed``).
    sv : dict
        The survey section (scale names).
    min_size, min_comment : int
        The anonymity thresholds for figures and for comments.
    shown_teams : iterable of str
        Groups (in words) the participation table shows: a group whose comments are
        withheld is said to be counted there.

    Returns
    -------
    list of str
        One sentence per reason: hidden (fewer than *min_size*), hidden by subtraction,
        hidden on single themes, comments withheld (fewer than *min_comment* wrote one),
        comments not quoted (a team of theirs hidden in the participation table).
    """
    records = [r for r in records or [] if isinstance(r, dict)]
    asked = {"OPEN1": "“Biggest obstacle”", "OPEN2": "“One thing to change”"}
    questions: dict[str, list[str]] = {}            # comment group -> questions withheld
    for r in records:
        q = next((x for x in str(r.get("where") or "").split(".") if x in asked), None)
        if q and r.get("reason") in ("few_for_comments", "team_hidden"):
            for g in group_words([r.get("group")]):
                if asked[q] not in questions.setdefault(g, []):
                    questions[g].append(asked[q])
    by: dict[str, dict[str, list[str]]] = {}        # reason -> view -> groups
    themes: dict[tuple[str, str, str], list[str]] = {}  # (group, view, reason) -> scales
    for r in records:
        # a record without a reason (older results) reads as hidden below the threshold
        reason, where = r.get("reason") or "below_threshold", str(r.get("where") or "")
        view = "comments" if ".comments." in where else _view(where)
        for g in group_words([r.get("group")]):
            if reason in ("few_answers", "complementary_answers"):
                code = where.split(".")[-1]
                names = themes.setdefault((g, view, reason), [])
                word = _scale_word(sv, code) if code.isupper() else ""
                if word and word not in names:
                    names.append(word)
                continue
            groups = by.setdefault(reason or "", {}).setdefault(view, [])
            if g not in groups:
                groups.append(g)

    def listed(d: dict[str, list[str]], skip=()) -> str:
        """ "a and b (view 1 and view 2); c (view 3)": groups hidden in the same views
        named together."""
        views: dict[str, list[str]] = {}
        for v, gs in d.items():
            for g in gs:
                if g not in skip and v not in views.setdefault(g, []):
                    views[g].append(v)
        same: dict[tuple[str, ...], list[str]] = {}
        for g, vs in views.items():
            same.setdefault(tuple(vs), []).append(g)
        return "; ".join(f"{_and(gs)} ({_and(list(vs))})" for vs, gs in same.items())

    def groups_of(reason: str) -> list[str]:
        return list(dict.fromkeys(g for gs in (by.get(reason) or {}).values() for g in gs))

    out = []
    prim = groups_of("below_threshold")
    if prim:
        out.append(f"Hidden for anonymity: {listed(by['below_threshold'])} — fewer than "
                   f"{min_size} respondents.")
    comp = listed(by.get("complementary") or {}, skip=prim)
    if comp:
        out.append(f"Also hidden: {comp}, so that a hidden group cannot be worked out by "
                   "subtracting the shown groups from the total.")
    per_view: dict[tuple[str, tuple[str, ...], str], list[str]] = {}
    for (g, view, why), names in themes.items():
        per_view.setdefault((view, tuple(names), why), []).append(g)
    for (view, names, why), gs in per_view.items():
        one = len(gs) == 1 and not gs[0].endswith(("es", "rs", "ms", "ts"))
        out.append(f"In {view}, {_and(gs)} {'is' if one else 'are'} hidden"
                   + (f" on {_and(list(names))}" if names else "")
                   + (f", where fewer than {min_size} of them answered." if why == "few_answers"
                      else ", so that a group with fewer than "
                      f"{min_size} answers there cannot be worked out by subtraction."))
    shown = {str(t).lower() for t in shown_teams}
    few = groups_of("few_for_comments")
    if few:
        counted = [g for g in few if g.lower() in shown]
        tail = ("" if not counted else "; they are shown in the participation counts"
                if len(counted) == len(few) else
                f"; {_and(counted)} {'is' if len(counted) == 1 else 'are'} shown in the "
                "participation counts")
        qs = sorted({q for g in few for q in questions.get(g, [])})
        on = f" on {_and(qs)}" if len(qs) == 1 else ""
        out.append(f"Comments of {_and(few)}{on} are withheld (fewer than {min_comment} of "
                   f"them wrote one){tail}.")
    pooled = [g for g in groups_of("team_hidden") if g not in few]
    if pooled:
        out.append(f"Comments of {_and(pooled)} are not quoted, neither listed nor as a "
                   "comment theme, because a team among them is hidden in the participation "
                   "table; the comment themes count only the sales and marketing sides.")
    return out


def anonymity_line(sv: dict, records=None) -> str:
    """The explicit sentence on what the anonymity rule hid and why (SPEC §8): view by view
    (:func:`hidden_sentences`) over *records* (default: ``sv["suppressed"]``; the report
    passes ``data.suppressed``, which adds what the audit withheld)."""
    k = sv.get("min_group_size", 5)
    p = sv.get("participation") or {}
    shown = [TEAM_WORD.get(t, t).lower() for t in (p.get("by_team") or {})]
    parts = [f"Anonymity: no group of fewer than {k} respondents is shown in this report."]
    sentences = hidden_sentences(sv.get("suppressed") if records is None else records, sv, k,
                                 sv.get("min_comment_group_size", 8), shown)
    parts += sentences or ["No group had to be hidden."]
    return " ".join(parts)


@renders
def render_participation(results: dict) -> Rendered:
    """Respondents and response rates by side and team, and the anonymity line."""
    sv = _survey(results, "Survey")
    if sv is None:
        return
    r = sv["respondents"]
    p = sv.get("participation") or {}
    lines = [f"**Survey basis.** {r['all']:,} respondents"]
    if _comparable(sv):
        lines[0] += f" — {r['sales']:,} on the sales side, {r['marketing']:,} on the marketing side"
    lines[0] += "."
    show_markdown(" ".join(lines))
    rows = [{"Group": TEAM_WORD.get(t, t.replace("_", " ").capitalize()), "Respondents": v["n"],
             "Headcount": v["headcount"], "Response rate": _rate_txt(v["rate"])}
            for t, v in (p.get("by_team") or {}).items()]
    rows += [{"Group": f"{SIDE_WORD[s].capitalize()} (total)", "Respondents": v["n"],
              "Headcount": v["headcount"], "Response rate": _rate_txt(v["rate"])}
             for s, v in (p.get("by_side") or {}).items()]
    if rows:
        tbl = pd.DataFrame(rows)
        tbl["Headcount"] = [("—" if h is None else f"{int(h):,}") for h in
                            [r["Headcount"] for r in rows]]
        show_table(tbl, caption="Participation (groups under the anonymity "
                                               "threshold are not listed)")
    records = (results.get("data") or {}).get("suppressed")
    show_markdown(f"*{anonymity_line(sv, records if records else None)}*")


def _scale_frame(sv: dict, scales: list[str]) -> pd.DataFrame:
    rows = []
    sides = ("sales", "marketing") if _comparable(sv) else ("all",)
    for sc in scales:
        e = sv["scales"].get(sc) or {}
        for s in sides:
            b = (e.get("by_side") or {}).get(s) or {}
            if b.get("mean") is None:
                continue
            lo, hi = b.get("ci_low"), b.get("ci_high")
            lo = None if lo is None else (lo - 1) / 4 * 100
            hi = None if hi is None else (hi - 1) / 4 * 100
            idx = b["index_0_100"]
            if sc == "CONF":  # raw direction is "more conflict": show its healthy mirror so
                # every dot on the axis reads "higher is healthier"
                idx, lo, hi = 100 - idx, (None if hi is None else 100 - hi), \
                    (None if lo is None else 100 - lo)
            rows.append({"label": FREEDOM_FROM_CONFLICT if sc == "CONF" else e.get("name", sc),
                         "side": s, "index": idx, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["label", "side", "index", "ci_low", "ci_high"]) \
        .astype({"index": float, "ci_low": float, "ci_high": float})


def _unhealthy(entry: dict, code: str) -> bool:
    """Agreeing is unhealthy: as recorded in results.json, else the vocabulary's rule
    (results.json written before the field existed)."""
    if "agree_is_unhealthy" in entry:
        return bool(entry["agree_is_unhealthy"])
    return agree_is_unhealthy(code, bool(entry.get("reverse")))


def _likert_frame(sv: dict, codes: list[str]) -> pd.DataFrame:
    rows = []
    sides = ("sales", "marketing") if _comparable(sv) else ("all",)
    for c in codes:
        e = sv["items"].get(c) or {}
        for s in sides:
            dist = ((e.get("by_side") or {}).get(s) or {}).get("distribution")
            if dist:
                bad = _unhealthy(e, c)
                rows.append({"label": _plain(e.get("label", c)), "side": s,
                             "unhealthy_agree": bad, **dist})
    return pd.DataFrame(rows)


def _scale_table(sv: dict, scales: list[str]) -> pd.DataFrame:
    rows = []
    for sc in scales:
        e = sv["scales"].get(sc) or {}
        b = e.get("by_side") or {}
        flip = sc == "CONF"   # shown as its healthy mirror, as in every chart: higher = healthier

        def idx(side):
            v = (b.get(side) or {}).get("index_0_100")
            return fmt_num(None if v is None else (100 - v if flip else v), 0)

        delta = e.get("cliffs_delta")
        rows.append({
            "Scale": FREEDOM_FROM_CONFLICT if flip else e.get("name", sc),
            "Sales side (0–100)": idx("sales"),
            "Marketing side (0–100)": idx("marketing"),
            "All respondents, other teams included (0–100)": idx("all"),
            "Cliff's delta": ("—" if delta is None else
                              f"{half_up((-delta if flip else delta), 2):+.2f} ({e['cliffs_magnitude']})"),
            "Adjusted p": fmt_p(e.get("p_adj")),
            "Alpha": fmt_num(e.get("alpha"), 2) + (" ⚠" if e.get("alpha_flag") else ""),
        })
    return pd.DataFrame(rows)


def scale_takeaway(sv: dict, scales: list[str]) -> str:
    """One plain sentence on the pillar's themes: the weakest, and where the sides differ
    most (the size of the difference in words; the tests are in the appendix)."""
    means = {sc: (sv["scales"].get(sc) or {}).get("by_side", {}).get("all", {})
             .get("index_0_100") for sc in scales}
    oriented = {sc: (100 - v if sc == "CONF" else v) for sc, v in means.items()
                if v is not None}
    if not oriented:
        return "No theme of this pillar could be scored."
    worst = min(oriented, key=oriented.get)
    name = FREEDOM_FROM_CONFLICT if worst == "CONF" else sv["scales"][worst].get("name", worst)
    text = f"Weakest: {name.lower()} ({half_up(oriented[worst]):.0f} of 100)."
    deltas = {sc: (sv["scales"].get(sc) or {}).get("cliffs_delta") for sc in scales}
    deltas = {sc: d for sc, d in deltas.items() if d is not None}
    if deltas:
        big = max(deltas, key=lambda s: abs(deltas[s]))
        e = sv["scales"][big]
        size = e.get("cliffs_magnitude") or ""
        if size and size != "negligible":
            higher = "sales" if deltas[big] > 0 else "marketing"
            what = "reports more conflict and blame" if big == "CONF" else "is more positive"
            name = FREEDOM_FROM_CONFLICT if big == "CONF" else e.get("name", big)
            text += (f" The sides differ most on {name.lower()}: the {higher} "
                     f"side {what} (a {size} difference).")
        else:
            text += " The two sides see these themes alike."
    return text


def _render_pillar(sv: dict, pillar: str, results: dict | None = None) -> None:
    scales = PILLARS[pillar]
    p = (sv.get("pillars") or {}).get(pillar) or {}
    bs = p.get("by_side") or {}
    resp = sv.get("respondents") or {}
    # one score per pillar: the survey's is named as the part it is (toolkit.report.pillars)
    label = survey_part_label(results or {}, pillar)
    line = f"**{label}: {fmt_num(p.get('overall'), 0)} of 100 in the survey**"
    if bs.get("sales") is not None and bs.get("marketing") is not None:
        # the whole can sit above both sides: name who else it counts (review 16d)
        rest = (resp.get("all") or 0) - (resp.get("sales") or 0) - (resp.get("marketing") or 0)
        line += (" (everyone" + (f", including the {rest} outside sales and marketing"
                                 if rest > 0 else "")
                 + f"; sales side {fmt_num(bs['sales'], 0)}, marketing side "
                 f"{fmt_num(bs['marketing'], 0)})")
    show_markdown(line + ". 0 means everyone strongly disagrees with every healthy statement, "
                  "100 that everyone strongly agrees; 50 is neutral.")
    d = _scale_frame(sv, scales)
    if len(d):
        pop = (f"survey respondents: sales side n = {resp.get('sales')}, marketing side "
               f"n = {resp.get('marketing')}" if _comparable(sv) else
               f"all survey respondents (n = {resp.get('all')})")
        ax = charts.plot_scale_means(data=d, title=f"{PILLAR_TITLE[pillar]}, {pop}")
        show_figure(ax, alt=f"Dot chart of the {pillar} themes (0 to 100, higher is healthier)"
                    " with 95% confidence intervals, one dot per side.",
                    takeaway=scale_takeaway(sv, scales))
    # The statement-by-statement answers (30 rows of stacked bars) are not in the body: the
    # pillar's dot chart carries its message (partner review: too long for a CEO).


def likert_takeaway(sv: dict, codes: list[str]) -> str:
    """One sentence: the statement with the most agreement and the most disagreement."""
    shares = {c: ((sv["items"].get(c) or {}).get("by_side", {}).get("all") or {})
              .get("agree_share") for c in codes}
    shares = {c: v for c, v in shares.items() if v is not None}
    if not shares:
        return "No statement had enough answers to show."
    hi, lo = max(shares, key=shares.get), min(shares, key=shares.get)
    lab = lambda c: _plain(sv["items"][c]["label"])  # noqa: E731
    return (f"Most agreement: “{lab(hi)}” ({fmt_pct(shares[hi])} agree); least: "
            f"“{lab(lo)}” ({fmt_pct(shares[lo])}).")


@renders
def render_gaps(results: dict, top: int = 10) -> Rendered:
    """The largest perception gaps between the sides (ranked by |gap|)."""
    sv = _survey(results, "Perception gaps")
    if sv is None:
        return
    gaps = (sv.get("gaps") or [])[:top]
    if not gaps:
        show_markdown("*Perception gaps are not shown: one of the sides is too small to "
                      "report.*")
        return
    d = pd.DataFrame(gaps)
    d["label"] = [_plain(str(x)) for x in d["label"]]   # no "(R)" marker in front of a client
    # one reading for every bar: towards the side that answers more healthily
    d["unhealthy"] = [_unhealthy(g, str(g.get("item", ""))) for g in gaps]
    ax = charts.plot_perception_gaps(
        data=d, title=f"Largest perception gaps, {_population(sv)}")
    g0 = gaps[0]
    who = "sales" if g0["gap"] > 0 else "marketing"
    show_figure(ax, alt=f"Horizontal bars of the {len(gaps)} statements where the sales "
                "and marketing sides' mean answers differ most, each bar pointing to the "
                "side that answers more healthily.",
                takeaway=(f"Biggest gap: “{_plain(g0['label'])}” — the {who} side agrees more "
                          f"by {half_up(abs(g0['gap']), 1):.1f} points on the 1–5 scale (a "
                          f"{g0['cliffs_magnitude']} difference)."))
    # the chart shows the gaps; a table of the same numbers would only repeat it


@renders
def render_maturity(results: dict) -> Rendered:
    """Maturity stage overall and by side, with the stage gap."""
    sv = _survey(results, "Alignment maturity")
    if sv is None:
        return
    m = sv.get("maturity") or {}
    if m.get("mean") is None:
        show_not_assessed("Alignment maturity", ["The maturity items were not answered."])
        return
    rows = [{"side": s, "mean": (m["by_side"].get(s) or {}).get("mean")}
            for s in ("sales", "marketing")]
    rows = [r for r in rows if r["mean"] is not None] or [{"side": "all", "mean": m["mean"]}]
    for r in rows:
        b = (sv["scales"].get("MAT") or {}).get("by_side", {}).get(r["side"]) or {}
        r["ci_low"], r["ci_high"] = b.get("ci_low"), b.get("ci_high")
    d = pd.DataFrame(rows).astype({"mean": float, "ci_low": float, "ci_high": float})
    ax = charts.plot_maturity_by_side(
        data=d, title=f"Self-rated alignment maturity, {_population(sv)}")
    show_figure(ax, alt="Dot chart of the maturity mean by side against the four stage "
                "bands Undefined, Defined, Aligned and Integrated.",
                takeaway=maturity_takeaway(m))


def maturity_takeaway(m: dict) -> str:
    """Stage overall and by side, in one sentence."""
    text = (f"The teams rate their own alignment maturity {half_up(m['mean'], 1):.1f} of 5 (joint "
            "planning, shared funnel, common vocabulary, one revenue leadership).")
    s, k = m["by_side"].get("sales") or {}, m["by_side"].get("marketing") or {}
    if s.get("mean") is not None and k.get("mean") is not None:
        if m.get("stage_gap"):
            text += (f" The sides see it differently: sales {half_up(s['mean'], 1):.1f}, marketing "
                     f"{half_up(k['mean'], 1):.1f}.")
        else:
            text += f" Both sides see it alike (sales {half_up(s['mean'], 1):.1f}, marketing {half_up(k['mean'], 1):.1f})."
    return text


@renders
def render_frequency(results: dict) -> Rendered:
    """Communication frequency by side."""
    sv = _survey(results, "Communication frequency")
    if sv is None:
        return
    f = sv.get("frequency") or {}
    rows = [{"side": s, "level": lvl, "share": v}
            for s, b in (f.get("by_side") or {}).items() if (b or {}).get("distribution")
            for lvl, v in b["distribution"].items()]
    if not rows:
        show_not_assessed("Communication frequency", ["FREQ was not asked or too few "
                                                      "answered."])
        return
    if _comparable(sv):
        rows = [r for r in rows if r["side"] != "all"] + [r for r in rows if r["side"] == "all"]
    ax = charts.plot_frequency_by_side(
        data=pd.DataFrame(rows),
        title=f"How often the teams talk, {_population(sv, with_all=True)}")
    take = (f"{fmt_pct(f.get('tight_knit_share'))} are in touch daily or several times a "
            f"week; {fmt_pct(f.get('not_regular_share'))} monthly or less.")
    show_figure(ax, alt="Stacked bars of how often each side is in contact with the other "
                "team, from daily to never.", takeaway=take)
    show_markdown("*Frequency is one input, not the whole pillar: more meetings are not "
                  "always better (Kahn 1996); two-way flow and quality of information "
                  "matter more (Massey & Dawes 2007).*")


@renders
def render_claims(results: dict) -> Rendered:
    """What each side believes about the other (the two blame claims)."""
    sv = _survey(results, "Blame claims")
    if sv is None:
        return
    c = sv.get("claims") or {}
    if c.get("sales_blame_leads_share") is None and c.get("marketing_blame_followup_share") \
            is None:
        show_markdown("*The blame claims cannot be shown by side (side too small or items "
                      "not asked).*")
        return
    n = c.get("n") or {}

    def who(side: str) -> str:  # the population of each share: those who answered the item
        k = n.get(side)
        return (f"the {k:,} {side}-side respondents who answered" if isinstance(k, int)
                else f"the {side} side")

    # a side not reported is said in words, never a table's dash inside the sentence
    # (attack 45, ATT45-09: "— of the marketing side agree …")
    parts = []
    for side, key, claim in (("sales", "sales_blame_leads_share",
                              "most marketing leads are not worth working"),
                             ("marketing", "marketing_blame_followup_share",
                              "sales gives up on leads too early")):
        if c.get(key) is None:
            parts.append(f"the {side} side's view that {claim} is not reported (too few "
                         "answered)")
        else:
            parts.append(f"{fmt_pct(c[key])} of {who(side)} agree that {claim}")
    text = "; ".join(parts)
    if c.get("blame_intensity") is not None:
        text += f" (blame intensity, the mean of the two: {fmt_pct(c['blame_intensity'])})"
    show_markdown(f"**Beliefs.** {text[:1].upper() + text[1:]}.")


@renders
def render_drivers(results: dict) -> Rendered:
    """Which scales go with perceived relationship effectiveness (general dominance)."""
    analytics.render_drivers(results)


@renders
def render_heatmap(results: dict) -> Rendered:
    """Scale scores by level, tenure and region against the whole."""
    analytics.render_heatmap(results)


def _rate_txt(rate) -> str:
    """A response rate; above 100 % it is flagged, not shown as if plausible."""
    if rate is not None and rate > 1:
        return f"{fmt_pct(rate)} (check headcount)"
    return fmt_pct(rate)


@renders
def render_comments(results: dict) -> Rendered:
    """Redacted comments by side, only for groups large enough."""
    sv = _survey(results, "Comments")
    if sv is None:
        return
    analytics.render_themes(results)
    cm = sv.get("comments") or {}
    by = cm.get("by_side") or {}
    q = {"OPEN1": "Biggest obstacle", "OPEN2": "One thing to change"}
    if not by:
        show_markdown(f"*No comments are shown: no group with comments has at least "
                      f"{cm.get('min_group_size', 8)} respondents.*")
        return
    themed = {q for q, qq in (((cm.get("themes") or {}).get("questions")) or {}).items()
              if qq.get("status") == "ok"}
    parts = []
    for side, texts in by.items():
        shown = []
        for code, items in texts.items():
            if items and code not in themed:  # themed questions are quoted in their table
                lis = "".join(
                    f"<li>“{html.escape(t)}”"
                    + (f" <span class='count'>(× {n})</span>" if n > 1 else "") + "</li>"
                    for t, n in top_comments(items, COMMENTS_PER_QUESTION))
                if lis:
                    shown.append(f"<p><strong>{html.escape(str(q.get(code, code)))}</strong></p>"
                                 f"<ul>{lis}</ul>")
        if shown:
            parts.append(f"<h4>{html.escape(SIDE_WORD.get(side, side.replace('_', ' ')).capitalize())}</h4>")
            parts.extend(shown)
    if parts:
        emit(HTML("<div class='comments'>" + "".join(parts) + "</div>"))
        show_markdown(f"*At most {COMMENTS_PER_QUESTION} comments per question and side: the "
                      "ones given most often, then the most substantive; e-mail addresses, "
                      "phone numbers and known names are removed.*")


#: Comments quoted per open question and side when a question has no themes.
COMMENTS_PER_QUESTION = 3


def _boilerplate(text: str) -> bool:
    """A comment that mostly says how to reach its writer (a redaction marker in it)."""
    return "removed]" in text


def top_comments(items: list[str], k: int) -> list[tuple[str, int]]:
    """The *k* comments to quote: most often given first, then the longest (more
    substantive), never one that is mostly contact details; ``[(text, count)]``."""
    counts: dict[str, int] = {}
    for t in items:
        if t and not _boilerplate(t):
            counts[t] = counts.get(t, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
    return ranked[:k]


@renders
def render_tests(results: dict) -> Rendered:
    """Appendix table: sales vs marketing per theme — means, Cliff's delta with its size and
    the Benjamini–Hochberg adjusted p of the Mann–Whitney test."""
    sv = _survey(results, "Sales vs marketing tests")
    if sv is None or not _comparable(sv):
        return
    tbl = _scale_table(sv, list(sv["scales"]))
    tbl = tbl.drop(columns=["Alpha"])
    show_table(tbl, caption="Sales vs marketing by theme (0–100, higher is healthier): "
               "Cliff's delta with its size (positive: the sales side rates the theme higher), "
               "Mann–Whitney test p adjusted for multiple comparisons (Benjamini–Hochberg)")


@renders
def render_reliability(results: dict) -> Rendered:
    """Appendix: the reliability of the scales in one sentence: the range of Cronbach's alpha and the scales flagged or not computed."""
    sv = _survey(results, "Scale reliability")
    if sv is None:
        return
    sc = sv.get("scales") or {}
    alphas = {e.get("name", k): e["alpha"] for k, e in sc.items() if e.get("alpha") is not None}
    if not alphas:
        show_markdown("**Reliability.** Cronbach's alpha could not be computed for any scale.")
        return
    text = (f"**Reliability.** Cronbach's alpha (pooled sample, listwise) ranges from "
            f"{half_up(min(alphas.values()), 2):.2f} to {half_up(max(alphas.values()), 2):.2f} across "
            f"{len(alphas)} scales")
    flagged = [f"{e.get('name', k).lower()} ({half_up(e['alpha'], 2):.2f})" for k, e in sc.items()
               if e.get("alpha_flag") and e.get("alpha") is not None]
    missing = [e.get("name", k).lower() for k, e in sc.items() if e.get("alpha") is None]
    text += ("; below 0.6, so read with care: " + ", ".join(flagged) if flagged else
             "; none is below 0.6")
    if missing:
        text += "; not computed for " + ", ".join(missing)
    show_markdown(text + ". Each scale's alpha is also in the workbook's \"Survey ratings\" sheet.")


@renders
def render_politics(results: dict) -> Rendered:
    """Survey basis, the politics pillar, the largest perception gaps and maturity."""
    sv = _survey(results, "Company politics (survey)")
    if sv is None:
        return
    render_participation(results)
    _render_pillar(sv, "politics", results)
    render_gaps(results)
    render_maturity(results)


@renders
def render_incentives(results: dict) -> Rendered:
    """The survey's view of incentives (SHARE, RINT, RFAIR)."""
    sv = _survey(results, "Incentives (survey)")
    if sv is None:
        return
    _render_pillar(sv, "incentives", results)


@renders
def render_communication(results: dict) -> Rendered:
    """Communication scales, frequency, drivers of effectiveness and comments."""
    sv = _survey(results, "Communication (survey)")
    if sv is None:
        return
    _render_pillar(sv, "communication", results)
    parts = parts_sentence(results, "communication")
    if parts and survey_part_label(results, "communication") != PILLAR_TITLE["communication"]:
        show_markdown(parts)
    render_frequency(results)
    render_drivers(results)
    render_heatmap(results)
    render_comments(results)


@renders
def render(results: dict) -> Rendered:
    """Every survey section in report order (politics, incentives, communication, claims,
    reliability)."""
    if _survey(results, "Survey") is None:
        return
    render_politics(results)
    render_incentives(results)
    render_communication(results)
    render_claims(results)
    render_reliability(results)
