"""Which figures of two ``results.json`` are compared, and how each is read (SPEC §12).

Everything is read from the results dicts only (the one door of SPEC §6): survey scale means
with their SD and n, pillar indexes with the spread recorded beside them, blame-claim
shares, the maturity stage, the overall scores and the CRM follow-up and hand-off figures.
A figure absent from one wave (an older ``results.json``, a CRM export without the field) is
reported as "not measured in one wave", never filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..instrument import PILLAR_REVERSED_SCALES, SCALE_ITEMS
from ..lookup import dig
from ..vocab import FREEDOM_FROM_CONFLICT
from ..vocab import SIDES as TEAM_SIDES

SIDES = (*TEAM_SIDES, "all")
SIDE_WORDS = {"sales": "sales side", "marketing": "marketing side", "all": "everyone"}
PILLAR_WORDS = {"politics": "Company politics index",
                "incentives": "Incentives index",
                "communication": "Communication index"}
SCORE_WORDS = {"politics": "Politics score", "incentives": "Incentives score",
               "communication": "Communication score", "overall": "Overall alignment score"}
#: Scale codes whose raw direction is unhealthy (higher = worse). The comparison shows each
#: as its healthy mirror (6 − the 1–5 average), under the name the report gives it, so that
#: higher is healthier on every line, as in the rest of the report.
LOWER_IS_BETTER_SCALES = frozenset(PILLAR_REVERSED_SCALES)
MIRROR_NAMES = {"CONF": FREEDOM_FROM_CONFLICT}
#: Note stored on a mirrored scale's entries (comparison.json).
MIRROR_NOTE = ("shown as its healthy mirror: 6 minus the average answer to the conflict "
               "statements, so higher is healthier as on every other line")


@dataclass
class Figure:
    """One comparable figure: where it goes in ``comparison.json`` and each wave's inputs.

    ``kind`` is ``mean``, ``share``, ``median``, ``interval`` or ``score`` (not tested).
    ``before`` / ``after`` are the method inputs (dicts) or None when the wave did not
    measure it; ``hidden`` is True when the anonymity rule hid it in either wave.
    """

    path: tuple[str, ...]
    label: str
    area: str
    kind: str
    unit: str
    better: str | None            # "higher", "lower" or None (no healthy direction)
    before: dict | None
    after: dict | None
    hidden: bool = False
    in_family: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Dotted key in ``comparison.json``."""
        return ".".join(self.path)


def _headcount(results: dict, side: str):
    part = dig(results, "survey", "participation") or {}
    if side == "all":
        return dig(part, "total", "headcount")
    return dig(part, "by_side", side, "headcount")


def _hidden_sides(results: dict, where: str) -> set[str]:
    """Sides of a survey figure the anonymity rule hid in this wave (by its records)."""
    out: set[str] = set()
    for rec in (dig(results, "data", "suppressed") or []) + \
               (dig(results, "survey", "suppressed") or []):
        if not isinstance(rec, dict):
            continue
        w, g = str(rec.get("where", "")), str(rec.get("group", ""))
        if w == "survey" or w == where or where.startswith(w + "."):
            for s in ("sales", "marketing"):
                if g == f"{s} side":
                    out.add(s)
            if g == "all respondents":
                out.update(SIDES)
    return out


def _side_block(results: dict, scale: str, side: str) -> dict | None:
    """A scale's 1–5 mean of one side with its spread; an unhealthy-direction scale
    (:data:`LOWER_IS_BETTER_SCALES`) as its mirror ``6 − mean`` (same spread)."""
    st = dig(results, "survey", "scales", scale, "by_side", side)
    if not isinstance(st, dict) or st.get("mean") is None:
        return None
    mean = 6.0 - st["mean"] if scale in LOWER_IS_BETTER_SCALES else st["mean"]
    return {"mean": mean, "sd": st.get("sd"), "n": st.get("n"),
            "headcount": _headcount(results, side), "reliability": _alpha(results, scale)}


def _alpha(results: dict, scale: str) -> float | None:
    """The wave's Cronbach's alpha of *scale* (true-score share of its variance)."""
    a = dig(results, "survey", "scales", scale, "alpha")
    return float(a) if isinstance(a, (int, float)) else None


def _survey_shown(results: dict) -> bool:
    return isinstance(results.get("survey"), dict)


