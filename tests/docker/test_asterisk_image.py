"""``docker/Dockerfile.asterisk`` built from the prebuilt Asterisk 22.10.1 of ``../shared/asterisk``
(``--build-arg ASTERISK_TARBALL=…``: these machines cannot download a source tarball, and compiling
one takes the better part of an hour on two cores) and run as the production compose file runs
it: the host's network, our manager.conf mounted over the example, the prompts mounted on its
sounds folder.  It loads the project's dialplan; a call into the hotline number reaches a
FastAGI server on the host and plays a prompt from the mounted folder; its health check passes;
it runs as uid 10001 like the hotline image.  ``HOTLINE_ASTERISK_IMAGE=IMAGE`` runs the same
test on an image built otherwise (e.g. compiled from a source tarball).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cti.agi.server import FastAgiServer
from cti.agi.session import AgiSession
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from tests.support.containers import REPO, cached_image, podman
from tests.support.ports import free_fixed_port
from tests.support.shared import require_shared
from tests.support.sim_container import healthcheck

pytestmark = [pytest.mark.containers, pytest.mark.slow]

PREBUILT = "asterisk-22.10.1-bookworm-amd64.tar.xz"
SECRET = "s3cret"


@pytest.fixture(scope="module")
def asterisk_image() -> Iterator[str]:
    """``HOTLINE_ASTERISK_IMAGE`` (an image built otherwise, e.g. compiled with PJSIP), or the
    image built from the prebuilt tarball."""
    ready = os.environ.get("HOTLINE_ASTERISK_IMAGE")
    if ready:
        yield ready
        return
    tarball = require_shared("the prebuilt Asterisk tarball") / PREBUILT
    # the build context: what the Dockerfile copies, and the tarball beside the configuration
    context = Path(tempfile.mkdtemp(prefix="hotline-asterisk-ctx-"))
    try:
        shutil.copytree(REPO / "docker" / "asterisk", context / "docker" / "asterisk")
        shutil.copytree(REPO / "dialplan", context / "dialplan")
        shutil.copy(tarball, context / "docker" / "asterisk" / PREBUILT)
        yield cached_image(
            "localhost/hotline-asterisk",
            REPO / "docker" / "Dockerfile.asterisk",
            inputs=[REPO / "docker" / "asterisk", REPO / "dialplan", tarball],
            context=context,
            build_args=[f"ASTERISK_TARBALL={PREBUILT}"],
            what=f" with {PREBUILT}",
        )
    finally:
        shutil.rmtree(context, ignore_errors=True)


def _manager_conf(folder: Path, port: int) -> Path:
    conf = folder / "manager.conf"
    conf.write_text(
        f"[general]\nenabled = yes\nport = {port}\nbindaddr = 127.0.0.1\n\n"
        f"[hotline]\nsecret = {SECRET}\ndeny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.1/255.255.255.255\n"
        "read = all\nwrite = all\n"
    )
    conf.chmod(0o644)
    return conf


def _wait_for_ami(port: int, name: str, timeout_s: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5) as s:
                s.settimeout(2)
                if s.recv(64).startswith(b"Asterisk Call Manager/"):
                    # AMI opens before every module has loaded
                    booted = ["exec", name, "asterisk", "-C", "/etc/asterisk/asterisk.conf", "-rx"]
                    podman().run(*booted, "core waitfullybooted", timeout=60)
                    return
        except OSError:
            time.sleep(0.3)
    logs = podman().run("logs", name, check=False)
    raise AssertionError(f"Asterisk's AMI did not open:\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}")


async def test_the_asterisk_image_runs_the_dialplan_and_reaches_the_hosts_fastagi(
    asterisk_image: str, tmp_path: Path
) -> None:
    engine = podman()
    ami_port, agi_port = free_fixed_port(), free_fixed_port()
    await asyncio.to_thread(tmp_path.chmod, 0o755)
    manager = _manager_conf(tmp_path, ami_port)
    sounds = tmp_path / "sounds"
    (sounds / "en" / "hotline").mkdir(parents=True)
    (sounds / "en" / "hotline" / "welcome.sln").write_bytes(bytes(2 * 8000 // 2))  # half a second
    for d in (sounds, sounds / "en", sounds / "en" / "hotline"):
        d.chmod(0o755)
    name = f"hotline-test-asterisk-{ami_port}"
    reached: asyncio.Queue[tuple[str, str, bool, int]] = asyncio.Queue()

    async def ivr(agi: AgiSession) -> None:
        played = await agi.stream_file("hotline/welcome")
        await reached.put((agi.env.network_script, agi.env.callerid, played.ok, played.endpos))

    run = [
        "run", "-d", "--rm", "--name", name, "--network=host",
        "-v", f"{manager}:/etc/asterisk/manager.conf:ro", "-v", f"{sounds}:/var/lib/asterisk/sounds:ro",
        asterisk_image,
    ]  # fmt: skip
    await asyncio.to_thread(engine.run, *run)
    try:
        await asyncio.to_thread(_wait_for_ami, ami_port, name)
        settings = AmiSettings(host="127.0.0.1", port=ami_port, username="hotline", secret=SECRET)
        agi = FastAgiServer({"ivr": ivr}, port=agi_port, registry=CollectorRegistry())
        async with agi, AmiClient(settings) as ami:
            await ami.wait_connected(timeout_s=30)
            version = "\n".join(await ami.command("core show version"))
            assert "Asterisk 22.10.1" in version
            shown = "\n".join(await ami.command("dialplan show s@hotline"))
            assert "AGI(${HOTLINE_AGI}/ivr)" in shown, shown
            await ami.setvar("HOTLINE_AGI", f"agi://127.0.0.1:{agi_port}")
            caller = "<13800000001>"
            await ami.originate("Local/10000@from-pstn", application="Wait", data="5", caller_id=caller)
            async with asyncio.timeout(30):
                script, caller, ok, endpos = await reached.get()
        # the prompt came from the folder mounted where the production file mounts the prompts
        assert (script, caller, ok) == ("ivr", "13800000001", True) and endpos >= 3000
        uid = await asyncio.to_thread(engine.run, "exec", name, "id", "-u")
        assert uid.stdout.strip() == "10001"
        check = await asyncio.to_thread(healthcheck, name)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        await asyncio.to_thread(
            subprocess.run, [engine.exe, "stop", "--time", "5", name], env=engine.env, capture_output=True
        )
