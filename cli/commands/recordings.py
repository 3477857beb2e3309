"""``hotline recordings retention [--dry-run] [--as-of DATE] [--csv FILE]``: apply the retention policy.

Lists every recording the policy (``[recordings] retention``) says is due on the day (default:
today in the centres' time zone) — oldest first, with its category, when it started, how long its
category is kept and the day it became due — and those kept because they are on hold; then, unless
``--dry-run``, deletes exactly those files from the recording store and marks their rows, showing
its progress.  ``--csv FILE`` writes the same list for the records.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from datetime import date
from pathlib import Path

from node.settings import Settings, SettingsError, load_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("recordings", help="recordings: apply the retention policy")
    commands = p.add_subparsers(dest="recordings_command", metavar="COMMAND")
    commands.required = True
    retention = commands.add_parser(
        "retention", help="delete the recordings the retention policy says are due"
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="list what would be deleted, delete nothing"
    )
    retention.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
    )
    retention.add_argument("--csv", type=Path, default=None, help="write the list to this CSV file too")
    retention.set_defaults(func=_retention)


def _retention(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.config) if args.config else load_settings()
    except SettingsError as exc:
        print(f"hotline recordings: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_run(settings, as_of=args.as_of, dry_run=args.dry_run, csv_path=args.csv))


async def _run(settings: Settings, *, as_of: date | None, dry_run: bool, csv_path: Path | None) -> int:
    from node.recording_store import recording_store
    from recordings.retention import parse_policy
    from recordings.retention_job import RetentionJob
    from storage.db import create_engine_from_settings, session_factory
    from storage.migrate import upgrade

    engine = create_engine_from_settings(settings.storage)
    try:
        await upgrade(engine)
        job = RetentionJob(
            session_factory(engine),
            recording_store(settings.recordings),
            parse_policy(settings.recordings.retention),
            timezone=settings.recordings.timezone,
        )
        plan = await job.plan(as_of)
        print(f"retention as of {plan.as_of}: policy {settings.recordings.retention}")
        print(f"{'recording':>10}  {'category':<14} {'started (UTC)':<20} {'kept':<6} due")
        for e in plan.deletions:
            r = e.recording
            started = f"{r.started_at:%Y-%m-%d %H:%M}"
            print(f"{r.recording_id:>10}  {r.category:<14} {started:<20} {e.period!s:<6} {e.deletable_from}")
        for e in plan.held:
            print(f"{e.recording.recording_id:>10}  {e.recording.category:<14} held (on hold: not deleted)")
        if csv_path is not None:
            with csv_path.open("w", newline="", encoding="utf-8-sig") as f:
                out = csv.writer(f)
                out.writerow(["recording_id", "category", "started_at", "kept", "due", "action"])
                for e, action in [(e, "delete") for e in plan.deletions] + [(e, "held") for e in plan.held]:
                    r = e.recording
                    out.writerow(
                        [
                            r.recording_id,
                            r.category,
                            r.started_at.isoformat(),
                            str(e.period),
                            e.deletable_from,
                            action,
                        ]
                    )
        if dry_run:
            print(f"dry run: {len(plan.deletions)} to delete, {len(plan.held)} held; nothing deleted")
            return 0

        def progress(n: int, total: int) -> None:
            print(f"\rdeleting {n}/{total}", end="" if n < total else "\n", flush=True)

        done = await job.run(plan.as_of, progress=progress)
        print(
            f"deleted {len(done.deleted)}, already gone {len(done.already_gone)}, failed {len(done.failed)}"
        )
        for recording_id, error in done.failed:
            print(f"  {recording_id}: {error}", file=sys.stderr)
        return 1 if done.failed else 0
    finally:
        await engine.dispose()
