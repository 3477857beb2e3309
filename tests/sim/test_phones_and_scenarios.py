"""Phones and traffic of the simulator: agents' softphones ring, answer (or not), talk and hang
up; QA phones listen in with ChanSpy; a scenario's call plan is fixed by its seed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sim.callers import CallerScript
from sim.distributions import Exponential, Fixed
from sim.main import Simulator, SimulatorConfig
from sim.originate import OriginateRequest, originate
from sim.phones import PhoneProfile
from sim.scenario import ScenarioError, call_plan, parse_scenario

DIALPLAN = Path(__file__).parent / "data" / "phones.extensions.conf"


def _sim(tmp_path: Path) -> Simulator:
    return Simulator(SimulatorConfig(dialplan=DIALPLAN, ami_port=0, speed=10.0, spool_dir=tmp_path))


async def test_an_agent_phone_rings_answers_talks_and_hangs_up(tmp_path: Path) -> None:
    async with _sim(tmp_path) as sim:
        events: list[str] = []
        sim.pbx.bus.history_hooks.append(lambda e: events.append(e.name))
        phone = sim.add_phone(PhoneProfile("1001", ring=Fixed(1.0), talk=Fixed(5.0)))
        caller = sim.call(CallerScript(number="13800000001", dial="10000"))
        await asyncio.wait_for(caller.done.wait(), 5)
        assert caller.record is not None and caller.record.connected_to is not None
        assert caller.record.connected_to.startswith("PJSIP/1001-")
        call = phone.calls[0]
        assert call.answered_at is not None and call.ended_at is not None
        assert call.answered_at - call.rang_at == pytest.approx(1.0, abs=0.5)
        assert call.ended_at - call.answered_at == pytest.approx(5.0, abs=0.5)
        assert "BridgeEnter" in events and events.count("Hangup") == 2


async def test_no_answer_and_unreachable_phones(tmp_path: Path) -> None:
    async with _sim(tmp_path) as sim:
        sim.add_phone(PhoneProfile("1002", answers=False))
        sim.add_phone(PhoneProfile("1003", reachable=False))
        statuses: list[str] = []
        sim.pbx.bus.history_hooks.append(
            lambda e: (
                statuses.append(dict(e.headers)["Value"])
                if e.name == "VarSet"
                and dict(e.headers).get("Variable") == "DIALSTATUS"
                and dict(e.headers)["Value"]
                else None
            )
        )
        a = sim.call(CallerScript(number="13900000000", dial="10000"))
        b = sim.call(CallerScript(number="13900000001", dial="10001"))
        await asyncio.wait_for(asyncio.gather(a.done.wait(), b.done.wait()), 5)
        assert sorted(statuses) == ["CHANUNAVAIL", "NOANSWER"]
        assert not any(n.startswith("PJSIP/1003") for n in sim.pbx.channels)


async def test_a_qa_phone_listens_in_quietly(tmp_path: Path) -> None:
    async with _sim(tmp_path) as sim:
        sim.add_phone(PhoneProfile("1001", ring=Fixed(0.5), talk=Fixed(30.0)))
        sim.add_phone(PhoneProfile("9001", kind="qa", ring=Fixed(0.5), talk=None))
        caller = sim.call(CallerScript(number="13800000001", dial="10000"))
        await asyncio.sleep(0.3)  # 3 s simulated: the agent has answered
        await originate(
            sim.pbx,
            OriginateRequest(
                channel="PJSIP/9001",
                context="qa-spy",
                exten="s",
                priority=1,
                variables=[("SPY_TARGET", "PJSIP/1001"), ("SPY_OPTIONS", "qdE")],
            ),
        )
        await asyncio.sleep(0.2)
        [session] = sim.pbx.spy_sessions
        assert session.spyee.name.startswith("PJSIP/1001-") and session.mode == "spy"
        assert "q" in session.options
        sim.phones["9001"].press("5")  # d: whisper
        await asyncio.sleep(0.1)
        assert session.mode == "whisper"
        caller.hangup()
        await asyncio.wait_for(caller.done.wait(), 5)
        await asyncio.sleep(0.2)
        assert sim.pbx.spy_sessions == []


SCENARIO = {
    "seed": 7,
    "phones": [{"extensions": "1001-1003", "ring": {"uniform": [1, 2]}, "talk": {"exponential": 60}}],
    "traffic": [
        {
            "dial": "10000",
            "duration_s": 3600,
            "arrivals_per_hour": 60,
            "callers": [
                {"weight": 3, "prefix": "1380000", "keys": ["2", {"digits": "1234", "on": "input"}]},
                {"weight": 1, "numbers": ["13900000001"], "patience": {"exponential": 90}},
            ],
        }
    ],
}


def test_the_same_seed_gives_the_same_call_plan() -> None:
    plan = call_plan(parse_scenario(SCENARIO))
    again = call_plan(parse_scenario(SCENARIO))
    other = call_plan(parse_scenario({**SCENARIO, "seed": 8}))
    assert [(c.at_s, c.script) for c in plan] == [(c.at_s, c.script) for c in again]
    assert [c.at_s for c in plan] != [c.at_s for c in other]
    assert 40 <= len(plan) <= 80  # Poisson, 60 an hour
    assert len(parse_scenario(SCENARIO).phones) == 3


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ({"phones": [{"extensions": "1005-1001"}]}, "phones[0]"),
        (
            {
                "traffic": [
                    {
                        "dial": "1",
                        "duration_s": 1,
                        "arrivals_per_hour": 1,
                        "callers": [{"numbers": ["1"], "keys": ["9x"]}],
                    }
                ]
            },
            "keys[0]",
        ),
        ({"traffic": [{"dial": "1"}]}, "traffic[0]"),
        ({"phones": [{"extensions": "1", "talk": {"gamma": 3}}]}, "talk"),
        ({"seeds": 1}, "unknown keys"),
    ],
)
def test_bad_scenarios_are_refused_with_the_place_named(bad: dict[str, object], where: str) -> None:
    with pytest.raises(ScenarioError, match=r".*") as err:
        parse_scenario(bad)
    assert where in str(err.value)


def test_distributions_are_reproducible() -> None:
    import random

    d = Exponential(60.0)
    assert [d.sample(random.Random(1)) for _ in range(3)] == [d.sample(random.Random(1)) for _ in range(3)]


async def test_mixmonitor_writes_a_real_wav_of_the_recorded_time(tmp_path: Path) -> None:
    import wave

    from tests.support.sim_process import SAMPLE_DIALPLAN

    config = SimulatorConfig(dialplan=SAMPLE_DIALPLAN, ami_port=0, speed=10.0, spool_dir=tmp_path)
    async with Simulator(config) as sim:
        # 600@test: Answer, MixMonitor(test-${UNIQUEID}.wav), Wait(2), SendDTMF, Wait(2), StopMixMonitor
        stopped = asyncio.Event()
        sim.pbx.bus.history_hooks.append(lambda e: stopped.set() if e.name == "MixMonitorStop" else None)
        await originate(sim.pbx, OriginateRequest(channel="Local/600@test", application="Wait", data="8"))
        await asyncio.wait_for(stopped.wait(), 5)
        [path] = sim.pbx.recordings_done
        assert path.parent == (tmp_path / "monitor").resolve() and path.name.startswith("test-")
        with wave.open(str(path)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
            # two Waits of 2 s and SendDTMF(123#): 4 x (100 ms tone + 250 ms gap)
            assert w.getnframes() / 8000 == pytest.approx(5.4, abs=0.4)
