"""Report section: incentives (SPEC §4.3–4.4, §6).

Reads only ``results["incentives"]`` (and the client's currency); computes no measure.
"""

from __future__ import annotations

import pandas as pd

from ..charts.incentives import plot_contribution_reward, plot_shared_outcome_weight
from ..exceptions import ReportError
from .pillars import parts_sentence, structure_definition
from .read import threshold
from .display import Rendered, renders, fmt_num, fmt_pct, show_figure, show_markdown, show_not_assessed, show_table
from ..formatting import half_up

SCALE_NAMES = {"SHARE": "Shared goals", "RINT": "Reward interdependence",
               "RFAIR": "Reward fairness"}   # the scale's name in every chart and table
#: Team codes of the plan in words.
TEAM_WORDS = {"sales": "Sales", "marketing": "Marketing", "sales_development":
              "Sales development", "revops": "Revenue operations", "leadership": "Leadership"}


def _team(code) -> str:
    return TEAM_WORDS.get(code, str(code).replace("_", " ").capitalize())
APPLIES_LABELS = {"all_won": "all won deals", "marketing_sourced_won": "marketing-sourced won deals",
                  "own_won": "own won deals"}


def _limits(results: dict) -> dict:
    """The reward thresholds the results were judged with (today's defaults when absent)."""
    out = {}
    for name in ("reward_gap", "reward_floor"):
        try:
            out[name] = float(threshold(results, name))
        except ReportError:
            pass
    return out


def _money(x: float | None, currency: str) -> str:
    return "—" if x is None else f"{currency} {half_up(x):,.0f}"


def sow_sentence(inc: dict) -> str:
    """One sentence on the shared-outcome weight of both sides and their gap.

    A side whose shared weight comes only from its own bookings
    (``incentives.sow_own_bookings_only``) is qualified: bookings count as a shared metric,
    but paid on the side's own won deals they do not reward the other team's success.
    """
    sow = inc.get("shared_outcome_weight") or {}
    s, m, gap = sow.get("sales"), sow.get("marketing"), inc.get("sow_gap")
    if s is None or m is None:
        return "The plan does not cover both sides, so their shared-outcome weights cannot be compared."
    own = inc.get("sow_own_bookings_only") or {}
    text = (f"{fmt_pct(s)} of the sales side's variable pay and {fmt_pct(m)} of the "
            "marketing side's depend on outcomes both teams share")
    own_sides = [side for side in ("sales", "marketing") if own.get(side)]
    if own_sides:
        text += (" (a commission on a side's own won deals rewards closing, not the other "
                 "team's success, so it does not count as shared"
                 + (f": the {' and '.join(own_sides)} side"
                    f"{'s are' if len(own_sides) > 1 else ' is'} paid that way" ) + ")")
    if gap is not None and gap >= 0.2:
        text += (f" — a gap of {half_up(100 * gap):.0f} points: one team can hit its bonus while the "
                 "other misses")
    elif gap is not None and s <= 0 and m <= 0:
        text += " — neither side's pay is tied to the other's success"
    elif gap is not None and half_up(100 * gap) == 0:
        text += " — no gap between them"
    elif gap is not None:
        text += f" — a gap of only {half_up(100 * gap):.0f} points"
    return text + "."


def split_sentence(inc: dict, currency: str) -> str | None:
    """One sentence on who gets paid for marketing-sourced wins."""
    sp = inc.get("split")
    if not sp:
        return None
    ms = sp.get("on_marketing_sourced") or {}
    d = sp.get("deals") or {}
    share = sp.get("marketing_reward_share_on_marketing_sourced")
    if d.get("won") and d.get("source_unknown", 0) >= d.get("won"):
        return (f"Which of the {d['won']:,} won deals marketing sourced is not in the export "
                "(no source on the deals or their leads), so who is paid for "
                "marketing-sourced wins cannot be shown.")
    if not ms.get("total_payout"):
        return (f"On the {d.get('marketing_sourced', 0):,} marketing-sourced won deals "
                f"({_money(d.get('marketing_sourced_revenue'), currency)}), the plan pays no "
                "commission to either team.")
    return (f"On the {d.get('marketing_sourced', 0):,} marketing-sourced won deals "
            f"({_money(d.get('marketing_sourced_revenue'), currency)}), the plan pays sales "
            f"{_money(ms.get('sales_payout'), currency)} and marketing "
            f"{_money(ms.get('marketing_payout'), currency)} in commission.")


