"""Settings of the desk services."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class DeskSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # 自动回复: how the customer of a closed ticket is told — "voice": a call by the outbound dialer
    # where the node runs it (else recorded only, as "log"); "log": recorded, nobody is called;
    # "off": nothing
    auto_reply: Literal["voice", "log", "off"] = "voice"
