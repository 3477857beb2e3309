"""The composition root: one CTI node, built from one :class:`~cti.settings.Settings`.

``async with CtiNode.running(settings) as node:`` opens the database, connects the AMI client,
starts the FastAGI server with its routes (``ivr`` …) and everything else a node runs, and stops
them in reverse order on the way out.  ``hotline serve`` and ``hotline demo`` both use it; tests
build it with their own settings (a simulator's port, a temporary database).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cti.agi.server import FastAgiServer, Handler
from cti.ami.client import AmiClient
from cti.ami.metrics import AmiMetrics
from cti.settings import Settings
from cti.storage.db import create_engine_from_settings, create_schema, session_factory

if TYPE_CHECKING:
    from cti.acd.node import AcdNode
    from recordings.archive import RecordingArchive

log = structlog.get_logger(__name__)

DEFAULT_MENU = Path(__file__).resolve().parents[1] / "ivr" / "menus" / "hotline.yaml"


@dataclass
class CtiNode:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    ami: AmiClient
    registry: CollectorRegistry
    routes: dict[str, Handler] = field(default_factory=dict)
    # started once the extensions have added their routes (so not there yet while they start)
    agi: FastAgiServer = field(init=False)
    recordings: RecordingArchive | None = None  # set by the recordings extension
    acd: AcdNode | None = None  # set by the ACD extension

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls,
        settings: Settings,
        *,
        registry: CollectorRegistry | None = None,
        extra_routes: Mapping[str, Handler] | None = None,
        create_tables: bool = True,
        extensions: Sequence[NodeExtension] | None = None,
    ) -> AsyncIterator[CtiNode]:
        registry = registry if registry is not None else CollectorRegistry()
        async with contextlib.AsyncExitStack() as stack:
            engine = create_engine_from_settings(settings.storage)
            stack.push_async_callback(engine.dispose)
            if create_tables:
                await create_schema(engine)
            sessions = session_factory(engine)
            routes: dict[str, Handler] = dict(_ivr_routes(settings, sessions))
            routes.update(extra_routes or {})
            ami = AmiClient(
                settings.ami, metrics=AmiMetrics(registry, server=f"{settings.ami.host}:{settings.ami.port}")
            )
            await ami.start()
            stack.push_async_callback(ami.stop)
            node = cls(settings, engine, sessions, ami, registry, routes)
            for extension in default_extensions() if extensions is None else extensions:
                await stack.enter_async_context(extension(node))
            agi = FastAgiServer.from_settings(routes, settings.agi, registry=registry)
            await agi.start()
            stack.push_async_callback(agi.stop)
            node.agi = agi
            log.info("cti node up", agi_port=agi.port, ami=f"{settings.ami.host}:{settings.ami.port}")
            yield node


def _ivr_routes(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> dict[str, Handler]:
    from ivr.actions.catalogue import VOCABULARY
    from ivr.handler import build_ivr_handler
    from ivr.menu_loader import load_menu

    menu = load_menu(settings.ivr.menu_file or DEFAULT_MENU, VOCABULARY)
    return {"ivr": build_ivr_handler(sessions, menu, settings.ivr)}


# Parts of a node that need the others running (the ACD, the HTTP API …): each is an async
# context manager factory taking the node; they start in this order, before the FastAGI server
# (so they may add routes to ``node.routes``), and stop in reverse, after it.
NodeExtension = Callable[[CtiNode], contextlib.AbstractAsyncContextManager[None]]


def default_extensions() -> list[NodeExtension]:
    """What every node runs besides the AMI client and the FastAGI server, in start order."""
    from cti.acd.node import acd_extension
    from cti.api.server import api_extension
    from recordings.archive import recording_extension

    return [recording_extension, acd_extension(), api_extension]
