"""``hotline prompts build``: render every prompt (both languages), the digit sounds, the names of the
service catalogue's items and, with ``--url``, the knowledge entries of a store to the audio
Asterisk plays (see :mod:`prompts.audio`)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from node.settings import load_settings
from prompts.language import Language
from storage.settings import StorageSettings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("prompts", help="IVR prompt audio")
    prompts_sub = p.add_subparsers(dest="prompts_command", metavar="SUBCOMMAND")
    prompts_sub.required = True
    build = prompts_sub.add_parser("build", help="render prompts with espeak-ng to 8 kHz WAV, GSM and mu-law")
    build.add_argument("--prompts-dir", default=None, help="output folder (default: ivr.prompts_dir)")
    build.add_argument("--language", choices=("zh", "en"), action="append", help="only this language")
    build.add_argument(
        "--url",
        default=None,
        help="also render the knowledge entries of this database (its schema is created when missing)",
    )
    build.add_argument("--force", action="store_true", help="render everything again")
    build.add_argument("--workers", type=int, default=2)
    build.set_defaults(func=_build)


def _build(args: argparse.Namespace) -> int:
    from orders.audio_jobs import order_item_jobs
    from prompts.audio import PromptBuildError, build, catalogue_jobs, knowledge_jobs, show_progress

    settings = load_settings(args.config) if args.config else load_settings()
    prompts_dir = Path(args.prompts_dir) if args.prompts_dir else settings.ivr.prompts_dir
    languages = tuple(Language(code) for code in (args.language or ("zh", "en")))
    jobs = catalogue_jobs(languages) + order_item_jobs(settings.orders.catalogue_file, languages)
    if args.url:
        entries = asyncio.run(_knowledge(StorageSettings(url=args.url)))
        jobs += knowledge_jobs(e for e in entries if e[0] in languages)
    try:
        report = build(jobs, prompts_dir, force=args.force, workers=args.workers, progress=show_progress)
    except PromptBuildError as exc:
        print(f"hotline prompts build: {exc}")
        return 1
    print(
        f"prompts in {prompts_dir}: {len(report.rendered)} rendered, {len(report.unchanged)} unchanged, "
        f"{len(report.failed)} failed"
    )
    for key, error in sorted(report.failed.items()):
        print(f"  FAILED {key}: {error}")
    return 1 if report.failed else 0


async def _knowledge(storage: StorageSettings) -> list[tuple[Language, str, str]]:
    """The knowledge entries to render; on a new database (the production stack's first start,
    before any node has run) the schema is created first, as ``hotline serve`` does."""
    from storage.db import create_engine_from_settings
    from storage.knowledge import knowledge_prompts
    from storage.migrate import upgrade

    engine = create_engine_from_settings(storage)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return await knowledge_prompts(storage)
