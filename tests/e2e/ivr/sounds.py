"""Placeholder prompt audio for the end-to-end tests: a file of silence for every sound the IVR
can play, under the names ``hotline prompts build`` gives the real audio.

Why not the real audio: rendering every prompt with espeak-ng and ffmpeg takes over a minute
(and needs both tools); the simulator and the real Asterisk only need a file to exist and to
last a while.  The names come from the same catalogue as the real build
(:func:`prompts.audio.catalogue_jobs`, the demo knowledge entries, the catalogue's item names,
the digit sounds SAY NUMBER composes), so a prompt renamed in the code but not in the audio fails
here as it would on a real system.  Each file lasts in proportion to its text, so menus are longer than units.

Files are raw 8 kHz 16-bit signed linear (``.sln``), which both the simulator and Asterisk's
``format_sln`` play: ``<root>/<lang>/hotline/<prompt>.sln``, ``<root>/<lang>/digits/<n>.sln``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from demo.knowledge import demo_knowledge
from orders.audio_jobs import order_item_jobs
from prompts.audio import AudioJob, catalogue_jobs, knowledge_jobs
from prompts.language import Language
from storage.knowledge import prompt_id_for

SLN_BYTES_PER_SECOND = 16_000


@dataclass(frozen=True, slots=True)
class Pace:
    """How long a placeholder lasts: ``per_char_s`` per character of its text, within bounds."""

    per_char_s: float
    shortest_s: float
    longest_s: float

    def seconds(self, text: str) -> float:
        return min(self.longest_s, max(self.shortest_s, self.per_char_s * len(text)))


def demo_knowledge_jobs() -> list[AudioJob]:
    """The audio of the demo knowledge entries (``kb_<key>_v1``, both languages)."""
    entries: list[tuple[Language, str, str]] = []
    for entry in demo_knowledge():
        entries += [
            (Language.ZH, prompt_id_for(entry.key, 1), entry.text_zh),
            (Language.EN, prompt_id_for(entry.key, 1), entry.text_en),
        ]
    return knowledge_jobs(entries)


def placeholder_jobs(languages: tuple[Language, ...] = tuple(Language)) -> list[AudioJob]:
    jobs = catalogue_jobs(languages) + demo_knowledge_jobs() + order_item_jobs(None, languages)
    return [job for job in jobs if job.folder in languages]


def write_placeholders(
    root: Path, pace: Pace, *, jobs: list[AudioJob] | None = None, keep_existing: bool = False
) -> list[Path]:
    """Write a silent ``.sln`` for each job under ``root``; returns the files written."""
    written: list[Path] = []
    for job in placeholder_jobs() if jobs is None else jobs:
        path = root / job.folder.value / f"{job.name}.sln"
        if keep_existing and path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        samples = round(pace.seconds(job.text) * SLN_BYTES_PER_SECOND / 2)
        path.write_bytes(bytes(2 * samples))
        written.append(path)
    return written
