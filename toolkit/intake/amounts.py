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

from functools import lru_cache
from typing import Iterable

import pandas as pd

from ..exceptions import Problem
from .base import FileIntake, rows_note
from .crmbuild import norm_key
from .reader import first_copy

#: Currencies a several-currencies problem lists (the rest are counted).
MAX_CURRENCIES_LISTED = 5
#: Currency symbols an amount cell may carry (the number reader strips them:
#: :mod:`toolkit.intake.parse`), as the code they most often stand for; "$" beside "€" is two
#: currencies whichever dollar it is (attack 37, MA1).
SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}


@lru_cache(maxsize=1)
def iso_codes() -> frozenset[str]:
    """The ISO 4217 currency codes (Babel's list, current and historical): three letters
    that are not one of them are no currency — a name ("Ida", "Ben") or the start of an
    e-mail address in an amount cell is never read, and never quoted, as one (attack 39,
    CQ1)."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def _codes(cells: pd.Series) -> pd.Series:
    """Currency cells as compared: stripped; an ISO 4217 code in upper case ("usd" is USD),
    a symbol as its code; anything else as written (attack 37, CR1)."""
    s = cells.dropna().astype(str).str.strip()
    s = s[s != ""]
    up = s.str.upper()
    symbol = up.map(SYMBOLS)
    return s.where(~up.isin(iso_codes()), up).where(symbol.isna(), symbol)


def _listed(codes) -> tuple[list[str], str]:
    """The first :data:`MAX_CURRENCIES_LISTED` of *codes* (sorted) and their text for a
    message, the rest counted ("EUR, JPY and 3 more")."""
    shown = sorted(codes)[:MAX_CURRENCIES_LISTED]
    more = len(codes) - len(shown)
    return shown, ", ".join(shown) + (f" and {more} more" if more else "")


def _with_amount(amounts: pd.Series) -> pd.Series:
    """Rows whose amount cell is filled (currencies are compared on those only; attack 37,
    CR1)."""
    return amounts.notna() & (amounts.astype(str).str.strip() != "")


def amount_currencies(amounts: pd.Series) -> list[str]:
    """The currencies written inside amount cells, as the number reader strips them: a code
    before or after the number in any case, with or without a space ("USD 15,500",
    "15500eur"), or a symbol ("€15500", "US$ 900"); sorted codes, symbols as their codes.
    An amount column that names several adds up several currencies (attack 37, MA1)."""
    s = amounts.dropna().astype(str).str.strip()
    parts = [s.str.extract(r"(?i)^(US\$|[a-z]{3})\.?\s*[-+(]?\d", expand=False),
             s.str.extract(r"(?i)\d\)?\s*([a-z]{3})\.?$", expand=False),
             s.str.extract(r"([$€£¥₹])", expand=False)]
    iso = iso_codes()
    return sorted({c for c in _codes(pd.concat(parts)).tolist() if c in iso})


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
        if conv_cur is not None:   # of the deals with an amount
            codes = _codes(df.loc[_with_amount(df["amount"]), conv_cur]).unique()
            if len(codes) > 1:
                shown, listed = _listed(codes)
                problems.append(Problem(file, f"converted amounts are in several currencies "
                                        f"({listed}); export the report in one corporate "
                                        "currency",
                                        column=conv_cur,
                                        quoted=tuple(shown)))   # cells: withheld in kept files
            elif len(codes) == 1:
                _one_currency(intake, codes[0])
                intake.warnings.append(f"amount: converted amounts used (in "
                                       f"{currency_named(codes[0], df[conv_cur])}); the "
                                       "original-currency amounts are ignored")
        else:
            intake.warnings.append(f"amount: {converted_label!r} used (corporate currency)")
        return df, problems
    if cur is not None:
        cells = df[cur]
        if amount is not None:   # of the deals with an amount
            cells = cells[_with_amount(df[amount])]
        named = _codes(cells)
        codes = named.unique()
        if len(codes) > 1:
            counts = named.value_counts()
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
            _one_currency(intake, codes[0])
            intake.warnings.append(f"amount: all amounts in {currency_named(codes[0], df[cur])}")
        # the amount cells may name currencies too, where the currency column is blank or
        # says another (attack 38, CB1: "€ 15500.00" beside "USD" rows was summed as USD)
        inside = amount_currencies(df[amount]) if amount is not None and len(codes) <= 1 \
            else []
        other = sorted(set(inside) - set(codes))
        if codes.size and other or len(inside) > 1:
            every = sorted(set(inside) | set(codes))
            problems.append(Problem(file, "amounts are in several currencies ("
                                    + ", ".join(every[:MAX_CURRENCIES_LISTED])
                                    + "): the amount cells name "
                                    + ", ".join(inside[:MAX_CURRENCIES_LISTED])
                                    + (f" and the currency column {codes[0]}" if codes.size
                                       else "") + "; export one currency per file",
                                    column=amount, quoted=tuple(every)))
        elif inside and not codes.size and _one_currency(intake, inside[0]):
            intake.warnings.append(f"amount: all amounts in {inside[0]}")
    if amount is not None and cur is None:
        found = amount_currencies(df[amount])
        if len(found) == 1 and _one_currency(intake, found[0]):
            intake.warnings.append(f"amount: all amounts in {found[0]}")
        if len(found) > 1:
            shown, listed = _listed(found)
            problems.append(Problem(file, f"amounts carry several currency codes ({listed}); "
                                    "export a converted amount in one currency",
                                    column=amount, quoted=tuple(shown)))
    return df, problems


def _one_currency(intake: FileIntake, code: str) -> bool:
    """Record *code* as the amounts' currency when it is an ISO 4217 code."""
    if code in iso_codes():
        intake.amount_currency = code
        return True
    return False


def currency_problems(intakes, currency: str) -> list[Problem]:
    """Problems for CRM files whose amounts are in another currency than ``[client]
    currency``: the report would label them with the client's (attack 37, CM1: EUR sums
    shown as "USD 3.0 million won").

    Parameters
    ----------
    intakes : iterable of FileIntake
        The engagement's intake records (:attr:`FileIntake.amount_currency` set by
        :func:`choose_amount`).
    currency : str
        ``[client] currency`` of engagement.toml.
    """
    return [Problem(rec.path, f"the amounts are in {rec.amount_currency} but [client] currency "
                              f"is {currency}, which the report would label them with; set "
                              f"currency = \"{rec.amount_currency}\" in engagement.toml (or "
                              f"export the amounts in {currency})")
            for rec in intakes
            if rec.amount_currency and rec.amount_currency != str(currency).strip().upper()]


def currency_named(code: str, column: pd.Series) -> str:
    """A currency cell as a warning may name it: an ISO 4217-shaped code (``USD``) as it is;
    anything else — a shifted column puts a name, an id or an address there (attack 24, CU1)
    — by the row it is in, never by its value."""
    if code in iso_codes():
        return code
    named = _codes(column)
    rows = named.index[(named == code).to_numpy()]
    return f"a value that is not a currency code ({rows_note(rows)} of the export)"

