"""``compare_results``: the change between two waves of one client (SPEC §12).

Reads two ``results.json`` dicts and returns ``comparison.json``: for every figure
``{before, after, change, ci_low, ci_high, p, effect, detectable}`` plus ``p_adj``,
``status`` and plain labels, nested under the keys of the issue
(``survey.scales.<CODE>.by_side.<side>``, ``survey.pillars.<pillar>.by_side.<side>``,
``survey.claims.<claim>``, ``survey.maturity.by_side.<side>``, ``scores.<score>``,
``crm.<figure>``). Methods: :mod:`toolkit.compare.methods`.

Orientation
-----------
Every scale line reads higher = healthier: the conflict scale is compared as its healthy
mirror, "Freedom from conflict and blame" (6 − the 1–5 average of the conflict statements;
the scale node carries ``mirrored: true``), as the report, deck and workbook name it. A
score that rests on the survey alone (the politics score) is its pillar index for everyone
and takes that test (``same_test_as``), so one figure never gets two verdicts.

Statuses
--------
``improved`` / ``worsened``
    The interval (at the level at which Holm's family-wise procedure tested the figure)
    excludes zero; equivalently Holm's adjusted p is below ``α`` = 5 %.
``no_detectable_change``
    The interval includes zero: the data cannot tell a change from noise.
``not_tested``
    Composite scores, or a wave that lacks what an interval needs.
``not_measured``
    The figure is absent from one wave.
``not_comparable``
    The two waves asked different questions for the scale (or for a scale of the pillar,
    or of the score): the difference of the two means is not a change; neither figure
    nor a change is given, the reason is in ``note`` and ``warnings``.
``hidden``
    The anonymity rule hid the group in at least one wave: nothing of it is shown in the
    comparison (neither wave's value nor the change), so no subtraction across waves can
    recover it.
"""

from __future__ import annotations

import datetime as dt
import math

from .. import __version__
from ..jsonio import jsonable
from ..lookup import dig
from . import methods as M
from .figures import MIRROR_NOTE, Figure, all_figures

COMPLEMENT_NOTE = ("hidden: with the sales and marketing figures shown, this figure would "
                   "reveal a group smaller than the anonymity threshold (the people outside "
                   "the two sides) in at least one wave")
HIDDEN_NOTE = ("hidden: fewer answers than the anonymity threshold in at least one wave, "
               "or not reported in one wave")


def _entry(fig: Figure) -> dict:
    return {"label": fig.label, "area": fig.area, "unit": fig.unit, "better": fig.better,
            "before": None, "after": None, "change": None, "ci_low": None, "ci_high": None,
            "ci_level": None, "p": None, "p_adj": None, "effect": None, "effect_kind": None,
            "effect_label": None, "detectable": None, "status": None, "method": None,
            "n_before": None, "n_after": None, "note": None}


def _change(fig: Figure) -> M.Change | None:
    b, a = fig.before, fig.after
    if fig.kind == "mean":
        return M.mean_change(b, a)
    if fig.kind == "share":
        if _interval_only(b) or _interval_only(a):
            return M.interval_change(b, a)
        return M.share_change(b, a)
    if fig.kind == "median":
        return M.median_change(b, a)
    return None


def _interval_only(block: dict) -> bool:
    """A share whose interval is not a Wilson interval of k of n (a Kaplan–Meier estimate,
    or no counts): compared through its recorded interval."""
    if block.get("ci_low") is None or block.get("ci_high") is None:
        return False
    if block.get("estimator") == "kaplan_meier" or not block.get("n"):
        return True
    k = block.get("k")
    return k is not None and abs(k / block["n"] - block["rate"]) > 1e-9


def _direction(fig: Figure, change: float) -> str:
    up = change > 0
    if fig.better is None:
        return "changed"
    good = up if fig.better == "higher" else not up
    return "improved" if good else "worsened"


