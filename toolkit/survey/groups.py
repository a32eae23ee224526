"""Who is reported where: sides, the reportable sample and anonymity suppression (§2.1, §8).

Sides: ``sales`` = teams ``sales`` + ``sales_development``; ``marketing`` = ``marketing``;
the remaining teams (``revops``, ``leadership``, ``other``) count in overall figures only.

Rules applied (every one of them keeps a group under ``min_group_size`` from being shown
or worked out by subtraction):

1. Remaining teams together under the threshold: they are left out of every overall figure
   (otherwise overall − sales − marketing would reveal them).
2. A side under the threshold: both sides are hidden (complementary: with one side shown,
   overall − shown side would reveal the other) and every side comparison is null.
3. Fewer reportable respondents than the threshold: nothing is reported.
4. Participation by team: :func:`toolkit.privacy.suppress_counts` within each side (whose
   total is published), so a hidden team cannot be recovered from its side's total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..vocab import NO_SIDE_TEAMS, TEAMS, TEAMS_OF_SIDE
from ..vocab import SIDE_OF_TEAM as SIDES
from ..privacy import BELOW_THRESHOLD, COMPLEMENTARY, suppress_counts

SIDE_NAMES = ("sales", "marketing")
REST = "other_teams"


@dataclass
class Groups:
    """Masks and suppression decisions for one survey."""

    side: pd.Series                    # "sales" | "marketing" | "other_teams" per respondent
    reportable: pd.Series              # bool: counts in overall ("all") figures
    side_shown: dict = field(default_factory=dict)   # {"sales": bool, "marketing": bool}
    all_shown: bool = True
    suppressed: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def mask(self, side: str) -> pd.Series:
        """Rows of *side* (``sales``, ``marketing``) or of the overall sample (``all``)."""
        if side == "all":
            return self.reportable
        return self.side == side

    def shown(self, side: str) -> bool:
        """Whether figures of *side* (or ``all``) may be reported."""
        return self.all_shown if side == "all" else self.side_shown.get(side, False)

    @property
    def comparable(self) -> bool:
        """Both sides shown, so sales-vs-marketing comparisons may be reported."""
        return all(self.side_shown.get(s, False) for s in SIDE_NAMES)


@dataclass(frozen=True)
class Visibility:
    """What may be shown of one figure given how many answered in each part."""

    sales: bool
    marketing: bool
    include_rest: bool
    all: bool

    def shown(self, side: str) -> bool:
        """Whether *side* (``sales``, ``marketing``, ``all``) may be shown."""
        return getattr(self, side)

    @property
    def comparable(self) -> bool:
        """Both sides shown."""
        return self.sales and self.marketing


def visibility(n_sales: int, n_marketing: int, n_rest: int, min_size: int) -> Visibility:
    """Apply rules 1–3 of the module docstring to the counts of one figure.

    Parameters
    ----------
    n_sales, n_marketing, n_rest : int
        Respondents (or answers) in the sales side, marketing side and remaining teams.
    min_size : int
        ``min_group_size``.

    Returns
    -------
    Visibility
        ``include_rest`` False means the remaining teams are left out of the overall figure.
    """
    include_rest = not (0 < n_rest < min_size)
    s_ok = n_sales >= min_size
    m_ok = n_marketing >= min_size
    if (0 < n_sales < min_size and n_marketing > 0) or (0 < n_marketing < min_size
                                                        and n_sales > 0):
        s_ok = m_ok = False
    n_all = n_sales + n_marketing + (n_rest if include_rest else 0)
    all_ok = n_all >= min_size
    if not all_ok:
        s_ok = m_ok = False
    return Visibility(sales=s_ok, marketing=m_ok, include_rest=include_rest, all=all_ok)


def assign_groups(survey: pd.DataFrame, min_size: int) -> Groups:
    """Assign sides and decide what may be reported.

    Parameters
    ----------
    survey : pandas.DataFrame
        Canonical survey table with a ``team`` column.
    min_size : int
        ``min_group_size``.

    Returns
    -------
    Groups
    """
    team = survey["team"].astype("string").fillna("other") if "team" in survey else \
        pd.Series("other", index=survey.index, dtype="string")
    side = team.map(lambda t: SIDES.get(t, REST)).astype(str)
    n = side.value_counts()
    n_s, n_m, n_r = (int(n.get(k, 0)) for k in ("sales", "marketing", REST))
    g = Groups(side=side, reportable=pd.Series(True, index=survey.index))
    if 0 < n_r < min_size:
        g.reportable = side != REST
        g.suppressed.append({"where": "survey", "group": "revops, leadership and other teams",
                             "reason": BELOW_THRESHOLD})
        g.warnings.append("Respondents outside sales and marketing are too few to report; "
                          "they are left out of the overall figures so that they cannot be "
                          "worked out by subtraction.")
    shown = {"sales": n_s >= min_size, "marketing": n_m >= min_size}
    for s, k in (("sales", n_s), ("marketing", n_m)):
        if 0 < k < min_size:
            g.suppressed.append({"where": "survey", "group": f"{s} side",
                                 "reason": BELOW_THRESHOLD})
    if (0 < n_s < min_size and n_m > 0) or (0 < n_m < min_size and n_s > 0):
        for s, k in (("sales", n_s), ("marketing", n_m)):
            if k >= min_size:
                g.suppressed.append({"where": "survey", "group": f"{s} side",
                                     "reason": COMPLEMENTARY})
        shown = {"sales": False, "marketing": False}
    g.side_shown = shown
    if not all(shown.values()):
        g.warnings.append(
            f"Sales side and marketing side cannot be compared: "
            f"{'one side has' if (n_s and n_m) else 'a side has'} fewer than {min_size} "
            "respondents (or none), so side figures and comparisons are not reported.")
    n_all = int(g.reportable.sum())
    if n_all < min_size:
        g.all_shown = False
        g.side_shown = {"sales": False, "marketing": False}
        if n_all:
            g.suppressed.append({"where": "survey", "group": "all respondents",
                                 "reason": BELOW_THRESHOLD})
        g.warnings.append(f"Fewer than {min_size} respondents: no survey figures are "
                          "reported.")
    return g


def participation(survey: pd.DataFrame, g: Groups, min_size: int,
                  headcount: dict | None = None) -> tuple[dict, list]:
    """Respondents by team and side, with response rates where headcount is known.

    Parameters
    ----------
    survey : pandas.DataFrame
        Canonical survey table.
    g : Groups
        From :func:`assign_groups`.
    min_size : int
        ``min_group_size``.
    headcount : dict, optional
        ``{team: people}``; keys may be canonical teams or ``sales_side`` /
        ``marketing_side``. A side's headcount is ``<side>_side`` if given, else the sum of
        its teams' headcounts.

    Returns
    -------
    participation : dict
        ``{"by_team": {team: {"n", "headcount", "rate"}}, "by_side": {side: {...}},
        "total": {...}}`` — hidden teams are omitted.
    suppressed : list of dict
        Records of hidden teams.
    """
    headcount = dict(headcount or {})
    team = survey["team"].astype("string").fillna("other") if "team" in survey else \
        pd.Series("other", index=survey.index, dtype="string")
    counts = team[g.reportable].value_counts()
    teams_of = {**{side: list(ts) for side, ts in TEAMS_OF_SIDE.items()},
                REST: list(NO_SIDE_TEAMS)}
    records: list = []
    by_team: dict = {}
    for side, members in teams_of.items():
        sub = {t: int(counts.get(t, 0)) for t in members}
        sup = suppress_counts(sub, min_size, where="survey.participation")
        records += sup.records
        side_visible = g.all_shown and (g.shown(side) if side != REST else True)
        for t in members:
            k = sub[t]
            if k == 0 or not sup.shown(t) or not side_visible:
                if k and sup.shown(t) and not side_visible:
                    records.append({"where": "survey.participation", "group": t,
                                    "reason": COMPLEMENTARY})
                continue
            by_team[t] = _rate(k, headcount.get(t))
    by_side = {}
    for side in SIDE_NAMES:
        if g.shown(side):
            k = int(g.mask(side).sum())
            hc = headcount.get(f"{side}_side")
            if hc is None:
                known = [headcount[t] for t in teams_of[side] if t in headcount]
                hc = sum(known) if known else None
            by_side[side] = _rate(k, hc)
    # a total rate only when headcount covers every team that answered
    answered = set(counts[counts > 0].index)
    team_hc = {t: v for t, v in headcount.items() if t in TEAMS}
    total_hc = sum(team_hc.values()) if team_hc and answered <= set(team_hc) else None
    total = _rate(int(g.reportable.sum()), total_hc) if g.all_shown else \
        {"n": None, "headcount": None, "rate": None}
    return {"by_team": by_team, "by_side": by_side, "total": total}, records


def _rate(n: int, headcount) -> dict:
    rate = float(n / headcount) if headcount else None
    return {"n": int(n), "headcount": int(headcount) if headcount else None, "rate": rate}
