"""The report's side of the anonymity audit (SPEC §8): every survey figure ``results.json``
publishes, and withholding until no group under the threshold can be recovered.

Everything the report, the deck, the workbook, the PDF and the portfolio print comes from
``results.json``; the pipeline runs :func:`enforce_report` on the survey section *before*
anything is derived from it (incentives' survey side, the verdict's beliefs, scores,
findings, recommendations), so prose, so-what lines and slides can only quote audited
figures.

Each published figure is a :class:`toolkit.privacy_audit.Release` with a *handle*: the one
thing to withhold if it must go (a figure printed twice — ``survey.respondents.all`` and
``survey.participation.total`` — is one handle). Families:

* numbers (``min_group_size``): respondents and participation by team, side and in total;
  scale, item and frequency figures by side (n, mean, shares, distribution) — a scale's
  figures and its items' are also checked together (:mod:`toolkit.privacy_linkage`); heatmap groups,
  cells and the whole; the pillars' spread; the driver analysis' complete respondents; the
  survey's rows read and kept. A published n that equals its set's full head count is
  also a head count (``FAIR`` answered by all 96 says there are 96), so it is audited with
  the participation figures too.
* comments (``min_comment_group_size``): each group's verbatim list per question and each
  question's theme counts (all commenters pooled, and each side shown).

:func:`enforce_report` withholds greedily — among the figures that contain a recoverable
small group, the least valuable first — then puts back every withheld figure the audit no
longer needs, re-derives what is computed from the figures (gaps, comparisons, pillars,
maturity, claims) and proves the result with a fresh audit.
"""

from __future__ import annotations

import copy
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .privacy_audit import (RESPONDENTS, SIDE_TEAMS, REST_TEAMS, AuditReport, Release,
                            _column, _mask, answered, audit)

COMMENTS = "comments:"
#: Withholding order: the lower, the sooner a figure goes when it takes part in a breach.
COST = {"rows": 0, "team": 1, "heat_cell": 2, "heat_group": 3, "spread": 4,
        "comment_list": 5, "drivers_every_scale": 6, "theme_side": 7, "heat_whole": 8,
        "drivers": 9, "theme_q": 10,
        "total": 11, "fig": 12, "side_count": 14}
WITHHELD_REASON = ("Withheld for anonymity: with the other figures it would let a group under "
                   "the threshold be worked out.")


def _cost(handle: tuple) -> tuple:
    c = COST.get(handle[0], 20)
    if handle[0] == "fig":
        c += 0 if handle[-1] == "all" else 1
    if handle[0] == "comment_list" and handle[1] != "other_teams":
        c += 1
    return (c, tuple(str(x) for x in handle))


# ---------------------------------------------------------------------------------------
# Who answered what
# ---------------------------------------------------------------------------------------

class _Ctx:
    """The survey table with caches of answered sets and condition masks."""

    def __init__(self, survey: pd.DataFrame):
        self.survey = survey
        self.cache: dict = {}
        self.has: dict[str, np.ndarray] = {}

    def answered(self, measure: str) -> np.ndarray:
        if measure not in self.has:
            self.prepare([measure])
        return self.has[measure]

    def prepare(self, measures: Iterable[str]) -> None:
        """Compute who answered each of *measures* (and every item, scale and comment
        question, in one pass over the table)."""
        from .instrument import LIKERT_ITEMS, OPEN_ITEMS, PILLARS, SCALE_ITEMS

        want = [m for m in measures if m not in self.has]
        if not want:
            return
        if not self.has:
            want += [RESPONDENTS, "FREQ", *SCALE_ITEMS, *LIKERT_ITEMS,
                     *(COMMENTS + q for q in OPEN_ITEMS), *(f"PILLAR:{p}" for p in PILLARS),
                     "DRIVERS:scale", "DRIVERS:pillar"]
        self.has.update(answered(self.survey, want))

    def size(self, conditions: tuple, measure: str = RESPONDENTS) -> int:
        return int((_mask(self.survey, conditions, self.cache) & self.answered(measure)).sum())


def _side_conds(side: str, with_rest: bool = True) -> tuple:
    if side == "all":
        teams = SIDE_TEAMS["sales"] + SIDE_TEAMS["marketing"] + (REST_TEAMS if with_rest
                                                                 else ())
    elif side == "other_teams":
        teams = REST_TEAMS
    else:
        teams = SIDE_TEAMS[side]
    return (("team", frozenset(teams)),)


