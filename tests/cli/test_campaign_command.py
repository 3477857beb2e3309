"""``hotline campaign``: create, import (a bad file is rejected whole, every bad line named),
start, pause, status with its progress bar, results as CSV and XLSX, the do-not-call list,
the arrears job; and the operator's holiday file, which a broken entry keeps the node from using."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cli.main import main
from node.settings import SettingsError, load_settings
from outbound.calendar import CallingSchedule, DayKind
from outbound.campaign_store import CampaignStore
from outbound.contact import ContactStatus
from outbound.holidays_file import load_holidays
from storage.db import create_engine_from_settings, session_factory
from storage.settings import StorageSettings

GOOD = "number,name,prefecture,reference,amount_due,due_date\n13800000001,张三,lanzhou,A1,1200,2025-10-01\n"
BAD = (
    "number,name,prefecture,reference\n"
    "13800000001,张三,lanzhou,A1\n"
    "12345,李四,lanzhou,A2\n"  # not a number
    "13800000003,,lanzhou,A3\n"  # no name
    "13800000004,王五,lanzhou,A4\n"
)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}"
    monkeypatch.setenv("HOTLINE_STORAGE__URL", url)
    return url


async def _statuses(url: str, campaign: str) -> list[ContactStatus]:
    engine = create_engine_from_settings(StorageSettings(url=url))
    try:
        store = CampaignStore(session_factory(engine), load_holidays(None))
        return [s.contact.status for s in await store.contacts(campaign)]
    finally:
        await engine.dispose()


def test_create_import_start_status_results(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "c.json"
    settings.write_text(
        json.dumps({"pacing": {"mode": "automated", "max_calls": 3}, "windows": [["10:00", "18:00"]]})
    )
    assert main(["campaign", "create", "arrears-oct", "--name", "十月催缴", "--kind", "arrears_reminder",
                 "--settings", str(settings)]) == 0  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD.encode("gbk"))
    capsys.readouterr()
    assert main(["campaign", "import", "arrears-oct", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing imported, 2 bad line(s)" in err
    assert "line 3:" in err and "line 4:" in err and "line 2:" not in err
    assert asyncio.run(_statuses(db, "arrears-oct")) == []
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["campaign", "import", "arrears-oct", str(good)]) == 0
    assert main(["campaign", "start", "arrears-oct"]) == 0
    assert main(["campaign", "pause", "arrears-oct"]) == 0
    assert main(["campaign", "pause", "arrears-oct"]) == 1  # a paused campaign cannot pause
    capsys.readouterr()
    assert main(["campaign", "status", "arrears-oct"]) == 0
    line = capsys.readouterr().out
    assert "paused" in line and "attempted 0" in line and "remaining 1" in line and "[---" in line
    assert main(["campaign", "results", "arrears-oct", "--out", str(tmp_path / "r.csv")]) == 0
    assert (tmp_path / "r.csv").read_bytes().startswith("\ufeffcampaign,contact,number".encode())
    assert main(["campaign", "results", "arrears-oct", "--out", str(tmp_path / "r.xlsx")]) == 0
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert sheet is not None and sheet.cell(1, 1).value == "campaign"
    assert main(["campaign", "dnc", "add", "+86 138 0000 0001", "--reason", "asked"]) == 0
    assert "13800000001 is on the do-not-call list" in capsys.readouterr().out


def test_a_bad_campaign_setting_is_refused_by_name(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "c.json"
    settings.write_text(json.dumps({"pacing": {"mode": "progressive"}}))  # no skill
    assert (
        main(["campaign", "create", "x", "--name", "x", "--kind", "generic", "--settings", str(settings)])
        == 1
    )
    assert "skill" in capsys.readouterr().err
    settings.write_text(json.dumps({"ring_s": 10, "pacing": {"mode": "automated", "max_calls": 1}}))
    assert (
        main(
            [
                "campaign",
                "create",
                "x",
                "--name",
                "x",
                "--kind",
                "arrears_reminder",
                "--settings",
                str(settings),
            ]
        )
        == 1
    )
    assert "15" in capsys.readouterr().err


HOLIDAYS_2027 = """
2027:
  public_holidays:
    - 2027-01-01
    - 2027-02-06..2027-02-12
  makeup_workdays:
    - 2027-02-14
"""


def test_the_holiday_file_supplies_a_year_the_library_does_not_know(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(HOLIDAYS_2027)
    settings = load_settings(outbound={"holidays_file": str(path)})
    calendar = load_holidays(settings.outbound.holidays_file)
    assert calendar.day_kind(date(2027, 2, 8)) is DayKind.PUBLIC_HOLIDAY  # a Monday in the range
    assert calendar.day_kind(date(2027, 2, 14)) is DayKind.MAKEUP_WORKDAY  # a Sunday worked
    assert calendar.day_kind(date(2027, 2, 13)) is DayKind.WEEKEND
    assert calendar.day_kind(date(2027, 2, 15)) is DayKind.WORKDAY
    schedule = CallingSchedule(holidays=calendar)
    assert not schedule.day_allowed(date(2027, 2, 8)) and schedule.day_allowed(date(2027, 2, 14))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("2027:\n  public_holidays: [2027-13-01]\n", "2027-13-01"),
        ("2027:\n  public_holidays: [2026-12-31]\n", "another year"),
        ("2027:\n  makeup_workdays: [2027-02-15]\n", "Saturday or Sunday"),
        ("2027:\n  holidays: []\n", "public_holidays"),
    ],
)
def test_a_broken_holiday_file_is_refused_at_start_up(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(text)
    with pytest.raises(SettingsError) as err:
        load_settings(outbound={"holidays_file": str(path)})
    assert "outbound.holidays_file" in str(err.value) and named in str(err.value)


def test_status_watch_draws_a_live_bar(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert (
        main(["campaign", "create", "w", "--name", "w", "--kind", "arrears_reminder"]) == 1
    )  # progressive, no skill
    settings = tmp_path / "c.json"
    settings.write_text(json.dumps({"pacing": {"mode": "automated", "max_calls": 1}}))
    assert (
        main(
            [
                "campaign",
                "create",
                "w",
                "--name",
                "w",
                "--kind",
                "arrears_reminder",
                "--settings",
                str(settings),
            ]
        )
        == 0
    )
    assert main(["campaign", "import", "w", str(good)]) == 0
    assert main(["campaign", "finish", "w"]) == 0
    capsys.readouterr()
    assert (
        main(["campaign", "status", "w", "--watch", "--every", "0.01"]) == 0
    )  # finished: one line, then done
    assert capsys.readouterr().out.count("\n") == 1
