"""The audio the IVR needs for the service catalogue: each item's name, in both languages, as
``hotline/order_item_<code>`` (rendered by ``hotline prompts build``, checked by ``hotline ivr
check``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from orders.catalogue import load_catalogue
from prompts.audio import AudioJob, knowledge_jobs
from prompts.language import Language

__all__ = ["order_item_jobs"]


def order_item_jobs(catalogue_file: Path | None, languages: Iterable[Language]) -> list[AudioJob]:
    wanted = set(languages)
    names = load_catalogue(catalogue_file).names()
    entries = [(Language.ZH, prompt_id, zh) for prompt_id, zh, _ in names] + [
        (Language.EN, prompt_id, en) for prompt_id, _, en in names
    ]
    return knowledge_jobs(e for e in entries if e[0] in wanted)