def _all_conds(ctx: _Ctx, extra: tuple, measure: str, n) -> tuple:
    """*extra* and everyone, with or without the other teams — whichever matches *n*."""
    for with_rest in (True, False):
        conds = tuple(extra) + _side_conds("all", with_rest)
        if n is None or ctx.size(conds, measure) == int(n):
            return conds
    return tuple(extra) + _side_conds("all", True)


# ---------------------------------------------------------------------------------------
# What the report publishes
# ---------------------------------------------------------------------------------------

class _Releases:
    def __init__(self, ctx: _Ctx):
        self.ctx = ctx
        self.out: list[Release] = []

    def add(self, where: str, measure: str, conds: tuple, n, handle: tuple,
            alias: bool = True) -> None:
        n = None if n is None else int(n)
        self.out.append(Release(where, measure, tuple(conds), n, handle))
        # a published n equal to its set's head count is a head count as well
        if alias and n is not None and measure != RESPONDENTS \
                and not measure.startswith(COMMENTS) and self.ctx.size(conds) == n:
            self.out.append(Release(where + " (as a head count)", RESPONDENTS, tuple(conds),
                                    None, handle))


def _by_side(rel: _Releases, where: str, sec: str, code: str, by_side: Mapping) -> None:
    for side, v in (by_side or {}).items():
        if side not in ("sales", "marketing", "all") or not isinstance(v, Mapping):
            continue
        n = v.get("n")
        if n is None and all(x is None for x in v.values()):
            continue
        conds = (_all_conds(rel.ctx, (), code, n) if side == "all"
                 else _side_conds(side))
        rel.add(f"{where}.by_side.{side}", code, conds, n, ("fig", sec, code, side))


def _participation(rel: _Releases, s: Mapping, data: Mapping) -> None:
    part = s.get("participation") or {}
    for team, v in (part.get("by_team") or {}).items():
        if isinstance(v, Mapping) and v.get("n") is not None:
            rel.add(f"survey.participation.by_team.{team}", RESPONDENTS,
                    (("team", frozenset([team])),), v["n"], ("team", team))
    for side, v in (part.get("by_side") or {}).items():
        if side in SIDE_TEAMS and isinstance(v, Mapping) and v.get("n") is not None:
            rel.add(f"survey.participation.by_side.{side}", RESPONDENTS, _side_conds(side),
                    v["n"], ("side_count", side))
    resp = s.get("respondents") or {}
    for side in SIDE_TEAMS:
        if resp.get(side) is not None:
            rel.add(f"survey.respondents.{side}", RESPONDENTS, _side_conds(side),
                    resp[side], ("side_count", side))
    totals = [("survey.participation.total", (part.get("total") or {}).get("n")),
              ("survey.respondents.all", resp.get("all"))]
    for where, n in totals:
        if n is not None:
            rel.add(where, RESPONDENTS, _all_conds(rel.ctx, (), RESPONDENTS, n), n,
                    ("total",))
    rows = (data.get("row_counts") or {}).get("survey")
    if rows is not None:
        rel.add("data.row_counts.survey", RESPONDENTS, (), rows, ("rows",))
    for i, f in enumerate(data.get("intake") or []):
        if f.get("table") == "survey" and f.get("rows_kept") is not None:
            rel.add(f"data.intake[{i}].rows_kept", RESPONDENTS, (), f["rows_kept"],
                    ("rows",))
        if f.get("table") == "survey" and f.get("rows_read") is not None:
            # rows read = rows kept + the dropped rows, which are listed by reason
            rel.add(f"data.intake[{i}].rows_read", RESPONDENTS, (), None, ("rows",))


