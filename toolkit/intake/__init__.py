"""Read an engagement's input files into validated canonical tables (SPEC §1, §2).

:func:`load_data` reads every table the engagement names — survey, leads, opportunities,
activities, compensation plan — through the canonical reader or a platform importer
(``format = "auto"`` detects which), validates each against its pandera schema
(:mod:`toolkit.schemas`), and either returns an :class:`EngagementData` or raises one
:class:`~toolkit.exceptions.ValidationError` listing **all** problems of **all** files with
file, row and column. :func:`validate` does the same without raising, for
``aligndx validate``, and returns the intake summary even when there are problems.

Day-first vs month-first dates: inferred per column from the values; a column with only
ambiguous values takes the order proven by another date column of the same file, else the
``date_order`` hint (``"day-first"``/``"month-first"``) of the ``[survey]`` or ``[crm]``
section when the configuration provides one; without either it is a blocking problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import Engagement, load_engagement
from ..exceptions import ConfigError, Problem, ValidationError
from ..formats import UnknownFormat
from ..paths import walk
from ..schemas import check_table
from .base import (FileIntake, ImportResult, crm_importer, detect_crm_format,
                   detect_survey_format, survey_importer)
from ..instrument import OPEN_ITEMS
from .canonical import is_canonical, read_canonical
from .controls import control_problems
from .parse import DATE_ORDERS
from .limits import scale_problem
from .reader import RawTable, read_table

__all__ = ["EngagementData", "FileIntake", "ImportResult", "load_data", "validate",
           "read_table", "RawTable"]

CRM_TABLE_NAMES = ("leads", "opportunities", "activities")
_BINARY_SURVEY = (".sav", ".zsav", ".por")


@dataclass
class EngagementData:
    """The engagement's canonical tables, validated, with the intake summary.

    Attributes
    ----------
    engagement : Engagement
        The loaded configuration.
    survey, leads, opportunities, activities, plan : pandas.DataFrame or None
        Canonical tables (``docs/architecture.md``) with a default RangeIndex; ``None`` when
        the engagement does not provide the table.
    intake : list of FileIntake
        One record per file read, in the order survey, leads, opportunities, activities,
        plan.
    warnings : list of str
        Visible, non-blocking remarks, each prefixed with its file.
    """

    engagement: Engagement
    survey: pd.DataFrame | None = None
    leads: pd.DataFrame | None = None
    opportunities: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    plan: pd.DataFrame | None = None
    intake: list[FileIntake] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: consultant codebook for comment themes (``[survey] comment_codebook``), if given
    comment_codebook: list | None = None

    def row_counts(self) -> dict:
        """Return ``{table: rows}`` for the tables present (plain ints)."""
        out = {}
        for name in ("survey", "leads", "opportunities", "activities", "plan"):
            df = getattr(self, name)
            if df is not None:
                out[name] = int(len(df))
        return out


def _problems(exc: ValidationError, file: str) -> list[Problem]:
    return [p if isinstance(p, Problem) else Problem(file, str(p)) for p in exc.problems]


def _date_order(engagement: Engagement, section: str) -> str | None:
    cfg = getattr(engagement, section, None)
    hint = getattr(cfg, "date_order", None)
    if hint is None:
        sec = engagement.raw.get(section) if isinstance(engagement.raw, dict) else None
        hint = sec.get("date_order") if isinstance(sec, dict) else None
    return hint if isinstance(hint, str) else None


def _read_raw(path: Path, display: str) -> tuple[RawTable | None, list[Problem]]:
    try:
        return read_table(path, display_path=display), []
    except ValidationError as exc:
        return None, _problems(exc, display)


def _unknown_format(display: str, table: str, fmt: str, message: str) -> ImportResult:
    intake = FileIntake(table=table, path=display, format=fmt)
    return ImportResult(pd.DataFrame(), intake, [Problem(display, message)])


def _import_survey(eng: Engagement) -> ImportResult:
    cfg = eng.survey
    display = eng.relative(cfg.path)
    fmt = cfg.format
    kwargs = dict(team_column=cfg.team_column, team_map=cfg.team_map, items=cfg.items,
                  date_order=_date_order(eng, "survey"))
    raw = None
    too_big = scale_problem(cfg.path, "survey", display)
    if too_big is not None:
        return ImportResult(pd.DataFrame(), FileIntake("survey", display, "unknown"), [too_big])
    if fmt == "auto":
        if cfg.path.suffix.lower() in _BINARY_SURVEY:
            fmt = "spss"
        else:
            raw, probs = _read_raw(cfg.path, display)
            if raw is None:
                return ImportResult(pd.DataFrame(), FileIntake("survey", display, "unknown"),
                                    probs)
            overrides = dict(cfg.items)
            if cfg.team_column != "team":
                overrides[cfg.team_column] = "team"
            if is_canonical(raw, "survey", overrides):
                fmt = "canonical"
            else:
                fmt = detect_survey_format(raw)
                if fmt is None and is_canonical(raw, "survey", overrides, partial=True):
                    fmt = "canonical"
                if fmt is None:
                    intake = FileIntake("survey", display, "unknown", encoding=raw.encoding,
                                        delimiter=raw.delimiter, rows_read=raw.n_rows)
                    return ImportResult(pd.DataFrame(), intake, [Problem(
                        display, "cannot recognise this survey file: expected canonical "
                        "columns (respondent_id, team, item codes such as FAIR1) or an "
                        "export of Qualtrics, SurveyMonkey, Google Forms, Microsoft Forms or "
                        "SPSS; set [survey] format, team_column and items")])
    if fmt == "canonical":
        return read_canonical(cfg.path, "survey", display_path=display, raw=raw, **kwargs)
    try:
        importer = survey_importer(fmt)
    except UnknownFormat as exc:
        return _unknown_format(display, "survey", fmt, str(exc))
    return importer(cfg.path, cfg, display_path=display)


def proven_date_order(intakes: list[FileIntake]) -> str | None:
    """The day/month order proven by the date columns of *intakes*, if they agree.

    Formats ending in ``", assumed"`` were not proven by their own values and do not count.
    """
    orders = {order for rec in intakes for fmt in rec.date_formats.values()
              for order in DATE_ORDERS if order in fmt and "assumed" not in fmt}
    return orders.pop() if len(orders) == 1 else None


def _import_crm(eng: Engagement, table: str, path: Path,
                evidence: str | None = None) -> ImportResult:
    cfg = eng.crm
    display = eng.relative(path)
    fmt = cfg.format
    overrides = cfg.columns.get(table, {})
    raw = None
    too_big = scale_problem(path, table, display)
    if too_big is not None:
        return ImportResult(pd.DataFrame(), FileIntake(table, display, "unknown"), [too_big])
    if fmt == "auto":
        from .typed import header_only
        head = header_only(path)  # a canonical file is then read once, with typed columns
        if head is not None and is_canonical(head, table, overrides):
            return read_canonical(path, table, display_path=display, columns=overrides,
                                  date_order=_date_order(eng, "crm") or evidence)
        raw, probs = _read_raw(path, display)
        if raw is None:
            return ImportResult(pd.DataFrame(), FileIntake(table, display, "unknown"), probs)
        if is_canonical(raw, table, overrides):
            fmt = "canonical"
        else:
            fmt = detect_crm_format(raw, table)
            if fmt in (None, "mapped") and is_canonical(raw, table, overrides, partial=True):
                fmt = "canonical"  # canonical id column: report the missing columns
            if fmt is None:
                intake = FileIntake(table, display, "unknown", encoding=raw.encoding,
                                    delimiter=raw.delimiter, rows_read=raw.n_rows,
                                    columns_unmatched=raw.columns)
                from ..schemas import SIGNATURES
                return ImportResult(pd.DataFrame(), intake, [Problem(
                    display, f"cannot recognise this {table} file: expected canonical columns "
                    f"({', '.join(SIGNATURES[table])}, ...) or a Salesforce/HubSpot export; "
                    f"map its columns with [crm] columns.{table} = {{ \"Export column\" = "
                    "\"canonical_column\" } or set [crm] format")])
    if fmt == "canonical":
        return read_canonical(path, table, display_path=display, columns=overrides, raw=raw,
                              date_order=_date_order(eng, "crm") or evidence)
    try:
        importer = crm_importer(fmt)
    except UnknownFormat as exc:
        return _unknown_format(display, table, fmt, str(exc))
    return importer(path, table, cfg, display_path=display)


def _load_plan(eng: Engagement) -> tuple[pd.DataFrame | None, FileIntake, list[Problem]]:
    path = eng.incentives.path
    display = eng.relative(path)
    intake = FileIntake(table="plan", path=display, format="canonical")
    try:
        from ..incentives.plan import load_plan
    except ImportError as exc:  # pragma: no cover - wiring not there yet
        return None, intake, [Problem(display, f"compensation plan reader unavailable: {exc}")]
    names: list[str] = []
    try:
        plan = load_plan(path, display_name=display, names_out=names)
    except ValidationError as exc:
        return None, intake, _problems(exc, display)
    intake.rows_read = intake.rows_kept = int(len(plan))
    intake.columns_mapped = {str(c): str(c) for c in plan.columns}
    intake.known_names = names   # people of the plan's person columns: redaction only (PN1)
    intake.amount_currency = plan.attrs.get("currency")   # checked against [client] currency
    return plan.reset_index(drop=True), intake, []


def _new_problems(schema_problems: list[Problem], parse_problems: list[Problem]
                  ) -> list[Problem]:
    """Schema problems not already explained by a parsing problem of the same cell/column.

    An unreadable value becomes NaN/NaT, which the schema would report again as empty.
    """
    cells = {(p.row, p.column) for p in parse_problems}
    whole = {p.column for p in parse_problems
             if p.row is None and p.column and not p.message.startswith("...")}
    return [p for p in schema_problems
            if (p.row, p.column) not in cells and not (p.row is not None and p.column in whole)]


def _prefetch_crm(engagement: Engagement) -> None:
    """Start reading the canonical CRM files with typed columns in background threads
    (:func:`toolkit.intake.typed.prefetch`): Arrow parses the large activities file while
    this thread reads the survey and builds and validates the tables before it. Only files
    whose header already says canonical; the reads are taken, in order, by
    :func:`_import_crm`."""
    cfg = engagement.crm
    if cfg is None or cfg.format not in ("auto", "canonical"):
        return
    from .typed import header_only, prefetch
    for table in CRM_TABLE_NAMES:
        path = getattr(cfg, table)
        if path is None:
            continue
        overrides = cfg.columns.get(table, {})
        if cfg.format == "auto":
            head = header_only(path)
            if head is None or not is_canonical(head, table, overrides):
                continue
        # the activities (the largest file) once the leads and opportunities are read:
        # those are built and validated while it is parsed
        prefetch(path, table, overrides, after_earlier=table == "activities")


def _run_jobs(jobs, data: EngagementData, problems: list[Problem],
              engagement: Engagement) -> None:
    for table, job in jobs:
        result = job()
        data.intake.append(result.intake)
        if result.problems and result.table.empty and not len(result.table.columns):
            problems += result.problems
            continue  # unreadable file: nothing more to check
        _skip_rows(result, table, engagement)
        problems += result.problems
        problems += _no_rows(result, table)
        problems += _new_problems(check_table(result.table, table, result.intake.path),
                                  result.problems)
        problems += control_problems(result.table, result.intake.path,
                                     free_text=OPEN_ITEMS if table == "survey" else ())
        setattr(data, table, result.table.reset_index(drop=True))


def _collect(engagement: Engagement) -> tuple[EngagementData, list[Problem]]:
    from ..memory import tune
    tune()  # allocators for large tables (toolkit.memory): before the first column is read
    data = EngagementData(engagement=engagement)
    problems: list[Problem] = []
    jobs = []
    if engagement.survey is not None:
        jobs.append(("survey", lambda: _import_survey(engagement)))
    if engagement.crm is not None:
        for table in CRM_TABLE_NAMES:
            path = getattr(engagement.crm, table)
            if path is not None:
                # dates of one CRM export share a locale: the order proven in an earlier
                # CRM file is the hint for all-ambiguous columns of later ones
                jobs.append((table, lambda t=table, p=path: _import_crm(
                    engagement, t, p, proven_date_order(
                        [r for r in data.intake if r.table in CRM_TABLE_NAMES]))))
    from .typed import discard_prefetched
    try:
        _prefetch_crm(engagement)
        _run_jobs(jobs, data, problems, engagement)
    except BaseException:
        discard_prefetched(wait=False)  # an interrupt is not held up by a background read
        raise
    discard_prefetched()
    if engagement.survey is not None and engagement.survey.comment_codebook is not None:
        from ..exceptions import InputError
        from ..survey.themes import load_codebook

        path = engagement.survey.comment_codebook
        try:
            data.comment_codebook = load_codebook(path, display=engagement.relative(path))
        except InputError as exc:
            problems += [p for p in exc.problems if isinstance(p, Problem)]
    if engagement.incentives is not None:
        plan, intake, probs = _load_plan(engagement)
        data.plan = plan
        data.intake.append(intake)
        problems += probs
    for rec in data.intake:
        data.warnings += [f"{rec.path}: {w}" for w in rec.warnings]
    from .amounts import currency_problems
    from .crossfile import offset_problems

    problems += currency_problems(data.intake, engagement.client.currency)
    problems += offset_problems(data.intake)
    if engagement.crm is not None:   # the CRM files must link and share a clock (attack 43)
        from .crossfile import (day_clock_problems, day_clock_warnings, link_problems,
                                salesforce_ids)

        paths = {r.table: r.path for r in data.intake if r.table in CRM_TABLE_NAMES}
        salesforce_ids(data)
        links, unlinked = link_problems(data, paths)
        problems += links + day_clock_problems(data, paths)
        data.warnings += unlinked + day_clock_warnings(data, paths)
    data.warnings += unnamed_files(engagement)
    if engagement.crm is not None:
        from ..crm.checks import crm_intake_warnings
        data.warnings += crm_intake_warnings(engagement, data)
    return data, problems


def _skip_rows(result: ImportResult, table: str, engagement: Engagement) -> None:
    """Leave out the rows ``[crm] skip_rows_without`` names (e.g. open deals without a
    created date), before validation; counted as dropped in the intake record."""
    cols = [c for c in (getattr(engagement.crm, "skip_rows_without", None) or {}).get(table, ())
            if c in result.table.columns]
    if not cols:
        return
    t = result.table
    empty = pd.Series(False, index=t.index)
    for c in cols:
        s = t[c]
        miss = s.isna()
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            miss |= s.astype("string").str.strip().fillna("") == ""
        empty |= miss
    n = int(empty.sum())
    if n:
        result.table = t.loc[~empty.to_numpy(bool)]
        result.intake.drop(f"no {' or '.join(cols)} ([crm] skip_rows_without)", n)
        result.intake.rows_kept = int(len(result.table))
        # problems the importer raised on the rows now left out no longer apply
        kept = set(result.table.index)
        result.problems = [p for p in result.problems
                           if getattr(p, "row", None) is None or p.row in kept]


def _no_rows(result: ImportResult, table: str) -> list[Problem]:
    """A table with no data rows: a problem, except activities (optional: a warning).

    Rows dropped by the importer (blank rows, survey previews) are named in the message.
    """
    if len(result.table):
        return []
    rec = result.intake
    dropped = "; ".join(f"{n} {reason}" for reason, n in rec.dropped.items())
    detail = f" ({rec.rows_read} row(s) below the header: {dropped})" if dropped else ""
    if table == "activities":
        rec.warnings.append(f"no data rows{detail}: zero activities, so first touch and "
                            "attempts come from the leads table or cannot be measured")
        return []
    return [Problem(rec.path, f"no data rows{detail}; expected one row per "
                    f"{_ROW_UNIT.get(table, 'record')} below the header")]


_ROW_UNIT = {"survey": "respondent", "leads": "lead", "opportunities": "opportunity"}
_FOLDERS = {"survey": ("survey",), "crm": ("leads", "opportunities", "activities"),
            "incentives": ("plan",)}
_DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".xlsx", ".xlsm", ".xls", ".parquet", ".pq",
                  ".sav", ".zsav", ".por"}
_UNNAMED_HINTS = {
    "leads": "[crm] leads is not set — the lead funnel (MQL → SAL → SQL), speed to lead and "
             "rejections cannot be measured without it",
    "opportunities": "[crm] opportunities is not set — win rates and revenue cannot be "
                     "measured without it",
    "activities": "[crm] activities is not set — first touch and attempts cannot be "
                  "measured without it",
    "survey": "[survey] path is not set — the survey pillar cannot be assessed without it",
    "plan": "[incentives] path is not set — the incentives pillar cannot be assessed "
            "without it",
}


#: Folders below ``survey/``, ``crm/`` and ``incentives/`` looked into for unused data files.
UNNAMED_DEPTH = 8


def unnamed_files(engagement: Engagement) -> list[str]:
    """Warnings for data files in ``survey/``, ``crm/``, ``incentives/`` not named in the TOML.

    A consultant who drops ``crm/activities.csv`` into the folder but forgets ``[crm]
    activities`` should hear that the file is ignored and what that costs. Files whose
    name says which table they hold (``activities``, ``tasks``, ``leads``, ``contacts``,
    ``opportunities``, ``deals``, ``plan``, ``comp``) name the key to set; others are listed
    as unused.

    Returns
    -------
    list of str
        One warning per unused data file, e.g. ``"crm/activities.csv exists but [crm]
        activities is not set — first touch and attempts cannot be measured without it"``.
    """
    used: set[Path] = set()
    if engagement.survey is not None:
        used.add(Path(engagement.survey.path).resolve())
        if engagement.survey.comment_codebook is not None:
            used.add(Path(engagement.survey.comment_codebook).resolve())
    if engagement.crm is not None:
        used |= {Path(p).resolve() for p in (engagement.crm.leads, engagement.crm.opportunities,
                                             engagement.crm.activities) if p is not None}
    if engagement.incentives is not None:
        used.add(Path(engagement.incentives.path).resolve())
    have = {"survey": engagement.survey is not None,
            "plan": engagement.incentives is not None}
    if engagement.crm is not None:
        have.update({t: getattr(engagement.crm, t) is not None for t in CRM_TABLE_NAMES})
    # a key that is set but invalid is reported by validate; its file is not "unused"
    raw = engagement.raw if isinstance(engagement.raw, dict) else {}
    invalid = {table for section, key, table in (
        ("survey", "path", "survey"), ("incentives", "path", "plan"),
        *(("crm", t, t) for t in CRM_TABLE_NAMES))
        if isinstance(raw.get(section), dict) and key in raw[section]
        and not have.get(table, False)}
    out = []
    for folder, tables in _FOLDERS.items():
        base = engagement.root / folder
        if not base.is_dir():
            continue
        found = [Path(d) / n for d, _, names in walk(base, max_depth=UNNAMED_DEPTH)
                 for n in names]   # not recursive: a folder nested 2,000 deep is walked (DP1)
        for f in sorted(found):
            if (not f.is_file() or f.suffix.lower() not in _DATA_SUFFIXES
                    or f.name.startswith((".", "~$"))
                    or f.stem.lower().startswith("readme") or f.resolve() in used):
                continue
            rel = engagement.relative(f)
            table = _guess_table(f.stem, tables)
            if table in invalid:
                continue
            if table is not None and not have.get(table, False):
                out.append(f"{rel} exists but {_UNNAMED_HINTS[table]}")
            else:
                out.append(f"{rel} exists but is not named in engagement.toml; it is not read")
    return out


_TABLE_WORDS = {"activities": ("activit", "task", "event", "call", "engagement"),
                "opportunities": ("opportunit", "opps", "deal", "pipeline"),
                "leads": ("lead", "contact", "prospect"),
                "survey": ("survey", "response", "answers"),
                "plan": ("plan", "comp", "incentive", "commission")}


def _guess_table(stem: str, tables: tuple[str, ...]) -> str | None:
    low = stem.lower()
    if len(tables) == 1:
        return tables[0]
    hits = [t for t in tables if any(w in low for w in _TABLE_WORDS[t])]
    return hits[0] if len(hits) == 1 else None


def load_data(engagement: Engagement) -> EngagementData:
    """Read and validate every table of an engagement.

    Parameters
    ----------
    engagement : Engagement
        From :func:`toolkit.config.load_engagement`.

    Returns
    -------
    EngagementData
        Validated canonical tables (absent sections → ``None``), the per-file intake
        records and the warnings.

    Raises
    ------
    ValidationError
        Listing every problem of every file (file, row, column): unreadable files,
        unrecognised formats, missing required columns, unparseable values, ambiguous
        dates, duplicate ids, unknown teams, out-of-range answers, plan weights.
    """
    data, problems = _collect(engagement)
    if problems:
        raise ValidationError(problems)
    return data


def validate(folder: str | Path) -> tuple[EngagementData | None, list[Problem]]:
    """Check an engagement folder without raising for input problems.

    Parameters
    ----------
    folder : str or Path
        The engagement folder.

    Returns
    -------
    data : EngagementData or None
        ``None`` only when ``engagement.toml`` itself is invalid; otherwise the tables that
        could be read and the intake summary of every file (also when there are problems).
    problems : list of Problem
        Every problem of the configuration or of the tables; empty when all is well.
    """
    from ..config import load_engagement_partial

    try:
        engagement, config_problems = load_engagement_partial(folder)
    except ConfigError as exc:
        return None, _problems(exc, "engagement.toml")
    if engagement is None:
        return None, config_problems
    # the configuration's problems AND every file that can be read, in one run
    data, problems = _collect(engagement)
    problems = config_problems + problems + baseline_problems(engagement)
    return data, problems


def baseline_problems(engagement: Engagement) -> list[Problem]:
    """Read ``[baseline] results`` as ``aligndx report`` does (SPEC §12): a file that is not
    a results.json of this client is a problem for ``validate`` too."""
    if getattr(engagement, "baseline", None) is None:
        return []
    from ..compare import load_results
    from ..compare.io import check_same_client
    from ..exceptions import InputError

    display = engagement.relative(engagement.baseline.results)
    try:
        baseline = load_results(engagement.baseline.results)
        check_same_client(baseline, {"client": {"id": engagement.client.id}}, display)
    except InputError as exc:
        return [p if isinstance(p, Problem) else Problem(display, _strip_path(str(p), engagement))
                for p in exc.problems]
    return []


def _strip_path(message: str, engagement: Engagement) -> str:
    """A message that starts with the file's absolute path, without it (the Problem names
    the file)."""
    path = str(engagement.baseline.results)
    return message[len(path):].lstrip(": ") if message.startswith(path) else message
