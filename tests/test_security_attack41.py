"""Attack 41 (survey labels read against their meaning): FQ1 — "Less than once a week",
"Not every day" and "Every few weeks" landed in the band their words also name (weekly,
daily, several times a week); TN1 — "Less than 5 years" became 5y+, "More than 1 year" <1y,
"Non-manager" manager. Open bands that span several are now unrecognised: a frequency is a
problem naming the labels, a tenure or level a warning and a missing value."""

from __future__ import annotations

import pandas as pd

from toolkit.intake.answers import map_frequency, map_level, map_tenure


def test_frequency_labels_spanning_bands_are_named_not_guessed():
    labels = ["Daily", "Several times a week", "About once a week", "Less than once a week",
              "Never", "Less than once a month", "Every few weeks", "Several times weekly",
              "Not every day"]
    values, _, problems = map_frequency(pd.Series(labels, index=range(2, 11)), file="s.csv")
    assert values.tolist() == ["daily", "several_weekly", "weekly", pd.NA, "never", "rarely",
                               pd.NA, "several_weekly", pd.NA]
    (p,) = problems
    assert (p.file, p.row, p.column) == ("s.csv", 5, "FREQ")
    assert p.message.startswith("communication frequency answers not recognised: 'Every few "
                                "weeks', 'Less than once a week', 'Not every day'")


def test_open_tenure_bands_and_negated_levels():
    tenure, warns = map_tenure(pd.Series(["Less than 1 year", "1-3 years", "3-5 years",
                                          "More than 5 years", "Less than 5 years",
                                          "Under 3 years", "More than 1 year", "Over 1 year"]))
    assert tenure.tolist() == ["<1y", "1-3y", "3-5y", "5y+", pd.NA, pd.NA, pd.NA, pd.NA]
    assert warns == ["tenure: 4 label(s) not recognised, left blank (rows 4, 5, 6 and 7 of "
                     "the export)"]
    level, _ = map_level(pd.Series(["Non-manager", "Not a manager", "Manager",
                                    "Individual contributor", "Director"]))
    assert level.tolist() == ["individual", "individual", "manager", "individual", "executive"]
