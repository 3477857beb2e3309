import pytest

from acd.model import Segment
from ivr.handoff import VARIABLES, AgentLevel, Handoff, HandoffError
from prompts.language import Language

HANDOFF = Handoff(
    skill="complaint", min_level=AgentLevel.SENIOR, language=Language.ZH, segment=Segment.VIP, priority=21,
    customer_id="3", prefecture="jiuquan", ticket_id="00000034", ivr_path="main>3>billing_dispute>usage",
    ivr_session="17",
)  # fmt: skip


def test_round_trip() -> None:
    variables = HANDOFF.to_variables()
    assert tuple(variables) == VARIABLES
    assert variables["HOTLINE_OUTCOME"] == "queue"
    assert variables["HOTLINE_MIN_LEVEL"] == "senior"
    assert Handoff.from_variables(variables) == HANDOFF


def test_optional_ones_may_be_empty_or_absent() -> None:
    variables: dict[str, str | None] = dict(HANDOFF.to_variables())
    variables["HOTLINE_TICKET_ID"] = None
    del variables["HOTLINE_CUSTOMER_ID"]
    back = Handoff.from_variables(variables)
    assert (back.ticket_id, back.customer_id) == ("", "")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HOTLINE_OUTCOME", "selfserved", "HOTLINE_OUTCOME: 'selfserved' is not a hand-off"),
        ("HOTLINE_SKILL", "", "HOTLINE_SKILL: missing"),
        ("HOTLINE_MIN_LEVEL", "boss", "HOTLINE_MIN_LEVEL: 'boss' is not one of junior, senior, manager"),
        ("HOTLINE_PRIORITY", "high", "HOTLINE_PRIORITY: 'high' is not an integer"),
        ("HOTLINE_SEGMENT", "gold", "HOTLINE_SEGMENT: 'gold' is not one of normal, vip, private_line"),
        ("HOTLINE_SKILL", "bill ing", "HOTLINE_SKILL: not a skill name"),
    ],
)
def test_bad_variables_are_named(name: str, value: str, message: str) -> None:
    variables = {**HANDOFF.to_variables(), name: value}
    with pytest.raises(HandoffError, match=message):
        Handoff.from_variables(variables)


def test_levels_are_ordered() -> None:
    assert AgentLevel.JUNIOR < AgentLevel.SENIOR < AgentLevel.MANAGER
