"""Reference figures of SPEC §9, as data with their provenance.

Each entry says what kind of source it is — ``academic`` (peer-reviewed or a study with a
published method), ``analyst`` (industry analyst survey), ``vendor`` (a vendor's own study),
``practitioner`` (a range used in practice, no single study) or ``unverified`` (no primary
source found). The report's sources appendix lists :data:`REFERENCES`; the verdict
thresholds in :mod:`toolkit.verdict` cite them by key.
"""

from __future__ import annotations

#: Provenance labels, in the order of strength the report shows them.
PROVENANCE = {
    "academic": "Academic study",
    "analyst": "Industry analyst",
    "vendor": "Vendor study",
    "practitioner": "Practitioner range",
    "unverified": "Unverified claim",
}

REFERENCES: dict[str, dict] = {
    "forrester_2010_alignment": {
        "figure": "8% of B2B firms rate sales–marketing alignment 5/5 (24% 4, 45% 3, 21% 2, "
                  "2% 1)",
        "source": "Forrester survey of sales and marketing leaders", "year": 2010,
        "sample": "66 sales and marketing leaders", "provenance": "analyst",
        "values": {"5": 0.08, "4": 0.24, "3": 0.45, "2": 0.21, "1": 0.02}},
    "teams_dont_speak": {
        "figure": "More than 50% of companies have teams that don't speak regularly",
        "source": "Practitioner article; no primary source found", "year": None,
        "sample": None, "provenance": "unverified", "values": {"share": 0.5}},
    "hbr_2011_response": {
        "figure": "37% of firms answered a web lead within 1 hour, 23% never; mean response "
                  "42 hours",
        "source": "Oldroyd, McElheran & Elkington, 'The Short Life of Online Sales Leads', "
                  "Harvard Business Review", "year": 2011, "sample": "2,241 firms",
        "provenance": "academic",
        "values": {"within_1h_share": 0.37, "never_share": 0.23, "mean_hours": 42.0}},
    "hbr_2011_seven_times": {
        "figure": "Contacting a lead within 1 hour ≈ 7× more likely to qualify it than an hour "
                  "later",
        "source": "Oldroyd, McElheran & Elkington, Harvard Business Review", "year": 2011,
        "sample": "1.25 million leads", "provenance": "academic",
        "values": {"odds_multiple": 7.0}},
    "velocify_attempts": {
        "figure": "Reps averaged 1.6 call attempts; 93% of converted leads were reached by the "
                  "6th attempt",
        "source": "Velocify secret-shopper studies", "year": None, "sample": None,
        "provenance": "vendor",
        "values": {"mean_attempts": 1.6, "converted_reached_by_6th": 0.93,
                   "well_worked_attempts": 6}},
    "demand_waterfall": {
        "figure": "MQL → SAL 40–60%, SAL → SQL 50–70%, SQL → won 20–30%",
        "source": "Demand-waterfall practice (SiriusDecisions-style funnel ranges)",
        "year": None, "sample": None, "provenance": "practitioner",
        "values": {"mql_to_sal": (0.40, 0.60), "sal_to_sql": (0.50, 0.70),
                   "sql_to_won": (0.20, 0.30)}},
    "gartner_fit": {
        "figure": "Only 44% of MQLs are a potential good fit",
        "source": "Gartner", "year": None, "sample": None, "provenance": "analyst",
        "values": {"good_fit_share": 0.44}},
    "lemeunier_2011": {
        "figure": "Aligned rewards raise collaboration but do not by themselves reduce "
                  "conflict; senior-management support does both",
        "source": "Le Meunier-FitzHugh, Massey & Piercy, Industrial Marketing Management",
        "year": 2011, "sample": None, "provenance": "academic", "values": {}},
    "massey_dawes_2007": {
        "figure": "Communication frequency improves quality; two-way flow and quality reduce "
                  "conflict",
        "source": "Massey & Dawes, Industrial Marketing Management", "year": 2007,
        "sample": None, "provenance": "academic", "values": {}},
    "anonymity_five": {
        "figure": "An anonymity threshold of 5 respondents is the survey-platform default",
        "source": "Qualtrics EX, Lattice, 15Five, Viva Insights", "year": None,
        "sample": None, "provenance": "vendor", "values": {"min_group_size": 5}},
    "kahn_1996": {
        "figure": "More meetings are not always better: disciplined, two-way communication "
                  "is what helps",
        "source": "Kahn, Journal of Product Innovation Management", "year": 1996,
        "sample": None, "provenance": "academic", "values": {}},
}

for _r in REFERENCES.values():  # "kind" = provenance label, as the sources appendix shows it
    _r["kind"] = PROVENANCE[_r["provenance"]]

_W = REFERENCES["demand_waterfall"]["values"]

#: MQL → SQL conversion range implied by the demand-waterfall ranges: the products of the
#: MQL→SAL and SAL→SQL bounds (0.40 × 0.50 = 0.20 to 0.60 × 0.70 = 0.42). Used as the
#: benchmark for the conversion of well-worked leads (a derived practitioner range, not a
#: measured figure).
MQL_TO_SQL_RANGE = {
    "low": round(_W["mql_to_sal"][0] * _W["sal_to_sql"][0], 4),
    "high": round(_W["mql_to_sal"][1] * _W["sal_to_sql"][1], 4),
    "label": "MQL → SQL 20–42% (product of the demand-waterfall MQL→SAL and SAL→SQL ranges)",
    "provenance": "practitioner",
    "reference": "demand_waterfall",
}


def sources_table() -> list[dict]:
    """The references as rows for the sources appendix.

    Returns
    -------
    list of dict
        ``{key, figure, source, year, sample, provenance, provenance_label}`` per reference,
        JSON-safe.
    """
    return [{"key": k, "figure": r["figure"], "source": r["source"], "year": r["year"],
             "sample": r["sample"], "provenance": r["provenance"],
             "provenance_label": PROVENANCE[r["provenance"]]}
            for k, r in REFERENCES.items()]
