"""``hotline report``: the reports from the command line, and their upkeep.

``hotline report NAME --period P [--prefecture CODE] [--format csv|xlsx|json] [--out FILE]
[--by DIMS] [--grain G] [--compare]`` writes one report (``traffic``, ``agents``, ``complaints``,
``ivr``, ``outbound``; period ``2024-03-05``, ``2024-W09``, ``2024-03``, ``2024-Q1``, ``2024``;
the province with every prefecture as a row when no prefecture is given) to FILE or stdout.
``hotline report rebuild --since DATE [--until DATE]`` rebuilds the pre-aggregates of those
local days from the raw call rows, a day at a time, with progress.
``hotline report customers --prefecture CODE --month YYYY-MM --customers N`` sets the customer
base (the denominator of 千人抱怨率); without ``--customers`` it lists the bases of that month.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.errors import ApiError
from node.settings import SettingsError, load_settings
from reports.library import FORMATS, REPORTS, ReportLibrary, ReportRequest
from reports.periods import SHANGHAI
from reports.rebuild import RebuildProgress, rebuild
from storage.customer_base import customer_bases, set_customer_base
from storage.db import create_engine_from_settings, session_factory
from storage.migrate import upgrade
from storage.prefectures import BY_CODE, PREFECTURES

T = TypeVar("T")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="write a report (CSV, XLSX, JSON); rebuild the pre-aggregates")
    commands = p.add_subparsers(dest="report_command", metavar="NAME")
    commands.required = True
    for name in REPORTS:
        r = commands.add_parser(name, help=f"the {name} report")
        r.add_argument("--period", required=True, help="2024-03-05, 2024-W09, 2024-03, 2024-Q1 or 2024")
        r.add_argument("--prefecture", default=None, help="a prefecture code (default: the province)")
        r.add_argument("--format", default="csv", choices=sorted(FORMATS))
        r.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")
        r.add_argument("--by", default=None, help="row dimensions, comma-separated (interval,prefecture,…)")
        r.add_argument("--grain", default=None, help="interval size when --by has interval (15min … year)")
        r.add_argument("--compare", action="store_true", help="add 环比 and 同比 columns")
        r.set_defaults(func=_report, report_name=name)
    rb = commands.add_parser("rebuild", help="rebuild the pre-aggregates from the raw call rows")
    rb.add_argument("--since", required=True, type=date.fromisoformat, help="first local day, YYYY-MM-DD")
    rb.add_argument(
        "--until", type=date.fromisoformat, default=None, help="day after the last (default: tomorrow)"
    )
    rb.set_defaults(func=_rebuild)
    cu = commands.add_parser("customers", help="set or list the customer base per prefecture and month")
    cu.add_argument("--month", required=True, help="YYYY-MM")
    cu.add_argument("--prefecture", default=None, choices=[p.code for p in PREFECTURES])
    cu.add_argument("--customers", type=int, default=None)
    cu.set_defaults(func=_customers)


def _with_db(args: argparse.Namespace, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    storage = (load_settings(args.config) if args.config else load_settings()).storage

    async def go() -> T:
        engine = create_engine_from_settings(storage)
        try:
            await upgrade(engine)
            return await work(session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _report(args: argparse.Namespace) -> int:
    try:
        req = ReportRequest.parse(
            args.report_name, args.period, args.prefecture, args.by, args.grain, args.compare
        )

        async def work(sessions: async_sessionmaker[AsyncSession]) -> bytes:
            library = ReportLibrary(sessions, tuple(p.code for p in PREFECTURES))
            return (await library.export([req], args.format)).body

        body = _with_db(args, work)
    except (ApiError, SettingsError) as exc:
        print(f"hotline report: {exc}", file=sys.stderr)
        return 2
    if args.out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(body)
        print(f"hotline report: wrote {args.out} ({len(body):,} bytes)", file=sys.stderr)
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    until_day = args.until or (datetime.now(SHANGHAI).date() + timedelta(days=1))
    since = datetime(args.since.year, args.since.month, args.since.day, tzinfo=SHANGHAI)
    until = datetime(until_day.year, until_day.month, until_day.day, tzinfo=SHANGHAI)
    if until <= since:
        print("hotline report rebuild: --until must be after --since", file=sys.stderr)
        return 2

    def progress(p: RebuildProgress) -> None:
        print(
            f"rebuild: {p.day:%Y-%m-%d} {p.done}/{p.total} days, {p.calls:,} calls",
            file=sys.stderr,
            flush=True,
        )

    try:
        calls = _with_db(args, lambda sessions: rebuild(sessions, since, until, progress))
    except SettingsError as exc:
        print(f"hotline report rebuild: {exc}", file=sys.stderr)
        return 2
    print(f"hotline report rebuild: {calls:,} calls re-aggregated", file=sys.stderr)
    return 0


def _customers(args: argparse.Namespace) -> int:
    try:
        year, month = (int(x) for x in args.month.split("-"))
        date(year, month, 1)
    except ValueError:
        print(f"hotline report customers: month {args.month!r} is not YYYY-MM", file=sys.stderr)
        return 2
    code = f"{year:04d}-{month:02d}"
    if args.customers is not None:
        if args.prefecture is None or args.customers < 0:
            print("hotline report customers: give --prefecture and a count of 0 or more", file=sys.stderr)
            return 2

        async def put(sessions: async_sessionmaker[AsyncSession]) -> None:
            async with sessions() as db:
                await set_customer_base(db, args.prefecture, code, args.customers, datetime.now(UTC))
                await db.commit()

        _with_db(args, put)
        print(f"{args.prefecture} {code}: {args.customers:,} customers")
        return 0

    async def get(sessions: async_sessionmaker[AsyncSession]) -> dict[tuple[str, str], int]:
        async with sessions() as db:
            return await customer_bases(db, [code])

    found = _with_db(args, get)
    for p in PREFECTURES:
        n = found.get((p.code, code))
        print(f"{p.code:<10} {BY_CODE[p.code].name_zh:<4} {'—' if n is None else f'{n:,}'}")
    return 0
