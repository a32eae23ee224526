"""The workshop's survey views, computed at analysis time and served from results.json.

The live workshop never reads the survey: every figure its perception-gap reveal, its
filters and its guess round can show is computed here, once, when the engagement is
analysed (:func:`build_reveal_views`, called by :func:`toolkit.pipeline.analyse`), audited
together with the report's figures, and stored in ``results["workshop"]["reveal"]``. The
session (:class:`toolkit.workshop.context.Workshop`) looks views up with
:func:`served_reveal` and :func:`served_options`.

What is stored (``results["workshop"]["reveal"]``):

* ``schema`` (:data:`STORE_SCHEMA`), ``status`` (``ok`` | ``no_survey``), ``min_group_size``
  and ``codes`` (every scale and item of the reveal's drop-down);
* ``withheld`` — filter values withheld by the anonymity audit
  (:func:`toolkit.privacy_audit.safe_workshop_values`), never offered;
* ``options`` — what each drop-down offers given the other's choice: ``level`` rows
  ``{region, values}`` (levels offered when that region — ``null`` = all — is chosen) and
  ``region`` rows ``{level, values}``; every value any drop-down can offer has its row;
* ``filter_suppressed`` — ``{where, group, reason}`` of the values not offered;
* ``views`` — every (level, region, side) the drop-downs can select, ``null`` = all:
  ``{level, region, side, label, shown, message, suppressed, reveals}``; a hidden view has
  its message and no figures; ``reveals`` maps each code to ``{by_side: {sales, marketing,
  all: {n, mean, agree_share}}, gap: {mean, agree_share, cliffs_delta, cliffs_magnitude},
  suppressed, warnings}``, or ``{hidden: message, suppressed}`` for a question hidden in a
  filtered view. A figure not shown is stored withheld — ``{n: null, mean: null,
  agree_share: null, withheld: reason}`` — never as a number;
* ``audit`` — :meth:`toolkit.privacy_audit.AuditReport.summary` of the report's figures
  plus every stored view, and how many cells the audit itself withheld (``withheld``).

The figures are those of :func:`toolkit.workshop.reveal.perception_reveal` on the view
selected by :func:`toolkit.workshop.filters.filter_respondents` (the functions the workshop
called live before), so the room sees what it saw; the answer distribution is not stored
(the workshop never shows it) and ``index_0_100`` is derived from the mean when served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

#: Layout of ``results["workshop"]["reveal"]``; a results.json without it (or with an
#: older one) must be regenerated (:func:`toolkit.upgrade.workshop_views_note`).
STORE_SCHEMA = 1
#: The side drop-down: both sides, the sales side, the marketing side.
VIEW_SIDES = (None, "sales", "marketing")
_FIGURES = ("n", "mean", "agree_share")
_MAX_AUDIT_ROUNDS = 200


@dataclass
class View:
    """One workshop view as served: what the filter note says (no respondents, no count).

    Attributes
    ----------
    label : str
        The view in words ("Manager · EMEA · sales side").
    shown : bool
        Whether the view may be shown.
    message : str
        Why it is hidden, or ``""``.
    suppressed : list of dict
        ``{where, group, reason}`` records.
    """

    label: str
    shown: bool
    message: str = ""
    suppressed: list = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Analysis time
# ---------------------------------------------------------------------------------------

def _withheld_reason(side: str, reveal: dict) -> str:
    group = "all respondents" if side == "all" else f"{side} side"
    for rec in reveal["suppressed"]:
        if rec.get("group") == group:
            return str(rec.get("reason"))
    if reveal["kind"] is None:
        return "no_survey"
    return "below_threshold" if side != "all" else "complementary"


def _compact(reveal: dict) -> dict:
    """The stored form of a :func:`perception_reveal` result (figures shown, or withheld)."""
    by_side = {}
    for s, fig in reveal["by_side"].items():
        if reveal["shown"][s]:
            by_side[s] = {k: fig[k] for k in _FIGURES}
        else:
            by_side[s] = {**{k: None for k in _FIGURES},
                          "withheld": _withheld_reason(s, reveal)}
    return {"by_side": by_side, "gap": dict(reveal["gap"]),
            "suppressed": list(reveal["suppressed"]), "warnings": list(reveal["warnings"])}


def reveal_all(frame, values, codes, k: int, groups) -> dict[str, dict]:
    """:func:`toolkit.workshop.reveal.perception_reveal` of every code on one view at once.

    The same rules, vectorised over the codes (one matrix of answers per view instead of
    one pandas pass per code): per code the sides' answering counts decide what may be
    shown (:func:`toolkit.survey.groups.visibility`), the shown sides get n, mean and the
    share agreeing, and both sides shown get the gap with Cliff's delta (the share of
    sales–marketing pairs where sales answers higher minus the share where it answers
    lower, which is ``2U / (n₁n₂) − 1`` of :func:`toolkit.survey.compare.compare_sides`).
    ``tests/test_workshop_store.py`` checks every view of the samples against
    ``perception_reveal``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The view's respondents (a filtered canonical survey table).
    values : pandas.DataFrame
        :func:`toolkit.workshop.reveal.code_values` of a table holding *frame*'s rows.
    codes : sequence of str
    k : int
        Anonymity threshold.
    groups : toolkit.survey.groups.Groups
        ``assign_groups(frame, k)``.

    Returns
    -------
    dict
        Code → the stored form (module docstring) of its reveal.
    """
    import numpy as np

    from ..survey.compare import MIN_N_TEST, cliffs_magnitude
    from ..survey.groups import REST
    from ..survey.sections import AGREE_MIN
    from .reveal import SIDES_ALL, _kind

    g = groups
    side = g.side.to_numpy(dtype=object)
    keep = g.reportable.to_numpy(dtype=bool)
    v = values.loc[frame.index, list(codes)].to_numpy(dtype=float)
    answered = ~np.isnan(v) & keep[:, None]
    masks = {"sales": side == "sales", "marketing": side == "marketing", "all": keep}
    rest = side == REST
    n_s = (answered & masks["sales"][:, None]).sum(axis=0)
    n_m = (answered & masks["marketing"][:, None]).sum(axis=0)
    n_r = (answered & rest[:, None]).sum(axis=0)
    include_rest = ~((n_r > 0) & (n_r < k))
    both_bad = (((n_s > 0) & (n_s < k) & (n_m > 0)) | ((n_m > 0) & (n_m < k) & (n_s > 0)))
    all_ok = (n_s + n_m + np.where(include_rest, n_r, 0)) >= k
    vis = {"sales": (n_s >= k) & ~both_bad & all_ok,
           "marketing": (n_m >= k) & ~both_bad & all_ok, "all": all_ok}
    rest_dropped = ~include_rest | bool((rest & ~keep).any())
    base_sup = [{**r, "where": None} for r in g.suppressed]
    out = {}
    for j, code in enumerate(codes):
        where = f"workshop.reveal.{code}"
        sup = [{**r, "where": where} for r in base_sup]
        warn = list(g.warnings)
        if rest_dropped[j]:
            sup.append({"where": where, "group": "all respondents",
                        "reason": "complementary"})
            warn.append("Too few respondents outside sales and marketing answered in this "
                        "view, so the overall figure is not shown.")
        col, ans = v[:, j], answered[:, j]
        by_side, shown, picked = {}, {}, {}
        n_side = {"sales": n_s[j], "marketing": n_m[j]}
        for s in SIDES_ALL:
            sel = masks[s] & ans
            ok = (bool(vis[s][j]) and g.shown(s) and bool(sel.any())
                  and (s != "all" or not rest_dropped[j]))
            shown[s] = ok
            if ok:
                x = col[sel]
                picked[s] = x
                by_side[s] = {"n": int(x.size), "mean": float(x.mean()),
                              "agree_share": float((x >= AGREE_MIN).mean())}
            elif s != "all" and g.shown(s) and int(n_side[s]):
                sup.append({"where": where, "group": f"{s} side", "reason": "few_answers"})
        gap = {"mean": None, "agree_share": None, "cliffs_delta": None,
               "cliffs_magnitude": None}
        if shown["sales"] and shown["marketing"]:
            bs, bm = by_side["sales"], by_side["marketing"]
            a, b = picked["sales"], picked["marketing"]
            d = None
            if a.size >= MIN_N_TEST and b.size >= MIN_N_TEST:
                d = float(np.sign(a[:, None] - b[None, :]).mean())
            gap = {"mean": bs["mean"] - bm["mean"],
                   "agree_share": bs["agree_share"] - bm["agree_share"],
                   "cliffs_delta": d, "cliffs_magnitude": cliffs_magnitude(d)}
        else:
            warn.append("The two sides cannot be compared in this view: a side has fewer "
                        f"than {k} answers (or none).")
        reveal = {"kind": _kind(code)[0], "shown": shown, "suppressed": sup,
                  "by_side": {s: by_side.get(s, {f: None for f in _FIGURES})
                              for s in SIDES_ALL}, "gap": gap, "warnings": warn}
        out[code] = _compact(reveal)
    return out


def _hidden_question(code: str, label: str, level, k: int) -> dict:
    by = "level" if level else "region"
    return {"hidden": (f"This question is hidden in this view for anonymity: by {by}, "
                       f"a group answering it has fewer than {k} people, who could otherwise "
                       "be worked out by subtraction from the other views."),
            "suppressed": [{"where": f"workshop.filter.{code}", "group": label,
                            "reason": "below_threshold"}]}


def _options(survey, k: int, withheld: Mapping[str, set]) -> tuple[dict, dict]:
    """Level options per chosen region and region options per chosen level (``None`` =
    all), for every value a drop-down can offer (closed under choosing)."""
    from .filters import filter_options

    def offered(dim: str, **chosen) -> list[str]:
        return [v for v in filter_options(survey, k, **chosen)[dim]
                if v not in withheld.get(dim, ())]

    levels_given: dict = {}    # chosen region -> levels offered
    regions_given: dict = {}   # chosen level -> regions offered
    pending_l, pending_r = [None], [None]
    while pending_l or pending_r:
        while pending_l:
            lv = pending_l.pop()
            if lv in regions_given:
                continue
            regions_given[lv] = offered("region", level=lv)
            pending_r += [r for r in regions_given[lv] if r not in levels_given]
        while pending_r:
            rg = pending_r.pop()
            if rg in levels_given:
                continue
            levels_given[rg] = offered("level", region=rg)
            pending_l += [lv for lv in levels_given[rg] if lv not in regions_given]
    return levels_given, regions_given


def _view_conditions(view: dict) -> tuple:
    from ..privacy_audit import SIDE_TEAMS

    conds = []
    if view["level"] is not None:
        conds.append(("level", frozenset([view["level"]])))
    if view["region"] is not None:
        conds.append(("region", frozenset([view["region"]])))
    if view["side"] is not None:
        conds.append(("team", frozenset(SIDE_TEAMS[view["side"]])))
    return tuple(conds)


def view_releases(store: Mapping) -> tuple[list, dict]:
    """Every stored figure as a :class:`toolkit.privacy_audit.Release`.

    Returns
    -------
    (list of Release, dict)
        The releases (one per side figure with an n: the view's level, region and side
        filter, then the figure's side — "all" counts the other teams, as
        :func:`perception_reveal` shows it only then) and ``where`` → (view index, code,
        side).
    """
    from ..privacy_audit import Release, _side_conditions

    rels, where = [], {}
    for i, view in enumerate(store.get("views") or []):
        if not view.get("shown"):
            continue
        conds = _view_conditions(view)
        for code, cell in (view.get("reveals") or {}).items():
            for s, fig in (cell.get("by_side") or {}).items():
                if fig.get("n") is None:
                    continue
                w = (f"workshop: level={view['level'] or 'all'}, region="
                     f"{view['region'] or 'all'}, side={view['side'] or 'both'}, {code}, {s}")
                rels.append(Release(w, code, conds + _side_conditions(s, True),
                                    int(fig["n"])))
                where[w] = (i, code, s)
    return rels, where


def _withhold(store: dict, i: int, code: str, side: str) -> None:
    """Withhold one stored figure (and the gap when it was a side's)."""
    view = store["views"][i]
    cell = view["reveals"][code]
    cell["by_side"][side] = {**{k: None for k in _FIGURES}, "withheld": "audit"}
    group = "all respondents" if side == "all" else f"{side} side"
    cell["suppressed"].append({"where": f"workshop.reveal.{code}", "group": group,
                               "reason": "audit"})
    if side != "all" and cell["gap"].get("mean") is not None:
        cell["gap"] = {k: None for k in cell["gap"]}
        cell["warnings"].append("The two sides cannot be compared in this view: a figure "
                                "is withheld for anonymity.")


def _audit(store: dict, survey, k: int, base: list) -> dict:
    """Audit the report's figures (*base*: their releases) plus every stored view; withhold
    stored figures (the most specific first) until no group under *k* is recoverable."""
    from ..privacy_audit import audit

    withheld = 0
    rep = None
    for _ in range(_MAX_AUDIT_ROUNDS):
        rels, where = view_releases(store)
        n_of = {r.where: r.n for r in rels}
        rep = audit(survey, base + rels, k)
        if rep.ok:
            break
        hits = set()
        for v in rep.violations:
            mine = [w for w in v["where"] if w in where]
            if mine:   # the most specific figure behind the group: smallest n
                hits.add(min(mine, key=lambda w: (n_of[w], w)))
        hits |= {m["where"] for m in rep.mismatches if m["where"] in where}
        if not hits:
            break      # only the report's own figures are involved (enforce_report's job)
        for w in hits:
            _withhold(store, *where[w])
            withheld += 1
    summary = rep.summary() if rep is not None else {}
    summary["withheld"] = withheld
    return summary


def build_reveal_views(survey, min_group_size: int, *, results: Mapping | None = None
                       ) -> dict:
    """Compute, audit and return every survey view the workshop offers.

    Parameters
    ----------
    survey : pandas.DataFrame or None
        The canonical survey table (SPEC §2.1), unfiltered.
    min_group_size : int
        Anonymity threshold (``analysis.min_group_size``).
    results : mapping, optional
        The results dict after :func:`toolkit.privacy_audit.enforce_report`: its survey
        figures join the audit, so no group is recoverable from the report and the
        workshop together.

    Returns
    -------
    dict
        JSON-safe, as described in the module docstring.
    """
    from ..survey.groups import assign_groups
    from .filters import _safe_values, answers_safe_all, filter_options, filter_respondents
    from .reveal import code_values, reveal_options
    from ..privacy_audit import report_releases, safe_workshop_values

    k = int(min_group_size)
    codes = [c for _, c in reveal_options()]
    out: dict = {"schema": STORE_SCHEMA, "status": "ok", "min_group_size": k,
                 "codes": codes, "withheld": {"level": [], "region": []},
                 "options": {"level": [], "region": []}, "filter_suppressed": [],
                 "views": [], "audit": None}
    if survey is None or len(survey) == 0:
        out["status"] = "no_survey"
        return out
    # the report's releases, modelled once for the filters' audit and the views' audit
    base = report_releases(results, survey) if results else []
    withheld, _ = safe_workshop_values(survey, k, results=results, codes=codes, report=base)
    out["withheld"] = {d: sorted(v) for d, v in withheld.items()}
    levels_given, regions_given = _options(survey, k, withheld)
    out["options"] = {
        "level": [{"region": r, "values": v} for r, v in levels_given.items()],
        "region": [{"level": lv, "values": v} for lv, v in regions_given.items()]}
    for dim in ("level", "region"):
        out["filter_suppressed"] += _safe_values(survey, dim, k)[1]
        out["filter_suppressed"] += [{"where": f"workshop.filter.{dim}", "group": v,
                                      "reason": "complementary"}
                                     for v in sorted(withheld.get(dim, ()))]
    values = code_values(survey)
    has = values.notna()
    levels = [None] + sorted(v for v in regions_given if v is not None)
    regions = [None] + sorted(v for v in levels_given if v is not None)
    for lv in levels:
        for rg in regions:
            safe = None
            opts = filter_options(survey, k, level=lv, region=rg)
            for side in VIEW_SIDES:
                view = filter_respondents(survey, k, side=side, level=lv, region=rg,
                                          options=opts)
                rec = {"level": lv, "region": rg, "side": side, "label": view.label,
                       "shown": bool(view.shown), "message": view.message,
                       "suppressed": list(view.suppressed), "reveals": {}}
                out["views"].append(rec)
                if not view.shown:
                    continue
                if safe is None:
                    safe = (answers_safe_all(survey, has, k, level=lv, region=rg)
                            if lv is not None or rg is not None
                            else {c: True for c in codes})
                g = assign_groups(view.frame, k)
                shown = [c for c in codes if safe[c]]
                cells = reveal_all(view.frame, values, shown, k, g)
                for code in codes:
                    rec["reveals"][code] = (cells[code] if safe[code] else
                                            _hidden_question(code, view.label, lv, k))
    out["audit"] = _audit(out, survey, k, base)
    return out


# ---------------------------------------------------------------------------------------
# Serving (the workshop session): results.json only
# ---------------------------------------------------------------------------------------

def _label(side, level, region) -> str:
    parts = [str(level).replace("_", " ").capitalize() if level else "All levels",
             str(region) if region else "all regions"]
    parts.append(f"{side} side" if side else "both sides")
    return " · ".join(parts)


def served_options(store: Mapping, *, level: str | None = None,
                   region: str | None = None) -> dict[str, list[str]]:
    """What each drop-down offers given the other's choice (nothing for an unknown one).

    Returns
    -------
    dict
        ``{"level": [...], "region": [...]}`` — the levels offered with *region* chosen and
        the regions offered with *level* chosen.
    """
    if not store or store.get("status") != "ok":
        return {"level": [], "region": []}
    opts = store.get("options") or {}
    lv = next((row["values"] for row in opts.get("level") or []
               if row.get("region") == region), [])
    rg = next((row["values"] for row in opts.get("region") or []
               if row.get("level") == level), [])
    return {"level": list(lv), "region": list(rg)}


def _expand(code: str, cell: Mapping) -> dict:
    """A stored cell as the dict :func:`perception_reveal` returns (no distribution)."""
    from ..survey.scoring import to_index
    from .reveal import _direction, _kind

    kind, label = _kind(code)
    by_side, shown = {}, {}
    for s, fig in cell["by_side"].items():
        shown[s] = fig.get("n") is not None
        by_side[s] = {"n": fig.get("n"), "mean": fig.get("mean"),
                      "agree_share": fig.get("agree_share"),
                      "index_0_100": to_index(fig.get("mean")) if shown[s] else None}
        if not shown[s]:
            by_side[s]["withheld"] = fig.get("withheld")
    return {"code": code, "kind": kind, "label": label, "direction": _direction(code, kind),
            "by_side": by_side, "shown": shown, "gap": dict(cell["gap"]),
            "suppressed": list(cell.get("suppressed") or []),
            "warnings": list(cell.get("warnings") or [])}


def served_reveal(store: Mapping, code: str, *, side: str | None = None,
                  level: str | None = None, region: str | None = None
                  ) -> tuple[View, dict | None]:
    """Look one view up in the stored views: what the filter note says and the reveal.

    Parameters
    ----------
    store : mapping
        ``results["workshop"]["reveal"]``.
    code : str
        A scale or item code of the instrument.
    side : {"sales", "marketing"}, optional
    level, region : str, optional

    Returns
    -------
    (View, dict or None)
        The reveal (as :func:`toolkit.workshop.reveal.perception_reveal` returns it, figures
        not shown are None) when the view and the question may be shown, else None.

    Raises
    ------
    InputError
        Unknown code or side.
    """
    from ..exceptions import InputError
    from ..survey.groups import SIDE_NAMES
    from .reveal import _kind

    _kind(code)
    if side not in (None, *SIDE_NAMES):
        raise InputError(f"unknown side {side!r}; expected sales or marketing")
    label = _label(side, level, region)
    k = int(store.get("min_group_size") or 0)
    if store.get("status") != "ok":
        return View(label, False, "No survey responses."), None
    withheld = store.get("withheld") or {}
    for dim, value in (("level", level), ("region", region)):
        if value is not None and value in (withheld.get(dim) or ()):
            return View(label, False,
                        f"{value} is not offered as a filter: comparing it with the other "
                        f"views could single out a group of fewer than {k} respondents.",
                        [{"where": f"workshop.filter.{dim}", "group": value,
                          "reason": "complementary"}]), None
    for view in store.get("views") or []:
        if (view["level"], view["region"], view["side"]) == (level, region, side):
            break
    else:
        dim, value = (("level", level) if level is not None and not any(
            v["level"] == level for v in store.get("views") or []) else ("region", region))
        recs = [r for r in store.get("filter_suppressed") or []
                if r.get("where") == f"workshop.filter.{dim}" and r.get("group") == value]
        return View(label, False,
                    f"{value} is not offered as a filter: within it, or by comparing it with "
                    f"the other views, a group of fewer than {k} respondents could be "
                    "singled out.",
                    recs[:1] or [{"where": f"workshop.filter.{dim}", "group": value,
                                  "reason": "below_threshold"}]), None
    shown = View(view["label"], bool(view["shown"]), view.get("message") or "",
                 list(view.get("suppressed") or []))
    if not view["shown"]:
        return shown, None
    cell = (view.get("reveals") or {}).get(code)
    if cell is None:
        return View(view["label"], False, "This question is not in the stored views.", []), None
    if "hidden" in cell:
        return View(view["label"], False, cell["hidden"], list(cell["suppressed"])), None
    return shown, _expand(code, cell)
