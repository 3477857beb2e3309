"""The ``hotline`` command: one sub-command per module in :mod:`cti.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines ``register(subparsers)`` which adds its sub-command(s) and sets
# ``func`` (``(args) -> int``) on the parser it adds.
COMMAND_MODULES: tuple[str, ...] = (
    "cti.commands.sim",
    "cti.commands.seed",
    "cti.commands.ivr",
    "cti.commands.prompts",
    "cti.commands.agi_classic",
    "cti.commands.bench",
    "cti.commands.demo",
    "cti.commands.serve",
    "cti.commands.users",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotline",
        description="CTI backend for a customer-service hotline beside Asterisk.",
    )
    parser.add_argument("--config", help="TOML settings file (also: HOTLINE_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
