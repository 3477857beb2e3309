"""``hotline serve --config FILE.toml``: one CTI node for production, until SIGTERM or SIGINT.

Everything comes from the settings (the TOML file, then ``HOTLINE_*`` variables): the Asterisk
to manage (``[ami]``), where the FastAGI server listens (``[agi]``), the database, the ACD's store
(``[acd] store = "redis"`` for several nodes) and so on.  Logs are JSON lines on stderr.  The
node refuses to start while a secret still holds its demo value (``ami.secret``,
``api.token_key``): those are for ``hotline demo`` only.

With ``[lease] enabled = true`` the node first waits for its Asterisk server's lease in Redis
(:mod:`node.lease`) and serves only while it holds it; a node that loses its lease stops its
parts and waits for the lease again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Coroutine
from typing import Any

from cti.ami.settings import DEMO_AMI_SECRET
from cti.api.settings import DEMO_TOKEN_KEY
from node.settings import Settings, SettingsError, load_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run a CTI node against a real Asterisk until SIGTERM")
    # also accepted after the sub-command (hotline serve --config FILE); SUPPRESS keeps the
    # top-level --config when this one is not given
    p.add_argument("--config", default=argparse.SUPPRESS, help="TOML settings file (also: HOTLINE_CONFIG)")
    p.set_defaults(func=_run)


def demo_secrets(settings: Settings) -> list[str]:
    """The settings that still hold a demo secret."""
    found = []
    if settings.ami.secret == DEMO_AMI_SECRET:
        found.append("ami.secret")
    if settings.api.token_key == DEMO_TOKEN_KEY:
        found.append("api.token_key")
    return found


def _run(args: argparse.Namespace) -> int:
    from node.logs import configure_logging

    try:
        settings = load_settings(args.config) if args.config else load_settings()
    except SettingsError as exc:
        print(f"hotline serve: {exc}", file=sys.stderr)
        return 2
    unsafe = demo_secrets(settings)
    if unsafe:
        print(
            "hotline serve: refusing to start with demo secrets in "
            + ", ".join(unsafe)
            + " (set them in the "
            "configuration or as HOTLINE_AMI__SECRET / HOTLINE_API__TOKEN_KEY)",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings.log.model_copy(update={"format": "json"}))
    try:
        asyncio.run(_serve(settings))
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # a port taken, the database or Redis unreachable at start
        print(f"hotline serve: {exc}", file=sys.stderr)
        return 1
    return 0


async def _serve(settings: Settings) -> None:
    from node.heap import settle_heap
    from node.root import Parts, running_node

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if not settings.lease.enabled:
        async with running_node(settings, parts=Parts(outbound=True)):
            settle_heap()
            await stop.wait()
        return
    from acd.redis_link import connect_redis
    from node.lease import ServerLease

    client = connect_redis(settings.redis)
    server = settings.lease.server or f"{settings.ami.host}:{settings.ami.port}"
    holder = f"{settings.acd.node_id}@{socket.gethostname()}:{os.getpid()}"
    lease = ServerLease(
        client,
        f"{settings.redis.key_prefix}:lease:{server}",
        holder,
        settings.lease.ttl_s,
        settings.lease.poll_s,
        wait_replicas=settings.redis.wait_replicas,
        wait_timeout_ms=settings.redis.wait_timeout_ms,
    )
    try:
        while not stop.is_set():
            if not await _first(lease.acquire(), stop.wait()):
                break
            keeper = asyncio.ensure_future(lease.keep())  # renewed from now on, while the node starts too
            try:
                async with running_node(settings, parts=Parts(outbound=True)):
                    settle_heap()
                    await _first(keeper, stop.wait())
            finally:
                keeper.cancel()
                await asyncio.gather(keeper, return_exceptions=True)
                if stop.is_set():
                    await lease.release()
    finally:
        await client.aclose()


async def _first(wanted: Awaitable[None], stopping: Coroutine[Any, Any, bool]) -> bool:
    """Run both until one ends; True when ``wanted`` ended first (not the stop)."""
    work = asyncio.ensure_future(wanted)
    stopped = asyncio.ensure_future(stopping)
    done, pending = await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    wanted_first = work in done and stopped not in done
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return wanted_first
