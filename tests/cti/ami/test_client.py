"""The AMI client against a fake manager server that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import structlog

from cti.ami.channels import ChannelAdded, ChannelRemoved, Resynced
from cti.ami.client import AmiClient
from cti.ami.errors import (
    AmiActionError,
    AmiActionTimeout,
    AmiConnectionLost,
    AmiLoginError,
    AmiNotConnected,
)
from cti.ami.metrics import AmiMetrics
from cti.ami.protocol import AmiMessage, AmiProtocolError, encode_message
from tests.cti.ami.captures import capture, events
from tests.cti.ami.conftest import fast_settings
from tests.cti.ami.fake_ami import FakeAmi, FakeSession, listed_channel


@asynccontextmanager
async def connected(server: FakeAmi, **overrides: Any) -> AsyncIterator[AmiClient]:
    client = AmiClient(fast_settings(server, **overrides), rng=random.Random(7))
    async with client:
        await client.wait_connected(timeout_s=5)
        yield client


def sample(client: AmiClient, name: str, **labels: str) -> float:
    value = client.metrics.registry.get_sample_value(name, {"server": client.metrics.server, **labels})
    return 0.0 if value is None else value


async def eventually(predicate: Any, timeout_s: float = 5.0) -> None:
    """Poll ``predicate`` (what the client does in its read path has no event to wait on)."""
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


# -- logging in -------------------------------------------------------------------------------
async def test_login_enables_events_and_resyncs(fake_ami: FakeAmi) -> None:
    fake_ami.channels = [
        listed_channel("Local/100@test-00000013;1", "17.38"),
        listed_channel("X/2", "17.39", "17.38"),
    ]
    async with connected(fake_ami) as client:
        assert [(a.action, a.get("Events"), a.get("EventMask")) for a in fake_ami.actions()] == [
            ("Login", "off", None),
            ("Events", None, "on"),
            ("CoreStatus", None, None),
            ("CoreShowChannels", None, None),
        ]
        assert client.version == "11.0.0"
        assert [c.uniqueid for c in client.state.call("17.38")] == ["17.38", "17.39"]
        assert client.state.channel("17.38").application == "Wait"  # type: ignore[union-attr]
        assert sample(client, "hotline_ami_connected") == 1
        assert sample(client, "hotline_ami_channels") == 2
        assert fake_ami.actions("Login")[0].get("Secret") == "s3cret"
    assert sample(client, "hotline_ami_connected") == 0
    assert fake_ami.actions()[-1].action == "Logoff"


async def test_bad_secret_fails_clearly_and_retries_with_backoff(fake_ami: FakeAmi) -> None:
    settings = fast_settings(fake_ami, secret="wrong", reconnect_min_s=0.05, reconnect_max_s=1.0)
    client = AmiClient(settings, rng=random.Random(1))
    async with client:
        with pytest.raises(AmiNotConnected, match="refused: Authentication failed") as caught:
            await client.wait_connected(timeout_s=0.1)
        assert isinstance(caught.value.__cause__, AmiLoginError)
        assert isinstance(client.last_error, AmiLoginError)
        await fake_ami.wait_action("Login", 5)
        attempts = [r.at for r in fake_ami.received if r.action.action == "Login"]
        gaps = [b - a for a, b in itertools.pairwise(attempts)]
        # delays of 25-50, 50-100, 100-200, 200-400 ms: they grow
        assert gaps[0] < gaps[2] < gaps[3] and gaps[3] > 3 * gaps[0], gaps
        assert sample(client, "hotline_ami_connect_failures_total", stage="login") >= 4
        # the client keeps trying: once the server accepts that secret, it gets in
        fake_ami.secret = "wrong"
        await client.wait_connected(timeout_s=2)


async def test_md5_challenge_login_never_sends_the_secret(fake_ami: FakeAmi) -> None:
    async with connected(fake_ami, auth="md5"):
        [login] = fake_ami.actions("Login")
        assert login.get("AuthType") == "MD5" and login.get("Secret") is None
        assert login.get("Key") is not None and len(login["Key"]) == 32
        assert fake_ami.actions("Challenge")[0].get("AuthType") == "MD5"


async def test_md5_login_with_a_wrong_secret_is_refused(fake_ami: FakeAmi) -> None:
    client = AmiClient(fast_settings(fake_ami, auth="md5", secret="nope"))
    async with client:
        with pytest.raises(AmiNotConnected, match="Authentication failed"):
            await client.wait_connected(timeout_s=0.3)


async def test_actions_fail_fast_when_not_connected(fake_ami: FakeAmi) -> None:
    client = AmiClient(fast_settings(fake_ami))
    with pytest.raises(AmiNotConnected):
        await client.action("Ping")
    assert fake_ami.received == []


async def test_no_server_keeps_retrying_without_crashing(fake_ami: FakeAmi) -> None:
    await fake_ami.stop()
    client = AmiClient(fast_settings(fake_ami, action_timeout_s=0.2))
    async with client:
        with pytest.raises(AmiNotConnected, match=r"Connect call failed|refused"):
            await client.wait_connected(timeout_s=0.3)
        assert sample(client, "hotline_ami_connect_failures_total", stage="connect") >= 2


# -- actions ----------------------------------------------------------------------------------
async def test_action_timeout_and_a_late_reply(fake_ami: FakeAmi) -> None:
    async def late(session: FakeSession, action: AmiMessage) -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, session.reply, action, ("Variable", "X"), ("Value", "late"))

    fake_ami.handlers["getvar"] = late
    async with connected(fake_ami) as client:
        started = time.monotonic()
        with pytest.raises(AmiActionTimeout) as caught:
            await client.getvar("X", timeout_s=0.1)
        assert time.monotonic() - started >= 0.09
        assert caught.value.action == "Getvar"
        await eventually(lambda: sample(client, "hotline_ami_unmatched_responses_total") == 1)
        assert client.connected.is_set()
        assert await client.ping() < 1
        assert sample(client, "hotline_ami_actions_total", action="Getvar", outcome="timeout") == 1


async def test_error_response_raises_with_the_response(fake_ami: FakeAmi) -> None:
    async with connected(fake_ami) as client:
        with pytest.raises(AmiActionError, match="Invalid/unknown command: FooBar") as caught:
            await client.action("FooBar")
        assert caught.value.response.response == "Error"


async def test_a_list_answered_with_an_error_does_not_hang(fake_ami: FakeAmi) -> None:
    async def status(session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("Message", "No such channel"), response="Error")

    fake_ami.handlers["status"] = status
    async with connected(fake_ami) as client:
        started = time.monotonic()
        with pytest.raises(AmiActionError, match="No such channel"):
            await client.action_list("Status", "StatusComplete", Channel="Local/nope-00000000;1")
        assert time.monotonic() - started < 0.5  # panoramisk alone waits forever


async def test_a_list_closed_by_the_wrong_event_is_an_error(fake_ami: FakeAmi) -> None:
    async def queue_status(session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("EventList", "start"))
        aid = ("ActionID", action.action_id or "")
        session.event("QueueParams", aid, ("Queue", "support"))
        session.event("QueueSummaryComplete", aid)  # panoramisk ends lists on any *Complete

    fake_ami.handlers["queuestatus"] = queue_status
    async with connected(fake_ami) as client:
        with pytest.raises(AmiActionError, match="ended by 'QueueSummaryComplete', not QueueStatusComplete"):
            await client.action_list("QueueStatus", "QueueStatusComplete")


async def test_action_list_returns_the_items(fake_ami: FakeAmi) -> None:
    fake_ami.channels = [listed_channel("A/1", "1.1"), listed_channel("B/1", "2.1")]
    async with connected(fake_ami) as client:
        items = await client.action_list("CoreShowChannels", "CoreShowChannelsComplete")
        assert [i["Channel"] for i in items] == ["A/1", "B/1"]


async def test_header_values_cannot_inject_headers(fake_ami: FakeAmi) -> None:
    async with connected(fake_ami) as client:
        before = len(fake_ami.received)
        with pytest.raises(AmiProtocolError):
            await client.setvar("X", "a\r\nAction: Hangup")
        with pytest.raises(ValueError):
            await client.action("Ping", ActionID="mine")
        await client.ping()
        assert [a.action for a in fake_ami.actions()[before:]] == ["Ping"]


async def test_helpers_send_what_asterisk_expects(fake_ami: FakeAmi) -> None:
    async with connected(fake_ami) as client:
        assert await client.command("core show version") == ["Asterisk 22.10.1 (fake)"]
        with pytest.raises(AmiActionError, match="No such command 'bogus'"):
            await client.command("bogus")
        assert await client.getvar("FOO", "Local/100@test-00000013;2") == "bar"
        await client.setvar("BAR", "baz", "Local/100@test-00000013;2")
        await client.hangup("Local/100@test-00000013;1", cause=16)
        await client.redirect("SIP/caller-1", "acd-connect", "agent7", extra_channel="SIP/agent-2")
        sent = {a.action: a for a in fake_ami.actions()}
        assert sent["Setvar"].headers[2:] == (
            ("Variable", "BAR"),
            ("Value", "baz"),
            ("Channel", "Local/100@test-00000013;2"),
        )
        assert sent["Hangup"]["Cause"] == "16"
        redirect = sent["Redirect"]
        assert [redirect[h] for h in ("Channel", "Context", "Exten", "Priority")] == [
            "SIP/caller-1",
            "acd-connect",
            "agent7",
            "1",
        ]
        assert [redirect[h] for h in ("ExtraChannel", "ExtraContext", "ExtraExten", "ExtraPriority")] == [
            "SIP/agent-2",
            "acd-connect",
            "agent7",
            "1",
        ]
        assert sent["Command"]["Command"] == "bogus"


async def test_older_command_output_in_the_body_is_read(fake_ami: FakeAmi) -> None:
    async def command(session: FakeSession, action: AmiMessage) -> None:
        action_id = (action.action_id or "").encode()
        session.send(b"Response: Follows\r\nActionID: " + action_id + b"\r\nPrivilege: Command\r\n")
        session.send(b"line one\r\nline two\r\n--END COMMAND--\r\n\r\n")

    fake_ami.handlers["command"] = command
    async with connected(fake_ami) as client:
        assert await client.command("core show uptime") == ["line one", "line two"]


# -- the connection going away ----------------------------------------------------------------
async def test_connection_loss_fails_pending_actions_and_never_resends(fake_ami: FakeAmi) -> None:
    async def swallow_then_drop(session: FakeSession, action: AmiMessage) -> None:
        if action.action == "Originate":
            session.abort()  # the call may or may not have been placed

    fake_ami.handlers["originate"] = swallow_then_drop
    fake_ami.handlers["getvar"] = swallow_then_drop
    async with connected(fake_ami) as client:
        getvar = asyncio.create_task(client.getvar("X"))
        await fake_ami.wait_action("Getvar")
        with pytest.raises(AmiConnectionLost, match="not re-sent"):
            await client.originate("Local/100@test", application="Wait", data="1")
        with pytest.raises(AmiConnectionLost):
            await getvar
        await fake_ami.wait_sessions(2)
        await client.wait_connected(timeout_s=2)
        await client.ping()
        assert len(fake_ami.actions("Originate")) == 1
        assert len(fake_ami.actions("Getvar")) == 1
        assert sample(client, "hotline_ami_actions_total", action="Originate", outcome="lost") == 1


async def test_reconnect_resyncs_the_state(fake_ami: FakeAmi) -> None:
    fake_ami.channels = [listed_channel("A/1", "1.1"), listed_channel("B/1", "2.1")]
    async with connected(fake_ami) as client:
        changes = client.changes()
        assert {c.uniqueid for c in client.state} == {"1.1", "2.1"}
        fake_ami.channels = [listed_channel("B/1", "2.1"), listed_channel("C/1", "3.1", bridge_id="br-1")]
        fake_ami.sessions[0].abort()
        await eventually(lambda: not client.connected.is_set())
        await client.wait_connected(timeout_s=2)
        assert {c.uniqueid for c in client.state} == {"2.1", "3.1"}
        assert client.state.bridge("br-1").channels == ("3.1",)  # type: ignore[union-attr]
        seen = []
        while changes.qsize():
            seen.append(await changes.get())
        assert [
            (type(c).__name__, getattr(c, "channel", None) and c.channel.uniqueid)
            for c in seen
            if isinstance(c, ChannelAdded | ChannelRemoved)
        ] == [
            ("ChannelRemoved", "1.1"),
            ("ChannelAdded", "3.1"),
        ]
        assert isinstance(seen[-1], Resynced)
        (gone,) = [c for c in seen if isinstance(c, ChannelRemoved)]
        assert (gone.pbx_restarted, gone.cause) == (
            False,
            None,
        )  # the same Asterisk: who hung up is not known
        assert sample(client, "hotline_ami_resyncs_total") == 2
        assert sample(client, "hotline_ami_disconnects_total") == 1


@pytest.mark.parametrize("started", [("2026-12-06", "05:07:31"), None], ids=["restarted", "not-told"])
async def test_channels_gone_with_a_restarted_asterisk_were_cut(
    fake_ami: FakeAmi, started: tuple[str, str] | None
) -> None:
    """A new session's Asterisk started later than the last one's (``CoreStatus``): the channels
    the listing drops went with the restart (Q.850 38), not hung up; a PBX that cannot say
    (no CoreStatus) is never taken for a restarted one."""
    fake_ami.channels = [listed_channel("A/1", "1.1"), listed_channel("B/1", "2.1")]
    async with connected(fake_ami) as client:
        changes = client.changes()
        fake_ami.channels, fake_ami.started = [], started
        fake_ami.sessions[0].abort()
        await eventually(lambda: not client.connected.is_set())
        await client.wait_connected(timeout_s=2)
        gone = []
        while changes.qsize():
            if isinstance(change := await changes.get(), ChannelRemoved):
                gone.append((change.channel.uniqueid, change.pbx_restarted, change.cause))
        restarted = started is not None
        assert sorted(gone) == [
            ("1.1", restarted, 38 if restarted else None),
            ("2.1", restarted, 38 if restarted else None),
        ]


async def test_drop_mid_message_loses_only_that_message(fake_ami: FakeAmi) -> None:
    async with connected(fake_ami) as client:
        half = encode_message(listed_channel("Half/1", "9.9").headers)[:80].replace(
            b"CoreShowChannel", b"Newchannel"
        )
        fake_ami.sessions[0].send(half)
        await asyncio.sleep(0.05)
        fake_ami.sessions[0].abort()
        await fake_ami.wait_sessions(2)
        await client.wait_connected(timeout_s=2)
        assert client.state.channel("9.9") is None
        assert sample(client, "hotline_ami_malformed_input_total") == 0


async def test_shutdown_event_drops_the_session(fake_ami: FakeAmi) -> None:
    async with connected(fake_ami) as client:
        shutdowns = client.subscribe("Shutdown")
        fake_ami.sessions[0].event("Shutdown", ("Shutdown", "Uncleanly"), ("Restart", "True"))
        event = await asyncio.wait_for(shutdowns.get(), 2)
        assert event["Restart"] == "True"
        await fake_ami.wait_sessions(2)
        await client.wait_connected(timeout_s=2)


async def test_half_open_connection_is_found_by_the_ping_watchdog(fake_ami: FakeAmi) -> None:
    fake_ami.answer_pings = False  # the peer reads but never answers: as good as gone
    async with connected(fake_ami, ping_interval_s=0.1, ping_timeout_s=0.2) as client:
        started = time.monotonic()
        await eventually(lambda: not client.connected.is_set(), timeout_s=2)
        assert time.monotonic() - started < 1.5  # interval 0.1 s + timeout 0.2 s
        await fake_ami.wait_sessions(2)
        assert fake_ami.sessions[0].closed.is_set() or await _closed(fake_ami.sessions[0])
        assert sample(client, "hotline_ami_ping_timeouts_total") >= 1
        fake_ami.answer_pings = True
        await client.wait_connected(timeout_s=2)
        await asyncio.sleep(0.35)  # a few watchdog rounds with answers: the session stays
        assert client.connected.is_set()


async def _closed(session: FakeSession) -> bool:
    await asyncio.wait_for(session.closed.wait(), 2)
    return True


async def test_malformed_and_oversized_input_is_survived(fake_ami: FakeAmi) -> None:
    async with connected(fake_ami) as client:
        session = fake_ami.sessions[0]
        session.send(b"this is not AMI\r\n\r\n")
        session.send(b"Event: Newchannel\r\nCallerIDName: caf\xe9 \xff\xfe\r\n" + b"Junk" * 10 + b"\r\n\r\n")
        session.send(b"Event: Huge\r\nData: " + b"x" * 70_000 + b"\r\n\r\n")  # a 64 KiB line limit
        session.send(
            b"Event: Huger\r\n"
            + b"H: "
            + b"y" * 60_000
            + b"\r\n" * 1
            + (b"H: " + b"y" * 60_000 + b"\r\n") * 4
            + b"\r\n"
        )
        new = listed_channel("SIP/after-1", "5.5").headers[1:]
        session.send(encode_message([("Event", "Newchannel"), *new]))
        await eventually(lambda: client.state.channel("5.5") is not None)
        assert sample(client, "hotline_ami_malformed_input_total") == 3
        assert len(fake_ami.sessions) == 1 and client.connected.is_set()
        await client.ping()


async def test_stop_fails_pending_actions(fake_ami: FakeAmi) -> None:
    async def never(session: FakeSession, action: AmiMessage) -> None:
        return None

    fake_ami.handlers["getvar"] = never
    client = AmiClient(fast_settings(fake_ami))
    await client.start()
    await client.wait_connected(timeout_s=2)
    pending = asyncio.create_task(client.getvar("X"))
    await fake_ami.wait_action("Getvar")
    await client.stop()
    with pytest.raises(AmiConnectionLost):
        await pending
    assert not client.connected.is_set()


# -- Originate ----------------------------------------------------------------------------------
def _replay_originate(name: str, rename_action_id: str) -> Any:
    """A handler answering an Originate with the events of capture ``name``."""

    async def handler(session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("Message", "Originate successfully queued"))
        for event in events(name):
            if event.event in ("FullyBooted", "SuccessfulAuth"):
                continue
            headers = [
                (k, action.action_id or "" if k == "ActionID" and v == rename_action_id else v)
                for k, v in event.headers
            ]
            session.send(encode_message(headers))

    return handler


async def test_originate_resolves_on_its_originate_response(fake_ami: FakeAmi) -> None:
    fake_ami.handlers["originate"] = _replay_originate("ami_09_originate_dial_bridge", "orig-2")
    async with connected(fake_ami) as client:
        changes = client.changes()
        call = await client.originate(
            "Local/300@test",
            application="Wait",
            data="4",
            caller_id='"Caller" <2002>',
            variables={"A": "1", "B": "2"},
        )
        assert call.response["Message"] == "Originate successfully queued"
        outcome = await call
        assert outcome.success and outcome.reason == 4 and outcome.reason_text == "answered"
        assert outcome.uniqueid == "1795673901.54" and outcome.action_id == call.action_id
        [sent] = fake_ami.actions("Originate")
        assert sent["Async"] == "true" and sent.get_all("Variable") == ["A=1", "B=2"]
        assert sent["Timeout"] == "30000" and sent["CallerID"] == '"Caller" <2002>'
        # the whole call went through the state model and ended
        await eventually(lambda: sample(client, "hotline_ami_events_total") > 60 and len(client.state) == 0)
        kinds = []
        while changes.qsize():
            kinds.append(type(await changes.get()).__name__)
        assert kinds.count("ChannelAdded") == 4 and kinds.count("ChannelRemoved") == 4
        assert client.connected.is_set() and len(fake_ami.sessions) == 1


async def test_originate_failure_outcome(fake_ami: FakeAmi) -> None:
    async def busy(session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("Message", "Originate successfully queued"))
        session.event(
            "OriginateResponse",
            ("ActionID", action.action_id or ""),
            ("Response", "Failure"),
            ("Channel", "Local/700@test"),
            ("Reason", "5"),
            ("Uniqueid", "<unknown>"),
        )

    fake_ami.handlers["originate"] = busy
    async with connected(fake_ami) as client:
        outcome = await (await client.originate("Local/700@test", context="test", exten="100"))
        assert not outcome.success and outcome.reason_text == "busy" and outcome.uniqueid is None
        [sent] = fake_ami.actions("Originate")
        assert (sent["Context"], sent["Exten"], sent["Priority"]) == ("test", "100", "1")


async def test_originate_response_before_the_response(fake_ami: FakeAmi) -> None:
    async def event_first(session: FakeSession, action: AmiMessage) -> None:
        aid = ("ActionID", action.action_id or "")
        session.event("OriginateResponse", aid, ("Response", "Success"), ("Reason", "4"), ("Uniqueid", "1.1"))
        session.reply(action, ("Message", "Originate successfully queued"))

    fake_ami.handlers["originate"] = event_first
    async with connected(fake_ami) as client:
        call = await client.originate("Local/100@test", application="Wait", data="1")
        assert call.response.response == "Success"  # not the event
        assert (await call.outcome(timeout_s=1)).uniqueid == "1.1"


async def test_originate_outcome_timeout(fake_ami: FakeAmi) -> None:
    async def silent(session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("Message", "Originate successfully queued"))

    fake_ami.handlers["originate"] = silent
    async with connected(fake_ami) as client:
        call = await client.originate("Local/100@test", application="Wait", data="1")
        with pytest.raises(AmiActionTimeout):
            await call.outcome(timeout_s=0.1)


async def test_originate_without_async_does_not_kill_the_connection(fake_ami: FakeAmi) -> None:
    # panoramisk 1.4: "Originate successfully queued" + no Async header + as_list None = KeyError: 'async'
    # inside data_received, which closes the connection. We always pass as_list.
    async with connected(fake_ami) as client:
        response = await client.action("Originate", Channel="Local/100@test", Application="Wait", Data="1")
        assert response["Message"] == "Originate successfully queued"
        assert "Async" not in fake_ami.actions("Originate")[0]
        await client.ping()
        assert len(fake_ami.sessions) == 1 and sample(client, "hotline_ami_read_errors_total") == 0


async def test_originate_checks_its_arguments(fake_ami: FakeAmi) -> None:
    async with connected(fake_ami) as client:
        with pytest.raises(ValueError):
            await client.originate("Local/1@x", application="Wait", exten="1", context="x")
        with pytest.raises(ValueError):
            await client.originate("Local/1@x", exten="1")
        assert fake_ami.actions("Originate") == []


# -- events and subscriptions -----------------------------------------------------------------
async def test_subscriptions_match_patterns_and_skip_list_items(fake_ami: FakeAmi) -> None:
    fake_ami.channels = [listed_channel("A/1", "1.1")]
    async with connected(fake_ami) as client:
        dials = client.subscribe("dial*")  # any case, like fnmatch on the name
        everything = client.subscribe()
        await client.action_list("CoreShowChannels", "CoreShowChannelsComplete")
        fake_ami.sessions[0].send(capture("ami_09_originate_dial_bridge").split(b"\r\n", 1)[1])
        await eventually(lambda: dials.qsize() == 4)
        names = [(await dials.get()).event for _ in range(4)]
        assert names == ["DialBegin", "DialEnd", "DialBegin", "DialEnd"]
        expected = len(events("ami_09_originate_dial_bridge"))
        await eventually(lambda: everything.qsize() == expected)
        assert [c.name for c in client.state] == ["A/1"]
        seen = [(await everything.get()).event for _ in range(everything.qsize())]
        assert "CoreShowChannel" not in seen  # answered the action, not broadcast
        dials.close()
        with pytest.raises(StopAsyncIteration):
            await dials.get()


async def test_a_slow_subscriber_loses_the_oldest_items_and_is_told(fake_ami: FakeAmi) -> None:
    async with connected(fake_ami) as client:
        sub = client.subscribe("UserEvent", maxsize=3)
        for i in range(5):
            fake_ami.sessions[0].event("UserEvent", ("UserEvent", f"n{i}"))
        await eventually(lambda: sub.dropped == 2)
        assert [(await sub.get())["UserEvent"] for _ in range(3)] == ["n2", "n3", "n4"]
        assert sample(client, "hotline_ami_subscription_dropped_total", kind="events") == 2


async def test_stop_ends_the_subscriptions(fake_ami: FakeAmi) -> None:
    client = AmiClient(fast_settings(fake_ami))
    await client.start()
    sub = client.subscribe()
    consumer = asyncio.create_task(_drain(sub))
    await client.wait_connected(timeout_s=2)
    await client.stop()
    assert await asyncio.wait_for(consumer, 1) >= 0


async def _drain(sub: Any) -> int:
    count = 0
    async for _ in sub:
        count += 1
    return count


async def test_call_logs_bind_uniqueid_and_linkedid(fake_ami: FakeAmi) -> None:
    fake_ami.handlers["originate"] = _replay_originate("ami_08_originate_local_async", "orig-1")
    async with connected(fake_ami) as client:
        with structlog.testing.capture_logs() as logs:
            await (await client.originate("Local/100@test", application="Wait", data="2"))
            await eventually(
                lambda: sample(client, "hotline_ami_events_total") > 20 and len(client.state) == 0
            )
    added = [e for e in logs if e["event"] == "ami.channel_added"]
    removed = [e for e in logs if e["event"] == "ami.channel_removed"]
    assert len(added) == 2 and len(removed) == 2
    assert all(e["uniqueid"] and e["linkedid"] == added[0]["uniqueid"] for e in added + removed)
    assert any(e["event"] == "ami.originate_outcome" and e["reason"] == "answered" for e in logs)


async def test_metrics_use_the_registry_given_one_series_per_server(fake_ami: FakeAmi) -> None:
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry()
    one = AmiClient(fast_settings(fake_ami), metrics=AmiMetrics(registry, server="pbx-1"))
    two = AmiClient(fast_settings(fake_ami), metrics=AmiMetrics(registry, server="pbx-2"))
    async with one, two:
        await one.wait_connected(timeout_s=2)
        await two.wait_connected(timeout_s=2)
        await one.ping()
        for server in ("pbx-1", "pbx-2"):
            assert registry.get_sample_value("hotline_ami_sessions_total", {"server": server}) == 1
            assert registry.get_sample_value("hotline_ami_connected", {"server": server}) == 1
        ping = {"action": "Ping", "outcome": "ok"}
        assert registry.get_sample_value("hotline_ami_actions_total", {"server": "pbx-1", **ping}) == 1
        assert registry.get_sample_value("hotline_ami_actions_total", {"server": "pbx-2", **ping}) is None


async def test_a_bug_in_a_session_task_does_not_end_the_supervision(
    fake_ami: FakeAmi, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = AmiClient(fast_settings(fake_ami))
    calls = 0
    watchdog = client._supervisor._watchdog

    async def buggy_watchdog(conn: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("bug")
        await watchdog(conn)

    monkeypatch.setattr(client._supervisor, "_watchdog", buggy_watchdog)
    async with client:
        await fake_ami.wait_sessions(2)
        await eventually(lambda: calls == 2 and client.connected.is_set())
        await client.ping()
