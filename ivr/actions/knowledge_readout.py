"""Consultation (业务咨询): the knowledge entries on a topic, read one after another.

While an entry plays, ``1`` skips to the next one and ``*`` starts it again; ``#`` and ``0`` go
back to the engine (back, agent), and any other key ends the reading and is passed on. An entry
whose audio is missing is skipped (and logged); a topic with nothing playable is ``empty``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ivr.actions.action import ActionResult, action
from ivr.call import KEYS, IvrCall
from prompts.speech import SOUND_FOLDER, play
from storage.knowledge import Topic, entries_for

NEXT_KEY = "1"
REPEAT_KEY = "*"


@action(
    "read_knowledge", {"done", "empty"}, required={"topic"}, arg_values={"topic": {t.value for t in Topic}}
)
async def read_knowledge(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Read the knowledge entries on ``args.topic`` in the caller's language."""
    topic = Topic(args["topic"])
    async with call.sessions() as db:
        entries = await entries_for(db, topic, call.language, call.caller.prefecture, now=call.clock())
    if not entries:
        return ActionResult("empty")
    key = await call.say(play("kb_intro"))
    if key not in (None, NEXT_KEY):
        return ActionResult("done", key)
    heard = 0
    for entry in entries:
        while True:
            playback = await call.channel.stream_file(f"{SOUND_FOLDER}/{entry.prompt_id}", KEYS)
            if not playback.ok:
                call.log.warning("ivr.knowledge_audio_missing", prompt_id=entry.prompt_id, entry_id=entry.id)
                break
            heard += 1
            call.served = True
            if playback.digit != REPEAT_KEY:
                break
        if playback.digit not in (None, NEXT_KEY, REPEAT_KEY):
            return ActionResult("done", playback.digit)
    if not heard:
        return ActionResult("empty")
    return ActionResult("done", await call.say(play("kb_end")))