def survey_figures(before: dict, after: dict) -> list[Figure]:
    """Scale, pillar, claim and maturity figures by side."""
    figs: list[Figure] = []
    if not (_survey_shown(before) or _survey_shown(after)):
        return figs
    scales = list(dict.fromkeys([*(dig(before, "survey", "scales") or {}),
                                 *(dig(after, "survey", "scales") or {})]))
    for code in scales:
        name = MIRROR_NAMES.get(code) or (dig(after, "survey", "scales", code, "name")
                                          or dig(before, "survey", "scales", code, "name")
                                          or code)
        mirrored = code in LOWER_IS_BETTER_SCALES
        hid = _hidden_sides(before, f"survey.scales.{code}") | \
            _hidden_sides(after, f"survey.scales.{code}")
        for side in SIDES:
            b, a = _side_block(before, code, side), _side_block(after, code, side)
            figs.append(Figure(
                ("survey", "scales", code, "by_side", side), f"{name} — {SIDE_WORDS[side]}",
                "survey", "mean", "scale", "higher", b, a, hidden=side in hid,
                extra={"scale": code, "name": name, "mirrored": mirrored}))
    for pillar in dict.fromkeys([*(dig(before, "survey", "pillars") or {}),
                                 *(dig(after, "survey", "pillars") or {})]):
        hid = _hidden_sides(before, "survey.pillars") | _hidden_sides(after, "survey.pillars")
        for side in SIDES:
            figs.append(Figure(
                ("survey", "pillars", pillar, "by_side", side),
                f"{PILLAR_WORDS.get(pillar, pillar)} — {SIDE_WORDS[side]}", "survey", "mean",
                "index", "higher", _pillar(before, pillar, side), _pillar(after, pillar, side),
                hidden=side in hid, extra={"pillar": pillar}))
    for key, side, item, words in (
            ("sales_blame_leads_share", "sales", "CLAIM_LEADS",
             "Sales side agreeing that most marketing leads are not worth working"),
            ("marketing_blame_followup_share", "marketing", "CLAIM_FOLLOW",
             "Marketing side agreeing that sales gives up on leads too early")):
        hid = _hidden_sides(before, f"survey.items.{item}") | \
            _hidden_sides(after, f"survey.items.{item}")
        figs.append(Figure(("survey", "claims", key), words, "survey", "share", "share",
                           "lower", _claim(before, key, side), _claim(after, key, side),
                           hidden=side in hid, extra={"side": side}))
    hid = _hidden_sides(before, "survey.scales.MAT") | _hidden_sides(after, "survey.scales.MAT")
    for side in SIDES:
        b, a = _side_block(before, "MAT", side), _side_block(after, "MAT", side)
        figs.append(Figure(("survey", "maturity", "by_side", side),
                           f"Alignment maturity — {SIDE_WORDS[side]}", "survey", "mean",
                           "scale", "higher", b, a, hidden=side in hid, in_family=False,
                           extra={"same_test_as": f"survey.scales.MAT.by_side.{side}",
                                  "before_stage": _stage(before, side) if b else None,
                                  "after_stage": _stage(after, side) if a else None}))
    return figs


def _stage(results: dict, side: str):
    if side == "all":
        return dig(results, "survey", "maturity", "stage")
    return dig(results, "survey", "maturity", "by_side", side, "stage")


def _pillar(results: dict, pillar: str, side: str) -> dict | None:
    p = dig(results, "survey", "pillars", pillar) or {}
    value = p.get("overall") if side == "all" else dig(p, "by_side", side)
    if value is None:
        return None
    spread = dig(p, "spread", side) or {}
    alphas = [_alpha(results, sc) for sc in p.get("scales") or []]
    rel = None if not alphas or None in alphas else sum(alphas) / len(alphas)
    return {"mean": value, "sd": spread.get("sd"), "n": spread.get("n"),
            "headcount": _headcount(results, side), "reliability": rel}


def _claim(results: dict, key: str, side: str) -> dict | None:
    rate = dig(results, "survey", "claims", key)
    n = dig(results, "survey", "claims", "n", side)
    if rate is None:
        return None
    return {"rate": rate, "n": n, "headcount": _headcount(results, side)}


def _rate(block) -> dict | None:
    if not isinstance(block, dict) or block.get("rate") is None:
        return None
    return {"rate": block["rate"], "n": block.get("n"), "ci_low": block.get("ci_low"),
            "ci_high": block.get("ci_high"), "k": block.get("k")}


