"""Switching the call's language (Mandarin ⇄ English) by key."""

from __future__ import annotations

from collections.abc import Mapping

from ivr.actions.action import ActionResult, action
from ivr.call import IvrCall
from prompts.language import Language


@action("switch_language", {"ok"}, optional={"to"})
async def switch_language(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Change the call's language to ``args.to`` (zh or en), or to the other one."""
    wanted = args.get("to")
    if wanted in {lang.value for lang in Language}:
        language = Language(wanted)
    else:
        language = Language.EN if call.language is Language.ZH else Language.ZH
    await call.set_language(language)
    return ActionResult("ok")
