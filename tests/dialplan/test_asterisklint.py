"""The shipped dialplan passes ``asterisklint dialplan-check`` (no waivers), and so does what
``hotline dialplan render`` makes of it; a lint finding fails the test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cti.acd_bridge.site_globals import render_globals

DIALPLAN = Path(__file__).resolve().parents[2] / "dialplan" / "extensions.conf"


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    """``asterisklint dialplan-check`` on ``path`` (from its folder: it resolves #include there)."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "asterisklint"), "dialplan-check", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "ALINT_IGNORE"},
    )


def test_the_shipped_dialplan_passes_asterisklint() -> None:
    done = lint(DIALPLAN)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_asterisklint_finds_what_it_checks(tmp_path: Path) -> None:
    broken = tmp_path / "extensions.conf"
    text = DIALPLAN.read_text().replace(" same => n,Answer()\n", " same => n,Answer(\n", 1)
    broken.write_text(text.replace("HOTLINE_NUMBER=10000", "HOTLINE_NUMBER = 10000"))
    done = lint(broken)
    assert done.returncode == 1
    found = done.stdout + done.stderr
    assert "extensions.conf:20 W_WSH_VARSET" in found and " W_APP_BALANCE" in found, found


def test_a_rendered_dialplan_passes_asterisklint(tmp_path: Path) -> None:
    rendered = tmp_path / "extensions.conf"
    values = {"HOTLINE_AGI": "agi://10.0.0.5:4573", "AGENT_TECH": "Local", "AGENT_SUFFIX": "@agents/n"}
    rendered.write_text(render_globals(DIALPLAN.read_text(), values))
    done = lint(rendered)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
