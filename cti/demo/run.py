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

from cti.app import CtiNode
from cti.demo.traffic import DemoOptions, demo_scenario
from cti.settings import Settings, load_settings
from cti.storage.db import create_engine_from_settings, create_schema, drop_schema, session_factory
from cti.storage.demo_data import seed_demo_data
from cti.storage.ivr_records import IvrSession
from cti.storage.tickets import Ticket
from sim.ami.server import AmiUser
from sim.callers import Caller
from sim.main import DEFAULT_DIALPLAN, Simulator, SimulatorConfig


@dataclass
class DemoRun:
    options: DemoOptions
    workdir: Path
    web_port: int | None = None
    report_path: Path | None = None


async def prepare_database(settings: Settings) -> None:
    engine = create_engine_from_settings(settings.storage)
    try:
        await drop_schema(engine)
        await create_schema(engine)
        async with session_factory(engine)() as db:
            await seed_demo_data(db, today=date.today())
            await db.commit()
    finally:
        await engine.dispose()


def demo_settings(workdir: Path, ami_port: int) -> Settings:
    workdir.mkdir(parents=True, exist_ok=True)
    return load_settings(
        storage={"url": f"sqlite+aiosqlite:///{workdir / 'demo.sqlite3'}"},
        ami={"host": "127.0.0.1", "port": ami_port, "username": "hotline", "secret": "hotline-demo"},
        agi={"host": "127.0.0.1", "port": 0},
        recordings={"directory": str(workdir / "recordings")},
    )


def ensure_prompts(settings: Settings) -> Path | None:
    """The IVR's prompts as audio (rendered once with espeak-ng, then reused), or None."""
    from cti.commands.prompts import show_progress
    from cti.storage.customers import Language
    from ivr.prompt_audio import PromptBuildError, build, catalogue_jobs

    prompts_dir = settings.ivr.prompts_dir.resolve()
    try:
        report = build(catalogue_jobs(tuple(Language)), prompts_dir, progress=show_progress)
    except PromptBuildError as exc:
        _say(f"hotline demo: no prompt audio ({exc}); callers hear nothing, prompts take no time")
        return None
    if report.failed:
        _say(f"hotline demo: {len(report.failed)} prompts could not be rendered")
    return prompts_dir


async def run_demo(run: DemoRun) -> dict[str, Any]:
    opts = run.options
    prompts = ensure_prompts(load_settings())
    sounds = [prompts] if prompts is not None else []
    sim_config = SimulatorConfig(
        dialplan=DEFAULT_DIALPLAN,
        ami_port=0,
        users=[AmiUser.build("hotline", "hotline-demo")],
        speed=opts.speed,
        sounds=sounds,
        spool_dir=run.workdir / "spool",
        seed=opts.seed,
    )
    started = time.monotonic()
    async with Simulator(sim_config) as sim:
        settings = demo_settings(run.workdir, sim.ami_port)
        await prepare_database(settings)
        async with CtiNode.running(settings, create_tables=False) as node:
            sim.pbx.agi_override = f"127.0.0.1:{node.agi.port}"
            extensions = await _agents_for(node, opts.agents)
            scenario = demo_scenario(opts, extensions)
            sim.load(scenario)
            _say(
                f"hotline demo: {opts.minutes:g} simulated minutes at {opts.speed:g}x, "
                f"{opts.rate_per_min:g} calls/min, {len(extensions)} agents, seed {opts.seed}"
            )
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


async def _agents_for(node: CtiNode, count: int) -> list[str]:
    """The agents' extensions the simulator plays phones for (logged in, if the node has an ACD)."""
    acd = getattr(node, "acd", None)
    login = getattr(acd, "login_demo_agents", None)
    if login is not None:
        extensions: list[str] = await login(count)
        return extensions
    return [str(1001 + i) for i in range(count)]


def _progress(sim: Simulator, node: CtiNode) -> None:
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
    node: CtiNode, sim: Simulator, callers: list[Caller], opts: DemoOptions, wall_s: float
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
        "mean_wait_for_agent_s": round(sum(waits) / len(waits), 1) if waits else None,
        "recordings": len(sim.pbx.recordings_done),
    }
    acd = getattr(node, "acd", None)
    snapshot = getattr(acd, "report", None)
    if snapshot is not None:
        report["acd"] = snapshot()
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
    if report.get("mean_wait_for_agent_s") is not None:
        print(f"  mean wait for agent   {report['mean_wait_for_agent_s']} s")
    print(f"  recordings            {report['recordings']}")
    if "acd" in report:
        print(f"  ACD                   {report['acd']}")