def _heatmap(rel: _Releases, hm: Mapping) -> None:
    if not isinstance(hm, Mapping) or hm.get("status") != "ok":
        return
    ctx = rel.ctx
    for code, w in (hm.get("whole") or {}).items():
        if isinstance(w, Mapping) and w.get("n") is not None:
            rel.add(f"survey.heatmap.whole.{code}", code, _all_conds(ctx, (), code, w["n"]),
                    w["n"], ("heat_whole", code))
    for dim, d in (hm.get("dimensions") or {}).items():
        for grp in (d or {}).get("groups") or []:
            name = str(grp.get("group"))
            cond = ((f"heatmap:{dim}", frozenset([name])),)
            where = f"survey.heatmap.{dim}.{name}"
            if grp.get("n") is not None:
                rel.add(where, RESPONDENTS, _all_conds(ctx, cond, RESPONDENTS, grp["n"]),
                        grp["n"], ("heat_group", dim, name))
            for code, cell in (grp.get("cells") or {}).items():
                if isinstance(cell, Mapping) and cell.get("n") is not None:
                    rel.add(f"{where}.{code}", code, _all_conds(ctx, cond, code, cell["n"]),
                            cell["n"], ("heat_cell", dim, name, code))


def _spread_and_drivers(rel: _Releases, s: Mapping) -> None:
    ctx = rel.ctx
    for pillar, p in (s.get("pillars") or {}).items():
        for side, v in ((p or {}).get("spread") or {}).items():
            if not isinstance(v, Mapping) or v.get("n") is None:
                continue
            m = f"PILLAR:{pillar}"
            conds = (_all_conds(ctx, (), m, v["n"]) if side == "all" else _side_conds(side))
            rel.add(f"survey.pillars.{pillar}.spread.{side}", m, conds, v["n"],
                    ("spread", pillar, side))
    dr = s.get("drivers") or {}
    if dr.get("n") and dr.get("level") in ("scale", "pillar"):
        m = f"DRIVERS:{dr['level']}"
        rel.add("survey.drivers.n", m, _all_conds(ctx, (), m, dr["n"]), dr["n"], ("drivers",))
    if dr.get("n_every_scale") is not None and dr.get("level") == "pillar":
        # quoted in the warning on why the pillars are the predictors
        n = dr["n_every_scale"]
        rel.add("survey.drivers.n_every_scale", "DRIVERS:scale",
                _all_conds(ctx, (), "DRIVERS:scale", n), n, ("drivers_every_scale",))


def _comments(rel: _Releases, s: Mapping) -> None:
    cm = s.get("comments") or {}
    for side, texts in (cm.get("by_side") or {}).items():
        if side not in (*SIDE_TEAMS, "other_teams"):
            continue
        for q, items in (texts or {}).items():
            if items:
                rel.add(f"survey.comments.by_side.{side}.{q}", COMMENTS + q,
                        _side_conds(side), len(items), ("comment_list", side, q))
    for q, qq in (((cm.get("themes") or {}).get("questions")) or {}).items():
        if not isinstance(qq, Mapping):
            continue
        m = COMMENTS + q
        n = qq.get("n_comments")
        if n is not None:
            rel.add(f"survey.comments.themes.{q}", m, _all_conds(rel.ctx, (), m, n), n,
                    ("theme_q", q))
        if qq.get("status") == "ok":
            nb = qq.get("n_by_side") or {}
            for side in qq.get("sides") or []:
                if side in SIDE_TEAMS:
                    rel.add(f"survey.comments.themes.{q}.{side}", m, _side_conds(side),
                            nb.get(side), ("theme_side", q, side))


def report_releases(results: Mapping, survey: pd.DataFrame, *,
                    ctx: _Ctx | None = None) -> list[Release]:
    """Every survey figure a results dict publishes, and so every file rendered from it.

    Parameters
    ----------
    results : dict
        The results dict (``survey`` and ``data`` are read).
    survey : pandas.DataFrame
        The canonical survey table the figures were computed from.

    Returns
    -------
    list of Release
        Counts and answers (family ``min_group_size``) and comments (measures
        ``comments:OPEN1`` …, family ``min_comment_group_size``), each with the handle to
        withhold. Figures computed from these (pillar indices, gaps, claims, maturity stage,
        driver shares) add no set: :func:`enforce_report` re-derives them from what is left.
    """
    if survey is None:
        return []
    ctx = ctx or _Ctx(survey)
    rel = _Releases(ctx)
    s = results.get("survey") or {}
    for sec in ("scales", "items"):
        for code, e in (s.get(sec) or {}).items():
            _by_side(rel, f"survey.{sec}.{code}", sec, code, (e or {}).get("by_side"))
    freq = s.get("frequency") or {}
    if isinstance(freq.get("by_side"), Mapping):
        _by_side(rel, "survey.frequency", "frequency", "FREQ", freq["by_side"])
    _participation(rel, s, results.get("data") or {})
    _heatmap(rel, s.get("heatmap") or {})
    _spread_and_drivers(rel, s)
    _comments(rel, s)
    return rel.out


