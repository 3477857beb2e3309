from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd.errors import RulesError
from acd.model import AgentLevel, Segment, SkillRequirement, WaitingCall
from acd.overflow import DEFAULT_RULES_FILE, load_routing, parse_routing

from .support import agent


def call(segment: Segment, skill: str = "complaint", level: AgentLevel = AgentLevel.JUNIOR) -> WaitingCall:
    return WaitingCall("u1", SkillRequirement(skill, level), segment, "chengdu", enqueued_at=1000.0)


def test_shipped_rules_vip_complaint_steps() -> None:
    """Seed 000: every complaint of a big, important or private-line customer goes to a senior.

    Until this issue the shipped rules let any junior take it after 42 s (a third step with
    min_level junior, and this test asserted it); the rule now ends with any senior, for ever."""
    config = load_routing()
    assert config.source == str(DEFAULT_RULES_FILE)
    c = call(Segment.VIP)
    rule = config.rule_for(c.segment, c.requirement)
    assert rule.name == "vip-complaint"
    senior_here = agent("s1", "senior", ["complaint"], "chengdu")
    senior_there = agent("s2", "senior", ["complaint"], "mianyang")
    manager = agent("m1", "manager", ["complaint"], "mianyang")
    junior_here = agent("j1", "junior", ["complaint"], "chengdu")
    expectations = [
        (0.0, 0, {"s1"}, 1002.0),
        (1.9, 0, {"s1"}, 1002.0),
        (2.0, 1, {"s1", "s2", "m1"}, None),
        (41.9, 1, {"s1", "s2", "m1"}, None),
        (42.0, 1, {"s1", "s2", "m1"}, None),
        (6000.0, 1, {"s1", "s2", "m1"}, None),
    ]
    for elapsed, index, admitted, next_at in expectations:
        state = rule.state_at(c, 1000.0 + elapsed)
        assert state.index == index and state.next_at == next_at
        everyone = (senior_here, senior_there, manager, junior_here)
        assert {a.id for a in everyone if state.eligibility.admits(a)} == admitted


@settings(max_examples=300)
@given(
    st.sampled_from(list(Segment)),
    st.sampled_from(["complaint", "billing", "fault", "general"]),
    st.sampled_from(list(AgentLevel)),
    st.floats(0, 1e6),
)
def test_no_shipped_rule_lets_a_junior_take_a_key_customers_complaint(
    segment: Segment, skill: str, level: AgentLevel, elapsed: float
) -> None:
    """At any time: a VIP or private-line complaint, and any call that needs a senior (an
    important customer's complaint arrives so from the IVR, an escalation), admits no junior."""
    config = load_routing()
    c = WaitingCall("u1", SkillRequirement(skill, level), segment, "chengdu", enqueued_at=1000.0)
    junior = agent("j1", "junior", [skill], "chengdu")
    state = config.state_at(c, 1000.0 + elapsed)
    key_complaint = skill == "complaint" and segment in (Segment.VIP, Segment.PRIVATE_LINE)
    if key_complaint or level >= AgentLevel.SENIOR:
        assert not state.eligibility.admits(junior)


def test_shipped_emergency_rule_jumps_the_line_and_opens_to_every_prefecture() -> None:
    config = load_routing()
    c = call(Segment.NORMAL, "emergency")
    rule = config.rule_for(c.segment, c.requirement)
    assert rule.name == "emergency" and rule.head_start_s == 3600.0
    here = agent("j1", "junior", ["emergency"], "chengdu")
    there = agent("j2", "junior", ["emergency"], "mianyang")
    assert {a.id for a in (here, there) if rule.state_at(c, 1004.9).eligibility.admits(a)} == {"j1"}
    assert {a.id for a in (here, there) if rule.state_at(c, 1005.0).eligibility.admits(a)} == {"j1", "j2"}
    # a VIP's emergency is an emergency first
    assert config.rule_for(Segment.VIP, SkillRequirement("emergency")).name == "emergency"


def test_private_line_complaint_is_vip_complaint_and_escalations_keep_their_level() -> None:
    config = load_routing()
    assert config.rule_for(Segment.PRIVATE_LINE, SkillRequirement("complaint")).name == "vip-complaint"
    escalated = call(Segment.NORMAL, "billing", AgentLevel.MANAGER)
    rule = config.rule_for(escalated.segment, escalated.requirement)
    assert rule.name == "escalation"
    assert rule.state_at(escalated, 1e9).eligibility.min_level is AgentLevel.MANAGER
    assert config.rule_for(Segment.NORMAL, SkillRequirement("billing")).name == "ordinary"


