from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from outbound.campaign import (
    TRANSITIONS,
    Campaign,
    CampaignEvent,
    CampaignKind,
    CampaignState,
    by_priority,
    transition,
)
from outbound.errors import IllegalTransition, ModelError
from outbound.pacing import AutomatedPacing, PacingMode, ProgressivePacing
from outbound.predictive import PredictivePacing

NOW = datetime(2025, 10, 9, 2, 0, tzinfo=UTC)
S, E = CampaignState, CampaignEvent

EXPECTED = {
    (S.DRAFT, E.START): S.RUNNING,
    (S.DRAFT, E.FINISH): S.FINISHED,
    (S.RUNNING, E.PAUSE): S.PAUSED,
    (S.RUNNING, E.FINISH): S.FINISHED,
    (S.PAUSED, E.RESUME): S.RUNNING,
    (S.PAUSED, E.FINISH): S.FINISHED,
}


def survey(**changes: object) -> Campaign:
    fields: dict[str, object] = {
        "id": "c-1",
        "name": "回访 October",
        "kind": CampaignKind.SATISFACTION_SURVEY,
        "pacing": ProgressivePacing(),
        "skill": "survey",
    }
    fields.update(changes)
    return Campaign(**fields)  # type: ignore[arg-type]


def test_the_table_is_the_documented_one() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("state", "event"), list(itertools.product(CampaignState, CampaignEvent)))
def test_every_state_and_event(state: CampaignState, event: CampaignEvent) -> None:
    campaign = survey(state=state, version=3)
    if (state, event) in EXPECTED:
        assert campaign.allows(event)
        moved = transition(campaign, event, NOW)
        assert (moved.state, moved.state_since, moved.version) == (EXPECTED[state, event], NOW, 4)
    else:
        assert not campaign.allows(event)
        with pytest.raises(IllegalTransition, match=f"campaign 'c-1' in state '{state.value}'"):
            transition(campaign, event, NOW)


def test_only_a_running_campaign_dials() -> None:
    assert [s for s in CampaignState if survey(state=s).dials] == [S.RUNNING]
    running = transition(survey(), E.START, NOW)
    assert running.dials
    assert not transition(running, E.PAUSE, NOW).dials


def test_a_state_change_needs_an_aware_time() -> None:
    with pytest.raises(ModelError, match="time-zone-aware"):
        transition(survey(), E.START, datetime(2025, 10, 9, 10, 0))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": ""}, "an id and a name"),
        ({"name": " "}, "an id and a name"),
        ({"priority": 0}, "priority must be 1–9"),
        ({"priority": 10}, "priority must be 1–9"),
        ({"ring_s": 14.9}, "at least 15 s"),
        ({"skill": None}, "progressive pacing needs the skill"),
        ({"skill": None, "pacing": PredictivePacing()}, "predictive pacing needs the skill"),
    ],
)
def test_bad_campaigns(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        survey(**changes)


def test_an_automated_campaign_needs_no_agents() -> None:
    reminder = survey(kind=CampaignKind.ARREARS_REMINDER, pacing=AutomatedPacing(max_calls=30), skill=None)
    assert reminder.mode is PacingMode.AUTOMATED
    assert survey().mode is PacingMode.PROGRESSIVE
    assert survey(pacing=PredictivePacing()).mode is PacingMode.PREDICTIVE


def test_kinds_name_their_optional_columns() -> None:
    assert CampaignKind.ARREARS_REMINDER.optional_columns == {"amount_due", "due_date"}
    assert "agent" in CampaignKind.SATISFACTION_SURVEY.optional_columns


def test_running_campaigns_by_priority_then_age() -> None:
    early = datetime(2025, 10, 9, 1, 0, tzinfo=UTC)
    late = datetime(2025, 10, 9, 3, 0, tzinfo=UTC)
    a = survey(id="a", priority=5, state=S.RUNNING, state_since=late)
    b = survey(id="b", priority=5, state=S.RUNNING, state_since=early)
    c = survey(id="c", priority=8, state=S.RUNNING, state_since=late)
    d = survey(id="d", priority=9, state=S.PAUSED, state_since=early)
    e = survey(id="e", priority=5, state=S.RUNNING)
    assert [x.id for x in by_priority([a, b, c, d, e])] == ["c", "b", "a", "e"]
