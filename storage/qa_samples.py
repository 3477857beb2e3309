"""Calls picked for scoring (抽检): one row per call a sampling run selected, and why.

A call is picked once: the sampling rules (:mod:`qa.sampling`) are given every call already
picked, so a quota counts them and nothing is picked twice.  ``qa_scores`` says which picks have
been scored (same ``call_uniqueid``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime

__all__ = ["QaSample"]


class QaSample(Base):
    __tablename__ = "qa_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_uniqueid: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    reasons: Mapped[str] = mapped_column(String(200))  # rule names, comma-separated
    picked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    picked_by: Mapped[str] = mapped_column(String(64))  # user-<id>
    run_since: Mapped[datetime] = mapped_column(UtcDateTime())
    run_until: Mapped[datetime] = mapped_column(UtcDateTime())