def compare_results(before: dict, after: dict, *, alpha: float = M.FAMILY_ALPHA) -> dict:
    """Compare two waves of one client.

    Parameters
    ----------
    before, after : dict
        The two waves' ``results.json`` (SPEC §6), earlier first.
    alpha : float, default 0.05
        Family-wise error rate of Holm's adjustment across the family (at most this chance
        that any unchanged figure is called detectable); see
        :func:`toolkit.compare.methods.adjust_family`.

    Returns
    -------
    dict
        JSON-safe ``comparison.json`` with ``client``, ``before`` / ``after`` (dates and
        versions of the two runs), ``survey``, ``scores``, ``crm`` (figure entries), ``summary``
        (counts and the labels of detectable changes), ``method``, ``suppressed`` (the
        groups hidden in either wave, without their size) and ``warnings``.
    """
    figs = all_figures(before, after)
    entries: list[tuple[Figure, dict, M.Change | None]] = []
    warnings: list[str] = []
    for fig in figs:
        e = _entry(fig)
        if (fig.area == "survey" and (fig.hidden or (fig.before is None) != (fig.after is None))
                or fig.hidden):
            e.update(status="hidden", note=COMPLEMENT_NOTE if fig.extra.get("complement")
                     else HIDDEN_NOTE)
            entries.append((fig, e, None))
            continue
        if fig.before is None or fig.after is None:
            missing = "either wave" if fig.before is None and fig.after is None else \
                ("the earlier wave" if fig.before is None else "the later wave")
            e.update(status="not_measured", note=f"not measured in {missing}",
                     before=_value(fig.before), after=_value(fig.after))
            entries.append((fig, e, None))
            continue
        if fig.extra.get("not_comparable"):
            # neither wave's figure: side by side they would read as a change
            e.update(status="not_comparable", note=fig.extra["not_comparable"])
            entries.append((fig, e, None))
            continue
        e["n_before"], e["n_after"] = fig.before.get("n"), fig.after.get("n")
        if fig.kind == "score":
            e.update(before=fig.before["value"], after=fig.after["value"],
                     change=fig.after["value"] - fig.before["value"], status="not_tested",
                     note="a composite of survey and CRM evidence; read the tested figures "
                          "below for what changed")
            entries.append((fig, e, None))
            continue
        ch = _change(fig)
        e.update(before=ch.before, after=ch.after, change=ch.change, p=ch.p, effect=ch.effect,
                 effect_kind=ch.effect_kind, method=ch.method,
                 effect_label=M.effect_label(ch.effect) if ch.effect_kind in
                 ("hedges_g", "cohens_h") else None)
        if fig.extra.get("before_stage") is not None or fig.extra.get("after_stage"):
            e.update(before_stage=fig.extra.get("before_stage"),
                     after_stage=fig.extra.get("after_stage"))
        if ch.p is None or ch.interval is None:
            e.update(status="not_tested", note="no interval: a wave lacks the spread or "
                     "counts an interval needs (an older results.json?)")
        entries.append((fig, e, ch))

    family = [i for i, (f, e, ch) in enumerate(entries)
              if ch is not None and f.in_family and e["status"] is None]
    p_adj, levels = M.adjust_family([entries[i][2].p for i in family], alpha=alpha)
    for i, pa, lv in zip(family, p_adj, levels):
        entries[i][1].update(p_adj=pa, ci_level=lv)
    by_key = {f.key: e for f, e, _ in entries}
    for fig, e, ch in entries:
        if ch is None or e["status"] is not None:
            continue
        if not fig.in_family:   # maturity repeats the MAT scale's test, at its level
            twin = by_key.get(fig.extra.get("same_test_as", "")) or {}
            e.update(p_adj=twin.get("p_adj"), ci_level=twin.get("ci_level"))
        level = e["ci_level"]
        if level is None:       # its twin was not tested: no adjusted interval
            e.update(status="not_tested", note="not tested: the scale it repeats was not "
                     "tested")
            continue
        lo, hi = ch.interval(level)
        e.update(ci_low=_finite(lo), ci_high=_finite(hi))
        excludes_zero = lo > 0 or hi < 0
        e["detectable"] = bool(excludes_zero)
        e["status"] = _direction(fig, ch.change) if excludes_zero else "no_detectable_change"
    for fig, e, _ in entries:
        if fig.kind == "score" and e["status"] == "not_tested" and fig.extra.get("same_test_as"):
            _borrow_test(e, by_key.get(fig.extra["same_test_as"]) or {})

    out: dict = {
        "client": dict(after.get("client") or before.get("client") or {}),
        "toolkit_version": __version__,
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "before": _wave(before), "after": _wave(after),
        "survey": {}, "scores": {}, "crm": {},
    }
    for fig, e, _ in entries:
        node = out
        for part in fig.path[:-1]:
            node = node.setdefault(part, {})
        node[fig.path[-1]] = e
        if fig.path[:2] == ("survey", "scales"):
            scale = out["survey"]["scales"][fig.path[2]]
            scale.setdefault("name", fig.extra.get("name"))
            if fig.extra.get("mirrored"):
                scale["mirrored"] = True
                if e["note"] is None:
                    e["note"] = MIRROR_NOTE
    stage = {"before": dig(before, "scores", "stage"), "after": dig(after, "scores", "stage")}
    out["scores"]["stage"] = stage
    tested = [v for v in levels if v is not None]
    detected = sum(entries[i][1]["detectable"] is True for i in family)
    out["summary"] = _summary(entries, len(tested), _common_level(alpha, len(tested), detected))
    out["method"] = method_note(alpha, len(tested), detected, tested)
    out["suppressed"] = _suppressed(entries)
    differ = {e["note"] for f, e, _ in entries if e["status"] == "not_comparable"
              and f.path[:2] == ("survey", "scales")}
    warnings += sorted(n[0].upper() + n[1:] + "." for n in differ)
    if _client_mismatch(before, after):
        warnings.append(f"The two waves are of different clients "
                        f"({dig(before, 'client', 'id')!s} and {dig(after, 'client', 'id')!s}).")
    out["warnings"] = warnings
    return jsonable(out)


