"""The shape of a ``results.json`` the toolkit writes, checked before anything renders it
(SPEC §6, §7; attack 6 RJ1).

A results.json read back for ``render``, ``compare``, a baseline or the portfolio may have
been edited by hand. :func:`shape_problem` walks a small table of dotted paths — each with the
JSON types it may hold and, for the keys the renderers look up in a table (stage names,
steps, statuses), the vocabulary — so that a tampered file is refused with the key and what
was expected (exit 2), instead of a renderer failing on it. Every number anywhere must also
be within :data:`MAX_MAGNITUDE` (no real figure is larger; a larger one overflows the
renderers' arithmetic). The message never quotes the value found: it may be a payload.
"""

from __future__ import annotations

from typing import Any

from .instrument import LIKERT_ITEMS
from .vocab import FUNNEL_STAGES, SEVERITY_LEVELS, STAGES, STEPS, VERDICT_STATUSES

#: Layout versions this toolkit reads (:data:`toolkit.jsonio.RESULTS_SCHEMA` and earlier).
KNOWN_SCHEMAS: tuple[int, ...] = (1, 2)

#: Largest magnitude of any number in a results.json: the largest plausible amount
#: (:data:`toolkit.schemas.MAX_AMOUNT`); counts, rates and scores are far below it.
MAX_MAGNITUDE = 1e15

_TYPE_WORDS = {dict: "an object", list: "a list", str: "a text", int: "a whole number",
               float: "a number", bool: "true or false", type(None): "null"}
NUM = (int, float)
OBJ, LST, TXT, NONE = (dict,), (list,), (str,), (type(None),)

def _records(path: str) -> dict:
    """Shape of a list item ``{where, group, reason}`` (a withheld group) at *path*."""
    return {path: (OBJ, None, None), f"{path}.where": (TXT, None, None),
            f"{path}.group": (TXT + NONE, None, None), f"{path}.reason": (TXT, None, None)}


