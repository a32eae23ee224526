"""Text normalisation shared by question matching (:mod:`toolkit.intake.matching`) and answer
mapping (:mod:`toolkit.intake.answers`); it imports neither, so neither imports the other."""

from __future__ import annotations

import re
import unicodedata

import numpy as np


def normalize_text(text: object) -> str:
    """Return *text* normalised for comparison.

    NFKD without combining accents, lower case, HTML tags, punctuation and non-breaking
    spaces removed, whitespace collapsed. ``None``/NaN give ``""``.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"<[^>]+>", " ", s).lower()
    s = s.replace("\u2019", "'").replace("\u2018", "'")
    s = re.sub(r"[^\w\s']", " ", s)
    s = s.replace("'", "")
    return re.sub(r"\s+", " ", s).strip()
