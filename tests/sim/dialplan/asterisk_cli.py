"""Talking to the real Asterisk's CLI from the dialplan tests."""

from __future__ import annotations

import time

from tests.support.real_asterisk import RealAsterisk


def wait_until_booted(ast: RealAsterisk, timeout_s: float = 20.0) -> None:
    """AMI answers before every module (pbx_config, func_strings...) is loaded, and the CLI socket may
    not be up yet: ask ``core waitfullybooted`` until it says so."""
    deadline = time.monotonic() + timeout_s
    while "fully booted" not in ast.cli("core waitfullybooted"):
        if time.monotonic() > deadline:
            raise TimeoutError("the real Asterisk did not finish booting")
        time.sleep(0.1)


def cli_quote(text: str) -> str:
    """``text`` for a double-quoted CLI argument."""
    return text.replace("\\", "\\\\").replace('"', '\\"')
