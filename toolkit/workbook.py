"""``aggregates.xlsx``: the report's tables as a workbook a client can open and read.

A title sheet (client, period, what each sheet holds, how to read it), then one sheet per
table: a title, the population it covers, a header row, and values with number formats —
percentages as percentages, money in the engagement currency, scores as whole numbers —
and plain labels (no item codes, no ``results.json`` keys). Built from the results dict only;
groups under the anonymity threshold are absent there, so they are absent here. Text cells
that spreadsheet software would read as a formula are neutralized (SPEC §8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .lookup import dig, get
from .vocab import agree_is_unhealthy
from .formatting import half_up

PCT, PCT1, INT, NUM1, NUM2, TEXT, MONEY = "0%", "0.0%", "#,##0", "#,##0.0", "0.00", "@", "money"
STAGES = (("leads", "Leads"), ("mql", "Marketing-qualified (MQL)"),
          ("sal", "Accepted by sales (SAL)"), ("sql", "Sales-qualified (SQL)"),
          ("opportunity", "Opportunity"), ("won", "Won"))
STAGE = dict(STAGES)
STEP_NAMES = {"politics": "Company politics", "incentives": "Incentives",
              "communication": "Communication", "maturity": "Maturity",
              "outcome": "Relationship outcome", "remove_politics": "Company politics",
              "incentivize": "Incentives", "communicate": "Communication"}
TEAM_NAMES = {"sales": "Sales", "sales_development": "Sales development",
              "marketing": "Marketing", "revops": "Revenue operations",
              "leadership": "Leadership", "other": "Other teams"}
STATUS = {"supported": "Supported", "not_supported": "Not supported",
          "inconclusive": "Cannot be settled on this data"}


@dataclass
class Sheet:
    """One table: sheet name, title, the population it covers, columns and rows.

    ``columns`` are ``(label, number_format)``; a row value may be ``(value, format)`` to
    override its column's format (mixed tables such as "Follow-up").
    """

    name: str
    title: str
    note: str
    columns: list[tuple[str, str]]
    rows: list[list[Any]] = field(default_factory=list)
    about: str = ""  # one line for the title sheet's contents


def _cur_format(currency: str) -> str:
    code = currency if re.fullmatch(r"[A-Z]{3}", currency or "") else ""
    return f'"{code}" #,##0' if code else "#,##0"   # "USD 884,510", as the report writes it


def _yes(x: Any) -> str:
    return "" if x is None else ("Yes" if x else "No")


def _label(name: str) -> str:
    return TEAM_NAMES.get(name, name.replace("_", " ").capitalize())


def _rate(r: dict | None) -> Any:
    return (r or {}).get("rate")


def scores_sheet(results: dict) -> Sheet | None:
    s = results.get("scores") or {}
    if not s:
        return None
    rows = [[label, None if s.get(k) is None else half_up(s[k])]
            for k, label in (("overall", "Overall alignment"), ("politics", "Company politics"),
                             ("incentives", "Incentives"), ("communication", "Communication"))]
    rows.append(["Stage (on the overall score)", s.get("stage") or "not computed"])
    return Sheet("Scores", "Alignment scores", "0–100, higher is healthier. Bands: under 25 "
                 "Undefined, 25–49 Defined, 50–74 Aligned, 75 and over Integrated.",
                 [("Measure", TEXT), ("Score (0–100)", INT)], rows,
                 "the overall score, its band and the three steps")


def participation_sheet(results: dict) -> Sheet | None:
    part = get(results, "survey.participation") or {}
    rows = []
    for name, v in (part.get("by_side") or {}).items():
        rows.append([f"{_label(name)} side", v.get("n"), v.get("headcount"), v.get("rate")])
    for name, v in (part.get("by_team") or {}).items():
        label = _label(name)
        rows.append([label if label.endswith("teams") else f"{label} team", v.get("n"),
                     v.get("headcount"), v.get("rate")])
    tot = part.get("total") or {}
    if tot:
        rows.append(["All respondents", tot.get("n"), tot.get("headcount"), tot.get("rate")])
    if not rows:
        return None
    return Sheet("Participation", "Survey participation",
                 "Respondents by side and team; teams under the anonymity threshold are not "
                 "shown. Sales side = sales + sales development.",
                 [("Group", TEXT), ("Respondents", INT), ("Headcount", INT),
                  ("Response rate", PCT)], rows, "respondents and response rates")


def _mean2(x):
    """A 1–5 mean as the report prints it (2 decimals): the cell holds no more precision
    than the page shows (defence in depth; the anonymity audit does not rely on it)."""
    return None if x is None else half_up(x, 2)


def scales_sheet(results: dict) -> Sheet | None:
    scales = get(results, "survey.scales") or {}
    if not scales:
        return None
    rows = []
    for code, sc in scales.items():
        b = sc.get("by_side") or {}
        flip = code == "CONF"   # its healthy mirror, as in the report: higher = healthier

        def mean(side):
            m = dig(b, side, "mean")
            return None if m is None else _mean2(6 - m if flip else m)

        rows.append(["Freedom from conflict and blame" if flip else sc.get("name") or code,
                     STEP_NAMES.get(sc.get("pillar"), ""),
                     mean("sales"), dig(b, "sales", "n"),
                     mean("marketing"), dig(b, "marketing", "n"),
                     mean("all"),
                     (sc.get("cliffs_magnitude") or "").capitalize() or None,
                     sc.get("alpha")])
    return Sheet("Survey ratings", "Survey ratings by side",
                 "Mean agreement on 1–5, higher is healthier (statements worded negatively are "
                 "reversed; 'Freedom from conflict and blame' mirrors the conflict statements). "
                 "All respondents includes the other teams.",
                 [("Theme", TEXT), ("Step", TEXT), ("Sales side (1–5)", NUM2),
                  ("Sales respondents", INT), ("Marketing side (1–5)", NUM2),
                  ("Marketing respondents", INT), ("All respondents (1–5)", NUM2),
                  ("Size of the sales–marketing difference", TEXT),
                  ("How consistently the statements agree (0–1)", NUM2)], rows,
                 "each survey theme, by side")


def gaps_sheet(results: dict) -> Sheet | None:
    gaps = get(results, "survey.gaps") or []
    if not gaps:
        return None
    rows = [[g.get("rank"), re.sub(r"\s*\(R\)$", "", g.get("label") or ""),
             _yes(g["agree_is_unhealthy"] if "agree_is_unhealthy" in g
                  else agree_is_unhealthy(g.get("item", ""), bool(g.get("reverse")))),
             _mean2(g.get("sales_mean")), _mean2(g.get("marketing_mean")),
             _mean2(g.get("gap")), (g.get("cliffs_magnitude") or "").capitalize() or None]
            for g in gaps]
    return Sheet("Perception gaps", "Where the two sides see things differently",
                 "Statements ranked by the difference between the sides' mean agreement (1–5, "
                 "as answered); a positive gap means the sales side agrees more. For a "
                 "statement marked 'Agreeing is unhealthy', agreement is the unhealthy answer.",
                 [("Rank", INT), ("Statement", TEXT), ("Agreeing is unhealthy", TEXT),
                  ("Sales side (1–5)", NUM2),
                  ("Marketing side (1–5)", NUM2), ("Gap (sales − marketing)", NUM2),
                  ("Size of the difference", TEXT)], rows, "statements the sides rate apart")


def funnel_sheet(results: dict) -> Sheet | None:
    f = get(results, "crm.funnel") or {}
    counts = f.get("counts") or {}
    if not counts:
        return None
    rates = f.get("rates") or {}
    rows, prev = [], None
    for key, label in STAGES:
        if counts.get(key) is None:   # a stage not in the export is skipped, never 0
            continue
        r = rates.get(f"{prev}_to_{key}") if prev else None
        rows.append([label, counts[key], _rate(r), (r or {}).get("ci_low"),
                     (r or {}).get("ci_high")])
        prev = key
    c = get(results, "crm.cohort") or {}
    drop = get(results, "crm.funnel_drop") or {}
    where = ""
    if drop.get("found"):
        b = drop.get("benchmark") or {}
        where = (f" Where it loses most against practitioner ranges: {STAGE[drop['from']]} → "
                 f"{STAGE[drop['to']]}, {half_up(100 * drop['rate']):.0f}% (range "
                 f"{half_up(100 * b.get('low', 0)):.0f}–{half_up(100 * b.get('high', 0)):.0f}%).")
    elif drop.get("checked"):
        where = " No stage converts clearly below its practitioner range."
    return Sheet("Funnel", "The funnel",
                 f"Leads created {c.get('period_start', '')} to {c.get('period_end', '')} "
                 "reaching each stage (a lead that reached a later stage passed the earlier "
                 "ones), with the conversion from the previous stage and its 95% interval. Won "
                 "= won deals from these leads (the Incentives sheet counts won deals on "
                 "opportunities created in the period)." + where,
                 [("Stage", TEXT), ("Leads reaching it", INT),
                  ("Conversion from the previous stage", PCT), ("95% interval, low", PCT),
                  ("95% interval, high", PCT)], rows, "leads reaching each stage")


def funnel_by_source_sheet(results: dict) -> Sheet | None:
    by = get(results, "crm.funnel.by_source") or {}
    items = [(k, v) for k, v in by.items() if isinstance(v, dict) and v.get("counts")]
    if not items:
        return None
    items.sort(key=lambda kv: -(kv[1]["counts"].get("leads") or 0))
    # a stage not in the export (count None) is left out, never shown as 0
    keys = [k for k, _ in STAGES if any(v["counts"].get(k) is not None for _, v in items)]
    steps = list(zip(keys, keys[1:]))
    cols = [("Source", TEXT), ("Marketing-sourced", TEXT)]
    cols += [(STAGE[k], INT) for k in keys]
    cols += [(f"{STAGE[a].split(' (')[0]} → {STAGE[b].split(' (')[0].lower()}", PCT)
             for a, b in steps]
    if "leads" in keys and "won" in keys:
        cols.append(("Lead → won", PCT1))
    rows = []
    for name, v in items:
        n = v["counts"]
        row = [_label(name), _yes(v.get("marketing"))] + [n.get(k) for k in keys]
        row += [_rate((v.get("rates") or {}).get(f"{a}_to_{b}")) for a, b in steps]
        if "leads" in keys and "won" in keys:
            row.append(n["won"] / n["leads"] if n.get("leads") and n.get("won") is not None
                       else None)
        rows.append(row)
    return Sheet("Funnel by source", "The funnel by lead source",
                 "Sources ordered by number of leads; rates are the conversion from the "
                 "previous stage.", cols, rows, "each lead source's funnel and rates")


def rejections_sheet(results: dict) -> Sheet | None:
    reasons = get(results, "crm.handoff.reasons") or []
    if not reasons:
        return None
    rows = [[str(r.get("reason") or "")[:1].upper() + str(r.get("reason") or "")[1:],
             r.get("n"), r.get("share"), _yes(r.get("fit"))]
            for r in sorted(reasons, key=lambda r: -(r.get("n") or 0))]
    return Sheet("Rejection reasons", "Why sales rejects leads",
                 f"Rejections with a stated reason (n = {get(results, 'crm.handoff.n_with_reason') or 0:,}).",
                 [("Reason", TEXT), ("Rejections", INT), ("Share", PCT),
                  ("About fit", TEXT)], rows, "rejection reasons, most common first")


def followup_sheet(results: dict) -> Sheet | None:
    crm = results.get("crm") or {}
    if not crm:
        return None
    sp, pe, h = crm.get("speed") or {}, crm.get("persistence") or {}, crm.get("handoff") or {}
    groups = [("marketing", "Marketing-sourced leads"), ("other", "Other leads")]
    sla = sp.get("sla_hours")

    def trio(block: dict, key: str) -> list:
        by = block.get("by_group") or {}
        return [dig(by, g, key) for g, _ in groups] + [block.get(key)]

    spec = [("Leads handed to sales (MQLs, and leads from sales' own sources)", sp, "n",
             INT),
            ("Median hours to first touch", sp, "median_hours", NUM1),
            (f"First touched within the {sla:g} h SLA" if sla else "First touched within the SLA",
             sp, "within_sla_share", PCT),
            ("Never touched", sp, "untouched_share", PCT),
            ("Touched, not converted, one attempt only", pe, "single_attempt_share", PCT),
            # the share of every lead handed to sales that reached the engagement's
            # well-worked attempts (no timing condition; attack 42b, WB1)
            (f"Reached {pe.get('well_worked_attempts') or 'the well-worked number of'} or "
             "more attempts (share of leads handed to sales)", pe, "well_worked_share", PCT),
            ("Median attempts (touched leads)", pe, "median_attempts", NUM1)]
    rows = []
    for label, block, key, fmt in spec:
        vals = trio(block, key)
        if any(v is not None for v in vals):
            rows.append([label] + [(v, fmt) for v in vals])
    for label, key, fmt in (("MQLs (the population of the hand-off figures)", "n_mql", INT),
                            ("Accepted by sales (share of MQLs)", "acceptance_rate", PCT),
                            ("Rejected (share of MQLs)", "rejection_rate", PCT),
                            ("Rejections that give a reason", "reason_share", PCT),
                            ("Stated reasons about fit", "fit_share", PCT),
                            ("Hand-off evidence score (0–100)", "evidence_score", INT)):
        if h.get(key) is not None:
            rows.append([label, None, None, (h[key], fmt)])
    if not rows:
        return None
    return Sheet("Follow-up", "Follow-up and hand-off",
                 "Speed and persistence by where the lead came from; hand-off figures cover "
                 "all marketing-qualified leads. Empty = not in the export.",
                 [("Measure", TEXT), ("Marketing-sourced leads", TEXT), ("Other leads", TEXT),
                  ("All leads", TEXT)], rows, "speed to first touch, attempts, hand-off")


def incentives_sheet(results: dict) -> Sheet | None:
    inc = results.get("incentives") or {}
    if not inc:
        return None
    cur = _cur_format(get(results, "client.currency") or "")
    sow = inc.get("shared_outcome_weight") or {}
    deals = get(inc, "split.deals") or {}
    split = inc.get("split") or {}
    rows = [["Variable pay on shared outcomes, sales side", (sow.get("sales"), PCT)],
            ["Variable pay on shared outcomes, marketing side", (sow.get("marketing"), PCT)],
            ["Won revenue that marketing sourced", (inc.get("marketing_contribution_share"), PCT)],
            ["Share of the commission paid on won deals that marketing earns",
             (inc.get("marketing_reward_share"), PCT)],
            ["Won deals on opportunities created in the period", (deals.get("won"), INT)],
            ["Won revenue", (deals.get("won_revenue"), cur)],
            ["Won revenue from marketing-sourced deals", (deals.get("marketing_sourced_revenue"),
                                                          cur)],
            ["Commission paid on won deals, sales", (split.get("sales_payout"), cur)],
            ["Commission paid on won deals, marketing", (split.get("marketing_payout"), cur)],
            ["Plan structure score (0–100)", (inc.get("structure_score"), INT)]]
    rows = [r for r in rows if r[1][0] is not None]
    wi = inc.get("what_if") or {}
    before, after = (wi.get("before") or {}).get("total_payout"), \
        (wi.get("after") or {}).get("total_payout")
    if before is not None and after is not None and abs(after - before) >= 1:
        rows.append(["What-if: extra commission on the same won deals", (after - before, cur)])
    if deals.get("amount_missing"):
        rows.append(["Won deals without an amount (left out of revenue)",
                     (deals["amount_missing"], INT)])
    return Sheet("Incentives", "The compensation plan against the won deals",
                 "Shared outcomes = company revenue, pipeline, win rate, SLA compliance, or "
                 "bookings beyond one's own deals. Money in the engagement currency.",
                 [("Measure", TEXT), ("Value", TEXT)], rows,
                 "who is paid for what, and for marketing-sourced wins")


def roles_sheet(results: dict) -> Sheet | None:
    roles = get(results, "incentives.variable_pay_share") or []
    if not roles:
        return None
    k = int(get(results, "data.settings.min_group_size") or 5)
    rows = []
    for r in roles:
        if r.get("suppressed"):
            rows.append([_label(r.get("team") or ""), f"Fewer than {k} people on the plan: "
                         "not shown", None, None, None])
        elif r.get("merged"):
            rows.append([_label(r.get("team") or ""),
                         "Combined: " + ", ".join(str(x) for x in r.get("roles") or []),
                         r.get("headcount"), r.get("share_low"), r.get("share_high")])
        else:
            rows.append([_label(r.get("team") or ""), r.get("role"), r.get("headcount"),
                         r.get("share"), None])
    return Sheet("Variable pay by role", "Variable pay by role",
                 "On-target variable pay as a share of on-target total pay. People on the "
                 "plan = those on each pay plan in the compensation file; the Participation "
                 "sheet's headcount counts everyone in the teams surveyed, including roles "
                 f"whose plan was not supplied. Roles with fewer than {k} people on the plan "
                 "are combined with others of their team and shown as a range (lowest to "
                 "highest share), so no one's pay can be read off.",
                 [("Team", TEXT), ("Role", TEXT), ("People on the plan", INT),
                  ("Variable share of pay", PCT), ("…up to (combined roles)", PCT)],
                 rows, "variable pay by role")


def flags_sheet(results: dict) -> Sheet | None:
    flags = get(results, "incentives.flags") or []
    if not flags:
        return None
    return Sheet("Plan conflicts", "Plan features that set the teams against each other", "",
                 [("Conflict", TEXT), ("Why", TEXT)],
                 [[f.get("title"), f.get("sentence")] for f in flags],
                 "compensation-plan conflicts")


def stake_sheet(results: dict) -> Sheet | None:
    """Revenue at stake with every input, so the headline figure can be checked."""
    from .formatting import _sig2, stake_share
    st = get(results, "crm.revenue_at_stake") or {}
    if not st or (st.get("amount") is None and not st.get("reason")):
        return None
    cur = _cur_format(get(results, "client.currency") or "")
    if st.get("amount") is None:
        return Sheet("Revenue at stake", "Revenue at stake", "Not computed: "
                     + str(st.get("reason") or "no data") + ".",
                     [("Measure", TEXT), ("Value", TEXT)], [["Revenue at stake",
                                                              "not computed"]],
                     "revenue at stake and its inputs")
    ex = st.get("excluded") or {}
    sw = st.get("sql_to_won") or {}
    rows = [["Leads sales gave up on", (st.get("leads"), INT)],
            ["…never touched", (st.get("leads_untouched"), INT)],
            ["…touched once and not converted", (st.get("leads_single_attempt"), INT)],
            ["Left out: leads sales rejected", (ex.get("rejected"), INT)],
            ["Left out: untouched leads still within the SLA at the extract",
             (ex.get("within_sla_at_extract"), INT)]]
    groups = {"marketing": "marketing-sourced", "other": "other sources",
              "unknown": "unknown source"}
    for g, v in (st.get("expected_conversion") or {}).items():
        lab = groups.get(g, g)
        rows += [[f"Conversion used, never touched ({lab})", (v.get("untouched"), PCT1)],
                 [f"Conversion used, touched once ({lab})", (v.get("after_one_attempt"),
                                                             PCT1)]]
    basis = ("SQLs from leads created in the period that were won" if st.get("revenue_basis")
             == "cohort" else "Win rate of opportunities created in the period (won ÷ closed)")
    meth = st.get("method") or {}
    up = st.get("upper_bound") or {}
    rows += [["Conversion cap: top of the practitioner MQL → SQL range",
              (meth.get("rate_cap"), PCT1)],
             ["Extra SQLs expected", (_round_whole(st.get("expected_sqls")), INT)],
             ["SQLs the period's leads produced (the most the estimate may add)",
              (meth.get("cohort_sqls"), INT)],
             [basis, (sw.get("rate") if sw else st.get("win_rate"), PCT1)],
             ["…won deals", (sw.get("won"), INT)], ["…SQLs", (sw.get("sql"), INT)],
             ["Extra won deals expected", (_round_whole(st.get("expected_won_deals")), INT)],
             ["Median won deal", (st.get("median_won_amount"), cur)],
             ["Revenue at stake before rounding (extra won deals × median won deal)",
              (st.get("amount"), cur)],
             ["Revenue at stake, rounded as reported", (_sig2(st["amount"]), cur)],
             ["95% interval, low", (_sig2(st.get("ci_low") or 0), cur)],
             ["95% interval, high", (_sig2(st.get("ci_high") or 0), cur)],
             ["Upper bound: converting like the leads sales kept working",
              (_sig2(up["amount"]) if up.get("amount") is not None else None, cur)],
             ["For scale: won revenue from leads created in the period",
              (st.get("won_revenue"), cur)],
             ["Revenue at stake as a share of that won revenue",
              (stake_share(st), PCT1)]]
    rows = [r for r in rows if r[1][0] is not None]
    return Sheet("Revenue at stake", "Revenue at stake: the inputs",
                 "If the leads sales gave up on had reached SQL as often as comparable leads "
                 "(same kind of source, same lead-score band) did once sales touched them at "
                 "all, capped at the top of the practitioner range and at the SQLs the period "
                 "produced. An estimate, not a forecast. The upper bound assumes they would "
                 "have converted like the leads sales kept working, which flatters it: sales "
                 "keeps working the leads that look promising.",
                 [("Measure", TEXT), ("Value", TEXT)], rows,
                 "revenue at stake and every input behind it")


def _round_whole(x: float | None) -> int | None:
    """A count of expected SQLs or deals as the whole number a reader counts."""
    return None if x is None else int(half_up(x))


def poor_leads_sheet(results: dict) -> Sheet | None:
    """The cost of poor leads with its inputs (only when the evidence points to lead
    quality, where it is the summary's money figure)."""
    from .formatting import _sig2
    p = get(results, "crm.cost_of_poor_leads") or {}
    if get(results, "verdict.lead_quality.status") != "supported" or not p.get("amount"):
        return None
    cur = _cur_format(get(results, "client.currency") or "")
    sw = p.get("sql_to_won") or {}
    eff = p.get("sales_effort") or {}
    rows = [["Marketing-sourced MQLs", (p.get("leads"), INT)],
            ["…reached SQL", (p.get("sqls"), INT)],
            ["Their MQL → SQL rate", (p.get("rate"), PCT1)],
            ["Bottom of the practitioner MQL → SQL range", (p.get("benchmark_low"), PCT1)],
            ["SQLs short of that floor", (_round_whole(p.get("shortfall_sqls")), INT)],
            ["SQLs from leads created in the period that were won", (sw.get("rate"), PCT1)],
            ["Median won deal", (p.get("median_won_amount"), cur)],
            ["Revenue lost to poor leads, rounded as reported", (_sig2(p["amount"]), cur)],
            ["95% interval, low", (_sig2(p.get("ci_low") or 0), cur)],
            ["95% interval, high", (_sig2(p.get("ci_high") or 0), cur)],
            ["Sales attempts on marketing MQLs", (eff.get("attempts"), INT)],
            ["…on MQLs that never reached SQL", (eff.get("attempts_on_unconverted"), INT)],
            ["…share", (eff.get("share_of_attempts"), PCT1)],
            ["Marketing MQLs sales rejected", (eff.get("rejected"), INT)]]
    rows = [r for r in rows if r[1][0] is not None]
    return Sheet("Cost of poor leads", "Revenue lost to poor leads: the inputs",
                 "Had marketing-sourced MQLs reached SQL at the bottom of the practitioner "
                 "range, at the period's own SQL → won rate and median won deal. The cost of "
                 "the sales time spent on leads that never reached SQL is not in the export "
                 "(no cost per sales hour).",
                 [("Measure", TEXT), ("Value", TEXT)], rows,
                 "cost of poor leads and every input behind it")


def verdict_sheet(results: dict) -> Sheet | None:
    v = results.get("verdict") or {}
    if not v:
        return None
    rows = [[label, STATUS.get((v.get(k) or {}).get("status"), "Not assessed"),
             (v.get(k) or {}).get("summary")]
            for k, label in (("lead_quality", "“The leads are garbage” (sales)"),
                             ("follow_up", "“Sales call once and give up” (marketing)"))]
    if v.get("headline"):
        rows.append(["Overall", "", v["headline"]])
    return Sheet("Blame game", "The blame game, tested on the CRM", "",
                 [("Claim", TEXT), ("Verdict", TEXT), ("Evidence", TEXT)], rows,
                 "each side's claim and what the CRM says")


def recommendations_sheet(results: dict) -> Sheet | None:
    recs = [r for r in results.get("recommendations") or [] if isinstance(r, dict)]
    if not recs:
        return None
    recs = sorted(recs, key=lambda r: (r.get("rank") or 0, r.get("priority") or 9))
    rows = [[i, r.get("title"), r.get("fixes") or STEP_NAMES.get(r.get("step"), ""),
             (r.get("findings") or [""])[0], r.get("rationale")]
            for i, r in enumerate(recs, 1)]
    return Sheet("Recommendations", "Recommendations, in the order to act on them", "",
                 [("#", INT), ("Action", TEXT), ("What it fixes", TEXT),
                  ("The client's evidence", TEXT),
                  ("Why it works", TEXT)], rows, "actions in order, with their evidence")


#: Cell formats of a comparison figure and of its change, by unit (the change in the
#: figure's own unit: percentage points for shares, points for 0–100 indexes).
WAVE_FORMATS = {"share": (PCT, '+0" pts";-0" pts";0" pts"'),
                "index": (INT, "+0;-0;0"),
                "scale": (NUM2, "+0.00;-0.00;0.00"),
                "hours": (NUM1 + '" h"', '+0.0" h";-0.0" h";0.0" h"')}


def comparison_sheet(results: dict) -> Sheet | None:
    """"Since the last assessment": every compared figure before and after, its change and
    likely range in the figure's unit, and the verdict in words (the report's tables).

    Values are rounded as the report shows them (shares to whole percent, 1–5 averages to
    0.01, 0–100 figures whole), and the change is the difference of the shown figures, so a
    reader's subtraction agrees. A group hidden in either wave has no values, only
    "hidden (too few answers)".
    """
    comp = results.get("comparison")
    if not isinstance(comp, dict) or not comp:
        return None
    from .report.waves import (STATUS_WORDS, WORDS_ONLY, _entries, _status, basis_text,
                               healthy, shown, shown_change)

    comp = healthy(comp)
    rows = []
    for e in _entries(comp):
        label = str(e.get("label") or "")
        what, _, who = label.partition(" — ")
        unit = e.get("unit") or "share"
        fig_fmt, ch_fmt = WAVE_FORMATS.get(unit, (NUM2, "+0.00;-0.00;0.00"))
        scale = 100 if unit == "share" else 1
        st = _status(e)

        def num(x, f, *, factor=1):
            return (None, f) if x is None else (round(x * factor, 6), f)
        if "before_stage" in e and st not in WORDS_ONLY:
            rows.append(["Alignment maturity stage (self-rated)",
                         who[:1].upper() + who[1:], e.get("before_stage") or "",
                         e.get("after_stage") or "", None, None, None,
                         f"{STATUS_WORDS.get(st, st)} in the maturity average"])
            continue
        if "before_stage" in e:
            continue                # the scale's own line says it is hidden
        change = shown_change(e) if st not in WORDS_ONLY else None
        lo, hi = e.get("ci_low"), e.get("ci_high")
        verdict = STATUS_WORDS.get(st, st)
        if e.get("same_test_as") and st in ("improved", "worsened", "no_detectable_change"):
            twin = str(e["same_test_as"]).split(" — ")[0]
            verdict += f" (tested as the {twin[:1].lower() + twin[1:]} for everyone)"
        rows.append([what, who[:1].upper() + who[1:] if who else "",
                     num(shown(e.get("before"), unit), fig_fmt),
                     num(shown(e.get("after"), unit), fig_fmt),
                     num(change, ch_fmt, factor=scale),
                     num(lo, ch_fmt, factor=scale), num(hi, ch_fmt, factor=scale), verdict])
        if e is (comp.get("scores") or {}).get("overall"):
            stage = (comp.get("scores") or {}).get("stage") or {}
            if stage.get("before") or stage.get("after"):
                rows.append(["Stage (on the overall score)", "", stage.get("before") or "",
                             stage.get("after") or "", None, None, None, "not tested"])
    if not rows:
        return None
    note = (basis_text(comp) + " A change is detectable when its likely range excludes zero; "
            "otherwise it could be chance ('no detectable change'). Changes of percentages are "
            "in percentage points; averages are on the 1–5 agreement scale, higher is "
            "healthier on every line.")
    return Sheet("Since the last assessment", "Since the last assessment: before and after",
                 note, [("Figure", TEXT), ("Population", TEXT), ("Before", INT),
                        ("After", INT), ("Change", INT), ("Likely range from", INT),
                        ("Likely range to", INT), ("Verdict", TEXT)], rows,
                 "every compared figure before and after, its change and whether it is "
                 "detectable")


BUILDERS = (scores_sheet, comparison_sheet, participation_sheet, scales_sheet, gaps_sheet, funnel_sheet,
            funnel_by_source_sheet, rejections_sheet, followup_sheet, incentives_sheet,
            roles_sheet, flags_sheet, stake_sheet, poor_leads_sheet, verdict_sheet,
            recommendations_sheet)


def workbook_sheets(results: dict) -> list[Sheet]:
    """Every table of the workbook whose section was assessed, in reading order."""
    return [s for s in (b(results) for b in BUILDERS) if s is not None and s.rows]


def write_workbook(results: dict, path: str | Path, *, practice: str = "") -> Path:
    """Write ``aggregates.xlsx``: a title sheet, then one formatted sheet per table.

    Parameters
    ----------
    results : dict
        The results dict (SPEC §6).
    path : path
        Output ``.xlsx``.
    practice : str
        The practice's name for the title sheet (branding), optional.

    Returns
    -------
    Path
        *path*. Cells hold plain values, never formulas; text that a spreadsheet would read
        as a formula is neutralized by :func:`toolkit.privacy.neutralize_cell`.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from .privacy import neutralize_cell
    from .textfit import set_xlsx_footer, xlsx_cell_text, xlsx_sheet_name

    def put(ws, row, col, value, fmt=None, **style):
        if isinstance(value, tuple):
            value, fmt = value
        if isinstance(value, str):  # no formula; no more than a cell holds (attack 5, L1)
            value = xlsx_cell_text(neutralize_cell(value))
        cell = ws.cell(row=row, column=col, value=value)
        if fmt == "money":
            fmt = money
        if fmt and fmt != TEXT and isinstance(value, (int, float)):
            cell.number_format = fmt
        for k, v in style.items():
            setattr(cell, k, v)
        return cell

    client = results.get("client") or {}
    money = _cur_format(client.get("currency") or "")
    sheets = workbook_sheets(results)
    for s in sheets:  # the money marker becomes the client's currency format
        s.columns = [(lab, money if f == MONEY else f) for lab, f in s.columns]
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="1F3A5F")
    wrap = Alignment(wrap_text=True, vertical="top")
    wb = Workbook()
    ws = wb.active
    ws.title = "About"
    name = client.get("name") or client.get("id") or "Client"
    put(ws, 1, 1, f"{name}: sales and marketing alignment diagnostic",
        font=Font(bold=True, size=16))
    put(ws, 2, 1, "Aggregate tables · Confidential", font=Font(italic=True, size=12))
    from .report.sections import long_date

    extract = get(results, "crm.cohort.extract_date")
    info = [("Analysis period", f"{long_date(client.get('period_start'))} to "
                                f"{long_date(client.get('period_end'))}"),
            ("Data as of", long_date(extract) if extract else ""),
            ("Prepared", long_date(results.get("generated_at")) if results.get("generated_at")
             else ""),
            ("Prepared by", practice), ("Currency", client.get("currency") or "")]
    r = 4
    for k, v in info:
        if v:
            put(ws, r, 1, k, font=bold)
            put(ws, r, 2, v)
            r += 1
    r += 1
    put(ws, r, 1, "How to read these tables", font=bold)
    for line in ("Percentages are shares of the population named under each table's title.",
                 "Survey ratings are means on 1–5; scores are on 0–100, higher is healthier.",
                 "Money is in the engagement currency; deals without an amount are left out "
                 "and counted.",
                 f"No survey group under {get(results, 'data.settings.min_group_size') or 5} "
                 "respondents is shown, nor any figure from which one could be worked out.",
                 "An empty cell means the figure is not in the export."):
        r += 1
        put(ws, r, 1, line)
    r += 2
    put(ws, r, 1, "Sheets", font=bold)
    for s in sheets:
        s.name = xlsx_sheet_name(s.name)
    for s in sheets:
        r += 1
        c = put(ws, r, 1, s.name)
        c.hyperlink = "#'{}'!A1".format(s.name.replace("'", "''"))
        c.font = Font(color="1F5FA8", underline="single")
        put(ws, r, 2, s.about)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 60

    for s in sheets:
        ws = wb.create_sheet(s.name)
        put(ws, 1, 1, s.title, font=Font(bold=True, size=14))
        widths = []
        for j, (label, fmt) in enumerate(s.columns, 1):
            cells = [row[j - 1] for row in s.rows]
            if fmt == TEXT and not any(isinstance(c, tuple) for c in cells):
                width = min(max([len(str(c or "")) for c in cells] + [10]) + 2, 48)
            else:
                width = 14
            width = max(width, min(len(label), 14) + 2)
            widths.append(width)
            ws.column_dimensions[get_column_letter(j)].width = width
        if s.note:
            put(ws, 2, 1, s.note, font=Font(italic=True),
                alignment=Alignment(wrap_text=True, vertical="top"))
            span = max(len(s.columns), 2)
            ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=span)
            chars = sum(widths[:span]) * 1.1
            ws.row_dimensions[2].height = 16 * (1 + int(len(s.note) / chars))
        for j, (label, _) in enumerate(s.columns, 1):
            put(ws, 4, j, label, font=Font(bold=True, color="FFFFFF"), fill=head_fill,
                alignment=Alignment(wrap_text=True, vertical="center"))
        for i, row in enumerate(s.rows, 5):
            lines = 1
            for j, value in enumerate(row, 1):
                put(ws, i, j, value, s.columns[j - 1][1], alignment=wrap)
                if isinstance(value, str):
                    lines = max(lines, -(-len(value) // max(widths[j - 1] - 2, 1)))
            if lines > 1:  # wrapped text: make the row tall enough to show it
                ws.row_dimensions[i].height = 15 * lines
        ws.freeze_panes = "A5"
        longest = max((len(lab) / max(w - 2, 1) for (lab, _), w in zip(s.columns, widths)),
                      default=1)
        ws.row_dimensions[4].height = 16 * (1 + int(longest))
        ws.print_title_rows = "4:4"
    for ws in wb.worksheets:  # printable: landscape, one page wide, marked confidential
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        # the client's name is cut to Excel's 255-character footer (attack 5, L1)
        set_xlsx_footer(ws, str(name), suffix=" · Confidential", right="Page &P of &N")
    wb.save(str(path))
    return Path(path)
