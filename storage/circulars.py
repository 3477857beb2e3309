"""Circulars (通报) in the database: what the province published, to whom, who acknowledged.

``qa_circulars`` holds the circular and its state (:mod:`qa.circulars`), ``qa_circular_recipients``
one row per recipient prefecture, with its acknowledgement once given.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime

__all__ = ["CircularRecipient", "CircularRow"]


class CircularRow(Base):
    __tablename__ = "qa_circulars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circular_id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))  # user-<id>
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ack_due: Mapped[datetime | None] = mapped_column(UtcDateTime())
    score_ids: Mapped[str] = mapped_column(String(400), default="")  # comma-separated
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    published_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0)


class CircularRecipient(Base):
    __tablename__ = "qa_circular_recipients"
    __table_args__ = (UniqueConstraint("circular_id", "prefecture", name="uq_qa_circular_recipients"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circular_id: Mapped[str] = mapped_column(String(32), index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    acked_by: Mapped[str | None] = mapped_column(String(64))  # user-<id>
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
