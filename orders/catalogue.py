"""The service catalogue as data: per business line, what can be ordered or cancelled, by whom (the
caller in the IVR, or only an agent), at what fee, and from when (``orders/catalogue.yaml``).

:func:`load_catalogue` checks the whole file and reports every problem at once, each naming the
business line, the item and the field. Effective dates are a pure function of the rule and the
local day (:func:`effective_on`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from acd.model import Segment
from storage.billing import Service
from storage.service_orders import OrderAction

__all__ = [
    "DEFAULT_CATALOGUE",
    "Catalogue",
    "CatalogueError",
    "CatalogueItem",
    "Effective",
    "Who",
    "effective_on",
    "load_catalogue",
    "parse_catalogue",
]

DEFAULT_CATALOGUE = Path(__file__).with_name("catalogue.yaml")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Who(StrEnum):
    """Who may do something: the caller in the IVR (and any agent), an agent only, or nobody."""

    IVR = "ivr"
    AGENT = "agent"
    NONE = "none"

    def allows(self, channel: str) -> bool:
        if self is Who.NONE:
            return False
        return self is Who.IVR or channel == "agent"


class Effective(StrEnum):
    IMMEDIATELY = "immediately"
    NEXT_DAY = "next_day"
    NEXT_MONTH = "next_month"


def effective_on(rule: Effective, today: date) -> date:
    """The day an order taking effect by ``rule`` starts, ordered on ``today`` (local time)."""
    if rule is Effective.IMMEDIATELY:
        return today
    if rule is Effective.NEXT_DAY:
        return today + timedelta(days=1)
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    code: str
    business: Service
    name_zh: str
    name_en: str
    order: Who
    cancel: Who
    monthly_fen: int
    one_off_fen: int
    effective: Effective
    cancel_effective: Effective
    segments: frozenset[Segment] | None  # None: every segment

    @property
    def prompt_id(self) -> str:
        return f"order_item_{self.code}"

    def who(self, action: OrderAction) -> Who:
        return self.order if action is OrderAction.ORDER else self.cancel

    def rule(self, action: OrderAction) -> Effective:
        return self.effective if action is OrderAction.ORDER else self.cancel_effective

    def open_to(self, segment: Segment) -> bool:
        return self.segments is None or segment in self.segments


@dataclass(frozen=True, slots=True)
class Catalogue:
    items: Mapping[str, CatalogueItem]
    source: str = "<catalogue>"

    def item(self, code: str) -> CatalogueItem | None:
        return self.items.get(code)

    def for_business(self, business: Service) -> list[CatalogueItem]:
        return [i for i in self.items.values() if i.business is business]

    def names(self) -> list[tuple[str, str, str]]:
        """(prompt id, zh name, en name) of every item, for rendering their audio."""
        return [(i.prompt_id, i.name_zh, i.name_en) for i in self.items.values()]


class CatalogueError(Exception):
    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
        self.problems = problems


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    p = Path(path) if path is not None else DEFAULT_CATALOGUE
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(str(p), [f"cannot read the file: {exc.strerror or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(str(p), [f"not valid YAML: {exc}"]) from exc
    return parse_catalogue(data, str(p))


_FIELDS = {
    "code", "name", "order", "cancel", "monthly_fen", "one_off_fen", "effective", "cancel_effective",
    "segments",
}  # fmt: skip


def parse_catalogue(data: Any, source: str = "<catalogue>") -> Catalogue:
    problems: list[str] = []
    if (
        not isinstance(data, dict)
        or set(data) != {"business_lines"}
        or not isinstance(data["business_lines"], dict)
    ):
        raise CatalogueError(source, ["the file holds one mapping: business_lines: {<line>: [items]}"])
    items: dict[str, CatalogueItem] = {}
    for line_name, raw_items in data["business_lines"].items():
        if str(line_name) not in {s.value for s in Service}:
            problems.append(f"{line_name}: unknown business line (use {', '.join(s.value for s in Service)})")
            continue
        if not isinstance(raw_items, list):
            problems.append(f"{line_name}: must be a list of items")
            continue
        for n, raw in enumerate(raw_items, start=1):
            item = _item(Service(str(line_name)), raw, f"{line_name} item {n}", problems)
            if item is None:
                continue
            if item.code in items:
                problems.append(f"{line_name} item {n}: code {item.code!r} is used twice")
            items[item.code] = item
    if problems:
        raise CatalogueError(source, problems)
    return Catalogue(items, source)


def _item(business: Service, raw: Any, where: str, problems: list[str]) -> CatalogueItem | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    before = len(problems)
    code = str(raw.get("code", ""))
    where = f"{where} ({code or 'no code'})"
    if not _CODE.match(code):
        problems.append(f"{where}: code: lower-case letters, digits and _, starting with a letter")
    for unknown in sorted(set(map(str, raw)) - _FIELDS):
        problems.append(f"{where}: {unknown}: unknown field")
    name = raw.get("name")
    if not isinstance(name, dict) or not all(isinstance(name.get(k), str) and name[k] for k in ("zh", "en")):
        problems.append(f"{where}: name: needs zh and en")
        name = {"zh": "", "en": ""}

    def choice(key: str, enum: type[Who] | type[Effective], default: str | None) -> Any:
        value = raw.get(key, default)
        try:
            return enum(str(value))
        except ValueError:
            problems.append(f"{where}: {key}: {value!r} is not one of {', '.join(e.value for e in enum)}")
            return None

    def fen(key: str) -> int:
        value = raw.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000_000:
            problems.append(f"{where}: {key}: a whole number of fen, 0 to 10000000")
            return 0
        return value

    order, cancel = choice("order", Who, None), choice("cancel", Who, None)
    effective = choice("effective", Effective, None)
    cancel_effective = choice("cancel_effective", Effective, Effective.NEXT_MONTH.value)
    monthly, one_off = fen("monthly_fen"), fen("one_off_fen")
    segments = None
    if "segments" in raw:
        values = raw["segments"]
        if (
            not isinstance(values, list)
            or not values
            or not all(v in {s.value for s in Segment} for v in values)
        ):
            problems.append(f"{where}: segments: a list of {', '.join(s.value for s in Segment)}")
        else:
            segments = frozenset(Segment(v) for v in values)
    if len(problems) > before:
        return None
    return CatalogueItem(
        code=code, business=business, name_zh=name["zh"], name_en=name["en"], order=order, cancel=cancel,
        monthly_fen=monthly, one_off_fen=one_off, effective=effective, cancel_effective=cancel_effective,
        segments=segments,
    )  # fmt: skip
