"""Which amount column of a CRM opportunity export to read, and in which currency.

A multi-currency CRM exports each deal's amount in the deal's own currency (Salesforce
``Amount``, HubSpot ``Amount``) and, where the report asks for it, converted into the
company's one currency (Salesforce ``Amount (Converted)``, HubSpot ``Amount in company
currency``). Summing amounts of several currencies gives figures that are not money (yen
added to dollars), so :func:`choose_amount` reads the converted amount when the export has
it, and otherwise refuses amounts whose currency column names several currencies (attack 36,
HC1: a HubSpot deals export summed JPY and USD without a word). Every column it reads must be
in the export once (CV1, CC1: a second copy of a currency column was never looked at).
"""

from __future__ import annotations

import re
from typing import Iterable

import pandas as pd

from ..exceptions import Problem
from .base import FileIntake, rows_note
from .crmbuild import norm_key
from .reader import first_copy

#: Currencies a several-currencies problem lists (the rest are counted).
MAX_CURRENCIES_LISTED = 5


def choose_amount(t_raw: pd.DataFrame, intake: FileIntake, file: str, *,
                  converted: tuple[str, ...], converted_currency: tuple[str, ...],
                  currency: tuple[str, ...], converted_label: str | None,
                  original: tuple[str, ...] = ("amount",),
                  duplicates: Iterable[str] = ()) -> tuple[pd.DataFrame, list[Problem]]:
    """Choose the amount column of an opportunity export, checking its currency.

    Parameters
    ----------
    t_raw : DataFrame
        The export's text cells (index = spreadsheet row), columns as the reader named them.
    intake : FileIntake
        Warnings and unmatched columns are recorded here.
    file : str
        Display path for problems.
    converted, converted_currency, currency : tuple of str
        Normalised keys (:func:`toolkit.intake.crmbuild.norm_key`) of the converted amount,
        its currency, and the deal currency of the original amount, in order of preference.
    converted_label : str or None
        The converted amount's header as the platform names it, for messages (``None``:
        the platform exports none).
    original : tuple of str
        Normalised keys of the amount in the deal's own currency.
    duplicates : iterable of str
        Headers written more than once in the export (:attr:`RawTable.duplicate_columns`).

    Returns
    -------
    (DataFrame, list of Problem)
        The cells with the converted amount renamed ``amount`` (the original amount left out)
        when there is one; problems for amounts in several currencies and for a column this
        function reads that is written twice. Cells quoted by a problem are recorded in its
        ``quoted`` (withheld in kept files).
    """
    problems: list[Problem] = []
    keys = {norm_key(c): c for c in t_raw.columns}

    def pick(options: tuple[str, ...]) -> str | None:
        return next((keys[k] for k in options if k in keys), None)

    conv, conv_cur, cur = pick(converted), pick(converted_currency), pick(currency)
    copied = {first_copy(d) for d in duplicates}
    for col in (conv, conv_cur, cur):
        if col is not None and col in copied:
            problems.append(Problem(file, "column name appears more than once (it decides "
                                    "which amounts and currency are read); keep one",
                                    column=col))
    df = t_raw
    amount = pick(original)
    if conv is not None:
        if amount is not None:
            df = df.drop(columns=[amount])
            intake.columns_unmatched.append(amount)
        df = df.rename(columns={conv: "amount"})
        if conv_cur is not None:
            codes = df[conv_cur].dropna().astype(str).str.strip().unique()
            if len(codes) > 1:
                shown = sorted(codes)[:MAX_CURRENCIES_LISTED]
                more = len(codes) - len(shown)
                problems.append(Problem(file, f"converted amounts are in several currencies "
                                        f"({', '.join(shown)}{f' and {more} more' if more else ''})"
                                        "; export the report in one corporate currency",
                                        column=conv_cur,
                                        quoted=tuple(shown)))   # cells: withheld in kept files
            elif len(codes) == 1:
                intake.warnings.append(f"amount: converted amounts used (in "
                                       f"{currency_named(codes[0], df[conv_cur])}); the "
                                       "original-currency amounts are ignored")
        else:
            intake.warnings.append(f"amount: {converted_label!r} used (corporate currency)")
        return df, problems
    if cur is not None:
        codes = df[cur].dropna().astype(str).str.strip().unique()
        if len(codes) > 1:
            counts = df[cur].value_counts()
            shown = counts.head(MAX_CURRENCIES_LISTED)
            more = len(counts) - len(shown)
            problems.append(Problem(file, "amounts are in several currencies ("
                                    + ", ".join(f"{k} {v}" for k, v in shown.items())
                                    + (f" and {more} more" if more else "")
                                    + (f"); add {converted_label!r} to the export so that one "
                                       "currency is used, or export one currency per file"
                                       if converted_label else
                                       "); export one currency per file"),
                                    column=cur, quoted=tuple(map(str, shown.index))))
        elif len(codes) == 1:
            intake.warnings.append(f"amount: all amounts in {currency_named(codes[0], df[cur])}")
    if amount is not None and cur is None:
        found = df[amount].dropna().astype(str).str.extract(
            r"^\s*([A-Z]{3})\s|\s([A-Z]{3})\s*$").stack().unique()
        if len(found) > 1:
            shown = sorted(found)[:MAX_CURRENCIES_LISTED]
            more = len(found) - len(shown)
            problems.append(Problem(file, f"amounts carry several currency codes "
                                    f"({', '.join(shown)}{f' and {more} more' if more else ''})"
                                    "; export a converted amount in one currency",
                                    column=amount, quoted=tuple(shown)))
    return df, problems


def currency_named(code: str, column: pd.Series) -> str:
    """A currency cell as a warning may name it: an ISO 4217-shaped code (``USD``) as it is;
    anything else — a shifted column puts a name, an id or an address there (attack 24, CU1)
    — by the row it is in, never by its value."""
    if re.fullmatch(r"[A-Z]{3}", code):
        return code
    rows = column.index[(column.astype(str).str.strip() == code).to_numpy()]
    return f"a value that is not a currency code ({rows_note(rows)} of the export)"
