"""The shipped ``dialplan/manager.conf`` gives the node's AMI user the least it needs: checked on
the real Asterisk 22, every action the code sends is permitted, the CLI and the system actions are
not, and the events the call-state model follows arrive."""

from __future__ import annotations

import asyncio
import configparser
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cti.ami.client import AmiClient
from cti.ami.errors import AmiActionError
from cti.ami.settings import AmiSettings
from tests.support.ports import free_port
from tests.support.real_asterisk import real_asterisk

pytestmark = pytest.mark.conformance

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "dialplan" / "manager.conf"
DOCKER = ROOT / "docker" / "asterisk" / "manager.conf"
CODE = [ROOT / p for p in ("cti", "recordings", "outbound", "ivr", "node", "qa", "orders", "workflow")]
SECRET = "manager-conf-test"
# what the code sends (found below in the source) -> headers that make Asterisk check the
# permission and then fail, or succeed, without a live call
ACTIONS: dict[str, dict[str, str]] = {
    "Ping": {},
    "CoreShowChannels": {},
    "CoreStatus": {},
    "Getvar": {"Variable": "HOTLINE_NUMBER"},
    "Setvar": {"Variable": "MANAGER_CONF_TEST", "Value": "1"},
    "Redirect": {"Channel": "Local/none-1", "Context": "hotline", "Exten": "s", "Priority": "1"},
    "Hangup": {"Channel": "Local/none-1"},
    "Bridge": {"Channel1": "Local/none-1", "Channel2": "Local/none-2"},
    "MixMonitorMute": {"Channel": "Local/none-1", "Direction": "both", "State": "1"},
    "Originate": {"Channel": "Local/10000@from-pstn", "Application": "Wait", "Data": "1", "Async": "true"},
}
REFUSED = {
    "Command": {"Command": "core show version"},
    "ModuleLoad": {"Module": "app_dial.so", "LoadType": "load"},
    "GetConfig": {"Filename": "manager.conf"},
    "UpdateConfig": {"SrcFilename": "x", "DstFilename": "y"},
}


def _perms(path: Path) -> tuple[str, str]:
    conf = configparser.ConfigParser(strict=False, inline_comment_prefixes=(";",))
    conf.read_string(path.read_text())
    return conf["hotline"]["read"], conf["hotline"]["write"]


def test_the_actions_listed_here_are_the_ones_the_code_sends() -> None:
    sent = set()
    for folder in CODE:
        for path in folder.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            sent |= set(re.findall(r'\.action\(\s*"([A-Za-z]+)"', text))
            sent |= set(re.findall(r'conn, "([A-Z][A-Za-z]+)", headers', text))
            sent |= set(re.findall(r'request\(\s*conn, "([A-Z][A-Za-z]+)"', text))
    # Command is AmiClient.command (the CLI), there for tests and tools: no part of the node calls it
    assert not [p for f in CODE for p in f.rglob("*.py") if re.search(r"ami\.command\(", p.read_text())]
    assert sent - {"Login", "Challenge", "Logoff", "Events", "Command"} == set(ACTIONS), sent


def test_the_docker_example_grants_the_same() -> None:
    assert _perms(DOCKER) == _perms(SHIPPED)


@pytest.fixture(scope="module")
def conf_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    folder = tmp_path_factory.mktemp("manager")
    port = free_port()
    text = SHIPPED.read_text().replace("port = 5038", f"port = {port}").replace("hotline-demo", SECRET)
    (folder / "manager.conf").write_text(text)
    (folder / "extensions.conf").write_text((ROOT / "dialplan" / "extensions.conf").read_text())
    return folder, port


@pytest.fixture
async def ami(conf_dir: tuple[Path, int]) -> AsyncIterator[AmiClient]:
    folder, port = conf_dir
    with real_asterisk(conf_dir=folder) as ast:
        ast.cli("core waitfullybooted")
        client = AmiClient(AmiSettings(host="127.0.0.1", port=port, username="hotline", secret=SECRET))
        await client.start()
        try:
            await client.wait_connected(timeout_s=20)
            yield client
        finally:
            await client.stop()


async def _answer(ami: AmiClient, action: str, headers: dict[str, str]) -> str:
    try:
        response = await ami.action(action, timeout_s=10, **headers)
    except AmiActionError as exc:
        return exc.message
    return response.get("Response") or "Success"


async def test_on_the_real_asterisk_each_action_is_permitted_and_the_rest_refused(ami: AmiClient) -> None:
    events = ami.subscribe("*")
    for action, headers in ACTIONS.items():
        answer = await _answer(ami, action, headers)
        assert "permission denied" not in answer.lower(), (action, answer)
    for action, headers in REFUSED.items():
        assert (await _answer(ami, action, headers)).lower() == "permission denied", action
    assert await ami.getvar("MANAGER_CONF_TEST") == "1"
    seen: set[str] = set()
    async with asyncio.timeout(15):  # the Originate's call runs [from-pstn] and [hotline]
        while not {"newchannel", "newexten", "varset", "hangup"} <= seen:
            seen.add((await events.get()).name.lower())
