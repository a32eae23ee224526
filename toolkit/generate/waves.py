"""A second wave ("after") for a sample engagement, with planted changes (SPEC §12).

Model
-----
The survey is drawn from a **finite population**: the "before" respondents of the
engagement plus the people of the headcount who did not answer (generated from the same
profile). Each person keeps their answers between the waves unless a planted change applies:

* a planted scale shift ``δ`` moves each of the person's items of that scale by one step in
  the planted direction with probability ``|δ|`` (clipped to 1..5), so the population mean
  moves by about ``δ``; unplanted scales keep **exactly** the same answers;
* a planted blame-claim share: agreeing people switch to disagreeing with the probability
  that brings the side's agreement to the planted share.

The "after" respondents are a fresh random sample of the (changed) population, team by team
at the planted participation, with new respondent ids (waves are not matched). The CRM of
the after wave is a new period — the nine months after the workshop, 1 January to
30 September of the following year, extracted on 15 October (:data:`AFTER_CALENDAR`), so it
has ended before the wave's report is prepared — simulated from the profile with the
planted follow-up changes; lead quality is unchanged.

``planted.json`` of the after folder lists every compared figure as ``improved``,
``worsened`` or ``unchanged`` (the truth the comparison must find).
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..instrument import CLAIM_ITEMS, PILLARS, REVERSE_ITEMS, SCALE_ITEMS
from .files import PATHS, write_tables
from .plan import generate_plan
from .profiles import MARKETING_SOURCES, PROFILES, Profile
from .survey import SIDE_OF_TEAM, TEAM_SHARES, generate_survey
from .crm import Calendar, CALENDAR
from .tables import build_crm_tables

SHIFT = pd.DateOffset(years=1)
#: The after wave's CRM, drawn in the generator's base year and moved on by :data:`SHIFT`:
#: the nine months after the workshop (1 January to 30 September), extracted on
#: 15 October — so the period has ended, and the data is extracted, before a report on
#: the wave is prepared (the workshop follows the baseline report of January).
AFTER_CALENDAR = Calendar(end=np.datetime64("2025-09-30", "s"),
                          extract=np.datetime64("2025-10-15", "s"))
#: Months in the after period against the before wave's twelve (scales the lead count).
AFTER_MONTHS = 9
BASELINE_FILE = "baseline/results.json"
#: Fixed ``generated_at`` of the committed baseline (byte-identical regeneration).
BASELINE_STAMP = "2026-01-20T09:00:00+00:00"
SIDES = ("sales", "marketing", "all")


@dataclass(frozen=True)
class WavePlant:
    """What changes between the waves.

    Attributes
    ----------
    scale_shifts : dict
        Scale code → shift of every person's answers (1..5 units, in the scale's raw
        direction: ``CONF`` −0.6 = less conflict; reverse-keyed items move the other way).
    claim_follow_marketing : float or None
        Planted share of the marketing side agreeing that sales gives up too early.
    claim_leads_sales : float or None
        Planted share of the sales side agreeing that marketing leads are not worth working.
    crm : dict
        Overrides of the profile's :class:`~toolkit.generate.profiles.CrmProfile`.
    crm_changes : dict
        Comparison key (``crm.<figure>``) → ``improved`` / ``worsened`` for the CRM figures
        these overrides move; every other CRM figure is planted unchanged.
    participation : float
        Share of each team answering the after survey.
    """

    scale_shifts: dict[str, float]
    claim_follow_marketing: float | None = None
    claim_leads_sales: float | None = None
    crm: dict = field(default_factory=dict)
    crm_changes: dict = field(default_factory=dict)
    participation: float = 0.75
    truth: str = ""


#: The committed pair: follow-up-gap client after its workshop.
FOLLOWUP_AFTER = WavePlant(
    scale_shifts={"TRUST": 0.8, "CONF": -0.8, "DEFN": 0.8, "FEED": 0.8},
    claim_follow_marketing=0.25,
    crm={"untouched": (0.08, 0.05), "within_sla": 0.70, "median_first_touch_hours": 10.0,
         "attempts_pmf": (12, 14, 13, 11, 10, 9, 8, 7, 6, 4, 3, 3)},
    crm_changes={"crm.untouched_share": "improved", "crm.within_sla_share": "improved",
                 "crm.single_attempt_share": "improved", "crm.speed_median_hours": "improved",
                 "crm.acceptance_rate": "improved"},
    truth=("Nine months after the workshop. Trust rose (+0.8) and conflict fell (-0.8); the "
           "teams agreed lead definitions (+0.8) and sales now gives feedback (+0.8). "
           "Fairness, leadership support, the incentive scales, two-way communication, "
           "information quality, maturity and perceived effectiveness are unchanged (every "
           "person gives the same answers). Marketing's blame of follow-up fell from about "
           "75% to about 25%; sales still blames the leads. CRM: follow-up improved - about "
           "8% of marketing MQLs untouched (was 30%), 70% within the SLA (was 35%), median "
           "first touch about 10 h (was 40 h), far fewer single-attempt leads; acceptance "
           "rises because fewer leads are left untouched. Lead quality is unchanged."),
)


def _extra_people(profile: Profile, rng: np.random.Generator,
                  counts: dict[str, int]) -> pd.DataFrame:
    """People of the headcount who did not answer the before survey (same profile)."""
    need = {t: int(c) for t, c in counts.items() if c > 0}
    total = sum(need.values())
    if total == 0:
        return pd.DataFrame()
    exact = {t: need.get(t, 0) for t in TEAM_SHARES}
    pad = max(0, 20 - total)
    exact["other"] += pad
    prof = replace(profile, survey=replace(profile.survey, exact_team_counts=exact))
    df = generate_survey(prof, rng, total + pad)
    df.attrs = {}
    if pad:
        drop = df.index[df["team"] == "other"][: pad]
        df = df.drop(index=drop).reset_index(drop=True)
    return df


def _shift_items(pop: pd.DataFrame, plant: WavePlant, rng: np.random.Generator) -> None:
    for scale, delta in plant.scale_shifts.items():
        p = min(abs(delta), 1.0)
        for code in SCALE_ITEMS[scale]:
            x = pop[code].to_numpy(dtype=float)
            step = np.sign(delta) * (-1.0 if code in REVERSE_ITEMS else 1.0)
            move = (rng.random(x.size) < p) & ~np.isnan(x)
            pop[code] = np.where(move, np.clip(x + step, 1, 5), x)


def _shift_claim(pop: pd.DataFrame, code: str, side: str, share: float | None,
                 rng: np.random.Generator) -> None:
    if share is None:
        return
    sides = pop["team"].map(lambda t: SIDE_OF_TEAM.get(t, "other"))
    x = pop[code].to_numpy(dtype=float)
    mask = (sides == side).to_numpy() & ~np.isnan(x)
    agree = mask & (x >= 4)
    now = agree.sum() / max(mask.sum(), 1)
    if now <= share:
        return
    switch = agree & (rng.random(x.size) < 1 - share / now)
    low = rng.choice([1.0, 2.0, 3.0], size=x.size, p=[0.2, 0.45, 0.35])
    pop[code] = np.where(switch, low, x)


def after_survey(before: pd.DataFrame, headcount: dict[str, int], profile: Profile,
                 plant: WavePlant, rng: np.random.Generator) -> pd.DataFrame:
    """The after wave's responses: changed population, fresh sample, new ids.

    Parameters
    ----------
    before : pandas.DataFrame
        Canonical before-wave responses (the population's respondents).
    headcount : dict
        People per team (``client.headcount``); non-respondents are generated.
    profile, plant : Profile, WavePlant
    rng : numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        Canonical responses of the after wave (same columns as *before*).
    """
    before = before.copy()
    before.attrs = {}            # generator read-backs (planted themes) do not carry over
    answered = before["team"].value_counts()
    extra = _extra_people(profile, rng, {t: headcount.get(t, 0) - int(answered.get(t, 0))
                                         for t in headcount})
    pop = pd.concat([before, extra[before.columns]] if len(extra) else [before],
                    ignore_index=True)
    _shift_items(pop, plant, rng)
    _shift_claim(pop, "CLAIM_FOLLOW", "marketing", plant.claim_follow_marketing, rng)
    _shift_claim(pop, "CLAIM_LEADS", "sales", plant.claim_leads_sales, rng)
    picks = []
    for team, idx in pop.groupby("team").groups.items():
        idx = np.asarray(idx)
        k = min(idx.size, max(1, int(round(headcount.get(team, idx.size)
                                           * plant.participation))))
        picks.append(rng.choice(idx, size=k, replace=False))
    rows = np.concatenate(picks)
    out = pop.loc[rng.permutation(rows)].reset_index(drop=True)
    ids = rng.choice(np.arange(100_000, 999_999), size=len(out), replace=False)
    out["respondent_id"] = pd.array([f"R_{i:06d}" for i in ids], dtype="str")
    return out


def after_tables(before_survey: pd.DataFrame, headcount: dict[str, int], profile: Profile,
                 plant: WavePlant, *, seed: int, n_leads: int) -> dict[str, pd.DataFrame]:
    """Every canonical table of the after wave (the one process of the on-disk and in-memory
    pairs).

    Parameters
    ----------
    before_survey : pandas.DataFrame
        The before wave's canonical responses.
    headcount : dict
        People per team.
    profile, plant : Profile, WavePlant
    seed : int
        Seed of the after wave (split into a survey and a CRM stream).
    n_leads : int
        Leads created in the after period.

    Returns
    -------
    dict of str to DataFrame
        ``survey``, ``leads``, ``opportunities``, ``activities`` (the after period,
        :func:`after_period`) and ``plan``.
    """
    rng_s, rng_c = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    survey = after_survey(before_survey, headcount, profile, plant, rng_s)
    crm_prof = replace(profile, crm=replace(profile.crm, **plant.crm))
    crm = _shift_dates(build_crm_tables(crm_prof, rng_c, n_leads, calendar=AFTER_CALENDAR))
    return {"survey": survey, **crm, "plan": generate_plan(profile)}


def _shift_dates(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {}
    for name, df in tables.items():
        df = df.copy()
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]):
                df[col] = df[col] + SHIFT
        out[name] = df
    return out


def planted_changes(plant: WavePlant, crm_keys: list[str]) -> dict[str, str]:
    """Every compared figure's planted truth: ``improved``, ``worsened`` or ``unchanged``."""
    truth: dict[str, str] = {}
    for scale in SCALE_ITEMS:
        d = plant.scale_shifts.get(scale, 0.0)
        healthy = -d if scale == "CONF" else d
        state = "unchanged" if d == 0 else ("improved" if healthy > 0 else "worsened")
        for s in SIDES:
            truth[f"survey.scales.{scale}.by_side.{s}"] = state
    for pillar, members in PILLARS.items():
        moves = {truth[f"survey.scales.{m}.by_side.all"] for m in members} - {"unchanged"}
        state = moves.pop() if len(moves) == 1 else ("unchanged" if not moves else "mixed")
        for s in SIDES:
            truth[f"survey.pillars.{pillar}.by_side.{s}"] = state
    for s in SIDES:
        truth[f"survey.maturity.by_side.{s}"] = truth[f"survey.scales.MAT.by_side.{s}"]
    truth["survey.claims.marketing_blame_followup_share"] = (
        "unchanged" if plant.claim_follow_marketing is None else "improved")
    truth["survey.claims.sales_blame_leads_share"] = (
        "unchanged" if plant.claim_leads_sales is None else "improved")
    for key in crm_keys:
        truth[key] = plant.crm_changes.get(key, "unchanged")
    return truth


CRM_KEYS = ["crm.untouched_share", "crm.within_sla_share", "crm.single_attempt_share",
            "crm.acceptance_rate", "crm.speed_median_hours", "crm.worked_conversion.all",
            "crm.worked_conversion.marketing", "crm.worked_conversion.other"]


def _day(ts: np.datetime64) -> str:
    """A calendar date moved on by :data:`SHIFT`, as TOML writes a date."""
    return (pd.Timestamp(ts) + SHIFT).date().isoformat()


def after_period() -> dict[str, str]:
    """The after wave's ``period_start``, ``period_end`` and ``extract_date`` (ISO dates)."""
    return {"period_start": _day(AFTER_CALENDAR.start), "period_end": _day(AFTER_CALENDAR.end),
            "extract_date": _day(AFTER_CALENDAR.extract)}


def _toml(before_toml: str, plant: WavePlant, client_id: str, seed: int) -> str:
    body = before_toml.split("[client]", 1)[1]
    for key, before, after in (("period_start", CALENDAR.start, AFTER_CALENDAR.start),
                               ("period_end", CALENDAR.end, AFTER_CALENDAR.end),
                               ("extract_date", CALENDAR.extract, AFTER_CALENDAR.extract)):
        old = pd.Timestamp(before).date().isoformat()
        body = body.replace(f"{key} = {old}", f"{key} = {_day(after)}")
    old_id = body.split('id = "', 1)[1].split('"', 1)[0]
    body = body.replace(f'id = "{old_id}"', f'id = "{client_id}"', 1)
    import textwrap
    head = [f'# Sample engagement "{client_id}": the second wave ("after") of the same '
            f"client (seed {seed}).",
            "# Generated by `python -m toolkit.generate`; synthetic data, no real people.",
            "#", "# PLANTED CHANGES SINCE THE BASELINE:"]
    head += [f"#   {t}" for t in textwrap.wrap(plant.truth, width=92)]
    head += ["#", "# The baseline is the before wave's results.json, stored under this folder's "
             "client id", "# (the two sample folders sit side by side, so their ids differ).",
             "# Machine-readable truth of every compared figure: planted.json", ""]
    return "\n".join(head) + "[client]" + body.rstrip("\n") + \
        f'\n\n[baseline]\nresults = "{BASELINE_FILE}"\n'


def write_after_wave(before_folder: str | Path, after_folder: str | Path, *,
                     profile: str | Profile, before_seed: int, seed: int,
                     plant: WavePlant = FOLLOWUP_AFTER, n_leads: int | None = None,
                     baseline: dict | None = None) -> Path:
    """Write the after wave of a generated engagement, with ``[baseline]``.

    Parameters
    ----------
    before_folder : path
        The generated before engagement (its ``engagement.toml`` and survey are read).
    after_folder : path
        Target folder (created; files overwritten).
    profile : str or Profile
        The before wave's profile.
    before_seed, seed : int
        Seed of the before wave (recorded) and of the after wave.
    plant : WavePlant
        The planted changes.
    n_leads : int, optional
        Leads of the after period (default: the before wave's monthly rate over the
        after wave's nine months).
    baseline : dict, optional
        The before wave's results; analysed from *before_folder* when not given. Stored as
        ``baseline/results.json`` with a fixed ``generated_at``.

    Returns
    -------
    Path
        *after_folder*.
    """
    from ..config import load_engagement

    prof = PROFILES[profile] if isinstance(profile, str) else profile
    before_folder, after_folder = Path(before_folder), Path(after_folder)
    eng = load_engagement(before_folder)
    before_survey = pd.read_csv(before_folder / PATHS["survey"], dtype={"respondent_id": str})
    headcount = {t: int(v) for t, v in (eng.client.headcount or {}).items()}
    if n_leads is None:
        n_leads = int(pd.read_csv(before_folder / PATHS["leads"], usecols=["lead_id"]).shape[0]
                      / 1.04 * AFTER_MONTHS / 12)
    tables = after_tables(before_survey, headcount, prof, plant, seed=seed, n_leads=n_leads)
    after_folder.mkdir(parents=True, exist_ok=True)
    write_tables(tables, after_folder)
    client_id = after_folder.name
    before_toml = (before_folder / "engagement.toml").read_text(encoding="utf-8")
    toml = _toml(before_toml, plant, client_id, seed)
    (after_folder / "engagement.toml").write_text(toml, encoding="utf-8")
    if baseline is None:
        from ..pipeline import analyse_folder

        baseline = analyse_folder(before_folder)
    baseline = copy.deepcopy(baseline)
    baseline["generated_at"] = BASELINE_STAMP
    baseline["client"]["id"] = client_id      # the same client under the after folder's id
    (after_folder / "baseline").mkdir(exist_ok=True)
    (after_folder / BASELINE_FILE).write_text(json.dumps(baseline, indent=1) + "\n",
                                              encoding="utf-8")
    doc = {"profile": prof.name, "wave": "after", "before_seed": before_seed, "seed": seed,
           "truth": plant.truth, "scale_shifts": dict(plant.scale_shifts),
           "participation": plant.participation,
           "changes": planted_changes(plant, CRM_KEYS),
           "realized_population_means": _realized(before_survey, tables["survey"])}
    (after_folder / "planted.json").write_text(json.dumps(doc, indent=2) + "\n",
                                               encoding="utf-8")
    return after_folder


def _realized(before: pd.DataFrame, after: pd.DataFrame) -> dict:
    """Sample means of each scale's raw items per wave (read-back, raw direction)."""
    out = {}
    for scale, codes in SCALE_ITEMS.items():
        b = before[codes].to_numpy(dtype=float)
        a = after[codes].to_numpy(dtype=float)
        out[scale] = {"before_sample": _r(np.nanmean(b)), "after_sample": _r(np.nanmean(a))}
    for code in CLAIM_ITEMS:
        out[code] = {"before_agree": _r(np.nanmean(before[code] >= 4)),
                     "after_agree": _r(np.nanmean(after[code] >= 4))}
    return out


def _r(x) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else round(float(x), 4)


#: The committed pair: ``data/samples/followup-gap`` → ``data/samples/followup-gap-after``.
SAMPLE_PAIR = {"before": "followup-gap", "after": "followup-gap-after", "seed": 4711}


def survey_wave_pair(profile: str | Profile, *, seed: int, plant: WavePlant = FOLLOWUP_AFTER,
                     n_respondents: int = 120) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Two survey waves of one finite population, in memory (for tests and benchmarks).

    Returns
    -------
    (before, after, headcount)
        Canonical response frames and ``{team: people}``.
    """
    from . import generate_tables
    from .files import headcount as planted_headcount

    prof = PROFILES[profile] if isinstance(profile, str) else profile
    before = generate_tables(prof, seed=seed, n_respondents=n_respondents, n_leads=100)["survey"]
    before.attrs = {}                 # generator read-backs: not data
    hc = planted_headcount(before)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])
    return before, after_survey(before, hc, prof, plant, rng), hc


def wave_pair_tables(profile: str | Profile, *, seed: int, plant: WavePlant = FOLLOWUP_AFTER,
                     n_respondents: int = 120, n_leads: int = 1500
                     ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], dict]:
    """Both waves' canonical tables (survey and CRM) in memory, for tests and benchmarks.

    The same process as :func:`toolkit.generate.generate_engagement` followed by
    :func:`write_after_wave`, without the files: the before wave from *seed* (*n_leads* in
    its twelve months), the after wave from ``seed + 1`` (the same monthly rate over
    :func:`after_period`).

    Returns
    -------
    (before, after, headcount)
        Tables as :func:`toolkit.generate.generate_tables` returns them, and
        ``{team: people}``.
    """
    from . import generate_tables
    from .files import headcount as planted_headcount

    prof = PROFILES[profile] if isinstance(profile, str) else profile
    before = generate_tables(prof, seed=seed, n_respondents=n_respondents, n_leads=n_leads)
    before["survey"].attrs = {}       # generator read-backs: not data
    hc = planted_headcount(before["survey"])
    after = after_tables(before["survey"], hc, prof, plant, seed=seed + 1,
                         n_leads=int(n_leads * AFTER_MONTHS / 12))
    return before, after, hc
