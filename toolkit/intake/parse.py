"""Vectorized parsers that turn text cells into dates, numbers and booleans.

Every parser takes a text Series indexed by spreadsheet row number (as
:func:`toolkit.intake.reader.read_table` returns it), never guesses silently, and returns the
problems it found as :class:`~toolkit.exceptions.Problem` records naming file, row and column.
At most :data:`MAX_ROW_PROBLEMS` rows are listed per column and kind of problem, followed by
one problem that counts the rest, so that a bad million-row column stays readable.

Dates
-----
Formats recognised, per value (a column may mix them; the mix is reported):

* ISO-8601 (``2025-03-14``, ``2025-03-14T09:30:00``, ``2025-03-14 09:30``, with optional
  ``Z`` or ``+02:00`` offset; values with an offset are converted to UTC, and every result is
  tz-naive), also ``2025/03/14``;
* numeric day/month dates (``14/03/2025``, ``3/14/25 9:30 AM``, ``14.03.2025``,
  ``3/14/2025, 9:30 AM``): **day-first or month-first is inferred per column from the
  values** — a first part above 12 proves day-first, a second part above 12 proves
  month-first. A column whose values are all ambiguous (both parts ≤ 12) is an **error**
  unless a ``date_order`` hint is given (``"day-first"`` or ``"month-first"``), which is then
  used with a visible warning. The loader passes as hint the order proven by another date
  column of the same file, so a file is read consistently. A column with values proving both
  orders is an error naming the rows that disagree with the majority;
* Excel serial day numbers (``45730`` or ``45730.375``; 1900 date system, origin
  1899-12-30, accepted between 1960 and 2100);
* dates with month names (``14 Mar 2025``, ``March 14, 2025``) via pandas' mixed parser.

Numbers
-------
Currency strings such as ``USD 1,234.00``, ``$1,234.00``, ``1.234,00 €``, ``1 234,56``,
``CHF 1'234.50``, ``(1,234.00)`` (negative), ``-5``, ``12%`` (0.12). The decimal separator is
inferred per column: a value with both separators, or with a separator not followed by
exactly three digits, proves it; a column with only ambiguous values (``1,234``) is read with
``.`` as decimal separator and ``,`` as grouping, and ``1.234``-style values then raise a
visible warning.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import Problem

MAX_ROW_PROBLEMS = 20

DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)

_ISO_RE = (r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
           r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$")
_YMD_SLASH_RE = (r"^(?P<y>\d{4})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})"
                 r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$")
_DM_RE = (r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"
          r"(?:,?[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?$")
_SERIAL_RE = r"^\d{5}(?:\.\d+)?$"
_MONTH_NAME_RE = (r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b")
_SERIAL_MIN, _SERIAL_MAX = 21916, 73051  # 1960-01-01 .. 2100-01-01
#: Timestamps are stored at nanosecond resolution (1677-09-22 .. 2262-04-11); a date outside
#: this window (``9999-12-31`` as "no end date", ``0001-01-01``) is reported, not stored.
_NS_MIN, _NS_MAX = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")
_FAR_MESSAGE = "implausible date {value}; expected a date between 1970 and 2100"


_ASTR = pd.ArrowDtype(pa.string())


def _text(series: pd.Series) -> pd.Series:
    """Strip cells; empty -> missing; Arrow-backed strings (fast regex), same index."""
    obj = series.astype(object) if not isinstance(series.dtype, pd.StringDtype) else series
    try:
        arr = pa.array(obj.array if obj is series else obj.to_numpy(), type=pa.string(),
                       from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        obj = series.astype(object)
        arr = pa.array(obj.where(obj.isna(), obj.astype(str)).to_numpy(), type=pa.string(),
                       from_pandas=True)
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return pd.Series(pd.arrays.ArrowExtensionArray(arr), index=series.index)


def _pa(t: pd.Series):
    """The Arrow array behind text Series *t*, always ``string``-typed.

    An empty or all-missing Series can convert to Arrow's ``null`` type, for which the
    string kernels (``match_substring_regex``, ``cast``...) have no implementation.
    """
    arr = pa.array(t.array)
    if pa.types.is_null(arr.type):
        arr = arr.cast(pa.string())
    return pa.chunked_array([arr], type=arr.type) if not len(t) else arr


def _match(t: pd.Series, regex: str) -> pd.Series:
    """Regex full/prefix match (RE2 syntax, anchored by the pattern) as a bool Series."""
    m = pc.fill_null(pc.match_substring_regex(_pa(t), regex), False)
    return pd.Series(np.asarray(m.to_numpy(zero_copy_only=False), dtype=bool), index=t.index)


def _extract(t: pd.Series, regex: str) -> pd.DataFrame:
    """Named groups of *regex* as Arrow-string columns (missing where a group is absent)."""
    st = pc.extract_regex(_pa(t), regex)
    names = [st.type.field(i).name for i in range(st.type.num_fields)]
    cols = {}
    for n in names:
        f = pc.struct_field(st, n)
        f = pc.if_else(pc.equal(f, ""), pa.scalar(None, pa.string()), f)
        cols[n] = pd.Series(pd.arrays.ArrowExtensionArray(f), index=t.index)
    return pd.DataFrame(cols, index=t.index)


def _sub(t: pd.Series, regex: str, repl: str) -> pd.Series:
    out = pc.replace_substring_regex(_pa(t), regex, repl)
    return pd.Series(pd.arrays.ArrowExtensionArray(out), index=t.index)


def _num(t: pd.Series) -> pd.Series:
    """Cast validated numeric text to float64 (missing -> NaN)."""
    out = pc.cast(_pa(t), pa.float64())
    return pd.Series(np.asarray(out.to_numpy(zero_copy_only=False), dtype="float64"),
                     index=t.index)


def _to_ns(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Tz-naive timestamps of any resolution as ``datetime64[ns]``.

    Returns the values (NaT where out of the nanosecond range) and the mask of the values
    that were out of range, for a problem per row.
    """
    values = pd.Series(values)
    far = values.notna() & ((values < _NS_MIN) | (values > _NS_MAX))
    if far.any():
        values = values.where(~far)
    return values.astype("datetime64[ns]"), far


