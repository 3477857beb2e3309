"""Knowledge entries: the standard answers (统一口径) kept by the records staff (seed 000) and read
to callers by the consultation menu (业务咨询).

Each entry has the text the agent sees and a ``prompt_id``: its audio lives at
``<prompts_dir>/<language>/hotline/<prompt_id>`` (``hotline prompts build --url`` renders it from
``text``). An entry with no ``prefecture`` applies province-wide; a prefecture's own entries come
first for its callers.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ColumnElement, Integer, String, Text, UniqueConstraint, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cti.storage.customers import Language
from cti.storage.db import Base, UtcDateTime, enum_column


class Topic(StrEnum):
    TARIFFS = "tariffs"  # 资费套餐
    BROADBAND = "broadband"  # 宽带
    MOBILE = "mobile"  # 移动业务
    FIXED_LINE = "fixed_line"  # 固定电话
    PRIVATE_LINE = "private_line"  # 专线 / 数据业务


class KnowledgeEntry(Base):
    __tablename__ = "knowledge_entries"
    __table_args__ = (UniqueConstraint("prompt_id", "language", name="uq_knowledge_entries_prompt_language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[Topic] = mapped_column(enum_column(Topic), index=True)
    language: Mapped[Language] = mapped_column(enum_column(Language))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    prompt_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    prefecture: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


async def entries_for(
    db: AsyncSession, topic: Topic, language: Language, prefecture: str | None = None, limit: int = 10
) -> list[KnowledgeEntry]:
    """Active entries on ``topic`` in ``language``: the prefecture's own first, then province-wide."""
    scope: ColumnElement[bool] = KnowledgeEntry.prefecture.is_(None)
    if prefecture is not None:
        scope = or_(scope, KnowledgeEntry.prefecture == prefecture)
    stmt = (
        select(KnowledgeEntry)
        .where(
            KnowledgeEntry.topic == topic,
            KnowledgeEntry.language == language,
            KnowledgeEntry.active.is_(True),
            scope,
        )
        .order_by(KnowledgeEntry.prefecture.is_(None), KnowledgeEntry.position, KnowledgeEntry.id)
        .limit(limit)
    )
    return list((await db.execute(stmt)).scalars())


async def all_entries(db: AsyncSession) -> list[KnowledgeEntry]:
    stmt = select(KnowledgeEntry).where(KnowledgeEntry.active.is_(True)).order_by(KnowledgeEntry.id)
    return list((await db.execute(stmt)).scalars())
