"""The one workbook writer: formatted report workbooks and the workbook of download tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.reporting.workbook import (
    SheetTable,
    formatted_workbook_bytes,
    tables_workbook_bytes,
    value_format,
    write_formatted_workbook,
)


def test_value_format():
    assert value_format([120.0, 3.0]) == "#,##0"
    assert value_format([12.5]) == "#,##0.0"
    assert value_format([2.66, np.nan]) == "#,##0.00"


def _sheets() -> list[SheetTable]:
    plan = pd.DataFrame({"action": ["Gates", "A very long action name " * 4],
                         "cost": [150000.0, 5000.0], "start": [2025, 2024]})
    milestones_frame = pd.DataFrame({"review_label": ["June 2025", "December 2025"],
                                     "milestone": [2.41234, 2.3]})
    return [
        SheetTable(name="Action plan", title="Blaby: action plan", table=plan,
                   notes=["ILLUSTRATIVE: examples."],
                   headers={"action": "Action", "cost": "Cost (£)", "start": "Start"},
                   formats={"cost": "£#,##0", "start": "0"}),
        SheetTable(name="Target a/b:c", title="Target", table=milestones_frame,
                   headers={"review_label": "Review", "milestone": "Milestone"},
                   formats={"milestone": "#,##0.00"},
                   footer=[("Chance of meeting the target", 0.25, "0%")]),
    ]


def test_workbook_layout_formats_and_determinism(tmp_path):
    data = formatted_workbook_bytes(_sheets(), title="Blaby: action plan")
    assert data == formatted_workbook_bytes(_sheets(), title="Blaby: action plan")  # byte-identical
    path = tmp_path / "plan.xlsx"
    path.write_bytes(data)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Action plan", "Target a_b_c"]
    ws = wb["Action plan"]
    assert ws["A1"].value == "Blaby: action plan" and ws["A1"].font.bold
    assert ws["A2"].value == "ILLUSTRATIVE: examples."
    assert [c.value for c in ws[4]] == ["Action", "Cost (£)", "Start"]
    assert ws["A4"].font.bold
    assert ws.freeze_panes == "A5"
    assert ws["B5"].value == 150000 and ws["B5"].number_format == "£#,##0"
    assert ws["C6"].value == 2024 and ws["C6"].number_format == "0"
    assert ws.column_dimensions["A"].width == 60  # long text capped, and wrapped
    assert ws["A6"].alignment.wrap_text
    assert ws.column_dimensions["B"].width == 10  # at least 10
    target = wb["Target a_b_c"]
    assert target.freeze_panes == "A4"
    assert target["B4"].value == pytest.approx(2.41234) and target["B4"].number_format == "#,##0.00"
    assert target["A7"].value == "Chance of meeting the target"
    assert target["B7"].value == 0.25 and target["B7"].number_format == "0%"


def test_workbook_refusals():
    with pytest.raises(ValueError, match="at least one sheet"):
        formatted_workbook_bytes([], title="x")
    bad = SheetTable(name="x", title="x", table=pd.DataFrame({"a": [1]}), headers={"b": "B"},
                     formats={})
    with pytest.raises(ValueError, match="column 'b' is not in its table"):
        formatted_workbook_bytes([bad], title="x")


def test_formatted_workbook_written_atomically(tmp_path):
    path = write_formatted_workbook(_sheets(), tmp_path / "sub" / "plan.xlsx", title="T")
    assert path.read_bytes() == formatted_workbook_bytes(_sheets(), title="T")


class _Table:
    def __init__(self, name, frame):
        self.name, self.title, self.description, self.frame = name, name.title(), "d", frame


def test_tables_workbook_about_sheet_and_determinism(tmp_path):
    tables = [_Table("about", pd.DataFrame({"a": [1, 2], "when": [pd.Timestamp("2024-01-02")] * 2})),
              _Table("x" * 40, pd.DataFrame({"b": [True, None]}))]
    data = tables_workbook_bytes(tables, title="Pack", about=[("District", "Blaby")],
                                 flags=[("[x]", "not available")])
    assert data == tables_workbook_bytes(tables, title="Pack", about=[("District", "Blaby")],
                                         flags=[("[x]", "not available")])
    path = tmp_path / "tables.xlsx"
    path.write_bytes(data)
    wb = load_workbook(path)
    assert wb.sheetnames == ["About", "about_2", "x" * 31]
    about = wb["About"]
    assert about["A1"].value == "Pack" and about["A3"].value == "District"
    assert [c.value for c in about[6]][:2] == ["[x]", "not available"]
    sheet = wb["about_2"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:B3"
    assert sheet["B2"].value == "2024-01-02T00:00:00"
    assert wb["x" * 31]["A2"].value is True  # booleans stay booleans in the tables workbook
