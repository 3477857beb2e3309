"""``look_for_channel``: a channel the AMI state does not know yet is looked for with back-off for a
bounded time, and not at all without an AMI session."""

from __future__ import annotations

from cti.ami.channels import Channel
from cti.ami.events import Party
from cti.ami.lookup import look_for_channel

NONE: dict[str, Channel] = {}


def channel(uniqueid: str = "1700000000.1", context: str = "acd-connect") -> Channel:
    return Channel(
        name="PJSIP/pstn-00000001", uniqueid=uniqueid, linkedid=uniqueid, state=6, state_desc="Up",
        caller=Party("13800000001", ""), connected=Party(), context=context, exten="s", priority=1,
    )  # fmt: skip


class Sleeps:
    def __init__(self, then: dict[int, object] | None = None) -> None:
        self.slept: list[float] = []
        self.then = then or {}

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        action = self.then.get(len(self.slept))
        if callable(action):
            action()


async def test_a_known_channel_is_found_at_once() -> None:
    known = {"1700000000.1": channel()}
    sleep = Sleeps()
    sighting = await look_for_channel(known.get, "1700000000.1", 2.0, sleep=sleep)
    assert sighting.found and sighting.channel == known["1700000000.1"] and sleep.slept == []


async def test_a_channel_that_appears_late_is_found_after_back_off() -> None:
    known: dict[str, Channel] = {}
    sleep = Sleeps({3: lambda: known.update({"1700000000.1": channel()})})
    sighting = await look_for_channel(known.get, "1700000000.1", 2.0, sleep=sleep)
    assert sighting.found and sighting.seeing and sleep.slept == [0.05, 0.1, 0.2]


async def test_an_unknown_channel_is_given_up_after_the_wait() -> None:
    sleep = Sleeps()
    sighting = await look_for_channel(NONE.get, "1.2", 1.0, sleep=sleep)
    assert not sighting.found and sighting.seeing and sighting.channel is None
    assert sum(sleep.slept) == 1.0 == sighting.waited_s and len(sleep.slept) <= 6


async def test_without_an_ami_session_the_look_ends_at_once_or_when_it_is_lost() -> None:
    seeing = False
    sleep = Sleeps()
    sighting = await look_for_channel(NONE.get, "1.2", 2.0, seeing=lambda: seeing, sleep=sleep)
    assert not sighting.found and not sighting.seeing and sleep.slept == []

    def lost() -> None:
        nonlocal seeing
        seeing = False

    seeing = True
    sleep = Sleeps({2: lost})
    sighting = await look_for_channel(NONE.get, "1.2", 2.0, seeing=lambda: seeing, sleep=sleep)
    assert not sighting.seeing and sleep.slept == [0.05, 0.1]


async def test_found_can_ask_more_than_that_the_channel_exists() -> None:
    known = {"1.2": channel("1.2")}
    sleep = Sleeps()
    sighting = await look_for_channel(
        known.get, "1.2", 0.2, found=lambda ch: ch is not None and ch.context == "acd-wait", sleep=sleep
    )
    assert not sighting.found and sighting.channel is known["1.2"]
