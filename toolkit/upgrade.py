"""Bring a ``results.json`` of an earlier layout up to the current one, without re-analysing.

Layout 1 (toolkit 0.1.0) stored the measures, the verdict (with its thresholds), the scores
(with their weights) and the recommendations, but not the findings nor one ``method``
record. :func:`upgrade_results` rebuilds what is missing **from the file itself**: the
verdict's thresholds from ``verdict.thresholds``, the plan flags' from
``incentives.thresholds``, the pillar weights from ``scores.components`` — so the
methodology appendix shows what the file was judged with. What layout 1 did not record (the
finding thresholds, the reference list) is filled from this version and said so in
``method.note``. Findings are derived from the stored figures with those thresholds;
the stored recommendations are kept as they are.
"""

from __future__ import annotations

import copy

from . import method as method_mod
from .jsonio import RESULTS_SCHEMA, jsonable

#: Layout-1 flag threshold names → the name of the same cut-off in :mod:`toolkit.method`
#: (recorded under the flag's own name when it differs in value).
_FLAG_NAMES = {"acceptance_rate_low": "acceptance_rate_low",
               "within_sla_share_low": "within_sla_min",
               "untouched_share_high": "untouched_share_max",
               "single_attempt_share_high": "single_attempt_max",
               "min_mqls": "min_handoff_mqls", "fit_share_high": "fit_majority",
               "min_fit_reasons": "min_rejections_with_reason"}


def schema_of(results: dict) -> int:
    """Layout version of *results* (1 when the file predates the ``schema`` key)."""
    v = results.get("schema")
    return int(v) if isinstance(v, int) and not isinstance(v, bool) else 1


def upgrade_results(results: dict) -> tuple[dict, list[str]]:
    """Return *results* in the current layout and the notes on what was rebuilt.

    Parameters
    ----------
    results : dict
        A results dict of any layout (as read by :func:`toolkit.jsonio.load_results`); not
        modified.

    Returns
    -------
    (dict, list of str)
        The upgraded copy (unchanged content for a current file) and plain notes on what
        was rebuilt and from where.
    """
    if schema_of(results) >= RESULTS_SCHEMA:
        return results, []
    r = copy.deepcopy(results)
    notes: list[str] = []
    rec = method_mod.record()
    today = {t["name"]: t for t in rec["thresholds"]}
    rows: dict[str, dict] = {}
    recorded: set[str] = set()

    for t in ((r.get("verdict") or {}).get("thresholds") or []):
        if isinstance(t, dict) and t.get("name"):
            rows[t["name"]] = {"name": t["name"], "value": t.get("value"),
                               "rationale": t.get("rationale") or "",
                               "source": t.get("source") or "",
                               "used_by": list(t.get("used_by") or ["verdict"])}
            recorded.add(t["name"])
    flags = (r.get("incentives") or {}).get("thresholds") or {}
    for old, new in _FLAG_NAMES.items():
        if old not in flags:
            continue
        base = rows.get(new) or today.get(new) or {}
        if new in rows and rows[new].get("value") != flags[old]:
            name = f"flag_{old}"  # the flag used a different value than the verdict
        else:
            name = new
        rows[name] = {"name": name, "value": flags[old],
                      "rationale": base.get("rationale") or "",
                      "source": base.get("source") or "",
                      "used_by": ["incentive flags"] if name != new else
                      sorted(set(base.get("used_by") or []) | {"incentive flags"})}
        recorded.add(name)
    filled = [n for n in today if n not in rows]
    version = r.get("toolkit_version") or "an earlier version"
    for n in filled:  # not recorded in the file: say so on the row itself
        rows[n] = {**today[n], "source": f"{today[n]['source']} — not recorded by aligndx "
                   f"{version}; this version's value"}
    weights = {}
    comps = (r.get("scores") or {}).get("components") or {}
    for pillar, c in comps.items():
        if isinstance(c, dict) and isinstance(c.get("weights"), dict):
            weights[pillar] = dict(c["weights"])
    if not weights:
        weights = rec["weights"]
        notes.append("pillar weights not recorded; this version's weights are shown")
    components = [{"pillar": p, "component": c, "weight": w,
                   "input": method_mod.COMPONENTS.get((p, c), "")}
                  for p, ws in weights.items() for c, w in ws.items()]
    note = (f"These results were written by aligndx {version}, which recorded the verdict's "
            "and the plan flags' thresholds and the pillar weights (shown as recorded). "
            "Thresholds it did not record (marked 'not recorded' in their source) and the "
            "reference list are this version's.")
    notes.append(note)
    r["method"] = {**rec, "thresholds": list(rows.values()), "weights": weights,
                   "components": components, "note": note,
                   "settings": (r.get("data") or {}).get("settings"),
                   "recorded": sorted(recorded), "filled_from_current": filled}

    if not isinstance(r.get("findings"), list):
        from .findings import record as findings_record
        r["findings"] = findings_record(r)
        notes.append("findings derived from the stored figures (layout 1 did not store them)")
    r["schema"] = RESULTS_SCHEMA
    r.setdefault("data", {}).setdefault("warnings", [])
    return jsonable(r), notes


def workshop_views_note(results: dict) -> str | None:
    """Why *results* cannot serve the live workshop's survey views, or None when it can.

    The workshop reads its filters, perception-gap reveal and guess-round figures from
    ``results["workshop"]["reveal"]`` (:mod:`toolkit.workshop.store`), which earlier versions
    did not write. Those views are computed from the respondents' answers, which a
    results.json deliberately does not hold, so they cannot be rebuilt from the file: the
    results must be regenerated from the engagement.

    Returns
    -------
    str or None
        A plain sentence naming the command to run, or None.
    """
    from .workshop.store import STORE_SCHEMA

    store = (results.get("workshop") or {}).get("reveal") if isinstance(
        results.get("workshop"), dict) else None
    if isinstance(store, dict) and store.get("schema") == STORE_SCHEMA:
        return None
    v = results.get("toolkit_version")
    version = f"aligndx {v}" if v else "an earlier version of aligndx"
    if isinstance(store, dict) and store.get("schema") is not None:
        what = ", which stored the workshop's survey views in another layout"
    elif isinstance(results.get("workshop"), dict) and "reveal" in results["workshop"]:
        what = ", but the workshop's survey views could not be computed (see data.errors)"
    else:
        what = ", which did not store the workshop's survey views"
    return (f"These results were written by {version}{what}. Regenerate them "
            "from the engagement with “aligndx report ENGAGEMENT -o OUT” (or run “aligndx "
            "workshop ENGAGEMENT” without --results, which analyses it anew), then start the "
            "workshop again.")