def reward_sentence(inc: dict, limits: dict | None = None) -> str | None:
    """Marketing's share of won revenue against its share of the commission paid on won
    deals — the one measure of marketing's reward in the report, the deck and the findings.

    *limits* gives the ``reward_gap`` and ``reward_floor`` thresholds the results were
    judged with: a gap is a problem only when marketing's share is under the floor (a
    smaller share than sales', who close every deal, is normal).
    """
    c, r = inc.get("marketing_contribution_share"), inc.get("marketing_reward_share")
    if c is None:
        return ("Marketing's contribution to won revenue is not in the export: the won deals "
                "and their leads carry no source.")
    if r is None:
        return "Marketing's share of the commission could not be computed."
    lim = {"reward_gap": 0.15, "reward_floor": 0.05, **(limits or {})}
    earned = "none" if r == 0 else fmt_pct(r)
    if c - r >= lim["reward_gap"] and r < lim["reward_floor"]:
        return (f"Marketing sources {fmt_pct(c)} of won revenue but earns {earned} of the "
                "commission paid on won deals: it has no real stake in the revenue it "
                "sources.")
    return (f"Marketing sources {fmt_pct(c)} of won revenue and earns {earned} of the "
            "commission paid on won deals: a real stake in the revenue it sources (sales "
            "closes every deal, so a smaller share than sales' is normal).")


def _already(inc: dict) -> tuple[bool, bool]:
    """(every side's pay is already gated on the company goal, marketing already earns a
    commission on won deals): the parts of the standard what-if the plan already has."""
    g = inc.get("gates") or {}
    sides = g.get("sides_gated") or {}
    gated = bool(sides) and all(sides.values())
    paid = (inc.get("marketing_reward_share") or 0) > 0
    return gated, paid


def whatif_sentence(inc: dict, currency: str) -> str | None:
    """One sentence on the standard what-if (marketing 2 % of marketing-sourced bookings,
    gate 0.7) stored in ``incentives.what_if``, in the one measure of marketing's reward
    (its share of the commission paid on won deals).

    None — no what-if shown — when marketing already earns a commission (the what-if's
    lever is in place: its figures would only swap one rate for another), when it would
    change nothing, or when there is none. A gate the plan already has on every side is not
    offered again.
    """
    w = inc.get("what_if")
    if not w:
        return None
    ch = w.get("changes") or {}
    mc = ch.get("marketing_commission") or {}
    gated, paid = _already(inc)
    if paid:
        return None
    parts = []
    if mc:
        parts.append(f"marketing earned {fmt_pct(mc.get('rate'), 0)} of "
                     f"{APPLIES_LABELS.get(mc.get('applies_to'), 'won deals')}")
    if ch.get("gate") is not None and not gated:
        parts.append(f"every payout were gated at {fmt_pct(ch['gate'])} of the company goal")
    share = w.get("marketing_reward_share") or {}
    cost = w.get("added_cost")
    before, after = share.get("before"), share.get("after")
    unchanged = (before is not None and after is not None and half_up(100 * before) ==
                 half_up(100 * after) and abs(cost or 0) < 0.5)
    if not parts or unchanged:
        return None   # the plan already does what the what-if tests: no empty what-if
    verb = "add" if (cost or 0) >= 0 else "save"
    d = w.get("deals") or {}
    question = f"What if {' and '.join(parts)}?"
    if before is None or after is None:
        why = ("no won deals with amounts" if not (d.get("won_revenue") or 0) > 0
               else "the plan pays no commission on won deals")
        return f"{question} The effect cannot be computed: {why}."
    return (f"{question} On the same won deals, marketing's share of the commission paid "
            f"would go from {'none' if before == 0 else fmt_pct(before)} to "
            f"{fmt_pct(after)}, and the plan would {verb} "
            f"{_money(abs(cost) if cost is not None else None, currency)} in commission.")


def contribution_reward_frame(inc: dict) -> pd.DataFrame:
    """Long table (side, measure, share) for :func:`plot_contribution_reward`.

    The sales side's contribution is the won revenue not sourced by marketing (sales
    closes every deal; outbound, referral and partner sources count here).
    """
    c, r = inc.get("marketing_contribution_share"), inc.get("marketing_reward_share")
    sp = inc.get("split") or {}
    total = sp.get("total_payout") or 0
    sales_r = sp.get("sales_payout", 0) / total if total else None
    rows = [("sales", "contribution", None if c is None else 1 - c),
            ("sales", "reward", sales_r),
            ("marketing", "contribution", c), ("marketing", "reward", r)]
    return pd.DataFrame(rows, columns=["side", "measure", "share"])


