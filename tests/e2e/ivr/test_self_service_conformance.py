"""A service order and a lost-phone suspension through the SHIPPED dialplan, on the real Asterisk 22
(``../shared/asterisk``) and on ``hotline sim`` as its own process (``--pbx``), the caller's keys
sent back to back by SendDTMF from the other Local leg (:mod:`tests.e2e.ivr.ami_caller`).

Done when (issue 14): an order is placed, confirmed and visible on the desk; a provisioning
failure is told to the caller and leaves nothing half-applied; a lost phone is suspended and can
be resumed only by an agent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from cti.access.roles import Principal
from cti.acd_bridge.site_globals import render_globals
from cti.ami.settings import AmiSettings
from cti.desk.customer_view import CustomerDesk
from cti.desk.order_desk import OrderDesk
from cti.desk.self_service_schemas import ResumeLineBody
from cti.errors import Forbidden
from orders.catalogue import load_catalogue
from orders.settings import OrderSettings
from storage.ivr_records import IvrOutcome
from storage.lines import Line, LineService, LineStatus
from storage.service_orders import OrderAction, OrderStatus, ServiceOrder
from storage.users import Role
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

PACE = Pace(per_char_s=0.004, shortest_s=0.06, longest_s=0.25)
CALL_LIMIT_S = 60
AGENT = Principal(
    user_id=1, username="agent1001", role=Role.AGENT_JUNIOR, prefecture="lanzhou", agent_id="agent-1001"
)
TIANSHUI_AGENT = Principal(
    user_id=4, username="agent1004", role=Role.AGENT_JUNIOR, prefecture="tianshui", agent_id="agent-1004"
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


@pytest.fixture(scope="module")
def agi_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def pbx(
    pbx_kind: str, agi_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealAsterisk | SimProcess]:
    folder = tmp_path_factory.mktemp("self-service-conformance")
    conf = folder / "extensions.conf"
    text = render_globals(SHIPPED_DIALPLAN.read_text(), {"HOTLINE_AGI": f"agi://127.0.0.1:{agi_port}"})
    conf.write_text(text + CALLER_CONTEXT)
    write_placeholders(folder / "sounds", PACE)
    with running_pbx(pbx_kind, extensions=conf, sim_sounds=folder / "sounds") as running:
        if isinstance(running, RealAsterisk):
            write_placeholders(running.rundir / "lib" / "sounds", PACE)
        yield running


async def _seeded(tmp_path: Path) -> str:
    return await demo_sqlite_file(tmp_path / "hotline.sqlite3", hotline_today())


def _ami(pbx: RealAsterisk | SimProcess) -> AmiSettings:
    return AmiSettings(host=pbx.host, port=pbx.ami_port, username=pbx.username, secret=pbx.secret)


@pytest.fixture
async def node(pbx: RealAsterisk | SimProcess, agi_port: int, tmp_path: Path) -> AsyncIterator[IvrNode]:
    async with ivr_node(await _seeded(tmp_path), _ami(pbx), agi_port) as running:
        yield running


@pytest.fixture
async def node_with_refusing_bss(
    pbx: RealAsterisk | SimProcess, agi_port: int, tmp_path: Path
) -> AsyncIterator[IvrNode]:
    orders = OrderSettings(provisioning="tests.e2e.ivr.node:refusing_bss")
    async with ivr_node(await _seeded(tmp_path), _ami(pbx), agi_port, orders=orders) as running:
        yield running


async def call(node: IvrNode, number: str, *script: Press | HangUp) -> AmiCall:
    async with asyncio.timeout(CALL_LIMIT_S):
        return await ami_call(node.node.ami, number, script)


def desk(node: IvrNode) -> tuple[CustomerDesk, OrderDesk]:
    assert node.node.orders is not None

    async def no_call(agent_id: str) -> tuple[str, str] | None:
        return None

    customers = CustomerDesk(node.sessions, load_catalogue(), no_call, time.time)
    return customers, OrderDesk(node.sessions, node.node.orders, customers, time.time)


async def services_of(node: IvrNode, number: str) -> list[str]:
    async with node.sessions() as db:
        stmt = (
            select(LineService.code).join(Line, Line.id == LineService.line_id).where(Line.number == number)
        )
        return sorted((await db.execute(stmt)).scalars())


async def test_an_order_is_placed_confirmed_and_visible_on_the_desk(node: IvrNode) -> None:
    # 5 orders; the PIN back to back; 1 order a service; 2 the second offered (ring back tone); 1 confirm
    placed = await call(
        node, "13800000001", Press("5"), Press("123456#"), Press("1"), Press("2"), Press("1"),
        HangUp("hotline/agent_or_back"),
    )  # fmt: skip
    record = await node.closed_record(placed.uniqueid)
    async with node.sessions() as db:
        order = (await db.execute(select(ServiceOrder))).scalar_one()
    assert (order.status, order.item, order.channel, order.ivr_session_id) == (
        OrderStatus.DONE, "ring_back_tone", "ivr", record.id,
    )  # fmt: skip
    assert placed.entries == ["GET DATA hotline/enter_pin 5000 8"]
    heard = placed.heard
    assert heard[heard.index("hotline/order_readback_order-1") :] == [
        "hotline/order_readback_order-1", "hotline/order_item_ring_back_tone",
        "hotline/order_fee_monthly-1", "number:5", "hotline/unit_yuan", "hotline/order_effective_now",
        "hotline/order_confirm",
        "hotline/order_done-1", f"digits:{order.number}", "hotline/order_done-2", f"digits:{order.number}",
        "hotline/agent_or_back",
    ]  # fmt: skip
    assert record.outcome is IvrOutcome.SELF_SERVED
    assert await services_of(node, "13800000001") == ["caller_id", "ring_back_tone"]
    customers, _ = desk(node)
    view = await customers.view(AGENT, "13800000001")
    assert [(o["number"], o["status"], o["channel"]) for o in view["orders"]] == [
        (order.number, "done", "ivr")
    ]
    mobile = next(line for line in view["lines"] if line["number"] == "13800000001")
    assert [s["code"] for s in mobile["services"]] == ["caller_id", "ring_back_tone"]


async def test_a_provisioning_failure_is_told_and_nothing_is_applied(node_with_refusing_bss: IvrNode) -> None:
    node = node_with_refusing_bss
    placed = await call(
        node, "13800000001", Press("5"), Press("123456#"), Press("1"), Press("2"), Press("1"),
        HangUp("hotline/agent_or_back"),
    )  # fmt: skip
    async with node.sessions() as db:
        order = (await db.execute(select(ServiceOrder))).scalar_one()
    assert (order.status, order.failure) == (
        OrderStatus.FAILED,
        "rejected: the BSS is closed for maintenance",
    )
    assert placed.heard[-3:] == ["hotline/order_failed-1", f"digits:{order.number}", "hotline/agent_or_back"]
    assert await services_of(node, "13800000001") == ["caller_id"]  # nothing applied
    customers, _ = desk(node)
    [shown] = (await customers.view(AGENT, "13800000001"))["orders"]
    assert (shown["status"], shown["failure"]) == ("failed", order.failure)  # and it stays visible


async def test_a_lost_phone_is_suspended_and_only_an_agent_resumes_it(node: IvrNode) -> None:
    # from another phone: 6; the lost number and the ID's last six (X keyed as 0), back to back
    placed = await call(
        node, "13912345678", Press("6"), Press("13800000002#"), Press("2"), Press("051230"),
        HangUp("hotline/agent_or_back"),
    )  # fmt: skip
    assert placed.entries == [
        "GET DATA hotline/lost_enter_number 5000 12",
        "GET DATA hotline/lost_enter_id 5000 6",
    ]
    async with node.sessions() as db:
        order = (await db.execute(select(ServiceOrder))).scalar_one()
        line = (await db.execute(select(Line).where(Line.number == "13800000002"))).scalar_one()
    assert (order.action, order.status, line.status) == (
        OrderAction.SUSPEND_LOST, OrderStatus.DONE, LineStatus.SUSPENDED_LOST,
    )  # fmt: skip
    assert placed.heard[-8:-4] == [
        "hotline/lost_suspended-1",
        "digits:13800000002",
        "hotline/lost_suspended-2",
        f"digits:{order.number}",
    ]
    record = await node.closed_record(placed.uniqueid)
    assert record.outcome is IvrOutcome.SELF_SERVED and record.caller_number == "13912345678"
    # the IVR offers no way back; the desk does, after the agent checked who is calling
    _, orders = desk(node)
    with pytest.raises(Forbidden):
        await orders.resume(
            TIANSHUI_AGENT, ResumeLineBody(line_number="13800000002", method="pin", secret="111111")
        )
    resumed = await orders.resume(
        TIANSHUI_AGENT, ResumeLineBody(line_number="13800000002", method="pin", secret="234567")
    )
    assert (resumed["action"], resumed["status"], resumed["channel"]) == ("resume", "done", "agent")
    async with node.sessions() as db:
        status = (await db.execute(select(Line.status).where(Line.number == "13800000002"))).scalar_one()
    assert status is LineStatus.ACTIVE
