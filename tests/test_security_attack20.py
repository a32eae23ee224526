"""Attack 20, WL: intake *warnings* quoted raw cell values, so a respondent id typed into a
Qualtrics ``Status`` cell or a CRM ``Activity Type`` cell reached run.log, results.json,
report.html and report.ipynb (names in the same warnings were masked; ids were not). Every
respondent id of the survey export (dropped rows too) is now masked in every text of the
results (:mod:`toolkit.idmask`), which is what every output and the run log are written from."""

from __future__ import annotations

import csv
import json
import re
import shutil
import time

import pytest

from tests.conftest import SAMPLES
from toolkit.idmask import ID_MASK, make_id_mask, maskable


# --- the mask ---------------------------------------------------------------------------

@pytest.mark.parametrize("rid, expected", [
    ("R_38147", True), ("row12", True), ("resp-0001", True), ("R12", True),
    ("114691234567", True), ("10423", True),
    ("xKqLmPz", True), ("R_abcDEFghiJKLmno", True),
    ("2024", False), ("123", False), ("ab", False), ("abc", False), ("", False),
    ("sales", False), ("Marketing", False), ("anon", False),
])
def test_maskable(rid, expected):
    assert maskable(rid) is expected


def test_ids_are_masked_in_any_case_as_whole_words():
    f = make_id_mask(["R_38147", "R_38746", "114691234567", "row12", "2024"])
    assert f("2 response(s) with an unknown Status ('r_38147', 'x') kept") == \
        f"2 response(s) with an unknown Status ('{ID_MASK}', 'x') kept"
    assert f("('R_38746 follow-up')") == f"('{ID_MASK} follow-up')"
    assert f("R_38147-x, 114691234567.") == f"{ID_MASK}-x, {ID_MASK}."
    # not inside another word or number; short numbers (years, counts) stay
    assert f("XR_38147 R_381470 1146912345670") == "XR_38147 R_381470 1146912345670"
    assert f("In 2024, 12 leads; see row12") == f"In 2024, 12 leads; see {ID_MASK}"


def test_ids_written_as_words_leave_the_report_text_alone():
    f = make_id_mask(["sales", "Marketing", "lead", "R_1"])
    text = "Sales and marketing disagree on lead quality"
    assert f(text) == text


def test_no_ids_leaves_text_alone():
    assert make_id_mask([])("R_38147") == "R_38147"
    assert make_id_mask(["12", ""])("12 leads") == "12 leads"


def test_mask_is_linear_in_text_length():
    ids = [f"R_{i:05d}" for i in range(5000)] + [f"resp-{i}" for i in range(5000)]
    f = make_id_mask(ids)
    text = ("word R_00017 (resp-42) " * 45_000)[:1_000_000]
    t0 = time.process_time()
    out = f(text)
    assert time.process_time() - t0 < 3.0
    assert "R_00017" not in out and "resp-42" not in out
    assert out.count(ID_MASK) == text.count("R_00017") + text.count("resp-42")


def test_long_and_many_word_ids_keep_the_mask_linear():
    """Attack 21, DS1: one id of over 80 characters made the mask quadratic in the text."""
    ids = ["R_%05d" % i for i in range(200)] + ["R_" + "xY" * 44, "a-b-c-d-e-f1"] \
        + [f"w{i}-" * 6 for i in range(2000)]
    f = make_id_mask(ids)
    for text in ("." * 1_000_000, "a-" * 500_000, "R_" + "xY" * 44 + " ok " * 200_000):
        t0 = time.process_time()
        out = f(text)
        assert time.process_time() - t0 < 3.0
    assert out.startswith(ID_MASK + " ok")
    assert f("see a-b-c-d-e-f1 and A B C D E F1") == f"see {ID_MASK} and {ID_MASK}"


def test_ids_written_as_words_with_separators_are_not_masked():
    f = make_id_mask(["no-one", "Anna_Smith", "by_side", "resp-0001"])
    assert f("no one knows; Anna_Smith by_side; resp 0001") == \
        f"no one knows; Anna_Smith by_side; {ID_MASK}"


def test_ids_written_like_the_toolkits_codes_rename_nothing():
    """Attack 21, IK1: an id equal to an item code or a key of results.json renamed the
    figure (the survey analysis vanished or the run failed on the results' shape)."""
    from toolkit.privacy_report import redact_results

    res = {"survey": {"items": {"FAIR1": {"mean": 3.1}}},
           "crm": {"speed": {"24h|3": 0.5}},
           "data": {"warnings": ["Status ('fair1', 'R_38147', 'Survey')"]}}
    out = redact_results(res, [], ids=["FAIR1", "24h|3", "R_38147", "survey", "Survey"])
    assert out["survey"]["items"] == {"FAIR1": {"mean": 3.1}}
    assert out["crm"]["speed"] == {"24h|3": 0.5}
    assert out["data"]["warnings"] == [f"Status ('fair1', '{ID_MASK}', 'Survey')"]


def test_full_width_forms_are_masked():
    f = make_id_mask(["R_38147", "114691234567"])
    assert f("Ｒ＿３８１４７ and １１４６９１２３４５６７") == f"{ID_MASK} and {ID_MASK}"