def _row(idx) -> int | None:
    try:
        return int(idx)
    except (TypeError, ValueError):
        return None


def row_problems(mask: pd.Series, values: pd.Series, *, file: str, column: str,
                 message: str, limit: int = MAX_ROW_PROBLEMS) -> list[Problem]:
    """One Problem per flagged row (up to *limit*, then one summary Problem).

    Parameters
    ----------
    mask : pandas.Series of bool
        Rows with the problem; its index holds spreadsheet row numbers.
    values : pandas.Series
        The offending cells, shown in the messages (``{value!r}`` in *message*).
    file, column : str
        Where the problem is.
    message : str
        Message template; ``{value}`` is replaced by the cell's repr.
    limit : int
        Rows listed individually.
    """
    bad = mask[mask.fillna(False).astype(bool)].index
    out = [Problem(file, message.format(value=repr(values.loc[i])), row=_row(i), column=column,
                   quoted=(repr(values.loc[i]),))
           for i in bad[:limit]]
    if len(bad) > limit:
        out.append(Problem(file, f"... and {len(bad) - limit} more rows with the same "
                           "problem in this column", column=column))
    return out


# --------------------------------------------------------------------------- dates
def _from_parts(parts: pd.DataFrame, order: str) -> pd.Series:
    a = _num(parts["a"])
    b = _num(parts["b"])
    day, month = (a, b) if order == DAY_FIRST else (b, a)
    year = _num(parts["y"])
    year = year.where(year >= 100, np.where(year < 69, 2000 + year, 1900 + year))
    hour = _num(parts["H"]).fillna(0)
    ampm = parts["p"].astype(object).fillna("").astype(str).str.lower()
    pm, am = ampm.str.startswith("p"), ampm.str.startswith("a")
    bad_clock = (parts["p"].notna() & ((hour > 12) | (hour == 0)))
    hour = hour.where(~(pm & (hour < 12)), hour + 12)
    hour = hour.where(~(am & (hour == 12)), 0)
    frame = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                          "minute": _num(parts["M"]).fillna(0),
                          "second": _num(parts["S"]).fillna(0)})
    out = pd.to_datetime(frame, errors="coerce")
    return out.where(~bad_clock)  # any resolution; the caller converts with _to_ns


