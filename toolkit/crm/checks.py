"""Checks of the CRM tables against the engagement's settings, run at intake (``aligndx
validate`` and every report): settings that silently empty or skew the CRM evidence.

* the analysis period matches none of the leads (e.g. 2016 data, a 2025 period);
* a configured marketing source matches no lead's source (after the normalisation of
  :mod:`toolkit.crm.definitions`) — a whole channel would silently leave marketing;
* opportunities with no source of their own and no linked lead with one — marketing's
  share of their revenue is unknown, not 0.
"""

from __future__ import annotations

import pandas as pd

from .definitions import opportunity_source, source_code, unmatched_marketing_sources


def _period(engagement) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    c = engagement.client
    start = getattr(c, "period_start", None)
    end = getattr(c, "period_end", None)
    return (None if start is None else pd.Timestamp(start),
            None if end is None else pd.Timestamp(end))


def _rel(engagement, path) -> str:
    try:
        return engagement.relative(path)
    except Exception:  # pragma: no cover - defensive
        return str(path)


def crm_intake_warnings(engagement, data) -> list[str]:
    """Warnings about the CRM tables read for *engagement*.

    Parameters
    ----------
    engagement : toolkit.config.Engagement
    data : toolkit.intake.EngagementData
        Tables as read (``leads``, ``opportunities`` may be ``None``).

    Returns
    -------
    list of str
        Plain sentences naming the file and the setting to check.
    """
    from .derive import in_period
    out: list[str] = []
    crm = engagement.crm
    leads, opps = getattr(data, "leads", None), getattr(data, "opportunities", None)
    start, end = _period(engagement)
    period = (f"{start.date() if start is not None else 'the start'} to "
              f"{end.date() if end is not None else 'the end'}")
    if leads is not None and len(leads) and "created_at" in leads.columns:
        if not in_period(leads["created_at"], start, end).any():
            created = pd.to_datetime(leads["created_at"], errors="coerce").dropna()
            span = (f" (their creation dates run from {created.min().date()} to "
                    f"{created.max().date()})" if len(created) else "")
            out.append(f"{_rel(engagement, crm.leads)}: none of the {len(leads):,} leads was "
                       f"created in the analysis period {period}{span}: the CRM evidence will "
                       "be empty — check [client] period_start and period_end.")
    if opps is not None and len(opps) and "created_at" in opps.columns \
            and (start is not None or end is not None):
        created = pd.to_datetime(opps["created_at"], errors="coerce")
        if not in_period(created, start, end).any():
            out.append(f"{_rel(engagement, crm.opportunities)}: none of the {len(opps):,} "
                       f"opportunities was created in the analysis period {period}: win rates "
                       "and revenue will be empty — check [client] period_start and "
                       "period_end.")
    msrc = tuple(crm.marketing_sources or ())
    if leads is not None and len(leads) and msrc:
        if "source" not in leads.columns:
            out.append(f"{_rel(engagement, crm.leads)}: no lead source column, so no lead can "
                       "be told to be marketing-sourced ([crm] marketing_sources cannot "
                       "match).")
        else:
            codes = source_code(leads["source"])
            missing = unmatched_marketing_sources(codes, msrc)
            if missing:
                found = sorted(codes.dropna().unique())
                shown = ", ".join(found[:12]) + (" …" if len(found) > 12 else "")
                out.append(f"[crm] marketing_sources: {', '.join(map(repr, missing))} "
                           f"match{'es' if len(missing) == 1 else ''} no lead source in "
                           f"{_rel(engagement, crm.leads)} (sources found: {shown or 'none'})"
                           " — check the spelling, or that channel counts as not marketing.")
    if opps is not None and len(opps):
        src = opportunity_source(opps, leads)
        n = int(src.isna().sum())
        if n:
            whole = n == len(opps)
            out.append(f"{_rel(engagement, crm.opportunities)}: "
                       + ("no opportunity has" if whole else f"{n:,} of {len(opps):,} "
                          "opportunities have")
                       + " a source (none of their own and no linked lead with one): "
                       "marketing's share of "
                       + ("pipeline and won revenue is not in the export" if whole else
                          "their revenue is unknown and they are left out of it, not counted "
                          "as 'not marketing'") + ".")
    return out