# ---------------------------------------------------------------------------------------
# Withholding
# ---------------------------------------------------------------------------------------

def _suppress(results: dict, where: str, group: str) -> None:
    sup = results["data"].setdefault("suppressed", [])
    rec = {"where": where, "group": group, "reason": "complementary"}
    if rec not in sup:
        sup.append(rec)


def _side_word(side: str) -> str:
    return {"all": "all respondents", "other_teams": "other teams"}.get(side, f"{side} side")


def _null(d: dict) -> dict:
    return {k: None for k in d}


def withhold(results: dict, handle: tuple) -> None:
    """Withhold one figure (everywhere it is printed) and record it in ``data.suppressed``."""
    s = results.get("survey") or {}
    kind = handle[0]
    if kind == "rows":
        data = results["data"]
        if (data.get("row_counts") or {}).get("survey") is not None:
            data["row_counts"]["survey"] = None
        for f in data.get("intake") or []:
            if f.get("table") == "survey":
                f["rows_read"] = None
                f["rows_kept"] = None
        note = ("survey: the numbers of rows read and kept are not shown, because with the "
                "overall figures they would reveal the size of a group hidden for anonymity")
        if note not in data.setdefault("warnings", []):
            data["warnings"].append(note)
        _suppress(results, "data.row_counts", "survey rows read and kept")
    elif kind == "team":
        (s.get("participation") or {}).get("by_team", {}).pop(handle[1], None)
        _suppress(results, "survey.participation", handle[1])
    elif kind == "side_count":
        (s.get("participation") or {}).get("by_side", {}).pop(handle[1], None)
        s.setdefault("respondents", {})[handle[1]] = None
        _suppress(results, "survey.participation", _side_word(handle[1]))
    elif kind == "total":
        s.setdefault("participation", {})["total"] = {"n": None, "headcount": None,
                                                      "rate": None}
        s.setdefault("respondents", {})["all"] = None
        _suppress(results, "survey.participation", "total")
    elif kind == "fig":
        _, sec, code, side = handle
        node = s.get(sec) if sec == "frequency" else (s.get(sec) or {}).get(code)
        if isinstance(node, dict) and isinstance((node.get("by_side") or {}).get(side), dict):
            node["by_side"][side] = _null(node["by_side"][side])
        where = "survey.frequency" if sec == "frequency" else f"survey.{sec}.{code}"
        _suppress(results, where, _side_word(side))
    elif kind in ("heat_cell", "heat_group", "heat_whole"):
        _withhold_heatmap(results, s.get("heatmap") or {}, handle)
    elif kind == "spread":
        ((s.get("pillars") or {}).get(handle[1]) or {}).get("spread", {}).pop(handle[2], None)
        _suppress(results, f"survey.pillars.{handle[1]}.spread", _side_word(handle[2]))
    elif kind == "drivers":
        dr = s.get("drivers") or {}
        dr.update(status="withheld", reason=WITHHELD_REASON, n=None, r2=None, r2_ci=None,
                  predictors=[])
        _suppress(results, "survey.drivers", "all respondents")
    elif kind == "drivers_every_scale":
        dr = s.get("drivers") or {}
        n = dr.get("n_every_scale")
        dr["n_every_scale"] = None
        s["warnings"] = [w.replace(f" ({n})", "") if "answered every scale" in w else w
                         for w in s.get("warnings") or []]
        _suppress(results, "survey.drivers", "respondents who answered every scale")
    elif kind == "comment_list":
        _, side, q = handle
        by = (s.get("comments") or {}).get("by_side") or {}
        (by.get(side) or {}).pop(q, None)
        if side in by and not by[side]:
            del by[side]
        _suppress(results, f"survey.comments.{q}", _side_word(side))
    elif kind in ("theme_side", "theme_q"):
        qq = (((s.get("comments") or {}).get("themes") or {}).get("questions") or {}).get(
            handle[1]) or {}
        if kind == "theme_side":
            side = handle[2]
            qq["sides"] = [x for x in qq.get("sides") or [] if x != side]
            for t in qq.get("themes") or []:
                (t.get("share") or {}).pop(side, None)
            for key in ("other_share", "n_by_side"):
                if isinstance(qq.get(key), dict):
                    qq[key].pop(side, None)
            _suppress(results, f"survey.comments.themes.{handle[1]}", _side_word(side))
        else:
            qq.update(status="withheld", reason=WITHHELD_REASON, themes=[], n_comments=None,
                      n_by_side={}, other_share=None, sides=[])
            _suppress(results, f"survey.comments.themes.{handle[1]}", "all respondents")


