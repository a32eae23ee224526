"""Seeded synthetic engagements with planted truths (SPEC §1, §2).

Public API
----------
* :func:`generate_tables` — in-memory canonical tables (``survey``, ``leads``,
  ``opportunities``, ``activities``, ``plan``) for a profile; used by benchmarks and by the
  export-format writers.
* :func:`generate_engagement` — write a complete engagement folder (CSVs, ``engagement.toml``
  with the planted truth as comments, ``planted.json``).
* :func:`regenerate_samples` — rewrite the three committed samples under ``data/samples``.
* :data:`PROFILES` — the planted truths as data (:mod:`toolkit.generate.profiles`).

Same seed → identical frames and byte-identical files. Typical benchmark sizes: 200
respondents / 20k leads / 200k activities; large: 2,000 / 1M / 10M (SPEC §10).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .files import write_engagement
from .plan import generate_plan
from .profiles import PROFILES, SAMPLE_SEEDS, SAMPLE_SIZES, Profile
from .survey import generate_survey
from .tables import build_crm_tables

__all__ = ["PROFILES", "generate_tables", "generate_engagement", "regenerate_samples",
           "SAMPLE_SEEDS", "SAMPLE_SIZES"]

DEFAULT_SAMPLES_ROOT = Path(__file__).resolve().parents[2] / "data" / "samples"


def _profile(profile: str | Profile) -> Profile:
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; expected one of "
                         f"{', '.join(PROFILES)}") from None


def generate_tables(profile: str | Profile, *, seed: int, n_respondents: int = 120,
                    n_leads: int = 7500,
                    n_activities: int | None = None) -> dict[str, pd.DataFrame]:
    """Generate the canonical tables of one synthetic engagement in memory.

    Parameters
    ----------
    profile : str or Profile
        ``"followup-gap"``, ``"lead-quality"``, ``"well-aligned"`` or a custom
        :class:`~toolkit.generate.profiles.Profile`.
    seed : int
        Random seed; the same seed gives identical frames.
    n_respondents : int, default 120
        Survey respondents (at least 20).
    n_leads : int, default 7500
        Leads created in the period 2025-01-01..2025-12-31; about 4 % more are created just
        outside it (Oct–Dec 2024, 1–10 Jan 2026) to exercise the window filter.
    n_activities : int, optional
        Minimum number of activities (benchmarks). Lead attempts follow the planted
        follow-up (about 2–6 per lead); the remainder are activities on opportunities.

    Returns
    -------
    dict of str to DataFrame
        ``survey`` (SPEC §2.1, raw answers), ``leads`` (§2.2, without ``first_touch_at`` and
        ``attempts``), ``opportunities`` (§2.3), ``activities`` (§2.4), ``plan`` (§2.5), with
        the dtypes of docs/architecture.md.

    Raises
    ------
    ValueError
        Unknown profile, fewer than 20 respondents or fewer than 100 leads.

    Notes
    -----
    Runtime is linear in size; all steps are vectorized NumPy (1M leads / 10M activities take
    well under a minute on one core).
    """
    prof = _profile(profile)
    if n_leads < 100:
        raise ValueError(f"n_leads must be at least 100, got {n_leads}")
    survey_seq, crm_seq = np.random.SeedSequence(seed).spawn(2)
    survey = generate_survey(prof, np.random.default_rng(survey_seq), n_respondents)
    crm = build_crm_tables(prof, np.random.default_rng(crm_seq), n_leads, n_activities)
    return {"survey": survey, **crm, "plan": generate_plan(prof)}


def generate_engagement(folder: str | Path, profile: str | Profile, *, seed: int,
                        n_respondents: int | None = None, n_leads: int | None = None,
                        n_activities: int | None = None, client_id: str | None = None,
                        client_name: str | None = None) -> Path:
    """Write a complete synthetic engagement folder.

    Parameters
    ----------
    folder : str or Path
        Target folder (created; existing files are overwritten).
    profile : str or Profile
        Planted truth.
    seed : int
        Random seed (same seed → byte-identical files).
    n_respondents, n_leads : int, optional
        Sizes; default to the committed sample sizes of the profile (120 / 7,500 otherwise).
    n_activities : int, optional
        Minimum activities (benchmarks).
    client_id, client_name : str, optional
        ``[client]`` id (default: the folder name) and name (default: the profile's
        fictitious client).

    Returns
    -------
    Path
        The folder, holding ``engagement.toml``, ``planted.json``, ``survey/responses.csv``,
        ``crm/{leads,opportunities,activities}.csv`` and ``incentives/comp_plan.csv``.
    """
    prof = _profile(profile)
    folder = Path(folder)
    default_r, default_l = SAMPLE_SIZES.get(prof.name, (120, 7500))
    tables = generate_tables(prof, seed=seed, n_respondents=n_respondents or default_r,
                             n_leads=n_leads or default_l, n_activities=n_activities)
    return write_engagement(folder, prof, tables, client_id=client_id or folder.name,
                            client_name=client_name or prof.client_name, seed=seed)


#: Seed of the real-export-format sample (``data/samples/real-exports``).
REAL_EXPORTS_SEED = 2026


def regenerate_samples(root: str | Path = DEFAULT_SAMPLES_ROOT) -> list[Path]:
    """Rewrite the committed sample engagements (one folder per profile) under *root*.

    Returns
    -------
    list of Path
        The written folders, ``root/<profile name>``, then ``root/real-exports`` (the
        follow-up profile written as Qualtrics and Salesforce report exports), then
        ``root/followup-gap-after`` (the follow-up client's second wave with ``[baseline]``,
        :mod:`toolkit.generate.waves`).
    """
    from .exports import write_exports_engagement
    from .waves import SAMPLE_PAIR, write_after_wave

    root = Path(root)
    written = [generate_engagement(root / name, name, seed=SAMPLE_SEEDS[name])
               for name in PROFILES]
    written.append(write_exports_engagement(root / "real-exports", seed=REAL_EXPORTS_SEED))
    before = SAMPLE_PAIR["before"]
    written.append(write_after_wave(root / before, root / SAMPLE_PAIR["after"],
                                    profile=before, before_seed=SAMPLE_SEEDS[before],
                                    seed=SAMPLE_PAIR["seed"]))
    return written
