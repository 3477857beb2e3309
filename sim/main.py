"""``hotline sim``: the simulated Asterisk in one asyncio process.

:class:`Simulator` puts the pieces together — the dialplan from ``extensions.conf``, the
PBX, the AMI server, the phones and the scripted callers — for tests (in-process) and for
the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import random
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import structlog

from sim.ami.server import AmiServer, AmiUser
from sim.callers import Caller, CallerScript
from sim.clock import SimClock
from sim.dialplan.config import load_dialplan
from sim.ids import IdAllocator
from sim.media import SoundLibrary
from sim.pbx import Pbx
from sim.phones import Phone, PhoneProfile
from sim.queue_config import load_queues
from sim.queue_module import install_queues
from sim.scenario import Scenario, call_plan, load_scenario
from sim.settings import SimSettings

log = structlog.get_logger(__name__)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIALPLAN = REPO / "dialplan" / "extensions.conf"
DEFAULT_USER = "hotline"
DEFAULT_SECRET = "hotline-demo"


@dataclass
class SimulatorConfig:
    dialplan: Path = DEFAULT_DIALPLAN
    host: str = "127.0.0.1"
    ami_port: int = 5038
    users: list[AmiUser] = field(default_factory=lambda: [AmiUser.build(DEFAULT_USER, DEFAULT_SECRET)])
    speed: float = 1.0
    sounds: list[Path] = field(default_factory=list)
    spool_dir: Path = Path("var/spool")
    agi: str | None = None  # HOST:PORT replacing the host of every agi:// URL
    globals: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    uniqueid_start: int = 1
    channel_sequence_start: int = 1
    queues: Path | None = None  # queues.conf; None: the one beside the dialplan
    # keep every ended caller in ``Simulator.callers`` and every ended call in its phone's ``calls``
    # (tests look back at them); a long run (the soak) lets them go and reads ``Simulator.ended``
    keep_ended_calls: bool = True


@dataclass
class EndedCalls:
    """The scripted calls that have ended, counted (kept whether or not the callers are)."""

    count: int = 0
    answered: int = 0  # an agent (or a phone) answered
    abandoned: int = 0  # the caller's patience ran out before that


class Simulator:
    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        c = self.config
        self.clock = SimClock(c.speed)
        self.pbx = Pbx(
            load_dialplan(c.dialplan),
            clock=self.clock,
            ids=IdAllocator(uniqueid_start=c.uniqueid_start, channel_sequence_start=c.channel_sequence_start),
            media=SoundLibrary(c.sounds),
            spool_dir=str(c.spool_dir),
            agi_override=c.agi,
        )
        self.pbx.globals.update(c.globals)
        install_queues(self.pbx, load_queues(c.queues or c.dialplan.parent / "queues.conf"))
        self.ami = AmiServer(self.pbx, c.users, host=c.host, port=c.ami_port)
        self.phones: dict[str, Phone] = {}
        self.callers: list[Caller] = []
        self.placed = 0
        self.ended = EndedCalls()
        self.rng = random.Random(c.seed)

    @property
    def ami_port(self) -> int:
        return self.ami.port

    async def start(self) -> None:
        await self.ami.start()
        log.info("simulated Asterisk ready", ami_port=self.ami.port)

    async def stop(self) -> None:
        await self.ami.stop()
        await self.pbx.shutdown()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- phones and callers ----------------------------------------------------------------
    def add_phone(self, profile: PhoneProfile) -> Phone:
        rng = random.Random(f"{self.config.seed}/phone/{profile.extension}")
        phone = Phone(self.pbx, profile, rng, keep_ended=self.config.keep_ended_calls)
        self.phones[profile.extension] = phone
        self.pbx.endpoints[phone.endpoint] = phone
        return phone

    def call(self, script: CallerScript) -> Caller:
        caller = Caller(self.pbx, script, random.Random(f"{self.config.seed}/caller/{self.placed}"))
        self.placed += 1
        self.callers.append(caller)
        caller.ended_hooks.append(self._caller_ended)
        caller.place()
        return caller

    def _caller_ended(self, caller: Caller) -> None:
        record = caller.record
        self.ended.count += 1
        if record is not None and record.connected_at is not None:
            self.ended.answered += 1
        if record is not None and record.abandoned:
            self.ended.abandoned += 1
        if not self.config.keep_ended_calls:
            self.callers.remove(caller)

    def load(self, scenario: Scenario) -> None:
        for profile in scenario.phones:
            self.add_phone(profile)

    async def run_traffic(self, scenario: Scenario, *, progress: bool = False) -> list[Caller]:
        """Place every call of the scenario's plan at its time; return when all have ended (the
        callers, or none when the simulator keeps no ended calls)."""
        placed: list[Caller] = []
        pending: set[Caller] = set()
        start = self.clock.elapsed()
        plan = call_plan(scenario)
        for i, planned in enumerate(plan, 1):
            delay = planned.at_s - (self.clock.elapsed() - start)
            if delay > 0:
                await self.clock.sleep(delay)
            caller = self.call(planned.script)
            if not caller.done.is_set():
                pending.add(caller)
                caller.ended_hooks.append(pending.discard)
            if self.config.keep_ended_calls:
                placed.append(caller)
            if progress:
                print(f"\r[sim] call {i}/{len(plan)} at t={planned.at_s:7.1f}s", end="", file=sys.stderr)
        if progress:
            print(file=sys.stderr)
        while pending:
            await next(iter(pending)).done.wait()
        return placed

    async def hold_traffic(
        self, scenario: Scenario, calls: int, duration_s: float, *, ramp_s: float = 60.0
    ) -> int:
        """Keep ``calls`` of the scenario's callers on the line for ``duration_s`` simulated seconds,
        then let them end; the number of calls placed.

        The first ``calls`` are placed evenly over ``ramp_s``; after that each call that ends is
        replaced at once by the next caller of the scenario's plan (gone through again when it runs
        out; its arrival times are not used). The number of calls in progress is held, not drawn:
        its peak is its mean, where Poisson arrivals (:meth:`run_traffic`) wander above it.
        """
        if calls < 1:
            raise ValueError("calls must be at least 1")
        plan = [planned.script for planned in call_plan(scenario)]
        if not plan:
            raise ValueError("the scenario places no call to hold")
        scripts = itertools.cycle(plan)
        pending: set[Caller] = set()
        wake = asyncio.Event()

        def ended(caller: Caller) -> None:
            pending.discard(caller)
            wake.set()

        start, placed = self.clock.elapsed(), 0
        step = ramp_s / calls
        while (elapsed := self.clock.elapsed() - start) < duration_s:
            wanted = calls if step <= 0 else min(calls, int(elapsed / step) + 1)
            for _ in range(wanted - len(pending)):  # at most that many per turn, even if they end at once
                caller = self.call(next(scripts))
                placed += 1
                if not caller.done.is_set():
                    pending.add(caller)
                    caller.ended_hooks.append(ended)
            wake.clear()
            until = duration_s - elapsed if wanted == calls else min(duration_s, wanted * step) - elapsed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.clock.real_seconds(max(until, 0.0)))
        while pending:
            await next(iter(pending)).done.wait()
        return placed


def run_from_args(args: argparse.Namespace, sim_settings: SimSettings) -> int:
    """``hotline sim``: the command line's options over the ``[sim]`` settings."""
    scenario = None
    scenario_path = args.scenario or sim_settings.scenario
    if scenario_path:
        try:
            scenario = load_scenario(Path(scenario_path))
        except ValueError as exc:
            print(f"hotline sim: {exc}", file=sys.stderr)
            return 2
    user = args.ami_user or sim_settings.ami_user
    secret = args.ami_secret or sim_settings.ami_secret
    speed = args.speed or (scenario.speed if scenario and scenario.speed else sim_settings.speed)
    dialplan = Path(args.dialplan) if args.dialplan else _resolve(sim_settings.dialplan)
    config = SimulatorConfig(
        dialplan=dialplan,
        host=args.ami_host or sim_settings.ami_host,
        ami_port=args.ami_port,
        users=[AmiUser.build(user, secret)],
        speed=speed,
        sounds=[Path(args.sounds) if args.sounds else _resolve(sim_settings.sounds_dir)],
        spool_dir=_spool_dir(args, sim_settings),
        agi=args.agi,
        # the dialplan's own URL names the first server; --agi spreads calls over all of them
        globals={"HOTLINE_AGI": f"agi://{args.agi.split(',')[0].strip()}"} if args.agi else {},
        queues=Path(args.queues) if args.queues else None,
        seed=scenario.seed if scenario else 0,
        uniqueid_start=args.uniqueid_start,
        channel_sequence_start=args.channel_sequence_start,
    )
    try:
        return asyncio.run(_serve(config, scenario, challenges=list(args.challenge or [])))
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as exc:
        print(f"hotline sim: {exc}", file=sys.stderr)
        return 1