def won_population(inc: dict) -> str:
    """The deals the reward split covers, named once: won deals on opportunities created in
    the period (not the funnel's won deals from leads created in the period)."""
    n = ((inc.get("split") or {}).get("deals") or {}).get("won")
    return (f"{n:,} won deals on opportunities created in the period" if isinstance(n, int)
            else "won deals on opportunities created in the period")


def headcount_note(results: dict) -> str:
    """What the plan's headcount counts, against the survey's (review: 127 vs 20)."""
    roles = (results.get("incentives") or {}).get("variable_pay_share") or []
    plan = sum(int(v.get("headcount") or 0) for v in roles)
    by_side = ((results.get("survey") or {}).get("participation") or {}).get("by_side") or {}
    surv = sum(int((by_side.get(s) or {}).get("headcount") or 0) for s in ("sales", "marketing"))
    text = (f"Headcount here counts the people on each pay plan in the compensation file "
            f"({plan:,} in all)")
    if surv and surv != plan:
        text += (f"; the survey's headcount counts everyone in the teams surveyed ({surv:,} on "
                 "the sales and marketing sides), including roles whose pay plan was not "
                 "supplied")
    return text + "."


def _k(results: dict) -> int:
    return int(((results.get("data") or {}).get("settings") or {}).get("min_group_size") or 5)


def pay_mix_row(v: dict, results: dict) -> dict:
    """One row of the pay-mix table: a role, roles combined for anonymity (their range of
    variable shares) or a team too small to show."""
    team = _team(v.get("team") or "")
    if v.get("suppressed"):
        return {"Team": team, "Role": f"Fewer than {_k(results)} people on the plan: not shown",
                "Headcount": "—", "Variable share of pay": "—"}
    if v.get("merged"):
        roles = [str(r) for r in v.get("roles") or []]
        lo, hi = v.get("share_low"), v.get("share_high")
        rng = (fmt_pct(lo) if lo is not None and fmt_pct(lo) == fmt_pct(hi)
               else f"{fmt_pct(lo)[:-1]}–{fmt_pct(hi)}" if lo is not None else "—")
        return {"Team": team, "Role": "Combined: " + (", ".join(roles[:-1]) + " and "
                                                       + roles[-1] if len(roles) > 1
                                                       else "".join(roles)),
                "Headcount": v.get("headcount"), "Variable share of pay": rng}
    return {"Team": team, "Role": v.get("role"), "Headcount": v.get("headcount"),
            "Variable share of pay": fmt_pct(v.get("share"))}


def _merged_note(vps: list[dict], results: dict) -> str:
    if not any(v.get("merged") for v in vps):
        return ""
    return (f" Roles with fewer than {_k(results)} people on the plan are combined with "
            "others of their team, and their share shown as a range, so no one's pay can be "
            "read off.")


