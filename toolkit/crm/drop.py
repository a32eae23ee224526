"""Where the funnel loses most — one definition, read by the report, the deck and the workbook.

A stage's conversion is compared with its practitioner range (demand waterfall, SPEC §9:
MQL → SAL 40–60%, SAL → SQL 50–70%, SQL → won 20–30%), not with the other stages: stages
convert at very different normal rates, so the lowest conversion of the funnel (typically
opportunity → won, around 20–30%) is not by itself a finding. The **funnel drop** is the
stage conversion *clearly below* its range (the upper end of its Wilson 95% interval under the
range's lower end) that falls furthest short of it (the smallest ratio of rate to the lower
end), among stages entered by at least ``min_stage_leads`` leads. When no stage is clearly
below its range, there is no drop to report, and the renderers say so.
"""

from __future__ import annotations

from .. import benchmarks
from .funnel import wilson

#: The transitions with a practitioner range: (from stage, to stage, range key).
CHECKED = (("mql", "sal", "mql_to_sal"), ("sal", "sql", "sal_to_sql"),
           ("sql", "won", "sql_to_won"))


def funnel_drop(fun: dict, *, min_leads: float) -> dict:
    """The ``crm.funnel_drop`` section.

    Parameters
    ----------
    fun : dict
        The ``crm.funnel`` section (``counts``; a stage the export does not measure is
        ``None`` and is not checked).
    min_leads : float
        Fewest leads entering a stage before its conversion is judged (``min_stage_leads``).

    Returns
    -------
    dict
        ``found`` (bool); when found, ``from``, ``to``, ``rate``, ``ci_low``, ``ci_high``,
        ``k`` (leads that moved on), ``n`` (leads entering), ``lost`` (``n − k``),
        ``benchmark`` ``{low, high}``; always ``checked`` (one row per judged transition with
        ``below``), ``definition`` and ``reason`` (why none is named, else ``None``).
    """
    counts = fun.get("counts") or {}
    ranges = benchmarks.REFERENCES["demand_waterfall"]["values"]
    checked = []
    for a, b, key in CHECKED:
        n, k = counts.get(a), counts.get(b)
        if n is None or k is None or n < min_leads:
            continue
        low, high = ranges[key]
        w = wilson(int(k), int(n))
        checked.append({"from": a, "to": b, "rate": w["rate"], "ci_low": w["ci_low"],
                        "ci_high": w["ci_high"], "k": int(k), "n": int(n),
                        "lost": int(n) - int(k), "benchmark": {"low": low, "high": high},
                        "below": bool(w["ci_high"] < low)})
    out = {"found": False, "checked": checked, "reason": None,
           "definition": "the stage conversion clearly below its practitioner range that "
                         "falls furthest short of it (demand waterfall: MQL → SAL 40–60%, "
                         "SAL → SQL 50–70%, SQL → won 20–30%), among stages entered by at "
                         f"least {min_leads:g} leads"}
    below = [c for c in checked if c["below"]]
    if not checked:
        out["reason"] = (f"no stage with a practitioner range was entered by {min_leads:g} "
                         "leads or more, or the export does not record those stages")
    elif not below:
        out["reason"] = "every stage with a practitioner range converts within, above or " \
                        "close to it"
    else:
        worst = min(below, key=lambda c: c["rate"] / c["benchmark"]["low"])
        out.update({k: v for k, v in worst.items() if k != "below"}, found=True)
    return out
