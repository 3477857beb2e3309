"""One typed settings object for the whole service.

Sources, strongest first: keyword arguments (tests), ``HOTLINE_*`` environment variables
(nested keys joined with ``__``, e.g. ``HOTLINE_AMI__PORT=5039``), the TOML file named by
``HOTLINE_CONFIG`` or passed to :func:`load_settings`, then the defaults below, which are the
embedded defaults ``hotline demo`` runs on (simulated Asterisk, in-memory ACD, SQLite).

Secrets (AMI secret, token signing key, database passwords) have no default worth keeping in
production: ``hotline serve`` refuses to start while they still hold the demo values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEMO_AMI_SECRET = "hotline-demo"
DEMO_TOKEN_KEY = "hotline-demo-token-key-change-me"


class Section(BaseModel):
    """A settings section: a misspelt key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class AmiSettings(Section):
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


class AgiSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(4573, ge=0, le=65535)
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


class SimSettings(Section):
    ami_port: int = Field(5038, ge=0, le=65535)
    ami_user: str = "hotline"
    ami_secret: str = DEMO_AMI_SECRET
    dialplan: Path = Path("dialplan/extensions.conf")
    scenario: Path | None = None
    # 1.0 = real time; 10.0 = media, waits and phone timings run ten times faster
    speed: float = Field(1.0, gt=0)
    recordings_dir: Path = Path("var/recordings")
    sounds_dir: Path = Path("var/prompts")


class StorageSettings(Section):
    url: str = "sqlite+aiosqlite:///var/hotline.sqlite3"
    echo: bool = False


class RedisSettings(Section):
    url: str = "redis://127.0.0.1:6379/0"
    key_prefix: str = "hotline"


class AcdSettings(Section):
    store: Literal["memory", "redis"] = "memory"
    wrapup_s: float = Field(default=10.0, ge=0)
    ring_timeout_s: float = Field(default=15.0, gt=0)
    service_level_threshold_s: float = Field(default=20.0, gt=0)
    node_id: str = "node-1"
    presence_ttl_s: float = Field(default=15.0, gt=0)
    rules_file: Path | None = None
    # a waiting caller hears their place in line and the expected wait this often
    announce_interval_s: float = Field(default=30.0, gt=0)
    # offer "press 1 to be called back" to waiting callers whose number is known
    callback: bool = True
    moh_class: str = "default"


class ApiSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    token_key: str = DEMO_TOKEN_KEY
    token_ttl_s: int = Field(8 * 3600, gt=0)
    login_attempts_per_minute: int = Field(5, gt=0)
    # bind host:port when the node starts (hotline serve); the demo binds with --web PORT instead
    listen: bool = False
    # messages kept per WebSocket client before the oldest are dropped (a slow client)
    ws_queue_size: int = Field(256, gt=0)
    # the wallboard is pushed at most this often while the ACD changes, and every 5 s anyway
    wallboard_interval_s: float = Field(0.5, gt=0)


class IvrSettings(Section):
    menu_file: Path | None = None
    prompts_dir: Path = Path("var/prompts")
    default_language: Literal["zh", "en"] = "zh"
    # prefecture of callers who are not customers, unless the AGI URL says ?prefecture=<code>
    default_prefecture: str = "province"
    # service PIN: this many wrong entries lock self-service for this long (also for later calls)
    pin_max_failures: int = Field(default=3, ge=1, le=10)
    pin_lock_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # local time zone for dates read to callers (bill period, due dates)
    timezone: str = "Asia/Shanghai"


class RecordingSettings(Section):
    # the archive: post-processed recordings, <directory>/<prefecture>/<yyyy>/<mm>/<dd>/<uniqueid>.<format>
    directory: Path = Path("var/recordings")
    format: Literal["wav", "mp3", "ogg"] = "wav"
    # where this node reads the files MixMonitor writes (Asterisk's monitor spool, mounted here);
    # None: the path Asterisk reports is readable as it is (same host, or the simulator)
    spool_dir: Path | None = None
    # loudness the archived file is brought to (dBFS of its average), None to leave it
    normalize_dbfs: float | None = -20.0
    # remove the spool file once archived
    delete_source: bool = True


class LogSettings(Section):
    level: str = "INFO"
    format: Literal["console", "json"] = "console"


class Settings(BaseSettings):
    """Everything configurable, checked at start-up; errors name the key."""

    model_config = SettingsConfigDict(
        env_prefix="HOTLINE_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    tenant: str = "province"
    ami: AmiSettings = AmiSettings()
    agi: AgiSettings = AgiSettings()
    sim: SimSettings = SimSettings()
    storage: StorageSettings = StorageSettings()
    redis: RedisSettings = RedisSettings()
    acd: AcdSettings = AcdSettings()
    api: ApiSettings = ApiSettings()
    ivr: IvrSettings = IvrSettings()
    recordings: RecordingSettings = RecordingSettings()
    log: LogSettings = LogSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = os.environ.get("HOTLINE_CONFIG") or _TOML_FILE.get("path")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


_TOML_FILE: dict[str, str] = {}


class SettingsError(Exception):
    """The configuration is unusable; the message names the offending keys."""


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings from ``path`` (TOML), the environment and ``overrides``."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise SettingsError(f"configuration file {p} does not exist")
        _TOML_FILE["path"] = str(p)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"])
            problems.append(f"{key}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from exc
    finally:
        _TOML_FILE.pop("path", None)
