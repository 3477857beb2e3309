"""``hotline ivr check FILE``: validate a menu, print its tree, report prompts without audio.

Exit status: 0 the menu is valid and every prompt it can play has audio; 1 the menu is invalid
(each problem is printed with its node and field); 2 the menu is valid but audio is missing
(``hotline prompts build`` makes it).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from node.settings import load_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ivr", help="IVR menus")
    ivr_sub = p.add_subparsers(dest="ivr_command", metavar="SUBCOMMAND")
    ivr_sub.required = True
    check = ivr_sub.add_parser("check", help="validate a menu file, print its tree, report missing audio")
    check.add_argument("file", help="menu YAML file (e.g. ivr/menus/hotline.yaml)")
    check.add_argument("--prompts-dir", default=None, help="prompt audio folder (default: ivr.prompts_dir)")
    check.add_argument("--no-audio", action="store_true", help="do not look for prompt audio")
    check.add_argument(
        "--url", default=None, help="also check the audio of this database's knowledge entries"
    )
    check.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    from ivr.actions.catalogue import VOCABULARY
    from ivr.menu_loader import MenuError, load_menu
    from ivr.menu_tree import render_tree
    from orders.audio_jobs import order_item_jobs
    from prompts.audio import catalogue_jobs, missing_audio
    from prompts.language import Language

    try:
        menu = load_menu(args.file, VOCABULARY)
    except MenuError as exc:
        print(f"INVALID {exc}")
        return 1
    print(render_tree(menu))
    unreachable = menu.unreachable()
    if unreachable:
        print(f"\nwarning: never reached from start/home/agent: {', '.join(unreachable)}")
    print(f"\nOK {args.file}: {len(menu.nodes)} nodes")
    if args.no_audio:
        return 0
    settings = load_settings(args.config) if args.config else load_settings()
    prompts_dir = Path(args.prompts_dir) if args.prompts_dir else settings.ivr.prompts_dir
    jobs = catalogue_jobs(tuple(Language)) + order_item_jobs(settings.orders.catalogue_file, tuple(Language))
    if args.url:
        from prompts.audio import knowledge_jobs
        from storage.knowledge import knowledge_prompts
        from storage.settings import StorageSettings

        jobs += knowledge_jobs(asyncio.run(knowledge_prompts(StorageSettings(url=args.url))))
    missing = missing_audio(jobs, prompts_dir)
    if not missing:
        print(f"audio: every prompt has audio in {prompts_dir}")
        return 0
    print(f"audio: {len(missing)} prompt file(s) missing in {prompts_dir} (run `hotline prompts build`):")
    for job in missing:
        print(f"  {job.key}  {job.text}")
    return 2
