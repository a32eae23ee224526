"""The deck's "Since the last assessment" slide (SPEC §12), from ``results["comparison"]``."""

from __future__ import annotations

from ..lookup import dig
from .content import PILLARS, ChartSpec, SlideSpec


def _entry(comp: dict, key: str) -> dict:
    return dig(comp, *key.split(".")) or {}


def _short(e: dict) -> str:
    from ..report.waves import change_text, fmt_value

    u = e.get("unit")
    return (f"{fmt_value(e['before'], u)} → {fmt_value(e['after'], u)} "
            f"({change_text(e)})")


def _lower_first(label: str) -> str:
    """A label mid-sentence: its first letter lowered unless it starts an acronym ("MQLs"),
    every other word as written ("the SLA", never "the sla"; review 16d)."""
    if label[1:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def _bullets(comp: dict, status: str, word: str) -> list[str]:
    """Changes of one status in three bullets: the CRM figures, the survey scales and
    pillars for everyone (or a side when only a side moved), and the blame claims."""
    from ..report.waves import change_text

    items = (comp.get("summary") or {}).get(status) or []
    crm = [_entry(comp, i["key"]) for i in items if i["area"] == "crm"]
    claims = [_entry(comp, i["key"]) for i in items if ".claims." in i["key"]]
    scales: dict[str, dict] = {}
    for i in items:
        if i["area"] != "survey" or ".claims." in i["key"]:
            continue
        base, _, who = i["label"].partition(" — ")
        if base not in scales or who == "everyone":
            scales[base] = {**_entry(comp, i["key"]), "who": who}
    out = []
    if crm:
        out.append(f"{word} in the CRM — " + "; ".join(
            f"{_lower_first(e['label'])} {_short(e)}" for e in crm))
    if scales:
        out.append(f"{word} in the survey — " + "; ".join(
            f"{base}{'' if e['who'] == 'everyone' else ' (' + e['who'] + ')'} "
            f"{change_text(e)}" for base, e in scales.items()))
    out += [f"{word} — {_lower_first(e['label'])}: {_short(e)}" for e in claims]
    return out


def since_last(results: dict) -> SlideSpec:
    """What changed since the last assessment: improved, worse, no detectable change, and
    the scores before and after as a native chart."""
    from ..report.waves import (basis_text, healthy, kinds_text, measure_counts,
                                not_compared, scores_note)

    comp = healthy(results.get("comparison") or {})
    summary = comp.get("summary") or {}
    better, worse = summary.get("improved") or [], summary.get("worsened") or []
    same = summary.get("no_detectable_change") or []
    n_imp, n_wor, n_same, by_kind, noun = measure_counts(comp)
    if n_imp or n_wor:
        kinds = kinds_text(by_kind.get("improved"))
        title = (f"Since the last assessment {n_imp} {noun}{'s' if n_imp != 1 else ''} improved"
                 + (f" ({kinds})" if kinds and not n_wor else "")
                 + (f" and {n_wor} got worse" if n_wor else "")
                 + f"; {n_same} show no detectable change")
    else:
        title = "Since the last assessment no figure changed detectably"
    bullets = _bullets(comp, "improved", "Better") + _bullets(comp, "worsened", "Worse")
    measures = summary.get("measures") or {}
    if "no_detectable_change" in measures:
        same = measures["no_detectable_change"]
    if same:
        names = sorted({i["label"].partition(" — ")[0] for i in same})
        bullets.append("No detectable change: " + ", ".join(names[:6])
                       + (f" and {len(names) - 6} more" if len(names) > 6 else ""))
    bullets += not_compared(comp)
    b, a = [], []
    for key, _label in PILLARS:
        e = dig(comp, "scores", key) or {}
        b.append(e.get("before"))
        a.append(e.get("after"))
    o = dig(comp, "scores", "overall") or {}
    chart = ChartSpec(title="Score out of 100, earlier and this assessment",
                      categories=[label for _, label in PILLARS] + ["Overall"],
                      series=[("Earlier", b + [o.get("before")], "muted"),
                              ("Now", a + [o.get("after")], "primary")],
                      percent=False, maximum=100)
    m = comp.get("method") or {}
    alpha = m.get("alpha")
    guard = (f"so that the chance of calling even one unchanged figure improved or worse "
             f"stays at {alpha:.0%} or less" if isinstance(alpha, (int, float)) else
             "so that few of the changes called detectable are chance")
    notes = [
        "Each assessment asked a separate group of people (answers are not matched person by "
        "person), and the CRM figures cover different leads. A change is called detectable "
        "only when its likely range excludes zero; every range is widened for the number of "
        f"figures compared, {guard}. Survey ranges allow for having asked most of the team "
        "when the headcount is known.",
        scores_note(comp) + " Full tables: the report's 'Since the last assessment' "
        "section; the methods are in its appendix.",
        basis_text(comp)]
    from ..report.waves import fmt_change

    for i in better + worse:
        e = _entry(comp, i["key"])
        notes.append(f"{e['label']}: {_short(e)}, likely range "
                     f"{fmt_change(e.get('ci_low'), e['unit'])} to "
                     f"{fmt_change(e.get('ci_high'), e['unit'])}")
    return SlideSpec(title=title, bullets=bullets, charts=[chart], notes=notes)
