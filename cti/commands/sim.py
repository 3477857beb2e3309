"""``hotline sim``: the simulated Asterisk on its own."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sim", help="run the simulated Asterisk (AMI server, dialplan, FastAGI client, phones)"
    )
    p.add_argument("--ami-port", type=int, default=5038)
    p.add_argument("--ami-user", default=None)
    p.add_argument("--ami-secret", default=None)
    p.add_argument("--agi", default=None, help="HOST:PORT of the FastAGI server the dialplan's AGI() reaches")
    p.add_argument(
        "--dialplan", default=None, help="extensions.conf to run (default: dialplan/extensions.conf)"
    )
    p.add_argument("--scenario", default=None, help="scenario file: phones and traffic")
    p.add_argument(
        "--queues", default=None, help="queues.conf for Queue() (default: the one beside the dialplan)"
    )
    p.add_argument("--sounds", default=None, help="sounds folder (<lang>/<name>.wav|sln|gsm|ulaw)")
    p.add_argument("--speed", type=float, default=None, help="time factor (10 = ten times faster)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sim.main import run_from_args

    return run_from_args(args)
