"""Who listened to or downloaded which recording, when and from where (录音调听记录): for auditors.

One :class:`RecordingAccess` row per play or download a user asks for.  A browser plays a
recording with several HTTP Range requests (the first bytes, then wherever the user seeks): they
all belong to the one row of that play (its ``access_key``), which counts them and the bytes sent.
Rows carry the user's id and role, the recording's id and the client's address, never the
caller's number.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UtcDateTime, enum_column

__all__ = ["AccessAction", "RecordingAccess"]


class AccessAction(StrEnum):
    PLAY = "play"
    DOWNLOAD = "download"


class RecordingAccess(Base):
    __tablename__ = "recording_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(Integer, index=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)  # the recording's
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    role: Mapped[str] = mapped_column(String(24))
    action: Mapped[AccessAction] = mapped_column(enum_column(AccessAction))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    remote: Mapped[str] = mapped_column(String(64))  # the client's address
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    access_key: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    bytes_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(32), default="ok")  # ok | checksum-mismatch | missing
