"""Run the demo: the simulated Asterisk, a CTI node on SQLite, simulated callers and agents.

Order of start-up: a fresh demo database (schema + demo data), the simulator (AMI on a free
port, running the shipped dialplan), the CTI node (AMI client to the simulator, FastAGI
server the simulator's ``AGI()`` calls reach), then the traffic.  A progress line is printed
every second; at the end a summary (and, with ``--report``, a JSON report) of what happened.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from demo.data import seed_demo_data
from demo.traffic import DemoOptions, demo_scenario
from node.root import Node, Parts, running_node
from node.settings import Settings, load_settings
from sim.ami.server import AmiUser
from sim.callers import Caller
from sim.main import DEFAULT_DIALPLAN, Simulator, SimulatorConfig
from storage.db import create_engine_from_settings, drop_schema, session_factory
from storage.ivr_records import IvrSession
from storage.migrate import upgrade
from storage.tickets import Ticket


@dataclass
class DemoRun:
    options: DemoOptions
    workdir: Path
    web_port: int | None = None
    report_path: Path | None = None
    web_host: str = "127.0.0.1"


async def prepare_database(settings: Settings) -> None:
    engine = create_engine_from_settings(settings.storage)
    try:
        await drop_schema(engine)
        await upgrade(engine)
        async with session_factory(engine)() as db:
            await seed_demo_data(db, today=date.today())
            await db.commit()
    finally:
        await engine.dispose()


def demo_settings(
    workdir: Path,
    ami_port: int,
    web_port: int | None = None,
    web_host: str = "127.0.0.1",
    storage_url: str = "",
) -> Settings:
    """The demo's settings; its database is SQLite in ``workdir`` unless ``storage_url`` names another."""
    workdir.mkdir(parents=True, exist_ok=True)
    return load_settings(
        api={"listen": web_port is not None, "host": web_host, "port": web_port or 0},
        storage={"url": storage_url or f"sqlite+aiosqlite:///{workdir / 'demo.sqlite3'}"},
        ami={"host": "127.0.0.1", "port": ami_port, "username": "hotline", "secret": "hotline-demo"},
        agi={"host": "127.0.0.1", "port": 0},
        recordings={"directory": str(workdir / "recordings")},
    )


async def ensure_prompts(settings: Settings) -> Path | None:
    """The IVR's prompts and the demo's knowledge entries as audio (rendered once with
    espeak-ng, then reused), or None when espeak-ng/ffmpeg are missing."""
    from prompts.audio import PromptBuildError, build, catalogue_jobs, knowledge_jobs, show_progress
    from prompts.language import Language
    from storage.knowledge import knowledge_prompts

    prompts_dir = settings.ivr.prompts_dir.resolve()
    jobs = catalogue_jobs(tuple(Language)) + knowledge_jobs(await knowledge_prompts(settings.storage))
    try:
        report = await asyncio.to_thread(build, jobs, prompts_dir, progress=show_progress)
    except PromptBuildError as exc:
        _say(f"hotline demo: no prompt audio ({exc}); callers hear nothing, prompts take no time")
        return None
    if report.failed:
        _say(f"hotline demo: {len(report.failed)} prompts could not be rendered")
    return prompts_dir