def _share(results: dict, section: str, key: str, n_key: str) -> dict | None:
    sec = dig(results, "crm", section) or {}
    if sec.get(key) is None:
        return None
    return {"rate": sec[key], "n": sec.get(n_key)}


def _median(results: dict) -> dict | None:
    sp = dig(results, "crm", "speed") or {}
    if sp.get("median_hours") is None:
        return None
    return {"median": sp["median_hours"], "n": sp.get("n"), "curve": sp.get("km_curve")}


def _worked(results: dict, group: str) -> dict | None:
    """Conversion of well-worked leads: the attempt-clock Kaplan–Meier estimate
    (``crm.lead_quality.worked_conversion.<all|marketing|other>``), or the simple rate of
    earlier results (``well_worked_conversion``, ``marketing``, ``other``)."""
    lq = dig(results, "crm", "lead_quality") or {}
    km = _rate(dig(lq, "worked_conversion", group))
    if km is not None:
        km["estimator"] = "kaplan_meier"
        return km
    return _rate(lq.get("well_worked_conversion" if group == "all" else group))


def crm_figures(before: dict, after: dict) -> list[Figure]:
    """Follow-up, hand-off and lead-quality figures of the CRM evidence."""
    if not (isinstance(before.get("crm"), dict) or isinstance(after.get("crm"), dict)):
        return []
    spec = [
        (("crm", "untouched_share"), "Leads handed to sales (all sources) never touched",
         "share", "lower",
         lambda r: _share(r, "speed", "untouched_share", "n")),
        (("crm", "within_sla_share"),
         "Leads handed to sales (all sources) first touched within the SLA", "share", "higher",
         lambda r: _share(r, "speed", "within_sla_share", "n")),
        (("crm", "single_attempt_share"),
         "Worked leads (all sources) dropped after a single attempt", "share", "lower",
         lambda r: _share(r, "persistence", "single_attempt_share",
                          "n_touched_not_converted")),
        (("crm", "acceptance_rate"), "MQLs (all sources) accepted by sales", "share", "higher",
         lambda r: _rate(dig(r, "crm", "handoff", "acceptance"))
         or _share(r, "handoff", "acceptance_rate", "n_mql")),
        (("crm", "speed_median_hours"),
         "Typical (median) hours to the first sales touch (all sources)",
         "median", "lower", _median),
    ]
    figs = [Figure(path, label, "crm", kind, "hours" if kind == "median" else "share", better,
                   get(before), get(after)) for path, label, kind, better, get in spec]
    for group, words in (("all", "all sources"), ("marketing", "marketing-sourced"),
                         ("other", "other sources")):
        figs.append(Figure(("crm", "worked_conversion", group),
                           f"Well-worked leads that convert — {words}", "crm", "share",
                           "share", "higher", _worked(before, group), _worked(after, group)))
    return figs


def survey_only(results: dict, key: str) -> bool:
    """True when the wave's *key* score rests on the survey alone: its only input used is
    the survey's pillar index (``scores.components.<key>.weights_used``), so the score is
    that index (rounded) and is tested as it."""
    used = dig(results, "scores", "components", key, "weights_used")
    return isinstance(used, dict) and set(used) == {"survey"} and key in PILLAR_WORDS


def score_figures(before: dict, after: dict) -> list[Figure]:
    """The overall scores: shown, not tested (composites of survey and CRM evidence),
    except a score that rests on the survey alone in both waves: it is the same figure as
    its pillar index for everyone and takes that test (``extra["same_test_as"]``), so one
    figure never gets two verdicts."""
    figs = []
    for key, words in SCORE_WORDS.items():
        b, a = dig(before, "scores", key), dig(after, "scores", key)
        extra = ({"same_test_as": f"survey.pillars.{key}.by_side.all"}
                 if survey_only(before, key) and survey_only(after, key) else {})
        figs.append(Figure(("scores", key), words, "scores", "score", "index", "higher",
                           None if b is None else {"value": b},
                           None if a is None else {"value": a}, in_family=False,
                           extra=extra))
    return figs


_NOT_ASKED = re.compile(r"^Items not in the survey data: (.*)\.$")


