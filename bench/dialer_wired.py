"""The wired dialer against ``hotline sim``: what :mod:`outbound.simulation` models, run for real.

One simulator per mode (same seed: the same customers behind the same numbers), the shipped
dialplan, a CTI node with the ACD, outbound and its ``outbound-connect`` route, all on the
simulator's clock (``speed`` times real time).  Customers are ``PJSIP/<number>`` phones: a share
answers after 3–20 s and stays until the agent hangs up, some are busy, some unreachable, the rest
never answer (the dialer gives up after 25 s).  Agents are phones that answer in 0.5 s and talk a
log-normal time (mean 75 s), then wrap up 10 s.  Each contact is dialled once (``max_attempts`` 1).

Figures per mode, on the simulator's clock from the first dial to the last call's end: occupancy
(agents on a call, ringing for one or in wrap-up ÷ logged-in time, from the ACD's agent states),
abandon rate (abandoned ÷ answered attempts), contacts per agent-hour (calls put through ÷
agent-hours).
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from acd.agent_state import AgentState
from acd.events import AcdEvent, AgentStateChanged
from acd.model import Agent, AgentLevel, Skill
from bench.hotline_calls import write_dialplan
from bench.sim_hotline import SECRET, USER, write_directory
from node.root import Parts, running_node
from node.settings import load_settings
from outbound.campaign import Campaign, CampaignEvent, CampaignKind
from outbound.contact import Contact
from outbound.pacing import Pacing, PacingMode, ProgressivePacing
from outbound.predictive import PredictivePacing
from outbound.retry import RetryPolicy
from sim.ami.server import AmiUser
from sim.distributions import Fixed, LogNormal, Uniform
from sim.main import Simulator, SimulatorConfig
from sim.phones import PhoneProfile

__all__ = ["WiredSettings", "run_wired"]

START = datetime(2025, 10, 13, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday, the window opens
_BUSY = (AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)


@dataclass(frozen=True, slots=True)
class WiredSettings:
    contacts: int = 80
    agents: int = 4
    answer_rate: float = 0.35
    busy_rate: float = 0.10
    failed_rate: float = 0.05
    talk_mean_s: float = 75.0
    talk_sd_s: float = 40.0
    wrap_up_s: float = 10.0
    speed: float = 10.0
    seed: int = 1


def _customers(s: WiredSettings) -> list[PhoneProfile]:
    rng = random.Random(s.seed)
    phones = []
    for i in range(s.contacts):
        number, draw = f"1390000{i:04d}", rng.random()
        if draw < s.answer_rate:
            phones.append(PhoneProfile(number, ring=Uniform(3.0, 20.0), talk=None))
        elif draw < s.answer_rate + s.busy_rate:
            phones.append(PhoneProfile(number, busy=True, ring=Uniform(2.0, 8.0)))
        elif draw < s.answer_rate + s.busy_rate + s.failed_rate:
            phones.append(PhoneProfile(number, reachable=False))
        else:
            phones.append(PhoneProfile(number, answers=False))
    return phones


async def run_mode(s: WiredSettings, pacing: Pacing, workdir: Path) -> dict[str, Any]:
    config = SimulatorConfig(
        dialplan=write_dialplan(workdir / "extensions.conf", {}), ami_port=0,
        users=[AmiUser.build(USER, SECRET)], speed=s.speed, spool_dir=workdir / "spool",
        globals={"RECORD_CALLS": "no", "POST_CALL_RATING": "no"}, seed=s.seed,
    )  # fmt: skip
    agents = [
        (
            Agent(f"agent-{2001 + i}", str(2001 + i), "lanzhou", AgentLevel.JUNIOR, (Skill("general"),)),
            f"A{i}",
        )
        for i in range(s.agents)
    ]
    async with Simulator(config) as sim:
        for profile in _customers(s):
            sim.add_phone(profile)
        for agent, _ in agents:
            sim.add_phone(
                PhoneProfile(agent.extension, ring=Fixed(0.5), talk=LogNormal(s.talk_mean_s, s.talk_sd_s))
            )
        settings = load_settings(
            storage={"url": f"sqlite+aiosqlite:///{workdir / 'cti.sqlite3'}"},
            ami={"host": "127.0.0.1", "port": sim.ami_port, "username": USER, "secret": SECRET},
            agi={"host": "127.0.0.1", "port": 0},
            acd={"wrapup_s": s.wrap_up_s},
            outbound={"channel": "PJSIP/{number}", "tick_s": 0.05, "channel_cap": 200},
        )
        await write_directory(settings, agents)
        t0 = sim.clock.now()

        def clock() -> datetime:
            return START + timedelta(seconds=sim.clock.now() - t0)

        parts = Parts(ivr=False, recordings=False, api=False, reports=False, acd_clock=sim.clock,
                      acd_tick_every_s=0.01, outbound=True, outbound_clock=clock)  # fmt: skip
        async with running_node(settings, parts=parts) as node:
            assert node.acd is not None and node.outbound is not None
            sim.pbx.agi_override = f"127.0.0.1:{node.agi.port}"
            await node.ami.wait_connected(timeout_s=10)
            states: list[AgentStateChanged] = []

            def keep(event: AcdEvent) -> None:
                if isinstance(event, AgentStateChanged):
                    states.append(event)

            node.acd.subscribe(keep)
            for agent, _ in agents:
                await node.acd.login(agent.id)
            store = node.outbound.campaigns
            campaign = Campaign("bench", "bench", CampaignKind.GENERIC, pacing, skill="general",
                                retry=RetryPolicy(max_attempts=1), ring_s=25.0)  # fmt: skip
            await store.create(campaign, prefecture=None, created_by="bench", now=clock())
            contacts = [Contact(p.extension, p.extension, "lanzhou", p.extension) for p in _customers(s)]
            await store.add_contacts("bench", contacts, clock())
            started = sim.clock.now()
            await store.move("bench", CampaignEvent.START, clock())
            while True:
                done = sum(1 for c in await store.contacts("bench") if c.contact.status.final)
                print(
                    f"\r  {pacing_name(pacing)}: {done}/{s.contacts} contacts done", end="", file=sys.stderr
                )
                busy_now = [(await node.acd.status(a.id)).state in _BUSY for a, _ in agents]
                if done == s.contacts and not any(busy_now):
                    break
                await asyncio.sleep(0.5)
            ended = sim.clock.now()
            print(file=sys.stderr)
            attempts = await node.outbound.attempts.of_campaign("bench")
    span = ended - started
    busy = _busy_time(states, [a.id for a, _ in agents], started, ended)
    answered = sum(1 for a in attempts if a.answered_at is not None)
    abandoned = sum(1 for a in attempts if a.outcome == "abandoned")
    connected = sum(1 for a in attempts if a.agent_id is not None)
    return {
        "occupancy": busy / (s.agents * span),
        "abandon_rate": abandoned / answered if answered else 0.0,
        "contacts_per_agent_hour": connected / (s.agents * span / 3600),
        "dialled": len(attempts),
        "live_answered": answered,
        "abandoned": abandoned,
        "connected": connected,
        "simulated_hours": round(span / 3600, 3),
    }


def pacing_name(pacing: Pacing) -> str:
    return (
        PacingMode.PREDICTIVE.value if isinstance(pacing, PredictivePacing) else PacingMode.PROGRESSIVE.value
    )


def _busy_time(states: list[AgentStateChanged], agents: list[str], start: float, end: float) -> float:
    total = 0.0
    for agent_id in agents:
        since, busy = start, False
        for change in (c for c in states if c.agent.id == agent_id):
            at = min(max(change.at, start), end)
            if busy:
                total += at - since
            since, busy = at, change.new.state in _BUSY
        if busy:
            total += end - since
    return total


async def run_wired(s: WiredSettings) -> dict[str, Any]:
    out: dict[str, Any] = {"settings": asdict(s)}
    for pacing in (ProgressivePacing(), PredictivePacing()):
        with tempfile.TemporaryDirectory(prefix="bench-dialer-") as folder:
            out[pacing_name(pacing)] = await run_mode(s, pacing, Path(folder))
    return out
