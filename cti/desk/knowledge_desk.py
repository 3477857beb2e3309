"""The knowledge base from the desk (统一口径): agents search it, records staff (资料员) keep it.

Every save is a new version of the entry (:func:`storage.knowledge.add_version`) with its own
prompt, whose audio is rendered at once from the new text by the node's :class:`PromptRenderer`
(espeak-ng, as ``hotline prompts build`` does), so the IVR reads the new text from the next call
on; the answer says whether the audio was made. Records staff of a prefecture keep their
prefecture's entries; the provincial records post (资料管理岗) keeps all, the province-wide ones
too. Everyone but statisticians may search and read (their own prefecture's entries and the
province-wide ones; provincial staff: all).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import structlog
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.desk.self_service_schemas import KnowledgeBody
from cti.errors import BadRequest, NotFound, OutOfScope
from prompts.audio import PromptBuildError, build, knowledge_jobs
from prompts.language import Language
from storage.knowledge import KnowledgeEntry, KnowledgeText, Topic, add_version, entry_versions
from storage.knowledge_search import search_knowledge
from storage.prefectures import is_prefecture_code

__all__ = ["EspeakRenderer", "KnowledgeDesk", "PromptRenderer", "RenderOutcome", "entry_view"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RenderOutcome:
    ok: bool
    detail: str = ""


class PromptRenderer(Protocol):
    async def render(self, language: Language, prompt_id: str, text: str) -> RenderOutcome: ...


class EspeakRenderer:
    """Renders with :func:`prompts.audio.build` (espeak-ng, ffmpeg) in a worker thread."""

    def __init__(self, prompts_dir: Path, timeout_s: float = 60.0) -> None:
        self._dir = prompts_dir
        self._timeout_s = timeout_s

    async def render(self, language: Language, prompt_id: str, text: str) -> RenderOutcome:
        jobs = knowledge_jobs([(language, prompt_id, text)])
        try:
            async with asyncio.timeout(self._timeout_s):
                report = await asyncio.to_thread(build, jobs, self._dir, workers=1)
        except (PromptBuildError, OSError, TimeoutError) as exc:
            return RenderOutcome(False, f"{type(exc).__name__}: {exc}")
        if report.failed:
            return RenderOutcome(False, "; ".join(report.failed.values()))
        return RenderOutcome(True)


def entry_view(e: KnowledgeEntry) -> dict[str, Any]:
    return {
        "id": e.id, "key": e.key, "version": e.version, "current": e.current, "topic": e.topic.value,
        "category": e.category, "language": e.language.value, "title": e.title, "text": e.text,
        "keywords": e.keywords, "prefecture": e.prefecture, "position": e.position, "active": e.active,
        "prompt_id": e.prompt_id, "effective_from": e.effective_from.isoformat(),
        "expires_at": e.expires_at.isoformat() if e.expires_at else None,
        "updated_at": e.updated_at.isoformat(), "updated_by": e.updated_by,
    }  # fmt: skip


class KnowledgeDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        renderer: PromptRenderer,
        clock: Callable[[], float],
    ) -> None:
        self._sessions = sessions
        self._renderer = renderer
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def search(
        self, who: Principal, query: str, language: Language | None, topic: Topic | None, limit: int
    ) -> list[dict[str, Any]]:
        async with self._sessions() as db:
            hits = await search_knowledge(
                db, query, now=self._now(), language=language, prefecture=who.scope, topic=topic,
                limit=max(1, min(limit, 100)),
            )  # fmt: skip
        return [{**entry_view(h.entry), "score": h.score} for h in hits]

    async def listing(
        self, who: Principal, topic: Topic | None, language: Language | None, limit: int, offset: int
    ) -> dict[str, Any]:
        """Current versions (also withdrawn and not yet in force: for records staff), in scope."""
        conditions: list[Any] = [KnowledgeEntry.current.is_(True)]
        if who.scope is not None:
            conditions.append(
                or_(KnowledgeEntry.prefecture.is_(None), KnowledgeEntry.prefecture == who.scope)
            )
        if topic is not None:
            conditions.append(KnowledgeEntry.topic == topic)
        if language is not None:
            conditions.append(KnowledgeEntry.language == language)
        async with self._sessions() as db:
            total = (
                await db.execute(select(func.count()).select_from(KnowledgeEntry).where(*conditions))
            ).scalar()
            stmt = (
                select(KnowledgeEntry)
                .where(*conditions)
                .order_by(
                    KnowledgeEntry.topic, KnowledgeEntry.position, KnowledgeEntry.key, KnowledgeEntry.language
                )
                .limit(max(1, min(limit, 200)))
                .offset(max(0, offset))
            )
            rows = list((await db.execute(stmt)).scalars())
        return {"total": int(total or 0), "entries": [entry_view(e) for e in rows]}

    async def entry(self, who: Principal, key: str) -> dict[str, Any]:
        async with self._sessions() as db:
            versions = await entry_versions(db, key)
        if not versions:
            raise NotFound("no such knowledge entry")
        self._check_read(who, versions[0])
        return {"key": key, "versions": [entry_view(v) for v in versions]}

    async def save(self, who: Principal, body: KnowledgeBody) -> dict[str, Any]:
        if body.prefecture is not None and not is_prefecture_code(body.prefecture):
            raise BadRequest(f"unknown prefecture {body.prefecture!r}")
        self._check_write(who, body.prefecture)
        if (
            body.expires_at is not None
            and body.effective_from is not None
            and body.expires_at <= body.effective_from
        ):
            raise BadRequest("an entry expires after it takes effect")
        now = self._now()
        async with self._sessions() as db:
            for old in await entry_versions(db, body.key):
                self._check_write(
                    who, old.prefecture
                )  # a prefecture's staff cannot take over another's entry
            entry = await add_version(
                db,
                KnowledgeText(
                    key=body.key, topic=body.topic, language=body.language, title=body.title, text=body.text,
                    category=body.category, keywords=body.keywords, prefecture=body.prefecture,
                    position=body.position, active=body.active, effective_from=_aware(body.effective_from),
                    expires_at=_aware(body.expires_at),
                ),
                f"user-{who.user_id}",
                now,
            )  # fmt: skip
            await db.commit()
        audio = await self._renderer.render(entry.language, entry.prompt_id, entry.text)
        log.info("knowledge saved", key=entry.key, version=entry.version, user_id=who.user_id, audio=audio.ok)
        return {**entry_view(entry), "audio": {"rendered": audio.ok, "detail": audio.detail}}

    @staticmethod
    def _check_read(who: Principal, entry: KnowledgeEntry) -> None:
        if entry.prefecture is not None and not who.covers(entry.prefecture):
            raise OutOfScope("that entry belongs to another prefecture")

    @staticmethod
    def _check_write(who: Principal, prefecture: str | None) -> None:
        if who.province_wide:
            return
        if prefecture is None:
            raise OutOfScope("province-wide entries are kept by the provincial records post")
        if prefecture != who.prefecture:
            raise OutOfScope("that entry belongs to another prefecture")


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