def items_asked(results: dict, scale: str) -> set[str] | None:
    """The items a wave's *scale* was computed from: ``items`` (the instrument's items of the
    scale when it is missing) less ``items_not_asked``, or, for a results.json older than
    ``items_not_asked``, less those its survey warnings name as not in the data (``"Items
    not in the survey data: FAIR1, SUPP1."``). None when the wave does not say (a scale
    entry with neither list: every results.json this toolkit wrote has one)."""
    sc = dig(results, "survey", "scales", scale)
    if not isinstance(sc, dict):
        return None
    not_asked = sc.get("items_not_asked")
    if isinstance(not_asked, list):           # this version's record: enough on its own
        base = sc["items"] if isinstance(sc.get("items"), list) else SCALE_ITEMS.get(scale, ())
        return {str(c) for c in base} - {str(c) for c in not_asked}
    if not isinstance(sc.get("items"), list):
        return None
    items = {str(c) for c in sc["items"]}
    if "items_not_asked" not in sc:
        for w in dig(results, "survey", "warnings") or []:
            m = _NOT_ASKED.match(w) if isinstance(w, str) else None
            if m:
                items -= {c.strip() for c in m.group(1).split(",")}
    return items


def not_comparable(before: dict, after: dict) -> dict[str, str]:
    """Survey figures the two waves did not measure the same way (attack 41, WV1).

    A scale is a mean of the items a wave asked: when one wave asked an item the other did
    not, the two means are of different question sets and their difference is not a change
    (one extra item rated low reads as "worse" on identical answers to the shared ones).
    Such a scale is not compared, nor the pillar built on it (a mean of its scales), the
    maturity stage (the MAT scale), nor the scores resting on that pillar.

    Returns
    -------
    dict of str to str
        Key prefix in ``comparison.json`` (``survey.scales.FAIR``, ``survey.pillars.politics``,
        ``survey.maturity``, ``scores.politics``, ``scores.overall``) → the plain reason,
        naming the questions asked in one wave only by their short labels.
    """
    from ..instrument import item_labels

    labels = item_labels()
    out: dict[str, str] = {}
    pillars: dict[str, list[str]] = {}
    codes = dict.fromkeys([*(dig(before, "survey", "scales") or {}),
                           *(dig(after, "survey", "scales") or {})])
    for code in codes:
        b, a = items_asked(before, code), items_asked(after, code)
        if b == a:
            continue
        name = MIRROR_NAMES.get(code) or dig(after, "survey", "scales", code, "name") or code
        if b is None or a is None:     # a scale measured in one wave only is "not measured"
            if not (isinstance(dig(before, "survey", "scales", code), dict)
                    and isinstance(dig(after, "survey", "scales", code), dict)):
                continue
            wave = "earlier" if b is None else "later"
            reason = (f"not compared: the {wave} assessment's results do not say which "
                      f"questions {name} was computed from")
        else:
            parts = []
            for only, wave in ((sorted(b - a), "earlier"), (sorted(a - b), "later")):
                if only:
                    asked = ", ".join(f"'{labels.get(c, c)}'" for c in only)
                    parts.append(f"{asked} asked in the {wave} assessment only")
            reason = (f"not compared: the two assessments asked different questions for "
                      f"{name} ({'; '.join(parts)})")
        out[f"survey.scales.{code}"] = reason
        pillar = (dig(after, "survey", "scales", code, "pillar")
                  or dig(before, "survey", "scales", code, "pillar"))
        if isinstance(pillar, str):
            pillars.setdefault(pillar, []).append(str(name))
        if code == "MAT":
            out["survey.maturity"] = reason
    for pillar, names in pillars.items():
        words = PILLAR_WORDS.get(pillar, pillar)
        reason = (f"not compared: {words} averages {', '.join(names)}, whose questions "
                  "differ between the two assessments")
        out[f"survey.pillars.{pillar}"] = reason
        out[f"scores.{pillar}"] = reason
    if pillars:
        out["scores.overall"] = ("not compared: it combines "
                                 + ", ".join(PILLAR_WORDS.get(p, p) for p in pillars)
                                 + ", whose questions differ between the two assessments")
    return out


