from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workflow.departments import Department, load_departments, parse_departments
from workflow.errors import ConfigError, UnknownDepartment

TWO = ["lanzhou", "tianshui"]


def test_the_shipped_departments_exist_in_every_prefecture_and_the_province() -> None:
    directory = load_departments(TWO)
    assert len(directory) == 2 * 8 + 1
    assert directory.get("lanzhou.switching") == Department(
        "lanzhou.switching", "lanzhou", "交换室", "Switching room"
    )
    assert directory.get("province.monitoring").name_zh == "省公司监控室"
    codes = [d.code for d in directory.of_prefecture("tianshui")]
    assert codes[-1] == "province.monitoring" and all(c.startswith("tianshui.") for c in codes[:-1])
    assert len(codes) == 9
    with pytest.raises(UnknownDepartment, match=r"no department 'baiyin\.radio'"):
        directory.get("baiyin.radio")


def test_a_department_takes_its_prefectures_tickets_and_the_province_everyones() -> None:
    directory = load_departments(TWO)
    assert directory.get("lanzhou.billing").takes_tickets_of("lanzhou")
    assert not directory.get("lanzhou.billing").takes_tickets_of("tianshui")
    assert directory.get("province.monitoring").takes_tickets_of("tianshui")


def test_a_prefectures_own_departments() -> None:
    data: dict[str, Any] = {
        "units": [{"unit": "billing", "name": {"zh": "营帐部门", "en": "Billing"}}],
        "departments": [
            {
                "code": "lanzhou.vip-team",
                "prefecture": "lanzhou",
                "name": {"zh": "大客户部", "en": "Key accounts"},
            }
        ],
    }
    directory = parse_departments(data, TWO, "test")
    assert [d.code for d in directory] == ["lanzhou.billing", "lanzhou.vip-team", "tianshui.billing"]


def test_every_problem_is_named(tmp_path: Path) -> None:
    data: dict[str, Any] = {
        "units": [
            {"unit": "Billing", "name": {"zh": "营帐", "en": "Billing"}},
            {"unit": "radio", "name": {"zh": "", "en": "Radio"}},
            {"unit": "radio", "name": {"zh": "无线室", "en": "Radio"}, "extra": 1},
        ],
        "departments": [
            {"code": "x.desk", "prefecture": "atlantis", "name": {"zh": "甲", "en": "A"}},
            {"code": "lanzhou.a", "prefecture": "lanzhou", "name": {"zh": "甲", "en": "A"}},
            {"code": "lanzhou.a", "prefecture": "lanzhou", "name": {"zh": "甲", "en": "A"}},
        ],
    }
    with pytest.raises(ConfigError) as caught:
        parse_departments(data, TWO, "departments.yaml")
    assert caught.value.problems == (
        "units[0]: unit must be lower-case letters, digits, '-' and '.'",
        "units[1] (radio): name must be {zh: ..., en: ...}, both non-empty",
        "units[2]: must have exactly name, unit",
        "departments[0]: prefecture 'atlantis' is not one of the hotline's",
        "department 'lanzhou.a' is listed twice",
    )
    bad = tmp_path / "d.yaml"
    bad.write_text("units: [", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^d\.yaml: not valid YAML"):
        load_departments(TWO, bad)
    with pytest.raises(ConfigError, match="must be a mapping"):
        parse_departments({"teams": []}, TWO, "x")
