"""Knowledge entries: the standard answers (统一口径) kept by the records staff (资料员, seed 000), read to
callers by the consultation menu (业务咨询) and searched by agents on the desk.

An entry is identified by its ``key`` and language; every edit makes a new **version** (a new row;
the previous one stays, no longer ``current``), so what a caller was told on a given day can be
looked up. An entry applies province-wide (no ``prefecture``) or to one prefecture, whose callers
hear their prefecture's own entries first; it is in force from ``effective_from`` until
``expires_at`` (if any), and may be withdrawn (``active`` false) by records staff.

Each version has its own ``prompt_id`` (``kb_<key>_v<version>``): its audio lives at
``<prompts_dir>/<language>/hotline/<prompt_id>``, rendered from its text when it is saved (and by
``hotline prompts build --url``), so a changed text never plays the old audio and a call in the
middle of the old one is not cut short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    DDL,
    Boolean,
    ColumnElement,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from prompts.language import Language
from storage.db import Base, UtcDateTime, create_engine_from_settings, enum_column, session_factory
from storage.settings import StorageSettings

__all__ = [
    "KnowledgeEntry",
    "KnowledgeText",
    "Topic",
    "add_version",
    "all_entries",
    "entries_for",
    "entry_versions",
    "in_force",
    "knowledge_prompts",
    "prompt_id_for",
    "search_text_of",
]


class Topic(StrEnum):
    """What the consultation menu offers, one key each."""

    TARIFFS = "tariffs"  # 资费套餐
    BROADBAND = "broadband"  # 宽带 (互联网业务)
    MOBILE = "mobile"  # 移动业务
    FIXED_LINE = "fixed_line"  # 固定电话 (市话)
    PRIVATE_LINE = "private_line"  # 专线 / 数据业务
    BILLING = "billing"  # 话费与缴费
    LONG_DISTANCE = "long_distance"  # IP 与长途
    VALUE_ADDED = "value_added"  # 增值业务 (寻呼, 来电显示 …)


class KnowledgeEntry(Base):
    __tablename__ = "knowledge_entries"
    __table_args__ = (
        UniqueConstraint("prompt_id", "language", name="uq_knowledge_entries_prompt_language"),
        UniqueConstraint("key", "language", "version", name="uq_knowledge_entries_key_language_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    topic: Mapped[Topic] = mapped_column(enum_column(Topic), index=True)
    category: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[Language] = mapped_column(enum_column(Language))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(String(400), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    prompt_id: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    prefecture: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    effective_from: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(64), default="")


# PostgreSQL: a trigram index (pg_trgm) serves LIKE '%...%' on the search text. pg_trgm is a trusted
# extension (a database owner may create it); where the node's role may not, the search still
# works, by a scan, and the server says so (a NOTICE) instead of refusing the schema.
TRIGRAM_INDEX = "ix_knowledge_entries_search_trgm"
event.listen(
    KnowledgeEntry.__table__,
    "after_create",
    DDL(  # type: ignore[no-untyped-call]
        f"""DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
  CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON knowledge_entries USING gin (search_text gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_object OR feature_not_supported THEN
  RAISE NOTICE 'knowledge search without its trigram index: %%', SQLERRM;
END $$"""
    ).execute_if(dialect="postgresql"),
)


def prompt_id_for(key: str, version: int) -> str:
    return f"kb_{key}_v{version}"


def search_text_of(title: str, keywords: str, text: str, category: str) -> str:
    """What searches look in: lower-case, title and keywords first."""
    return " ".join(part for part in (title, keywords, category, text) if part).lower()


def in_force(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Conditions for entries callers and agents are given at ``now``."""
    return (
        KnowledgeEntry.current.is_(True),
        KnowledgeEntry.active.is_(True),
        KnowledgeEntry.effective_from <= now,
        or_(KnowledgeEntry.expires_at.is_(None), KnowledgeEntry.expires_at > now),
    )


async def entries_for(
    db: AsyncSession,
    topic: Topic,
    language: Language,
    prefecture: str | None = None,
    limit: int = 10,
    now: datetime | None = None,
) -> list[KnowledgeEntry]:
    """Entries in force on ``topic`` in ``language``: the prefecture's own first, then province-wide."""
    scope: ColumnElement[bool] = KnowledgeEntry.prefecture.is_(None)
    if prefecture is not None:
        scope = or_(scope, KnowledgeEntry.prefecture == prefecture)
    conditions = (
        in_force(now)
        if now is not None
        else (KnowledgeEntry.current.is_(True), KnowledgeEntry.active.is_(True))
    )
    stmt = (
        select(KnowledgeEntry)
        .where(KnowledgeEntry.topic == topic, KnowledgeEntry.language == language, scope, *conditions)
        .order_by(KnowledgeEntry.prefecture.is_(None), KnowledgeEntry.position, KnowledgeEntry.id)
        .limit(limit)
    )
    return list((await db.execute(stmt)).scalars())


async def all_entries(db: AsyncSession) -> list[KnowledgeEntry]:
    """Every current, active version (whatever its dates: audio is made before it takes effect)."""
    stmt = (
        select(KnowledgeEntry)
        .where(KnowledgeEntry.current.is_(True), KnowledgeEntry.active.is_(True))
        .order_by(KnowledgeEntry.id)
    )
    return list((await db.execute(stmt)).scalars())


async def entry_versions(
    db: AsyncSession, key: str, language: Language | None = None
) -> list[KnowledgeEntry]:
    """Every version of an entry, newest first."""
    stmt = select(KnowledgeEntry).where(KnowledgeEntry.key == key)
    if language is not None:
        stmt = stmt.where(KnowledgeEntry.language == language)
    stmt = stmt.order_by(KnowledgeEntry.language, KnowledgeEntry.version.desc())
    return list((await db.execute(stmt)).scalars())


@dataclass(frozen=True, slots=True)
class KnowledgeText:
    """What records staff write for one entry in one language."""

    key: str
    topic: Topic
    language: Language
    title: str
    text: str
    category: str = ""
    keywords: str = ""
    prefecture: str | None = None
    position: int = 0
    active: bool = True
    effective_from: datetime | None = None  # None: at once
    expires_at: datetime | None = None


async def add_version(db: AsyncSession, new: KnowledgeText, by: str, now: datetime) -> KnowledgeEntry:
    """Insert the next version of ``new.key`` in ``new.language`` (the first when there is none) and
    make it the current one (caller commits)."""
    stmt = (
        select(KnowledgeEntry)
        .where(KnowledgeEntry.key == new.key, KnowledgeEntry.language == new.language)
        .order_by(KnowledgeEntry.version.desc())
        .limit(1)
        .with_for_update()
    )
    latest = (await db.execute(stmt)).scalar_one_or_none()
    version = 1 if latest is None else latest.version + 1
    for old in await entry_versions(db, new.key, new.language):
        old.current = False
    entry = KnowledgeEntry(
        key=new.key,
        version=version,
        current=True,
        topic=new.topic,
        category=new.category,
        language=new.language,
        title=new.title,
        text=new.text,
        keywords=new.keywords,
        search_text=search_text_of(new.title, new.keywords, new.text, new.category),
        prompt_id=prompt_id_for(new.key, version),
        position=new.position,
        prefecture=new.prefecture,
        active=new.active,
        effective_from=new.effective_from or now,
        expires_at=new.expires_at,
        updated_at=now,
        updated_by=by,
    )
    db.add(entry)
    await db.flush()
    return entry


async def knowledge_prompts(settings: StorageSettings) -> list[tuple[Language, str, str]]:
    """Every knowledge entry of the database at ``settings`` as (language, prompt id, text), for
    rendering their audio."""
    engine = create_engine_from_settings(settings)
    try:
        async with session_factory(engine)() as db:
            return [(e.language, e.prompt_id, e.text) for e in await all_entries(db)]
    finally:
        await engine.dispose()
