import csv
import io
import json
from datetime import timedelta

import openpyxl
import pytest

from reports.agent_time import build_agent_time_cube
from reports.catalogue import REPORT_NAMES, Sources, build_report
from reports.dialling import build_outbound_cube
from reports.export import csv_bytes, xlsx_bytes
from reports.intervals import build_call_cube
from reports.ivr_nodes import build_ivr_cube
from reports.periods import Period
from reports.report import Kind, Report
from reports.tickets import build_ticket_cube

from .dataset import (
    AS_OF,
    CUSTOMER_BASE,
    PREFECTURES,
    calls,
    outbound_calls,
    qa_scores,
    state_spans,
    surveys,
    tickets,
)

MARCH_1 = Period.day(2024, 3, 1)


def sources() -> Sources:
    records = calls() + outbound_calls()
    return Sources(
        calls=build_call_cube(records),
        agent_time=build_agent_time_cube(state_spans(), qa_scores()),
        ivr=build_ivr_cube(records),
        outbound=build_outbound_cube(records),
        tickets=build_ticket_cube(tickets(), surveys(), AS_OF),
        customer_base=CUSTOMER_BASE,
        prefectures=PREFECTURES,
    )


def all_reports() -> list[Report]:
    return [build_report(name, sources(), MARCH_1) for name in REPORT_NAMES]


def test_every_report_is_json_as_is() -> None:
    for report in all_reports():
        document = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
        assert document["period"]["code"] == "2024-03-01"
        assert document["rows"][-1] == report.records()[-1]
    traffic = build_report("traffic", sources(), MARCH_1).to_json()
    assert traffic["columns"][0] == {"key": "prefecture", "title": "地市", "kind": "text", "dimension": True}
    with pytest.raises(ValueError, match="unknown report"):
        build_report("sales", sources(), MARCH_1)


def test_csv_opens_in_excel_with_chinese_headers() -> None:
    report = build_report("traffic", sources(), MARCH_1)
    data = csv_bytes(report, {"lanzhou": "兰州", "tianshui": "天水", "jiuquan": "酒泉"})
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["地市", "呼入量", "自助服务量"]
    lanzhou = dict(zip(header, rows[1], strict=True))
    assert (lanzhou["地市"], lanzhou["呼入量"], lanzhou["服务水平(20秒)"]) == ("兰州", "8", "60.00%")
    assert (lanzhou["平均应答速度(秒)"], lanzhou["平均处理时长(秒)"]) == ("17.6", "254.0")
    jiuquan = dict(zip(header, rows[3], strict=True))
    assert (jiuquan["地市"], jiuquan["服务水平(20秒)"]) == ("酒泉", "")  # no calls: no rate, not 0 %
    assert rows[4][0] == "全省"
    assert data.count(b"\r\n") == 5


def test_csv_writes_durations_as_clock_times() -> None:
    agents = build_report("agents", sources(), MARCH_1, "lanzhou")
    rows = list(csv.DictReader(io.StringIO(csv_bytes(agents).decode("utf-8-sig"))))
    assert rows[0]["话务员"] == "a1"
    assert (rows[0]["登录时长"], rows[0]["示忙时长"], rows[0]["占用率"]) == ("0:30:00", "0:06:00", "14.93%")
    assert rows[-1]["话务员"] == "合计"


def test_xlsx_holds_the_same_numbers_as_the_json() -> None:
    reports = all_reports()
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(reports)))
    assert book.sheetnames == [
        "话务量统计表",
        "话务员工作量统计表",
        "用户投诉统计表",
        "IVR节点统计表",
        "呼出服务统计表",
    ]
    for report, sheet in zip(reports, book.worksheets, strict=True):
        assert [c.value for c in sheet[1]] == [c.title for c in report.columns]
        assert sheet.freeze_panes == f"{openpyxl.utils.get_column_letter(len(report.dimensions) + 1)}2"
        for i, record in enumerate(report.records(), start=2):
            for j, column in enumerate(report.columns, start=1):
                cell = sheet.cell(row=i, column=j)
                value = record[column.key]
                if column.is_dimension:
                    continue
                if column.kind is Kind.DURATION:
                    assert isinstance(cell.value, timedelta)
                    assert cell.value.total_seconds() == pytest.approx(value, abs=1e-3)
                else:
                    assert cell.value == value, (report.name, column.key, i)
    traffic = book["话务量统计表"]
    assert [traffic.cell(row=r, column=1).value for r in range(2, 6)] == [
        "lanzhou",
        "tianshui",
        "jiuquan",
        "全省",
    ]
    service_level = [c.value for c in traffic[1]].index("服务水平(20秒)") + 1
    assert traffic.cell(row=2, column=service_level).number_format == "0.00%"
    assert traffic.cell(row=2, column=service_level).value == 0.6
    assert traffic.cell(row=2, column=2).number_format == "0"
    assert traffic.cell(row=5, column=2).font.bold
    assert traffic.column_dimensions["K"].width >= 14
    assert "统计期间: 2024年3月1日" in traffic.cell(row=7, column=1).value
    agents = book["话务员工作量统计表"]
    column = {cell.value: cell.column for cell in agents[1]}
    assert agents.cell(row=2, column=column["登录时长"]).number_format == "[h]:mm:ss"
    assert agents.cell(row=2, column=column["质检平均分"]).number_format == "0.00"
    assert agents.cell(row=2, column=column["平均处理时长(秒)"]).number_format == "0.0"


def test_sheet_names_stay_unique_and_legal() -> None:
    traffic = build_report("traffic", sources(), MARCH_1)
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([traffic, traffic])))
    assert book.sheetnames == ["话务量统计表", "话务量统计表(2)"]
    with pytest.raises(ValueError, match="at least one"):
        xlsx_bytes([])
