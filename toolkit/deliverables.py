"""Files delivered beside the HTML report: ``results.json`` and ``aggregates.xlsx``.

Both are built from the results dict only, which already respects the anonymity rule: no
respondent rows, no group under the threshold. Spreadsheet cells that start with ``=``,
``+``, ``-`` or ``@`` are neutralized against formula injection (SPEC §8).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .jsonio import write_json



def write_results_json(results: dict, path: Path) -> Path:
    """Write *results* as strict JSON (no NaN) to *path*.

    Raises
    ------
    ValueError
        If a non-finite number slipped through (``allow_nan=False``).
    """
    return write_json(results, path)


def _neutralize(value: Any) -> Any:
    from .privacy import neutralize_cell

    return neutralize_cell(value)


STAGE_LABELS = {"leads": "Leads", "mql": "MQL", "sal": "SAL (accepted)", "sql": "SQL",
                "opportunity": "Opportunity", "won": "Won"}


def _r(x: Any, digits: int = 3) -> Any:
    """Round numbers for a readable spreadsheet; leave text and None alone."""
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, float)):
        return round(float(x), digits) if isinstance(x, float) else x
    return x


def _side(d: dict | None, side: str, key: str) -> Any:
    return ((d or {}).get(side) or {}).get(key)


def aggregate_tables(results: dict) -> dict[str, pd.DataFrame]:
    """Return the report's aggregate tables as DataFrames, keyed by sheet name.

    Every table is an aggregate already cleared by the anonymity rule (groups under the
    threshold are absent from the results, so they are absent here too). Shares are
    fractions (0..1), scale means on 1..5, indices and scores on 0..100, money in the
    engagement currency; numbers are rounded to 3 decimals.

    Parameters
    ----------
    results : dict
        The results dict (SPEC §6).

    Returns
    -------
    dict of str to DataFrame
        Only tables whose section was assessed.
    """
    T: dict[str, list[dict]] = {}
    scores = results.get("scores") or {}
    T["Scores"] = [{"Measure": label, "Score (0-100)": _r(scores.get(k), 1)}
                   for k, label in (("overall", "Overall alignment"), ("politics", "Politics"),
                                    ("incentives", "Incentives"),
                                    ("communication", "Communication"))]
    T["Scores"].append({"Measure": "Stage", "Score (0-100)": scores.get("stage")})

    survey = results.get("survey") or {}
    part = survey.get("participation") or {}
    rows = []
    for grp, label in (("by_side", "side"), ("by_team", "team")):
        for name, v in (part.get(grp) or {}).items():
            rows.append({"Group": f"{name.replace('_', ' ')} ({label})",
                         "Respondents": v.get("n"), "Headcount": v.get("headcount"),
                         "Response rate": _r(v.get("rate"))})
    if rows:
        T["Participation"] = rows
    rows = []
    for code, sc in (survey.get("scales") or {}).items():
        b = sc.get("by_side") or {}
        rows.append({"Scale": sc.get("name") or code, "Code": code, "Pillar": sc.get("pillar"),
                     "Sales mean (1-5)": _r(_side(b, "sales", "mean")),
                     "Sales 95% CI low": _r(_side(b, "sales", "ci_low")),
                     "Sales 95% CI high": _r(_side(b, "sales", "ci_high")),
                     "Marketing mean (1-5)": _r(_side(b, "marketing", "mean")),
                     "Marketing 95% CI low": _r(_side(b, "marketing", "ci_low")),
                     "Marketing 95% CI high": _r(_side(b, "marketing", "ci_high")),
                     "All mean (1-5)": _r(_side(b, "all", "mean")),
                     "Cliff's delta": _r(sc.get("cliffs_delta")),
                     "Magnitude": sc.get("cliffs_magnitude"),
                     "BH-adjusted p": _r(sc.get("p_adj"), 4),
                     "Cronbach's alpha": _r(sc.get("alpha")),
                     "McDonald's omega": _r(sc.get("omega"))})
    if rows:
        T["Survey scales"] = rows
    if survey.get("pillars"):
        T["Survey pillars"] = [
            {"Pillar": p, "All (0-100)": _r(v.get("overall"), 1),
             "Sales side (0-100)": _r((v.get("by_side") or {}).get("sales"), 1),
             "Marketing side (0-100)": _r((v.get("by_side") or {}).get("marketing"), 1)}
            for p, v in survey["pillars"].items()]
    if survey.get("gaps"):
        T["Perception gaps"] = [
            {"Rank": g.get("rank"), "Item": g.get("item"), "Statement": g.get("label"),
             "Sales mean": _r(g.get("sales_mean")), "Marketing mean": _r(g.get("marketing_mean")),
             "Gap (sales - marketing)": _r(g.get("gap")), "Cliff's delta": _r(g.get("cliffs_delta")),
             "BH-adjusted p": _r(g.get("p_adj"), 4)} for g in survey["gaps"]]

    crm = results.get("crm") or {}
    funnel = crm.get("funnel") or {}
    if funnel.get("counts"):
        rows = [{"Stage": STAGE_LABELS.get(k, k), "Leads reaching it": v}
                for k, v in funnel["counts"].items()]
        T["Funnel"] = rows
    if funnel.get("rates"):
        T["Funnel conversion"] = [
            {"Step": k.replace("_to_", " → ").replace("_", " "), "Rate": _r((v or {}).get("rate")),
             "Wilson 95% low": _r((v or {}).get("ci_low")),
             "Wilson 95% high": _r((v or {}).get("ci_high")), "n": (v or {}).get("n")}
            for k, v in funnel["rates"].items()]
    rows = []
    for source, v in (funnel.get("by_source") or {}).items():
        if not isinstance(v, dict):
            continue
        row = {"Source": source}
        row.update({STAGE_LABELS.get(k, k): n for k, n in (v.get("counts") or {}).items()})
        rows.append(row)
    if rows:
        T["Funnel by source"] = rows
    handoff = crm.get("handoff") or {}
    if handoff.get("reasons"):
        T["Rejection reasons"] = [
            {"Reason": r.get("reason"), "Leads": r.get("n"), "Share": _r(r.get("share")),
             "About fit": r.get("fit")} for r in handoff["reasons"]]
    labels = {("speed", "median_hours"): "Median hours to first touch (Kaplan-Meier)",
              ("speed", "p90_hours"): "90th percentile hours to first touch",
              ("speed", "within_sla_share"): "Share first touched within the SLA",
              ("speed", "untouched_share"): "Share never touched",
              ("speed", "sla_hours"): "SLA (hours)",
              ("persistence", "single_attempt_share"): "Single-attempt share (touched, not converted)",
              ("persistence", "well_worked_share"): "Well-worked share",
              ("persistence", "median_attempts"): "Median attempts (touched leads)",
              ("handoff", "acceptance_rate"): "Acceptance rate (MQL → SAL)",
              ("handoff", "rejection_rate"): "Rejection rate",
              ("handoff", "reason_share"): "Share of rejections with a reason",
              ("handoff", "fit_share"): "Share of stated reasons about fit",
              ("handoff", "evidence_score"): "Hand-off evidence score (0-100)",
              ("marketing_sourced", "pipeline_share"): "Marketing-sourced share of pipeline",
              ("marketing_sourced", "won_revenue_share"): "Marketing-sourced share of won revenue"}
    rows = [{"Measure": label, "Value": _r((crm.get(sec) or {}).get(key))}
            for (sec, key), label in labels.items() if (crm.get(sec) or {}).get(key) is not None]
    if rows:
        T["CRM evidence"] = rows

    inc = results.get("incentives") or {}
    if inc:
        sow = inc.get("shared_outcome_weight") or {}
        T["Incentives"] = [
            {"Measure": "Shared-outcome weight, sales side", "Value": _r(sow.get("sales"))},
            {"Measure": "Shared-outcome weight, marketing side", "Value": _r(sow.get("marketing"))},
            {"Measure": "Shared-outcome weight gap", "Value": _r(inc.get("sow_gap"))},
            {"Measure": "Marketing's contribution (share of won revenue sourced)",
             "Value": _r(inc.get("marketing_contribution_share"))},
            {"Measure": "Marketing's reward (share of commission on won revenue)",
             "Value": _r(inc.get("marketing_reward_share"))},
            {"Measure": "Reward-contribution gap", "Value": _r(inc.get("reward_contribution_gap"))},
            {"Measure": "Plan structure score (0-100)", "Value": _r(inc.get("structure_score"), 1)}]
        if inc.get("variable_pay_share"):
            T["Variable pay by role"] = [
                {"Team": r.get("team"), "Role": r.get("role"), "Headcount": r.get("headcount"),
                 "Variable share of on-target pay": _r(r.get("share"))}
                for r in inc["variable_pay_share"]]
        if inc.get("flags"):
            T["Plan conflict flags"] = [{"Flag": f.get("title"), "Why": f.get("sentence")}
                                        for f in inc["flags"]]

    verdict = results.get("verdict") or {}
    if verdict:
        T["Verdict"] = [{"Claim": label, "Status": (verdict.get(k) or {}).get("status"),
                         "Summary": (verdict.get(k) or {}).get("summary")}
                        for k, label in (("lead_quality", "The leads are garbage"),
                                         ("follow_up", "Sales call once and give up"))]
    if results.get("recommendations"):
        T["Recommendations"] = [
            {"Step": r.get("step"), "Priority": r.get("priority"), "Recommendation": r.get("title"),
             "Rationale": r.get("rationale"), "Evidence": ", ".join(r.get("evidence") or [])}
            for r in results["recommendations"]]
    return {name: pd.DataFrame(rows) for name, rows in T.items()}


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
            ws = xw.sheets[name[:31]]
            for col_cells in ws.columns:  # readable column widths
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col_cells)
                ws.column_dimensions[col_cells[0].column_letter].width = min(max(10, width + 2), 60)
    return path
