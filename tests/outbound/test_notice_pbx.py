"""The closed-ticket notice called out by the dialer through the SHIPPED ``[outbound-notice]``, on
``hotline sim`` and on the real Asterisk 22 (``--pbx``): the customer answers and hears that the
ticket whose number is read is resolved, twice; the attempt is completed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cti.desk.customer_notice import ClosedTicket
from cti.desk.customer_notice_call import NOTICE_CAMPAIGN, VoiceCallNotifier
from prompts.language import Language
from storage.customer_notices import NoticeStatus
from tests.outbound.test_dialer_pbx import START, outbound_node, until
from tests.support.pbx import parametrize_pbx_kind

pytestmark = pytest.mark.conformance


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


async def test_the_dialer_tells_a_customer_their_ticket_is_closed(tmp_path: Path, pbx_kind: str) -> None:
    async with outbound_node(tmp_path, pbx_kind) as node:
        outbound = node.outbound
        assert outbound is not None
        commands: list[str] = []
        async with node.ami.subscribe("AGIExecStart") as events:
            notifier = VoiceCallNotifier(node.sessions, outbound.campaigns, lambda: START)
            ticket = ClosedTicket("00000018", "13800000003", "jiuquan", Language.ZH, "fault")
            assert await notifier.ticket_closed(ticket) is NoticeStatus.QUEUED

            async def done() -> bool:
                (stored,) = await outbound.campaigns.contacts(NOTICE_CAMPAIGN)
                return stored.contact.status.final

            async def collect() -> None:
                async for event in events:
                    commands.append(event.get("Command") or "")

            reader = asyncio.create_task(collect())
            try:
                await until(done, 60)
            finally:
                reader.cancel()
        outcomes = {a.number: a.outcome for a in await outbound.attempts.of_campaign(NOTICE_CAMPAIGN)}
        assert outcomes == {"13800000003": "completed"}
        played = [c.split()[2] for c in commands if c.upper().startswith(("STREAM FILE", "SAY DIGITS"))]
        notice = ["hotline/notice_ticket_closed-1", "00000018", "hotline/notice_ticket_closed-2"]
        assert played[:6] == notice * 2 and played[-1] == "hotline/outbound_goodbye"
