"""The dialplan's site globals from the settings: ``render_globals`` and ``hotline dialplan render``;
the real Asterisk loads a rendered dialplan with the node's values."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from cti.acd_bridge.site_globals import DialplanError, DialplanSettings, render_globals, site_globals
from sim.dialplan.config import load_dialplan
from tests.support.real_asterisk import real_asterisk

SHIPPED = Path(__file__).resolve().parents[3] / "dialplan" / "extensions.conf"
TEXT = """[general]
static=yes

[globals]
; where the node listens
HOTLINE_AGI = agi://127.0.0.1:4573
AGENT_TECH=PJSIP\r
AGENT_SUFFIX=

[hotline]
exten => s,1,Set(AGENT_TECH=unchanged)
"""


def test_only_the_named_globals_change() -> None:
    out = render_globals(TEXT, {"HOTLINE_AGI": "agi://10.0.0.9:4600", "AGENT_TECH": "Local"})
    assert out == TEXT.replace(
        "HOTLINE_AGI = agi://127.0.0.1:4573", "HOTLINE_AGI=agi://10.0.0.9:4600"
    ).replace("AGENT_TECH=PJSIP\r", "AGENT_TECH=Local\r")


def test_a_global_the_dialplan_lacks_is_refused() -> None:
    with pytest.raises(DialplanError, match="no \\[globals\\] line for NO_SUCH"):
        render_globals(TEXT, {"NO_SUCH": "x"})


def test_the_settings_give_the_three_site_globals_and_refuse_bad_values() -> None:
    settings = DialplanSettings(
        agent_tech="Local", agent_suffix="@agents/n", globals={"CALLBACK_TECH": "Local"}
    )
    assert site_globals(settings, agi_host="10.0.0.9", agi_port=4600) == {
        "HOTLINE_AGI": "agi://10.0.0.9:4600",
        "AGENT_TECH": "Local",
        "AGENT_SUFFIX": "@agents/n",
        "CALLBACK_TECH": "Local",
    }
    with pytest.raises(DialplanError, match="line break or a ';'"):
        site_globals(DialplanSettings(globals={"CALLBACK_SUFFIX": "x;y"}), agi_host="h", agi_port=1)
    with pytest.raises(DialplanError, match="not a global's name"):
        site_globals(DialplanSettings(globals={"bad name": "x"}), agi_host="h", agi_port=1)


def test_hotline_dialplan_render_writes_the_settings_into_the_shipped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text(
        '[agi]\nadvertise_host = "10.1.2.3"\nport = 4599\n\n'
        '[dialplan]\nagent_tech = "Local"\nagent_suffix = "@agents/n"\nglobals = {RECORD_CALLS = "no"}\n'
    )
    out = tmp_path / "extensions.conf"
    assert main(["--config", str(config), "dialplan", "render", "--out", str(out)]) == 0
    plan = load_dialplan(out)
    assert plan.globals["HOTLINE_AGI"] == "agi://10.1.2.3:4599"
    assert (plan.globals["AGENT_TECH"], plan.globals["AGENT_SUFFIX"]) == ("Local", "@agents/n")
    assert plan.globals["RECORD_CALLS"] == "no" and plan.globals["HOTLINE_NUMBER"] == "10000"
    assert load_dialplan(SHIPPED).contexts.keys() == plan.contexts.keys()
    assert "HOTLINE_AGI=agi://10.1.2.3:4599" in capsys.readouterr().out


@pytest.mark.conformance
def test_the_real_asterisk_loads_the_rendered_globals(tmp_path: Path) -> None:
    values = {"HOTLINE_AGI": "agi://10.1.2.3:4599", "AGENT_TECH": "Local", "AGENT_SUFFIX": "@agents/n"}
    conf = tmp_path / "extensions.conf"
    conf.write_text(render_globals(SHIPPED.read_text(), values))
    with real_asterisk(extensions=conf) as ast:
        ast.cli("core waitfullybooted")
        shown = ast.cli("dialplan show globals")
    for name, value in values.items():
        assert f"{name}={value}" in shown, shown
