"""QA scoring (质检) in the database: the forms in use, every score with its form version, disputes.

* ``qa_forms`` — the registry of form versions: one row per ``(form_id, version)`` with the
  version's fingerprint and content (JSON), so a score can be recomputed against exactly the form
  it was made with, even after the form file has moved on.
* ``qa_scores`` — one row per score: the call (the caller's channel ``call_uniqueid``), the agent,
  their prefecture and team, the total (0–100, one decimal), whether a red line zeroed it, the
  form id, version and fingerprint, the answers (JSON, :func:`qa.score.to_record`), who scored it
  (``user-<id>``) and when.  A revised dispute adds the decider's score as a new row
  (``revision_of`` = the original) and the original stops counting: ``counts`` marks the one
  score of a call the reports read (``SELECT … FROM qa_scores WHERE counts``).
* ``qa_disputes`` — an agent's dispute of a score (one per score) and its decision.

Rows carry ids (user, agent, channel), never names or caller numbers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column

__all__ = ["DisputeStatus", "QaDispute", "QaForm", "QaScore", "ScoreSource"]


class ScoreSource(StrEnum):
    RECORDING = "recording"
    LIVE = "live"  # scored while listening in (监听)


class DisputeStatus(StrEnum):
    SCORED = "scored"
    DISPUTED = "disputed"
    UPHELD = "upheld"
    REVISED = "revised"


class QaForm(Base):
    __tablename__ = "qa_forms"
    __table_args__ = (UniqueConstraint("form_id", "version", name="uq_qa_forms_form_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)  # the form version as JSON (dataclasses.asdict)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class QaScore(Base):
    __tablename__ = "qa_scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    score_id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    call_uniqueid: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    team: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[ScoreSource] = mapped_column(enum_column(ScoreSource))
    recording_id: Mapped[int | None] = mapped_column(Integer, index=True)
    monitoring_session_id: Mapped[int | None] = mapped_column(Integer)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    form_fingerprint: Mapped[str] = mapped_column(String(64))
    total: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    critical_failed: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[str] = mapped_column(Text)  # qa.score.to_record(score) as JSON
    scorer: Mapped[str] = mapped_column(String(64))  # user-<id>
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DisputeStatus] = mapped_column(enum_column(DisputeStatus))
    counts: Mapped[bool] = mapped_column(Boolean, index=True)  # the score the reports count
    revision_of: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=0)  # compare-and-set of status changes


class QaDispute(Base):
    __tablename__ = "qa_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    score_id: Mapped[str] = mapped_column(String(32), unique=True, index=True)  # the original score
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str] = mapped_column(Text)
    disputed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    decision: Mapped[DisputeStatus | None] = mapped_column(enum_column(DisputeStatus))  # upheld | revised
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))  # user-<id>
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revised_score_id: Mapped[str | None] = mapped_column(String(32))
