"""``hotline dialplan render``: the shipped dialplan with this site's globals, from the settings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cti.acd_bridge.site_globals import DialplanError, render_globals, site_globals
from node.settings import load_settings

SHIPPED = Path(__file__).resolve().parents[2] / "dialplan" / "extensions.conf"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("dialplan", help="the dialplan Asterisk loads, with this site's globals")
    actions = p.add_subparsers(dest="dialplan_action", metavar="ACTION")
    actions.required = True
    render = actions.add_parser(
        "render",
        help="write extensions.conf with HOTLINE_AGI ([agi] advertise_host, port), AGENT_TECH, "
        "AGENT_SUFFIX and [dialplan] globals set from the settings",
    )
    render.add_argument("--dialplan", type=Path, default=SHIPPED, help="the dialplan to start from")
    render.add_argument("--out", type=Path, default=None, help="where to write it (default: stdout)")
    render.set_defaults(func=_render)


def _render(args: argparse.Namespace) -> int:
    settings = load_settings(args.config) if args.config else load_settings()
    try:
        values = site_globals(
            settings.dialplan, agi_host=settings.agi.advertise_host, agi_port=settings.agi.port
        )
        text = render_globals(args.dialplan.read_text(encoding="utf-8"), values)
    except (DialplanError, OSError) as exc:
        print(f"hotline dialplan render: {exc}", file=sys.stderr)
        return 1
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: " + ", ".join(f"{k}={v}" for k, v in sorted(values.items())))
    return 0