def _withhold_heatmap(results: dict, hm: dict, handle: tuple) -> None:
    kind = handle[0]
    dims = hm.get("dimensions") or {}
    if kind == "heat_whole":
        code = handle[1]
        if isinstance((hm.get("whole") or {}).get(code), dict):
            hm["whole"][code] = _null(hm["whole"][code])
        for d in dims.values():
            for grp in (d or {}).get("groups") or []:
                if (grp.get("cells") or {}).get(code) is not None:
                    grp["cells"][code] = None
        _suppress(results, f"survey.heatmap.{code}", "all respondents")
        return
    dim, name = handle[1], handle[2]
    groups = (dims.get(dim) or {}).get("groups") or []
    if kind == "heat_group":
        dims[dim]["groups"] = [g for g in groups if str(g.get("group")) != name]
        _suppress(results, f"survey.heatmap.{dim}", name)
        return
    for grp in groups:
        if str(grp.get("group")) == name and (grp.get("cells") or {}).get(handle[3]):
            grp["cells"][handle[3]] = None
    _suppress(results, f"survey.heatmap.{dim}.{handle[3]}", name)


def rederive(survey: dict) -> None:
    """Recompute, from the figures left after withholding, everything computed from them:
    side comparisons (a gap with one side's mean gives the other), a scale's pooled n and
    reliability, gaps, pillars (and their spread), maturity, claims and the frequency
    headline. Modifies *survey* in place."""
    from .survey.measures import _gaps, _maturity, _pillars
    from .survey.sections import claims

    comp = ("gap", "mann_whitney_u", "p", "p_adj", "cliffs_delta", "cliffs_magnitude")
    for sec in ("scales", "items"):
        for e in (survey.get(sec) or {}).values():
            bs = (e or {}).get("by_side") or {}
            mean = {k: (bs.get(k) or {}).get("mean") for k in ("sales", "marketing", "all")}
            if mean["sales"] is None or mean["marketing"] is None:
                e.update({k: None for k in comp if k in e})
            if sec == "scales" and mean["all"] is None:
                e.update({k: None for k in ("n", "alpha", "alpha_ci", "omega", "alpha_flag",
                                            "reliability_n") if k in e})
    if survey.get("items"):
        survey["gaps"] = _gaps(survey["items"])
        survey["claims"] = claims(survey["items"])
    if survey.get("scales"):
        spread = {p: (v or {}).get("spread") for p, v in (survey.get("pillars") or {}).items()}
        survey["pillars"] = _pillars(survey["scales"], [])
        for p, v in survey["pillars"].items():
            sp = dict(spread.get(p) or {})
            for side in list(sp):
                shown = v.get("overall") if side == "all" else (v.get("by_side") or {}).get(side)
                if shown is None:
                    sp.pop(side)
            if spread.get(p) is not None:
                v["spread"] = sp
        if survey.get("maturity") is not None:
            survey["maturity"] = _maturity(survey["scales"])
    freq = survey.get("frequency")
    if isinstance(freq, dict) and isinstance(freq.get("by_side"), dict):
        a = freq["by_side"].get("all") or {}
        freq.update(n=a.get("n"), tight_knit_share=a.get("tight_knit_share"),
                    not_regular_share=a.get("not_regular_share"))


# ---------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------

def _audit(ctx: _Ctx, rels: list[Release], k: int) -> AuditReport:
    ctx.prepare({r.measure for r in rels})
    return audit(ctx.survey, rels, k, has=ctx.has, cache=ctx.cache)


