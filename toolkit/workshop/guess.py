"""The phone round's questions and its reveal: the room's guesses against the survey.

Each question asks what share of one side agreed with one survey item (answers 4–5), e.g.
"what share of the marketing team agreed that sales gives up on leads too early?". The
real figure is the unfiltered perception reveal of that item (hidden when that side has
fewer than ``min_group_size`` answers), which the workshop reads from results.json
(:meth:`toolkit.workshop.context.Workshop.survey_reveal`). The room's guesses are shown
for the whole room and by the guesser's side under the same rule as every other figure:
:func:`toolkit.survey.groups.visibility` — no side with fewer than ``min_group_size``
guesses, and when one side is too small the other is hidden too (else it would follow
from the room's figure). Guesses are summarised by their median and middle half (the
room's typical guess), never listed one by one.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .. import method as _method
from ..exceptions import InputError
from ..instrument import LIKERT_ITEMS, item_labels
from ..survey.groups import SIDE_NAMES, visibility
from .reveal import perception_reveal

_SIDE_TEAM = {"sales": "sales", "marketing": "marketing"}
_TEXT = {
    ("CLAIM_FOLLOW", "marketing"): "What share of the marketing team agreed that sales "
                                   "gives up on leads too early?",
    ("CLAIM_LEADS", "sales"): "What share of the sales team agreed that most leads from "
                              "marketing are not worth working?",
    ("TRUST2", "sales"): "What share of the sales team agreed that marketing acts in good "
                         "faith?",
}
#: The default round: one claim about each side, then trust.
DEFAULT_QUESTIONS = (("CLAIM_FOLLOW", "marketing"), ("CLAIM_LEADS", "sales"),
                     ("TRUST2", "sales"))


def question_text(code: str, about: str) -> str:
    """The question as the phones show it."""
    if (code, about) in _TEXT:
        return _TEXT[(code, about)]
    return (f"What share of the {about} team agreed with “{item_labels().get(code, code)}”?")


def make_questions(pairs=DEFAULT_QUESTIONS) -> list[dict]:
    """Questions ``{id, code, about, text}`` for :func:`toolkit.workshop.room.open_round`.

    Parameters
    ----------
    pairs : iterable of (item code, side)
        Up to three (item, side the room guesses about).

    Raises
    ------
    InputError
        Unknown item (scales are not offered: "agreed" needs one statement) or side.
    """
    out = []
    for i, (code, about) in enumerate(pairs, start=1):
        if code not in LIKERT_ITEMS:
            raise InputError(f"unknown survey item {code!r} for the guess round")
        if about not in SIDE_NAMES:
            raise InputError(f"unknown side {about!r}; expected sales or marketing")
        out.append({"id": f"q{i}", "code": code, "about": about,
                    "text": question_text(code, about)})
    return out


def _summary(values: list[float]) -> dict:
    """Median and middle half of a group's guesses. No mean: with the group's size it gives
    the sum of the guesses, from which anyone who knows the others' guesses gets the last
    one exactly (review 13, M7)."""
    x = np.asarray(values, dtype=float)
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return {"n": int(len(x)), "median": float(med), "q1": float(q1), "q3": float(q3)}


def _survey_figure(survey, code: str, k: int) -> dict | None:
    if survey is None:
        return None
    if callable(survey):
        return survey(code)
    if len(survey):
        return perception_reveal(survey, code, min_group_size=k)
    return None


def guess_reveal(survey: pd.DataFrame | Callable[[str], dict | None] | None,
                 questions: list[dict], answers: list[dict], *, min_group_size: int) -> dict:
    """Compare the room's guesses with the survey, anonymity-safe.

    Parameters
    ----------
    survey : callable, pandas.DataFrame or None
        Where the survey's figures come from: in the workshop,
        :meth:`toolkit.workshop.context.Workshop.survey_reveal` (code → the unfiltered
        reveal stored in results.json, or None when hidden); or a canonical survey table
        (unfiltered), revealed with :func:`perception_reveal` — the same figures.
    questions : list of dict
        From :func:`make_questions`.
    answers : list of dict
        ``[{side, answers: {question id: 0..100}}]`` (:func:`toolkit.workshop.room.round_answers`);
        side ``sales``, ``marketing``, ``other`` or ``none``.
    min_group_size : int
        Anonymity threshold.

    Returns
    -------
    dict
        ``n_answers``, ``questions``: per question ``{id, code, about, text, actual (% or
        None when hidden), room (summary or None), by_side ({sales, marketing} → summary
        or None), error (room median − actual, points, or None), verdict}``, and
        ``suppressed`` (``{where, group, reason}``, never a count). A summary is
        ``{n, median, q1, q3}`` in percent (no mean, see :func:`_summary`).

    Examples
    --------
    Ten phones guess 30 % for marketing's agreement that sales gives up too early; the
    survey says 80 %: room median 30, error −50 points, underestimated.
    """
    k = int(min_group_size)
    rows = [a for a in answers if isinstance(a, dict) and isinstance(a.get("answers"), dict)]
    side = pd.Series([a.get("side") for a in rows], dtype=object)
    n_s, n_m = int((side == "sales").sum()), int((side == "marketing").sum())
    n_r = len(rows) - n_s - n_m
    vis = visibility(n_s, n_m, n_r, k)
    suppressed: list[dict] = []
    out = {"n_answers": len(rows), "questions": [], "suppressed": suppressed,
           "min_group_size": k}
    for q in questions:
        where = f"workshop.guess.{q['id']}"
        real = _survey_figure(survey, q["code"], k)
        share = None if real is None else real["by_side"][q["about"]]["agree_share"]
        actual = None if share is None else 100.0 * share
        if actual is None:
            suppressed.append({"where": where, "group": f"{q['about']} side (survey)",
                               "reason": "below_threshold"})
        vals = {s: [float(a["answers"][q["id"]]) for a, sd in zip(rows, side)
                    if q["id"] in a["answers"] and (
                        sd == s or (s == "all" and (vis.include_rest or sd in _SIDE_TEAM)))]
                for s in ("all", "sales", "marketing")}
        room = _summary(vals["all"]) if vis.all and vals["all"] else None
        if room is None and rows:
            suppressed.append({"where": where, "group": "the room",
                               "reason": "below_threshold"})
        by_side = {}
        for s in ("sales", "marketing"):
            ok = vis.shown(s) and len(vals[s]) >= k
            by_side[s] = _summary(vals[s]) if ok else None
            if not ok and vals[s]:
                suppressed.append({"where": where, "group": f"{s} side (guesses)",
                                   "reason": "below_threshold"})
        err = None if room is None or actual is None else room["median"] - actual
        verdict = ("hidden" if actual is None else "waiting" if room is None else
                   "spot on" if abs(err) <= _method.value("guess_spot_on_points") else
                   "overestimated" if err > 0 else "underestimated")
        out["questions"].append({**q, "actual": actual, "room": room, "by_side": by_side,
                                 "error": err, "verdict": verdict})
    out["room_includes_other"] = bool(vis.include_rest)
    return _audited(out, rows, k)


def guessers_table(answers: list[dict]) -> pd.DataFrame:
    """The guesses as a table for the anonymity audit: one row per phone, ``team``
    (``sales``, ``marketing``, ``other`` — other teams and "prefer not to say" together, as
    in the reveal) and one column ``guess:<question id>`` per question (NaN = no guess)."""
    rows = [a for a in answers if isinstance(a, dict) and isinstance(a.get("answers"), dict)]
    qids = sorted({q for a in rows for q in a["answers"]})
    return pd.DataFrame({
        "team": [a.get("side") if a.get("side") in _SIDE_TEAM else "other" for a in rows],
        **{f"guess:{q}": [a["answers"].get(q, np.nan) for a in rows] for q in qids}})


def guess_releases(result: dict) -> list:
    """Every guess figure a reveal shows, as :class:`toolkit.privacy_audit.Release` sets."""
    from ..privacy_audit import Release

    room_teams = frozenset({"sales", "marketing"}
                           | ({"other"} if result.get("room_includes_other") else set()))
    rel = []
    for q in result["questions"]:
        measure = f"guess:{q['id']}"
        if q["room"] is not None:
            rel.append(Release(f"workshop.guess.{q['id']}.room", measure,
                               (("team", room_teams),), q["room"]["n"]))
        for s, summary in q["by_side"].items():
            if summary is not None:
                rel.append(Release(f"workshop.guess.{q['id']}.{s}", measure,
                                   (("team", frozenset({s})),), summary["n"]))
    return rel


def _audited(out: dict, rows: list[dict], k: int) -> dict:
    """Run the anonymity audit (:func:`toolkit.privacy_audit.audit`) over the guess figures
    of *out*; withhold the sides, then the room, of a question that fails it."""
    try:
        from ..privacy_audit import audit
    except ImportError:  # the audit module is not part of this installation
        out["audit"] = None
        return out
    table = guessers_table(rows)
    rep = audit(table, guess_releases(out), k)
    for v in rep.violations + rep.mismatches:
        qid = v["where"][0].split(".")[2] if "measure" in v else v["where"].split(".")[2]
        for q in out["questions"]:
            if q["id"] == qid:
                q["by_side"] = {"sales": None, "marketing": None}
                q["room"], q["error"] = None, None
                q["verdict"] = "hidden" if q["actual"] is None else "waiting"
                out["suppressed"].append({"where": f"workshop.guess.{qid}",
                                          "group": "the room", "reason": "audit"})
    if not rep.ok:
        rep = audit(table, guess_releases(out), k)
    out["audit"] = rep.summary()
    return out
