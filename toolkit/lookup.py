"""Reading values out of the nested results dict (SPEC §6) without ``KeyError``s."""

from __future__ import annotations

from typing import Any


def dig(d: Any, *keys: str) -> Any:
    """Return ``d[k1][k2]...``, or ``None`` as soon as a level is missing or not a dict."""
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def get(results: dict, key: str) -> Any:
    """Return the value at dotted *key* (``"survey.scales.FAIR.alpha"``) in *results*, or
    ``None`` when absent."""
    return dig(results, *key.split("."))