def test_an_entry_whose_rule_vanished_is_matched_afresh() -> None:
    config = load_routing()
    c = call(Segment.VIP)
    assert config.rule_of(c).name == "vip-complaint"  # rule "" is not a rule name


def test_toml_works_too(tmp_path: Path) -> None:
    f = tmp_path / "rules.toml"
    f.write_text('[[rules]]\nname = "all"\nsteps = [{prefecture = "any"}]\n')
    config = load_routing(f)
    assert [r.name for r in config.rules] == ["all"]


BAD = [
    ("rules: []", "'rules' must be a non-empty list"),
    (
        "rules: [{name: a, steps: [{timeout_s: 5}]}]",
        "rule 'a', step 1: the last step must not have a timeout_s",
    ),
    (
        "rules: [{name: a, steps: [{prefecture: own}, {prefecture: any}]}]",
        "rule 'a', step 1: needs a timeout_s",
    ),
    (
        "rules: [{name: vipc, match: {segments: [gold]}, steps: [{}]}, {name: b, steps: [{}]}]",
        "rule 'vipc', match: customer segment 'gold'",
    ),
    (
        "rules: [{name: a, steps: [{min_level: boss}]}]",
        "rule 'a', step 1, min_level: agent level 'boss'",
    ),
    (
        "rules: [{name: a, steps: [{prefecture: home}]}]",
        "rule 'a', step 1, prefecture: expected 'own' or 'any'",
    ),
    (
        "rules: [{name: a, steps: [{timeout_s: -3}, {}]}]",
        "rule 'a', step 1, timeout_s: must be positive",
    ),
    (
        "rules: [{name: a, match: {skills: [billing]}, steps: [{}]}]",
        "the last rule ('a') must match every call",
    ),
    ("rules: [{name: a, steps: [{}]}, {name: b, steps: [{}]}]", "rule 'b' can never match"),
    ("rules: [{name: a, steps: [{}]}, {name: a, steps: [{}]}]", "rule 'a' is defined twice"),
    ("rules: [{name: a, stesp: [{}]}]", "unknown key(s) stesp"),
    (
        "priority: {head_start_s: {vip: fast}}\nrules: [{name: a, steps: [{}]}]",
        "head_start_s.vip: expected a number",
    ),
    ("agent_choice: {keep_free: {senior: -1}}\nrules: [{name: a, steps: [{}]}]", "keep_free.senior"),
    ("rules: [{name: a, match: {skills: []}, steps: [{}]}]", "an empty list matches nothing"),
    ("rules: {name: a}", "'rules' must be a non-empty list"),
    ("rules: [{name: a, head_start_s: -5, steps: [{}]}]", "rule 'a', head_start_s: must be zero or more"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_rules_are_refused_naming_the_rule(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "rules.yaml"
    f.write_text(text)
    with pytest.raises(RulesError) as err:
        load_routing(f)
    assert message in str(err.value)
    assert str(f) in str(err.value)


def test_unreadable_or_broken_files(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read routing rules"):
        load_routing(tmp_path / "missing.yaml")
    f = tmp_path / "broken.yaml"
    f.write_text("rules: [\n")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_routing(f)


def test_choice_and_priority_sections() -> None:
    config = parse_routing(
        {
            "priority": {"head_start_s": {"vip": 60, "private_line": 120}},
            "agent_choice": {"conserve_higher_levels": False, "keep_free": {"senior": 2}},
            "rules": [{"name": "all", "steps": [{}]}],
        }
    )
    assert config.priority.head_start_s[Segment.PRIVATE_LINE] == 120.0
    assert config.priority.head_start_s[Segment.NORMAL] == 0.0
    assert not config.choice.conserve_higher_levels
    assert config.choice.free_needed(AgentLevel.SENIOR) == 2


yamlish = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 100) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "rules",
                    "name",
                    "match",
                    "steps",
                    "segments",
                    "skills",
                    "min_levels",
                    "min_level",
                    "prefecture",
                    "timeout_s",
                    "priority",
                    "head_start_s",
                    "vip",
                    "agent_choice",
                    "keep_free",
                    "senior",
                    "head_start_s",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=400)
@given(yamlish)
def test_any_junk_gives_a_rules_error_or_a_usable_config(data: object) -> None:
    try:
        config = parse_routing(data, "junk.yaml")
    except RulesError as exc:
        assert "junk.yaml" in str(exc)
        return
    assert config.rules[-1].match.is_catch_all
