"""Rendering prompts to the audio Asterisk plays, and finding prompts that have none yet.

Layout (Asterisk's language sub-folder convention)::

    <prompts_dir>/<lang>/hotline/<file>.{wav,gsm,ulaw}   the catalogue's pieces, knowledge entries
    <prompts_dir>/<lang>/digits/<name>.{wav,gsm,ulaw}    what SAY NUMBER / SAY DIGITS play

Each file is spoken by espeak-ng (Mandarin voice ``cmn``, English ``en-us``), then converted with
pydub (ffmpeg) to 8 kHz mono 16-bit WAV, raw GSM 06.10 and raw mu-law. A manifest in the prompts
folder remembers what text and voice each file was made from, so a rebuild only renders what
changed. Needs the Debian packages ``espeak-ng`` and ``ffmpeg``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydub import AudioSegment

from prompts.catalogue import PROMPTS
from prompts.digit_sounds import digit_sounds
from prompts.language import Language
from prompts.speech import SOUND_FOLDER

FORMATS = ("wav", "gsm", "ulaw")
SAMPLE_RATE = 8000
VOICES = {Language.ZH: "cmn", Language.EN: "en-us"}
MANIFEST = ".hotline-prompts.json"
RENDER_VERSION = "1"


class PromptBuildError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class AudioJob:
    folder: Language  # the language folder callers of that language hear it from
    voice: Language
    name: str  # relative to the language folder, without extension: "hotline/welcome", "digits/7"
    text: str

    @property
    def key(self) -> str:
        return f"{self.folder.value}/{self.name}"

    @property
    def fingerprint(self) -> str:
        raw = "\0".join((RENDER_VERSION, VOICES[self.voice], self.text))
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def path(self, prompts_dir: Path, fmt: str) -> Path:
        return prompts_dir / self.folder.value / f"{self.name}.{fmt}"


@dataclass
class BuildReport:
    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def catalogue_jobs(languages: Iterable[Language] = tuple(Language)) -> list[AudioJob]:
    """Every piece of every prompt, and the digit sounds, for ``languages``."""
    jobs: list[AudioJob] = []
    for lang in languages:
        for p in PROMPTS.values():
            for piece in p.pieces(lang):
                jobs.append(AudioJob(lang, p.voice(lang), f"{SOUND_FOLDER}/{piece.file}", piece.text))
        for name, text in digit_sounds(lang).items():
            jobs.append(AudioJob(lang, lang, f"digits/{name}", text))
    return jobs


def knowledge_jobs(entries: Iterable[tuple[Language, str, str]]) -> list[AudioJob]:
    """Jobs for knowledge entries given as (language, prompt id, text)."""
    return [AudioJob(lang, lang, f"{SOUND_FOLDER}/{prompt_id}", text) for lang, prompt_id, text in entries]


def missing_audio(jobs: Sequence[AudioJob], prompts_dir: Path) -> list[AudioJob]:
    """Jobs whose WAV file does not exist (the other formats are made with it)."""
    return [job for job in jobs if not job.path(prompts_dir, "wav").is_file()]


def check_tools() -> None:
    for tool in ("espeak-ng", "ffmpeg"):
        if shutil.which(tool) is None:
            raise PromptBuildError(f"{tool} not found: install it (apt-get install espeak-ng ffmpeg)")


def build(
    jobs: Sequence[AudioJob],
    prompts_dir: Path,
    *,
    force: bool = False,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Render ``jobs`` into ``prompts_dir``; files already made from the same text are kept.

    ``progress(done, total)`` is called after each file rendered."""
    check_tools()
    manifest_path = prompts_dir / MANIFEST
    manifest: dict[str, str] = {}
    if manifest_path.is_file() and not force:
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            manifest = {}
    report = BuildReport()
    todo = []
    for job in jobs:
        complete = all(job.path(prompts_dir, fmt).is_file() for fmt in FORMATS)
        if complete and manifest.get(job.key) == job.fingerprint:
            report.unchanged.append(job.key)
        else:
            todo.append(job)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = pool.map(lambda j: _render_safely(j, prompts_dir), todo)
        for done, (job, error) in enumerate(zip(todo, results, strict=True), 1):
            if progress is not None:
                progress(done, len(todo))
            if error is None:
                manifest[job.key] = job.fingerprint
                report.rendered.append(job.key)
            else:
                report.failed[job.key] = error
    prompts_dir.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False))
    return report


def _render_safely(job: AudioJob, prompts_dir: Path) -> str | None:
    try:
        render(job, prompts_dir)
    except (OSError, subprocess.SubprocessError, PromptBuildError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def render(job: AudioJob, prompts_dir: Path) -> None:
    """Speak ``job.text`` and write the three formats Asterisk plays."""
    target = job.path(prompts_dir, "wav")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hotline-tts-") as tmp:
        raw = Path(tmp) / "speech.wav"
        proc = subprocess.run(
            ["espeak-ng", "-v", VOICES[job.voice], "-s", "170", "-w", str(raw), job.text],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if proc.returncode != 0 or not raw.is_file():
            raise PromptBuildError(f"espeak-ng failed for {job.key}: {proc.stderr.strip()}")
        audio = AudioSegment.from_wav(raw).set_frame_rate(SAMPLE_RATE).set_channels(1).set_sample_width(2)
        audio.export(job.path(prompts_dir, "wav"), format="wav").close()
        audio.export(job.path(prompts_dir, "gsm"), format="gsm", codec="libgsm").close()
        audio.export(job.path(prompts_dir, "ulaw"), format="mulaw").close()


def show_progress(done: int, total: int) -> None:
    """A ``progress`` for :func:`build` on a terminal: one line, rewritten as prompts are rendered."""
    end = "\n" if done == total else ""
    print(f"\rrendering prompts: {done}/{total}", end=end, file=sys.stderr, flush=True)
