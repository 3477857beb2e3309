"""``/api/reports/{name}``: in the caller's scope, the province equal to the sum of its
prefectures, the XLSX holding the JSON's numbers; the customer base and 越级 registration."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from prometheus_client import CollectorRegistry

from reports.call_assembly import FinishedCall
from reports.call_rows import CdrFacts
from reports.record_writer import RecordWriter, WriterMetrics
from storage.prefectures import PREFECTURES
from tests.reports.dataset import calls as fixed_calls

from .conftest import ApiEnv


async def _load(api: ApiEnv) -> None:
    writer = RecordWriter(api.sessions, WriterMetrics.on(CollectorRegistry()))
    for record in fixed_calls():
        writer.submit(FinishedCall(record, CdrFacts()))
    await writer.flush()


async def test_a_prefectures_statistician_sees_their_prefecture_only(api: ApiEnv) -> None:
    await _load(api)
    status, report = await api.call("GET", "/api/reports/traffic?period=2024-03-01", "stat.lanzhou")
    assert status == 200, report
    assert report["scope"] == "lanzhou"
    assert [r["prefecture"] for r in report["rows"]] == ["lanzhou"]
    lanzhou = report["rows"][0]
    assert (lanzhou["offered"], lanzhou["answered"], lanzhou["short_abandons"]) == (8, 4, 1)
    status, error = await api.call(
        "GET", "/api/reports/traffic?period=2024-03-01&prefecture=tianshui", "stat.lanzhou"
    )
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    # a statistician has reports only
    status, error = await api.call("GET", "/api/tickets", "stat.lanzhou")
    assert (status, error["error_id"]) == (403, "auth-forbidden")


async def test_the_province_is_the_sum_of_its_prefectures_and_the_xlsx_holds_the_json(api: ApiEnv) -> None:
    await _load(api)
    status, report = await api.call("GET", "/api/reports/traffic?period=2024-03", "stat.province")
    assert status == 200, report
    rows = {r["prefecture"]: r for r in report["rows"]}
    assert list(rows)[:-1] == [p.code for p in PREFECTURES] and list(rows)[-1] == "*"
    counts = [c["key"] for c in report["columns"] if c["kind"] == "integer"]
    for key in counts:
        assert rows["*"][key] == sum(r[key] for p, r in rows.items() if p != "*"), key
    assert rows["jiuquan"]["offered"] == 0 and rows["jiuquan"]["service_level"] is None
    assert report["labels"]["lanzhou"] == "兰州"

    r = await api.client.get(
        "/api/reports/traffic?period=2024-03&format=xlsx",
        headers={"Authorization": f"Bearer {await api.token('stat.province')}"},
    )
    assert r.status == 200 and "attachment" in r.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(await r.read())).worksheets[0]
    assert sheet.title == "话务量统计表" and sheet.freeze_panes is not None
    header = [c.value for c in sheet[1]]
    assert header[0] == "地市" and "呼入量" in header
    keys = [c["key"] for c in report["columns"]]
    for i, row in enumerate(report["rows"]):
        cells = [c.value for c in sheet[i + 2]]
        for key, column, cell in zip(keys, report["columns"], cells, strict=False):
            value = row[key]
            if column["kind"] == "duration":
                assert cell == timedelta(seconds=value)
            elif not column["dimension"]:
                assert cell == value, (key, cell, value)


async def test_csv_download_and_compare_columns(api: ApiEnv) -> None:
    await _load(api)
    token = await api.token("sup.province")
    r = await api.client.get(
        "/api/reports/traffic?period=2024-03-01&prefecture=lanzhou&format=csv",
        headers={"Authorization": f"Bearer {token}"},
    )
    body = await r.read()
    assert r.status == 200 and body.startswith("\ufeff".encode())
    assert "呼入量" in body.decode("utf-8-sig").splitlines()[0]
    status, compared = await api.call(
        "GET", "/api/reports/traffic?period=2024-03-01&compare=1", "sup.province"
    )
    assert status == 200
    assert "offered_mom_base" in [c["key"] for c in compared["columns"]]
    status, error = await api.call("GET", "/api/reports/nothing?period=2024-03", "admin")
    assert (status, error["error_id"]) == (400, "request-invalid")
    status, error = await api.call("GET", "/api/reports/traffic?period=March", "admin")
    assert (status, error["error_id"]) == (400, "request-invalid")


async def test_customer_base_and_escalation(api: ApiEnv) -> None:
    body = {"prefecture": "tianshui", "month": "2024-06", "customers": 2_000_000}
    status, error = await api.call("PUT", "/api/reports/customer-base", "stat.lanzhou", body)
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, done = await api.call("PUT", "/api/reports/customer-base", "stat.province", body)
    assert status == 200 and done["customers"] == 2_000_000
    # a complaint ticket of the demo data: tianshui's 00000018 is a fault, jiuquan's 00000026 a complaint
    status, error = await api.call(
        "POST", "/api/tickets/00000026/escalation", "stat.lanzhou", {"channel": "miit"}
    )
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, error = await api.call(
        "POST", "/api/tickets/00000026/escalation", "stat.province", {"channel": "tv"}
    )
    assert status == 400
    status, done = await api.call(
        "POST", "/api/tickets/00000026/escalation", "stat.province", {"channel": "miit"}
    )
    assert status == 201 and done["channel_zh"] == "工信部/通信管理局"
    status, report = await api.call(
        "GET", "/api/reports/complaints?period=2024-06&by=channel", "stat.province"
    )
    assert status == 200, report
    by_channel = {r["channel"]: r for r in report["rows"]}
    assert by_channel["miit"]["escalated"] == 1 and by_channel[""]["escalated"] == 0
