"""What call control from the agent's screen needs of the simulator, as the real Asterisk 22 does it
(seen with Local channels on ../shared/asterisk): a Dual Redirect takes both parties of a Dial out
of their bridge alive; an AMI Bridge puts them back together; BridgeAdd makes a third party join a
bridge, which then outlives the party that leaves first."""

from __future__ import annotations

from pathlib import Path

from tests.cti.api.pbx import Pbx, eventually, simulated_pbx


async def test_a_dual_redirect_keeps_the_dialled_agent_and_bridge_reunites_them(tmp_path: Path) -> None:
    async with simulated_pbx(tmp_path) as pbx:
        caller, agent = await pbx.connected(pbx.call_agent("1001"))
        await pbx.ami.redirect(
            caller.name, "hold", "s", 1, extra_channel=agent.name, extra_context="agent-park", extra_exten="s"
        )
        state = pbx.ami.state

        def parked() -> bool:
            c, a = state.channel(caller.uniqueid), state.channel(agent.uniqueid)
            return (
                c is not None
                and a is not None
                and c.on_hold
                and a.context == "agent-park"
                and a.application == "Wait"
            )

        await eventually(parked)
        assert state.channel(caller.uniqueid).bridge_id is None  # type: ignore[union-attr]
        await pbx.ami.action("Bridge", Channel1=caller.name, Channel2=agent.name)
        await eventually(
            lambda: [p.uniqueid for p in state.bridge_peers(caller.uniqueid)] == [agent.uniqueid]
        )
        await eventually(lambda: not state.channel(caller.uniqueid).on_hold)  # type: ignore[union-attr]
        await pbx.ami.hangup(agent.name)
        # the caller carries on in [hold] after the bridge, to its Hangup()
        await eventually(lambda: state.channel(caller.uniqueid) is None)


async def test_bridgeadd_makes_a_conference_that_outlives_the_first_to_leave(tmp_path: Path) -> None:
    async with simulated_pbx(tmp_path) as pbx:
        caller, agent = await pbx.connected(pbx.call_agent("1001"))
        await pbx.ami.redirect(
            caller.name,
            "hold",
            "s",
            1,
            extra_channel=agent.name,
            extra_context="agent-consult",
            extra_exten="1003",
        )
        state = pbx.ami.state
        await eventually(lambda: (c := pbx.channel("PJSIP/1003-")) is not None and c.bridge_id is not None)
        consulted = pbx.channel("PJSIP/1003-")
        assert consulted is not None and consulted.dialed_by == agent.uniqueid
        await pbx.ami.setvar("CONF_WITH", agent.name, caller.name)
        await pbx.ami.redirect(caller.name, "conference-join", "s", 1)
        await eventually(lambda: len(state.bridge_peers(caller.uniqueid)) == 2)
        assert {p.uniqueid for p in state.bridge_peers(caller.uniqueid)} == {
            agent.uniqueid,
            consulted.uniqueid,
        }
        await pbx.ami.hangup(agent.name)  # the first agent leaves: the other two talk on
        await eventually(lambda: state.channel(agent.uniqueid) is None)
        await eventually(
            lambda: [p.uniqueid for p in state.bridge_peers(caller.uniqueid)] == [consulted.uniqueid]
        )
        bridge = state.channel(caller.uniqueid).bridge_id  # type: ignore[union-attr]
        await pbx.ami.hangup(consulted.name)
        await eventually(lambda: state.bridge_peers(caller.uniqueid) == [])
        await pbx.ami.hangup(caller.name)
        await eventually(lambda: state.bridge(bridge or "") is None)  # the last one out ends it


async def test_bridgeadd_to_a_channel_in_no_bridge_fails_and_the_dialplan_goes_on(tmp_path: Path) -> None:
    async with simulated_pbx(tmp_path) as pbx:
        caller, _agent = await pbx.connected(pbx.call_agent("1002"))
        async with pbx.ami.changes() as changes:
            await pbx.ami.setvar("CONF_WITH", "PJSIP/nobody", caller.name)
            await pbx.ami.redirect(caller.name, "conference-join", "s", 1)
            async for change in changes:
                gone = getattr(change, "channel", None)
                if (
                    type(change).__name__ == "ChannelRemoved"
                    and gone is not None
                    and gone.uniqueid == caller.uniqueid
                ):
                    assert gone.variable("BRIDGERESULT") == "FAILURE"
                    break


async def test_bridge_takes_a_dialled_party_from_its_dial_alive(tmp_path: Path) -> None:
    """An attended transfer's completion: the consulted agent (the called party of the consulting
    agent's Dial) is bridged with the caller on hold, and the consulting agent carries on alone."""
    async with simulated_pbx(tmp_path) as pbx:
        for _ in range(3):  # the Dial's end and the new bridge race; every order must keep the party
            await _consult_and_complete(pbx)


async def _consult_and_complete(pbx: Pbx) -> None:
    caller, agent = await pbx.connected(pbx.call_agent("1001"))
    await pbx.ami.redirect(
        caller.name,
        "hold",
        "s",
        1,
        extra_channel=agent.name,
        extra_context="agent-consult",
        extra_exten="1003",
    )
    await eventually(lambda: (c := pbx.channel("PJSIP/1003-")) is not None and c.bridge_id is not None)
    consulted = pbx.channel("PJSIP/1003-")
    assert consulted is not None
    await pbx.ami.action("Bridge", Channel1=caller.name, Channel2=consulted.name)
    state = pbx.ami.state
    await eventually(
        lambda: [p.uniqueid for p in state.bridge_peers(caller.uniqueid)] == [consulted.uniqueid]
    )
    await eventually(lambda: state.channel(agent.uniqueid).context == "agent-park")  # type: ignore[union-attr]
    await pbx.ami.hangup(caller.name)
    await eventually(lambda: len(state) == 1)  # the consulted leg ends with the bridge
    await pbx.ami.hangup(agent.name)
    await eventually(lambda: len(state) == 0)
