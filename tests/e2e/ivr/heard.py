"""What a caller heard, read two ways so the tests can compare them:

- from the AGI commands the IVR sent (AMI ``AGIExecStart`` events, which the simulator and the
  real Asterisk both publish): ``hotline/welcome`` for STREAM FILE and GET DATA's prompt,
  ``number:123`` for SAY NUMBER, ``digits:00000034`` for SAY DIGITS;
- from the files the simulated channel played (``caller.channel.heard``), where SAY NUMBER and
  SAY DIGITS have become ``digits/...`` files.

:func:`as_files` turns the first into the second (with the simulator's SAY NUMBER rules, which
``tests/sim`` checks against Asterisk's ``say.c``).
"""

from __future__ import annotations

from collections.abc import Iterable

from cti.agi.protocol import parse_command_line
from sim.media import SoundLibrary, digit_files

MEDIA = {
    ("STREAM", "FILE"): "",
    ("GET", "DATA"): "",  # its prompt (none: an entry read on after a restart)
    ("SAY", "NUMBER"): "number:",
    ("SAY", "DIGITS"): "digits:",
}


def media_commands(lines: Iterable[str]) -> list[str]:
    """The STREAM FILE / SAY NUMBER / SAY DIGITS commands among ``lines``, as heard items."""
    out: list[str] = []
    for line in lines:
        argv = parse_command_line(line)
        prefix = MEDIA.get((argv[0].upper(), argv[1].upper())) if len(argv) > 2 else None
        if prefix is not None and argv[2]:
            out.append(prefix + argv[2])
    return out


def digit_waits(lines: Iterable[str]) -> list[int]:
    """The time-outs of the WAIT FOR DIGIT commands among ``lines``."""
    out: list[int] = []
    for line in lines:
        argv = parse_command_line(line)
        if [w.upper() for w in argv[:3]] == ["WAIT", "FOR", "DIGIT"]:
            out.append(int(argv[3]))
    return out


def as_files(items: Iterable[str], language: str) -> list[str]:
    """Heard items as the sound files the PBX plays for them."""
    library = SoundLibrary()
    out: list[str] = []
    for item in items:
        if item.startswith("number:"):
            out += library.number_files(int(item.removeprefix("number:")), language)
        elif item.startswith("digits:"):
            out += digit_files(item.removeprefix("digits:"))
        else:
            out.append(item)
    return out


def up_to(items: list[str], last: str) -> list[str]:
    """``items`` up to and including the first ``last``."""
    return items[: items.index(last) + 1]
