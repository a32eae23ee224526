"""Reading the judgement a ``results.json`` carries: thresholds, weights, findings.

The renderers never look up today's thresholds or recompute findings: what the analysis used
is in ``results["method"]`` and ``results["findings"]`` (SPEC §6), so an old
``results.json`` re-renders as it was judged.
"""

from __future__ import annotations

from ..exceptions import ReportError


def method(results: dict) -> dict:
    """``results["method"]``, or ``{}`` when absent."""
    m = results.get("method")
    return m if isinstance(m, dict) else {}


def threshold(results: dict, name: str) -> float:
    """The value of threshold *name* the results were judged with.

    Raises
    ------
    toolkit.exceptions.ReportError
        When the results do not record it (a renderer asking for a threshold the analysis
        did not use is a bug, not a reason to fall back on today's value).
    """
    for row in method(results).get("thresholds") or []:
        if row.get("name") == name:
            return row["value"]
    raise ReportError(f"results.json does not record the threshold {name!r}; "
                      "re-render it with 'aligndx render' (which upgrades older files)")


def findings(results: dict, *, headline: bool | None = None) -> list[dict]:
    """The stored findings, most severe first; only the headline ones with ``headline=True``."""
    found = [f for f in results.get("findings") or [] if isinstance(f, dict)]
    if headline is None:
        return found
    return [f for f in found if bool(f.get("headline")) == headline]