#: Keys of a tested entry that a score resting on the survey alone takes from its pillar.
TEST_KEYS = ("ci_low", "ci_high", "ci_level", "p", "p_adj", "effect", "effect_kind",
             "effect_label", "detectable", "status", "method")


def _borrow_test(e: dict, twin: dict) -> None:
    """Give score entry *e* the test of *twin*, its pillar index for everyone (the same
    figure, when the score rests on the survey alone); nothing when the twin was not
    tested (it stays "not tested")."""
    if twin.get("status") not in ("improved", "worsened", "no_detectable_change"):
        return
    e.update({k: twin.get(k) for k in TEST_KEYS})
    e["same_test_as"] = twin.get("label")
    e["note"] = (f"rests on the survey alone: the same figure as {twin.get('label')}, "
                 "tested there")


def _value(block: dict | None):
    if not block:
        return None
    for k in ("mean", "rate", "median", "value"):
        if k in block:
            return block[k]
    return None


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _wave(results: dict) -> dict:
    c = results.get("client") or {}
    return {"generated_at": results.get("generated_at"),
            "toolkit_version": results.get("toolkit_version"),
            "period_start": c.get("period_start"), "period_end": c.get("period_end"),
            "respondents": dig(results, "survey", "respondents", "all"),
            "leads": dig(results, "crm", "cohort", "leads")}


def _client_mismatch(before: dict, after: dict) -> bool:
    a, b = dig(before, "client", "id"), dig(after, "client", "id")
    return bool(a and b and a != b)


def _common_level(alpha: float, m: int, detected: int) -> float | None:
    """The level of every interval of a figure with no detectable change (Holm's last
    step, ``1 − α / (m − R)``); None when every figure is detectable or none is tested."""
    return 1.0 - alpha / (m - detected) if m > detected else None


def _summary(entries, m: int, level: float | None) -> dict:
    groups: dict[str, list] = {"improved": [], "worsened": [], "changed": [],
                               "no_detectable_change": [], "not_tested": [],
                               "not_measured": [], "not_comparable": [], "hidden": []}
    for fig, e, _ in entries:
        if (fig.kind != "score" or e.get("same_test_as")) and not fig.in_family and \
                e["status"] not in ("hidden", "not_measured", "not_comparable"):
            continue            # repeats a figure of the family (counted there)
        groups.setdefault(e["status"], []).append(
            {"key": fig.key, "label": fig.label, "area": fig.area})
    counts = {k: len(v) for k, v in groups.items()}
    return {"counts": counts, "family_size": m, "ci_level": level, **groups,
            "measures": _measures(entries)}


#: Kinds of measure, for the plain counts ("4 survey scales, 5 CRM figures").
MEASURE_KINDS = (("survey.scales", "survey scale", "survey scales"),
                 ("survey.pillars", "pillar index", "pillar indexes"),
                 ("survey.claims", "blame claim", "blame claims"),
                 ("crm", "CRM figure", "CRM figures"))
_DETECTED = ("improved", "worsened", "changed")


def _measures(entries) -> dict:
    """The changes counted once per measure, whichever populations moved.

    A scale or pillar is one measure with three lines (sales side, marketing side,
    everyone); counting lines would count one change up to three times. A measure is
    ``improved`` / ``worsened`` / ``changed`` when its lines moved that way (``mixed`` when
    they moved in opposite directions), ``no_detectable_change`` when none moved, else the
    status of its lines (``hidden``, ``not_tested``, ``not_measured``).

    Returns
    -------
    dict
        ``counts`` by status, ``by_kind`` (``{status: {kind: n}}``, kinds as plain plural
        words) and, per status, the list of ``{"label", "kind"}``.
    """
    grouped: dict[tuple[str, str], list[str]] = {}
    for fig, e, _ in entries:
        if not fig.in_family or fig.kind == "score":
            continue
        kind = next((k for prefix, _, k in MEASURE_KINDS if fig.key.startswith(prefix)), None)
        if kind is None:
            continue
        grouped.setdefault((kind, fig.label.split(" — ")[0]), []).append(e["status"])
    out: dict = {"counts": {}, "by_kind": {}}
    for (kind, label), statuses in grouped.items():
        moved = {s for s in statuses if s in _DETECTED}
        status = (moved.pop() if len(moved) == 1 else "mixed" if moved
                  else "no_detectable_change" if "no_detectable_change" in statuses
                  else statuses[0])
        out.setdefault(status, []).append({"label": label, "kind": kind})
        out["counts"][status] = out["counts"].get(status, 0) + 1
        by = out["by_kind"].setdefault(status, {})
        by[kind] = by.get(kind, 0) + 1
    return out


