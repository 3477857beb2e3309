"""``hotline bench NAME --json FILE``: the benchmarks, one sub-command each.

Each prints progress on stderr and its figures as JSON (to ``--json FILE`` and stdout).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")
Runner = Callable[[argparse.Namespace], dict[str, Any]]


def _ami(args: argparse.Namespace) -> dict[str, Any]:
    from bench.ami import run

    return run(args.events, repeat=args.repeat)


def _agi(args: argparse.Namespace) -> dict[str, Any]:
    from bench.agi import run

    return asyncio.run(run(args.sessions, args.duration))


def _routing(args: argparse.Namespace) -> dict[str, Any]:
    from bench.routing import Centre, run

    centre = Centre(agents=args.agents, waiting=args.waiting)
    return asyncio.run(run(centre, args.redis_url))


def _ivr(args: argparse.Namespace) -> dict[str, Any]:
    from bench.ivr import run
    from bench.ivr_pace import LEVELS, Pace, rendered_prompts
    from prompts.audio import PromptBuildError, show_progress

    levels = LEVELS[args.pace]
    if args.pace == "caller":
        print("ivr bench: the shipped prompts, rendered where missing ...", file=sys.stderr, flush=True)
        try:
            folder = rendered_prompts(Path(args.prompts) if args.prompts else None, progress=show_progress)
        except PromptBuildError as exc:
            raise SystemExit(f"hotline bench ivr: {exc} (or --pace stress, which needs no audio)") from exc
        pace = Pace(think_s=_given(args.think, levels.think_s), prompts_dir=str(folder))
    elif args.prompts:
        raise SystemExit("hotline bench ivr: --prompts is the caller's pace (--pace caller)")
    else:
        pace = Pace(think_s=_given(args.think, levels.think_s))
    return asyncio.run(
        run(
            args.sessions,
            _given(args.duration, levels.duration_s),
            start=_given(args.start, levels.start),
            database_url=args.url,
            pace=pace,
            ramp_s=_given(args.ramp, levels.ramp_s),
        )
    )


def _given(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _websocket(args: argparse.Namespace) -> dict[str, Any]:
    from bench.websocket import run

    return asyncio.run(run(args.clients, args.wallboards, args.rate, args.duration, args.client_processes))


def _day(args: argparse.Namespace) -> dict[str, Any]:
    from bench.day import Day, Mix, run

    day = Day(args.hours, args.rate, args.aht, args.agents, args.threshold, args.speed, args.seed)
    mix = None if args.no_mix else Mix(hours=args.mix_hours, arrival_per_hour=args.mix_rate, seed=args.seed)
    return run(day, mix)


def _dialer(args: argparse.Namespace) -> dict[str, Any]:
    from bench.dialer import run
    from bench.dialer_wired import WiredSettings

    wired = None
    if args.wired:
        wired = WiredSettings(contacts=args.wired, agents=args.wired_agents, answer_rate=args.answer_rate,
                              speed=args.speed, seed=args.seed)  # fmt: skip
    return run(args.contacts, args.agents, args.answer_rate, args.seed, wired)


def _reports(args: argparse.Namespace) -> dict[str, Any]:
    from bench.reports import Scale, run

    return asyncio.run(run(args.url, Scale(rows=args.rows, repeat=args.repeat), keep=args.keep))


def _soak(args: argparse.Namespace) -> dict[str, Any]:
    from bench.soak import Soak, run

    soak = Soak(minutes=args.minutes, agents=args.agents, rate_per_min=args.rate, speed=args.speed,
                concurrent_calls=args.concurrent,
                sample_every_s=args.sample_every, seed=args.seed, drain_s=args.drain,
                prompts=not args.no_prompts, flat_mb_per_10min=args.flat_mb,
                walk_node=not args.no_walk, database_url=args.database,
                trace_memory=args.trace_memory)  # fmt: skip
    return asyncio.run(run(soak))


def _soak_options(p: argparse.ArgumentParser) -> None:
    from bench.soak import Soak

    p.add_argument("--minutes", type=float, default=Soak.minutes, help="real minutes of arrivals")
    p.add_argument("--agents", type=int, default=Soak.agents)
    p.add_argument("--rate", type=float, default=Soak.rate_per_min, help="calls per simulated minute")
    p.add_argument(
        "--concurrent",
        type=int,
        default=Soak.concurrent_calls,
        help="hold this many calls in progress (each that ends replaced at once) instead of --rate arrivals",
    )
    p.add_argument("--speed", type=float, default=Soak.speed, help="simulator speed (times real time)")
    p.add_argument("--sample-every", type=float, default=Soak.sample_every_s, help="seconds between samples")
    p.add_argument(
        "--drain",
        type=float,
        default=Soak.drain_s,
        help="at most this many seconds for the calls to end afterwards (it stops when they have)",
    )
    p.add_argument("--seed", type=int, default=Soak.seed)
    p.add_argument("--no-prompts", action="store_true", help="no prompt audio: playback takes no time")
    p.add_argument(
        "--flat-mb",
        type=float,
        default=Soak.flat_mb_per_10min,
        help="RSS growth per 10 minutes after warm-up still called flat",
    )
    p.add_argument(
        "--no-walk", action="store_true", help="skip walking the node's containers (warm-up, after the drain)"
    )
    p.add_argument(
        "--trace-memory",
        action="store_true",
        help="tracemalloc from the warm-up's end: the allocation sites that grew (slows the run)",
    )
    p.add_argument(
        "--database",
        default="",
        metavar="URL",
        help="e.g. postgresql+asyncpg://postgres@127.0.0.1/hotline_soak (its tables are dropped first); "
        "default SQLite in a temporary folder",
    )


def _reports_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rows", type=int, default=10_000_000, help="call rows for the year (default 10 million)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs of each report (the best is kept)")
    p.add_argument(
        "--url",
        default="postgresql://postgres@127.0.0.1:5432/hotline_bench_reports",
        help="a PostgreSQL database to fill (its tables are dropped first)",
    )
    p.add_argument("--keep", action="store_true", help="keep the generated tables afterwards")


def _day_options(p: argparse.ArgumentParser) -> None:
    from bench.day import Day, Mix

    p.add_argument("--hours", type=float, default=Day.hours, help="simulated hours of the single-skill day")
    p.add_argument("--rate", type=float, default=Day.arrival_per_hour, help="calls per hour")
    p.add_argument("--aht", type=float, default=Day.handle_time_s, help="mean handle time, seconds")
    p.add_argument("--agents", type=int, default=Day.agents)
    p.add_argument("--threshold", type=float, default=Day.threshold_s, help="service level threshold, s")
    p.add_argument("--speed", type=float, default=Day.speed, help="simulator speed (times real time)")
    p.add_argument("--seed", type=int, default=Day.seed)
    p.add_argument(
        "--mix-hours", type=float, default=Mix.hours, help="simulated hours of the multi-skill mix"
    )
    p.add_argument("--mix-rate", type=float, default=Mix.arrival_per_hour, help="calls per hour of the mix")
    p.add_argument("--no-mix", action="store_true", help="only the single-skill day")


BENCHES: dict[str, tuple[str, Callable[[argparse.ArgumentParser], object], Runner]] = {
    "ami": (
        "AMI events/s into the state model, write-to-state latency, panoramisk's parser on the same bytes",
        lambda p: (
            p.add_argument("--events", type=int, default=200_000),
            p.add_argument("--repeat", type=int, default=3, help="timed runs of each side (median kept)"),
        ),
        _ami,
    ),
    "agi": (
        "concurrent FastAGI sessions and command round trips per second",
        lambda p: (
            p.add_argument("--sessions", type=int, default=2000),
            p.add_argument("--duration", type=float, default=10.0),
        ),
        _agi,
    ),
    "routing": (
        "ACD decisions/s and decision latency, memory and Redis stores",
        lambda p: (
            p.add_argument("--agents", type=int, default=1000),
            p.add_argument("--waiting", type=int, default=5000),
            p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0"),
        ),
        _routing,
    ),
    "ivr": (
        "concurrent IVR calls one process serves with p99 command latency under 50 ms",
        lambda p: (
            p.add_argument("--sessions", type=int, default=1600, help="most concurrent calls to try"),
            p.add_argument(
                "--pace",
                choices=("caller", "stress"),
                default="caller",
                help="caller: every sound as long as the shipped prompts' audio (default); stress: a"
                " prompt 0.4 s, a call ~9 s, several times a real caller's IVR work",
            ),
            p.add_argument(
                "--start",
                type=int,
                default=None,
                help="concurrent calls of the first level (1000; stress: 50)",
            ),
            p.add_argument("--duration", type=float, default=None, help="seconds per level (120; stress 10)"),
            p.add_argument("--url", default=None, help="database (default: a temporary SQLite file)"),
            p.add_argument(
                "--prompts",
                default=None,
                help="rendered prompts (hotline prompts build --prompts-dir) for the caller's pace"
                " (default: the shipped prompts rendered once into ~/.cache/hotline/bench-prompts)",
            ),
            p.add_argument(
                "--think", type=float, default=None, help="seconds a caller takes to key in (1; stress 0.4)"
            ),
            p.add_argument(
                "--ramp",
                type=float,
                default=None,
                help="seconds over which a level's calls start (60; stress: --duration / 4, at most 2)",
            ),
        ),
        _ivr,
    ),
    "websocket": (
        "WebSocket fan-out: agent and wallboard clients receiving ACD state changes, delivery latency",
        lambda p: (
            p.add_argument("--clients", type=int, default=2000),
            p.add_argument("--wallboards", type=int, default=100, help="of the clients, province-wide"),
            p.add_argument("--rate", type=float, default=200.0, help="agent state changes per second"),
            p.add_argument("--duration", type=float, default=10.0),
            p.add_argument("--client-processes", type=int, default=2, help="processes the clients share"),
        ),
        _websocket,
    ),
    "reports": (
        "a year of calls for 15 centres on PostgreSQL: monthly and yearly province reports",
        _reports_options,
        _reports,
    ),
    "soak": (
        "sustained IVR + ACD traffic for a long time: RSS, event-loop lag, p99 IVR and routing latency "
        "over time, lost calls",
        _soak_options,
        _soak,
    ),
    "day": (
        "a simulated hotline day through the ACD: service level, ASA, abandonment next to Erlang C; "
        "then the demo's multi-skill mix (VIP/private-line service level)",
        _day_options,
        _day,
    ),
    "dialer": (
        "outbound pacing: progressive and predictive on one simulated list (occupancy, abandon rate, "
        "contacts per agent-hour)",
        lambda p: (
            p.add_argument("--contacts", type=int, default=2000),
            p.add_argument("--agents", type=int, default=20),
            p.add_argument("--answer-rate", type=float, default=0.35, help="share answered by a person"),
            p.add_argument("--seed", type=int, default=1),
            p.add_argument(
                "--wired", type=int, default=0, help="also run the real dialer on hotline sim, N contacts"
            ),
            p.add_argument("--wired-agents", type=int, default=4),
            p.add_argument("--speed", type=float, default=10.0, help="the simulator's speed for --wired"),
        ),
        _dialer,
    ),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("bench", help="run a benchmark and write its figures as JSON")
    benches = p.add_subparsers(dest="bench", metavar="NAME")
    benches.required = True
    for name, (help_text, add_args, runner) in BENCHES.items():
        b = benches.add_parser(name, help=help_text)
        b.add_argument("--json", type=Path, help="write the results to this file")
        add_args(b)
        b.set_defaults(func=_make(runner))


def _make(runner: Runner) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        result = runner(args)
        text = json.dumps(result, indent=2, sort_keys=True)
        if args.json is not None:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(text + "\n")
            print(f"hotline bench {args.bench}: wrote {args.json}", file=sys.stderr)
        print(text)
        return 0

    return run