def test_redact_results_masks_ids_in_keys_and_values_without_names():
    from toolkit.privacy_report import redact_results

    res = {"client": {"name": "R_38147 Ltd"},
           "data": {"warnings": ["type: 1 activities of unknown type ('R_38147') counted"],
                    "intake": [{"warnings": ["Status ('r_38147')"]}]},
           "crm": {"by_source": {"R_38147": 3}}}
    out = json.dumps(redact_results(res, [], ids=["R_38147"]))
    assert out.count("R_38147") + out.count("r_38147") == 1   # the client's own block only
    assert out.count(ID_MASK) == 3


def test_intake_record_never_serialises_ids():
    from toolkit.intake.base import FileIntake

    rec = FileIntake(table="survey", path="s.csv", format="qualtrics", known_ids=["R_38147"])
    assert "known_ids" not in rec.to_dict() and "R_38147" not in json.dumps(rec.to_dict())


# --- end to end -------------------------------------------------------------------------

def _edit(path, fn, *, quote_all=False):
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    fn(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL) \
            .writerows(rows)


@pytest.fixture
def wl_engagement(tmp_path):
    """The real-exports sample with respondent ids and an owner's name in the cells the
    intake warnings quote (the pass's own repro, repro/WL/build.py)."""
    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", dst)
    survey = dst / "survey" / "qualtrics_export.csv"
    rows = list(csv.reader(survey.open(newline="", encoding="utf-8")))
    h = rows[0]
    ids = [r[h.index("ResponseId")] for r in rows[3:]]

    def status(rows):
        st = rows[0].index("Status")
        rows[4][st] = rows[4][rows[0].index("ResponseId")]   # its own id
        rows[5][st] = "Theo Khan"

    _edit(survey, status)

    def acts(rows):
        t = rows[0].index("Activity Type")
        rows[1][t] = "Theo Khan"
        rows[2][t] = f"{ids[10]} follow-up"

    _edit(dst / "crm" / "activities.csv", acts, quote_all=True)
    return dst, [rows[4][h.index("ResponseId")], ids[10]]


def test_ids_in_warned_cells_never_reach_results(wl_engagement):
    from toolkit.pipeline import analyse_folder

    eng, planted = wl_engagement
    text = json.dumps(analyse_folder(eng), ensure_ascii=False)
    for rid in planted:
        assert not re.search(re.escape(rid), text, re.I), rid
    # the warnings name the rows, not the values (attack 23: NM1, IF1)
    assert "unknown Status kept (rows 5 and 6 of the export)" in text
    assert "unknown type counted as 'other' (rows 2 and 3 of the export)" in text
    assert "Theo Khan" not in text   # the control: names were masked before


def test_ids_in_warned_cells_never_reach_any_kept_file(wl_engagement, tmp_path):
    from toolkit.batch import run_batch

    eng, planted = wl_engagement
    root = tmp_path / "batch"
    root.mkdir()
    shutil.move(str(eng), root / "a")
    out = tmp_path / "out"
    run_batch(root, out, jobs=1)
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix in
             (".log", ".json", ".html", ".ipynb", ".csv", ".md")]
    assert any(p.name == "report.html" for p in files)
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        for rid in planted:
            assert not re.search(re.escape(rid), text, re.I), (p.name, rid)
    log = next(p for p in files if p.name == "run.log").read_text(encoding="utf-8")
    assert "unknown Status kept (rows 5 and 6 of the export)" in log


def test_panel_identifiers_are_masked_like_response_ids(tmp_path):
    """Attack 21, EX1: a respondent's employee number (Qualtrics ``ExternalReference``) typed
    into a Status or an Activity Type cell was quoted into every output; it is a respondent
    identifier like the response id and is masked the same way."""
    from toolkit.pipeline import analyse_folder

    dst = tmp_path / "eng"
    shutil.copytree(SAMPLES / "real-exports", dst)
    survey = dst / "survey" / "qualtrics_export.csv"

    def panel(rows):
        h = rows[0]
        ext = h.index("ExternalReference")
        for k, r in enumerate(rows[3:]):
            r[ext] = str(520400 + k)
        rows[8][h.index("Status")] = "520417"

    _edit(survey, panel)

    def acts(rows):
        rows[2][rows[0].index("Activity Type")] = "520433 follow-up"

    _edit(dst / "crm" / "activities.csv", acts, quote_all=True)
    text = json.dumps(analyse_folder(dst), ensure_ascii=False)
    assert "520417" not in text and "520433" not in text
    # a comment quoting the number loses it too (the mask, not only the warnings' rows)
    assert make_id_mask(["520417"])("ask 520417") == f"ask {ID_MASK}"


def test_identifier_values_are_the_panel_columns_only():
    import pandas as pd

    from toolkit.intake.surveybuild import SurveyExport, identifier_values

    df = pd.DataFrame({"ExternalReference": ["520417", None, " EMP-7 "],
                       "RecipientFirstName": ["Ana", "Bo", "Cy"],
                       "IPAddress": ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
                       "ResponseId": ["R_1", "R_2", "R_3"]})
    ex = SurveyExport(df=df, texts={}, id_column="ResponseId",
                      personal=["ExternalReference", "RecipientFirstName", "IPAddress"])
    assert identifier_values(ex) == ["520417", "EMP-7"]
