"""The registry of form versions in the database (``qa_forms``), and the library built from it.

At start the node registers every form version it has files for; a version already registered
with another content is refused (:class:`FormChanged`: publish a new version instead).  The
library scores are made and recomputed with holds every registered version, also those whose file
is gone, so an old score still means what it meant.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qa.errors import FormChanged
from qa.form import Criterion, FormLibrary, Label, ScoringForm, Section
from storage.qa_scores import QaForm

__all__ = ["form_from_content", "form_view", "register_forms"]


async def register_forms(db: AsyncSession, forms: Iterable[ScoringForm], now: datetime) -> FormLibrary:
    """Register ``forms`` (new versions are added; the caller commits) and return every version."""
    known = {(r.form_id, r.version): r for r in (await db.execute(select(QaForm))).scalars()}
    for form in forms:
        row = known.get((form.form_id, form.version))
        if row is None:
            row = QaForm(
                form_id=form.form_id,
                version=form.version,
                fingerprint=form.fingerprint,
                title_zh=form.title.zh,
                title_en=form.title.en,
                content=json.dumps(asdict(form), ensure_ascii=False, sort_keys=True),
                registered_at=now,
            )
            db.add(row)
            known[(form.form_id, form.version)] = row
        elif row.fingerprint != form.fingerprint:
            raise FormChanged(form.form_id, form.version, row.fingerprint, form.fingerprint)
    await db.flush()
    library = FormLibrary(form_from_content(json.loads(r.content)) for r in known.values())
    for row in known.values():
        stored = library.get(row.form_id, row.version)
        if stored.fingerprint != row.fingerprint:  # the content column was edited by hand
            raise FormChanged(row.form_id, row.version, row.fingerprint, stored.fingerprint)
    return library


def form_from_content(data: Mapping[str, Any]) -> ScoringForm:
    """The form stored as ``dataclasses.asdict(form)``."""
    return ScoringForm(
        form_id=str(data["form_id"]),
        version=int(data["version"]),
        title=Label(**data["title"]),
        sections=tuple(
            Section(
                id=str(s["id"]),
                title=Label(**s["title"]),
                criteria=tuple(
                    Criterion(
                        id=str(c["id"]),
                        label=Label(**c["label"]),
                        points=int(c["points"]),
                        critical=bool(c["critical"]),
                        partial=bool(c["partial"]),
                        na_allowed=bool(c["na_allowed"]),
                        hint=Label(**c["hint"]) if c.get("hint") else None,
                    )
                    for c in s["criteria"]
                ),
            )
            for s in data["sections"]
        ),
    )


def form_view(form: ScoringForm, *, current: bool) -> dict[str, Any]:
    """What the scoring panel shows: the form version, its sections and criteria, in both languages."""
    return {
        "form_id": form.form_id,
        "version": form.version,
        "fingerprint": form.fingerprint,
        "current": current,
        "title": asdict(form.title),
        "points": form.points,
        "sections": [
            {
                "id": s.id,
                "title": asdict(s.title),
                "criteria": [
                    {
                        "id": c.id,
                        "label": asdict(c.label),
                        "hint": asdict(c.hint) if c.hint else None,
                        "points": c.points,
                        "critical": c.critical,
                        "partial": c.partial,
                        "na_allowed": c.na_allowed,
                    }
                    for c in s.criteria
                ],
            }
            for s in form.sections
        ],
    }
