"""Files delivered beside the HTML report: ``results.json`` and ``aggregates.xlsx``.

Both are built from the results dict only, which already respects the anonymity rule: no
respondent rows, no group under the threshold. Spreadsheet cells that start with ``=``,
``+``, ``-`` or ``@`` are neutralized against formula injection (SPEC §8).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .pipeline import jsonable

SIDES = ("sales", "marketing", "all")


def write_results_json(results: dict, path: Path) -> Path:
    """Write *results* as strict JSON (no NaN) to *path*.

    Raises
    ------
    ValueError
        If a non-finite number slipped through (``allow_nan=False``).
    """
    path.write_text(json.dumps(jsonable(results), indent=2, allow_nan=False,
                               ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _neutralize(value: Any) -> Any:
    from .privacy import neutralize_cell

    return neutralize_cell(value)


def aggregate_tables(results: dict) -> dict[str, pd.DataFrame]:
    """Return the report's aggregate tables as DataFrames, keyed by sheet name.

    Parameters
    ----------
    results : dict
        The results dict (SPEC §6).

    Returns
    -------
    dict of str to DataFrame
        Only tables whose section was assessed; every figure is an aggregate.
    """
    tables: dict[str, pd.DataFrame] = {}
    scores = results.get("scores") or {}
    tables["Scores"] = pd.DataFrame(
        [{"measure": k, "value": scores.get(k)} for k in
         ("politics", "incentives", "communication", "overall", "stage")])

    survey = results.get("survey") or {}
    if survey.get("scales"):
        rows = []
        for code, s in survey["scales"].items():
            row = {"scale": code, "alpha": s.get("alpha"), "omega": s.get("omega"),
                   "cliffs_delta": s.get("cliffs_delta"), "p_adj": s.get("p_adj")}
            for side in SIDES:
                b = (s.get("by_side") or {}).get(side) or {}
                row[f"{side}_mean"] = b.get("mean")
                row[f"{side}_ci_low"] = b.get("ci_low")
                row[f"{side}_ci_high"] = b.get("ci_high")
            rows.append(row)
        tables["Survey scales"] = pd.DataFrame(rows)
    if survey.get("pillars"):
        tables["Survey pillars"] = pd.DataFrame(
            [{"pillar": p, "overall": v.get("overall"),
              **{s: (v.get("by_side") or {}).get(s) for s in SIDES}}
             for p, v in survey["pillars"].items()])
    if survey.get("gaps"):
        tables["Perception gaps"] = pd.DataFrame(survey["gaps"])

    crm = results.get("crm") or {}
    funnel = crm.get("funnel") or {}
    if funnel.get("counts"):
        tables["Funnel"] = pd.DataFrame(
            [{"stage": k, "count": v} for k, v in funnel["counts"].items()])
    if funnel.get("rates"):
        tables["Funnel rates"] = pd.DataFrame(
            [{"step": k, **(v or {})} for k, v in funnel["rates"].items()])
    flat = {}
    for part in ("speed", "persistence", "handoff"):
        for k, v in (crm.get(part) or {}).items():
            if isinstance(v, (int, float, str)) or v is None:
                flat[f"{part}.{k}"] = v
    if flat:
        tables["CRM evidence"] = pd.DataFrame([{"measure": k, "value": v}
                                               for k, v in flat.items()])

    inc = results.get("incentives") or {}
    if inc:
        rows = [{"measure": f"shared_outcome_weight.{k}", "value": v}
                for k, v in (inc.get("shared_outcome_weight") or {}).items()]
        for k in ("sow_gap", "marketing_reward_share", "marketing_contribution_share",
                  "reward_contribution_gap", "structure_score"):
            rows.append({"measure": k, "value": inc.get(k)})
        tables["Incentives"] = pd.DataFrame(rows)

    verdict = results.get("verdict") or {}
    if verdict:
        tables["Verdict"] = pd.DataFrame(
            [{"claim": k, "status": (verdict.get(k) or {}).get("status"),
              "summary": (verdict.get(k) or {}).get("summary")}
             for k in ("lead_quality", "follow_up")])
    return tables


def write_aggregates_xlsx(results: dict, path: Path) -> Path:
    """Write the aggregate tables to an Excel workbook, one sheet per table.

    Cells are plain values (never formulas); text starting with ``=``, ``+``, ``-`` or ``@``
    is neutralized by :func:`toolkit.privacy.neutralize_cell`.
    """
    tables = aggregate_tables(results)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in tables.items():
            safe = df.copy()
            for col in safe.columns:
                if safe[col].dtype == object or str(safe[col].dtype).startswith(("str", "string")):
                    safe[col] = safe[col].map(_neutralize).astype(object)
            safe.columns = [_neutralize(str(c)) for c in safe.columns]
            safe.to_excel(xw, sheet_name=name[:31], index=False)
    return path
