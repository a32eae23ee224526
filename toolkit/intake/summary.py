"""The intake summary: what was read from each file, as ``aligndx validate`` prints it."""

from __future__ import annotations

from ..formatting import intake_lines  # noqa: F401  (re-exported)


def print_intake(data, console=None) -> None:
    """Print the intake summary of *data* (an ``EngagementData``) to the console."""
    text = "\n".join(["Intake summary", *intake_lines(data.intake)])
    if data.warnings:
        text += "\nWarnings:\n" + "\n".join(f"  - {w}" for w in data.warnings)
    from ..privacy import terminal_text

    text = terminal_text(text)  # headers and values quoted from the client's files
    if console is None:
        print(text)
    else:
        console.print(text, markup=False, highlight=False)


def readiness_notes(data) -> list[str]:
    """What the report will not be able to assess, known already at intake.

    Parameters
    ----------
    data : EngagementData

    Returns
    -------
    list of str
        Plain sentences: sections missing from ``engagement.toml``, survey sides under the
        anonymity threshold, CRM tables absent.
    """
    from ..vocab import SIDE_OF_TEAM as SIDES

    eng = data.engagement
    notes: list[str] = []
    if eng.survey is None:
        notes.append("No [survey] section: politics and the survey half of incentives and "
                     "communication will not be assessed, and there will be no overall score.")
    if eng.crm is None:
        notes.append("No [crm] section: the blame-game verdict and the hand-off evidence will "
                     "not be assessed.")
    if eng.crm is not None and eng.crm.leads is None:
        notes.append("No [crm] leads file: the CRM evidence — the lead funnel (MQL → SAL → "
                     "SQL), win rates by lead source, speed to lead, follow-up, the "
                     "lead-quality claim — and the blame-game verdict will not be assessed "
                     "(they need a leads table). The opportunities are read for the "
                     "incentives only: won deals and revenue by source for the reward split "
                     "and the what-if.")
    if eng.incentives is None:
        notes.append("No [incentives] section: the compensation plan will not be assessed.")
    if data.survey is not None and "team" in data.survey.columns:
        k = eng.analysis.min_group_size
        sides = data.survey["team"].map(SIDES).value_counts()
        for side in ("sales", "marketing"):
            n = int(sides.get(side, 0))
            if n < k:
                notes.append(f"The {side} side has fewer than {k} respondents (the anonymity "
                             "threshold): its figures and every sales-vs-marketing comparison "
                             "will be hidden.")
    if eng.crm is not None and data.activities is None and data.leads is not None \
            and "first_touch_at" not in data.leads.columns:
        notes.append("No activities file and no first_touch_at column: speed to first touch "
                     "and attempts cannot be measured, so the follow-up claim will be "
                     "inconclusive.")
    return notes
