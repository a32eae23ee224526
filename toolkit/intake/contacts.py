"""People named in a CRM export's contact columns, kept for redaction only (SPEC §8).

A lead or contact export carries the person's name and e-mail (HubSpot ``First Name`` /
``Last Name`` / ``Email``, Salesforce ``First Name`` / ``Last Name`` / ``Full Name``,
Pipedrive ``Person - Name`` / ``Person - Email``, Dynamics ``Lead Name``). The toolkit does not
map these columns, but a free-text rejection reason may name that person ("Hans Tanaka said
no budget this year"), so their names must be known to the redactor. Only names that could
occur in the file's free text are kept: a name none of whose words appears in any distinct
reason cannot be in one, and a million-contact export then adds no cost to redaction.
"""

from __future__ import annotations

import pandas as pd

from ..privacy import _tokens, fold
from .crmbuild import norm_key

_FIRST = {"firstname", "givenname", "contactfirstname", "leadfirstname", "personfirstname"}
_LAST = {"lastname", "surname", "familyname", "contactlastname", "leadlastname",
         "personlastname"}
_WHOLE = {"name", "fullname", "contact", "contactname", "person", "personname", "leadname",
          "contactfullname", "email", "emailaddress", "contactemail", "personemail",
          "workemail", "primaryemail", "leademail", "contactinformation"}


def _words(value: str) -> set[str]:
    return {fold(w) for w in _tokens().findall(value.split("@", 1)[0])}


def contact_names(df: pd.DataFrame, columns, free_text: pd.Series | None) -> list[str]:
    """Names from the export's contact columns that could occur in *free_text*.

    Parameters
    ----------
    df : DataFrame
        The export's text cells (original column names).
    columns : iterable of str
        Columns of *df* the importer left unmatched (only these are looked at).
    free_text : Series or None
        The table's free-text column (e.g. rejection reasons); None or empty: no names.

    Returns
    -------
    list of str
        Distinct full names (first + last joined per row) and whole-name / e-mail values
        sharing a word with some free-text value; never written to any output.
    """
    if free_text is None:
        return []
    texts = pd.Series(free_text).dropna().astype(str).unique()
    if not len(texts):
        return []
    words: set[str] = set()
    for t in texts:
        words |= _words(t)
    kinds: dict[str, list[str]] = {"first": [], "last": [], "whole": []}
    for c in columns:
        if c not in df.columns:
            continue
        k = norm_key(c)
        kind = "first" if k in _FIRST else "last" if k in _LAST else \
            "whole" if k in _WHOLE else None
        if kind:
            kinds[kind].append(c)

    def hits(col: str) -> pd.Series:
        s = df[col].astype("string").str.strip()
        vals = s.dropna().unique()
        keep = {v for v in vals if v and _words(v) & words}
        return s.isin(keep).fillna(False)

    names: set[str] = set()
    for c in kinds["whole"]:
        s = df[c].astype("string").str.strip()
        names.update(s[hits(c)].dropna().unique())
    for f, l in zip(kinds["first"], kinds["last"]):
        rows = hits(f) | hits(l)
        full = (df.loc[rows, f].astype("string").fillna("").str.strip() + " "
                + df.loc[rows, l].astype("string").fillna("").str.strip()).str.strip()
        names.update(v for v in full.unique() if v)
    for c in kinds["first"][len(kinds["last"]):] + kinds["last"][len(kinds["first"]):]:
        s = df[c].astype("string").str.strip()
        names.update(s[hits(c)].dropna().unique())
    return sorted(str(n) for n in names)
