"""Suite-wide options.

``--pbx=sim,asterisk`` (default both) chooses what the conformance tests (``-m conformance``)
run against: ``sim`` is ``hotline sim`` started as its own process, ``asterisk`` the real
Asterisk 22 from ``../shared/asterisk`` (or ``HOTLINE_ASTERISK_DIR``); without it those runs
skip with a message saying how to point them at one, unless ``HOTLINE_REQUIRE_ASTERISK=1``.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pbx",
        default="sim,asterisk",
        help="comma-separated PBX kinds the conformance tests run against: sim, asterisk (default: both)",
    )
