"""Simulated callers who reach the ACD without the IVR: a dialplan for benches and tests.

``write_dialplan(path, lines)`` writes an ``extensions.conf`` that includes the shipped one and
adds ``[acd-callers]``: each extension sets the hand-off variables the IVR would have set
(:mod:`ivr.handoff`) and sends the caller to ``[acd-wait]``.  A scripted caller dialling that
extension in that context is then, for the ACD, exactly a caller the IVR handed over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CALLERS_CONTEXT", "SHIPPED_DIALPLAN", "Line", "write_dialplan"]

SHIPPED_DIALPLAN = Path(__file__).resolve().parents[1] / "dialplan" / "extensions.conf"
CALLERS_CONTEXT = "acd-callers"


@dataclass(frozen=True, slots=True)
class Line:
    """What the IVR hands over for callers of one kind."""

    skill: str = "general"
    min_level: str = "junior"
    segment: str = "normal"
    prefecture: str = "lanzhou"
    language: str = "zh"


def write_dialplan(path: Path, lines: Mapping[str, Line], *, include: Path = SHIPPED_DIALPLAN) -> Path:
    """``path`` holding the shipped dialplan plus ``[acd-callers]`` with one extension per line
    (extensions are digits)."""
    out = [f'#include "{include.resolve()}"', "", f"[{CALLERS_CONTEXT}]"]
    for exten, line in lines.items():
        if not exten.isdigit():
            raise ValueError(f"extension {exten!r}: digits only")
        out += [
            f"exten => {exten},1,NoOp(caller for {line.skill} {line.segment} {line.prefecture})",
            " same => n,Answer()",
            f" same => n,Set(HOTLINE_SKILL={line.skill})",
            f" same => n,Set(HOTLINE_MIN_LEVEL={line.min_level})",
            f" same => n,Set(HOTLINE_LANGUAGE={line.language})",
            f" same => n,Set(HOTLINE_SEGMENT={line.segment})",
            " same => n,Set(HOTLINE_PRIORITY=0)",
            f" same => n,Set(HOTLINE_PREFECTURE={line.prefecture})",
            " same => n,Set(HOTLINE_OUTCOME=queue)",
            " same => n,Goto(acd-wait,s,1)",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n")
    return path
