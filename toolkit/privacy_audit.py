"""Anonymity as an audit (SPEC §8): prove that no group under the threshold can be recovered
by differencing anything a user can obtain.

Every survey figure the toolkit publishes — in ``results.json`` and everything rendered from
it (report, xlsx, PDF, portfolio), in the counts of rows read and kept, and in every view the
workshop's filters offer — is an aggregate over a *set of respondents* for one *measure*
(an item, a scale score, or plain participation): its n, its mean, its share agreeing, its
answer distribution. Each of those is a linear function of the answers of the set's members.
A user holding several figures of one measure can add and subtract them; what he can learn
is then limited to unions of the *atoms* of that measure: the classes of respondents who
answered it and belong to exactly the same published sets. (Every combination of published
indicator vectors is constant on atoms, so no combination isolates less than one atom.)

The audit therefore computes, for every measure, the atoms of its published sets from the
survey table itself, and passes when every atom holds 0 or at least ``min_group_size``
respondents. A scale score is a function of its items, so a scale's figures and its items'
are also checked together, on the respondents' answers (:mod:`toolkit.privacy_linkage`). It also checks that each published n equals the size of the set it is modelled
by, so a figure the model does not describe is reported instead of silently trusted.

* :func:`report_releases` — the sets behind a ``results.json`` (survey scales, items, claims,
  frequency, participation by team and side, total, survey rows read and kept).
* :func:`workshop_releases` — the sets behind every workshop view the filters offer (each
  level, each region, each level × region, each side, every scale and item), modelled
  generously: every side figure whose side reaches the threshold counts as shown.
* :func:`audit` — the atom check over any list of releases.
* :func:`enforce_report` — runs the audit on a results dict and, where it fails, withholds
  figures (survey row counts, then a measure's overall figure, then the measure) until it
  passes; records the outcome in ``data.privacy_audit``.
* :func:`safe_workshop_values` — filter values the workshop may offer so that the report and
  every combination of filters pass the audit together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .config import SIDES, TEAMS

RESPONDENTS = "respondents"  # the participation "measure": every row of the survey table
SIDE_TEAMS = {"sales": ("sales", "sales_development"), "marketing": ("marketing",)}
REST_TEAMS = tuple(t for t in TEAMS if t not in SIDES)
_REST = (("team", frozenset(REST_TEAMS)),)


@dataclass(frozen=True)
class Release:
    """One published aggregate.

    Attributes
    ----------
    where : str
        Where a user finds it (``results.survey.scales.FAIR.by_side.sales``,
        ``workshop: level=manager, region=EMEA, TRUST, sales``).
    measure : str
        Item or scale code, ``FREQ``, or :data:`RESPONDENTS` (a count of survey rows).
    conditions : tuple of (column, frozenset of values)
        The set: rows whose ``column`` value is in the values, for every condition.
    n : int, optional
        The published n, checked against the set's size.
    handle : tuple, optional
        What to withhold if the figure must go (one handle for a figure printed in several
        places; see :mod:`toolkit.privacy_report`).
    """

    where: str
    measure: str
    conditions: tuple = ()
    n: int | None = None
    handle: tuple | None = None


@dataclass
class AuditReport:
    """Outcome of :func:`audit`.

    Attributes
    ----------
    ok : bool
        No atom under the threshold and every published n matched its set.
    releases, measures : int
        How many releases and measures were checked.
    violations : list of dict
        ``{"measure", "size", "where"}``: an atom of *size* respondents (``0 < size < k``)
        that the releases listed in ``where`` (first few) would let a user isolate.
    mismatches : list of dict
        ``{"where", "published", "modelled"}``: a published n the model does not reproduce.
    """

    ok: bool = True
    releases: int = 0
    measures: int = 0
    violations: list = field(default_factory=list)
    mismatches: list = field(default_factory=list)

    def summary(self) -> dict:
        """JSON-safe summary (no sizes of small groups: only how many were found)."""
        return {"ok": self.ok, "releases": self.releases, "measures": self.measures,
                "violations": len(self.violations), "mismatches": len(self.mismatches)}


# ---------------------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------------------

def answered(survey: pd.DataFrame, measures: Iterable[str]) -> dict[str, np.ndarray]:
    """Boolean arrays: who has a value for each measure as the published figures count it
    (items and scale scores on the respondents who answered every item of the scale,
    :mod:`toolkit.survey.answer_sets`; ``FREQ``; :data:`RESPONDENTS` = every row)."""
    from .instrument import SCALE_ITEMS
    from .survey.answer_sets import published_items
    from .survey.scoring import has_scale_score

    def clean_items(table):  # the answers figures are computed from (survey.answer_sets)
        from .survey.scoring import clean_items as clean

        return published_items(clean(table)[0]), None

    measures = list(dict.fromkeys(measures))
    derived = [m for m in measures if m.startswith(_DERIVED_PREFIXES)]
    if derived:  # comments, pillar spreads, the driver analysis' complete respondents
        from .instrument import PILLARS
        from .survey.dominance import DRIVER_SCALES, OUTCOME

        base = [m for m in measures if not m.startswith(_DERIVED_PREFIXES)]
        if any(not m.startswith("comments:") for m in derived):
            base += [c for cs in PILLARS.values() for c in cs] + [OUTCOME, *DRIVER_SCALES]
        has = answered(survey, base)
        out = {m: has[m] for m in base if m in measures}
        for m in derived:
            out[m] = _answered_derived(survey, m, has)
        return out
    out: dict[str, np.ndarray] = {}
    raw = None
    for m in measures:
        if m == RESPONDENTS:
            out[m] = np.ones(len(survey), dtype=bool)
            continue
        if m in SCALE_ITEMS:  # who has a scale score, without computing the scores
            raw = clean_items(survey)[0] if raw is None else raw
            out[m] = has_scale_score(raw, m)
            continue
        if raw is None:
            raw = clean_items(survey)[0]
        col = raw[m] if m in raw else (survey[m] if m in survey else None)
        if col is None:
            out[m] = np.zeros(len(survey), dtype=bool)
        else:
            col = col.reindex(survey.index)
            if col.dtype == object or str(col.dtype).startswith(("str", "string")):
                col = col.astype("string").str.strip().replace("", pd.NA)
            out[m] = col.notna().to_numpy(dtype=bool)
    return out


#: Measures computed from others (any other name is a column or a code, e.g. the workshop's
#: ``guess:q1``).
_DERIVED_PREFIXES = ("comments:", "PILLAR:", "DRIVERS:")


def _answered_derived(survey: pd.DataFrame, m: str, has: Mapping[str, np.ndarray]
                      ) -> np.ndarray:
    """``comments:OPEN1`` (wrote a comment), ``PILLAR:politics`` (answered a scale of the
    pillar), ``DRIVERS:scale`` / ``DRIVERS:pillar`` (complete for the driver analysis)."""
    from .instrument import PILLARS
    from .survey.dominance import DRIVER_SCALES, OUTCOME

    kind, what = m.split(":", 1)
    if kind == "comments":
        if what not in survey:
            return np.zeros(len(survey), dtype=bool)
        col = survey[what].astype("string").str.strip()
        return (col.notna() & (col != "")).fillna(False).to_numpy(dtype=bool)
    members = {p: list(c) for p, c in PILLARS.items()}
    if kind == "PILLAR":
        cols = [has[c] for c in members.get(what, ())]
        return np.any(cols, axis=0) if cols else np.zeros(len(survey), dtype=bool)
    out = has[OUTCOME].copy()
    if what == "scale":
        for c in DRIVER_SCALES:
            out &= has[c]
    else:
        for cs in members.values():
            out &= np.any([has[c] for c in cs], axis=0)
    return out


HEATMAP_NOT_GIVEN = "not given"


def _column(survey: pd.DataFrame, name: str) -> pd.Series:
    if name.startswith("heatmap:"):  # the heatmap's grouping (toolkit.survey.heatmap._groups)
        dim = name.split(":", 1)[1]
        if dim not in survey:
            return pd.Series(HEATMAP_NOT_GIVEN, index=survey.index, dtype="string")
        v = survey[dim].astype("string").str.strip()
        v = v.mask(v.isna() | (v == ""), HEATMAP_NOT_GIVEN)
        if dim in ("level", "tenure"):
            v = v.str.lower()
        return v
    if name not in survey:
        return pd.Series(pd.NA, index=survey.index, dtype="string")
    s = survey[name].astype("string").str.strip()
    if name == "team":
        s = s.fillna("other")
    return s.where(s != "")


def _mask(survey: pd.DataFrame, conditions: Sequence, cache: dict) -> np.ndarray:
    key = ("mask", tuple(conditions))
    hit = cache.get(key)
    if hit is not None:
        return hit
    m = np.ones(len(survey), dtype=bool)
    for col, values in conditions:
        ck = ("cond", col, values)
        if ck not in cache:
            if col not in cache:
                cache[col] = _column(survey, col)
            cache[ck] = cache[col].isin(list(values)).fillna(False).to_numpy(dtype=bool)
        m = m & cache[ck]
    cache[key] = m
    return m


# ---------------------------------------------------------------------------------------
# The audit
# ---------------------------------------------------------------------------------------

def audit(survey: pd.DataFrame, releases: Iterable[Release], min_group_size: int, *,
          has: Mapping[str, np.ndarray] | None = None, cache: dict | None = None
          ) -> AuditReport:
    """Check that no set of fewer than *min_group_size* respondents can be isolated.

    Parameters
    ----------
    survey : pandas.DataFrame
        The canonical survey table (every row the figures were computed from).
    releases : iterable of Release
        Everything published.
    min_group_size : int
        The anonymity threshold k.
    has : mapping, optional
        Who answered each measure (boolean arrays over the survey's rows), for measures
        :func:`answered` does not know; computed with :func:`answered` when absent.
    cache : dict, optional
        Condition masks kept between calls on the same survey.

    Returns
    -------
    AuditReport
        ``ok`` when, for every measure, every atom of its published sets (respondents who
        answered it and belong to exactly the same published sets, at least one) holds 0
        or at least k respondents, and every published n equals its modelled set.
    """
    k = int(min_group_size)
    releases = list(releases)
    by_measure: dict[str, list[Release]] = {}
    for r in releases:
        by_measure.setdefault(r.measure, []).append(r)
    rep = AuditReport(releases=len(releases), measures=len(by_measure))
    if survey is None or len(survey) == 0:
        return rep
    has = dict(has or {})
    has.update(answered(survey, [m for m in by_measure if m not in has]))
    cache = {} if cache is None else cache
    for measure, rels in by_measure.items():
        universe = has[measure]
        masks = []
        for r in rels:
            m = _mask(survey, r.conditions, cache) & universe
            if r.n is not None and int(m.sum()) != int(r.n):
                rep.mismatches.append({"where": r.where, "published": int(r.n),
                                       "modelled": int(m.sum())})
            masks.append(m)
        if not masks:
            continue
        mat = np.column_stack(masks)
        covered = mat.any(axis=1)
        if not covered.any():
            continue
        sig = np.packbits(mat[covered], axis=1)
        uniq, inverse, counts = np.unique(sig, axis=0, return_inverse=True,
                                          return_counts=True)
        if (counts >= k).all():
            continue  # every atom reaches k: nothing smaller can be isolated
        atoms = np.unpackbits(uniq, axis=1)[:, :len(rels)].astype(bool)  # atom x release
        for group in recoverable_small_groups(atoms, counts, k):
            first = group[0]
            wheres = [rels[j].where for j in np.flatnonzero(atoms[first])]
            rep.violations.append({"measure": measure,
                                   "size": int(sum(counts[a] for a in group)),
                                   "where": wheres})
    # a scale is a function of its items: its figures and theirs are checked together
    from .privacy_linkage import linked_violations

    rep.violations += linked_violations(survey, releases, k, has, cache)
    rep.ok = not rep.violations and not rep.mismatches
    return rep


_P = 2_147_483_629  # a prime below 2**31: exact arithmetic in int64 without overflow


def _null_rows(atoms: np.ndarray) -> np.ndarray:
    """A basis of the null space of the release × atom matrix, one row per atom, mod p.

    A union S of atoms is a combination of the releases exactly when the rows of S sum to
    zero (over the rationals; computed in GF(p) for speed, and every union found this way is
    confirmed by least squares before it is reported).
    """
    m = (atoms.T.astype(np.int64) % _P).copy()  # releases x atoms
    n_rel, n_atoms = m.shape
    pivots: list[int] = []
    r = 0
    for c in range(n_atoms):
        if r == n_rel:
            break
        nz = np.flatnonzero(m[r:, c]) + r
        if not len(nz):
            continue
        piv = nz[0]
        if piv != r:
            m[[r, piv]] = m[[piv, r]]
        inv = pow(int(m[r, c]), _P - 2, _P)
        m[r] = (m[r] * inv) % _P
        col = m[:, c].copy()
        col[r] = 0
        rows = np.flatnonzero(col)
        if len(rows):
            m[rows] = (m[rows] - (col[rows, None] * m[r][None, :]) % _P) % _P
        pivots.append(c)
        r += 1
    piv_set = set(pivots)
    free = [c for c in range(n_atoms) if c not in piv_set]
    out = np.zeros((n_atoms, len(free)), dtype=np.int64)
    for i, c in enumerate(pivots):
        out[c] = (-m[i, free]) % _P
    for j, c in enumerate(free):
        out[c, j] = 1
    return out


def _confirm(atoms: np.ndarray, group) -> bool:
    target = np.zeros(atoms.shape[0])
    target[list(group)] = 1.0
    a = atoms.T.astype(float)  # releases x atoms
    coef, *_ = np.linalg.lstsq(a.T, target, rcond=None)
    return bool(np.allclose(a.T @ coef, target, atol=1e-8))


def recoverable_small_groups(atoms: np.ndarray, sizes: np.ndarray, k: int) -> list[list[int]]:
    """Unions of atoms with fewer than *k* people that are combinations of the releases.

    Parameters
    ----------
    atoms : ndarray of bool, shape (atoms, releases)
        Which releases contain each atom.
    sizes : ndarray of int
        People per atom.
    k : int

    Returns
    -------
    list of list of int
        Each a set of atoms whose union (fewer than *k* people) a user can compute exactly
        by adding and subtracting published figures. Only atoms under *k* can take part:
        single atoms and pairs are searched by hashing their null-space rows, triples and
        quadruples by meeting in the middle (pair sums against single rows and pair sums);
        larger unions (k > 5) by enumeration when that is small, else every atom that
        might take part is reported (the safe direction).
    """
    from itertools import combinations

    small = [int(a) for a in np.flatnonzero(sizes < k)]
    if not small:
        return []
    null = _null_rows(atoms)
    if null.shape[1] == 0:  # every atom is itself a combination of the releases
        return [[a] for a in small]
    rows = {a: null[a] for a in small}
    key = {a: rows[a].tobytes() for a in small}
    neg = {a: ((-rows[a]) % _P).tobytes() for a in small}
    found: list[list[int]] = []
    seen: set = set()

    def add(group):
        g = tuple(sorted(set(group)))
        if len(g) != len(group) or g in seen:
            return
        if sum(int(sizes[a]) for a in g) >= k:
            return
        if any(set(g) >= set(f) for f in found):
            return
        if _confirm(atoms, g):
            seen.add(g)
            found.append(list(g))

    zero = np.zeros(null.shape[1], dtype=np.int64).tobytes()
    for a in small:
        if key[a] == zero:
            add((a,))
    by_key: dict[bytes, list[int]] = {}
    for a in small:
        by_key.setdefault(key[a], []).append(a)
    if k - 1 >= 2:
        for a in small:
            for b in by_key.get(neg[a], ()):
                if b > a:
                    add((a, b))
    if k - 1 >= 3:
        # the pairs (a, b) of small atoms, in combinations() order, whose sizes leave room
        # for a third atom; their null-space row sums (and the negated sums) are computed for
        # all b at once per a (one NumPy operation per atom instead of three per pair)
        mat = null[small]
        width = mat.shape[1] * mat.itemsize
        size_of = np.array([int(sizes[a]) for a in small], dtype=np.int64)
        pair_sums: list[tuple[int, int, bytes, bytes]] = []   # (a, b, sum, −sum)
        for i, a in enumerate(small[:-1]):
            js = np.flatnonzero(size_of[i] + size_of[i + 1:] < k - 1) + i + 1
            if not len(js):
                continue
            ssum = (mat[i] + mat[js]) % _P
            fwd = np.ascontiguousarray(ssum).tobytes()
            neg_b = np.ascontiguousarray((-ssum) % _P).tobytes()
            for n, j in enumerate(js.tolist()):
                pair_sums.append((a, small[j], fwd[n * width:(n + 1) * width],
                                  neg_b[n * width:(n + 1) * width]))
        pairs: dict[bytes, list[tuple]] = {}
        for a, b, _, neg_ab in pair_sums:
            pairs.setdefault(neg_ab, []).append((a, b))
            for c in by_key.get(neg_ab, ()):
                add((a, b, c))
        if k - 1 >= 4:
            for a, b, sum_ab, _ in pair_sums:
                for c, d in pairs.get(sum_ab, ()):
                    add((a, b, c, d))
    if k - 1 > 4:
        tiny = [a for a in small if int(sizes[a]) <= k - 5]
        budget = sum(1 for _ in combinations(tiny, 5)) if len(tiny) <= 40 else 10 ** 9
        if budget <= 20_000:
            for size in range(5, k):
                for g in combinations(tiny, size):
                    if sum(int(sizes[a]) for a in g) < k and not np.any(
                            sum(rows[a] for a in g) % _P):
                        add(g)
        else:
            for a in tiny:
                if not any(a in f for f in found):
                    seen.add((a,))
                    found.append([a])
    return found


# ---------------------------------------------------------------------------------------
# What the report publishes (toolkit.privacy_report)
# ---------------------------------------------------------------------------------------

def _side_conditions(side: str, with_rest: bool) -> tuple:
    if side == "all":
        teams = SIDE_TEAMS["sales"] + SIDE_TEAMS["marketing"] + (REST_TEAMS if with_rest
                                                                 else ())
        return (("team", frozenset(teams)),)
    return (("team", frozenset(SIDE_TEAMS[side])),)


def report_releases(results: Mapping, survey: pd.DataFrame) -> list[Release]:
    """Every survey figure a results dict publishes
    (:func:`toolkit.privacy_report.report_releases`)."""
    from .privacy_report import report_releases as releases

    return releases(results, survey)


# ---------------------------------------------------------------------------------------
# What the workshop offers
# ---------------------------------------------------------------------------------------

def workshop_combos(survey: pd.DataFrame, min_group_size: int,
                    exclude: Mapping[str, set] | None = None) -> list[tuple]:
    """Every (level, region) pair the workshop's filters can show (``None`` = all)."""
    from .workshop.filters import filter_options

    ex = {d: set(v) for d, v in (exclude or {}).items()}

    def opts(level=None, region=None):
        o = filter_options(survey, min_group_size, level=level, region=region)
        return ([v for v in o["level"] if v not in ex.get("level", ())],
                [v for v in o["region"] if v not in ex.get("region", ())])

    levels, regions = opts()
    combos = {(None, None)}
    combos |= {(lv, None) for lv in levels}
    combos |= {(None, rg) for rg in regions}
    for lv in levels:
        for rg in opts(level=lv)[1]:
            if lv in opts(region=rg)[0]:
                combos.add((lv, rg))
    return sorted(combos, key=lambda c: (c[0] or "", c[1] or ""))


def _answer_cells(survey: pd.DataFrame, k: int, combo: tuple, cache: dict) -> list:
    """For each chosen dimension of *combo*: the rows of its base (the other dimension's
    choice) and each row's cell code (offered value or the pooled rest, × side group), as
    :func:`toolkit.workshop.filters.answers_safe` partitions them."""
    from .workshop.filters import filter_options

    chosen = dict(zip(("level", "region"), combo))
    side = _column(survey, "team").map(lambda t: 0 if t in SIDE_TEAMS["sales"] else
                                       1 if t in SIDE_TEAMS["marketing"] else 2)
    side = side.to_numpy(dtype=int)
    out = []
    for dim in ("level", "region"):
        if chosen[dim] is None:
            continue
        other = "region" if dim == "level" else "level"
        base = np.ones(len(survey), dtype=bool)
        if chosen[other] is not None:
            base = _mask(survey, ((other, frozenset([chosen[other]])),), cache)
            sub = survey.loc[base]
        else:
            sub = survey
        offered = filter_options(sub, k, **{other: None})[dim]
        values = _column(survey, dim)
        cls = np.full(len(survey), len(offered), dtype=int)
        for i, v in enumerate(offered):
            cls[(values == v).fillna(False).to_numpy(dtype=bool)] = i
        out.append((base, cls * 3 + side, (len(offered) + 1) * 3))
    return out


def _combo_releases(survey: pd.DataFrame, k: int, combo: tuple, codes: list[str],
                    has: Mapping[str, np.ndarray], cache: dict) -> list[Release]:
    """Releases of one (level, region) view of the workshop, for every code."""
    lv, rg = combo
    view = []
    if lv is not None:
        view.append(("level", frozenset([lv])))
    if rg is not None:
        view.append(("region", frozenset([rg])))
    label = f"workshop: level={lv or 'all'}, region={rg or 'all'}"
    vmask = _mask(survey, view, cache)
    rest = _mask(survey, _REST, cache)
    rest_view = int((vmask & rest).sum())
    cells = _answer_cells(survey, k, combo, cache) if view else []
    out: list[Release] = []
    for code in codes:
        hidden = False
        for base, cell, size in cells:  # the workshop's answers_safe, vectorised
            counts = np.bincount(cell[base & has[code]], minlength=size)
            if ((counts > 0) & (counts < k)).any():
                hidden = True
                break
        if hidden:
            continue  # the workshop hides this question in this view
        ans = has[code] & vmask
        rest_ans = int((ans & rest).sum())
        for side in ("sales", "marketing", "all"):
            if side == "all" and ((0 < rest_view < k) or (0 < rest_ans < k)):
                continue  # as perception_reveal: no overall figure without the other teams
            conds = tuple(view) + _side_conditions(side, True)
            n = int((_mask(survey, conds, cache) & ans).sum())
            if n >= k:
                out.append(Release(f"{label}, {code}, {side}", code, conds))
    return out


def workshop_releases(survey: pd.DataFrame, min_group_size: int, *,
                      codes: Iterable[str] | None = None,
                      exclude: Mapping[str, set] | None = None) -> list[Release]:
    """The sets behind every view the workshop can show.

    For every (level, region) pair the filters offer (:func:`workshop_combos`), every scale
    and item of the reveal (*codes*) not hidden in that view (``answers_safe``), and each
    of the sales side, the marketing side and everyone in the view: a release whenever that
    group's answering respondents reach the threshold (the workshop may show fewer;
    modelling more is the safe direction). A side filter selects a subset that is already
    one of these groups.
    """
    from .workshop.reveal import reveal_options

    k = int(min_group_size)
    codes = list(codes) if codes is not None else [c for _, c in reveal_options()]
    has = answered(survey, codes)
    cache: dict = {}
    out: list[Release] = []
    for combo in workshop_combos(survey, k, exclude):
        out += _combo_releases(survey, k, combo, codes, has, cache)
    return out


def safe_workshop_values(survey: pd.DataFrame, min_group_size: int, *,
                         results: Mapping | None = None,
                         codes: Iterable[str] | None = None,
                         report: list[Release] | None = None) -> tuple[dict, AuditReport]:
    """Filter values to withhold so that the report and every workshop view pass the audit.

    Starting from what :func:`toolkit.workshop.filters.filter_options` offers, the audit
    runs over the report's releases (when *results* is given) plus every workshop view;
    while it fails, the offered filter value whose withholding removes the most failing
    atoms (smallest value first) is withheld — complementary suppression, driven by the
    audit.

    Parameters
    ----------
    survey : pandas.DataFrame
        The canonical survey table.
    min_group_size : int
        Anonymity threshold.
    results : mapping, optional
        The results dict whose survey figures join the audit.
    codes : iterable of str, optional
        The reveal's scales and items (default: all of them).
    report : list of Release, optional
        ``report_releases(results, survey)`` when the caller has it already.

    Returns
    -------
    (dict, AuditReport)
        ``{"level": set, "region": set}`` of withheld values, and the final audit (``ok``
        unless withholding every value could not make it pass).
    """
    from .workshop.reveal import reveal_options

    k = int(min_group_size)
    exclude: dict[str, set] = {"level": set(), "region": set()}
    if survey is None or len(survey) == 0:
        return exclude, AuditReport()
    if report is not None:
        base = list(report)
    else:
        base = report_releases(results, survey) if results else []
    codes = list(codes) if codes is not None else [c for _, c in reveal_options()]
    has = answered(survey, codes)
    cache: dict = {}
    combos = workshop_combos(survey, k)
    per_combo = {c: _combo_releases(survey, k, c, codes, has, cache) for c in combos}

    def live(ex):
        return [c for c in combos if not (c[0] in ex["level"] or c[1] in ex["region"])]

    def run(ex):
        rels = list(base)
        for c in live(ex):
            rels += per_combo[c]
        return audit(survey, rels, k)

    rep = run(exclude)
    for _ in range(50):
        if rep.ok:
            break
        offered = {(dim, v) for combo in live(exclude)
                   for dim, v in zip(("level", "region"), combo) if v is not None}
        if not offered:
            break
        sizes = {dv: int((_column(survey, dv[0]) == dv[1]).fillna(False).sum())
                 for dv in offered}
        best = None
        for dv in sorted(offered, key=lambda d: (sizes[d], d)):
            trial = {d: set(v) for d, v in exclude.items()}
            trial[dv[0]].add(dv[1])
            r = run(trial)
            if best is None or len(r.violations) < len(best[1].violations):
                best = (trial, r)
            if r.ok:
                break
        exclude, rep = best
    return exclude, rep


# ---------------------------------------------------------------------------------------
# Enforcing it on the report (toolkit.privacy_report)
# ---------------------------------------------------------------------------------------

def enforce_report(results: dict, survey: pd.DataFrame | None, min_group_size: int,
                   min_comment_group_size: int | None = None) -> dict:
    """Withhold figures until the report passes the audit
    (:func:`toolkit.privacy_report.enforce_report`)."""
    from .privacy_report import enforce_report as enforce

    return enforce(results, survey, min_group_size, min_comment_group_size)


# --------------------------------------------------------------------------------------------
# The compensation plan's pay-mix table (review 16b M7)
# --------------------------------------------------------------------------------------------
def audit_pay_mix(rows: Sequence[Mapping], plan_headcount: Mapping[tuple[str, str], int],
                  min_group_size: int) -> dict:
    """Prove that the published pay-mix table shows no role under the threshold, directly or
    by subtraction (SPEC §8).

    The table's figures are aggregates over sets of roles: each row (one role, or roles
    combined within their team) and the total of the rows shown (the "people on the plan in
    all" beside the table). As for the survey, whatever can be learnt by adding and
    subtracting them is limited to unions of *atoms* — roles that belong to exactly the same
    published sets — so the audit passes when every atom holds 0 or at least
    *min_group_size* people, and when each published headcount equals the people of the
    roles it names (a figure the model does not describe is reported, not trusted).

    Parameters
    ----------
    rows : sequence of mapping
        ``results["incentives"]["variable_pay_share"]`` (:func:`toolkit.incentives.structure.
        pay_mix`): ``team``, ``roles``, ``headcount``, ``share``, ``suppressed``.
    plan_headcount : mapping
        ``(team, role) → people on the plan``, from the compensation plan itself.
    min_group_size : int
        The anonymity threshold.

    Returns
    -------
    dict
        ``{"ok", "rows", "violations", "mismatches", "problems"}`` — ``problems`` are plain
        sentences naming the team and role (job titles, not people).
    """
    k = int(min_group_size)
    problems: list[str] = []
    sets: list[frozenset] = []
    mismatches = violations = 0
    for r in rows:
        if r.get("suppressed"):
            if any(r.get(x) is not None for x in ("headcount", "share", "share_low",
                                                  "share_high")):
                violations += 1
                problems.append(f"{r.get('team')}: a team hidden for anonymity still shows a "
                                "figure")
            continue
        members = frozenset((str(r.get("team")), str(x)) for x in (r.get("roles") or
                                                                   [r.get("role")]))
        n = sum(int(plan_headcount.get(m, 0)) for m in members)
        if r.get("headcount") != n:
            mismatches += 1
            problems.append(f"{r.get('team')}: a row shows {r.get('headcount')} people where "
                            f"its roles hold {n}")
        sets.append(members)
    if sets:
        sets.append(frozenset().union(*sets))           # the total of the rows shown
    roles = sorted(frozenset().union(*sets)) if sets else []
    sig = {m: tuple(m in s for s in sets) for m in roles}
    atoms: dict[tuple, int] = {}
    for m, key in sig.items():
        atoms[key] = atoms.get(key, 0) + int(plan_headcount.get(m, 0))
    for key, n in atoms.items():
        if 0 < n < k:
            violations += 1
            who = sorted(f"{t} / {ro}" for (t, ro), kk in sig.items() if kk == key)
            problems.append(f"{', '.join(who)}: {n} people on the plan can be read off the "
                            f"pay-mix table (threshold {k})")
    return {"ok": not violations and not mismatches, "rows": len(rows),
            "violations": violations, "mismatches": mismatches, "problems": problems}


def plan_headcount(plan: pd.DataFrame) -> dict[tuple[str, str], int]:
    """``(team, role) → headcount`` of a typed compensation plan (one value per role)."""
    g = plan.groupby(["team", "role"], sort=False)["headcount"].first()
    return {(str(t), str(r)): int(h) for (t, r), h in g.items()}
