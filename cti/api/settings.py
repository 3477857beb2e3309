"""Settings of the HTTP API and pages: where they listen, tokens, sign-in limits, WebSocket."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, field_validator

# for the demo only: ``hotline serve`` refuses to start with it
DEMO_TOKEN_KEY = "hotline-demo-token-key-change-me"


class ApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    token_key: str = DEMO_TOKEN_KEY
    token_ttl_s: int = Field(8 * 3600, gt=0)
    # sign-in attempts a minute: one user from one client address; one address; one user from anywhere
    login_attempts_per_minute: int = Field(5, gt=0)
    login_attempts_per_address: int = Field(20, gt=0)
    login_attempts_per_user: int = Field(20, gt=0)
    # reverse proxies (addresses or networks) whose X-Forwarded-For names the client; from anyone
    # else the header is ignored
    trusted_proxies: list[str] = Field(default_factory=list)
    # /metrics: with a token, only to "Authorization: Bearer <metrics_token>"; without one, only to
    # clients on this host (loopback) — it names the AMI host and counts sign-in outcomes
    metrics_token: str | None = None
    # the HTTP server: seconds to send a request's headers; to keep an idle connection open;
    # connections at once from one address (trusted proxies are not capped)
    header_timeout_s: float = Field(10.0, gt=0)
    keepalive_timeout_s: float = Field(15.0, gt=0)
    max_connections_per_address: int = Field(256, gt=0)
    # a disabled user's tokens and sockets stop working within this many seconds on every node
    access_recheck_s: float = Field(1.0, ge=0)
    # bind host:port when the node starts (hotline serve); the demo binds with --web PORT instead
    listen: bool = False
    # messages kept per WebSocket client before the oldest are dropped (a slow client)
    ws_queue_size: int = Field(256, gt=0)
    # at most one WebSocket frame a client this often (seconds): what comes in between shares it
    ws_frame_interval_s: float = Field(0.015, ge=0, le=1.0)
    # the wallboard is pushed at most this often while the ACD changes, and every 5 s anyway
    wallboard_interval_s: float = Field(0.5, gt=0)
    # /health: how long each dependency (AMI, database, Redis) may take to answer before it counts as down
    health_timeout_s: float = Field(2.0, gt=0)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the entry
        return value
