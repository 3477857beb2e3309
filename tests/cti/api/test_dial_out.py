"""An agent calls a ticket's customer from the agent page (click-to-call) on the simulated Asterisk:
the agent's phone rings first, then the customer's; the call is recorded (MixMonitor) like an
inbound one; the agent is paused ``dial-out`` so no inbound call is offered meanwhile; the ticket's
history says who called and why.  Another prefecture's ticket and a non-agent are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from acd.agent_state import AgentState
from sim.distributions import Fixed
from sim.phones import PhoneProfile
from storage.tickets import ticket_by_number, ticket_history

from .conftest import ApiEnv, make_env
from .pbx import Pbx, eventually, simulated_pbx

CUSTOMER = "13800000002"  # the caller of the demo's open fault ticket in Tianshui


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[tuple[ApiEnv, Pbx]]:
    async with simulated_pbx(tmp_path) as pbx:
        pbx.sim.add_phone(PhoneProfile(CUSTOMER, ring=Fixed(0.2), talk=None))
        async for api in make_env(tmp_path, ami=pbx.ami):
            yield api, pbx


async def _ticket_of(api: ApiEnv, number: str) -> str:
    status, found = await api.call("GET", f"/api/tickets?caller={number}", "sup.province")
    assert status == 200 and found["tickets"], found
    return str(found["tickets"][0]["number"])


async def test_an_agent_calls_the_customer_of_a_ticket(desk: tuple[ApiEnv, Pbx]) -> None:
    api, pbx = desk
    ticket = await _ticket_of(api, CUSTOMER)
    await api.acd.login("agent-1003")  # a senior agent of Lanzhou
    status, error = await api.call("POST", "/api/agent/dial", "agent1003", {"ticket": ticket})
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")  # the ticket is Tianshui's

    async with api.sessions() as db:
        row = await ticket_by_number(db, ticket)
        assert row is not None
        row.prefecture = "lanzhou"
        await db.commit()
    status, placed = await api.call(
        "POST", "/api/agent/dial", "agent1003", {"ticket": ticket, "purpose": "callback"}
    )
    assert status == 200, placed
    assert (await api.acd.status("agent-1003")).state is AgentState.PAUSED
    assert (await api.acd.status("agent-1003")).reason == "dial-out"

    def bridged() -> bool:
        agent = pbx.channel("PJSIP/1003-")
        return agent is not None and bool(pbx.ami.state.bridge_peers(agent.uniqueid))

    await eventually(bridged, within_s=10)
    agent_leg = pbx.channel("PJSIP/1003-")
    assert agent_leg is not None
    (peer,) = pbx.ami.state.bridge_peers(agent_leg.uniqueid)
    assert peer.name.startswith(f"PJSIP/{CUSTOMER}-")
    assert agent_leg.recording
    assert (agent_leg.variable("MIXMONITOR_FILENAME") or "").endswith("-1003.wav")
    async with api.sessions() as db:
        row = await ticket_by_number(db, ticket)
        assert row is not None
        notes = [a.note for a in await ticket_history(db, row.id)]
    assert any(n.startswith("callback call to the customer by agent-1003") for n in notes)


async def test_only_agents_dial_and_not_while_on_a_call(desk: tuple[ApiEnv, Pbx]) -> None:
    api, _ = desk
    ticket = await _ticket_of(api, CUSTOMER)
    status, _ = await api.call("POST", "/api/agent/dial", "sup.province", {"ticket": ticket})
    assert status == 403
    status, error = await api.call("POST", "/api/agent/dial", "agent1003", {"ticket": "99999999"})
    assert (status, error["error_id"]) == (404, "not-found")