async def run_demo(run: DemoRun) -> dict[str, Any]:
    opts = run.options
    sim_config = SimulatorConfig(
        dialplan=DEFAULT_DIALPLAN,
        ami_port=0,
        users=[AmiUser.build("hotline", "hotline-demo")],
        speed=opts.speed,
        spool_dir=run.workdir / "spool",
        seed=opts.seed,
    )
    # the demo database first (the prompts include its knowledge entries), then the audio
    offline = demo_settings(run.workdir, ami_port=5038)  # no AMI yet: the database and the audio
    await prepare_database(offline)
    prompts = await ensure_prompts(offline)
    sim_config.sounds = [prompts] if prompts is not None else []
    started = time.monotonic()
    async with Simulator(sim_config) as sim:
        settings = demo_settings(run.workdir, sim.ami_port, run.web_port, run.web_host)
        # the ACD's timers (ring time-out, wrap-up, announcements) run on the simulated clock
        parts = Parts(acd_clock=sim.clock, acd_tick_every_s=0.02)
        async with running_node(settings, create_tables=False, parts=parts) as node:
            sim.pbx.agi_override = f"127.0.0.1:{node.agi.port}"
            assert node.acd is not None
            agents = await node.acd.login_demo_agents(opts.agents)
            scenario = demo_scenario(opts, agents)
            sim.load(scenario)
            _say(
                f"hotline demo: {opts.minutes:g} simulated minutes at {opts.speed:g}x, "
                f"{opts.rate_per_min:g} calls/min, {len(agents)} agents, seed {opts.seed}"
            )
            if run.web_port is not None:
                _say(f"hotline demo: pages on http://{run.web_host}:{run.web_port}/agent /wallboard /qa")
            traffic = asyncio.create_task(sim.run_traffic(scenario))
            while not traffic.done():
                _progress(sim, node)
                await asyncio.wait([traffic], timeout=1.0)
            callers = traffic.result()
            print(file=sys.stderr)
            report = await _report(node, sim, callers, opts, time.monotonic() - started)
    if run.report_path is not None:
        run.report_path.parent.mkdir(parents=True, exist_ok=True)
        run.report_path.write_text(json.dumps(report, indent=2, sort_keys=True, default=str) + "\n")
    return report


def _progress(sim: Simulator, node: Node) -> None:
    recs = [c.record for c in sim.callers if c.record is not None]
    active = sum(1 for r in recs if r.ended_at is None)
    talking = sum(1 for r in recs if r.ended_at is None and r.connected_at is not None)
    done = len(recs) - active
    t = sim.clock.elapsed()
    print(
        f"\r[demo] t={t / 60:5.1f} min  calls {len(recs):4d}  active {active:3d}  with agent {talking:3d}  "
        f"ended {done:4d}  AGI sessions {node.agi.active_sessions:3d}   ",
        end="",
        file=sys.stderr,
        flush=True,
    )


async def _report(
    node: Node, sim: Simulator, callers: list[Caller], opts: DemoOptions, wall_s: float
) -> dict[str, Any]:
    async with node.sessions() as db:
        sessions = (await db.execute(select(IvrSession))).scalars().all()
        tickets = (await db.execute(select(Ticket))).scalars().all()
    outcomes = Counter(str(s.outcome.value if s.outcome else "open") for s in sessions)
    services = Counter(s.path.split(">")[1] if s.path.count(">") else "main" for s in sessions)
    recs = [c.record for c in callers if c.record is not None]
    connected = [r for r in recs if r.connected_at is not None]
    waits = [r.connected_at - r.arrived for r in connected if r.connected_at is not None]
    report: dict[str, Any] = {
        "options": vars(opts),
        "wall_seconds": round(wall_s, 1),
        "calls": len(recs),
        "by_caller_profile": dict(Counter(r.script.label for r in recs)),
        "ivr_outcomes": dict(outcomes),
        "ivr_first_choice": dict(services),
        "tickets": dict(Counter(f"{t.kind.value}:{t.status.value}" for t in tickets)),
        "connected_to_agent": len(connected),
        "abandoned": sum(1 for r in recs if r.abandoned),
        "mean_time_to_agent_s": round(sum(waits) / len(waits), 1) if waits else None,
        "recordings": len(sim.pbx.recordings_done),
    }
    if node.acd is not None:
        report["acd"] = await node.acd.report()
    return report


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def print_summary(report: dict[str, Any]) -> None:
    print("hotline demo: done")
    print(f"  calls                 {report['calls']}")
    print(f"  IVR outcomes          {report['ivr_outcomes']}")
    print(f"  first menu choice     {report['ivr_first_choice']}")
    print(f"  tickets               {report['tickets']}")
    print(f"  connected to an agent {report['connected_to_agent']} (abandoned {report['abandoned']})")
    if report.get("mean_time_to_agent_s") is not None:
        print(f"  time to reach agent   {report['mean_time_to_agent_s']} s on average (IVR included)")
    print(f"  recordings            {report['recordings']}")
    total = report.get("acd", {}).get("total")
    if total:
        sl = total.get("service_level")
        asa = total.get("asa_s")
        print(
            f"  ACD                   answered {total['answered']}, abandoned {total['abandoned']}, "
            f"service level {'-' if sl is None else f'{sl:.0%}'} within {report['acd']['threshold_s']:g} s, "
            f"ASA {'-' if asa is None else f'{asa:.0f} s'}"
        )
