"""Settings of the AMI client: which Asterisk, the credentials, time-outs, reconnection."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# for the demo and the simulator only: ``hotline serve`` refuses to start with it
DEMO_AMI_SECRET = "hotline-demo"


class AmiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=5038, ge=1, le=65535)
    username: str = "hotline"
    secret: str = DEMO_AMI_SECRET
    action_timeout_s: float = Field(default=10.0, gt=0)
    ping_interval_s: float = Field(default=5.0, gt=0)
    # no reply to a Ping within this long: the connection is declared dead (half-open TCP)
    ping_timeout_s: float = Field(default=5.0, gt=0)
    reconnect_min_s: float = Field(default=0.2, gt=0)
    reconnect_max_s: float = Field(default=10.0, gt=0)
    # "md5": Challenge + Login with Key=md5(challenge+secret), so the secret never crosses the wire
    auth: Literal["plain", "md5"] = "plain"
    # each event/state-change subscription holds at most this many items; when full the oldest is dropped
    subscription_queue_size: int = Field(default=10_000, gt=0)
