"""Settings of the FastAGI server: where it listens, limits and time-outs."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AgiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # loopback by default: FastAGI has no authentication, so only Asterisk may reach it
    host: str = "127.0.0.1"
    port: int = Field(4573, ge=0, le=65535)
    # the Asterisk servers (addresses or networks) whose connections are served; others are closed
    allowed_peers: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    # a session is served only for a channel the AMI state knows (same uniqueid, caller ID and
    # context); how long to wait (with back-off) for its events to arrive before refusing it
    trust_wait_s: float = Field(default=3.0, ge=0)
    # what the dialplan is told to connect to (agi://<advertise_host>:<port>/...)
    advertise_host: str = "127.0.0.1"
    max_sessions: int = Field(2000, gt=0)
    # seconds to wait for a reply: quick commands; playback (STREAM FILE, SAY, GET DATA prompt); EXEC
    command_timeout_s: float = Field(default=10.0, gt=0)
    media_timeout_s: float = Field(default=600.0, gt=0)
    exec_timeout_s: float = Field(default=4 * 3600.0, gt=0)
    # added to a digit wait's own time-out (WAIT FOR DIGIT, GET DATA)
    timeout_margin_s: float = Field(default=5.0, ge=0)
    # on shutdown: how long running calls may finish before their handlers are cancelled
    drain_timeout_s: float = Field(default=5.0, ge=0)

    @field_validator("allowed_peers")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the entry
        return value
