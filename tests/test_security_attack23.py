"""Attack 23: IF1 — IP addresses in other notations (``::`` inside, IPv4-mapped, with a port,
a zone, zero-padded, ending a sentence) and a respondent's latitude/longitude, quoted from a
shifted column, reached every output; NM1 — a respondent's surname or given name alone in a
Status cell was quoted too. The intake warnings that quoted unexpected cell values (an
unknown Status, an unknown activity type, a deal status, a level/tenure label) now name the
rows instead of the values; the IP mask reads every notation :mod:`ipaddress` reads."""

from __future__ import annotations

import csv
import json
import shutil

import pandas as pd
import pytest

from tests.conftest import SAMPLES
from toolkit.idmask import IP_MASK, mask_ip_addresses


@pytest.mark.parametrize("ip", [
    "2001:db8:85a3::8a2e:370:7334", "::ffff:203.0.113.88", "203.0.113.34:51234",
    "fe80::1%eth0", "010.001.002.003", "::1", "2001:db8:85a3:0:0:8a2e:370:7334", "10.0.0.1"])
def test_every_ip_notation_is_masked(ip):
    assert mask_ip_addresses(f"from {ip}, then") == f"from {IP_MASK}, then"
    assert mask_ip_addresses(f"my IP is {ip}.") == f"my IP is {IP_MASK}."


@pytest.mark.parametrize("text", [
    "version 1.2.3", "1.2.3.4.5", "at 12:30:45", "2024-01-05", "3.5 of 10", "256.1.1.1",
    "ratio 3:1", "e.g. this", "1.5.2024", "a:b:c:d", "::", "dead:beef::"])
def test_figures_times_and_versions_are_not_addresses(text):
    assert mask_ip_addresses(text) == text


def test_unrecognised_labels_are_counted_with_rows_not_quoted():
    from toolkit.intake.answers import map_level, map_tenure

    vals = pd.Series(["Manager", "Thandiwe Okafor", "2-3 years", "Okafor"], index=[4, 5, 6, 7])
    _, warns = map_tenure(vals)
    assert warns == ["tenure: 3 label(s) not recognised, left blank "
                     "(rows 4, 5 and 7 of the export)"]
    _, warns = map_level(pd.Series(["Okafor", "Individual contributor"], index=[9, 10]))
    assert warns == ["level: 1 label(s) not recognised, left blank (row 9 of the export)"]


def test_names_ips_and_locations_in_warned_cells_never_reach_results(tmp_path):
    from toolkit.pipeline import analyse_folder

    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", dst)
    p = dst / "survey" / "qualtrics_export.csv"
    rows = list(csv.reader(p.open(newline="", encoding="utf-8")))
    h = rows[0]
    other = rows[20]   # another respondent's name fields and location, as a platform exports
    other[h.index("RecipientLastName")] = "Okafor"
    other[h.index("RecipientFirstName")] = "Thandiwe"
    other[h.index("LocationLatitude")] = "48.85661"
    planted = ["okafor", "thandiwe", "2001:db8:85a3::8a2e:370:7334", "48.85661"]
    for i, value in enumerate(planted):
        rows[4 + i][h.index("Status")] = value
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    a = dst / "crm" / "activities.csv"
    arows = list(csv.reader(a.open(newline="", encoding="utf-8")))
    arows[1][arows[0].index("Activity Type")] = "::ffff:203.0.113.88"
    arows[2][arows[0].index("Activity Type")] = planted[0]
    with a.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(arows)
    res = analyse_folder(dst)
    text = json.dumps(res, ensure_ascii=False).lower()
    for value in planted + ["203.0.113.88"]:
        assert value.lower() not in text, value
    warns = " ".join(res["data"]["warnings"])
    assert "4 response(s) with an unknown Status kept (rows 5, 6, 7 and 8 of the export)" in warns
    assert "2 activities of unknown type counted as 'other' (rows 2 and 3" in warns


def test_deal_status_warning_names_rows_not_values():
    from toolkit.intake.base import FileIntake
    from toolkit.intake.othercrm import _status_flags

    df = pd.DataFrame({"Status": ["won", "Thandiwe Okafor", "lost", "10.0.0.1"]},
                      index=[2, 3, 4, 5])
    intake = FileIntake(table="opportunities", path="deals.csv", format="pipedrive")
    out = _status_flags(df, "status", intake)
    assert intake.warnings == ["Status: 2 status value(s) not open/won/lost "
                               "(rows 3 and 5 of the export)"]
    assert list(out["is_won"].fillna("?")) == ["true", "?", "false", "?"]


def test_decimal_separator_warning_names_a_row_not_a_value():
    from toolkit.intake.parse import parse_numbers

    warns: list[str] = []
    parse_numbers(pd.Series(["48.856", "2.500"], index=[7, 8]), column="amount", file="f.csv",
                  warnings=warns)
    assert warns and "48.856" not in warns[0] and "row 7 of the export" in warns[0]