@renders
def render(results: dict) -> Rendered:
    """Display the incentives section: pillar score, shared-outcome weight, pay mix, gates,
    reward split with the contribution-vs-reward chart, conflict flags and survey scales."""
    inc = results.get("incentives")
    if not inc:
        show_not_assessed("Incentives", ["No compensation plan was analysed."])
        return
    from .safe import md_text  # a setting never becomes Markdown (SPEC §8a)

    cur = md_text((results.get("client") or {}).get("currency") or "")
    # the one incentives pillar score is scores.incentives (toolkit.scores.combine)
    parts = parts_sentence(results, "incentives")
    if parts:
        lead = parts.split(':', 1)[0].split(',', 1)[0]
        show_markdown(f"**{md_text(lead)}**" + md_text(parts[len(lead):]))
    elif inc.get("structure_score") is not None:
        show_markdown(f"**The plan's structure: {fmt_num(inc['structure_score'], 0)} of 100.** "
                      + structure_definition(results)[:1].upper()
                      + structure_definition(results)[1:] + ".")

    sow = inc.get("shared_outcome_weight") or {}
    data = pd.DataFrame({"side": ["sales", "marketing"],
                         "sow": [sow.get("sales"), sow.get("marketing")]}, dtype=object)
    data["sow"] = pd.to_numeric(data["sow"])
    # the sentence is the chart's takeaway; as text only when there is no chart (no
    # figure, or every bar at zero: an empty plot says nothing the sentence does not)
    drawn = bool(data["sow"].fillna(0).gt(0).any())
    show_markdown("### Are both teams paid on shared outcomes?" + (
        "" if drawn else "\n\n" + sow_sentence(inc)))
    if drawn:
        ax = plot_shared_outcome_weight(data=data)
        show_figure(ax, alt="Horizontal bars: share of each side's variable pay that depends "
                    "on shared outcomes (bookings, pipeline, win rate, SLA compliance, company "
                    f"revenue). Sales {fmt_pct(sow.get('sales'))}, marketing "
                    f"{fmt_pct(sow.get('marketing'))}.", takeaway=sow_sentence(inc))

    vps = inc.get("variable_pay_share") or []
    if vps:
        show_table(pd.DataFrame([pay_mix_row(v, results) for v in vps], dtype=object),
                   caption="Variable pay as a share of on-target pay, per role. "
                   + headcount_note(results) + _merged_note(vps, results))

    g = inc.get("gates") or {}
    if g.get("any_gate"):
        gated = [s for s, v in (g.get("sides_gated") or {}).items() if v]
        comps = g.get("components") or []
        levels = sorted({c["gate"] for c in comps if c.get("gate") is not None})
        text = (f"Gated components ({', '.join(_team(x).lower() for x in gated)} side): no payout "
                f"below {' or '.join(fmt_pct(v) for v in levels) or 'a share'} of the company "
                "goal" + (" (by component)" if len(levels) > 1 else ""))
        if g.get("attainment") is not None:
            # which gates the year's attainment opened (attack 40, IN2: "no payout below 70%;
            # the company reached 95%" read as paid while the 100% gates paid nothing)
            shut = [c for c in comps if c.get("met") is False]
            text += f"; the company reached {fmt_pct(g['attainment'])} of its goal, so " + (
                f"{len(shut)} of the {len(comps)} gated components pay nothing this year."
                if shut else "every gated component pays.")
        else:
            text += "; company attainment is unknown, so whether they pay could not be checked."
        show_markdown(text)
    else:
        show_markdown("No component is gated on the company goal.")

    show_markdown("### Who gets paid for marketing-sourced wins?")
    sentence = split_sentence(inc, cur)
    if sentence is None:
        show_not_assessed("Reward split", [w for w in inc.get("warnings") or []
                                           if "opportunit" in w or "won" in w]
                          or ["No won deals to split."])
    else:
        show_markdown(sentence)
        comps = (inc.get("split") or {}).get("components") or []
        dl = (inc.get("split") or {}).get("deals") or {}
        no_source = bool(dl.get("won")) and dl.get("source_unknown") == dl.get("won")
        if comps:
            show_table(pd.DataFrame([{
                "Team": _team(c["team"]), "Component": c["component"],
                "Commission": fmt_pct(c["commission_rate"], 1),
                "Paid on": APPLIES_LABELS.get(c["applies_to"], c["applies_to"]),
                "Gate": fmt_pct(c["gate"]) if c["gate"] is not None else "—",
                "Payout, all won deals": _money(c["payout"], cur),
                "…of which marketing-sourced": ("not in the export" if no_source else
                                                _money(c["payout_marketing_sourced"], cur))}
                for c in comps]), caption="Commission per plan component on the "
                + won_population(inc) + " (paid once per deal).")
        frame = contribution_reward_frame(inc)
        if frame["share"].notna().any():
            take = reward_sentence(inc, _limits(results))
            ax = plot_contribution_reward(data=frame.astype({"share": "float64"}))
            show_figure(ax, alt="Grouped bars per side: share of won revenue sourced "
                        "(contribution) and share of commission earned on won deals (reward). "
                        + "; ".join(f"{s} {m} {fmt_pct(v)}" for s, m, v in
                                    frame.itertuples(index=False)), takeaway=take)

        ws = whatif_sentence(inc, cur)
        if ws:
            show_markdown(ws)

    flags = inc.get("flags") or []
    if flags:
        from .safe import md_text  # a flag may quote the plan's roles and teams (§8a)

        show_markdown("### Conflicts built into the plan\n\n" + "\n".join(
            f"- **{md_text(f['title'])}.** {md_text(f['sentence'])}" for f in flags))
    else:
        show_markdown("### Conflicts built into the plan\n\nNo conflict flag was raised.")

    scales = (inc.get("survey") or {}).get("scales") or {}
    rows = [{"Scale": SCALE_NAMES.get(k, k), "Sales side": fmt_num(v.get("sales"), 2),
             "Marketing side": fmt_num(v.get("marketing"), 2)}
            for k, v in scales.items() if v.get("sales") is not None
            or v.get("marketing") is not None]
    if rows:
        show_table(pd.DataFrame(rows), caption="How each side sees incentives (survey means, "
                   "1 = strongly disagree … 5 = strongly agree; — = hidden or not asked).")
    warns = inc.get("warnings") or []
    if warns:
        from .safe import md_text  # a plan warning may quote its cells (§8a)

        show_markdown("*Notes:* " + " ".join(md_text(w[0].upper() + w[1:] + ".")
                                              for w in warns))
