"""A scoring form (质检评分表) as a value: sections of criteria, points, critical items, a version.

A form is identified by ``form_id`` and ``version``.  A published version never changes: a score
records the version it was made with (and the version's :attr:`ScoringForm.fingerprint`) and is
computed against that version for ever; changing a form means publishing a new version.

Criteria:

* ``points`` is the criterion's weight: a form's points add up to 100, so with every criterion
  applicable the score is simply the points earned (see :mod:`qa.scoring` for N/A).
* ``critical`` (红线/致命项): a *missed* critical item zeroes the whole score.  A critical item is
  pass/fail (no partial points); it may carry points or none (a pure gate).
* ``partial``: the scorer may give some of the points, not only all or none.
* ``na_allowed``: the criterion may be answered "not applicable" (e.g. no ticket was needed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from qa.errors import FormError, UnknownForm

__all__ = ["Criterion", "FormLibrary", "Label", "ScoringForm", "Section"]


@dataclass(frozen=True, slots=True)
class Label:
    """A text shown on the pages, in Chinese and English like every page of the hotline."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    label: Label
    points: int
    critical: bool = False
    partial: bool = False
    na_allowed: bool = False
    hint: Label | None = None  # what the scorer listens for


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: Label
    criteria: tuple[Criterion, ...]

    @property
    def points(self) -> int:
        return sum(c.points for c in self.criteria)


@dataclass(frozen=True, slots=True)
class ScoringForm:
    form_id: str
    version: int
    title: Label
    sections: tuple[Section, ...]

    @property
    def criteria(self) -> Iterator[Criterion]:
        for section in self.sections:
            yield from section.criteria

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    @property
    def points(self) -> int:
        return sum(s.points for s in self.sections)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the form's content: the same for the same form, whichever file it came from."""
        canonical = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class FormLibrary:
    """Every version of every form in use, looked up by ``(form_id, version)``.

    Immutable once built; two different contents under one ``(form_id, version)`` are refused.
    """

    __slots__ = ("_forms",)

    def __init__(self, forms: Iterable[ScoringForm]) -> None:
        table: dict[tuple[str, int], ScoringForm] = {}
        for form in forms:
            key = (form.form_id, form.version)
            known = table.get(key)
            if known is not None and known.fingerprint != form.fingerprint:
                raise FormError(
                    "scoring forms", [f"two different contents for {form.form_id!r} v{form.version}"]
                )
            table[key] = form
        self._forms = table

    def get(self, form_id: str, version: int) -> ScoringForm:
        try:
            return self._forms[(form_id, version)]
        except KeyError:
            raise UnknownForm(form_id, version) from None

    def latest(self, form_id: str) -> ScoringForm:
        """The highest version of ``form_id``: the one new scores use."""
        versions = [v for (f, v) in self._forms if f == form_id]
        if not versions:
            raise UnknownForm(form_id, None)
        return self._forms[(form_id, max(versions))]

    def __iter__(self) -> Iterator[ScoringForm]:
        return iter(sorted(self._forms.values(), key=lambda f: (f.form_id, f.version)))

    def __len__(self) -> int:
        return len(self._forms)
