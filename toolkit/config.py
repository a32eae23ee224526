"""Load and validate ``engagement.toml`` (SPEC §1).

The engagement folder holds everything about one client. :func:`load_engagement` reads its
``engagement.toml``, checks every key (unknown keys, types, the client slug, paths confined
to the folder) and returns an :class:`Engagement` of frozen dataclasses. All problems are
collected and raised together as one :class:`~toolkit.exceptions.ConfigError`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .exceptions import ConfigError, Problem

ENGAGEMENT_FILE = "engagement.toml"
#: Longest client id: it names folders (``OUT/<id>``, the staging ``OUT/.<id>.XXXX.partial``,
#: batch logs), which must stay far under the 255-byte file-name limit (review 13c V1).
MAX_CLIENT_ID = 64
#: A client slug of at most :data:`MAX_CLIENT_ID` characters; ``\Z`` (not ``$``) so that a
#: trailing line break is refused too.
SLUG_RE = re.compile(r"^[a-z0-9-]{1,%d}\Z" % MAX_CLIENT_ID)
#: An ISO 4217 currency code (three capital letters).
CURRENCY_RE = re.compile(r"^[A-Z]{3}\Z")

from .vocab import TEAMS  # noqa: E402,F401  (vocabularies live in toolkit.vocab)
from .vocab import SIDE_OF_TEAM as SIDES  # noqa: E402  team -> side map
from .formats import CRM_FORMATS, SURVEY_FORMATS  # noqa: E402,F401  (the importer registry)
CRM_TABLES = ("leads", "opportunities", "activities")
DEFAULT_MARKETING_SOURCES = ("web", "webinar", "paid_search", "event", "content")
DATE_ORDERS = ("day-first", "month-first")
#: Upper bounds of the [analysis] settings: beyond them a value is a typo, not a choice.
MAX_GROUP_SIZE = 10_000
MAX_SLA_HOURS = 8_760
MAX_ATTEMPTS = 1_000
#: Largest team in ``[client] headcount`` (beyond it a value is a typo).
MAX_HEADCOUNT = 1_000_000
#: Dates in settings must lie in this window, as dates in the data files do.
DATE_WINDOW = (dt.date(1970, 1, 1), dt.date(2099, 12, 31))
#: Deepest nesting of tables/arrays accepted in ``engagement.toml`` (the schema needs 3).
MAX_TOML_DEPTH = 8
#: Largest engagement.toml read (bytes): the scaffold's is ~3 KB; a larger file is refused
#: unread rather than loaded into memory (attack 14, BF1).
MAX_TOML_BYTES = 1_000_000


@dataclass(frozen=True)
class ClientConfig:
    """``[client]``: who the engagement is for and the analysis window."""

    id: str
    name: str
    currency: str = "USD"
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    headcount: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyConfig:
    """``[survey]``: where the survey export is and how to read it."""

    path: Path
    format: str = "auto"
    team_column: str = "team"
    team_map: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None
    #: optional consultant codebook for comment themes (``theme,keywords`` CSV)
    comment_codebook: Path | None = None


@dataclass(frozen=True)
class CrmConfig:
    """``[crm]``: CRM exports and how to read them.

    ``extract_date`` (optional key) is the date the data was pulled; untouched leads are
    censored there. When absent the latest timestamp in the CRM tables is used.
    """

    format: str = "auto"
    leads: Path | None = None
    opportunities: Path | None = None
    activities: Path | None = None
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    marketing_sources: tuple[str, ...] = DEFAULT_MARKETING_SOURCES
    extract_date: dt.datetime | None = None
    date_order: str | None = None
    #: ``skip_rows_without``: CRM table -> canonical columns; rows with no value in any of
    #: them are left out at intake (counted in the data-quality appendix), so a consultant
    #: never edits the client's file. Given as a list, it applies to every CRM table that
    #: has the column.
    skip_rows_without: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class IncentivesConfig:
    """``[incentives]``: the compensation plan."""

    path: Path
    attainment: float | None = None


@dataclass(frozen=True)
class BaselineConfig:
    """``[baseline]``: the ``results.json`` of the client's previous assessment (SPEC §12).

    The report then gains a "Since the last assessment" section. The file lives inside the
    engagement folder like every other input (copy the earlier run's ``results.json`` in).
    """

    results: Path


@dataclass(frozen=True)
class AnalysisSettings:
    """``[analysis]``: thresholds of the analysis (SPEC §1, §8).

    Attributes
    ----------
    min_group_size : int
        Anonymity threshold: no group smaller than this is reported (at least 3; the
        survey-platform default of 5, SPEC §9).
    min_comment_group_size : int
        Free-text comments are shown only for groups at least this large.
    sla_first_touch_hours : float
        Service-level target for the first sales touch of a lead, in hours.
    well_worked_attempts : int
        Number of sales attempts from which a lead counts as well worked.
    """

    min_group_size: int = 5
    min_comment_group_size: int = 8
    sla_first_touch_hours: float = 24.0
    well_worked_attempts: int = 6


@dataclass(frozen=True)
class Engagement:
    """A loaded and validated engagement folder."""

    root: Path
    client: ClientConfig
    survey: SurveyConfig | None
    crm: CrmConfig | None
    incentives: IncentivesConfig | None
    analysis: AnalysisSettings
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    baseline: BaselineConfig | None = None

    @property
    def toml_path(self) -> Path:
        """Path of ``engagement.toml``."""
        return self.root / ENGAGEMENT_FILE

    def relative(self, path: Path) -> str:
        """Return *path* relative to the engagement folder, for messages."""
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return str(path)


_ALLOWED = {
    "client": {"id", "name", "currency", "period_start", "period_end", "headcount"},
    "survey": {"path", "format", "team_column", "team_map", "items", "date_order",
               "comment_codebook"},
    "crm": {"format", "leads", "opportunities", "activities", "columns",
            "marketing_sources", "extract_date", "date_order", "skip_rows_without"},
    "incentives": {"path", "attainment"},
    "baseline": {"results"},
    "analysis": {"min_group_size", "min_comment_group_size", "sla_first_touch_hours",
                 "well_worked_attempts"},
}


class _Checker:
    """Collects problems while reading the TOML document."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(Problem(ENGAGEMENT_FILE, message, column=key, kind="key"))

    def typed(self, table: dict, section: str, key: str, types: tuple, what: str,
              default: Any = None, required: bool = False) -> Any:
        if key not in table:
            if required:
                self.add(f"{section}.{key}", f"required key is missing ({what})")
            return default
        value = table[key]
        if isinstance(value, bool) and bool not in types:
            self.add(f"{section}.{key}", f"expected {what}, got {value!r}")
            return default
        if not isinstance(value, types):
            self.add(f"{section}.{key}", f"expected {what}, got {value!r}")
            return default
        return value

    def path(self, table: dict, section: str, key: str, required: bool = False) -> Path | None:
        value = self.typed(table, section, key, (str,), "a path relative to the engagement "
                           "folder", required=required)
        if value is None or has_control(value):
            return None  # control characters: reported once by _check_strings
        raw = Path(value)
        if raw.is_absolute():
            self.add(f"{section}.{key}", f"absolute paths are refused ({value!r}); give a "
                     "path relative to the engagement folder")
            return None
        resolved = (self.root / raw).resolve()
        try:
            resolved.relative_to(self.root.resolve())
        except ValueError:
            self.add(f"{section}.{key}", f"path {value!r} leaves the engagement folder; "
                     "inputs must live inside it")
            return None
        problem = file_problem(resolved)
        if problem == MISSING:
            self.add(f"{section}.{key}", f"file not found: {value!r}" + _nearby(resolved))
            return None
        if problem:  # named by its own path, as the readers name a bad file
            self.problems.append(Problem(value, f"{problem} (set by engagement.toml, key "
                                         f"'{section}.{key}')"))
            return None
        return resolved


MISSING = "was not found"

#: C0 and C1 control characters (NUL, ESC, line breaks, tab ...), the bidirectional
#: marks/overrides/isolates that reorder text on screen and the invisible zero-width
#: characters (spaces, joiners, word joiner, byte-order mark inside a value) that make two
#: labels look the same and differ: never part of a setting.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                         "\u2060-\u2064\u2066-\u2069\ufeff]")


def has_control(text: str) -> bool:
    """True when *text* holds a control or bidi-override character (:data:`_CONTROL_RE`)."""
    return isinstance(text, str) and _CONTROL_RE.search(text) is not None


def _key_path(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            shown = part if not has_control(part) and "." not in part else repr(part)
            out += ("." if out else "") + shown
    return out


def _check_strings(ck: "_Checker", doc: dict) -> None:
    """Every string (and key) of the document without control characters, and the nesting
    no deeper than :data:`MAX_TOML_DEPTH` — iteratively, so no document can exhaust the
    stack. Each offending key is named once."""
    stack: list[tuple[tuple, Any]] = [((), doc)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_TOML_DEPTH:
            ck.add(_key_path(path[:MAX_TOML_DEPTH]), f"nested more than {MAX_TOML_DEPTH} "
                   "levels deep; engagement.toml holds tables of settings, not deep lists")
            continue
        if isinstance(value, dict):
            for k, v in value.items():
                if has_control(k):
                    ck.add(_key_path(path + (k,)), "the key contains a control character "
                           f"({_first_control(k)}); expected plain text on one line")
                    continue
                stack.append((path + (k,), v))
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
        elif isinstance(value, str) and has_control(value):
            ck.add(_key_path(path), f"the value contains control characters (the first "
                   f"is {_first_control(value)}; a NUL, escape, tab, line break, "
                   "text-direction mark or invisible character); expected plain text on "
                   "one line")


def _first_control(text: str) -> str:
    ch = _CONTROL_RE.search(text).group()
    return f"U+{ord(ch):04X}"


def _nearby(path: Path) -> str:
    """What is in the folder a missing file was expected in (a hint for the message)."""
    folder = path.parent
    try:
        names = sorted(p.name for p in folder.iterdir()
                       if p.is_file() and not p.name.startswith("."))
    except OSError:
        return "; its folder does not exist"
    if not names:
        return "; its folder is empty"
    shown = ", ".join(repr(n) for n in names[:6]) + (" …" if len(names) > 6 else "")
    return f"; files in that folder: {shown}"


def read_engagement_text(path: Path) -> str:
    """The text of an engagement.toml, read only when it is a regular file of at most
    :data:`MAX_TOML_BYTES` bytes.

    The file is opened without blocking and checked on the open descriptor, so a named pipe
    (which would wait forever), a device (``/dev/zero``: endless) or a file swapped for one
    after a check is never read (attack 14, BF1).

    Raises
    ------
    OSError
        Cannot be opened, is not a regular file (``errno.EINVAL``) or is too large
        (``errno.EFBIG``).
    UnicodeDecodeError
        Not UTF-8.
    """
    from .paths import read_regular_bytes

    return read_regular_bytes(path, MAX_TOML_BYTES).decode("utf-8-sig")


def file_problem(path: Path) -> str | None:
    """Why *path* cannot be read as an input file, or ``None`` when it can.

    A missing path, a folder, a pipe (FIFO), socket or device, and a file this user may not
    read each get their own plain sentence (reading a FIFO would wait forever).
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return MISSING
    except OSError as exc:
        return f"cannot be opened ({exc.strerror or exc})"
    if stat.S_ISDIR(st.st_mode):
        return "is a folder, not a file; give the path of the export file inside it"
    if not stat.S_ISREG(st.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "a device")
        return f"is {kind}, not a regular file; expected an export file"  # never opened
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied)"
    return None


def _as_date(ck: _Checker, table: dict, section: str, key: str) -> dt.date | None:
    if key not in table:
        return None
    value = table[key]
    day = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and not has_control(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
    if day is None:
        if not has_control(value):
            ck.add(f"{section}.{key}", f"expected a date like 2025-01-31, got {value!r}")
        return None
    lo, hi = DATE_WINDOW
    if not lo <= day <= hi:
        ck.add(f"{section}.{key}", f"implausible date {day.isoformat()}; expected a date "
               f"between {lo.year} and {hi.year}")
        return None
    return day


def _str_map(ck: _Checker, table: dict, section: str, key: str) -> dict[str, str]:
    value = ck.typed(table, section, key, (dict,), "a table of text values", default={})
    out = {}
    for k, v in value.items():
        if has_control(k) or has_control(v):
            continue  # reported by _check_strings
        if not isinstance(v, str):
            ck.add(f"{section}.{key}.{k}", f"expected text, got {v!r}")
        else:
            out[str(k)] = v
    return out


def _date_order(ck: _Checker, t: dict, section: str) -> str | None:
    """Optional hint for columns whose dates are all ambiguous (e.g. 03/04/2025)."""
    v = ck.typed(t, section, "date_order", (str,), "'day-first' or 'month-first'")
    if v is not None and v not in DATE_ORDERS:
        ck.add(f"{section}.date_order", f"expected 'day-first' or 'month-first', got {v!r}")
        return None
    return v


#: Longest client name accepted (it is the running header of every page).
MAX_CLIENT_NAME = 1000


def _read_client(ck: _Checker, doc: dict) -> ClientConfig:
    t = doc.get("client")
    if not isinstance(t, dict):
        ck.add("client", "required section [client] is missing")
        return ClientConfig(id="unknown", name="unknown")
    cid = ck.typed(t, "client", "id", (str,), "a slug such as 'acme'", required=True)
    if cid is not None and not has_control(cid) and len(cid) > MAX_CLIENT_ID:
        ck.add("client.id", f"the id is {len(cid):,} characters long; at most {MAX_CLIENT_ID} "
               "(it names the output folder)")
    elif cid is not None and not has_control(cid) and not SLUG_RE.match(cid):
        ck.add("client.id", f"{cid!r} is not a valid slug: use lowercase letters, digits and "
               "'-' only (it is used in output paths)")
    name = ck.typed(t, "client", "name", (str,), "the client's name", default=cid or "")
    if name is not None and len(name) > MAX_CLIENT_NAME:
        ck.add("client.name", f"the name is {len(name):,} characters long; at most "
               f"{MAX_CLIENT_NAME} (it heads every page of the report)")
        name = name[:MAX_CLIENT_NAME]
    currency = ck.typed(t, "client", "currency", (str,), "a currency code such as 'USD'",
                        default="USD")
    if currency is not None and not has_control(currency) \
            and not CURRENCY_RE.match(currency):
        hint = (f"; did you mean {currency.strip().upper()!r}?"
                if CURRENCY_RE.match(currency.strip().upper()) else "")
        ck.add("client.currency", f"{currency[:40]!r} is not a currency code: expected an "
               f"ISO 4217 code of three capital letters such as 'USD' or 'EUR'{hint}")
        currency = "USD"
    start = _as_date(ck, t, "client", "period_start")
    end = _as_date(ck, t, "client", "period_end")
    if start and end and end < start:
        ck.add("client.period_end", f"period_end {end} is before period_start {start}")
    headcount = ck.typed(t, "client", "headcount", (dict,), "a table like "
                         "{ sales = 42, marketing = 11 }", default={})
    hc: dict[str, int] = {}
    for team, n in headcount.items():
        if team not in TEAMS and team not in ("sales_side", "marketing_side"):
            ck.add(f"client.headcount.{team}", f"unknown team {team!r}; expected one of "
                   f"{', '.join(TEAMS)}")
        elif isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_HEADCOUNT:
            ck.add(f"client.headcount.{team}", f"expected a whole number of people from 0 to "
                   f"{MAX_HEADCOUNT:,}, got {n!r}")
        else:
            hc[team] = n
    return ClientConfig(id=cid or "unknown", name=name or "", currency=currency,
                        period_start=start, period_end=end, headcount=hc)


def _read_survey(ck: _Checker, t: dict) -> SurveyConfig | None:
    path = ck.path(t, "survey", "path", required=True)
    fmt = ck.typed(t, "survey", "format", (str,), "a format name", default="auto")
    if fmt not in SURVEY_FORMATS:
        ck.add("survey.format", f"unknown format {fmt!r}; expected one of "
               f"{', '.join(SURVEY_FORMATS)}")
        fmt = "auto"  # reported; validate goes on reading the files
    team_column = ck.typed(t, "survey", "team_column", (str,), "a column name", default="team")
    if team_column is None or has_control(team_column):
        team_column = "team"
    team_map = _str_map(ck, t, "survey", "team_map")
    for raw, team in team_map.items():
        if team not in TEAMS:
            ck.add(f"survey.team_map.{raw}", f"maps to unknown team {team!r}; expected one of "
                   f"{', '.join(TEAMS)}")
    items = _str_map(ck, t, "survey", "items")
    order = _date_order(ck, t, "survey")
    codebook = ck.path(t, "survey", "comment_codebook")
    if path is None:
        return None
    return SurveyConfig(path=path, format=fmt, team_column=team_column, team_map=team_map,
                        items=items, date_order=order, comment_codebook=codebook)


def _read_crm(ck: _Checker, t: dict, period_start: dt.date | None = None) -> CrmConfig | None:
    fmt = ck.typed(t, "crm", "format", (str,), "a format name", default="auto")
    if fmt not in CRM_FORMATS:
        ck.add("crm.format", f"unknown format {fmt!r}; expected one of {', '.join(CRM_FORMATS)}")
        fmt = "auto"  # reported; validate goes on reading the files
    # SPEC §1: any part may be missing. An opportunities-only engagement (deal exports
    # without a lead table) is read; at least one of leads and opportunities is needed.
    if "leads" not in t and "opportunities" not in t:
        ck.add("crm.leads", "required key is missing: give [crm] leads and/or [crm] "
               "opportunities (a path relative to the engagement folder)")
    leads = ck.path(t, "crm", "leads")
    opps = ck.path(t, "crm", "opportunities")
    acts = ck.path(t, "crm", "activities")
    columns = ck.typed(t, "crm", "columns", (dict,), "a table per CRM table of "
                       "{ 'Export column' = 'canonical_column' }", default={})
    cols: dict[str, dict[str, str]] = {}
    for table, mapping in columns.items():
        if table not in CRM_TABLES:
            ck.add(f"crm.columns.{table}", f"unknown table {table!r}; expected one of "
                   f"{', '.join(CRM_TABLES)}")
        elif not isinstance(mapping, dict):
            ck.add(f"crm.columns.{table}", "expected a table of { 'Export column' = "
                   "'canonical_column' }")
        else:
            for k, v in mapping.items():
                if not isinstance(v, str):
                    ck.add(f"crm.columns.{table}.{k}", f"expected the name of a canonical "
                           f"column as text, got {v!r}")
            cols[table] = {str(k): v for k, v in mapping.items() if isinstance(v, str)}
    sources = ck.typed(t, "crm", "marketing_sources", (list,), "a list of lead sources",
                       default=list(DEFAULT_MARKETING_SOURCES))
    bad = [i for i, s in enumerate(sources) if not isinstance(s, str) or not s.strip()]
    for i in bad:
        ck.add(f"crm.marketing_sources[{i}]", f"expected a lead source as text such as 'web', "
               f"got {sources[i]!r}")
    sources = [s for s in sources if isinstance(s, str) and s.strip()]
    extract = None
    if "extract_date" in t:
        v = t["extract_date"]
        day = _as_date(ck, t, "crm", "extract_date")
        if day is not None:
            extract = (v.replace(tzinfo=None) if isinstance(v, dt.datetime)
                       else dt.datetime.combine(day, dt.time()))
        if extract is not None and period_start is not None and day < period_start:
            ck.add("crm.extract_date", f"the data were pulled on {day.isoformat()}, before "
                   f"the analysis period starts ({period_start.isoformat()}); expected the "
                   "date of the export, on or after client.period_start")
            extract = None
    order = _date_order(ck, t, "crm")
    skip = _skip_rows(ck, t)
    if leads is None and opps is None:
        return None
    return CrmConfig(format=fmt, leads=leads, opportunities=opps, activities=acts,
                     columns=cols, marketing_sources=tuple(str(s) for s in sources),
                     extract_date=extract, date_order=order, skip_rows_without=skip)


def _skip_rows(ck: "_Checker", t: dict) -> dict[str, tuple[str, ...]]:
    """``[crm] skip_rows_without``: a list of canonical columns (every CRM table that has
    them) or a table ``{ opportunities = ["created_at"] }``."""
    if "skip_rows_without" not in t:
        return {}
    from .schemas import COLUMNS  # pandas: only when the setting is used (issue 18)
    v = t["skip_rows_without"]
    what = ('a list of canonical columns such as ["created_at"], or a table such as '
            '{ opportunities = ["created_at"] }')
    if isinstance(v, list):
        spec = {tab: v for tab in CRM_TABLES}
        strict = False
    elif isinstance(v, dict):
        spec, strict = v, True
    else:
        ck.add("crm.skip_rows_without", f"expected {what}, got {v!r}")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    known = {c for tab in CRM_TABLES for c in COLUMNS[tab]}
    for tab, cols in spec.items():
        if tab not in CRM_TABLES:
            ck.add(f"crm.skip_rows_without.{tab}", f"unknown table {tab!r}; expected one of "
                   f"{', '.join(CRM_TABLES)}")
            continue
        if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
            ck.add(f"crm.skip_rows_without.{tab}", f"expected {what}, got {cols!r}")
            continue
        bad = [c for c in cols if c not in (COLUMNS[tab] if strict else known)]
        if bad:
            ck.add(f"crm.skip_rows_without" + (f".{tab}" if strict else ""),
                   f"{', '.join(map(repr, bad))} is not a canonical "
                   + (f"{tab} " if strict else "CRM ") + "column")
            continue
        mine = tuple(c for c in cols if c in COLUMNS[tab])
        if mine:
            out[tab] = mine
    return out


def _read_incentives(ck: _Checker, t: dict) -> IncentivesConfig | None:
    path = ck.path(t, "incentives", "path", required=True)
    att = ck.typed(t, "incentives", "attainment", (int, float), "a fraction such as 0.85")
    if att is not None and not (math.isfinite(att) and 0 <= att <= 3):
        ck.add("incentives.attainment", f"expected a fraction of goal such as 0.85, got {att!r}")
        att = None
    if path is None:
        return None
    return IncentivesConfig(path=path, attainment=None if att is None else float(att))


def _read_baseline(ck: _Checker, t: dict) -> BaselineConfig | None:
    path = ck.path(t, "baseline", "results", required=True)
    return None if path is None else BaselineConfig(results=path)


def _read_analysis(ck: _Checker, t: dict) -> AnalysisSettings:
    d = AnalysisSettings()
    mgs = ck.typed(t, "analysis", "min_group_size", (int,), "a whole number of at least 3",
                   default=d.min_group_size)
    if mgs < 3:
        ck.add("analysis.min_group_size", f"must be at least 3 for anonymity, got {mgs}")
        mgs = d.min_group_size
    mcg = ck.typed(t, "analysis", "min_comment_group_size", (int,), "a whole number",
                   default=d.min_comment_group_size)
    if mcg < mgs:
        ck.add("analysis.min_comment_group_size", f"must be at least min_group_size ({mgs}), "
               f"got {mcg}")
        mcg = max(d.min_comment_group_size, mgs)
    if mgs > MAX_GROUP_SIZE:
        ck.add("analysis.min_group_size", f"must be at most {MAX_GROUP_SIZE}, got {mgs}")
        mgs = d.min_group_size
    if mcg > MAX_GROUP_SIZE:
        ck.add("analysis.min_comment_group_size", f"must be at most {MAX_GROUP_SIZE}, got {mcg}")
        mcg = d.min_comment_group_size
    sla = ck.typed(t, "analysis", "sla_first_touch_hours", (int, float), "hours, e.g. 24",
                   default=d.sla_first_touch_hours)
    if not math.isfinite(sla) or not 0 < sla <= MAX_SLA_HOURS:
        ck.add("analysis.sla_first_touch_hours", f"expected a number of hours above 0 and at "
               f"most {MAX_SLA_HOURS} (a year), got {sla!r}")
        sla = d.sla_first_touch_hours
    ww = ck.typed(t, "analysis", "well_worked_attempts", (int,), "a whole number, e.g. 6",
                  default=d.well_worked_attempts)
    if not 1 <= ww <= MAX_ATTEMPTS:
        ck.add("analysis.well_worked_attempts", f"must be between 1 and {MAX_ATTEMPTS}, got {ww}")
        ww = d.well_worked_attempts
    return AnalysisSettings(min_group_size=mgs, min_comment_group_size=mcg,
                            sla_first_touch_hours=float(sla), well_worked_attempts=ww)


def load_engagement(folder: str | Path, *, skip: tuple[str, ...] = ()) -> Engagement:
    """Read and validate an engagement folder's ``engagement.toml``.

    Parameters
    ----------
    folder : str or Path
        The engagement folder (or the ``engagement.toml`` file itself).
    skip : tuple of str, optional
        Sections read as absent (``None``), their files not looked for — e.g. the workshop,
        which reads results.json and the plan, skips ``("survey", "crm", "baseline")``.

    Returns
    -------
    Engagement
        Settings with every path resolved inside the folder. Sections absent from the file
        are ``None``.

    Raises
    ------
    ConfigError
        Listing every problem found: the folder or file is missing, the TOML does not parse,
        a key is unknown or has the wrong type, the client id is not a slug, a path is
        absolute, leaves the folder or does not exist.
    """
    engagement, problems = _load(folder, skip)
    if problems:
        raise ConfigError(problems)
    return engagement


def load_engagement_partial(folder: str | Path) -> tuple[Engagement | None, list[Problem]]:
    """Read ``engagement.toml`` as far as it is valid, for ``aligndx validate``.

    Returns
    -------
    engagement : Engagement or None
        The sections and files that are valid (a key with a problem reads as absent);
        ``None`` when the file itself cannot be read or parsed.
    problems : list of Problem
        Every problem of the configuration (as :class:`ConfigError` would list them).

    Raises
    ------
    ConfigError
        Only when the folder or ``engagement.toml`` is missing.
    """
    return _load(folder, ())


def _load(folder: str | Path, skip: tuple[str, ...]) -> tuple[Engagement | None,
                                                              list[Problem]]:
    folder = Path(folder)
    if folder.is_file() and folder.name == ENGAGEMENT_FILE:
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError(Problem(str(folder), "engagement folder not found"))
    toml_path = folder / ENGAGEMENT_FILE
    if not toml_path.is_file():
        if os.path.lexists(toml_path):   # a FIFO, a device, a folder, a dangling link
            raise ConfigError(Problem(str(toml_path), "is not a regular file; expected the "
                                      "engagement's settings as a TOML text file (create "
                                      "one with 'aligndx init')"))
        raise ConfigError(Problem(str(toml_path), f"no {ENGAGEMENT_FILE} in this folder; "
                                  "create one with 'aligndx init'"))
    try:
        doc = tomllib.loads(read_engagement_text(toml_path))
    except OSError as exc:
        return None, [Problem(str(toml_path), f"cannot be read as {ENGAGEMENT_FILE} "
                              f"({exc.strerror or exc})")]
    except UnicodeDecodeError as exc:
        return None, [Problem(str(toml_path), f"not UTF-8 text ({exc.reason})")]
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(str(toml_path), f"not valid TOML: {exc}")]
    except RecursionError:
        return None, [Problem(str(toml_path), "not a usable engagement.toml: its arrays or "
                              f"tables are nested thousands of levels deep (at most "
                              f"{MAX_TOML_DEPTH} are expected)")]

    root = folder.resolve()
    ck = _Checker(root)
    _check_strings(ck, doc)
    for section, value in doc.items():
        if section not in _ALLOWED:
            ck.add(section, f"unknown section [{section}]; expected one of "
                   f"{', '.join('[' + s + ']' for s in _ALLOWED)}")
            continue
        if not isinstance(value, dict):
            ck.add(section, f"[{section}] must be a table")
            continue
        for key in value:
            if key not in _ALLOWED[section]:
                ck.add(f"{section}.{key}", f"unknown key; expected one of "
                       f"{', '.join(sorted(_ALLOWED[section]))}")

    def has(section: str) -> bool:
        return section not in skip and isinstance(doc.get(section), dict)

    client = _read_client(ck, doc)
    survey = _read_survey(ck, doc["survey"]) if has("survey") else None
    crm = _read_crm(ck, doc["crm"], client.period_start) if has("crm") else None
    inc = _read_incentives(ck, doc["incentives"]) if has("incentives") else None
    analysis = _read_analysis(ck, doc.get("analysis") if isinstance(doc.get("analysis"), dict)
                              else {})
    baseline = _read_baseline(ck, doc["baseline"]) if has("baseline") else None
    return Engagement(root=root, client=client, survey=survey, crm=crm, incentives=inc,
                      analysis=analysis, raw=doc, baseline=baseline), ck.problems