def _families(rels: list[Release], k: int, kc: int) -> list[tuple[int, list[Release]]]:
    nums = [r for r in rels if not r.measure.startswith(COMMENTS)]
    coms = [r for r in rels if r.measure.startswith(COMMENTS)]
    return [(k, nums), (kc, coms)]


def _audit_all(ctx: _Ctx, rels, k, kc) -> tuple[AuditReport, list]:
    reps = [_audit(ctx, fam, kk) for kk, fam in _families(rels, k, kc)]
    total = AuditReport(ok=all(r.ok for r in reps), releases=sum(r.releases for r in reps),
                        measures=sum(r.measures for r in reps),
                        violations=[v for r in reps for v in r.violations],
                        mismatches=[m for r in reps for m in r.mismatches])
    return total, reps


def _search(ctx: _Ctx, rels: list[Release], k: int, kc: int,
            withheld: set) -> set:
    """Handles to withhold so that the releases pass the audit: greedy, then pruned."""
    from .privacy_linkage import LINK, families

    by_measure: dict[str, list[Release]] = {}
    for r in rels:
        by_measure.setdefault(r.measure, []).append(r)
    measures_of: dict[tuple, set] = {}
    for r in rels:
        measures_of.setdefault(r.handle, set()).add(r.measure)
    # a scale and its items are checked together too (toolkit.privacy_linkage), after
    # each measure alone ("link:" sorts after the codes)
    for scale, ms in families(by_measure).items():
        fam = [r for m in ms for r in by_measure[m]]
        by_measure[LINK + scale] = fam
        for r in fam:
            measures_of[r.handle].add(LINK + scale)
    kof = {m: (kc if m.startswith(COMMENTS) else k) for m in by_measure}

    def check(measure: str, w: set) -> AuditReport:
        return _audit(ctx, [r for r in by_measure[measure] if r.handle not in w],
                      kof[measure])

    w = set(withheld)
    for measure in sorted(by_measure):
        rep = check(measure, w)
        for _ in range(1000):
            if rep.ok:
                break
            if rep.mismatches:  # a published n the model does not reproduce: withhold it
                where = rep.mismatches[0]["where"]
                w |= {r.handle for r in by_measure[measure] if r.where == where}
                rep = check(measure, w)
                continue
            # withholding every figure that contains the small group surely closes it;
            # a cheaper figure elsewhere in the combination may do (the leadership count
            # rather than every overall mean): try those first, cheapest first
            wheres = {x for v in rep.violations for x in v["where"]}
            sure = sorted({r.handle for r in by_measure[measure]
                           if r.where in wheres and r.handle not in w}, key=_cost)
            if not sure:
                break
            pick, best = sure[0], None
            cheaper = sorted({r.handle for r in by_measure[measure] if r.handle not in w
                              and _cost(r.handle) < _cost(sure[0])}, key=_cost)
            for h in cheaper + sure:
                trial = check(measure, w | {h})
                if trial.ok or len(trial.violations) < len(rep.violations):
                    pick, best = h, trial
                    break
            w.add(pick)
            rep = best if best is not None else check(measure, w)
    # put back what the audit does not need, the most valuable first
    for h in sorted(w - set(withheld), key=_cost, reverse=True):
        trial = w - {h}
        if all(check(m, trial).ok for m in measures_of.get(h, ())):
            w = trial
    return w


