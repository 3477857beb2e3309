"""Request bodies of the self-service desk parts: orders, a lost line resumed, callbacks, knowledge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from cti.desk.schemas import Body, Note
from prompts.language import Language
from storage.knowledge import Topic

__all__ = [
    "CallbackDoneBody",
    "KnowledgeBody",
    "PlaceOrderBody",
    "ResumeLineBody",
    "SuspendLineBody",
    "Topic",
]

LineNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{5,20}$")]
ItemCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
EntryKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,47}$")]


class PlaceOrderBody(Body):
    line_number: LineNumber = Field(description="the line the order is for")
    item: ItemCode = Field(description="catalogue item code (GET /api/orders/catalogue)")
    action: Literal["order", "cancel"] = "order"
    note: Note = ""


class ResumeLineBody(Body):
    """Resuming a line suspended as lost (复机): the agent checks who is calling first, with what
    the caller tells them: the service PIN or the last six digits of the ID document on file."""

    line_number: LineNumber
    method: Literal["pin", "id_tail"]
    secret: Annotated[str, StringConstraints(pattern=r"^[0-9]{4,8}$")]
    note: Note = ""


class SuspendLineBody(Body):
    """Suspending a lost phone at the desk (挂失停机): the caller proves who they are with the PIN
    or the ID document's last digits, or — when they have neither to hand, as the IVR's emergency
    callers often do — the agent's own questions, which the note must say."""

    line_number: LineNumber
    method: Literal["pin", "id_tail", "questions"]
    secret: Annotated[str, StringConstraints(pattern=r"^[0-9]{4,8}$")] | None = None
    note: Note = ""


class CallbackDoneBody(Body):
    note: Note = ""


class KnowledgeBody(Body):
    """One entry in one language, as records staff write it (a new version of ``key``)."""

    key: EntryKey
    topic: Topic
    language: Language
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    category: Annotated[str, StringConstraints(max_length=40)] = ""
    keywords: Annotated[str, StringConstraints(max_length=400)] = ""
    prefecture: str | None = Field(default=None, description="a prefecture code; none: province-wide")
    position: int = Field(default=0, ge=0, le=10_000)
    active: bool = True
    effective_from: datetime | None = Field(default=None, description="ISO 8601; default: at once")
    expires_at: datetime | None = None