def all_figures(before: dict, after: dict) -> list[Figure]:
    """Every figure of the comparison, in report order.

    A survey figure is hidden when either wave's anonymity records hid it, and also when
    either wave's figure rests on fewer answers than the stricter of the two waves'
    thresholds, or does not say on how many: an earlier results.json may have been written
    with a lower threshold, or come from elsewhere, so its own records are not trusted alone.
    """
    k = group_threshold(before, after)
    figs = [*score_figures(before, after), *survey_figures(before, after),
            *crm_figures(before, after)]
    for fig in figs:
        if fig.area == "survey" and not fig.hidden and (
                _too_few(fig.before, k) or _too_few(fig.after, k)):
            fig.hidden = True
    hide_complements(figs, k)
    _hide_survey_scores(figs, before, after)
    differ = not_comparable(before, after)
    for fig in figs:
        reason = next((r for key, r in differ.items()
                       if fig.key == key or fig.key.startswith(key + ".")), None)
        if reason:
            fig.extra["not_comparable"] = reason
    return figs


def _shown(fig: Figure) -> bool:
    """Whether the comparison shows *fig*'s numbers (a survey figure missing in one wave is
    hidden by :func:`toolkit.compare.core.compare_results`)."""
    return not fig.hidden and fig.before is not None and fig.after is not None


def rest_size(whole: dict | None, parts: list[dict | None]) -> int | float | None:
    """Respondents in *whole* outside the shown *parts* in one wave (``n`` of everyone minus
    the sides' ``n``), or None when it cannot be worked out (a block or an ``n`` missing)."""
    if not isinstance(whole, dict) or not isinstance(whole.get("n"), (int, float)):
        return None
    ns = [p.get("n") for p in parts if isinstance(p, dict)]
    if not ns or not all(isinstance(n, (int, float)) for n in ns):
        return None
    return whole["n"] - sum(ns)


def hide_complements(figs: list[Figure], k: int) -> None:
    """The complementary-cell rule across each side triple (SPEC §8, §12): everyone's figure
    (``…by_side.all``) is hidden when, in either wave, everyone minus the sides shown leaves
    a group of 1 to *k* − 1 respondents (the teams outside sales and marketing, or a hidden
    side with them), whose n and mean would otherwise follow by subtraction
    (n_rest = n_all − n_sales − n_marketing, mean_rest = (n_all·m_all − Σ n_side·m_side) /
    n_rest). A baseline written with a lower threshold is held to *k* as well. A negative
    difference (counts that do not add up) is treated as unsafe too."""
    triples: dict[tuple, dict[str, Figure]] = {}
    for fig in figs:
        if fig.area == "survey" and len(fig.path) >= 2 and fig.path[-2] == "by_side":
            triples.setdefault(fig.path[:-1], {})[fig.path[-1]] = fig
    for sides in triples.values():
        whole = sides.get("all")
        parts = [f for s, f in sides.items() if s != "all" and _shown(f)]
        if whole is None or not _shown(whole) or not parts:
            continue
        for wave in ("before", "after"):
            rest = rest_size(getattr(whole, wave), [getattr(f, wave) for f in parts])
            if rest is not None and rest != 0 and rest < k:
                whole.hidden = True
                whole.extra["complement"] = True
                break


def _hide_survey_scores(figs: list[Figure], before: dict, after: dict) -> None:
    """A score that rests on the survey alone in a wave is its pillar index for everyone
    (rounded): hidden when that pillar figure is hidden by the complementary rule."""
    hidden = {f.path[2] for f in figs if f.path[:2] == ("survey", "pillars")
              and f.path[-1] == "all" and f.extra.get("complement")}
    for fig in figs:
        if fig.area == "scores" and fig.path[-1] in hidden and any(
                _survey_alone(r, fig.path[-1]) for r in (before, after)):
            fig.hidden = True
            fig.extra["complement"] = True


def _survey_alone(results: dict, key: str) -> bool:
    used = dig(results, "scores", "components", key, "weights_used")
    return not isinstance(used, dict) or set(used) <= {"survey"}


def group_threshold(before: dict, after: dict) -> int:
    """The stricter of the two waves' anonymity thresholds (``min_group_size``), at least
    the default 5 when neither states one."""
    found = []
    for r in (before, after):
        for path in (("data", "settings", "min_group_size"), ("survey", "min_group_size")):
            v = dig(r, *path)
            if isinstance(v, int) and not isinstance(v, bool):
                found.append(v)
    return max(found) if found else 5


def _too_few(block: dict | None, k: int) -> bool:
    if block is None:
        return False
    n = block.get("n")
    return not isinstance(n, (int, float)) or isinstance(n, bool) or n < k
