"""engagement.toml loading and validation (SPEC §1)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from toolkit.config import load_engagement
from toolkit.exceptions import ConfigError
from tests.conftest import write

GOOD = """
[client]
id = "acme-2025"
name = "Acme Industrial Ltd"
period_start = 2025-01-01
period_end = 2025-12-31
headcount = { sales = 42, marketing = 11 }

[survey]
path = "survey/responses.csv"
team_map = { "Inside Sales" = "sales" }

[crm]
leads = "crm/leads.csv"
marketing_sources = ["web"]

[analysis]
min_group_size = 6
"""


@pytest.fixture
def folder(tmp_path):
    write(tmp_path / "survey" / "responses.csv", "respondent_id,team\n")
    write(tmp_path / "crm" / "leads.csv", "lead_id,created_at,source\n")
    return tmp_path


def test_good_engagement_loads_with_resolved_paths(folder):
    write(folder / "engagement.toml", GOOD)
    eng = load_engagement(folder)
    assert eng.client.id == "acme-2025"
    assert eng.client.period_start == dt.date(2025, 1, 1)
    assert eng.client.headcount == {"sales": 42, "marketing": 11}
    assert eng.survey.path == (folder / "survey" / "responses.csv").resolve()
    assert eng.survey.team_map == {"Inside Sales": "sales"}
    assert eng.crm.marketing_sources == ("web",)
    assert eng.crm.opportunities is None
    assert eng.incentives is None
    assert eng.analysis.min_group_size == 6
    assert eng.analysis.well_worked_attempts == 6  # default


def test_all_problems_listed_at_once(folder, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write(outside / "x.csv", "a\n")
    bad = GOOD.replace('id = "acme-2025"', 'id = "Acme 2025"')
    bad = bad.replace('path = "survey/responses.csv"', f'path = "../{outside.name}/x.csv"')
    bad = bad.replace('leads = "crm/leads.csv"', 'leads = "/etc/passwd"\ncolour = "red"')
    bad = bad.replace("min_group_size = 6", "min_group_size = 2")
    write(folder / "engagement.toml", bad + '\n[extra]\nx = 1\n')
    with pytest.raises(ConfigError) as info:
        load_engagement(folder)
    text = str(info.value)
    keys = {p.column for p in info.value.problems}
    assert {"client.id", "survey.path", "crm.leads", "crm.colour", "analysis.min_group_size",
            "extra"} <= keys, text
    assert "not a valid slug" in text
    assert "leaves the engagement folder" in text
    assert "absolute paths are refused" in text
    assert "unknown key" in text


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="no engagement.toml"):
        load_engagement(tmp_path)
    write(tmp_path / "engagement.toml", "[client\nid=1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_engagement(tmp_path)


def test_missing_input_file_is_named(folder):
    write(folder / "engagement.toml", GOOD.replace("crm/leads.csv", "crm/nope.csv"))
    with pytest.raises(ConfigError) as info:
        load_engagement(folder)
    (p,) = info.value.problems
    assert p.column == "crm.leads" and "crm/nope.csv" in p.message


def test_unknown_team_in_team_map(folder):
    write(folder / "engagement.toml", GOOD.replace('= "sales" }', '= "salez" }'))
    with pytest.raises(ConfigError, match="unknown team 'salez'"):
        load_engagement(folder)


@pytest.mark.parametrize("name, says", [("A" * 20000, "20,000 characters"),
                                        ("Acme\nLtd", "control characters")])
def test_client_name_too_long_or_multiline_is_refused(tmp_path, name, says):
    from toolkit.config import load_engagement
    from toolkit.exceptions import ConfigError

    (tmp_path / "engagement.toml").write_text(
        '[client]\nid = "acme"\nname = ' + json.dumps(name) + '\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_engagement(tmp_path)
    assert "client.name" in str(e.value) and says in str(e.value)


def test_client_id_longer_than_a_safe_folder_name_is_refused(tmp_path):
    """Review 13c V1: the id names output folders (and the staging ``.<id>.XXXX.partial``);
    300 characters passed validate and failed the report with "File name too long"."""
    from toolkit.config import MAX_CLIENT_ID, SLUG_RE, load_engagement
    from toolkit.exceptions import ConfigError

    (tmp_path / "engagement.toml").write_text(
        '[client]\nid = "' + "a" * 300 + '"\nname = "Acme"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_engagement(tmp_path)
    assert "client.id" in str(e.value) and f"at most {MAX_CLIENT_ID}" in str(e.value)
    assert SLUG_RE.match("a" * MAX_CLIENT_ID) and not SLUG_RE.match("a" * (MAX_CLIENT_ID + 1))
    assert len(f".{'a' * MAX_CLIENT_ID}.abcdefgh.partial".encode()) < 255


def test_batch_names_from_long_folder_paths_and_summaries_stay_short(tmp_path):
    """Review 13c V1 for batches: a folder key made from a deep path is bounded, and a
    slice summary's overlong client id (it becomes a folder name) is refused."""
    from toolkit.batch.discover import _slug
    from toolkit.batch.summary import read_summary
    from toolkit.config import MAX_CLIENT_ID
    from toolkit.exceptions import InputError

    assert len(_slug("/".join(["region-emea-client"] * 40))) <= MAX_CLIENT_ID
    p = tmp_path / "batch-summary.csv"
    p.write_text("client_id,folder,status,seconds\n" + "a" * 300 + ",x,ok,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2, column client_id"):
        read_summary(p)
