"""``hotline demo``: everything on embedded defaults — simulated Asterisk, in-memory ACD,
SQLite — with simulated callers and agents; live progress, a summary and a JSON report."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="run the whole hotline on a simulated Asterisk with simulated traffic")
    p.add_argument("--minutes", type=float, default=5.0, help="simulated minutes of traffic (default 5)")
    p.add_argument(
        "--agents", type=int, default=12, help="agents logged in (default 12, of the 20 demo agents)"
    )
    p.add_argument("--rate", type=float, default=6.0, help="calls per simulated minute (default 6)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the traffic (default 1)")
    p.add_argument("--speed", type=float, default=10.0, help="simulated seconds per real second (default 10)")
    p.add_argument("--report", type=Path, default=None, help="write a JSON report here")
    p.add_argument("--web", type=int, default=None, metavar="PORT", help="serve the web pages on this port")
    p.add_argument(
        "--web-host",
        default="127.0.0.1",
        metavar="HOST",
        help="address the pages listen on (default 127.0.0.1; 0.0.0.0 in a container)",
    )
    p.add_argument("--workdir", type=Path, default=None, help="where the demo database and files go")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from demo.run import DemoRun, print_summary, run_demo
    from demo.traffic import DemoOptions
    from node.logs import LogSettings, configure_logging

    for name, value in (("--minutes", args.minutes), ("--rate", args.rate), ("--speed", args.speed)):
        if value <= 0:
            print(f"hotline demo: {name} must be positive")
            return 2
    if args.agents < 1:
        print("hotline demo: --agents must be at least 1")
        return 2
    configure_logging(LogSettings(level="WARNING", format="console"))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hotline-demo-"))
    options = DemoOptions(args.minutes, args.agents, args.rate, args.seed, args.speed)
    report = asyncio.run(run_demo(DemoRun(options, workdir, args.web, args.report, args.web_host)))
    print_summary(report)
    print(f"  files                 {workdir}")
    return 0
