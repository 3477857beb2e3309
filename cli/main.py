"""The ``hotline`` command: one sub-command per module in :mod:`cli.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines ``register(subparsers)`` which adds its sub-command and sets ``func``
# (``(args) -> int``) on the parser it adds; the key is the sub-command's name.
COMMAND_MODULES: dict[str, str] = {
    "sim": "cli.commands.sim",
    "seed": "cli.commands.seed",
    "db": "cli.commands.db",
    "dialplan": "cli.commands.dialplan",
    "ivr": "cli.commands.ivr",
    "prompts": "cli.commands.prompts",
    "agi-classic": "cli.commands.agi_classic",
    "bench": "cli.commands.bench",
    "demo": "cli.commands.demo",
    "serve": "cli.commands.serve",
    "users": "cli.commands.users",
    "campaign": "cli.commands.campaign",
    "recordings": "cli.commands.recordings",
    "agents": "cli.commands.agents",
    "report": "cli.commands.report",
    "health": "cli.commands.health",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command`` (a sub-command's name) only that sub-command is imported, so
    a quick command (the container's ``hotline health``, run every 10 s under a 5 s limit) does
    not pay for importing every part of the node."""
    parser = argparse.ArgumentParser(
        prog="hotline",
        description="CTI backend for a customer-service hotline beside Asterisk.",
    )
    parser.add_argument("--config", help="TOML settings file (also: HOTLINE_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    names = [command] if command in COMMAND_MODULES else list(COMMAND_MODULES)
    for name in names:
        module = importlib.import_module(COMMAND_MODULES[name])
        module.register(sub)
    return parser


def command_named(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names (its first word that is not an option or --config's value)."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_named(words))
    args = parser.parse_args(words)
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
