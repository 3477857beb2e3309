"""The settings of a node: every part's own settings, composed into one object.

Each part defines its settings beside its code (``cti/ami/settings.py``, ``acd/settings.py`` …);
this module only puts them under their section names.  Sources, strongest first: keyword
arguments (tests), ``HOTLINE_*`` environment variables (nested keys joined with ``__``, e.g.
``HOTLINE_AMI__PORT=5039``), the TOML file named by ``HOTLINE_CONFIG`` or passed to
:func:`load_settings`, then the parts' defaults, which are the embedded defaults ``hotline demo``
runs on (simulated Asterisk, in-memory ACD, SQLite).

Secrets (AMI secret, token signing key, database passwords) have no default worth keeping in
production: ``hotline serve`` refuses to start while they still hold the demo values.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from acd.settings import AcdSettings, RedisSettings
from cti.acd_bridge.site_globals import DialplanSettings
from cti.agi.settings import AgiSettings
from cti.ami.settings import AmiSettings
from cti.api.settings import ApiSettings
from cti.desk.settings import DeskSettings
from ivr.settings import IvrSettings
from node.heap import HeapSettings
from node.lease import LeaseSettings
from node.logs import LogSettings
from orders.settings import OrderSettings
from outbound.settings import OutboundSettings
from qa.settings import QaSettings
from recordings.settings import RecordingSettings
from reports.settings import ReportSettings
from sim.settings import SimSettings
from storage.settings import StorageSettings
from workflow.settings import WorkflowSettings

__all__ = ["Settings", "SettingsError", "load_settings"]


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
    qa: QaSettings = QaSettings()
    reports: ReportSettings = ReportSettings()
    log: LogSettings = LogSettings()
    orders: OrderSettings = OrderSettings()
    desk: DeskSettings = DeskSettings()
    outbound: OutboundSettings = OutboundSettings()
    workflow: WorkflowSettings = WorkflowSettings()
    dialplan: DialplanSettings = DialplanSettings()
    lease: LeaseSettings = LeaseSettings()  # several nodes for one Asterisk server: node/lease.py
    heap: HeapSettings = HeapSettings()  # the allocator's free pages given back: node/heap.py

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
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"configuration file {path}: not valid TOML (UTF-8): {exc}") from exc
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"])
            problems.append(f"{key}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from exc
    finally:
        _TOML_FILE.pop("path", None)
