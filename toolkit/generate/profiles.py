"""Planted truths of the sample engagements, as data.

Each :class:`Profile` states what the generator plants: survey scale means by side, blame-claim
agreement, communication frequency, the CRM follow-up and lead-quality behaviour, and the
compensation plan. The three profiles are the three sample engagements of SPEC §1:

* ``followup-gap`` — leads are fine, sales follow-up is the real problem;
* ``lead-quality`` — follow-up is diligent, marketing leads are poor;
* ``well-aligned`` — neither blame claim holds.

Survey means are on 1..5 in the healthy direction (after reversal of reverse-keyed items),
except ``CONF`` which is given in its raw direction (higher = more conflict). CRM shares are
fractions of the marketing MQLs of the period unless said otherwise. Benchmarks the values are
set against: the practitioner demand-waterfall ranges (MQL → SAL 40–60 %, SAL → SQL 50–70 %,
SQL → won 20–30 %), Oldroyd, McElheran & Elkington (HBR 2011) for first-touch speed, and the
Kotler, Rackham & Krishnaswamy (2006) maturity stages (SPEC §4.1, §9).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Lead sources that count as marketing-sourced in every sample (``[crm] marketing_sources``).
MARKETING_SOURCES: tuple[str, ...] = ("web", "webinar", "paid_search", "event", "content")
#: Lead sources created by sales themselves.
SALES_SOURCES: tuple[str, ...] = ("referral", "outbound")

#: Rejection reasons about the lead's fit (the "leads are garbage" kind).
FIT_REASONS: tuple[str, ...] = ("wrong industry", "no budget", "too small",
                                "student / job seeker", "competitor", "not decision maker")
#: Rejection reasons not about fit (contact and process reasons).
NONFIT_REASONS: tuple[str, ...] = ("no response", "could not reach", "timing", "duplicate")

FREQ_LEVELS: tuple[str, ...] = ("daily", "several_weekly", "weekly", "monthly", "rarely",
                                "never")


@dataclass(frozen=True)
class SurveyProfile:
    """What the survey plants.

    Attributes
    ----------
    means : dict
        Scale code → ``(sales_side_mean, marketing_side_mean)`` on 1..5, healthy direction
        (``CONF`` raw: higher = more conflict). Other teams get the average of both sides.
    claim_leads, claim_follow : tuple of float
        Share agreeing (answer 4–5) with ``CLAIM_LEADS`` / ``CLAIM_FOLLOW`` as
        ``(sales_side, marketing_side)``.
    freq : dict
        Side (``sales``, ``marketing``) → probabilities of :data:`FREQ_LEVELS`.
    themes : dict
        Planted comment themes: question (``OPEN1`` biggest obstacle, ``OPEN2`` one thing to
        change) → side (``sales``, ``marketing``, ``other``) → ``{theme key: share}`` of that
        side's comments (keys of :mod:`toolkit.generate.comments`).
    group_effects : dict
        Planted differences of a group against the whole, for the heatmap: column (``level``,
        ``tenure``, ``region``) → value → ``{scale: shift of the 1..5 latent mean}``. The
        other respondents are shifted the opposite way in proportion, so the planted side
        means hold in expectation.
    exact_team_counts : dict
        Teams whose respondent count is fixed (e.g. ``{"revops": 4}``, a group under the
        anonymity threshold of 5).
    """

    means: dict[str, tuple[float, float]]
    claim_leads: tuple[float, float]
    claim_follow: tuple[float, float]
    freq: dict[str, tuple[float, ...]]
    themes: dict[str, dict[str, dict[str, float]]]
    exact_team_counts: dict[str, int] = field(default_factory=dict)
    group_effects: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)


@dataclass(frozen=True)
class CrmProfile:
    """What the CRM tables plant.

    Attributes
    ----------
    source_weights : dict
        Lead source → share of leads.
    quality_mean : dict
        ``"marketing"`` / ``"sales"`` → mean of the latent lead quality (standard normal
        units); the lead score follows it.
    non_mql_share : float
        Share of marketing-sourced leads that never become MQL (nurture; never handed over).
    untouched : tuple of float
        Share of handed-over leads never touched by sales, ``(marketing MQLs, sales-sourced)``.
    within_sla : float
        Share of marketing MQLs first touched within 24 h (untouched count as outside).
    median_first_touch_hours : float
        Kaplan–Meier median hours from MQL to first touch over marketing MQLs (untouched
        censored).
    attempts_pmf : tuple of float
        Relative frequency of 1, 2, ..., 12 attempts on a touched lead.
    attempt_gap_hours : float
        Median hours between two attempts on a lead.
    b_attempts, b_speed, b_quality : float
        Log-odds effects on the per-attempt hazard of reaching SQL: per unit of ``ln k`` at
        attempt k (0 = flat hazard, > 0 rising, strongly negative = only the first attempts
        convert), per unit of ``-ln(1 + first-touch hours)`` and per standard unit of latent
        quality.
    well_worked_sql : dict
        ``"marketing"`` / ``"sales"`` → Kaplan–Meier conversion by attempt 6 of leads first
        touched within 24 h (the attempt clock of SPEC §4.2); the intercepts are calibrated
        to hit it.
    rejection_rate : tuple of float
        Share of handed-over leads rejected by sales, ``(marketing MQLs, sales-sourced)``.
    rejection_quality_link : float
        How strongly rejection targets low-quality leads (log-odds per quality unit).
    fit_reason_share : float
        Share of rejection reasons (among those given) that are about fit.
    reason_given_share : float
        Share of rejections that carry a reason.
    accept_untouched : float
        Share of untouched leads that were nevertheless accepted (queued and forgotten).
    sql_to_opportunity : float
        Share of SQLs converted to an opportunity.
    win_rate : float
        Share of closed lead-derived opportunities that are won.
    """

    source_weights: dict[str, float]
    quality_mean: dict[str, float]
    non_mql_share: float
    untouched: tuple[float, float]
    within_sla: float
    median_first_touch_hours: float
    attempts_pmf: tuple[float, ...]
    attempt_gap_hours: float
    b_attempts: float
    b_speed: float
    b_quality: float
    well_worked_sql: dict[str, float]
    rejection_rate: tuple[float, float]
    rejection_quality_link: float
    fit_reason_share: float
    reason_given_share: float
    accept_untouched: float
    sql_to_opportunity: float = 0.92
    win_rate: float = 0.25

    @property
    def persistence_pays(self) -> bool:
        """Planted: attempts after the third still convert (the hazard is not ~0 there)."""
        return self.b_attempts > -1.0


@dataclass(frozen=True)
class Profile:
    """One planted truth: survey, CRM and compensation plan, plus the expected verdict.

    Attributes
    ----------
    name : str
        Profile key, also the sample folder name.
    client_name : str
        Fictitious client name for the sample.
    truth : str
        The planted truth in plain words (written into ``engagement.toml``).
    survey, crm : SurveyProfile, CrmProfile
    plan : list of dict
        Compensation-plan rows (SPEC §2.5), without ``team``-level headcount scaling.
    attainment : float
        Company goal attainment for the ``[incentives]`` section.
    expected_verdict : dict
        ``{"lead_quality": ..., "follow_up": ...}`` — what SPEC §5 should conclude.
    """

    name: str
    client_name: str
    truth: str
    survey: SurveyProfile
    crm: CrmProfile
    plan: list[dict]
    attainment: float
    expected_verdict: dict[str, str]


_SOURCES = {"web": 0.26, "webinar": 0.10, "paid_search": 0.17, "event": 0.10, "content": 0.12,
            "referral": 0.10, "outbound": 0.15}

#: Comment themes of the teams outside the two sides (revops, leadership, other).
_OTHER_THEMES = {"OPEN1": {"priorities": 0.6, "tools": 0.4},
                 "OPEN2": {"joint_reviews": 0.5, "shared_targets": 0.5}}


def _row(team, role, hc, base, var, component, metric, weight, rate=None, applies=None,
         gate=None) -> dict:
    return {"team": team, "role": role, "headcount": hc, "base_salary": float(base),
            "variable_target": float(var), "component": component, "metric": metric,
            "weight": weight, "commission_rate": rate, "applies_to": applies, "gate": gate}


FOLLOWUP_GAP = Profile(
    name="followup-gap",
    client_name="Northwind Fasteners Inc.",
    truth=("Leads are fine; sales follow-up is the real problem. About 30% of marketing MQLs "
           "are never touched, the median first touch is about 40 hours and only about 35% are "
           "touched within the 24-hour SLA; about 45% of touched leads that did not convert got "
           "exactly one attempt. Leads keep converting after the third attempt (the per-attempt "
           "conversion rate rises a little) and faster first touch raises conversion, and "
           "well-worked leads reach SQL at about 55% for marketing and sales sources alike. "
           "Rejections are few and mostly not about fit. "
           "Survey: sales blames the leads (about 70% agree), marketing blames follow-up (about "
           "75%); conflict high (CONF about 3.8), trust low (about 2.5), maturity Defined "
           "(about 2.4 sales / 2.6 marketing). Plan: sales paid 100% on own bookings "
           "(10% commission, no gate); marketing paid 70% on MQL volume + 30% MBO."),
    survey=SurveyProfile(
        means={"FAIR": (2.6, 2.6), "TRUST": (2.5, 2.4), "CONF": (3.8, 3.8),
               "SUPP": (2.8, 2.9), "SHARE": (2.3, 2.5), "RINT": (2.2, 2.4),
               "RFAIR": (2.6, 2.3), "BIDIR": (2.5, 2.6), "QUAL": (2.7, 2.6),
               "DEFN": (2.8, 3.0), "FEED": (2.4, 2.0), "MAT": (2.4, 2.6),
               "REFF": (2.4, 2.5)},
        claim_leads=(0.70, 0.20), claim_follow=(0.15, 0.75),
        freq={"sales": (0.05, 0.12, 0.25, 0.28, 0.22, 0.08),
              "marketing": (0.04, 0.12, 0.27, 0.28, 0.21, 0.08)},
        themes={
            "OPEN1": {"sales": {"lead_quality": 0.55, "tools": 0.25, "targets": 0.20},
                      "marketing": {"follow_up": 0.55, "feedback": 0.30, "tools": 0.15},
                      "other": _OTHER_THEMES["OPEN1"]},
            "OPEN2": {"sales": {"define_lead": 0.50, "joint_reviews": 0.30,
                                "shared_targets": 0.20},
                      "marketing": {"sla": 0.50, "closed_loop": 0.30, "joint_reviews": 0.20},
                      "other": _OTHER_THEMES["OPEN2"]},
        },
        group_effects={"region": {"EMEA": {"TRUST": -1.0, "BIDIR": -0.9}}}),
    crm=CrmProfile(
        source_weights=_SOURCES, quality_mean={"marketing": 0.0, "sales": 0.1},
        non_mql_share=0.06, untouched=(0.30, 0.10), within_sla=0.35,
        median_first_touch_hours=40.0,
        attempts_pmf=(37, 15, 10, 7, 5.5, 5, 4, 3, 2.5, 2, 1.5, 1),
        attempt_gap_hours=40.0, b_attempts=0.3, b_speed=0.35, b_quality=0.8,
        well_worked_sql={"marketing": 0.55, "sales": 0.57},
        rejection_rate=(0.12, 0.04), rejection_quality_link=0.2, fit_reason_share=0.15,
        reason_given_share=0.75, accept_untouched=0.5),
    plan=[
        _row("sales", "Account Executive", 14, 95000, 95000, "Bookings commission",
             "bookings", 1.0, 0.10, "own_won"),
        _row("marketing", "Demand Gen Manager", 5, 85000, 20000, "MQL volume bonus",
             "mql_volume", 0.7),
        _row("marketing", "Demand Gen Manager", 5, 85000, 20000, "Personal objectives",
             "mbo", 0.3),
        _row("marketing", "Marketing Director", 1, 140000, 35000, "MQL volume bonus",
             "mql_volume", 0.7),
        _row("marketing", "Marketing Director", 1, 140000, 35000, "Personal objectives",
             "mbo", 0.3),
    ],
    attainment=0.88,
    expected_verdict={"lead_quality": "not_supported", "follow_up": "supported"},
)

LEAD_QUALITY = Profile(
    name="lead-quality",
    client_name="Contoso Analytics GmbH",
    truth=("Follow-up is diligent; marketing lead quality is the real problem. Only about 2-3% "
           "of MQLs are untouched, the median first touch is about 2 hours, about 90% are "
           "touched within the 24-hour SLA, the median touched lead gets about 7 attempts and "
           "single-attempt leads are rare (<10%). Well-worked marketing leads reach SQL at only "
           "about 12% while well-worked sales-sourced leads (referral, outbound) reach about "
           "45%; more attempts do not raise conversion within a score band. About 45% of "
           "marketing MQLs are rejected, about 90% with a reason, mostly about fit (wrong "
           "industry, no budget, too small, ...). Survey: sales blames the leads (about 80% "
           "agree), marketing blames follow-up (about 40%); maturity about 3.3 sales (Aligned) "
           "vs 2.5 marketing (Defined). Plan: marketing paid 80% on MQL volume + 20% MBO; sales "
           "80% on own bookings (8% commission) + 20% SLA compliance."),
    survey=SurveyProfile(
        means={"FAIR": (3.0, 3.0), "TRUST": (2.9, 3.1), "CONF": (3.2, 3.0),
               "SUPP": (3.0, 3.1), "SHARE": (3.0, 2.6), "RINT": (2.8, 2.5),
               "RFAIR": (3.0, 2.9), "BIDIR": (2.9, 3.0), "QUAL": (2.7, 3.1),
               "DEFN": (3.0, 2.8), "FEED": (2.9, 2.6), "MAT": (3.3, 2.5),
               "REFF": (2.9, 2.8)},
        claim_leads=(0.80, 0.30), claim_follow=(0.10, 0.40),
        freq={"sales": (0.08, 0.20, 0.32, 0.22, 0.14, 0.04),
              "marketing": (0.07, 0.19, 0.33, 0.23, 0.14, 0.04)},
        themes={
            "OPEN1": {"sales": {"lead_quality": 0.70, "tools": 0.30},
                      "marketing": {"feedback": 0.50, "targets": 0.50},
                      "other": _OTHER_THEMES["OPEN1"]},
            "OPEN2": {"sales": {"define_lead": 0.60, "shared_targets": 0.40},
                      "marketing": {"closed_loop": 0.50, "shared_targets": 0.50},
                      "other": _OTHER_THEMES["OPEN2"]},
        },
        group_effects={"tenure": {"<1y": {"DEFN": -0.6}}}),
    crm=CrmProfile(
        source_weights=_SOURCES, quality_mean={"marketing": -0.9, "sales": 0.4},
        non_mql_share=0.05, untouched=(0.025, 0.01), within_sla=0.90,
        median_first_touch_hours=2.0,
        attempts_pmf=(3, 3, 4, 6, 9, 13, 16, 15, 12, 9, 5, 4),
        attempt_gap_hours=20.0, b_attempts=0.0, b_speed=0.0, b_quality=0.9,
        well_worked_sql={"marketing": 0.12, "sales": 0.45},
        rejection_rate=(0.45, 0.05), rejection_quality_link=0.9, fit_reason_share=0.82,
        reason_given_share=0.90, accept_untouched=0.3),
    plan=[
        _row("sales", "Account Executive", 16, 90000, 80000, "Bookings commission",
             "bookings", 0.8, 0.08, "own_won"),
        _row("sales", "Account Executive", 16, 90000, 80000, "Lead follow-up SLA",
             "sla_compliance", 0.2),
        _row("sales_development", "Sales Development Rep", 6, 55000, 25000,
             "Bookings commission", "bookings", 0.8, 0.01, "own_won"),
        _row("sales_development", "Sales Development Rep", 6, 55000, 25000,
             "Lead follow-up SLA", "sla_compliance", 0.2),
        _row("marketing", "Demand Gen Manager", 7, 80000, 20000, "MQL volume bonus",
             "mql_volume", 0.8),
        _row("marketing", "Demand Gen Manager", 7, 80000, 20000, "Personal objectives",
             "mbo", 0.2),
    ],
    attainment=0.82,
    expected_verdict={"lead_quality": "supported", "follow_up": "not_supported"},
)

WELL_ALIGNED = Profile(
    name="well-aligned",
    client_name="Fabrikam Logistics Software Ltd",
    truth=("Well aligned: neither blame claim holds. About 3% of MQLs untouched, about 85% "
           "touched within the 24-hour SLA, median about 6 attempts; well-worked leads reach "
           "SQL at about 55% across sources; rejections are few and mostly not about fit; "
           "leads keep converting at a steady rate per attempt. Survey: scales high (about "
           "4.0-4.2), conflict low (CONF about 1.8), few agree with either claim (about "
           "15-20%), maturity Integrated "
           "(about 4.2 sales / 4.1 marketing), most talk daily or several times a week. "
           "RevOps has exactly 4 respondents (under the anonymity threshold of 5). Plan: both "
           "teams are paid partly on company revenue and pipeline (shared-outcome weight about "
           "0.55-0.6 on both sides; a rep's commission on own deals does not count as shared) "
           "behind a 0.7 gate; marketing earns 2% on marketing-sourced won deals, sales 8% on "
           "own won deals; attainment 0.95."),
    survey=SurveyProfile(
        means={"FAIR": (4.0, 4.1), "TRUST": (4.2, 4.1), "CONF": (1.8, 1.8),
               "SUPP": (4.1, 4.2), "SHARE": (4.2, 4.1), "RINT": (4.0, 4.0),
               "RFAIR": (4.0, 4.1), "BIDIR": (4.1, 4.2), "QUAL": (4.0, 4.0),
               "DEFN": (4.1, 4.0), "FEED": (4.0, 3.9), "MAT": (4.25, 4.15),
               "REFF": (4.1, 4.1)},
        claim_leads=(0.18, 0.12), claim_follow=(0.10, 0.16),
        freq={"sales": (0.40, 0.35, 0.15, 0.06, 0.04, 0.0),
              "marketing": (0.42, 0.34, 0.14, 0.06, 0.04, 0.0)},
        themes={
            "OPEN1": {"sales": {"priorities": 0.50, "tools": 0.50},
                      "marketing": {"priorities": 0.40, "feedback": 0.60},
                      "other": _OTHER_THEMES["OPEN1"]},
            "OPEN2": {"sales": {"joint_reviews": 0.70, "closed_loop": 0.30},
                      "marketing": {"joint_reviews": 0.50, "closed_loop": 0.50},
                      "other": _OTHER_THEMES["OPEN2"]},
        },
        exact_team_counts={"revops": 4}),
    crm=CrmProfile(
        source_weights=_SOURCES, quality_mean={"marketing": 0.0, "sales": 0.0},
        non_mql_share=0.05, untouched=(0.03, 0.01), within_sla=0.85,
        median_first_touch_hours=3.0,
        attempts_pmf=(5, 5, 7, 10, 13, 16, 14, 11, 8, 6, 3, 2),
        attempt_gap_hours=24.0, b_attempts=0.0, b_speed=0.1, b_quality=0.8,
        well_worked_sql={"marketing": 0.55, "sales": 0.56},
        rejection_rate=(0.07, 0.03), rejection_quality_link=0.3, fit_reason_share=0.30,
        reason_given_share=0.85, accept_untouched=0.5),
    plan=[
        _row("sales", "Account Executive", 15, 95000, 85000, "Bookings commission",
             "bookings", 0.3, 0.08, "own_won"),
        _row("sales", "Account Executive", 15, 95000, 85000, "Company revenue",
             "company_revenue", 0.3, gate=0.7),
        _row("sales", "Account Executive", 15, 95000, 85000, "Pipeline created",
             "pipeline", 0.2, gate=0.7),
        _row("sales", "Account Executive", 15, 95000, 85000, "Lead follow-up SLA",
             "sla_compliance", 0.1, gate=0.7),
        _row("sales", "Account Executive", 15, 95000, 85000, "Joint objectives",
             "mbo", 0.1),
        _row("sales_development", "Sales Development Rep", 6, 55000, 25000,
             "Qualified opportunities", "sql_volume", 0.4),
        _row("sales_development", "Sales Development Rep", 6, 55000, 25000,
             "Pipeline created", "pipeline", 0.3, gate=0.7),
        _row("sales_development", "Sales Development Rep", 6, 55000, 25000,
             "Company revenue", "company_revenue", 0.3, gate=0.7),
        _row("marketing", "Demand Gen Manager", 8, 85000, 25000,
             "Marketing-sourced bookings", "bookings", 0.1, 0.02, "marketing_sourced_won"),
        _row("marketing", "Demand Gen Manager", 8, 85000, 25000, "Company revenue",
             "company_revenue", 0.25, gate=0.7),
        _row("marketing", "Demand Gen Manager", 8, 85000, 25000, "Pipeline created",
             "pipeline", 0.2, gate=0.7),
        _row("marketing", "Demand Gen Manager", 8, 85000, 25000, "Qualified opportunities",
             "sql_volume", 0.2),
        _row("marketing", "Demand Gen Manager", 8, 85000, 25000, "Joint objectives",
             "mbo", 0.25),
    ],
    attainment=0.95,
    expected_verdict={"lead_quality": "not_supported", "follow_up": "not_supported"},
)

#: All profiles by name (the sample folder names).
PROFILES: dict[str, Profile] = {p.name: p for p in (FOLLOWUP_GAP, LEAD_QUALITY, WELL_ALIGNED)}

#: Seeds of the committed samples (``python -m toolkit.generate`` regenerates them). Picked
#: among 60 candidate seeds as those whose realized survey means, claim shares and CRM rates
#: sit closest to the planted values (at ~100 respondents, sampling error alone would move a
#: side mean by ±0.15).
SAMPLE_SEEDS: dict[str, int] = {"followup-gap": 3946, "lead-quality": 512, "well-aligned": 3441}
#: Sizes of the committed samples: (respondents, leads in the period).
SAMPLE_SIZES: dict[str, tuple[int, int]] = {"followup-gap": (120, 7500),
                                            "lead-quality": (140, 8200),
                                            "well-aligned": (96, 6600)}