def _order_label(order: str, seps: pd.Series, has_time: bool) -> str:
    sep = seps.mode().iloc[0] if len(seps) else "/"
    pattern = (f"DD{sep}MM{sep}YYYY" if order == DAY_FIRST else f"MM{sep}DD{sep}YYYY")
    return f"{order} ({pattern}{' hh:mm' if has_time else ''})"


_PLAIN_ISO = {19: (r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d$", "%Y-%m-%dT%H:%M:%S"),
              10: (r"^\d{4}-\d\d-\d\d$", "%Y-%m-%d")}


def _plain_iso(t: pd.Series) -> np.ndarray | None:
    """Fast path for a column of plain ISO timestamps (what CRMs and the toolkit write).

    When every value of *t* (stripped, non-missing text) is ``YYYY-MM-DDThh:mm:ss`` (or with
    a space), or every value is ``YYYY-MM-DD``, and every value is a valid date and time,
    return the ``datetime64[ns]`` values; otherwise ``None`` and the general parser (which
    reports the rows at fault) takes over. Parsed with Arrow's ``strptime`` (C++, about
    10× faster than ``pandas.to_datetime`` on 10M values); as that rolls impossible dates
    over (30 Feb → 2 Mar), the day, minute and second parsed are checked against the text.
    """
    arr = _pa(t)
    if not len(arr):
        return None
    lengths = pc.utf8_length(arr)
    n = pc.min(lengths).as_py()
    if n != pc.max(lengths).as_py() or n not in _PLAIN_ISO:
        return None
    regex, fmt = _PLAIN_ISO[n]
    if not pc.all(pc.match_substring_regex(arr, regex)).as_py():
        return None
    if n == 19:
        arr = pc.replace_substring(arr, " ", "T")
    try:
        parsed = pc.strptime(arr, format=fmt, unit="s", error_is_null=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if parsed.null_count:
        return None
    # compared as seconds: a Python datetime cannot hold year 0, which strptime accepts
    secs = pc.cast(parsed, pa.int64())
    lo, hi = pc.min(secs).as_py(), pc.max(secs).as_py()
    if lo < _NS_MIN.value // 10**9 + 1 or hi > _NS_MAX.value // 10**9 - 1:
        return None  # the general parser names the rows out of range
    checks = [(8, 10, pc.day)] + ([(14, 16, pc.minute), (17, 19, pc.second)] if n == 19 else [])
    for start, stop, part in checks:
        written = pc.cast(pc.utf8_slice_codeunits(arr, start, stop), pa.int64())
        if not pc.all(pc.equal(written, pc.cast(part(parsed), pa.int64()))).as_py():
            return None
    return np.asarray(parsed.to_numpy(zero_copy_only=False)).astype("datetime64[ns]")


def infer_date_order(series: pd.Series) -> str | None:
    """Return the day/month order proven by a column's numeric dates, or ``None``.

    ``"day-first"`` when some value's first part exceeds 12 and none's second part does,
    ``"month-first"`` in the mirror case, ``None`` when nothing is proven or both are.
    """
    t = _text(series).dropna()
    if not _match(t, r"^\d{1,2}[/.-]").any():  # cheap pre-check; ISO columns stop here
        return None
    dm = t[_match(t, _DM_RE)]
    if dm.empty:
        return None
    d = _match(dm, r"^(?:1[3-9]|[23]\d)[/.-]").any()
    m = _match(dm, r"^\d{1,2}[/.-](?:1[3-9]|[23]\d)[/.-]").any()
    if d and not m:
        return DAY_FIRST
    if m and not d:
        return MONTH_FIRST
    return None


def parse_datetimes(series: pd.Series, *, column: str, file: str,
                    date_order: str | None = None,
                    warnings: list[str] | None = None
                    ) -> tuple[pd.Series, str | None, list[Problem]]:
    """Parse a column of date/time text into tz-naive timestamps.

    Parameters
    ----------
    series : pandas.Series
        Text cells (or already datetime values), indexed by spreadsheet row number.
    column : str
        Column name for problems and warnings.
    file : str
        File name for problems.
    date_order : {"day-first", "month-first"}, optional
        Hint used only when the column's numeric dates are all ambiguous (both parts ≤ 12);
        a warning says so. Without it such a column is a problem.
    warnings : list of str, optional
        Visible, non-blocking remarks are appended here.

    Returns
    -------
    values : pandas.Series
        ``datetime64[ns]``, tz-naive (UTC where the text carried an offset); NaT for empty
        cells and for cells with a problem. Same index as *series*.
    chosen_format : str or None
        E.g. ``"ISO-8601"``, ``"day-first (DD/MM/YYYY)"`` (``", assumed"`` appended when
        the order came from the hint), ``"Excel serial"``, several
        joined by ``" + "`` for a mixed column; ``None`` when the column is empty.
    problems : list of Problem
        Unreadable values, impossible dates, an ambiguous or self-contradicting day/month
        order (file, row, column).
    """
    warnings = warnings if warnings is not None else []
    if pd.api.types.is_datetime64_any_dtype(series):
        s = series
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        return s.astype("datetime64[ns]"), ("native" if s.notna().any() else None), []
    text = _text(series)
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    present = text.notna()
    if not present.any():
        return out, None, []
    t = text[present]
    fast = _plain_iso(t)
    if fast is not None:
        out.loc[t.index] = fast
        return out, "ISO-8601", []
    problems: list[Problem] = []
    formats: list[str] = []
    done = pd.Series(False, index=t.index)
    flagged = pd.Series(False, index=t.index)  # rows already reported
    too_far = pd.Series(False, index=t.index)  # outside the storable range
    order, assumed = None, False

    iso = _match(t, _ISO_RE)
    if iso.any():
        vals = t[iso].str.replace(",", ".", regex=False)
        has_time = _match(vals, r"\d[T ]\d")
        has_off = has_time & _match(vals, r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")
        parsed = pd.to_datetime(vals.astype(object), format="ISO8601", utc=True,
                                errors="coerce")
        vals, far = _to_ns(parsed.dt.tz_convert("UTC").dt.tz_localize(None))
        out.loc[parsed.index] = vals
        too_far |= far.reindex(t.index, fill_value=False)
        if has_off.any() and (has_time & ~has_off).any():
            warnings.append(f"{column}: {int((has_time & ~has_off).sum())} timestamps without a UTC "
                            "offset next to timestamps with one; read as UTC")
        formats.append("ISO-8601" + (" with UTC offset" if has_off.any() else ""))
        done |= iso

    ymd = ~done & _match(t, _YMD_SLASH_RE)
    if ymd.any():
        p = _extract(t[ymd], _YMD_SLASH_RE)
        frame = pd.DataFrame({"year": _num(p["y"]), "month": _num(p["m"]),
                              "day": _num(p["d"]), "hour": _num(p["H"]).fillna(0),
                              "minute": _num(p["M"]).fillna(0),
                              "second": _num(p["S"]).fillna(0)})
        vals, far = _to_ns(pd.to_datetime(frame, errors="coerce"))
        out.loc[p.index] = vals
        too_far |= far.reindex(t.index, fill_value=False)
        formats.append("year-first (YYYY/MM/DD)")
        done |= ymd

    dm = ~done & _match(t, _DM_RE)
    if dm.any():
        parts = _extract(t[dm], _DM_RE)
        a = _num(parts["a"])
        b = _num(parts["b"])
        proves_d, proves_m = a > 12, b > 12
        order = None
        if proves_d.any() and proves_m.any():
            order = DAY_FIRST if proves_d.sum() >= proves_m.sum() else MONTH_FIRST
            against = proves_m if order == DAY_FIRST else proves_d
            flagged.loc[against.index] |= against
            problems += row_problems(against, t, file=file, column=column,
                                     message=f"{{value}} contradicts the {order} order of "
                                     "the other dates in this column")
        elif proves_d.any():
            order = DAY_FIRST
        elif proves_m.any():
            order = MONTH_FIRST
        elif date_order in DATE_ORDERS:
            order = date_order
            assumed = True
            warnings.append(f"{column}: every date is ambiguous (day and month both ≤ 12, "
                            f"e.g. {t[dm].iloc[0]!r}); read as {date_order} as the hint says")
        else:
            example = t[dm].iloc[0]
            problems.append(Problem(
                file, f"cannot tell whether dates such as {example!r} are day-first or "
                "month-first: no value has a day above 12. Set date_order = \"day-first\" "
                "or date_order = \"month-first\" under [crm] (CRM files) or [survey] (the "
                "survey file) in engagement.toml, or export ISO dates (2025-03-14)",
                column=column, quoted=(repr(example),)))
        if order is not None:
            vals, far = _to_ns(_from_parts(parts, order))
            out.loc[vals.index] = vals
            too_far |= far.reindex(t.index, fill_value=False)
            formats.append(_order_label(order, parts["sep"], parts["H"].notna().any())
                           + (", assumed" if assumed else ""))
        done |= dm

    serial = ~done & _match(t, _SERIAL_RE)
    if serial.any():
        num = _num(t[serial])
        ok = num.between(_SERIAL_MIN, _SERIAL_MAX)
        vals = pd.to_datetime(num[ok], unit="D", origin="1899-12-30").dt.round("s")
        out.loc[vals.index] = vals
        problems += row_problems(~ok, t[serial], file=file, column=column,
                                 message="{value} is a number outside the range of Excel "
                                 "dates for 1960..2100")
        formats.append("Excel serial")
        done |= serial

    named = ~done & _match(t, _MONTH_NAME_RE)
    if named.any():
        vals = pd.to_datetime(t[named], format="mixed", errors="coerce", utc=True)
        vals, far = _to_ns(vals.dt.tz_convert("UTC").dt.tz_localize(None))
        out.loc[vals.index] = vals
        too_far |= far.reindex(t.index, fill_value=False)
        formats.append("month name (e.g. 14 Mar 2025)")
        done |= named

    unreadable = ~done
    problems += row_problems(unreadable, t, file=file, column=column,
                             message="cannot read {value} as a date; expected ISO-8601 "
                             "such as 2025-03-14 or 2025-03-14T09:30:00")
    problems += row_problems(too_far, t, file=file, column=column, message=_FAR_MESSAGE)
    impossible = done & out.loc[t.index].isna() & ~flagged & ~too_far
    if dm.any() and order is None:
        impossible &= ~dm
    problems += row_problems(impossible, t, file=file, column=column,
                             message="{value} is not a valid date")
    if len(formats) > 1:
        warnings.append(f"{column}: mixed date formats ({' + '.join(formats)})")
    return out, (" + ".join(formats) if formats else None), problems


# --------------------------------------------------------------------------- numbers
_CURRENCY_RE = r"(?i)(?:^(?:US\$|[A-Z]{3}\.?)\s*|\s*[A-Z]{3}\.?$|[$€£¥₹])"
_DISTINCT_MIN_ROWS = 20_000
_GROUP_COMMA = r"^\d{1,3}(?:,\d{3})+$"
_GROUP_DOT = r"^\d{1,3}(?:\.\d{3})+$"


#: Problem for a value that is a number but not a finite one once converted to float64:
#: ``1e309`` or a 400-digit integer overflow to infinity, a Parquet or spreadsheet float
#: may hold infinity itself. No measure can compute with it (sums and shares turn into
#: NaN), so it is refused like any unreadable cell (attack 5, V1).
_NOT_FINITE = ("{value} is not a finite number (beyond the largest number a computer "
               "holds, about 1.8e308); expected a plain number such as 1234.56")


def parse_numbers(series: pd.Series, *, column: str, file: str,
                  warnings: list[str] | None = None) -> tuple[pd.Series, list[Problem]]:
    """Parse numbers and currency strings into finite floats.

    Parameters
    ----------
    series : pandas.Series
        Text cells (or numbers), indexed by spreadsheet row number.
    column, file : str
        Where the values come from (for problems).
    warnings : list of str, optional
        Visible remarks are appended here (ambiguous grouping).

    Returns
    -------
    values : pandas.Series of float64
        NaN for empty cells and cells with a problem.
    problems : list of Problem
        Cells that are not numbers, whose decimal separator contradicts the column's, or
        whose value is not finite once converted (``1e309``, ``inf`` in a numeric cell):
        every value returned is finite or NaN. The plausible range of each canonical
        column is checked afterwards, by :func:`toolkit.schemas.check_table`.

    Examples
    --------
    ``"USD 1,234.00"`` → 1234.0; ``"1.234,00 €"`` → 1234.0; ``"1 234,56"`` → 1234.56;
    ``"(1,234.00)"`` → -1234.0; ``"12%"`` → 0.12.
    """
    warnings = warnings if warnings is not None else []
    vals, problems = _parse_numbers(series, column=column, file=file, warnings=warnings)
    # one check after conversion, whichever way the value came (text, numeric cell, cast)
    arr = vals.to_numpy(dtype="float64")
    inf = np.isinf(arr)
    if inf.any():
        mask = pd.Series(inf, index=vals.index)
        problems = problems + row_problems(mask, series, file=file, column=column,
                                           message=_NOT_FINITE)
        vals = vals.where(~mask)
    return vals, problems


def _parse_numbers(series: pd.Series, *, column: str, file: str,
                   warnings: list[str]) -> tuple[pd.Series, list[Problem]]:
    """:func:`parse_numbers` before the finiteness check (values may be infinite)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64"), []
    if len(series) > _DISTINCT_MIN_ROWS:
        # Scores and amounts repeat: parse each distinct text once. Exact when no value has
        # a problem (warnings name the first value in row order either way); otherwise the
        # full pass below names every row at fault.
        codes, uniques = pd.factorize(series)
        if len(uniques) <= len(series) // 4:
            local: list[str] = []
            vals, probs = parse_numbers(pd.Series(uniques, dtype=series.dtype), column=column,
                                        file=file, warnings=local)
            if not probs:
                warnings += local
                lut = np.append(vals.to_numpy(dtype="float64"), np.nan)
                return pd.Series(lut[codes], index=series.index, dtype="float64"), []
    text = _text(series)
    out = pd.Series(np.nan, index=series.index, dtype="float64")
    present = text.notna()
    if not present.any():
        return out, []
    plain = _plain_numbers(text)
    if plain is not None:  # every value a plain number: one cast, same values
        return plain, []
    raw = text[present]
    t = _sub(raw, _CURRENCY_RE, "")
    t = _sub(t, "[\\s\u00a0\u202f']", "")
    paren = _match(t, r"^\(.*\)$")
    t = t.where(~paren, t.str.slice(1, -1))
    pct = t.str.endswith("%")
    t = t.where(~pct, t.str.slice(0, -1))
    neg = paren | t.str.startswith("-") | t.str.endswith("-")
    t = _sub(t, r"^[+-]+|[+-]+$", "")
    sci = _match(t, r"^\d+(?:\.\d+)?[eE][+-]?\d+$")
    shape_ok = _match(t, r"^[\d.,]*\d[\d.,]*$") | sci
    has_dot, has_comma = t.str.contains(".", regex=False), t.str.contains(",", regex=False)
    both = has_dot & has_comma
    last_comma = _match(t, r",[^.]*$")
    proves_comma = shape_ok & ~sci & ((both & last_comma) |
                                      (has_comma & ~has_dot & ~_match(t, _GROUP_COMMA)))
    proves_dot = shape_ok & ~sci & ((both & ~last_comma) |
                                    (has_dot & ~has_comma & ~_match(t, _GROUP_DOT)))
    problems: list[Problem] = []
    flagged = pd.Series(False, index=t.index)
    if proves_comma.any() and proves_dot.any():
        comma_dec = proves_comma.sum() > proves_dot.sum()
        against = proves_dot if comma_dec else proves_comma
        sep = "," if comma_dec else "."
        problems += row_problems(against, raw, file=file, column=column,
                                 message=f"{{value}} uses a different decimal separator than "
                                 f"the other numbers in this column ('{sep}')")
        shape_ok &= ~against
        flagged = against
    else:
        comma_dec = bool(proves_comma.any())
        if not comma_dec:
            amb = shape_ok & _match(t, _GROUP_DOT)
            if amb.any():
                # the row, not the value: a shifted column may hold a location (IF1)
                warnings.append(f"{column}: values such as the one in row "
                                f"{raw.index[amb.to_numpy()][0]} of the export read with '.' "
                                "as decimal separator; no value in the column shows which "
                                "separator is meant")
    if comma_dec:
        num_text = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        num_text = t.str.replace(",", "", regex=False)
    valid = shape_ok & (_match(num_text, r"^\d+(?:\.\d+)?$") | sci)
    vals = _num(num_text.where(valid))
    vals = vals.where(~neg, -vals)
    vals = vals.where(~pct, vals / 100)
    out.loc[vals.index] = vals.astype("float64")
    problems += row_problems(~valid & ~flagged, raw, file=file,
                             column=column, message="cannot read {value} as a number")
    return out, problems


#: Plain decimal numbers, read identically by the general parser: no grouping, no currency,
#: no ``1.234`` (which the general parser reads with a warning about the separator).
_PLAIN_NUMBER = r"^-?\d+(?:\.(?:\d{1,2}|\d{4,}))?$"


def _plain_numbers(text: pd.Series) -> pd.Series | None:
    """Float values of stripped text *text* when all its values are plain numbers."""
    arr = _pa(text)
    ok = pc.match_substring_regex(arr, _PLAIN_NUMBER)
    if not pc.all(ok).as_py() or ok.null_count == len(ok):
        return None
    out = pc.cast(arr, pa.float64())
    return pd.Series(np.asarray(out.to_numpy(zero_copy_only=False), dtype="float64"),
                     index=text.index)


def parse_ints(series: pd.Series, *, column: str, file: str,
               warnings: list[str] | None = None) -> tuple[pd.Series, list[Problem]]:
    """Parse whole numbers (``"5"``, ``"5.0"``, ``"1,200"``) into float64 (NaN = empty).

    Returns
    -------
    values : pandas.Series of float64
        Whole numbers; NaN for empty cells and cells with a problem.
    problems : list of Problem
        Cells that are not numbers or not whole.
    """
    vals, problems = parse_numbers(series, column=column, file=file, warnings=warnings)
    frac = vals.notna() & (vals != np.floor(vals))
    if frac.any():
        problems += row_problems(frac, _text(series), file=file, column=column,
                                 message="{value} is not a whole number")
    return vals.where(~frac), problems


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def parse_bools(series: pd.Series, *, column: str, file: str
                ) -> tuple[pd.Series, list[Problem]]:
    """Parse true/false, yes/no, y/n, 1/0 (any case) into a nullable boolean Series.

    Words that only look boolean in context (``won``/``lost``, ``open``/``closed``) are
    problems: map such columns explicitly in the importer.

    Returns
    -------
    values : pandas.Series of ``boolean`` dtype
        ``<NA>`` for empty cells and cells with a problem.
    problems : list of Problem
    """
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean"), []
    text = _text(series)
    low = text.str.lower()
    is_t, is_f = low.isin(_TRUE), low.isin(_FALSE)
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[is_t.to_numpy()] = True
    out[is_f.to_numpy()] = False
    bad = text.notna() & ~is_t & ~is_f
    problems = row_problems(bad, text, file=file, column=column,
                            message="cannot read {value} as true/false; expected true/false, "
                            "yes/no or 1/0")
    return out, problems
