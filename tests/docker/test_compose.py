"""The compose files of ``docker/`` brought up with podman-compose, as a user would, and taken down.

- ``compose.sim.yml``: the simulator's AMI answers on the published port; a call into the hotline
  number reaches a FastAGI server on the host; the image's health check passes.
- ``compose.demo.yml``: the demo's pages answer while it runs, it runs its calls to the end and
  exits 0 with its summary.  Its prompt audio goes to a host folder kept between runs
  (``PROMPTS_DIR``), so only the first run renders it.
- ``compose.production.yml`` + ``compose.production.sim.yml``: the production stack with the
  simulator standing in for Asterisk, on Redis and PostgreSQL images made from Debian's packages
  (``tests/docker/images/``: no registry here).  The node reaches the simulator's AMI, Redis and
  PostgreSQL through the ports and variables the file wires; the `prompts` service renders the
  audio into the `prompts` volume, which the simulator plays from and the node reads, so a
  scripted call hears every prompt; the node's health check and metrics say so, and its records
  are in the PostgreSQL service, its ACD state in the Redis service.  (The volume starts with
  the audio the demo test left in the host's cache, so the service renders only what changed:
  rendering everything takes a minute or two.)

Each test checks that ``down`` leaves no container, volume or network of its project behind.
With podman 4.3 (Debian 12) podman-compose cannot keep the production file's ``depends_on``
conditions: it ignores ``service_healthy``, and it makes them podman ``--requires`` links, with
which starting the node would start the finished ``prompts`` service again (podman then fails:
"generating dependency graph").  So the test starts the services in the order the conditions
give -- Redis and PostgreSQL; once PostgreSQL's health check passes, the simulator and
``prompts``; once that has exited 0, the node -- which docker compose does by itself.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import urllib.request
from collections.abc import Callable

import asyncpg  # type: ignore[import-untyped]
import pytest
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from cti.agi.server import FastAgiServer
from cti.agi.session import AgiSession
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from tests.e2e.ivr.ami_caller import HangUp, ami_call
from tests.support.compose import ComposeProject, compose_project, prompts_cache
from tests.support.containers import app_image, stand_in_image
from tests.support.ports import free_fixed_port
from tests.support.sim_container import healthcheck

pytestmark = [pytest.mark.containers, pytest.mark.slow]

INTRO = ["hotline/welcome", "hotline/main_menu", "hotline/language_offer"]
PLAYED = "/var/lib/hotline/prompts/zh/"  # the node plays its prompts by path (cti/agi/sounds.py)


def http_get(url: str, timeout_s: float = 5) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return response.status, response.read().decode("utf-8", "replace")


def eventually(check: Callable[[], bool], timeout_s: float, what: str, pause_s: float = 1.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(pause_s)


def wait_healthy(project: ComposeProject, service: str, timeout_s: float) -> None:
    """Run ``service``'s health check until it passes; on time-out, say what it and the service said."""
    deadline = time.monotonic() + timeout_s
    while True:
        done = healthcheck(project.container(service))
        if done.returncode == 0:
            return
        if time.monotonic() > deadline or project.state(service).get("Status") != "running":
            raise AssertionError(
                f"{service} not healthy within {timeout_s:.0f} s: {done.stdout}{done.stderr}\n"
                + project.logs(service)[-3000:]
            )
        time.sleep(1)


def assert_comes_down_clean(project: ComposeProject) -> None:
    project.down()
    assert project.leftovers() == {}


