"""The IVR bench's caller pace (``bench/ivr_pace.py``): at the stress pace every sound takes the
fixed time; with rendered prompts each takes its audio's length, in the channel's language."""

from __future__ import annotations

import asyncio
import random
import wave
from pathlib import Path

import pytest

from bench.ivr import SCRIPTS, ScriptedLine, Window
from bench.ivr_pace import STRESS_PACE, Pace, SoundLengths, cache_folder, rendered_prompts
from sim.media import zh_number_files


def write_wav(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * round(seconds * 8000))


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    write_wav(tmp_path / "zh/hotline/welcome.wav", 3.0)
    write_wav(tmp_path / "en/hotline/welcome.wav", 1.5)
    for name in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "hundred", "thousand"):
        write_wav(tmp_path / f"zh/digits/{name}.wav", 0.25)
    return tmp_path


def test_the_stress_pace_gives_every_sound_the_same_time() -> None:
    sounds = SoundLengths(STRESS_PACE)
    assert sounds.file("hotline/welcome", "zh") == STRESS_PACE.prompt_s
    assert sounds.digits("123456", "zh") == sounds.number(4321, "en") == STRESS_PACE.say_s


def test_rendered_prompts_last_as_long_as_their_audio(prompts: Path) -> None:
    sounds = SoundLengths(Pace(prompt_s=0.4, prompts_dir=str(prompts)))
    assert sounds.file("hotline/welcome", "zh") == pytest.approx(3.0)
    assert sounds.file("hotline/welcome", "en") == pytest.approx(1.5)
    assert sounds.file("hotline/not_rendered", "zh") == 0.4  # a sound the folder lacks
    assert sounds.digits("1#2", "zh") == pytest.approx(0.5 + 0.4)  # "#": digits/pound, not rendered
    pieces = zh_number_files(1234)
    expected = sum(0.25 if (prompts / "zh" / f"{p}.wav").exists() else 0.4 for p in pieces)
    assert sounds.number(1234, "zh") == pytest.approx(expected) and len(pieces) > 4


async def test_a_line_plays_in_the_language_the_ivr_set(prompts: Path) -> None:
    pace = Pace(prompt_s=0.4, prompts_dir=str(prompts))
    line = ScriptedLine(1, SCRIPTS[0], pace, random.Random(1), Window(0.0, 0.0, []))
    line.set_variable("CHANNEL(language)", "zh")
    loop = asyncio.get_running_loop()
    began = loop.time()
    outcome = await line.play("hotline/welcome", "")
    assert loop.time() - began >= 2.9 and outcome.endpos == 24_000
    line.set_variable("CHANNEL(language)", "en")
    assert (await line.play("hotline/welcome", "")).endpos == 12_000


def _ivr_args(*extra: str) -> object:
    from cli.main import build_parser

    return build_parser().parse_args(["bench", "ivr", *extra])


def test_the_command_runs_at_a_callers_pace_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """1,000 concurrent calls are callers hearing the shipped prompts: the default level starts
    there, with each sound as long as its rendered audio; the stress pace keeps its own levels."""
    from cli.commands import bench as command

    asked: dict[str, object] = {}

    async def run(sessions: int, duration_s: float, **kwargs: object) -> dict[str, object]:
        asked.update(kwargs, sessions=sessions, duration_s=duration_s)
        return {}

    monkeypatch.setattr("bench.ivr.run", run)
    monkeypatch.setattr("bench.ivr_pace.rendered_prompts", lambda folder, progress: folder or tmp_path)
    command._ivr(_ivr_args())  # type: ignore[arg-type]
    assert asked["sessions"] == 1600 and asked["start"] == 1000
    assert (asked["duration_s"], asked["ramp_s"]) == (120.0, 60.0)
    assert asked["pace"] == Pace(think_s=1.0, prompts_dir=str(tmp_path))
    command._ivr(_ivr_args("--pace", "stress", "--start", "20"))  # type: ignore[arg-type]
    assert (asked["start"], asked["duration_s"], asked["ramp_s"]) == (20, 10.0, None)
    assert asked["pace"] == STRESS_PACE
    with pytest.raises(SystemExit, match="caller's pace"):
        command._ivr(_ivr_args("--pace", "stress", "--prompts", str(tmp_path)))  # type: ignore[arg-type]


def test_the_shipped_prompts_are_rendered_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from prompts import audio

    jobs = [job for job in audio.catalogue_jobs() if job.key.endswith(("/welcome", "digits/1"))]
    assert len(jobs) >= 2
    monkeypatch.setattr(audio, "catalogue_jobs", lambda: jobs)
    done: list[int] = []
    folder = rendered_prompts(tmp_path / "cache", progress=lambda n, total: done.append(total))
    assert done and done[-1] == len(jobs)
    sounds = SoundLengths(Pace(prompts_dir=str(folder)))
    assert sounds.file("hotline/welcome", "zh") > 1.0  # the audio's own length, not the 0.4 s
    done.clear()
    rendered_prompts(tmp_path / "cache", progress=lambda n, total: done.append(total))
    assert not done  # nothing rendered again


def test_the_cache_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "hotline" / "bench-prompts"
