"""Loading and validating the compensation plan (SPEC §2.5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.exceptions import ValidationError
from toolkit.incentives import load_plan

HEADER = ("team,role,headcount,base_salary,variable_target,component,metric,weight,"
          "commission_rate,applies_to,gate\n")


def write(tmp_path: Path, text: str, name: str = "plan.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return p


def test_valid_csv_types_and_values(tmp_path):
    p = write(tmp_path, HEADER +
              "sales,AE,10,100000,100000,Own bookings,bookings,0.8,0.1,own_won,0.7\n"
              "sales,AE,10,100000,100000,SLA,sla_compliance,0.2,,,\n")
    plan = load_plan(p)
    assert list(plan["weight"]) == [0.8, 0.2]
    assert plan["headcount"].dtype == "int64" and plan["headcount"].tolist() == [10, 10]
    assert plan["commission_rate"].iloc[0] == 0.1 and plan["commission_rate"].isna().iloc[1]
    assert plan["applies_to"].iloc[0] == "own_won" and plan["applies_to"].isna().iloc[1]
    assert plan["gate"].iloc[0] == 0.7
    assert plan.attrs["file"] == str(p)


def test_semicolon_bom_percent_and_optional_columns_absent(tmp_path):
    text = ("team;role;headcount;base_salary;variable_target;component;metric;weight\n"
            "marketing;DG;3;90,000;30000;MQLs;mql_volume;70%\n"
            "marketing;DG;3;90,000;30000;Objectives;mbo;0,3\n")
    plan = load_plan(write(tmp_path, text, encoding="utf-8-sig"), display_name="incentives/p.csv")
    assert plan["base_salary"].tolist() == [90000.0, 90000.0]
    assert plan["weight"].tolist() == pytest.approx([0.7, 0.3])
    assert plan["commission_rate"].isna().all() and plan["gate"].isna().all()


def test_excel_accepted(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append(["sales", "AE", 4, 80000, 40000, "Bookings", "bookings", 1, 0.1, "own_won", None])
    ws.append([None] * 11)  # a blank row keeps its number
    ws.append(["marketing", "DG", 2, 70000, 10000, "Revenue", "company_revenue", 1.0, None,
               None, 0.7])
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    plan = load_plan(path)
    assert plan["team"].tolist() == ["sales", "marketing"]
    assert plan["headcount"].tolist() == [4, 2]
    assert plan["gate"].iloc[1] == 0.7

    ws.cell(row=4, column=3, value=-2)  # marketing headcount, spreadsheet row 4
    wb.save(path)
    with pytest.raises(ValidationError) as exc:
        load_plan(path)
    assert [(p.row, p.column) for p in exc.value.problems] == [(4, "headcount")]


def test_all_problems_listed_with_row_and_column(tmp_path):
    p = write(tmp_path, HEADER +
              "sales,AE,10,100000,100000,Own bookings,bookings,0.7,0.1,,\n"      # row 2
              "sales,AE,10,100000,100000,SLA,sla_compliance,0.2,,,\n"            # row 3
              "salez,SDR,2.5,-5,20000,Calls,calls,1,1.5,own_won,2\n"            # row 4
              "marketing,DG,3,abc,30000,MQLs,mql_volume,1,,all_won,\n")          # row 5
    with pytest.raises(ValidationError) as exc:
        load_plan(p, display_name="incentives/comp_plan.csv")
    got = {(pr.row, pr.column) for pr in exc.value.problems}
    assert got == {
        (2, "applies_to"),        # commission without applies_to
        (2, "weight"),            # AE weights sum to 0.9 (reported at the role's first row)
        (4, "team"), (4, "metric"), (4, "headcount"), (4, "base_salary"),
        (4, "commission_rate"), (4, "gate"),
        (5, "base_salary"), (5, "commission_rate"),  # applies_to without a rate
    }
    assert all(pr.file == "incentives/comp_plan.csv" for pr in exc.value.problems)
    msg = str(exc.value)
    assert "sum to 0.9" in msg and "'salez'" in msg and "'calls'" in msg


def test_missing_column_and_inconsistent_role(tmp_path):
    with pytest.raises(ValidationError) as exc:
        load_plan(write(tmp_path, "team,role,headcount,base_salary,component,metric,weight\n"
                                  "sales,AE,1,1,x,bookings,1\n"))
    assert [(p.row, p.column) for p in exc.value.problems] == [(1, "variable_target")]

    with pytest.raises(ValidationError) as exc:
        load_plan(write(tmp_path, HEADER +
                        "sales,AE,10,100000,100000,A,bookings,0.5,,,\n"
                        "sales,AE,12,100000,100000,B,pipeline,0.5,,,\n", name="b.csv"))
    assert [(p.row, p.column) for p in exc.value.problems] == [(3, "headcount")]


def test_empty_and_unknown_type(tmp_path):
    with pytest.raises(ValidationError, match="no component rows"):
        load_plan(write(tmp_path, HEADER))
    with pytest.raises(ValidationError, match="unsupported file type"):
        load_plan(write(tmp_path, "x", name="plan.json"))
    with pytest.raises(ValidationError, match="not found"):
        load_plan(tmp_path / "nope.csv")
