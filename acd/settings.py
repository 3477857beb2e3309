"""Settings of the ACD: its store (memory, or Redis shared by every node), timers, rules."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class RedisSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = "redis://127.0.0.1:6379/0"
    key_prefix: str = "hotline"
    # Redis Sentinel (acd/redis_link.py): when set, the primary of ``sentinel_service`` is found
    # through these ``host:port`` Sentinels and ``url`` is not used; ``db`` and ``password`` are
    # then those of the data servers
    sentinels: list[str] = Field(default_factory=list)
    sentinel_service: str = "hotline"
    db: int = Field(default=0, ge=0)
    password: str | None = None
    # commands are retried this long while the connection breaks or the primary changes
    failover_s: float = Field(default=15.0, ge=0)
    connect_timeout_s: float = Field(default=1.0, gt=0)
    # connections per node; a command waits for a free one (up to command_timeout_s) rather than fail
    max_connections: int = Field(default=500, gt=0)
    command_timeout_s: float = Field(default=5.0, gt=0)
    # each ACD decision waits until this many replicas hold it (WAIT), so a failover loses none
    wait_replicas: int = Field(default=0, ge=0)
    wait_timeout_ms: int = Field(default=1000, gt=0)

    @field_validator("sentinels")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for text in value:
            host, sep, port = text.rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"a sentinel is host:port, not {text!r}")
        return value


class AcdSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    store: Literal["memory", "redis"] = "memory"
    wrapup_s: float = Field(default=10.0, ge=0)
    ring_timeout_s: float = Field(default=15.0, gt=0)
    service_level_threshold_s: float = Field(default=20.0, gt=0)
    # the centre's time zone: the wallboards' counters (answered, abandoned, service level) are
    # the local day's and start again at midnight ("": never, counted from the start)
    timezone: str = "Asia/Shanghai"
    node_id: str = "node-1"
    presence_ttl_s: float = Field(default=15.0, gt=0)
    rules_file: Path | None = None
    # a waiting caller hears their place in line and the expected wait this often
    announce_interval_s: float = Field(default=30.0, gt=0)
    # offer "press 1 to be called back" to waiting callers whose number is known
    callback: bool = True
    # which numbers may be called back: domestic (mainland mobiles and landlines), registered
    # (numbers of customers on record only) or any (cti/acd_bridge/callback_numbers.py)
    callback_numbers: Literal["domestic", "registered", "any"] = "domestic"
    # a callback whose customer does not answer (busy, no answer) is tried again after each of these
    # delays in turn, keeping its place in line; after the last it is given up
    callback_retry_s: list[float] = Field(default_factory=lambda: [300.0, 900.0])
    moh_class: str = "default"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            if value:
                ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)") from None
        return value
