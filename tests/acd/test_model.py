from __future__ import annotations

import pytest

from acd.errors import ModelError
from acd.model import Agent, AgentLevel, CallbackRequest, Segment, Skill, SkillRequirement, WaitingCall

from .support import agent


@pytest.mark.parametrize(
    ("text", "segment"),
    [
        ("normal", Segment.NORMAL),
        ("VIP", Segment.VIP),
        ("important", Segment.VIP),
        ("big", Segment.VIP),
        ("private-line", Segment.PRIVATE_LINE),
        ("private_line", Segment.PRIVATE_LINE),
    ],
)
def test_segment_aliases(text: str, segment: Segment) -> None:
    assert Segment.parse(text) is segment


def test_unknown_segment_names_the_choices() -> None:
    with pytest.raises(ModelError, match=r"'gold' is not one of: .*vip"):
        Segment.parse("gold")


def test_levels_are_ordered_and_parsed() -> None:
    assert AgentLevel.JUNIOR < AgentLevel.SENIOR < AgentLevel.MANAGER
    assert AgentLevel.parse("Senior") is AgentLevel.SENIOR
    assert AgentLevel.parse(3) is AgentLevel.MANAGER
    with pytest.raises(ModelError, match="'boss'"):
        AgentLevel.parse("boss")


@pytest.mark.parametrize("bad", ["", "a:b", "a b", "x" * 65])
def test_names_that_cannot_be_keys_are_refused(bad: str) -> None:
    with pytest.raises(ModelError):
        SkillRequirement(bad)
    with pytest.raises(ModelError):
        agent(bad)


def test_agent_profile_checks() -> None:
    a = agent("a1", skills=("billing", "complaint"), languages=("zh", "en"), prefecture="成都")
    assert a.has_skill("complaint") and not a.has_skill("fault")
    assert a.proficiency("billing") == 3
    with pytest.raises(ModelError, match="listed twice"):
        agent("a2", skills=("billing", "billing"))
    with pytest.raises(ModelError, match="no language"):
        agent("a3", languages=())
    with pytest.raises(ModelError, match="proficiency 9"):
        Skill("billing", 9)
    with pytest.raises(ModelError, match="AgentLevel"):
        Agent("a4", "100", "cd", "senior", (Skill("billing"),))  # type: ignore[arg-type]


def test_callback_request_keeps_the_callers_place_data() -> None:
    req = SkillRequirement("billing")
    call = WaitingCall("u1", req, Segment.VIP, "cd", 100.0, "vip", "l1", "13800000000")
    request = CallbackRequest.for_call(call, "13800000000", 130.0)
    assert request.entry_id == "callback-u1" and request.uniqueid == "u1"
    assert request.enqueued_at == 100.0 and request.segment is Segment.VIP and request.rule == "vip"
    assert request.history[-1].kind == "callback-requested"
