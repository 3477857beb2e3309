"""``hotline serve --config FILE.toml``: one CTI node for production, until SIGTERM or SIGINT.

Everything comes from the settings (the TOML file, then ``HOTLINE_*`` variables): the Asterisk
to manage (``[ami]``), where the FastAGI server listens (``[agi]``), the database, the ACD's store
(``[acd] store = "redis"`` for several nodes) and so on.  Logs are JSON lines on stderr.  The
node refuses to start while a secret still holds its demo value (``ami.secret``,
``api.token_key``): those are for ``hotline demo`` only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from cti.settings import DEMO_AMI_SECRET, DEMO_TOKEN_KEY, Settings, SettingsError, load_settings


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
    from cti.logs import configure_logging

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
    from cti.app import CtiNode

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with CtiNode.running(settings):
        await stop.wait()
