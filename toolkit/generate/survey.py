"""Synthetic survey responses in the canonical format (SPEC §2.1, §3).

Model (one factor per scale): each respondent has a latent score per scale,
``L = m' + 0.7 · z``, where ``z`` mixes a general alignment factor (loading 0.5; ``CONF`` loads
negatively) with a scale-specific factor, and ``REFF``'s factor is driven by ``TRUST``,
``BIDIR``, ``SHARE`` (positively) and ``CONF`` (negatively) so a driver analysis finds them.
Items are ``clip(round(L + e), 1, 5)`` with item noise ``e``; the 1..5 mean ``m'`` is solved so
the *expected item mean after rounding and clipping* equals the planted side mean. With these
variances Cronbach's alpha lands around 0.7–0.9. Reverse-keyed items are written raw
(``6 − healthy answer``). Blame claims use a Gaussian copula on low trust, so the planted
agreement share holds exactly in expectation.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..instrument import CLAIM_ITEMS, REVERSE_ITEMS, SCALE_ITEMS, SCALES
from .comments import draw_comments
from .profiles import FREQ_LEVELS, Profile

#: Team shares of respondents (SPEC §2.1 teams).
TEAM_SHARES: dict[str, float] = {"sales": 0.40, "sales_development": 0.14, "marketing": 0.30,
                                 "revops": 0.05, "leadership": 0.06, "other": 0.05}
SIDE_OF_TEAM = {"sales": "sales", "sales_development": "sales", "marketing": "marketing"}

LATENT_SD = 0.7          # between-respondent SD of a scale's latent score
GENERAL_LOADING = 0.5    # loading of every scale on the general alignment factor
ITEM_NOISE = {"MAT": 0.9, "FEED": 0.5}   # item noise SD (default 0.6)
DEFAULT_ITEM_NOISE = 0.6
#: Standardized effects of the driver scales on REFF's latent factor.
REFF_DRIVERS = {"TRUST": 0.35, "BIDIR": 0.30, "SHARE": 0.30, "CONF": -0.25}
MISSING_SHARE = 0.03     # "don't know" answers
N_SPARSE = 4             # respondents answering fewer than half the items of one scale

PII_COMMENTS = (
    ("OPEN1", "Happy to explain more, write to me at pat.jordan@example.com"),
    ("OPEN2", "Call me on +1 415 555 0142 and I will walk you through our lead queue."),
)


@lru_cache(maxsize=4096)
def latent_mean_for(target: float, sd: float) -> float:
    """Return the normal mean whose rounded, clipped draws have expectation *target*.

    Parameters
    ----------
    target : float
        Wanted expected item value on 1..5 (strictly inside the interval).
    sd : float
        SD of the normal before rounding (latent and item noise combined).

    Returns
    -------
    float
        ``mu`` with ``E[clip(round(N(mu, sd)), 1, 5)] == target``.
    """
    def expected(mu: float) -> float:
        cuts = stats.norm.cdf((np.arange(1.5, 5.0, 1.0) - mu) / sd)   # P(x < 1.5) ... P(x < 4.5)
        probs = np.diff(np.concatenate([[0.0], cuts, [1.0]]))
        return float(np.dot(np.arange(1, 6), probs))

    return float(optimize.brentq(lambda mu: expected(mu) - target, -4.0, 10.0))


def _team_counts(n: int, exact: dict[str, int]) -> dict[str, int]:
    """Allocate *n* respondents to teams by :data:`TEAM_SHARES` (largest remainder)."""
    fixed = {t: c for t, c in exact.items() if t in TEAM_SHARES}
    free = [t for t in TEAM_SHARES if t not in fixed]
    rest = n - sum(fixed.values())
    shares = np.array([TEAM_SHARES[t] for t in free])
    raw = rest * shares / shares.sum()
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: rest - counts.sum()]] += 1
    return {**fixed, **dict(zip(free, counts.tolist()))}


def _factor_scores(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Standardized latent factor per scale (n,) with the driver structure of REFF."""
    g = rng.standard_normal(n)
    z = {}
    for scale in SCALES:
        if scale == "REFF":
            continue
        sign = -1.0 if scale == "CONF" else 1.0
        z[scale] = (sign * GENERAL_LOADING * g
                    + np.sqrt(1 - GENERAL_LOADING ** 2) * rng.standard_normal(n))
    combo = sum(w * z[s] for s, w in REFF_DRIVERS.items())
    var = float(np.var(combo)) if n > 1 else 0.5
    resid_sd = np.sqrt(max(0.15, 1.0 - var))
    z["REFF"] = (combo + resid_sd * rng.standard_normal(n)) / np.sqrt(var + resid_sd ** 2)
    return z


