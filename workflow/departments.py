"""Departments (责任部门) as data: each belongs to a prefecture centre, or to the provincial company.

A ticket of a prefecture is dispatched to a department of the same prefecture or to a provincial
one (the provincial monitoring room coordinates what no prefecture controls).  The file
``workflow/departments.yaml`` lists the units every prefecture has, the provincial units, and any
prefecture's own departments; :func:`load_departments` builds the directory for the prefecture codes
it is given (the hotline's 14), so the list of prefectures lives in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from workflow.errors import ConfigError, UnknownDepartment

__all__ = [
    "DEFAULT_DEPARTMENTS_PATH",
    "PROVINCE",
    "Department",
    "DepartmentDirectory",
    "load_departments",
    "parse_departments",
]

DEFAULT_DEPARTMENTS_PATH = Path(__file__).with_name("departments.yaml")
PROVINCE = "province"
_CODE = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class Department:
    code: str  # e.g. lanzhou.switching
    prefecture: str  # a prefecture code, or ``province``
    name_zh: str
    name_en: str

    def takes_tickets_of(self, prefecture: str) -> bool:
        return self.prefecture in (prefecture, PROVINCE)


class DepartmentDirectory:
    __slots__ = ("_by_code",)

    def __init__(self, departments: Iterable[Department]) -> None:
        by_code: dict[str, Department] = {}
        for department in departments:
            if department.code in by_code:
                raise ValueError(f"department {department.code!r} is listed twice")
            by_code[department.code] = department
        self._by_code = by_code

    def get(self, code: str) -> Department:
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownDepartment(code) from None

    def of_prefecture(self, prefecture: str) -> tuple[Department, ...]:
        """The departments a ticket of ``prefecture`` may go to: its own, then the provincial ones."""
        own = [d for d in self if d.prefecture == prefecture]
        return tuple(own + [d for d in self if d.prefecture == PROVINCE and prefecture != PROVINCE])

    def __iter__(self) -> Iterator[Department]:
        return iter(sorted(self._by_code.values(), key=lambda d: d.code))

    def __len__(self) -> int:
        return len(self._by_code)


def load_departments(
    prefectures: Iterable[str], path: Path = DEFAULT_DEPARTMENTS_PATH
) -> DepartmentDirectory:
    """The directory described by ``path`` for these prefecture codes; :class:`ConfigError` names each
    bad item (``units[2]``, ``departments[0]``)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(path.name, [f"not valid YAML: {exc}"]) from None
    return parse_departments(data, list(prefectures), path.name)


def parse_departments(data: object, prefectures: list[str], source: str) -> DepartmentDirectory:
    """The directory described by ``data`` (what ``yaml.safe_load`` returned) for these prefectures."""
    if not isinstance(data, dict) or set(data) - {"units", "province", "departments"}:
        raise ConfigError(source, ["must be a mapping with units, province, departments"])
    problems: list[str] = []
    departments: list[Department] = []
    for key, owners in (("units", prefectures), ("province", [PROVINCE])):
        for where, item in _entries(data.get(key), key, {"unit", "name"}, problems):
            named = _named(where, item, "unit", problems)
            if named is not None:
                unit, zh, en = named
                departments += [Department(f"{owner}.{unit}", owner, zh, en) for owner in owners]
    known = {*prefectures, PROVINCE}
    for where, item in _entries(
        data.get("departments"), "departments", {"code", "prefecture", "name"}, problems
    ):
        named = _named(where, item, "code", problems)
        prefecture = item["prefecture"]
        if not isinstance(prefecture, str) or prefecture not in known:
            problems.append(f"{where}: prefecture {prefecture!r} is not one of the hotline's")
        elif named is not None:
            departments.append(Department(named[0], prefecture, named[1], named[2]))
    codes = [d.code for d in departments]
    problems += [
        f"department {c!r} is listed twice" for c in sorted({c for c in codes if codes.count(c) > 1})
    ]
    if problems:
        raise ConfigError(source, problems)
    return DepartmentDirectory(departments)


def _entries(
    data: object, key: str, fields: set[str], problems: list[str]
) -> Iterator[tuple[str, dict[str, object]]]:
    if data is None:
        return
    if not isinstance(data, list):
        problems.append(f"{key}: must be a list")
        return
    for index, item in enumerate(data):
        where = f"{key}[{index}]"
        if isinstance(item, dict) and set(item) == fields:
            yield where, item
        else:
            problems.append(f"{where}: must have exactly {', '.join(sorted(fields))}")


def _named(
    where: str, item: dict[str, object], id_key: str, problems: list[str]
) -> tuple[str, str, str] | None:
    ident, name = item[id_key], item["name"]
    if not isinstance(ident, str) or not _CODE.fullmatch(ident):
        problems.append(f"{where}: {id_key} must be lower-case letters, digits, '-' and '.'")
        return None
    if isinstance(name, dict) and set(name) == {"zh", "en"}:
        zh, en = name["zh"], name["en"]
        if isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip():
            return ident, zh.strip(), en.strip()
    problems.append(f"{where} ({ident}): name must be {{zh: ..., en: ...}}, both non-empty")
    return None
