"""Attack 22: IK2 — an id written in capitals ("SURVEY", "NONE", "SALES") was masked in every
string and key of results.json (the survey section vanished, or the run failed on the
results' shape); IP1 — respondents' IP addresses quoted from a shifted column by an intake
warning reached run.log, results.json, report.html, report.ipynb and the deck."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from tests.conftest import SAMPLES
from toolkit.idmask import ID_MASK, IP_MASK, make_id_mask, mask_ip_addresses, maskable


@pytest.mark.parametrize("rid", ["SURVEY", "NONE", "SALES", "Survey", "none", "N/A", "NO-ONE"])
def test_ids_written_as_words_in_any_case_are_not_masked(rid):
    assert not maskable(rid)


@pytest.mark.parametrize("rid", ["R_abcDEFghiJKLmno", "xKqLmPz", "R_38147", "EMP-20417"])
def test_random_looking_ids_are_masked(rid):
    assert maskable(rid)


def test_capital_ids_rename_no_key_and_no_word():
    from toolkit.privacy_report import redact_results

    res = {"survey": {"scales": {"TRUST": {"mean": 3.0}}},
           "incentives": {"sentence": "marketing earns none of the commission",
                          "bands": {"none": 1}},
           "data": {"warnings": ["2 response(s) with an unknown Status ('sales', 'r_38147')"]}}
    out = redact_results(res, [], ids=["SURVEY", "NONE", "SALES", "R_38147"])
    assert out["survey"] == res["survey"] and out["incentives"] == res["incentives"]
    assert out["data"]["warnings"] == [
        f"2 response(s) with an unknown Status ('sales', '{ID_MASK}')"]


@pytest.mark.parametrize("text, masked", [
    ("from 10.0.0.1 and 192.168.1.254", 2),
    ("fe80::1 or 2001:db8:85a3:0:0:8a2e:370:7334", 2),
    ("version 1.2.3, 1.2.3.4.5, 12:30:45, 2024-01-05, 3.5 of 10, 256.1.1.1", 0),
])
def test_ip_addresses_are_masked_and_nothing_else(text, masked):
    out = mask_ip_addresses(text)
    assert out.count(IP_MASK) == masked, out
    assert make_id_mask([])(text) == out       # with or without ids


def test_ip_addresses_in_warned_cells_never_reach_results(tmp_path):
    from toolkit.pipeline import analyse_folder

    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", dst)
    p = dst / "survey" / "qualtrics_export.csv"
    rows = list(csv.reader(p.open(newline="", encoding="utf-8")))
    h = rows[0]
    ips = [rows[10][h.index("IPAddress")], rows[11][h.index("IPAddress")]]
    assert all(ips), "the sample holds IP addresses"
    rows[4][h.index("Status")] = ips[0]
    rows[5][h.index("Status")] = ips[1]
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    text = json.dumps(analyse_folder(dst), ensure_ascii=False)
    assert not any(ip in text for ip in ips)
    assert "unknown Status kept (rows 5 and 6 of the export)" in text


@pytest.mark.parametrize("rid, expected", [("40.7128", True), ("-74.0060", True),
                                           ("51.5", False), ("1-2", False), ("1.2.3", False)])
def test_numbers_with_separators_are_masked_from_five_digits(rid, expected):
    assert maskable(rid) is expected


def test_location_columns_are_identifiers():
    import pandas as pd

    from toolkit.intake.surveybuild import SurveyExport, identifier_values

    df = pd.DataFrame({"LocationLatitude": ["40.7128"], "LocationLongitude": ["-74.0060"],
                       "ResponseId": ["R_1"], "UserLanguage": ["EN"]})
    ex = SurveyExport(df=df, texts={}, id_column="ResponseId",
                      personal=["LocationLatitude", "LocationLongitude"],
                      metadata=["UserLanguage"])
    assert identifier_values(ex) == ["-74.0060", "40.7128"]
    assert make_id_mask(identifier_values(ex))("Status ('40.7128', '-74.0060', 'EN')") == \
        f"Status ('{ID_MASK}', '-{ID_MASK}', 'EN')"