async def test_compose_sim_answers_on_the_published_port_and_calls_the_hosts_fastagi() -> None:
    ami_port, agi_port = free_fixed_port(), free_fixed_port()
    reached: asyncio.Queue[tuple[str, str, str, str]] = asyncio.Queue()

    async def ivr(agi: AgiSession) -> None:
        played = await agi.stream_file("beep")
        await reached.put((agi.env.network_script, agi.env.callerid, agi.env.context, str(played.endpos > 0)))

    env = {
        "HOTLINE_IMAGE": app_image(),
        "SIM_AMI_PORT": str(ami_port),
        # podman defines host.containers.internal itself; before 5.3 it does not know host-gateway
        "SIM_AGI": f"host.containers.internal:{agi_port}",
        "HOST_GATEWAY": "10.88.0.1",
    }
    # the simulator's container reaches the host from its compose network (podman-compose's
    # 10.89.x.0/24; podman's default 10.88.0.0/16): the FastAGI server serves only the peers it is
    # told of (loopback by default)
    agi = FastAgiServer(
        {"ivr": ivr},
        host="0.0.0.0",
        port=agi_port,
        registry=CollectorRegistry(),
        allowed_peers=["127.0.0.0/8", "10.0.0.0/8"],
    )
    with compose_project("hotline-sim", "compose.sim.yml", env=env) as project:
        await asyncio.to_thread(project.up)
        settings = AmiSettings(host="127.0.0.1", port=ami_port, username="hotline", secret="hotline-demo")
        async with agi, AmiClient(settings) as ami:
            await ami.wait_connected(timeout_s=30)
            await ami.originate(
                "Local/10000@from-pstn", application="Wait", data="5", caller_id='"caller" <13800000005>'
            )
            async with asyncio.timeout(30):
                script, caller, context, heard = await reached.get()
        assert (script, caller, context, heard) == ("ivr", "13800000005", "hotline", "True")
        check = await asyncio.to_thread(healthcheck, project.container("sim"))
        assert check.returncode == 0, check.stdout + check.stderr
        state = await asyncio.to_thread(project.state, "sim")
        assert state["Status"] == "running" and state["Health"]["Status"] == "healthy"
        await asyncio.to_thread(assert_comes_down_clean, project)


def test_compose_demo_serves_its_pages_runs_its_calls_to_the_end_and_comes_down_clean() -> None:
    web = free_fixed_port()
    env = {
        "HOTLINE_IMAGE": app_image(),
        "DEMO_WEB_PORT": str(web),
        "DEMO_MINUTES": "2",
        "DEMO_SPEED": "20",
        "PROMPTS_DIR": str(prompts_cache()),  # rendered by the first run, reused by the next
    }
    with compose_project("hotline-demo", "compose.demo.yml", env=env) as project:
        project.up()
        pages: dict[str, tuple[int, str]] = {}

        def answered() -> bool:
            if project.state("hotline").get("Status") != "running":
                raise AssertionError(
                    f"the demo stopped before its pages answered:\n{project.logs('hotline')}"
                )
            try:
                pages["agent"] = http_get(f"http://127.0.0.1:{web}/agent")
                pages["openapi"] = http_get(f"http://127.0.0.1:{web}/api/openapi.json")
            except OSError:
                return False
            return True

        # the prompts are rendered first (about a minute on two cores), then the pages listen
        eventually(answered, 240, "the demo's pages")
        status, html = pages["agent"]
        assert status == 200 and "<html" in html.lower() and "坐席" in html
        assert pages["openapi"][0] == 200 and '"openapi"' in pages["openapi"][1]
        assert project.wait_exited("hotline", 300) == 0
        log = project.logs("hotline")
        assert "hotline demo: done" in log
        calls = int(re.search(r"calls\s+(\d+)", log.split("hotline demo: done")[1]).group(1))  # type: ignore[union-attr]
        connected = re.search(r"connected to an agent (\d+)", log)
        assert calls >= 5 and connected is not None and int(connected.group(1)) >= 1, log[-2000:]
        assert_comes_down_clean(project)


