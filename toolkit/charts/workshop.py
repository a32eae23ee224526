"""Charts of the live workshop: perception-gap reveal, reward split what-if, SLA designer."""

from __future__ import annotations

import numpy as np

from .theme import ACCENT, NEUTRAL, SIDE_COLORS, SIDE_LABELS, new_axes

REVEAL_STAGES = ("sales", "marketing", "gap")


def plot_reveal(*, data: dict, stage: str = "gap", ax=None):
    """Each side's 1..5 mean of a scale or item, revealed one side at a time.

    Parameters
    ----------
    data : dict
        Output of :func:`toolkit.workshop.reveal.perception_reveal`.
    stage : {"sales", "marketing", "gap"}
        ``sales`` shows the sales side only, ``marketing`` adds the marketing side, ``gap``
        also marks the gap between them.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax, figsize=(7.0, 2.6))
    sides = ["sales"] if stage == "sales" else ["sales", "marketing"]
    y = np.arange(len(sides))[::-1]
    for yi, s in zip(y, sides):
        m = data["by_side"][s]["mean"]
        if m is None:
            ax.text(1.05, yi, "hidden for anonymity", va="center", color=NEUTRAL)
            continue
        ax.barh(yi, m - 1, left=1, color=SIDE_COLORS[s], height=0.55)
        ax.text(m + 0.05, yi, f"{m:.2f}", va="center")
    if stage == "gap" and data["gap"]["mean"] is not None:
        ms, mm = data["by_side"]["sales"]["mean"], data["by_side"]["marketing"]["mean"]
        ax.annotate("", xy=(mm, 0.5), xytext=(ms, 0.5),
                    arrowprops={"arrowstyle": "<->", "color": "black"})
        ax.text((ms + mm) / 2, 0.62, f"gap {data['gap']['mean']:+.2f}", ha="center")
    ax.set_yticks(y, [SIDE_LABELS[s] for s in sides])
    ax.set_xlim(1, 5.4)
    ax.set_xlabel("Average (1 = strongly disagree … 5 = strongly agree)")
    ax.set_title(f"{data['code']}: {data['label'] or ''}")
    return ax


def plot_split(*, data: dict, currency: str = "", ax=None):
    """Commission and SLA bonus by side, now and with the change.

    Parameters
    ----------
    data : dict
        Output of :func:`toolkit.workshop.simulator.simulate`.
    currency : str
        Currency code for the axis label.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax, figsize=(7.0, 3.2))
    b, a = data["before"], data["after"]
    bonus = {"sales": 0.0, "marketing": 0.0}
    for item in a.get("fixed_bonuses", []):
        if item.get("side") in bonus and not item.get("gated_out"):
            bonus[item["side"]] += item["amount"]
    x = np.arange(2)
    for i, s in enumerate(("sales", "marketing")):
        vals = [b[f"{s}_payout"], a[f"{s}_payout"]]
        ax.bar(x + (i - 0.5) * 0.38, vals, width=0.36, color=SIDE_COLORS[s],
               label=SIDE_LABELS[s])
        if bonus[s]:
            ax.bar(x[1] + (i - 0.5) * 0.38, bonus[s], bottom=vals[1], width=0.36,
                   color=SIDE_COLORS[s], alpha=0.45, hatch="//", label=f"{SIDE_LABELS[s]}: "
                   "SLA bonus")
    ax.set_xticks(x, ["Now", "With the change"])
    ax.set_ylabel(f"Paid on won deals ({currency})".replace(" ()", ""))
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Who is paid for the deals already won")
    return ax


def plot_sla(*, data: dict, ax=None):
    """Conversions now and with the SLA target met, with the 95 % interval.

    Parameters
    ----------
    data : dict
        Output of :func:`toolkit.workshop.sla.design_sla`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax, figsize=(6.0, 3.0))
    now, proj = data["current_conversions"] or 0, data["projected_conversions"]
    ax.bar([0], [now], color=NEUTRAL, width=0.5)
    if proj is not None:
        lo = now + (data["ci_low"] if data["ci_low"] is not None else 0)
        hi = now + (data["ci_high"] if data["ci_high"] is not None else 0)
        ax.bar([1], [proj], color=ACCENT, width=0.5)
        ax.errorbar([1], [proj], yerr=[[max(proj - lo, 0)], [max(hi - proj, 0)]],
                    color="black", capsize=6)
    t = data["targets"]
    ax.set_xticks([0, 1], ["Now", f"≤ {t['first_touch_hours']:g} h and ≥ {t['attempts']} "
                           "attempts"])
    ax.set_ylabel("Leads reaching SQL")
    ax.set_title("What the SLA could be worth (associational)")
    return ax


def plot_guesses(*, data: dict, ax=None):
    """The room's guesses (median and middle half) against the survey's answer.

    Parameters
    ----------
    data : dict
        Output of :func:`toolkit.workshop.guess.guess_reveal`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    qs = data["questions"]
    ax = new_axes(ax, figsize=(7.5, 1.0 + 1.1 * max(len(qs), 1)))
    y = np.arange(len(qs))[::-1]
    labelled = set()

    def lab(name):
        if name in labelled:
            return None
        labelled.add(name)
        return name

    for yi, q in zip(y, qs):
        room = q["room"]
        if room is not None:
            ax.plot([room["q1"], room["q3"]], [yi, yi], color=NEUTRAL, lw=6, alpha=0.4,
                    solid_capstyle="butt", label=lab("Room: middle half of guesses"))
            ax.plot(room["median"], yi, "o", color=NEUTRAL, ms=11,
                    label=lab("Room: typical guess"))
        for s, dy in (("sales", 0.22), ("marketing", -0.22)):
            g = q["by_side"].get(s)
            if g is not None:
                ax.plot(g["median"], yi + dy, "v" if s == "sales" else "^",
                        color=SIDE_COLORS[s], ms=9, label=lab(f"{SIDE_LABELS[s]}'s guess"))
        if q["actual"] is not None:
            ax.plot(q["actual"], yi, "D", color="black", ms=10, label=lab("Survey answer"))
        else:
            ax.text(50, yi + 0.3, "survey answer hidden for anonymity", ha="center",
                    color=NEUTRAL, fontsize=9)
    ax.set_yticks(y, [f"Q{i + 1}: {q['about']} side" for i, q in enumerate(qs)])
    ax.set_xlim(-2, 102)
    ax.set_ylim(-0.7, len(qs) - 0.3)
    ax.set_xlabel("Share agreeing (%)")
    ax.set_title("The room's guesses against what the survey says")
    if labelled:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, fontsize=8,
                  frameon=False)
    return ax
