"""``hotline sim``: the simulated Asterisk on its own."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sim", help="run the simulated Asterisk (AMI server, dialplan, FastAGI client, phones)"
    )
    p.add_argument("--ami-host", default=None, help="address the AMI listens on (default: [sim] ami_host)")
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
    p.add_argument(
        "--spool",
        default=None,
        help="Asterisk's spool: relative MixMonitor files land in SPOOL/monitor (default: [sim] spool_dir)",
    )
    replay = p.add_argument_group("replaying a capture of a real Asterisk (tests/sim/test_replay_ami.py)")
    replay.add_argument("--uniqueid-start", type=int, default=1, help="first Uniqueid counter (default 1)")
    replay.add_argument(
        "--channel-sequence-start", type=int, default=1, help="first channel sequence number (default 1)"
    )
    replay.add_argument(
        "--challenge",
        action="append",
        metavar="VALUE",
        help="answer the next Challenge action with VALUE (repeatable), as the captured Asterisk did",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from node.settings import SettingsError, load_settings
    from sim.main import run_from_args

    try:
        settings = load_settings(args.config) if getattr(args, "config", None) else load_settings()
    except SettingsError as exc:
        print(f"hotline sim: {exc}", file=sys.stderr)
        return 2
    return run_from_args(args, settings.sim)