def _spool_dir(args: argparse.Namespace, sim_settings: SimSettings) -> Path:
    if args.spool:
        return Path(args.spool)
    if sim_settings.spool_dir is not None:
        return sim_settings.spool_dir
    return _resolve(sim_settings.recordings_dir).parent / "spool"


def _resolve(p: Path) -> Path:
    return p if p.is_absolute() else (Path.cwd() / p if (Path.cwd() / p).exists() else REPO / p)


async def _serve(config: SimulatorConfig, scenario: Scenario | None, challenges: list[str]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with Simulator(config) as sim:
        sim.ami.preset_challenges = challenges
        print(
            f"hotline sim: AMI on {config.host}:{sim.ami_port} (user {config.users[0].username})", flush=True
        )
        if scenario is not None:
            sim.load(scenario)
            traffic = asyncio.create_task(sim.run_traffic(scenario, progress=True))
            stop_wait = asyncio.create_task(stop.wait())
            await asyncio.wait([traffic, stop_wait], return_when=asyncio.FIRST_COMPLETED)
            for t in (traffic, stop_wait):
                t.cancel()
            await asyncio.gather(traffic, stop_wait, return_exceptions=True)
            if not stop.is_set():
                print(f"hotline sim: scenario done, {len(sim.callers)} calls; still serving AMI", flush=True)
        await stop.wait()
    return 0
