"""queues.conf as app_queue reads it: values, defaults, members, the empty conditions, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.queue_config import (
    EMPTY_INVALID,
    EMPTY_PAUSED,
    EMPTY_PENALTY,
    EMPTY_UNAVAILABLE,
    MemberConfig,
    QueuesConfigError,
    load_queues,
    parse_empty_options,
    parse_member,
    parse_queues_conf,
)
from tests.support.captures import CAPTURES

SHARED = CAPTURES.parent / "conf" / "queues.conf"


@pytest.mark.skipif(not SHARED.is_file(), reason="no ../shared/asterisk/conf/queues.conf")
def test_the_queues_the_captures_ran() -> None:
    config = load_queues(SHARED)
    assert [q.name for q in config.queues] == ["support", "sales", "lonely"]
    support, sales, lonely = config.queues
    assert (support.strategy, support.timeout, support.retry, support.ringinuse) == ("ringall", 15, 2, False)
    assert support.setinterfacevar and support.setqueuevar and support.setqueueentryvar
    assert support.members == (
        MemberConfig("Local/agent1@agents/n", 0, "Agent One", "Local/agent1@agents", ringinuse=False),
    )
    assert [m.name for m in sales.members] == ["Agent Three", "Agent Two"]
    assert (lonely.strategy, lonely.timeout, lonely.retry, lonely.ringinuse) == ("rrmemory", 3, 1, True)
    assert lonely.members[0].ringinuse  # the queue's ringinuse, not support's
    assert not config.autofill and not config.shared_lastcall


def test_defaults_and_asterisk_corrections() -> None:
    config = parse_queues_conf(
        "[general]\nautofill = yes\nshared_lastcall = yes\n"
        "[q]\nstrategy = roundrobin\ntimeout = -3\nretry = 0\nmaxlen = -1\nwrapuptime = 7\n"
        "musiconhold = jazz\ntimeoutpriority = conf\nannounce-frequency = 30\n"
        "[plain]\n"
    )
    q, plain = config.queues
    assert (q.strategy, q.timeout, q.retry, q.maxlen, q.wrapuptime) == ("rrmemory", 15, 5, 0, 7)
    assert (q.musicclass, q.timeoutpriority, q.autofill) == ("jazz", "conf", True)
    assert (plain.strategy, plain.timeout, plain.retry, plain.ringinuse, plain.members) == (
        "ringall",
        15,
        5,
        True,
        (),
    )
    assert config.autofill and config.shared_lastcall


def test_unknown_strategy_is_ringall_and_a_repeated_queue_is_skipped() -> None:
    config = parse_queues_conf("[q]\nstrategy = cleverest\nmember => Local/1@x\n[Q]\ntimeout = 3\n")
    (q,) = config.queues
    assert q.strategy == "ringall" and q.timeout == 15


def test_member_lines() -> None:
    assert parse_member("PJSIP/1001") == MemberConfig("PJSIP/1001")
    member = parse_member("Local/7@a/n, -4 , Seven ,Local/7@a, no, 12, yes", queue_ringinuse=True)
    assert member == MemberConfig("Local/7@a/n", 0, "Seven", "Local/7@a", False, 12, True)
    assert parse_member("PJSIP/1,,,,maybe", queue_ringinuse=False).ringinuse is False
    with pytest.raises(ValueError):
        parse_member("")
    config = parse_queues_conf("[q]\nmember => PJSIP/1,1\nmember =>\nmember => pjsip/1,2\n")
    assert config.queues[0].members == (MemberConfig("pjsip/1", 2),)  # the same interface, replaced


def test_empty_conditions() -> None:
    assert parse_empty_options("yes", 0, joinempty=True) == 0
    assert parse_empty_options("no", 0, joinempty=True) == EMPTY_PENALTY | EMPTY_INVALID | EMPTY_PAUSED
    assert parse_empty_options("yes", 0, joinempty=False) == EMPTY_PENALTY | EMPTY_INVALID | EMPTY_PAUSED
    strict = EMPTY_PENALTY | EMPTY_INVALID | EMPTY_PAUSED | EMPTY_UNAVAILABLE
    assert parse_empty_options("strict", 0, joinempty=True) == strict
    assert parse_empty_options("paused,unavailable", 0, joinempty=True) == EMPTY_PAUSED | EMPTY_UNAVAILABLE
    assert parse_empty_options("whatever", EMPTY_PAUSED, joinempty=True) == EMPTY_PAUSED


def test_a_broken_file_is_a_clear_error_and_a_missing_one_no_queues(tmp_path: Path) -> None:
    with pytest.raises(QueuesConfigError, match=r"queues\.conf:2"):
        parse_queues_conf("[q]\n[broken\n")
    assert load_queues(tmp_path / "queues.conf").queues == ()


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\n\r"), max_size=60))
def test_any_member_line_reads_or_is_refused(text: str) -> None:
    try:
        member = parse_member(text)
    except ValueError:
        assert text.split(",")[0] == ""
        return
    assert member.penalty >= 0 and member.wrapuptime >= 0 and member.interface


@given(st.text(max_size=300))
def test_any_file_loads_or_fails_clearly(text: str) -> None:
    try:
        config = parse_queues_conf(text)
    except QueuesConfigError:
        return
    assert all(q.name and q.strategy for q in config.queues)
