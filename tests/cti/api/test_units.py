"""The API's pure parts: tokens, the sign-in throttle, the fan-out hub, the controlled-call table."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cti.access.login_throttle import LoginThrottle, Reservation
from cti.access.revocations import MemoryRevocations
from cti.access.roles import GRANTS, Permission, Principal
from cti.access.tokens import TokenRejected, TokenSigner
from cti.calls.live_calls import Consult, LegRole, LiveCall, LiveCalls
from cti.notifier import Hub
from storage.users import Role

KEY = "a-test-signing-key-0123456789"
WHO = Principal(7, "qa.lanzhou", Role.QA_PREFECTURE, "lanzhou")


def test_a_token_carries_its_principal_until_it_expires() -> None:
    signer = TokenSigner(KEY, ttl_s=60)
    issued = signer.issue(WHO, now=1000.0)
    principal, jti, exp = signer.verify(issued.token, now=1059.0)
    assert principal == WHO and jti == issued.jti and exp == 1060.0
    with pytest.raises(TokenRejected) as late:
        signer.verify(issued.token, now=1060.0)
    assert late.value.expired


async def test_revocations_are_kept_until_the_token_would_have_expired() -> None:
    revocations = MemoryRevocations()
    await revocations.revoke("one", 1060.0, now=1001.0)
    assert await revocations.revoked("one", 1002.0) and not await revocations.revoked("two", 1002.0)
    assert await revocations.revoked_all(["two", "one"], 1002.0) == [False, True]
    await revocations.revoke("another", 1500.0, now=2000.0)  # revocations of expired tokens are forgotten
    assert not await revocations.revoked("one", 2000.0)


def test_a_token_signed_with_another_key_or_altered_is_refused() -> None:
    token = TokenSigner(KEY, 60).issue(WHO, 1000.0).token
    with pytest.raises(TokenRejected, match="signature"):
        TokenSigner(KEY + "x", 60).verify(token, 1000.0)
    version, claims, signature = token.split(".")
    forged_claims = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged_claims["rol"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).decode().rstrip("=")
    with pytest.raises(TokenRejected):
        TokenSigner(KEY, 60).verify(f"{version}.{forged}.{signature}", 1000.0)
    with pytest.raises(ValueError):
        TokenSigner("short", 60)


@given(st.text(max_size=300))
def test_junk_tokens_raise_only_token_rejected(junk: str) -> None:
    with pytest.raises(TokenRejected):
        TokenSigner(KEY, 60).verify(junk, 1000.0)


@given(st.integers(min_value=0, max_value=400))
def test_any_changed_character_breaks_the_token(position: int) -> None:
    token = TokenSigner(KEY, 60).issue(WHO, 1000.0).token
    i = position % len(token)
    replacement = "A" if token[i] != "A" else "B"
    with pytest.raises(TokenRejected):
        TokenSigner(KEY, 60).verify(token[:i] + replacement + token[i + 1 :], 1000.0)


def test_the_throttle_counts_attempts_per_key_in_a_sliding_minute() -> None:
    throttle = LoginThrottle()
    limits = {"user:a": 3, "addr:1": 5}
    for t in (0.0, 10.0, 20.0):
        assert isinstance(throttle.reserve_now(limits, t), Reservation)
    assert throttle.reserve_now(limits, 21.0) == pytest.approx(39.0)  # reserving counted nothing more
    assert isinstance(throttle.reserve_now({"user:b": 3, "addr:1": 5}, 21.0), Reservation)  # same address
    assert throttle.retry_after({"user:c": 3, "addr:1": 5}, 21.0) is None
    assert isinstance(throttle.reserve_now({"user:c": 3, "addr:1": 5}, 22.0), Reservation)
    assert throttle.retry_after({"user:d": 3, "addr:1": 5}, 22.0) == pytest.approx(38.0)  # address full
    assert throttle.retry_after(limits, 60.5) is None  # the first attempt is a minute old


def test_a_success_gives_its_reservation_back() -> None:
    throttle = LoginThrottle()
    limits = {"user:a": 2}
    first = throttle.reserve_now(limits, 1.0)
    assert isinstance(first, Reservation)
    throttle.release_now(first)
    for t in (2.0, 3.0):
        assert isinstance(throttle.reserve_now(limits, t), Reservation)
    assert throttle.reserve_now(limits, 4.0) == pytest.approx(58.0)


def test_the_throttle_keeps_a_bounded_number_of_keys() -> None:
    throttle = LoginThrottle(max_keys=100)
    for n in range(1000):
        throttle.reserve_now({f"addr:{n}": 2}, float(n) / 1000)
    assert len(throttle._attempts) == 100


def test_roles_and_scope() -> None:
    assert Role.QA_PREFECTURE in GRANTS[Permission.MONITOR] and Role.ADMIN not in GRANTS[Permission.MONITOR]
    assert WHO.covers("lanzhou") and not WHO.covers("tianshui") and WHO.scope == "lanzhou"
    province = Principal(9, "qa.province", Role.QA_PROVINCE, "province")
    assert province.covers("tianshui") and province.scope is None
    assert all(Role.ADMIN not in GRANTS[p] for p in (Permission.AGENT_DESK, Permission.CALL_CONTROL))


async def test_the_hub_serialises_once_and_a_slow_subscriber_loses_its_oldest() -> None:
    hub = Hub(queue_size=3)
    fast = hub.subscribe(["agent:a", "floor:lanzhou"])
    slow = hub.subscribe(["floor:lanzhou"])
    assert hub.publish(["agent:a", "floor:lanzhou"], "agent.state", {"n": 0}) == 2  # once each
    assert json.loads(await fast.next())["data"] == {"n": 0}
    for n in range(1, 6):
        hub.publish("floor:lanzhou", "floor.agent", {"n": n})
    assert slow.dropped == 3 and hub.dropped == 3 + 2  # fast had room for 3 of the 5 too
    batch = json.loads(await slow.next_batch())
    assert [m["data"]["n"] for m in batch] == [3, 4, 5]
    hub.unsubscribe(slow)
    assert hub.publish("floor:lanzhou", "x", {}) == 1 and hub.subscriber_count() == 1
    assert hub.publish("nobody", "x", {}) == 0


def test_the_call_table_finds_calls_by_agent_and_by_leg() -> None:
    calls = LiveCalls()
    call = calls.add(LiveCall("c1", "agent-1", None, via_acd=True, agent_leg="a1"))
    assert calls.of_agent("agent-1") is call and calls.leg("a1") == (call, LegRole.AGENT)
    call.consult = Consult("agent-2", "1002")
    calls.expect_leg(call, "a1", LegRole.CONSULT, since=100.0)
    calls.set_agent(call, "agent-2")
    assert calls.of_agent("agent-1") is None and calls.of_agent("agent-2") is call
    assert call.state == "consulting"
    calls.remove("c1")
    assert calls.get("c1") is None and calls.leg("a1") is None and len(calls) == 0
