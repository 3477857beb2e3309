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
from typing import Any

Runner = Callable[[argparse.Namespace], dict[str, Any]]


def _ami(args: argparse.Namespace) -> dict[str, Any]:
    from bench.ami import run

    return run(args.events)


def _agi(args: argparse.Namespace) -> dict[str, Any]:
    from bench.agi import run

    return asyncio.run(run(args.sessions, args.duration))


def _routing(args: argparse.Namespace) -> dict[str, Any]:
    from bench.routing import Centre, run

    centre = Centre(agents=args.agents, waiting=args.waiting)
    return asyncio.run(run(centre, args.redis_url))


def _ivr(args: argparse.Namespace) -> dict[str, Any]:
    from bench.ivr import run

    return asyncio.run(run(args.sessions, args.duration, start=args.start, database_url=args.url))


def _websocket(args: argparse.Namespace) -> dict[str, Any]:
    from bench.websocket import run

    return asyncio.run(run(args.clients, args.wallboards, args.rate, args.duration))


def _day(args: argparse.Namespace) -> dict[str, Any]:
    from bench.day import Day, Mix, run

    day = Day(args.hours, args.rate, args.aht, args.agents, args.threshold, args.speed, args.seed)
    mix = None if args.no_mix else Mix(hours=args.mix_hours, arrival_per_hour=args.mix_rate, seed=args.seed)
    return run(day, mix)


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
        lambda p: p.add_argument("--events", type=int, default=200_000),
        _ami,
    ),
    "agi": (
        "concurrent FastAGI sessions and command round trips per second",
        lambda p: (
            p.add_argument("--sessions", type=int, default=1000),
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
            p.add_argument("--start", type=int, default=50, help="concurrent calls of the first level"),
            p.add_argument("--duration", type=float, default=10.0, help="seconds per level"),
            p.add_argument("--url", default=None, help="database (default: a temporary SQLite file)"),
        ),
        _ivr,
    ),
    "websocket": (
        "WebSocket fan-out: agent and wallboard clients receiving ACD state changes, delivery latency",
        lambda p: (
            p.add_argument("--clients", type=int, default=500),
            p.add_argument("--wallboards", type=int, default=100, help="of the clients, province-wide"),
            p.add_argument("--rate", type=float, default=200.0, help="agent state changes per second"),
            p.add_argument("--duration", type=float, default=10.0),
        ),
        _websocket,
    ),
    "day": (
        "a simulated hotline day through the ACD: service level, ASA, abandonment next to Erlang C; "
        "then the demo's multi-skill mix (VIP/private-line service level)",
        _day_options,
        _day,
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
