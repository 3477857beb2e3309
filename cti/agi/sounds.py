"""Where Asterisk finds our sounds: the rendered prompts folder, played by absolute path.

Asterisk looks for a relative sound name (``hotline/welcome``) under its own
``sounds/<language>/`` folder, which is not where ``hotline prompts build`` writes them (``[ivr]
prompts_dir``, ``<lang>/hotline/…``).  A :class:`SoundFolder` turns a relative name into the absolute
path, without extension, of the file in that folder for the channel's language — what STREAM FILE
and GET DATA accept — when the folder has it; any other name (Asterisk's own ``beep``, a number's
``digits/…``, a path already absolute) goes out unchanged.  Asterisk must see the folder at the same
path (a shared volume in docker/compose.production.yml).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["FORMATS", "SoundFolder"]

# the formats `hotline prompts build` writes, and what else Asterisk plays
FORMATS = ("wav", "gsm", "ulaw", "alaw", "sln", "g722")


@dataclass(frozen=True, slots=True)
class SoundFolder:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", self.root.resolve())

    def name_for(self, name: str, language: str) -> str:
        """What to ask Asterisk to play for sound ``name`` on a channel speaking ``language``."""
        if not name or name.startswith("/"):
            return name
        for folder in (self.root / language, self.root):
            base = folder / name
            if any(base.with_name(f"{base.name}.{ext}").is_file() for ext in FORMATS):
                return str(base)
        return name
