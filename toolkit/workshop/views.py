"""What the workshop widgets display: wording and charts from the workshop result dicts.

Every function reads a result dict (never raw respondent rows) and displays Markdown, a
table or a chart through :mod:`toolkit.report.display`, so the notebook only wires widgets.
"""

from __future__ import annotations

import html
import re

from ..charts.workshop import plot_guesses, plot_reveal, plot_sla, plot_split
from ..report.display import fmt_num, fmt_pct, show_figure, show_markdown, show_table
from .simulator import split_table
from ..formatting import half_up

_SIDE = {"sales": "Sales", "marketing": "Marketing"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def _plain(text) -> str:
    """A client value as literal text in Markdown (SPEC §8a: client data never becomes
    markup): Markdown specials backslashed, then ``<``, ``>`` and ``&`` as entities."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", str(text)), quote=False)


def reveal_takeaway(result: dict, stage: str = "gap") -> str:
    """One sentence for the current reveal stage (computed from the figures)."""
    bs = result["by_side"]
    if stage in ("sales", "marketing"):
        st = bs[stage]
        if st["mean"] is None:
            return f"The {stage} side's view is hidden for anonymity in this view."
        return (f"{_SIDE[stage]} side: average {half_up(st['mean'], 2):.2f} of 5, "
                f"{fmt_pct(st['agree_share'])} agree (n = {st['n']}).")
    gap = result["gap"]
    if gap["mean"] is None:
        return "The two sides cannot be compared in this view (anonymity threshold)."
    higher = "sales" if gap["mean"] > 0 else "marketing"
    mag = gap["cliffs_magnitude"] or "unmeasured"
    return (f"Gap {half_up(gap['mean'], 2):+.2f} scale points (sales − marketing): the {higher} side "
            f"agrees more; {fmt_pct(abs(gap['agree_share']))} points apart in agreement; "
            f"difference {mag} (Cliff's delta {fmt_num(gap['cliffs_delta'], 2)}).")


def show_reveal(result: dict, stage: str = "gap") -> None:
    """Display one stage of the perception-gap reveal (``sales``, ``marketing``, ``gap``)."""
    if result["kind"] is None:
        show_markdown("_No survey responses in this view._")
        return
    show_markdown(f"**{result['label']}**  \n_{result['direction']}_")
    takeaway = reveal_takeaway(result, stage)
    ax = plot_reveal(data=result, stage=stage)
    show_figure(ax, alt=f"Average answer to \"{result['label']}\" by side",
                takeaway=takeaway)


def show_guesses(scored: dict) -> None:
    """Display the guess round: each guess next to the real answer."""
    if not scored["rows"]:
        show_markdown("_Type the room's guesses, then press **Compare**._")
        return
    pct = scored["measure"] == "agree_share"
    lines = ["| Guess about | Room's guess | Real answer | Off by | |", "|---|---|---|---|---|"]
    for r in scored["rows"]:
        f = (lambda v: "—" if v is None else f"{half_up(v):.0f}%") if pct else \
            (lambda v: "—" if v is None else f"{half_up(v, 2):.2f}")
        off = "—" if r["error"] is None else (f"{half_up(r['error']):+.0f} pts" if pct
                                              else f"{half_up(r['error'], 2):+.2f}")
        actual = "hidden for anonymity" if r["verdict"] == "hidden" else f(r["actual"])
        lines.append(f"| {_SIDE[r['about']]} side | {f(r['guess'])} | {actual} | {off} | "
                     f"{r['verdict']} |")
    show_markdown("\n".join(lines))


def show_filter_note(result) -> None:
    """Say which view is shown, or why it is hidden (never with a count)."""
    if result.shown:
        show_markdown(f"_View: {_plain(result.label)}_")
    else:
        show_markdown(f"**View hidden.** {_plain(result.message)}")


def show_simulation(result: dict, currency: str = "") -> None:
    """Display the what-if: new split, added cost and the chart."""
    t = split_table(result)
    for col in ("Now", "With the change"):
        t[col] = [fmt_num(v, 0) if i < 3 else fmt_pct(v)
                  for i, v in enumerate(t[col])]
    show_table(t, caption=f"Payouts on the won deals of the period ({currency})")
    cost = result["added_cost"]
    ms = result["marketing_reward_share_on_marketing_sourced"]
    takeaway = (f"Added cost {fmt_num(cost, 0)} {currency}; marketing's share of the pay on "
                f"marketing-sourced deals {fmt_pct(ms['before'])} → {fmt_pct(ms['after'])}.")
    if result.get("added_cost_share") is not None:
        takeaway += f" That is {fmt_pct(result['added_cost_share'], 1)} of won revenue."
    ax = plot_split(data=result, currency=currency)
    show_figure(ax, alt="Commission and SLA bonus by side, now and with the change",
                takeaway=takeaway)
    ev = result.get("evidence")
    if ev:
        show_markdown(simulation_evidence(result, currency))
    for w in result.get("warnings", []):
        show_markdown(f"_Note: {_plain(w)}_")


def simulation_evidence(result: dict, currency: str = "") -> str:
    """The evidence behind a what-if, in words (from results.json figures only)."""
    ev = result["evidence"]
    currency = _plain(currency)
    gap, share = ev["reward_contribution_gap"], ev["marketing_reward_share"]
    lines = ["**The evidence behind it** (from the report's results):",
             f"- Won deals in the period: {fmt_num(ev['won_deals'], 0)}, "
             f"{fmt_num(ev['won_revenue'], 0)} {currency} of known revenue, "
             + ("of which the marketing-sourced part is not in the export (no lead source "
                "on the deals)." if ev.get("marketing_sourced_revenue") is None else
                f"{fmt_num(ev['marketing_sourced_revenue'], 0)} {currency} of it "
                "marketing-sourced."),
             f"- Marketing's contribution (marketing-sourced share of won revenue): "
             f"{fmt_pct(ev['marketing_contribution_share'])}; marketing's share of the "
             f"commission: {fmt_pct(share['before'])} now, {fmt_pct(share['after'])} with "
             "the change.",
             f"- Reward–contribution gap: {fmt_pct(gap['before'])} now, "
             f"{fmt_pct(gap['after'])} with the change (0% = paid as it contributes)."]
    if ev.get("attainment") is not None:
        lines.append(f"- Company goal attainment in the period: "
                     f"{fmt_pct(ev['attainment'])} (a gate above it pays nothing).")
    if ev.get("flags"):
        lines.append("- The report's incentive flags: " + "; ".join(ev["flags"]) + ".")
    return "\n".join(lines)


def show_sla(result: dict, currency: str = "") -> None:
    """Display the SLA designer's estimate with its interval, what it may be worth, what
    it costs, the evidence behind it and the caveat."""
    if result["extra_conversions"] is None:
        show_markdown("**Cannot size this SLA.** " + _plain(" ".join(result["warnings"])))
        return
    t = result["targets"]
    takeaway = (f"Meeting ≤ {t['first_touch_hours']:g} h and ≥ {t['attempts']} attempts "
                f"(met by {fmt_pct(result['meets_share'])} of leads today) is associated with "
                f"{half_up(result['extra_conversions']):+.0f} SQLs over the period "
                f"(95% interval {half_up(result['ci_low']):+.0f} to {half_up(result['ci_high']):+.0f}), "
                f"conversion {fmt_pct(result['current_rate'], 1)} → "
                f"{fmt_pct(result['projected_rate'], 1)}.")
    if result["warnings"]:   # before the figure: the room reads the caveats first
        show_markdown("**Read with care:** " + " ".join(_plain(w) for w in result["warnings"]))
    ax = plot_sla(data=result)
    show_figure(ax, alt="Leads reaching SQL now and with the SLA met", takeaway=takeaway)
    value = result.get("value")
    if value is not None:
        worth = (f"**What it may be worth:** about {half_up(value['extra_won']):.0f} more won deals "
                 f"(95% interval {fmt_num(value['extra_won_low'], 0)} to "
                 f"{fmt_num(value['extra_won_high'], 0)})")
        if value["revenue"] is not None:
            worth += (f", about {fmt_num(value['revenue'], 0)} {_plain(currency)} "
                      f"({fmt_num(value['revenue_low'], 0)} to "
                      f"{fmt_num(value['revenue_high'], 0)})")
        worth += (f", at this period's SQL → won rate of {fmt_pct(value['sql_to_won'], 1)}"
                  + (f" and average won deal of {fmt_num(value['avg_won_amount'], 0)} "
                     f"{_plain(currency)}" if value["avg_won_amount"] is not None else "")
                  + " (deals still open at the extract date make the rate an "
                  "underestimate).")
        show_markdown(worth)
    cost = result.get("cost")
    if cost is not None:
        show_markdown(f"**What it costs:** about {fmt_num(cost['extra_attempts'], 0)} more "
                      "attempts over the period (the attempts the unconverted leads "
                      f"lacked), and {fmt_num(cost['leads_to_reach_sooner'], 0)} leads to be "
                      f"reached within {t['first_touch_hours']:g} h that were not.")
    show_markdown(sla_evidence(result))
    show_markdown(f"_{result['caveat']}_")


def sla_evidence(result: dict) -> str:
    """The by-band evidence behind an SLA estimate, as a Markdown table."""
    if not result["by_band"]:
        return ""
    t = result["targets"]
    lines = [f"**The evidence behind it:** within each lead-score band, how leads first "
             f"touched within {t['first_touch_hours']:g} h convert by attempt "
             f"{t['attempts']} when kept on (Kaplan–Meier on the attempt clock, leads given "
             "up on counted until they were dropped; 95% interval), and how many unconverted "
             "leads the target would change.", "",
             "| Score band | Touched in time | Worked to the target | Convert by then | "
             "Given up on earlier | Reached late or never | Used |",
             "|---|---|---|---|---|---|---|"]

    def rate(w):
        if w.get("rate") is None:
            return "–"
        return (f"{fmt_pct(w['rate'], 1)} ({fmt_pct(w['ci_low'], 1)}–"
                f"{fmt_pct(w['ci_high'], 1)})")

    for r in result["by_band"]:
        lines.append(f"| {r['band']} | {r['n_fast']:,} | {r['n_reached']:,} | "
                     f"{rate(r['worked'])} | {r['n_given_up']:,} | {r['n_late_open']:,} | "
                     f"{'yes' if r['used'] else 'no'} |")
    return "\n".join(lines)


def show_guess_reveal(result: dict) -> None:
    """Display the phone round's reveal: each question, the room's guesses, the survey."""
    if not result["questions"]:
        show_markdown("_Open a round first._")
        return
    k = result["min_group_size"]
    lines = ["| Question | Room's typical guess | Survey says | Off by |",
             "|---|---|---|---|"]
    for i, q in enumerate(result["questions"], start=1):
        room = "—" if q["room"] is None else f"{half_up(q['room']['median']):.0f}%"
        actual = ("hidden for anonymity" if q["actual"] is None
                  else f"{half_up(q['actual']):.0f}%")
        off = "—" if q["error"] is None else f"{half_up(q['error']):+.0f} pts ({q['verdict']})"
        lines.append(f"| Q{i}. {q['text']} | {room} | {actual} | {off} |")
    show_markdown("\n".join(lines))
    if any(q["room"] is not None or q["actual"] is not None for q in result["questions"]):
        shown = [q for q in result["questions"] if q["room"] is not None]
        take = (" ".join(f"Q{result['questions'].index(q) + 1}: the room guessed "
                         f"{half_up(q['room']['median']):.0f}%, the survey says "
                         + ("(hidden)" if q["actual"] is None else f"{half_up(q['actual']):.0f}%")
                         + "." for q in shown) or "Too few answers to show the room's "
                "guesses yet.")
        show_figure(plot_guesses(data=result), alt="The room's guesses against the survey",
                    takeaway=take)
    if result["suppressed"]:
        show_markdown(f"_Groups of fewer than {k} people (guessers or survey answers) are "
                      "not shown, and neither is a group that would let one be worked "
                      "out._")


def show_intro(session) -> None:
    """Display the workshop's opening block: client, data available, anonymity rule."""
    d, r = session.data, session.results
    crm = r.get("crm") is not None
    # opportunities without a leads table: the won deals feed the what-if, but there is no
    # CRM evidence (funnel, speed, verdict) — say which is which (new-user review, F10)
    deals = (((r.get("incentives") or {}).get("split") or {}).get("deals") or {}).get("won")
    parts = (("survey", session.has_survey),
             ("CRM evidence", crm),
             ("won deals from the opportunities export (for the incentive what-if)",
              not crm and bool(deals)),
             ("compensation plan", d.plan is not None))
    have = [name for name, ok in parts if ok]
    missing = [name for name, ok in parts if not ok and not name.startswith("won deals")]
    if not crm and deals:
        missing = [("CRM lead evidence (the funnel, speed to lead and the blame-game verdict "
                    "need a leads table)" if m == "CRM evidence" else m) for m in missing]
    text = (f"## {_plain(session.client_name)} — alignment workshop\n\n"
            f"Data in this session: {', '.join(have) or 'none'}."
            + (f" Not provided: {', '.join(missing)}." if missing else "")
            + f"\n\nNo group of fewer than {session.min_group_size} people is shown: filters "
            "offer only views that keep every group at or above that size.")
    note = getattr(session, "views_note", None)
    if note:
        text += "\n\n**The survey exercises are not available.** " + _plain(note)
    show_markdown(text)
