"""Settings of the IVR: the menu file, prompts, languages, PIN lock-out, time zone."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class IvrSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    menu_file: Path | None = None
    prompts_dir: Path = Path("var/prompts")
    # play the prompts found in prompts_dir by absolute path (<prompts_dir>/<lang>/hotline/<file>), so
    # Asterisk finds them wherever the folder is (it must read it at the same path); false: by name
    # (hotline/<file>), when prompts_dir is Asterisk's own sounds folder seen at another path
    prompts_by_path: bool = True
    default_language: Literal["zh", "en"] = "zh"
    # prefecture of callers who are not customers, unless the AGI URL says ?prefecture=<code>
    default_prefecture: str = "province"
    # service PIN: this many wrong entries lock self-service for this long (also for later calls)
    pin_max_failures: int = Field(default=3, ge=1, le=10)
    pin_lock_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # local time zone for dates read to callers (bill period, due dates)
    timezone: str = "Asia/Shanghai"