def generate_survey(profile: Profile, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Generate canonical survey responses for one profile.

    Parameters
    ----------
    profile : Profile
        The planted truth (:mod:`toolkit.generate.profiles`).
    rng : numpy.random.Generator
        Source of randomness (determinism: same state → same frame).
    n : int
        Number of respondents (at least 20).

    Returns
    -------
    pandas.DataFrame
        One row per respondent (n rows): ``respondent_id, team, level, tenure, region``, every
        item code of SPEC §3 as ``float64`` raw answers (reverse-keyed items not reversed,
        NaN = don't know), ``FREQ``, ``OPEN1``, ``OPEN2`` (``str`` with missing values).
    """
    if n < 20:
        raise ValueError(f"n_respondents must be at least 20, got {n}")
    sp = profile.survey
    counts = _team_counts(n, sp.exact_team_counts)
    team = np.repeat(list(counts), list(counts.values()))
    team = team[rng.permutation(n)]
    side = np.array([SIDE_OF_TEAM.get(t, "other") for t in team])
    is_s, is_m = side == "sales", side == "marketing"

    # demographics from their own stream, so that the answers keep their planted draws
    demo_rng = rng.spawn(1)[0]
    level = np.where(team == "leadership",
                     demo_rng.choice(["manager", "executive"], size=n, p=[0.6, 0.4]),
                     demo_rng.choice(["individual", "manager"], size=n, p=[0.82, 0.18]))
    tenure = demo_rng.choice(["<1y", "1-3y", "3-5y", "5y+"], size=n, p=[0.2, 0.4, 0.25, 0.15])
    region = demo_rng.choice(["North America", "EMEA", "APAC"], size=n, p=[0.55, 0.3, 0.15])
    shift = _group_shifts(sp.group_effects, {"level": level, "tenure": tenure,
                                             "region": region}, n)

    z = _factor_scores(rng, n)
    out: dict[str, np.ndarray] = {}
    for scale, k in SCALES.items():
        noise = ITEM_NOISE.get(scale, DEFAULT_ITEM_NOISE)
        total_sd = float(np.sqrt(LATENT_SD ** 2 + noise ** 2))
        ms, mm = sp.means[scale]
        mu = np.full(n, latent_mean_for(round((ms + mm) / 2, 6), total_sd))
        mu[is_s] = latent_mean_for(ms, total_sd)
        mu[is_m] = latent_mean_for(mm, total_sd)
        latent = mu + LATENT_SD * z[scale] + shift.get(scale, 0.0)
        items = latent[:, None] + noise * rng.standard_normal((n, k))
        items = np.clip(np.rint(items), 1, 5)
        for j, code in enumerate(SCALE_ITEMS[scale]):
            out[code] = 6 - items[:, j] if code in REVERSE_ITEMS else items[:, j]

    # blame claims: agree (4-5) with the planted share by side, more often when trust is low
    for code, shares in zip(CLAIM_ITEMS, (sp.claim_leads, sp.claim_follow)):
        p = np.full(n, (shares[0] + shares[1]) / 2)
        p[is_s], p[is_m] = shares
        zc = -0.5 * z["TRUST"] + np.sqrt(0.75) * rng.standard_normal(n)
        agree = zc > stats.norm.ppf(1 - p)
        high = rng.choice([4.0, 5.0], size=n, p=[0.6, 0.4])
        low = rng.choice([1.0, 2.0, 3.0], size=n, p=[0.2, 0.45, 0.35])
        out[code] = np.where(agree, high, low)

    frame = pd.DataFrame(out)
    item_cols = list(frame.columns)
    values = frame.to_numpy(copy=True)
    values[rng.random(values.shape) < MISSING_SHARE] = np.nan
    # a few respondents answer fewer than half the items of one scale
    multi = [s for s, k in SCALES.items() if k >= 3]
    for r, scale in zip(rng.choice(n, size=min(N_SPARSE, n), replace=False),
                        rng.choice(multi, size=N_SPARSE)):
        codes = SCALE_ITEMS[scale]
        keep = codes[int(rng.integers(len(codes)))]
        for c in codes:
            values[r, item_cols.index(c)] = np.nan if c != keep else values[r, item_cols.index(c)]
    frame = pd.DataFrame(values, columns=item_cols).astype("float64")

    freq = np.empty(n, dtype=object)
    for s in ("sales", "marketing", "other"):
        mask = side == s
        p = (np.array(sp.freq[s]) if s in sp.freq
             else (np.array(sp.freq["sales"]) + np.array(sp.freq["marketing"])) / 2)
        freq[mask] = rng.choice(FREQ_LEVELS, size=int(mask.sum()), p=p / p.sum())

    (open1, open2), planted_themes = _comments(profile, rng, side)
    ids = rng.choice(np.arange(10_000, 99_999), size=n, replace=False)
    head = pd.DataFrame({
        "respondent_id": pd.array([f"R_{i:05d}" for i in ids], dtype="str"),
        "team": pd.array(team, dtype="str"), "level": pd.array(level, dtype="str"),
        "tenure": pd.array(tenure, dtype="str"), "region": pd.array(region, dtype="str"),
    })
    tail = pd.DataFrame({"FREQ": pd.array(freq, dtype="str"),
                         "OPEN1": pd.array(open1, dtype="str"),
                         "OPEN2": pd.array(open2, dtype="str")})
    result = pd.concat([head, frame, tail], axis=1)
    # the planted theme of each comment (tests check the themes found against it)
    result.attrs["planted_themes"] = planted_themes
    return result


def _group_shifts(effects: dict, columns: dict[str, np.ndarray], n: int) -> dict:
    """Latent shift per scale (arrays of n) from the planted group effects.

    A group gets ``effect · (1 − share)`` and everyone else ``−effect · share`` (share =
    the group's share of respondents), so the mean over everyone is unchanged.
    """
    shift: dict[str, np.ndarray] = {}
    for col, groups in effects.items():
        for value, by_scale in groups.items():
            member = (columns[col] == value).astype(float)
            centred = member - member.mean()
            for scale, effect in by_scale.items():
                shift[scale] = shift.get(scale, np.zeros(n)) + effect * centred
    return shift


def _comments(profile: Profile, rng: np.random.Generator,
              side: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
    """OPEN1/OPEN2 texts from the planted themes; two carry an e-mail address or a phone
    number. Returns the two text columns and ``{question: planted theme per respondent}``."""
    side3 = np.where(np.isin(side, ("sales", "marketing")), side, "other")
    cols, planted = [], {}
    for code in ("OPEN1", "OPEN2"):
        texts, themes = draw_comments(profile.survey.themes[code], code, rng, side3)
        cols.append(texts)
        planted[code] = themes
    # plant personal data in two comments of the two sides (to exercise redaction)
    for (code, text), s in zip(PII_COMMENTS, ("marketing", "sales")):
        idx = np.flatnonzero(side == s)
        if idx.size:
            j = 0 if code == "OPEN1" else 1
            cols[j][idx[0]] = text
            planted[code][idx[0]] = None
    return (cols[0], cols[1]), planted