#: path → (types allowed, vocabulary or None, (low, high) range or None). ``*`` matches every
#: key of an object or every item of a list. A path absent from the file is not checked
#: (older layouts lack sections); null is allowed only where listed.
SHAPE: dict[str, tuple[tuple[type, ...], tuple | None, tuple | None]] = {
    "schema": ((int,), KNOWN_SCHEMAS, None),
    "toolkit_version": (TXT, None, None),
    "generated_at": (TXT + NONE, None, None),
    "client": (OBJ, None, None),
    "client.id": (TXT, None, None),
    "client.name": (TXT + NONE, None, None),
    "client.currency": (TXT + NONE, None, None),
    "client.period_start": (TXT + NONE, None, None),
    "client.period_end": (TXT + NONE, None, None),
    "data": (OBJ + NONE, None, None),
    "data.warnings": (LST + NONE, None, None),
    "data.warnings.*": (TXT, None, None),
    "data.row_counts": (OBJ + NONE, None, None),
    "data.row_counts.*": ((int,) + NONE, None, (0, MAX_MAGNITUDE)),
    "survey": (OBJ + NONE, None, None),
    "survey.maturity": (OBJ + NONE, None, None),
    # which items each scale was computed from: what a wave comparison compares (WV3)
    "survey.scales": (OBJ + NONE, None, None),
    "survey.scales.*": (OBJ, None, None),
    "survey.scales.*.items": (LST, None, None),
    "survey.scales.*.items.*": (TXT, tuple(LIKERT_ITEMS), None),
    "survey.scales.*.items_not_asked": (LST, None, None),
    "survey.scales.*.items_not_asked.*": (TXT, tuple(LIKERT_ITEMS), None),
    "survey.maturity.stage": (TXT + NONE, STAGES, None),
    "crm": (OBJ + NONE, None, None),
    "crm.funnel": (OBJ + NONE, None, None),
    "crm.funnel.stages": (LST + NONE, None, None),
    "crm.funnel.stages.*": (TXT, FUNNEL_STAGES, None),
    "crm.funnel.counts": (OBJ + NONE, None, None),
    "crm.funnel.counts.*": ((int,) + NONE, None, (0, MAX_MAGNITUDE)),
    "crm.funnel_drop": (OBJ + NONE, None, None),
    "crm.funnel_drop.from": (TXT + NONE, FUNNEL_STAGES, None),
    "crm.funnel_drop.to": (TXT + NONE, FUNNEL_STAGES, None),
    "crm.funnel_drop.rate": (NUM + NONE, None, (0, 1)),
    "crm.funnel_drop.checked": (LST + NONE, None, None),
    "crm.funnel_drop.checked.*": (OBJ, None, None),
    "crm.funnel_drop.checked.*.from": (TXT, FUNNEL_STAGES, None),
    "crm.funnel_drop.checked.*.to": (TXT, FUNNEL_STAGES, None),
    "crm.funnel_drop.worst": (OBJ + NONE, None, None),
    "crm.funnel_drop.worst.from": (TXT, FUNNEL_STAGES, None),
    "crm.funnel_drop.worst.to": (TXT, FUNNEL_STAGES, None),
    "incentives": (OBJ + NONE, None, None),
    "incentives.plan_fingerprint": (TXT + NONE, None, None),
    "verdict": (OBJ + NONE, None, None),
    "verdict.lead_quality": (OBJ, None, None),
    "verdict.lead_quality.status": (TXT, VERDICT_STATUSES, None),
    "verdict.follow_up": (OBJ, None, None),
    "verdict.follow_up.status": (TXT, VERDICT_STATUSES, None),
    "scores": (OBJ + NONE, None, None),
    "scores.politics": (NUM + NONE, None, (0, 100)),
    "scores.incentives": (NUM + NONE, None, (0, 100)),
    "scores.communication": (NUM + NONE, None, (0, 100)),
    "scores.overall": (NUM + NONE, None, (0, 100)),
    "scores.stage": (TXT + NONE, STAGES, None),
    "scores.warnings": (LST + NONE, None, None),
    "scores.warnings.*": (TXT, None, None),
    "findings": (LST + NONE, None, None),
    "findings.*": (OBJ, None, None),
    "findings.*.step": (TXT + NONE, STEPS, None),
    "findings.*.level": (TXT + NONE, SEVERITY_LEVELS, None),
    "findings.*.text": (TXT + NONE, None, None),
    "recommendations": (LST + NONE, None, None),
    "recommendations.*": (OBJ, None, None),
    "recommendations.*.step": (TXT, STEPS, None),
    "recommendations.*.title": (TXT, None, None),
    "recommendations.*.rationale": (TXT + NONE, None, None),
    "method": (OBJ + NONE, None, None),
    "workshop": (OBJ + NONE, None, None),
    **{f"workshop.{k}": v for k, v in {   # attack 7 WJ1: the workshop reads only this file
        "reveal": (OBJ + NONE, None, None),
        "reveal.schema": ((int,), None, (0, MAX_MAGNITUDE)),
        "reveal.status": (TXT, ("ok", "no_survey"), None),
        "reveal.min_group_size": ((int,), None, (1, MAX_MAGNITUDE)),
        "reveal.codes": (LST, None, None),
        "reveal.codes.*": (TXT, None, None),
        "reveal.withheld": (OBJ, None, None),
        "reveal.withheld.level": (LST, None, None),
        "reveal.withheld.level.*": (TXT, None, None),
        "reveal.withheld.region": (LST, None, None),
        "reveal.withheld.region.*": (TXT, None, None),
        "reveal.options": (OBJ, None, None),
        "reveal.options.level": (LST, None, None),
        "reveal.options.level.*": (OBJ, None, None),
        "reveal.options.level.*.region": (TXT + NONE, None, None),
        "reveal.options.level.*.values": (LST, None, None),
        "reveal.options.level.*.values.*": (TXT, None, None),
        "reveal.options.region": (LST, None, None),
        "reveal.options.region.*": (OBJ, None, None),
        "reveal.options.region.*.level": (TXT + NONE, None, None),
        "reveal.options.region.*.values": (LST, None, None),
        "reveal.options.region.*.values.*": (TXT, None, None),
        "reveal.filter_suppressed": (LST, None, None),
        **_records("reveal.filter_suppressed.*"),
        "reveal.views": (LST, None, None),
        "reveal.views.*": (OBJ, None, None),
        "reveal.views.*.level": (TXT + NONE, None, None),
        "reveal.views.*.region": (TXT + NONE, None, None),
        "reveal.views.*.side": (TXT + NONE, ("sales", "marketing"), None),
        "reveal.views.*.label": (TXT, None, None),
        "reveal.views.*.shown": ((bool,), None, None),
        "reveal.views.*.message": (TXT, None, None),
        "reveal.views.*.suppressed": (LST, None, None),
        **_records("reveal.views.*.suppressed.*"),
        "reveal.views.*.reveals": (OBJ, None, None),
        "reveal.views.*.reveals.*": (OBJ, None, None),
        "reveal.views.*.reveals.*.hidden": (TXT, None, None),
        "reveal.views.*.reveals.*.by_side": (OBJ, None, None),
        "reveal.views.*.reveals.*.by_side.*": (OBJ, None, None),
        "reveal.views.*.reveals.*.by_side.*.n": ((int,) + NONE, None, (0, MAX_MAGNITUDE)),
        "reveal.views.*.reveals.*.by_side.*.mean": (NUM + NONE, None, None),
        "reveal.views.*.reveals.*.by_side.*.agree_share": (NUM + NONE, None, (0, 1)),
        "reveal.views.*.reveals.*.by_side.*.withheld": (TXT + NONE, None, None),
        "reveal.views.*.reveals.*.gap": (OBJ, None, None),
        "reveal.views.*.reveals.*.gap.*": (NUM + TXT + NONE, None, None),
        "reveal.views.*.reveals.*.suppressed": (LST, None, None),
        **_records("reveal.views.*.reveals.*.suppressed.*"),
        "reveal.views.*.reveals.*.warnings": (LST, None, None),
        "reveal.views.*.reveals.*.warnings.*": (TXT, None, None),
        "reveal.audit": (OBJ + NONE, None, None),
        "sla": (OBJ + NONE, None, None),
        "sla.hours": (LST, None, None),
        "sla.hours.*": (NUM, None, (0, MAX_MAGNITUDE)),
        "sla.attempts": (LST, None, None),
        "sla.attempts.*": ((int,), None, (0, MAX_MAGNITUDE)),
        "sla.n_leads": ((int,), None, (0, MAX_MAGNITUDE)),
        "sla.current_conversions": ((int,), None, (0, MAX_MAGNITUDE)),
        "sla.score_bands": ((bool,), None, None),
        "sla.warnings": (LST, None, None),
        "sla.warnings.*": (TXT, None, None),
        "sla.tables": (OBJ, None, None),
        "sla.tables.*": (LST, None, None),
        "sla.tables.*.*": (OBJ, None, None),
        "sla.tables.*.*.band": (TXT, None, None),
        "sla.tables.*.*.n_fast": ((int,), None, (0, MAX_MAGNITUDE)),
        "sla.tables.*.*.late_open": ((int,), None, (0, MAX_MAGNITUDE)),
        **{f"sla.tables.*.*.{c}{t}": v for c in ("at_risk", "events", "given_up")
           for t, v in (("", (LST, None, None)),
                        (".*", (NUM, None, (0, MAX_MAGNITUDE))))},
        "sla.targets": (OBJ, None, None),
        "sla.targets.*": (OBJ, None, None),
        "sla.targets.*.meets_share": (NUM + NONE, None, (0, 1)),
        "sla.targets.*.cost": (OBJ + NONE, None, None),
        "sla.targets.*.cost.*": (NUM + NONE, None, (0, MAX_MAGNITUDE)),
        "sla.method": (TXT + NONE, None, None),
        "sla.caveat": (TXT + NONE, None, None),
    }.items()},
}


