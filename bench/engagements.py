"""Benchmark engagements: sizes of SPEC §10, generated once and cached on disk."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

PROFILE = "followup-gap"
SEED = 20261130
CRM_TABLES = ("leads", "opportunities", "activities")


@dataclass(frozen=True)
class Size:
    """Rows of one benchmark engagement.

    Attributes
    ----------
    name : str
        Label in the tables (``typical``, ``large``, ...).
    respondents, leads, activities : int
        Survey respondents, leads in the period (about 4 % more are generated just outside
        it) and minimum activities, as passed to :func:`toolkit.generate.generate_tables`.
    """

    name: str
    respondents: int
    leads: int
    activities: int


#: SPEC §10 sizes; ``medium`` (1/10 of large) checks linear growth, ``tiny`` is the smoke test.
SIZES: dict[str, Size] = {
    "tiny": Size("tiny", 40, 1_000, 8_000),
    "typical": Size("typical", 200, 20_000, 200_000),
    "medium": Size("medium", 2_000, 100_000, 1_000_000),
    "large": Size("large", 2_000, 1_000_000, 10_000_000),
}


def parse_size(text: str) -> Size:
    """A size by name, or ``name=respondents/leads/activities`` (e.g. ``x=100/5000/50000``)."""
    if text in SIZES:
        return SIZES[text]
    if "=" in text:
        name, spec = text.split("=", 1)
        r, l, a = (int(v.replace("_", "")) for v in spec.split("/"))
        return Size(name, r, l, a)
    raise ValueError(f"unknown size {text!r}; expected one of {', '.join(SIZES)} or "
                     "name=respondents/leads/activities")


def engagement_folder(size: Size, crm_format: str, cache: Path, *, log=print) -> Path:
    """Return a benchmark engagement folder, generating it when absent from *cache*.

    Parameters
    ----------
    size : Size
        Rows to generate.
    crm_format : {"csv", "parquet"}
        File format of the three CRM tables (survey and plan are always CSV).
    cache : Path
        Cache root; the folder is ``cache/<name>-<leads>-<crm_format>``, reused when its
        ``bench.json`` records the same size and seed.
    log : callable
        Progress messages.

    Returns
    -------
    Path
        The engagement folder (``engagement.toml`` pointing at the generated files).
    """
    from toolkit.generate import generate_tables
    from toolkit.generate.files import PATHS, engagement_toml, headcount, write_csv
    from toolkit.generate.profiles import PROFILES

    if crm_format not in ("csv", "parquet"):
        raise ValueError(f"crm_format must be csv or parquet, got {crm_format!r}")
    folder = Path(cache) / f"{size.name}-{size.leads}-{crm_format}"
    stamp = {"size": asdict(size), "seed": SEED, "profile": PROFILE, "crm_format": crm_format}
    marker = folder / "bench.json"
    if marker.is_file() and json.loads(marker.read_text()) == stamp:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    log(f"generating {folder.name} ({size.leads:,} leads, {size.activities:,} activities)…")
    tables = generate_tables(PROFILE, seed=SEED, n_respondents=size.respondents,
                             n_leads=size.leads, n_activities=size.activities)
    profile = PROFILES[PROFILE]
    paths = dict(PATHS)
    survey = tables["survey"]
    items = [c for c in survey.columns if survey[c].dtype == "float64"]
    survey = survey.assign(**{c: survey[c].round().astype("Int64") for c in items})
    write_csv(survey, folder / paths["survey"])
    write_csv(tables["plan"], folder / paths["plan"])
    for name in CRM_TABLES:
        df = tables[name]
        if name in ("leads", "opportunities"):
            col = "score" if name == "leads" else "amount"
            df = df.assign(**{col: df[col].round().astype("Int64")})
        if crm_format == "parquet":
            paths[name] = paths[name].replace(".csv", ".parquet")
            (folder / paths[name]).parent.mkdir(parents=True, exist_ok=True)
            df.to_parquet(folder / paths[name], index=False)
        else:
            write_csv(df, folder / paths[name])
        del df
    toml = engagement_toml(profile, client_id=f"bench-{size.name}",
                           client_name=f"Benchmark {size.name}", seed=SEED,
                           hc=headcount(tables["survey"]))
    for name in CRM_TABLES:
        toml = toml.replace(f'"{PATHS[name]}"', f'"{paths[name]}"')
    (folder / "engagement.toml").write_text(toml, encoding="utf-8")
    marker.write_text(json.dumps(stamp))
    return folder
