"""``hotline campaign``: outbound campaigns from the command line, on the node's database.

``create ID --name NAME --kind KIND [--settings FILE.json] [--prefecture CODE]``,
``import ID FILE.csv`` (nothing is imported if any line is bad: each is listed with its number),
``start|pause|resume|finish ID``, ``list``, ``status ID [--watch]`` (a live progress bar: attempted,
answered, completed, remaining, pace, abandon rate), ``results ID --out FILE.csv|FILE.xlsx``,
``dnc add NUMBER [--reason TEXT]``, ``arrears`` (list overdue accounts on the arrears campaign).
The dialing itself is done by the running nodes (``hotline serve``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from node.settings import Settings, SettingsError, load_settings
from outbound.arrears import ArrearsJob
from outbound.attempt_store import AttemptStore
from outbound.calendar import SHANGHAI
from outbound.campaign import CampaignEvent, CampaignKind
from outbound.campaign_store import CampaignStore
from outbound.errors import CsvImportError, OutboundError
from outbound.holidays_file import load_holidays
from outbound.operations import CampaignOperations, Progress
from storage.db import create_engine_from_settings, session_factory
from storage.migrate import upgrade

_BAR = 30
_EVENTS = {"start": CampaignEvent.START, "pause": CampaignEvent.PAUSE, "resume": CampaignEvent.RESUME,
           "finish": CampaignEvent.FINISH}  # fmt: skip


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("campaign", help="outbound campaigns: create, import, start, pause, status, results")
    commands = p.add_subparsers(dest="campaign_command", metavar="COMMAND")
    commands.required = True
    create = commands.add_parser("create", help="create a campaign (draft)")
    create.add_argument("id")
    create.add_argument("--name", required=True)
    create.add_argument("--kind", required=True, choices=[k.value for k in CampaignKind])
    create.add_argument(
        "--settings", type=Path, help="JSON file: pacing, skill, windows, retry ... (see README)"
    )
    create.add_argument("--prefecture", default=None, help="the prefecture whose supervisors manage it")
    create.set_defaults(func=_run, action="create")
    imp = commands.add_parser("import", help="import contacts from a CSV file (all or nothing)")
    imp.add_argument("id")
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=_run, action="import")
    for name in _EVENTS:
        move = commands.add_parser(name, help=f"{name} a campaign")
        move.add_argument("id")
        move.set_defaults(func=_run, action=name)
    listing = commands.add_parser("list", help="list the campaigns")
    listing.set_defaults(func=_run, action="list")
    status = commands.add_parser("status", help="a campaign's progress")
    status.add_argument("id")
    status.add_argument("--watch", action="store_true", help="keep the progress bar live until it finishes")
    status.add_argument("--every", type=float, default=2.0, help="seconds between refreshes with --watch")
    status.set_defaults(func=_run, action="status")
    results = commands.add_parser("results", help="export every attempt as CSV or XLSX")
    results.add_argument("id")
    results.add_argument("--out", type=Path, required=True, help="FILE.csv or FILE.xlsx")
    results.set_defaults(func=_run, action="results")
    dnc = commands.add_parser("dnc", help="the do-not-call list")
    dnc_sub = dnc.add_subparsers(dest="dnc_command", metavar="COMMAND")
    dnc_sub.required = True
    dnc_add = dnc_sub.add_parser("add", help="put a number on the do-not-call list")
    dnc_add.add_argument("number")
    dnc_add.add_argument("--reason", default="")
    dnc_add.set_defaults(func=_run, action="dnc-add")
    arrears = commands.add_parser("arrears", help="put overdue accounts on the arrears campaign")
    arrears.set_defaults(func=_run, action="arrears")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def _operations(settings: Settings) -> AsyncIterator[tuple[CampaignOperations, ArrearsJob]]:
    engine = create_engine_from_settings(settings.storage)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        campaigns = CampaignStore(sessions, load_holidays(settings.outbound.holidays_file))
        attempts = AttemptStore(sessions)
        arrears = ArrearsJob(sessions, campaigns, settings.outbound, _utc_now, SHANGHAI)
        yield CampaignOperations(campaigns, attempts, _utc_now), arrears
    finally:
        await engine.dispose()


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.config) if args.config else load_settings()
        return asyncio.run(_act(args, settings))
    except (SettingsError, OutboundError, OSError, json.JSONDecodeError) as exc:
        print(f"hotline campaign: {exc}", file=sys.stderr)
        return 1


def bar(p: Progress) -> str:
    done = p.contacts - p.remaining
    share = done / p.contacts if p.contacts else 0.0
    filled = round(share * _BAR)
    return (
        f"{p.campaign} [{'#' * filled}{'-' * (_BAR - filled)}] {share:4.0%} {p.state}"
        f" · attempted {p.attempted}"
        f" · answered {p.answered} · completed {p.completed} · remaining {p.remaining}"
        f" · pace {p.pace_per_min:g}/min · abandon {p.abandon_rate:.1%}"
    )


async def _act(args: argparse.Namespace, settings: Settings) -> int:
    async with _operations(settings) as (ops, arrears):
        action = args.action
        if action == "create":
            config = json.loads(args.settings.read_text(encoding="utf-8")) if args.settings else {}
            info = await ops.create(
                args.id, args.name, args.kind, config, prefecture=args.prefecture, by="cli"
            )
            print(
                f"campaign {info.campaign.id} created"
                f" ({info.campaign.mode.value}, {info.campaign.state.value})"
            )
        elif action == "import":
            try:
                added = await ops.import_csv(args.id, args.file.read_bytes())
            except CsvImportError as exc:
                print(f"hotline campaign: {args.file}: nothing imported, {len(exc.problems)} bad line(s):",
                      file=sys.stderr)  # fmt: skip
                for problem in exc.problems:
                    print(f"  {problem}", file=sys.stderr)
                return 1
            print(f"{added} contact(s) imported into {args.id}")
        elif action in _EVENTS:
            info = await ops.move(args.id, _EVENTS[action])
            print(f"campaign {args.id}: {info.campaign.state.value}")
        elif action == "list":
            for info in await ops.campaigns.all():
                c = info.campaign
                print(f"{c.id:24} {c.state.value:9} {c.kind.value:20} {c.mode.value:12} {c.name}")
        elif action == "status":
            while True:
                progress = await ops.progress(args.id)
                end = (
                    "\n" if not args.watch or progress.state == "finished" or not progress.remaining else "\r"
                )
                print(bar(progress), end=end, flush=True)
                if end == "\n":
                    break
                await asyncio.sleep(args.every)
        elif action == "results":
            suffix = args.out.suffix.lower()
            if suffix not in (".csv", ".xlsx"):
                print("hotline campaign: --out must end in .csv or .xlsx", file=sys.stderr)
                return 2
            data = await (ops.results_csv(args.id) if suffix == ".csv" else ops.results_xlsx(args.id))
            args.out.write_bytes(data)
            print(f"{args.out}: {len(await ops.result_rows(args.id))} attempt(s)")
        elif action == "dnc-add":
            number = await ops.attempts.add_dnc(args.number, by="cli", reason=args.reason, at=_utc_now())
            print(f"{number} is on the do-not-call list")
        elif action == "arrears":
            print(f"{await arrears.run()} overdue account(s) added to {settings.outbound.arrears_campaign}")
    return 0