def _expected(types: tuple[type, ...], vocab: tuple | None, rng: tuple | None) -> str:
    if vocab is not None and len(vocab) > 12:      # the survey's item codes
        return (f"one of the {len(vocab)} codes of the instrument ({vocab[0]} … {vocab[-1]})"
                + (" (or null)" if type(None) in types else ""))
    if vocab is not None:
        words = " or ".join(str(v) for v in vocab)
        return f"one of {words}" + (" (or null)" if type(None) in types else "")
    words = [_TYPE_WORDS[t] for t in types if not (t is int and float in types)]
    text = " or ".join(words)
    if rng is not None:
        text += f" from {rng[0]:g} to {rng[1]:g}"
    return text


def _matches(obj: Any, parts: list[str], where: str):
    """Yield (dotted path, value) for every node of *obj* at *parts* (``*`` = every child)."""
    if not parts:
        yield where, obj
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        items = (obj.items() if isinstance(obj, dict)
                 else enumerate(obj) if isinstance(obj, list) else ())
        for k, v in items:
            yield from _matches(v, rest, f"{where}.{k}")
    elif isinstance(obj, dict) and head in obj:
        yield from _matches(obj[head], rest, f"{where}.{head}" if where else head)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _too_large(obj: Any) -> str | None:
    """Dotted path of the first number anywhere whose magnitude exceeds MAX_MAGNITUDE."""
    stack: list[tuple[str, Any]] = [("", obj)]
    while stack:
        where, o = stack.pop()
        if isinstance(o, dict):
            stack.extend((f"{where}.{k}" if where else str(k), v) for k, v in o.items())
        elif isinstance(o, list):
            stack.extend((f"{where}.{i}", v) for i, v in enumerate(o))
        elif _is_number(o) and not -MAX_MAGNITUDE <= o <= MAX_MAGNITUDE:
            return where or "the top"
    return None


def shape_problem(results: dict) -> str | None:
    """Why *results* does not have the shape this toolkit writes, or None.

    Returns
    -------
    str or None
        ``"key 'scores.overall': expected a number from 0 to 100"`` — the dotted key and what
        was expected, never the value found.
    """
    for path, (types, vocab, rng) in SHAPE.items():
        for where, v in _matches(results, path.split("."), ""):
            ok = isinstance(v, types) and not (isinstance(v, bool) and bool not in types)
            if ok and vocab is not None and v is not None:
                ok = v in vocab
            if ok and rng is not None and _is_number(v):
                ok = rng[0] <= v <= rng[1]
            if not ok:
                return f"key '{where}': expected {_expected(types, vocab, rng)}"
    where = _too_large(results)
    if where:
        return (f"key '{where}': expected a number no larger than {MAX_MAGNITUDE:g} "
                "in magnitude")
    return None
