"""From a loaded engagement to the results dict of SPEC §6.

:func:`analyse` runs every measure on the canonical tables and assembles ``results.json``:
sections that cannot be assessed are ``None`` with the reason in ``data.warnings``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from . import __version__
from . import method
from .config import load_engagement
from .jsonio import RESULTS_SCHEMA, jsonable  # noqa: F401  (jsonable re-exported)

SECTIONS = ("survey", "crm", "incentives", "verdict", "scores", "findings",
            "recommendations")


def _run(name: str, func: Callable[[], dict | list | None], warnings: list[str],
         errors: dict[str, str]) -> Any:
    """Run one measure; an unexpected failure is recorded, not hidden, and the section is
    null."""
    try:
        return func()
    except Exception as exc:  # a measure bug must not take the whole report down silently
        errors[name] = f"{type(exc).__name__}: {exc}"
        warnings.append(f"{name}: could not be computed ({type(exc).__name__}: {exc})")
        return None


def analyse(data, *, progress: Callable[[str], None] | None = None,
            strict: bool = False) -> dict:
    """Compute every measure and assemble the results dict (SPEC §6).

    Parameters
    ----------
    data : toolkit.intake.EngagementData
        Loaded, validated canonical tables of one engagement.
    progress : callable, optional
        Called with a short label before each step (for progress display).
    strict : bool
        Re-raise unexpected errors inside measures instead of recording them (tests).

    Returns
    -------
    dict
        JSON-safe results with the top-level keys of SPEC §6, plus ``schema`` (layout
        version), ``findings`` (:func:`toolkit.findings.record`: code, step, pillar,
        severity, level, text, evidence keys and the figures quoted) and ``method``
        (:func:`toolkit.method.record`: every threshold, weight, cut point and reference
        used), so the file alone re-renders the report as it was judged. With
        ``[baseline]`` in ``engagement.toml`` also ``comparison``
        (:func:`toolkit.compare.compare_results` of the baseline results and these).
    """
    from . import scores as scores_mod

    eng = data.engagement
    settings = eng.analysis
    warnings: list[str] = list(data.warnings)
    suppressed: list[dict] = []
    errors: dict[str, str] = {}
    say = progress or (lambda _label: None)

    def run(name, func):
        if strict:
            return func()
        return _run(name, func, warnings, errors)

    # The earlier wave is read and checked first, so a bad baseline stops the run before
    # the analysis rather than after it.
    baseline = None
    if getattr(eng, "baseline", None) is not None:
        from .compare import load_results
        from .compare.io import check_same_client

        baseline = load_results(eng.baseline.results)
        check_same_client(baseline, {"client": {"id": eng.client.id}},
                          eng.relative(eng.baseline.results))

    # every name the data holds, for redaction of free text and labels (SPEC §8)
    known = _known_names(data)

    # --- crm, started first --------------------------------------------------------------
    # The CRM measures need nothing from the survey: a forked copy of this process computes
    # them while the survey measures and their anonymity audit run here (issue 18). The
    # result is the one a call here gives (toolkit.forked: any failure of the child and the
    # call is made here, raising what it raises).
    crm_call = sla_call = None
    if data.leads is not None:
        from .crm import measure_crm
        from .forked import ForkedCall

        crm_call = ForkedCall(
            measure_crm, data.leads, data.opportunities, data.activities, settings=settings,
            period_start=eng.client.period_start, period_end=eng.client.period_end,
            marketing_sources=eng.crm.marketing_sources if eng.crm else (),
            extract_date=eng.crm.extract_date if eng.crm else None,
            known_names=known, name="CRM measures")
        # the live workshop's SLA designer counts (lead-level, from the CRM tables alone),
        # likewise forked now rather than computed here after the verdict (issue 18)
        from .workshop.sla import workshop_section

        sla_call = ForkedCall(workshop_section, data, name="workshop SLA counts")

    # --- survey -------------------------------------------------------------------------
    survey = None
    if data.survey is None:
        warnings.append("survey: not assessed — no [survey] section or survey file in "
                        "engagement.toml")
    else:
        say("survey measures")
        from .survey import measure_survey
        survey = run("survey", lambda: measure_survey(
            data.survey, settings=settings, headcount=eng.client.headcount or None,
            known_names=known, codebook=getattr(data, "comment_codebook", None)))

    # Anonymity is proven, not assumed, and before anything is derived from the survey:
    # every survey figure (and the survey's row counts) must pass the differencing audit;
    # figures that would let a small group be recovered are withheld (SPEC §8), so the
    # incentives' survey side, the verdict's beliefs, the scores, the findings, the
    # recommendations — and every text, slide and sheet written from them — only ever see
    # the audited figures.
    audited = _audit_survey(data, survey, settings, say)
    survey = audited["survey"]
    # Every survey view the live workshop offers, audited with the report's figures (the
    # audited survey section, row counts and intake records: all the audit reads of the
    # results), computed by a forked copy of this process while the CRM, incentive and
    # verdict measures run here (issue 18).
    from .forked import ForkedCall
    from .workshop.store import build_reveal_views

    reveal = ForkedCall(build_reveal_views, data.survey, settings.min_group_size,
                        results=_audit_view(audited), name="workshop views")

    # --- crm ----------------------------------------------------------------------------
    crm = None
    if data.leads is None and data.opportunities is not None:
        warnings.append("crm: not assessed — the funnel, speed, persistence and the verdict "
                        "need a leads table; only opportunities were given (they are used for "
                        "the reward split)")
    elif data.leads is None:
        warnings.append("crm: not assessed — no [crm] section or leads file in "
                        "engagement.toml")
    else:
        say("CRM measures")
        crm = run("crm", crm_call.result)

    # --- incentives ---------------------------------------------------------------------
    incentives = None
    if data.plan is None:
        warnings.append("incentives: not assessed — no [incentives] section or "
                        "compensation plan in engagement.toml")
    else:
        say("incentives")
        from .crm.derive import select_cohort
        from .incentives import measure_incentives
        # The reward split covers the same deals as the CRM evidence: opportunities created
        # in the analysis period.
        opps = data.opportunities
        if opps is not None and "created_at" in opps.columns:
            opps, _ = select_cohort(opps, eng.client.period_start, eng.client.period_end)
        incentives = run("incentives", lambda: measure_incentives(
            data.plan, leads=data.leads, opportunities=opps,
            marketing_sources=eng.crm.marketing_sources if eng.crm else (),
            attainment=eng.incentives.attainment if eng.incentives else None,
            survey=survey, crm=crm, min_group_size=settings.min_group_size))
        if isinstance(incentives, dict):   # the workshop's what-if checks it is this plan
            from .incentives.plan import plan_fingerprint
            incentives["plan_fingerprint"] = plan_fingerprint(data.plan)

    # --- verdict, scores, recommendations -------------------------------------------------
    say("verdict")
    verdict = None
    if crm is None:
        warnings.append("verdict: not assessed — the blame-game verdict needs CRM data")
    else:
        from .verdict import judge
        verdict = run("verdict", lambda: judge(crm, survey))

    say("scores")
    scores = run("scores", lambda: scores_mod.combine(survey, crm, incentives))

    say("findings and recommendations")
    from . import findings as findings_mod
    from .recommend import recommend
    measured = jsonable({"survey": survey, "crm": crm, "incentives": incentives,
                         "verdict": verdict, "scores": scores,
                         "client": {"currency": eng.client.currency}})
    findings = run("findings", lambda: findings_mod.record(measured))
    recommendations = run("recommendations", lambda: recommend(
        survey=survey, crm=crm, incentives=incentives, verdict=verdict, scores=scores,
        findings=findings))

    # what the live workshop needs beyond the report's figures (aggregate lead counts for
    # the SLA designer; the survey views are added after the anonymity audit below), so
    # that it reads results.json only
    workshop = {"sla": None}
    if crm is not None:
        workshop = run("workshop", sla_call.result)
    elif sla_call is not None:
        sla_call.cancel()

    for section in (survey, crm, incentives, verdict, scores):
        if isinstance(section, dict):
            suppressed.extend(section.get("suppressed", []) or [])
            warnings.extend(section.get("warnings", []) or [])

    results = {
        "client": {"id": eng.client.id, "name": eng.client.name,
                   "currency": eng.client.currency,
                   "period_start": eng.client.period_start,
                   "period_end": eng.client.period_end},
        "toolkit_version": __version__,
        "schema": RESULTS_SCHEMA,
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "data": {
            "row_counts": audited["data"]["row_counts"],
            "intake": audited["data"]["intake"],
            "warnings": _dedupe(warnings + audited["data"]["warnings"]),
            "suppressed": _dedupe_dicts(suppressed + audited["data"]["suppressed"]),
            "privacy_audit": audited["data"]["privacy_audit"],
            "errors": errors,
            "settings": {
                "min_group_size": settings.min_group_size,
                "min_comment_group_size": settings.min_comment_group_size,
                "sla_first_touch_hours": settings.sla_first_touch_hours,
                "well_worked_attempts": settings.well_worked_attempts,
            },
        },
        "survey": survey,
        "crm": crm,
        "incentives": incentives,
        "verdict": verdict,
        "scores": scores,
        "findings": findings,
        "recommendations": recommendations,
        "method": method.record(settings),
        "workshop": workshop,
    }
    results = jsonable(results)
    _audit_pay_mix(results, data.plan, settings.min_group_size)
    # Every survey view the live workshop offers (filters, reveal, guess round), audited
    # with the report's figures: the workshop reads results.json, never the survey.
    say("workshop views")
    workshop = results.get("workshop") or {"sla": None}
    if __debug__ and strict:  # tests: the view of the results the audit reads is unchanged
        assert jsonable(_audit_view(results)) == jsonable(_audit_view(audited))
    workshop["reveal"] = run("workshop views", reveal.result)
    results["workshop"] = workshop
    if baseline is not None:   # SPEC §12: since the last assessment
        say("comparison with the last assessment")
        from .compare import compare_results
        current = jsonable(results)
        results["comparison"] = run("comparison", lambda: compare_results(baseline, current))
        results["data"]["warnings"] += (results["comparison"] or {}).get("warnings") or []
        if results["comparison"]:
            # a scale that improved detectably since the baseline is not cited as a problem
            # (toolkit.findings.improved): findings and recommendations see the comparison
            seen = {**measured, "comparison": results["comparison"]}
            findings = run("findings", lambda: findings_mod.record(seen))
            results["findings"] = jsonable(findings)
            results["recommendations"] = jsonable(run("recommendations", lambda: recommend(
                survey=survey, crm=crm, incentives=incentives, verdict=verdict,
                scores=scores, findings=findings)))
    # names from every source out of every label and text (lead sources, plan roles,
    # regions, theme words), not only comments (SPEC §8)
    from .privacy_report import redact_results

    return redact_results(jsonable(results), known, ids=_known_ids(data))


def _audit_view(results: dict) -> dict:
    """The parts of *results* the workshop views' audit reads
    (:func:`toolkit.privacy_report.report_releases`): the survey section, the row counts and
    the intake records."""
    d = results.get("data") or {}
    return {"survey": results.get("survey"),
            "data": {"row_counts": d.get("row_counts"), "intake": d.get("intake")}}


def _audit_pay_mix(results: dict, plan, min_group_size: int) -> None:
    """The pay-mix table passes the anonymity audit, or is withheld (SPEC §8): the outcome is
    recorded in ``data.privacy_audit.pay_mix``."""
    inc = results.get("incentives")
    if plan is None or not isinstance(inc, dict) or not inc.get("variable_pay_share"):
        return
    from .privacy_audit import audit_pay_mix, plan_headcount

    res = audit_pay_mix(inc["variable_pay_share"], plan_headcount(plan), min_group_size)
    audit = results["data"].setdefault("privacy_audit", {}) or {}
    results["data"]["privacy_audit"] = audit
    audit["pay_mix"] = {k: v for k, v in res.items() if k != "problems"}
    if not res["ok"]:
        inc["variable_pay_share"] = []
        results["data"]["warnings"].append(
            "incentives: the pay-mix table is withheld — it did not pass the anonymity audit")


def _audit_survey(data, survey: dict | None, settings, say) -> dict:
    """The survey section and the survey's row counts after the anonymity audit
    (:func:`toolkit.privacy_report.enforce_report`): ``{"survey", "data": {"row_counts",
    "intake", "warnings", "suppressed", "privacy_audit"}}``."""
    from .privacy_report import enforce_report

    audited = jsonable({"survey": survey, "data": {
        "row_counts": data.row_counts(), "intake": [f.to_dict() for f in data.intake],
        "warnings": [], "suppressed": []}})
    if survey is not None:
        say("anonymity audit")
    enforce_report(audited, data.survey if survey is not None else None,
                   settings.min_group_size, settings.min_comment_group_size)
    return audited


def analyse_folder(folder: str | Path, **kwargs) -> dict:
    """Load, validate and analyse an engagement folder in one call.

    Parameters
    ----------
    folder : str or Path
        Engagement folder.
    **kwargs
        Passed to :func:`analyse`.

    Returns
    -------
    dict
        The results dict.

    Raises
    ------
    toolkit.exceptions.InputError
        When ``engagement.toml`` or a table is invalid (every problem listed).
    """
    from .intake import load_data

    return analyse(load_data(load_engagement(folder)), **kwargs)


def _known_ids(data) -> list[str]:
    """Every respondent id of the survey export — the rows kept and those dropped at intake —
    for redaction (SPEC §8; attack 20, WL): an id typed into a cell an intake warning quotes
    (a Qualtrics ``Status``, a CRM ``Activity Type``) or into a comment never reaches an
    output or a log."""
    ids: set[str] = set()
    for f in getattr(data, "intake", None) or []:
        ids.update(getattr(f, "known_ids", None) or [])
    if data.survey is not None and "respondent_id" in data.survey.columns:
        ids.update(data.survey["respondent_id"].dropna().astype(str))
    return sorted(ids)


def _known_names(data) -> list[str]:
    """Every name the data holds, for redaction of free text (SPEC §8): owner ids of the CRM
    tables (in any form: ``jane.dubois``, ``j.dubois``, e-mail ids), respondents' names
    from the survey export's personal-data and identifier columns, and the people of a CRM
    export's contact columns that any free text (rejection reasons, survey comments) could
    name (all kept in memory by the importers)."""
    names: set[str] = set()
    for df in (data.leads, data.opportunities, data.activities):
        if df is not None and "owner_id" in df.columns:
            names.update(str(x) for x in df["owner_id"].dropna().unique())
    records = getattr(data, "intake", None) or []
    for f in records:
        names.update(n if isinstance(n, str) else str(n)    # a PhraseName stays one
                     for n in getattr(f, "known_names", None) or [])
    pools = [p for f in records if (p := getattr(f, "contact_pool", None))]
    if pools:   # people of a CRM contacts export named in any free text (review 13c R3)
        from .instrument import OPEN_ITEMS
        from .intake.contacts import names_in_text, text_words

        texts = [df[c] for df in (data.leads, data.opportunities, data.activities)
                 if df is not None for c in ("rejection_reason",) if c in df.columns]
        if data.survey is not None:
            texts += [data.survey[c] for c in OPEN_ITEMS if c in data.survey.columns]
        words = text_words(texts)
        for pool in pools:
            names.update(names_in_text(pool, words))
    return sorted(names)


def _dedupe(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for i in items:
        seen.setdefault(str(i), None)
    return list(seen)


def _dedupe_dicts(items: list[dict]) -> list[dict]:
    seen, out = set(), []
    for d in items:
        key = tuple(sorted((str(k), str(v)) for k, v in d.items()))
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
