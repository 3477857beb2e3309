"""Request bodies the API accepts, checked on the way in (unknown fields are an error).

The same models give the OpenAPI document its request schemas (:mod:`cti.api.openapi`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from storage.agent_calls import Disposition
from storage.monitoring import MonitoringMode
from storage.ticket_lifecycle import Severity, TicketKind
from workflow.customer_reply import ReplyChannel

__all__ = [
    "AgentBody",
    "AgentEditBody",
    "AgentLoginBody",
    "AnswerBody",
    "CloseTicketBody",
    "ConsultBody",
    "CreateTicketBody",
    "DispatchBody",
    "ForcePauseBody",
    "LoginBody",
    "MonitorBody",
    "MonitorModeBody",
    "NoteBody",
    "PauseBody",
    "ReplyBody",
    "ReturnBody",
    "SkillsBody",
    "TransferBody",
    "UpdateTicketBody",
    "WrapUpBody",
]

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
# no blanks, no colon, no control character (NUL would cut the name short in Asterisk's C strings)
Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s:\x00-\x1f\x7f]+$")]
Note = Annotated[str, StringConstraints(max_length=2000)]
Extension = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{1,32}$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoginBody(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class AgentLoginBody(Body):
    extension: Extension = Field(description="the extension of the softphone the agent sits at")


class PauseBody(Body):
    reason: Code = Field(description="pause reason code, e.g. break, lunch, training, meeting")


class WrapUpBody(Body):
    disposition: Disposition
    ticket_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{8,16}$")] | None = None
    note: Note = ""


class TransferBody(Body):
    target: Literal["skill", "agent", "senior", "manager"] = Field(
        description="skill: back in line for another skill; agent: straight to one agent; "
        "senior / manager: back in line for a senior agent / the manager hotline"
    )
    skill: Name | None = None
    agent_id: Name | None = None
    note: Note = ""


class ConsultBody(Body):
    agent_id: Name = Field(description="the agent to consult (must be available)")


class CreateTicketBody(Body):
    kind: TicketKind
    category: Annotated[str, StringConstraints(max_length=40)] | None = None
    subcategory: Annotated[str, StringConstraints(max_length=40)] | None = None
    severity: Severity = Severity.ORDINARY
    caller_number: Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{3,20}$")] | None = Field(
        default=None, description="default: the caller of the agent's current call"
    )
    description: Note = ""


class UpdateTicketBody(Body):
    description: Note | None = None
    severity: Severity | None = None
    category: Annotated[str, StringConstraints(max_length=40)] | None = None
    subcategory: Annotated[str, StringConstraints(max_length=40)] | None = None
    note: Note = ""


class NoteBody(Body):
    note: Note = ""


class DispatchBody(Body):
    department: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    note: Note = ""


class CloseTicketBody(Body):
    resolution: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class ForcePauseBody(Body):
    reason: Code = "supervisor"


class SkillEntry(Body):
    name: Name
    proficiency: int = Field(default=3, ge=1, le=5)


class SkillsBody(Body):
    skills: list[SkillEntry] = Field(max_length=32)


class MonitorBody(Body):
    agent_id: Name
    mode: MonitoringMode = MonitoringMode.LISTEN


class MonitorModeBody(Body):
    mode: MonitoringMode


Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Level = Literal["junior", "senior", "manager"]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]


class ReplyBody(Body):
    channel: ReplyChannel = Field(
        description="how the customer was told: phone, sms, in_person, letter, email"
    )
    summary: Text = Field(description="what the customer was told")
    reached: bool = Field(default=True, description="false: an attempt that did not reach the customer")


class AnswerBody(Body):
    text: Text = Field(description="the department's answer (处理结果)")


class ReturnBody(Body):
    reason: Text = Field(description="why the department returns the ticket (退单原因)")


class AgentBody(Body):
    agent_id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    extension: Extension
    prefecture: Code
    level: Level = "junior"
    skills: list[SkillEntry] = Field(default_factory=list, max_length=32)
    languages: list[LanguageCode] = Field(default_factory=lambda: ["zh"], min_length=1, max_length=8)


class AgentEditBody(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    extension: Extension | None = None
    prefecture: Code | None = None
    level: Level | None = None
    skills: list[SkillEntry] | None = Field(default=None, max_length=32)
    languages: list[LanguageCode] | None = Field(default=None, min_length=1, max_length=8)
