"""The bill query and a complaint against the real Asterisk 22 (``../shared/asterisk``) and against
``hotline sim`` as its own process (``--pbx``), both running the SHIPPED dialplan.

Our CTI node (``node.root.running_node``: storage, AMI client, FastAGI server with the IVR; see
:mod:`tests.e2e.ivr.node`) serves the PBX on a free port (``HOTLINE_AGI`` rewritten in a copy of
``dialplan/extensions.conf``).  The caller is a Local channel keyed over AMI
(:mod:`tests.e2e.ivr.ami_caller`: PlayDTMF on the ``;1`` leg, timed on the ``AGIExecStart``
events of the ``;2`` leg).  The prompts are present on both PBXs: short placeholder files with
the real names (:mod:`tests.e2e.ivr.sounds`) written into the real Asterisk's sounds folder, so
STREAM FILE and SAY play real files for real durations, and barge-in and hang-ups mid-prompt
happen as they would.  Both PBXs must produce the same AGI command sequence, read-backs, hand-off
variables and database rows -- the same expectations as the in-process tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cti.acd_bridge.site_globals import render_globals
from cti.ami.settings import AmiSettings
from ivr.handoff import VARIABLES, AgentLevel, Handoff
from storage.ivr_records import IvrOutcome
from storage.ticket_lifecycle import TicketKind, TicketStatus
from tests.e2e.ivr.accounts import known_bill_heard, set_known_bill
from tests.e2e.ivr.ami_caller import CALLER_CONTEXT, AmiCall, HangUp, Press, ami_call
from tests.e2e.ivr.conftest import hotline_today
from tests.e2e.ivr.node import IvrNode, ivr_node
from tests.e2e.ivr.sounds import Pace, write_placeholders
from tests.e2e.ivr.stack import SHIPPED_DIALPLAN
from tests.support.demo_databases import demo_sqlite_file
from tests.support.pbx import parametrize_pbx_kind, running_pbx
from tests.support.ports import free_port
from tests.support.real_asterisk import RealAsterisk
from tests.support.sim_process import SimProcess

pytestmark = pytest.mark.conformance

# real seconds on both PBXs: short, so a call takes a few seconds
PACE = Pace(per_char_s=0.004, shortest_s=0.06, longest_s=0.25)
CALL_LIMIT_S = 60
INTRO_VIP = ["hotline/greeting_vip", "hotline/vip_menu", "hotline/language_offer"]
INTRO = ["hotline/welcome", "hotline/main_menu", "hotline/language_offer"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


@pytest.fixture(scope="module")
def agi_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def pbx(
    pbx_kind: str, agi_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealAsterisk | SimProcess]:
    folder = tmp_path_factory.mktemp("ivr-conformance")
    shipped = SHIPPED_DIALPLAN.read_text()
    conf = folder / "extensions.conf"
    conf.write_text(render_globals(shipped, {"HOTLINE_AGI": f"agi://127.0.0.1:{agi_port}"}) + CALLER_CONTEXT)
    write_placeholders(folder / "sounds", PACE)
    with running_pbx(pbx_kind, extensions=conf, sim_sounds=folder / "sounds") as running:
        if isinstance(running, RealAsterisk):
            # Asterisk looks files up when it plays them: <astdatadir>/sounds/<language>/<name>
            write_placeholders(running.rundir / "lib" / "sounds", PACE)
        yield running


@pytest.fixture
async def node(pbx: RealAsterisk | SimProcess, agi_port: int, tmp_path: Path) -> AsyncIterator[IvrNode]:
    url = await demo_sqlite_file(tmp_path / "hotline.sqlite3", hotline_today())
    ami = AmiSettings(host=pbx.host, port=pbx.ami_port, username=pbx.username, secret=pbx.secret)
    async with ivr_node(url, ami, agi_port) as running:
        yield running


async def call(node: IvrNode, number: str, *script: Press | HangUp) -> AmiCall:
    async with asyncio.timeout(CALL_LIMIT_S):
        return await ami_call(node.node.ami, number, script)


async def test_bill_query_reads_the_bill_back(node: IvrNode) -> None:
    due = await set_known_bill(node.sessions, "13800000001", hotline_today())
    # the PIN keyed back to back into one GET DATA; the caller hangs up once the bill has been read
    placed = await call(node, "13800000001", Press("2"), Press("123456#"), HangUp("hotline/bill_menu"))

    assert placed.heard == [*INTRO, "hotline/enter_pin", *known_bill_heard(due), "hotline/bill_menu"]
    assert placed.pressed == list("2123456#")
    # every prompt and digit sound was there and played, until the caller hung up during one;
    # (then the IVR may probe with CHANNEL STATUS, answered 511, if Asterisk's HANGUP line
    # comes after the -1: a race on both PBXs)
    assert [f for f in placed.failed if not f.startswith("CHANNEL STATUS:")] == [
        "STREAM FILE hotline/bill_menu 0123456789*#: -1 Failure"
    ]
    assert placed.waits == [5000]  # the main menu's key
    assert placed.entries == ["GET DATA hotline/enter_pin 5000 8"]
    assert placed.variables.get("HOTLINE_OUTCOME", "") == "" and "HOTLINE_SKILL" not in placed.variables
    assert not [line for line in placed.commands if "123456" in line.replace("0123456789*#", "")]
    record = await node.closed_record(placed.uniqueid)
    steps, tickets = await node.left_behind(record)
    assert record.outcome is IvrOutcome.SELF_SERVED and tickets == []  # heard the bill, then hung up
    assert record.channel == placed.channel and record.caller_number == "13800000001"
    assert [s.node for s in steps][-3:] == ["bill_check_pin", "bill_read", "bill_menu"]
    assert steps[-1].result == "hangup" and next(s for s in steps if s.node == "bill_pin").keys == "******"


async def test_complaint_reads_the_ticket_number_and_hands_the_caller_over(node: IvrNode) -> None:
    placed = await call(node, "13800000003", Press("3"), Press("1"), Press("3"))

    record = await node.closed_record(placed.uniqueid)
    steps, [ticket] = await node.left_behind(record)
    assert ticket.number is not None
    assert placed.failed == []
    assert placed.heard == [
        *INTRO_VIP,
        "hotline/complaint_menu",
        "hotline/billing_dispute_menu",
        "hotline/complaint_registered",
        "hotline/ticket_number-1",
        f"digits:{ticket.number}",
        "hotline/ticket_number-2",
        f"digits:{ticket.number}",
        "hotline/transfer_agent",
    ]
    assert (ticket.kind, ticket.category, ticket.subcategory, ticket.status) == (
        TicketKind.COMPLAINT,
        "billing_dispute",
        "usage",
        TicketStatus.ACCEPTED,
    )
    assert (ticket.created_via, ticket.caller_number, ticket.ivr_session_id) == (
        "ivr",
        "13800000003",
        record.id,
    )
    # the hand-off: as the PBX reported the variables (VarSet), and as the ACD's AGI read them
    handoff = Handoff.from_variables(placed.variables)
    assert (handoff.skill, handoff.min_level, handoff.segment.value, handoff.priority) == (
        "complaint",
        AgentLevel.SENIOR,
        "vip",
        21,
    )
    assert handoff.ticket_id == ticket.number and handoff.ivr_path == "vip_main>3>billing_dispute>usage"
    assert handoff.ivr_session == str(record.id)
    assert node.acd_saw[placed.uniqueid] == {name: placed.variables.get(name) for name in VARIABLES}
    assert record.outcome is IvrOutcome.QUEUED and record.ticket_id == ticket.id
    assert [s.node for s in steps] == [
        "identify",
        "greet_vip",
        "vip_main",
        "complaint",
        "billing_dispute",
        "complaint_ticket",
        "agent_complaint",
    ]
