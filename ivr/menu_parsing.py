"""Reading one mapping of a menu file with the checks :mod:`ivr.menu` needs, collecting problems
instead of stopping at the first one, each named by node and field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from prompts.language import Language
from storage import complaint_categories, fault_categories
from storage.ticket_lifecycle import Severity, TicketKind

if TYPE_CHECKING:
    from ivr.menu import MenuVocabulary, TicketFields

_MISSING: Any = object()


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, field: str, message: str) -> None:
        self.items.append(f"{where}: {field}: {message}")

    def __bool__(self) -> bool:
        return bool(self.items)

    def check_prompts(
        self,
        where: str,
        field: str,
        prompt_ids: Iterable[str],
        vocabulary: MenuVocabulary,
        allowed_slots: frozenset[str] = frozenset(),
    ) -> None:
        for prompt_id in prompt_ids:
            p = vocabulary.prompts.get(prompt_id)
            if p is None:
                self.add(where, field, f"unknown prompt {prompt_id!r}")
                continue
            extra = {slot for lang in Language for slot in p.slots(lang)} - allowed_slots
            if extra:
                self.add(
                    where, field, f"prompt {prompt_id!r} needs {sorted(extra)}, which this node cannot give"
                )


class NodeReader:
    """Typed access to one mapping; every key read is remembered so leftovers can be reported."""

    def __init__(self, problems: Problems, where: str, raw: Any, node_id: str = "", prefix: str = "") -> None:
        self.problems = problems
        self.where = where
        self.node_id = node_id
        self.prefix = prefix
        if not isinstance(raw, dict):
            problems.add(where, prefix.rstrip(".") or "(whole)", "must be a mapping")
            raw = {}
        self.raw: dict[Any, Any] = raw
        self.used: set[str] = set()

    def problem(self, field: str, message: str) -> None:
        self.problems.add(self.where, self.prefix + field, message)

    def _get(self, key: str, default: Any) -> Any:
        self.used.add(key)
        if key in self.raw and self.raw[key] is not None:
            return self.raw[key]
        if default is _MISSING:
            self.problem(key, "missing")
        return default

    def string(self, key: str, default: str = _MISSING) -> str:
        value = self._get(key, default)
        if value is _MISSING:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(key, f"must be text, not {type(value).__name__}")
            return ""
        return str(value)

    def optional_string(self, key: str, default: str | None = None) -> str | None:
        if key in self.raw and self.raw[key] is None:
            self.used.add(key)
            return None
        value = self._get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(key, f"must be text, not {type(value).__name__}")
            return None
        return str(value)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"must be a whole number, not {value!r}")
            return default
        if not low <= value <= high:
            self.problem(key, f"{value} is outside {low}..{high}")
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, not {value!r}")
            return default
        return value

    def mapping(self, key: str, default: Mapping[str, Any] = _MISSING) -> dict[Any, Any]:
        value = self._get(key, default)
        if value is _MISSING:
            return {}
        if not isinstance(value, Mapping):
            self.problem(key, f"must be a mapping, not {type(value).__name__}")
            return {}
        return dict(value)

    def prompts(
        self,
        key: str,
        vocabulary: MenuVocabulary,
        required: bool,
        allowed_slots: frozenset[str] = frozenset(),
    ) -> tuple[str, ...]:
        value = self._get(key, _MISSING if required else None)
        if value is None or value is _MISSING:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items) or not items:
            self.problem(key, "must be a prompt id or a list of prompt ids")
            return ()
        self.problems.check_prompts(self.where, self.prefix + key, items, vocabulary, allowed_slots)
        return tuple(items)

    def no_other_fields(self) -> None:
        for key in self.raw:
            if str(key) not in self.used:
                self.problem(str(key), "unknown field")

    def ignore_other_fields(self) -> None:
        self.used.update(str(k) for k in self.raw)


def check_ticket_fields(r: NodeReader, raw: Mapping[str, Any], field: str) -> TicketFields:
    """The ticket fields of a ticket node or an option: each must exist for its kind."""
    from ivr.menu import TicketFields

    sub = NodeReader(r.problems, r.where, dict(raw), node_id=r.node_id, prefix=f"{r.prefix}{field}.")
    kind_text = sub.optional_string("kind")
    category = sub.optional_string("category")
    subcategory = sub.optional_string("subcategory")
    severity_text = sub.optional_string("severity")
    sub.no_other_fields()
    kind = None
    if kind_text is not None:
        if kind_text not in {k.value for k in TicketKind}:
            sub.problem("kind", f"unknown ticket kind {kind_text!r} (use complaint, suggestion or fault)")
        else:
            kind = TicketKind(kind_text)
    severity = None
    if severity_text is not None:
        if severity_text not in {s.value for s in Severity}:
            sub.problem("severity", f"unknown severity {severity_text!r}")
        else:
            severity = Severity(severity_text)
    if category is not None:
        faults, complaints = set(fault_categories.BY_CODE), set(complaint_categories.BY_CODE)
        if kind is TicketKind.FAULT:
            known = faults
        elif kind is TicketKind.COMPLAINT:
            known = complaints
        elif kind is TicketKind.SUGGESTION:
            known = set()
        else:
            known = faults | complaints
        if category not in known:
            sub.problem("category", f"unknown {kind or 'ticket'} category {category!r}")
        elif subcategory is not None:
            complaint = complaint_categories.BY_CODE.get(category)
            subs = {s.code for s in complaint.subcategories} if complaint else set()
            if subcategory not in subs:
                sub.problem("subcategory", f"category {category!r} has no subcategory {subcategory!r}")
    elif subcategory is not None:
        sub.problem("subcategory", "needs a category")
    return TicketFields(kind=kind, category=category, subcategory=subcategory, severity=severity)
