"""The stored form of ACD values: JSON for profiles and waiting entries, flat fields for statuses.

Used by the Redis store (and by anything that ships these values between processes).  Floats
travel as ``repr`` text and come back bit-exact, which the stores rely on: an index score
written by one node must compare equal to the record read by another.  Decoding checks types
and raises :class:`~acd.errors.StoreUnavailable` on a malformed record instead of guessing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from acd.agent_state import AgentState, AgentStatus
from acd.errors import ModelError, StoreUnavailable
from acd.model import (
    Agent,
    AgentLevel,
    CallbackRequest,
    HistoryEntry,
    Segment,
    Skill,
    SkillRequirement,
    WaitingCall,
    WaitingEntry,
)

__all__ = [
    "agent_from_json",
    "agent_to_json",
    "entry_from_json",
    "entry_to_json",
    "num",
    "status_fields",
    "status_from_fields",
]


def num(value: float) -> str:
    """A float as text that reads back to the same float (Redis and Lua both keep it exact)."""
    return repr(float(value))


def agent_to_json(agent: Agent) -> str:
    return json.dumps(
        {
            "id": agent.id,
            "extension": agent.extension,
            "prefecture": agent.prefecture,
            "level": agent.level.label,
            "skills": [[s.name, s.proficiency] for s in agent.skills],
            "languages": list(agent.languages),
        },
        ensure_ascii=False,
    )


def agent_from_json(text: str) -> Agent:
    try:
        d = json.loads(text)
        return Agent(
            id=d["id"],
            extension=d["extension"],
            prefecture=d["prefecture"],
            level=AgentLevel.parse(d["level"]),
            skills=tuple(Skill(str(name), int(prof)) for name, prof in d["skills"]),
            languages=tuple(str(lang) for lang in d["languages"]),
        )
    except (ValueError, KeyError, TypeError, ModelError) as exc:
        raise StoreUnavailable(f"stored agent profile is malformed: {exc}") from exc


def _requirement(req: SkillRequirement) -> dict[str, Any]:
    return {"skill": req.skill, "min_level": req.min_level.label, "language": req.language}


def _history(items: tuple[HistoryEntry, ...]) -> list[list[Any]]:
    return [[h.at, h.kind, h.agent_id, h.detail] for h in items]


def entry_to_json(entry: WaitingEntry) -> str:
    common: dict[str, Any] = {
        "uniqueid": entry.uniqueid,
        "requirement": _requirement(entry.requirement),
        "segment": entry.segment.value,
        "prefecture": entry.prefecture,
        "enqueued_at": entry.enqueued_at,
        "rule": entry.rule,
        "linkedid": entry.linkedid,
        "history": _history(entry.history),
    }
    if isinstance(entry, CallbackRequest):
        common |= {
            "kind": "callback",
            "request_id": entry.request_id,
            "number": entry.number,
            "requested_at": entry.requested_at,
            "server": entry.server,
        }
    else:
        common |= {"kind": "call", "caller_number": entry.caller_number, "server": entry.server}
    return json.dumps(common, ensure_ascii=False)


def entry_from_json(text: str) -> WaitingEntry:
    try:
        d = json.loads(text)
        r = d["requirement"]
        requirement = SkillRequirement(r["skill"], AgentLevel.parse(r["min_level"]), r["language"])
        history = tuple(
            HistoryEntry(float(at), str(kind), agent, str(detail)) for at, kind, agent, detail in d["history"]
        )
        if d["kind"] == "callback":
            return CallbackRequest(
                request_id=d["request_id"],
                uniqueid=d["uniqueid"],
                number=d["number"],
                requirement=requirement,
                segment=Segment.parse(d["segment"]),
                prefecture=d["prefecture"],
                enqueued_at=float(d["enqueued_at"]),
                requested_at=float(d["requested_at"]),
                rule=d["rule"],
                linkedid=d["linkedid"],
                history=history,
                server=d.get("server"),
            )
        return WaitingCall(
            uniqueid=d["uniqueid"],
            requirement=requirement,
            segment=Segment.parse(d["segment"]),
            prefecture=d["prefecture"],
            enqueued_at=float(d["enqueued_at"]),
            rule=d["rule"],
            linkedid=d["linkedid"],
            caller_number=d["caller_number"],
            history=history,
            server=d.get("server"),  # entries stored before servers were named have none
        )
    except (ValueError, KeyError, TypeError, ModelError) as exc:
        raise StoreUnavailable(f"stored call entry is malformed: {exc}") from exc


_STATUS_FIELDS = ("state", "since", "version", "entry", "reason", "pending", "idle", "deadline", "node")


def status_fields(status: AgentStatus) -> dict[str, Any]:
    """The status as JSON-ready fields (``None`` stays ``null``; numbers stay numbers)."""
    return {
        "state": status.state.value,
        "since": status.since,
        "version": status.version,
        "entry": status.entry_id,
        "reason": status.reason,
        "pending": status.pending_pause,
        "idle": status.idle_since,
        "deadline": status.deadline,
        "node": status.node,
    }


def status_from_fields(fields: Mapping[str, str]) -> AgentStatus:
    """Read a status from stored text fields (empty text: ``None``)."""

    def text(name: str) -> str | None:
        value = fields.get(name)
        return value if value else None

    def number(name: str) -> float | None:
        value = text(name)
        return None if value is None else float(value)

    try:
        return AgentStatus(
            state=AgentState(fields["state"]),
            since=float(fields["since"]),
            version=int(fields["version"]),
            entry_id=text("entry"),
            reason=text("reason"),
            pending_pause=text("pending"),
            idle_since=number("idle"),
            deadline=number("deadline"),
            node=text("node"),
        )
    except (ValueError, KeyError) as exc:
        raise StoreUnavailable(f"stored agent status is malformed: {exc}") from exc


STATUS_FIELD_NAMES = _STATUS_FIELDS
