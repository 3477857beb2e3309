"""The production layout on the real Asterisk 22: the prompts live in ``[ivr] prompts_dir`` (as
README, ``docker/hotline.example.toml`` and ``docker/compose.production.yml`` put them), a folder
Asterisk never searches by itself, and every STREAM FILE of a call succeeds — the node plays them by
absolute path (:class:`cti.agi.sounds.SoundFolder`).

Asterisk's own sounds folder gets only the ``digits/`` sounds SAY DIGITS needs (compose mounts the
prompts volume there too); none of the ``hotline/`` prompts are in it, so a prompt asked for by
name would fail (``-1``), as it did before: the second test shows it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from cti.acd_bridge.site_globals import render_globals
from cti.ami.settings import AmiSettings
from demo.data import seed_demo_data
from prompts.language import Language
from storage.db import create_engine_from_settings, session_factory
from storage.migrate import upgrade
from storage.settings import StorageSettings
from tests.e2e.ivr.ami_caller import CALLER_CONTEXT, AmiCall, Press, ami_call
from tests.e2e.ivr.conftest import hotline_today
from tests.e2e.ivr.node import ivr_node
from tests.e2e.ivr.sounds import Pace, placeholder_jobs, write_placeholders
from tests.e2e.ivr.stack import SHIPPED_DIALPLAN
from tests.support.ports import free_port
from tests.support.real_asterisk import RealAsterisk, real_asterisk

pytestmark = pytest.mark.conformance

PACE = Pace(per_char_s=0.004, shortest_s=0.06, longest_s=0.25)
CALL_LIMIT_S = 60
# a VIP's complaint, registered and handed over: greeting, menus, the ticket number read twice
COMPLAINT = (Press("3"), Press("1"), Press("3"))


@pytest.fixture(scope="module")
def agi_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def prompts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered prompts, outside Asterisk's sounds folder (e.g. /var/lib/hotline/prompts)."""
    folder = tmp_path_factory.mktemp("prompts")
    write_placeholders(folder, PACE)
    return folder


@pytest.fixture(scope="module")
def asterisk(agi_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealAsterisk]:
    folder = tmp_path_factory.mktemp("by-path")
    shipped = SHIPPED_DIALPLAN.read_text()
    conf = folder / "extensions.conf"
    conf.write_text(render_globals(shipped, {"HOTLINE_AGI": f"agi://127.0.0.1:{agi_port}"}) + CALLER_CONTEXT)
    with real_asterisk(extensions=conf) as ast:
        ast.cli("core waitfullybooted")
        digits = [job for job in placeholder_jobs() if job.name.startswith("digits/")]
        write_placeholders(ast.rundir / "lib" / "sounds", PACE, jobs=digits)
        assert not list((ast.rundir / "lib" / "sounds").rglob("hotline"))
        yield ast


async def _call(asterisk: RealAsterisk, agi_port: int, db: Path, prompts: Path | None) -> AmiCall:
    url = f"sqlite+aiosqlite:///{db}"
    engine = create_engine_from_settings(StorageSettings(url=url))
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            await seed_demo_data(session, hotline_today())
            await session.commit()
    finally:
        await engine.dispose()
    ami = AmiSettings(
        host=asterisk.host, port=asterisk.ami_port, username=asterisk.username, secret=asterisk.secret
    )
    async with ivr_node(url, ami, agi_port, prompts_dir=prompts) as node:
        async with asyncio.timeout(CALL_LIMIT_S):
            return await ami_call(node.node.ami, "13800000003", COMPLAINT)


def _streams(placed: AmiCall) -> list[str]:
    return [line for line in placed.commands if line.upper().startswith("STREAM FILE")]


async def test_every_prompt_plays_from_prompts_dir_by_absolute_path(
    asterisk: RealAsterisk, agi_port: int, prompts_dir: Path, tmp_path: Path
) -> None:
    placed = await _call(asterisk, agi_port, tmp_path / "hotline.sqlite3", prompts_dir)

    streams = _streams(placed)
    root = f"{prompts_dir}/{Language.ZH.value}/hotline/"
    assert len(streams) >= 8, placed.commands
    assert all(line.split()[2].startswith(root) for line in streams), streams
    assert placed.failed == []  # every STREAM FILE (and SAY DIGITS) succeeded
    assert placed.variables.get("HOTLINE_OUTCOME") == "queue"


async def test_by_name_the_same_prompts_are_not_found(
    asterisk: RealAsterisk, agi_port: int, tmp_path: Path
) -> None:
    placed = await _call(asterisk, agi_port, tmp_path / "hotline.sqlite3", None)

    failed_streams = [f for f in placed.failed if f.upper().startswith("STREAM FILE HOTLINE/")]
    assert len(failed_streams) == len(_streams(placed)) >= 8
