"""Scoring forms as YAML files, one form version per file, and the form shipped with the hotline.

The file::

    form: hotline-call            # the form's id: lower-case letters, digits, '-'
    version: 1                    # a whole number ≥ 1; a changed form is a new version
    title: {zh: 热线通话质检表, en: Hotline call scoring form}
    sections:
      - id: opening
        title: {zh: 开场, en: Opening}
        criteria:
          - id: greeting
            label: {zh: 规范问候并报工号, en: Standard greeting with staff number}
            hint: {zh: ..., en: ...}    # optional
            points: 5                   # whole number ≥ 0; the form's points add up to 100
            partial: true               # optional: points between 0 and all may be given
            na: true                    # optional: may be answered "not applicable"
            critical: true              # optional: missing it zeroes the score (pass/fail only)

Every problem in a file is reported at once, each naming the item: ``hotline_call.yaml: section
'closing' > criterion 'farewell': points must be a whole number ≥ 0``.  Unknown keys are problems
too, so a misspelt ``crtical`` cannot silently make a red line an ordinary item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from qa.errors import FormError
from qa.form import Criterion, FormLibrary, Label, ScoringForm, Section

__all__ = ["DEFAULT_FORM_PATH", "FORM_POINTS", "default_form", "load_form", "load_library", "parse_form"]

DEFAULT_FORM_PATH = Path(__file__).with_name("forms") / "hotline_call.yaml"
FORM_POINTS = 100

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FORM_KEYS = frozenset({"form", "version", "title", "sections"})
_SECTION_KEYS = frozenset({"id", "title", "criteria"})
_CRITERION_KEYS = frozenset({"id", "label", "hint", "points", "critical", "partial", "na"})


def load_form(path: Path) -> ScoringForm:
    """Read and check one form file; raises :class:`FormError` naming the file and every bad item."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FormError(path.name, [f"not valid YAML: {exc}"]) from None
    return parse_form(data, path.name)


def load_library(paths: Iterable[Path]) -> FormLibrary:
    """Every form file in ``paths``; one id and version with two contents is a :class:`FormError`."""
    return FormLibrary(load_form(p) for p in paths)


def default_form() -> ScoringForm:
    """The telecom hotline call form shipped with the hotline (``qa/forms/hotline_call.yaml``)."""
    return load_form(DEFAULT_FORM_PATH)


def parse_form(data: object, source: str) -> ScoringForm:
    """The form described by ``data`` (what ``yaml.safe_load`` returned); ``source`` names it in errors."""
    checker = _Checker()
    form = checker.form(data)
    if checker.problems or form is None:
        raise FormError(source, checker.problems or ["not a scoring form"])
    return form


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}" if where else what)

    def form(self, data: object) -> ScoringForm | None:
        if not isinstance(data, dict):
            self.problem("", "the file must be a mapping with form, version, title, sections")
            return None
        self.keys(data, _FORM_KEYS, "form")
        form_id = self.slug(data.get("form"), "form", "form")
        version = data.get("version")
        if type(version) is not int or version < 1:
            self.problem("version", "must be a whole number ≥ 1")
        title = self.label(data.get("title"), "title")
        sections = self.sections(data.get("sections"))
        if sections and not self.problems:
            total = sum(s.points for s in sections)
            if total != FORM_POINTS:
                self.problem("sections", f"points add up to {total}, not {FORM_POINTS}")
        if self.problems or form_id is None or title is None or type(version) is not int:
            return None
        return ScoringForm(form_id, version, title, tuple(sections))

    def sections(self, data: object) -> list[Section]:
        if not isinstance(data, list) or not data:
            self.problem("sections", "must be a non-empty list")
            return []
        sections: list[Section] = []
        section_ids: set[str] = set()
        criterion_ids: set[str] = set()
        for index, item in enumerate(data):
            where = _where("section", item, f"sections[{index}]")
            if not isinstance(item, dict):
                self.problem(where, "must be a mapping with id, title, criteria")
                continue
            self.keys(item, _SECTION_KEYS, where)
            section_id = self.slug(item.get("id"), where, "id")
            if section_id is not None and section_id in section_ids:
                self.problem(where, "the id is used by another section")
            section_ids.update({section_id} if section_id else set())
            title = self.label(item.get("title"), f"{where} > title")
            criteria = self.criteria(item.get("criteria"), where, criterion_ids)
            if section_id is not None and title is not None and criteria:
                sections.append(Section(section_id, title, tuple(criteria)))
        return sections

    def criteria(self, data: object, parent: str, seen: set[str]) -> list[Criterion]:
        if not isinstance(data, list) or not data:
            self.problem(f"{parent} > criteria", "must be a non-empty list")
            return []
        criteria: list[Criterion] = []
        for index, item in enumerate(data):
            where = f"{parent} > " + _where("criterion", item, f"criteria[{index}]")
            if not isinstance(item, dict):
                self.problem(where, "must be a mapping with id, label, points")
                continue
            criterion = self.criterion(item, where, seen)
            if criterion is not None:
                criteria.append(criterion)
        return criteria

    def criterion(self, item: dict[object, object], where: str, seen: set[str]) -> Criterion | None:
        before = len(self.problems)
        self.keys(item, _CRITERION_KEYS, where)
        criterion_id = self.slug(item.get("id"), where, "id")
        if criterion_id is not None and criterion_id in seen:
            self.problem(where, "the id is used by another criterion of the form")
        seen.update({criterion_id} if criterion_id else set())
        label = self.label(item.get("label"), f"{where} > label")
        hint = self.label(item["hint"], f"{where} > hint") if "hint" in item else None
        points = item.get("points")
        critical = self.flag(item, "critical", where)
        partial = self.flag(item, "partial", where)
        na_allowed = self.flag(item, "na", where)
        if critical and partial:
            self.problem(where, "a critical item is pass/fail: it cannot be partial")
        if type(points) is not int or points < 0:
            self.problem(where, "points must be a whole number ≥ 0")
        elif partial and not critical and points < 2:
            self.problem(where, "partial needs at least 2 points (something between none and all)")
        elif not critical and points == 0:
            self.problem(where, "an ordinary item with 0 points counts for nothing")
        if len(self.problems) > before or criterion_id is None or label is None or type(points) is not int:
            return None
        return Criterion(criterion_id, label, points, critical, partial, na_allowed, hint)

    def keys(self, data: dict[object, object], allowed: frozenset[str], where: str) -> None:
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            self.problem(
                where, f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
            )

    def slug(self, value: object, where: str, key: str) -> str | None:
        if not isinstance(value, str) or not _SLUG.fullmatch(value):
            self.problem(where, f"{key} must be lower-case letters, digits and '-'")
            return None
        return value

    def label(self, value: object, where: str) -> Label | None:
        if not isinstance(value, dict) or set(value) != {"zh", "en"}:
            self.problem(where, "must be {zh: ..., en: ...}")
            return None
        zh, en = value["zh"], value["en"]
        if not (isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip()):
            self.problem(where, "zh and en must both be non-empty text")
            return None
        return Label(zh.strip(), en.strip())

    def flag(self, item: dict[object, object], key: str, where: str) -> bool:
        value = item.get(key, False)
        if not isinstance(value, bool):
            self.problem(where, f"{key} must be true or false")
            return False
        return value


def _where(kind: str, item: object, fallback: str) -> str:
    """``section 'opening'`` when the item has a usable id, else its position."""
    if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
        return f"{kind} {item['id']!r}"
    return fallback