def enforce_report(results: dict, survey: pd.DataFrame | None, min_group_size: int,
                   min_comment_group_size: int | None = None) -> dict:
    """Audit *results* and withhold figures until no group under the threshold is
    recoverable; record the outcome in ``results["data"]["privacy_audit"]``.

    Parameters
    ----------
    results : dict
        A results dict with ``survey`` and ``data`` (row counts, intake); modified in place.
    survey : pandas.DataFrame or None
        The canonical survey table the figures were computed from.
    min_group_size : int
        Threshold for counts and answers.
    min_comment_group_size : int, optional
        Threshold for comments (default: ``survey.min_comment_group_size`` in *results*,
        else *min_group_size*).

    Returns
    -------
    dict
        *results*, where every withheld figure is None or absent (listed in
        ``data.suppressed``, never with its size) and the figures computed from the
        survey figures are re-derived from what is left. ``data.privacy_audit`` holds
        ``ok``, ``releases``, ``measures``, ``violations``, ``mismatches`` (counts) and
        ``withheld`` (how many figures).
    """
    data = results.setdefault("data", {})
    if survey is None or not results.get("survey"):
        data["privacy_audit"] = AuditReport().summary()
        return results
    k = int(min_group_size)
    kc = int(min_comment_group_size if min_comment_group_size is not None else
             results["survey"].get("min_comment_group_size") or k)
    ctx = _Ctx(survey)
    original = copy.deepcopy(results)
    withheld: set = set()
    rep = None
    for _ in range(4):
        rels = report_releases(original, survey, ctx=ctx)
        withheld = _search(ctx, rels, k, kc, withheld)
        trial = copy.deepcopy(original)
        for h in sorted(withheld, key=_cost):
            withhold(trial, h)
        if withheld:
            rederive(trial["survey"])
        rep, _ = _audit_all(ctx, report_releases(trial, survey, ctx=ctx), k, kc)
        if rep.ok:
            break
        # the derived figures changed the picture: search again from the trial
        original = trial
    results.clear()
    results.update(trial)
    summary = rep.summary()
    summary["withheld"] = len(withheld)
    results["data"]["privacy_audit"] = summary
    return results


def audit_results(results: Mapping, survey: pd.DataFrame, min_group_size: int,
                  min_comment_group_size: int) -> AuditReport:
    """The audit of a finished results dict, both families (for tests and ``validate``)."""
    ctx = _Ctx(survey)
    rels = report_releases(results, survey, ctx=ctx)
    return _audit_all(ctx, rels, int(min_group_size), int(min_comment_group_size))[0]


def handles(releases: Iterable[Release]) -> set:
    """The distinct handles of *releases*."""
    return {r.handle for r in releases}


def _redact_hidden_groups(out: dict, names: list[str]) -> None:
    """The ``group`` of every suppression record (``{"where", "group", "reason"}``) with the
    comments' redaction: a name's single parts and phone numbers go too, not only whole
    names — the label of a group too small to show may have been typed by one person."""
    from .privacy import make_redactor

    scrub = make_redactor(names)

    def walk(o):
        if isinstance(o, dict):
            g = o.get("group")
            if isinstance(g, str) and "where" in o and "reason" in o:
                clean = scrub(g)
                o["group"] = clean if isinstance(clean, str) else g
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(out)


def redact_results(results: dict, names: Iterable[str], *, ids: Iterable[str] = ()) -> dict:
    """*results* with the known names taken out of every label and text (SPEC §8).

    Every string and key but the client's own block and the static method text goes
    through :func:`toolkit.privacy.redact_tree` (whole name forms, e-mail addresses, phone
    numbers); the words of automatic comment themes drop any word of a known name in any
    case, and their labels are rebuilt from the words left.

    Parameters
    ----------
    results : dict
        The results dict (JSON-safe).
    names : iterable of str
        Known names and ids (respondents, owners).
    ids : iterable of str
        Respondent ids of the survey export (every row read), replaced by ``[id removed]``
        in every text, intake warnings included (attack 20, WL).

    Returns
    -------
    dict
        A new results dict.
    """
    from .idmask import toolkit_codes
    from .privacy import drop_name_words, redact_tree
    from .survey.themes import LABEL_TERMS

    names = [n for n in names if isinstance(n, str) and n.strip()]
    ids = [i for i in ids if isinstance(i, str) and i.strip()]
    if not names and not ids:
        return results
    out = redact_tree(results, names, ids=ids, reserved=toolkit_codes(results),
                      skip=("client", "method", "toolkit_version", "schema", "generated_at"))
    if names:   # a hidden group's label was typed by its few members (a free-text region):
        _redact_hidden_groups(out, names)   # redacted as a comment is (attack 24, RG1)
    th = (((out.get("survey") or {}).get("comments") or {}).get("themes")) or {}
    if th.get("method") == "nmf":
        for qq in (th.get("questions") or {}).values():
            for t in (qq or {}).get("themes") or []:
                t["terms"] = drop_name_words(t.get("terms") or [], names)
                t["label"] = ", ".join(t["terms"][:LABEL_TERMS])
    return out