def _suppressed(entries) -> list[dict]:
    return [{"where": fig.key, "group": fig.label.split(" — ")[-1],
             "reason": "complementary" if fig.extra.get("complement") else "hidden_in_a_wave"}
            for fig, e, _ in entries if e["status"] == "hidden"]


def method_note(alpha: float, m: int, detected: int, levels: list[float]) -> dict:
    """The methods of the comparison in words, with sources (for the appendix and JSON).

    Parameters
    ----------
    alpha : float
        Family-wise error rate.
    m, detected : int
        Figures tested in the family, and how many Holm's procedure called detectable.
    levels : list of float
        The interval level of every tested figure.

    Returns
    -------
    dict
        One sentence per method (``design``, ``means``, ``shares``, ``medians``,
        ``finite_population``, ``multiplicity``, ...) and the numbers ``alpha``,
        ``family_size``, ``detected``, ``ci_level`` (the level of the intervals of figures
        with no detectable change), ``ci_level_min`` / ``ci_level_max``.
    """
    common = _common_level(alpha, m, detected)
    return {
        "design": "independent samples: respondents are not matched across waves and the "
                  "two periods' leads are different leads",
        "means": "Welch's unequal-variance t interval and test (Welch 1947) from each wave's "
                 "n and standard deviation; effect size Hedges' g (Hedges 1981)",
        "shares": "Wilson score interval per wave and Newcombe's hybrid score interval for "
                  "the difference (Newcombe 1998, method 10); effect size Cohen's h (1988)",
        "medians": "Brookmeyer–Crowley (1982) interval of each wave's Kaplan–Meier median "
                   "from the stored curve, combined by MOVER (Zou & Donner 2008); a "
                   "bootstrap would need the lead rows, which results.json does not carry",
        "finite_population": "when the headcount is known, the part of a survey figure's "
                             "variance due to who answered shrinks by (N − n)/(N − 1); the "
                             "response variance (1 − reliability, Cronbach's alpha) does not "
                             "(Cochran 1977 §2.5, §13.9; Hansen, Hurwitz & Bershad 1961). "
                             "Single questions (the blame claims) have no reliability "
                             "estimate and are not corrected. CRM figures describe a process "
                             "and are not corrected",
        "pillar_reliability": "a pillar's reliability is taken as the mean alpha of its "
                              "scales (a composite is usually at least as reliable)",
        "pillars": "pillar intervals use the spread of each respondent's pillar index (mean "
                   "of the scales they answered), an approximation of the spread of the "
                   "pillar figure (a mean of scale means)",
        "multiplicity": f"Holm's step-down procedure (Holm 1979) across the {m} tested "
                        f"changes, family-wise error rate {alpha:g}: the chance that any "
                        "unchanged figure is called detectable is at most "
                        f"{alpha:.0%}, whatever the correlation between the figures. Each "
                        "interval is at the level at which Holm's procedure tested its "
                        "figure (1 − α/(m − j + 1) for the j-th detectable change, "
                        "1 − α/(m − R) for the others), so an interval excludes zero exactly "
                        "when the Holm-adjusted p is below α. A false-discovery-rate "
                        "adjustment (Benjamini & Hochberg 1995) was not used: it bounds the "
                        "expected share of chance findings among the detectable ones, not "
                        "the chance of any; with many real changes it tests each unchanged "
                        "figure at about 2%, so a comparison could show one as changed "
                        "about half the time",
        "detectable": "a change is detectable when its interval excludes zero; otherwise "
                      "the report says 'no detectable change'",
        "scores": "the overall scores combine survey and CRM evidence and are shown "
                  "without a test",
        "anonymity": "a group hidden in either wave is hidden in the comparison (neither "
                     "wave's value nor the change is shown), and everyone's line is hidden "
                     "where, beside the sides shown, it would reveal the people outside "
                     "sales and marketing when they are fewer than the threshold",
        "alpha": alpha, "family_size": m, "detected": detected, "ci_level": common,
        "ci_level_min": min(levels) if levels else None,
        "ci_level_max": max(levels) if levels else None,
    }
