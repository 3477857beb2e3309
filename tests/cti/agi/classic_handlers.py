"""Handlers that tests/cti/agi/test_classic.py runs with ``hotline agi-classic``."""

from __future__ import annotations

from cti.agi.errors import AgiHangup
from cti.agi.session import AgiSession


async def menu(agi: AgiSession) -> None:
    await agi.answer()
    digits = await agi.get_data("beep", 2000, 3)
    await agi.set_variable("CHOICE", f"{agi.env.script}:{','.join(agi.env.args)}:{digits.value}")


async def survey(agi: AgiSession) -> None:
    try:
        await agi.wait_for_digit(10000)
    except AgiHangup:
        await agi.set_variable("SURVEY", "abandoned")


async def broken(agi: AgiSession) -> None:
    await agi.verbose("about to fail")
    raise RuntimeError("bug")
