"""Searching the knowledge entries the way an agent types: Chinese without spaces, English words, or
both (``手机挂失``, ``lost phone``, ``宽带 提速``).

Chinese has no spaces between words, so a run of Chinese characters is cut into overlapping
pairs (``手机挂失`` → ``手机``, ``机挂``, ``挂失``), the usual bigram indexing of Chinese text;
other words are kept whole. An entry matches when its search text (title, keywords, category,
text; :func:`storage.knowledge.search_text_of`) contains most of the terms (:func:`needed`), and
ranks by how many it contains, a term in the title counting twice.

The query is the same on both databases (``LIKE '%term%'``, escaped). On PostgreSQL the
``search_text`` column has a trigram index (``pg_trgm``, ``gin_trgm_ops``), which serves those
``LIKE`` patterns of three or more characters; SQLite scans, which for a knowledge base of a few
thousand entries takes milliseconds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from prompts.language import Language
from storage.knowledge import KnowledgeEntry, Topic, in_force

__all__ = ["KnowledgeHit", "needed", "search_knowledge", "search_terms"]

MAX_TERMS = 12
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"[{_CJK}]+|[^\\s{_CJK}]+")
_PUNCTUATION = re.compile(r"[\s,.;:!?'\"()\[\]{}<>/\\|，。；：！？、（）《》“”‘’·…—-]+")


def search_terms(query: str) -> list[str]:
    """The terms of a query: Chinese runs as overlapping pairs, other words whole; lower-case,
    each once, at most :data:`MAX_TERMS`."""
    terms: list[str] = []
    for chunk in _PUNCTUATION.split(query.lower()):
        for run in _RUNS.findall(chunk):
            if re.fullmatch(f"[{_CJK}]+", run) and len(run) > 2:
                terms += [run[i : i + 2] for i in range(len(run) - 1)]
            else:
                terms.append(run)
    unique = list(dict.fromkeys(t for t in terms if t))
    return unique[:MAX_TERMS]


def needed(terms: list[str]) -> int:
    """How many terms an entry must contain: all of one or two, then 60 % (rounded up)."""
    if len(terms) <= 2:
        return len(terms)
    return math.ceil(0.6 * len(terms))


@dataclass(frozen=True, slots=True)
class KnowledgeHit:
    entry: KnowledgeEntry
    score: int


async def search_knowledge(
    db: AsyncSession,
    query: str,
    *,
    now: datetime,
    language: Language | None = None,
    prefecture: str | None = None,
    topic: Topic | None = None,
    limit: int = 20,
) -> list[KnowledgeHit]:
    """Entries in force at ``now`` matching ``query``, best first. With ``prefecture``: that
    prefecture's entries and the province-wide ones (else all)."""
    terms = search_terms(query)
    if not terms:
        return []
    in_text = [_has(KnowledgeEntry.search_text, t) for t in terms]
    in_title = [_has(func.lower(KnowledgeEntry.title), t) for t in terms]
    matched = sum((case((c, 1), else_=0) for c in in_text), literal(0, Integer))
    score = matched + sum((case((c, 1), else_=0) for c in in_title), literal(0, Integer))
    stmt = select(KnowledgeEntry, score.label("score")).where(*in_force(now), matched >= needed(terms))
    if language is not None:
        stmt = stmt.where(KnowledgeEntry.language == language)
    if topic is not None:
        stmt = stmt.where(KnowledgeEntry.topic == topic)
    if prefecture is not None:
        stmt = stmt.where(or_(KnowledgeEntry.prefecture.is_(None), KnowledgeEntry.prefecture == prefecture))
    stmt = stmt.order_by(score.desc(), KnowledgeEntry.prefecture.is_(None), KnowledgeEntry.id).limit(limit)
    rows = (await db.execute(stmt)).all()
    return [KnowledgeHit(entry, int(points)) for entry, points in rows]


def _has(column: ColumnElement[str] | InstrumentedAttribute[str], term: str) -> ColumnElement[bool]:
    return column.contains(term, autoescape=True)
