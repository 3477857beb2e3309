"""``hotline agi-classic MODULE:FUNCTION``: one call's AGI over stdin/stdout (classic AGI()).

In the dialplan: ``AGI(hotline,agi-classic,ivr.menu:handle)`` (Asterisk passes the AGI()
arguments as the program's arguments).  Prefer FastAGI (``agi://``) where Asterisk can
reach the CTI node: one process serves every call instead of one process per call.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "agi-classic",
        help="run one AGI call over stdin/stdout (classic AGI(); FastAGI is preferred)",
    )
    p.add_argument("script", metavar="MODULE:FUNCTION", help="the async handler, e.g. ivr.menu:handle")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from cti.agi.classic import main

    return main(args.script)