async def test_production_compose_with_the_simulator_wires_asterisk_node_prompts_redis_and_postgres() -> None:
    names = ("AMI_PORT", "AGI_PORT", "API_PORT", "REDIS_PORT", "POSTGRES_PORT")
    ports = {name: free_fixed_port() for name in names}
    secret = secrets.token_hex(12)
    env = {
        "HOTLINE_IMAGE": app_image(),
        "REDIS_IMAGE": stand_in_image("redis"),
        "POSTGRES_IMAGE": stand_in_image("postgres"),
        "POSTGRES_PASSWORD": secrets.token_hex(12),
        "AMI_SECRET": secret,
        "TOKEN_KEY": secrets.token_hex(32),
        **{name: str(port) for name, port in ports.items()},
    }
    files = ("compose.production.yml", "compose.production.sim.yml")
    with compose_project("hotline-prod", *files, env=env) as project:
        # the prompt audio an earlier run rendered (the `prompts` service renders what changed)
        await asyncio.to_thread(project.prefill_volume, "prompts", prompts_cache(), env["HOTLINE_IMAGE"])
        # the order the file's depends_on conditions give (see the module docstring)
        await asyncio.to_thread(project.up, "redis", "postgres")
        await asyncio.to_thread(wait_healthy, project, "postgres", 90)
        await asyncio.to_thread(project.up, "asterisk", "prompts", no_deps=True)
        assert await asyncio.to_thread(project.wait_exited, "prompts", 240) == 0
        await asyncio.to_thread(project.up, "cti", no_deps=True)
        summary = r"prompts in /var/lib/hotline/prompts: (\d+) rendered, (\d+) unchanged, 0 failed"
        built = re.search(summary, project.logs("prompts"))
        assert built is not None and int(built.group(1)) + int(built.group(2)) > 100, project.logs("prompts")
        # the node's health check: FastAGI accepts, /metrics answers and shows the AMI session up
        await asyncio.to_thread(wait_healthy, project, "cti", 90)

        settings = AmiSettings(host="127.0.0.1", port=ports["AMI_PORT"], username="hotline", secret=secret)
        async with AmiClient(settings) as ami:
            await ami.wait_connected(timeout_s=20)
            async with asyncio.timeout(60):
                call = await ami_call(
                    ami, "13912345678", [HangUp(f"{PLAYED}hotline/language_offer")], keys=False
                )
        # the dialplan's AGI() reached the node's FastAGI; every prompt was asked for by its path in
        # [ivr] prompts_dir, found there in the shared volume and played (only the one the caller
        # hung up during was cut short)
        assert call.heard[:3] == [PLAYED + name for name in INTRO], call.commands
        assert [f for f in call.failed if not f.startswith("CHANNEL STATUS:")] in (
            [],
            [f"STREAM FILE {PLAYED}hotline/language_offer 0123456789*#: -1 Failure"],
        )
        _, metrics = await asyncio.to_thread(http_get, f"http://127.0.0.1:{ports['API_PORT']}/metrics")
        assert re.search(r"^hotline_ami_connected\{[^}]*\} 1\.0$", metrics, re.MULTILINE), metrics[:2000]
        ivr_sessions = re.findall(
            r'^hotline_agi_sessions_total\{[^}]*script="ivr"[^}]*\} (\d+)', metrics, re.M
        )
        assert sum(float(n) for n in ivr_sessions) >= 1, metrics[:3000]
        # the node's database is the PostgreSQL service: the call's IVR record is there ...
        pg = await asyncpg.connect(
            f"postgresql://hotline:{env['POSTGRES_PASSWORD']}@127.0.0.1:{ports['POSTGRES_PORT']}/hotline",
            timeout=10,
        )
        try:
            callers = await pg.fetch("SELECT caller_number FROM ivr_sessions")
        finally:
            await pg.close()
        assert [r["caller_number"] for r in callers] == ["13912345678"]
        # ... and the ACD's store is the Redis service (the node's presence and its agents' state)
        client = Redis.from_url(f"redis://127.0.0.1:{ports['REDIS_PORT']}/0")
        try:
            keys = [k.decode() for k in await client.keys("hotline*")]
        finally:
            await client.aclose()
        assert keys, "the node wrote nothing to the Redis service"
        await asyncio.to_thread(assert_comes_down_clean, project)
