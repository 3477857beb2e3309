"""Structured logs: JSON lines for ``hotline serve``, readable console lines for the rest.

Per-call keys (``uniqueid``, ``linkedid``) are bound with structlog's context variables by the
code handling the call, so every line it logs carries them.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog
from pydantic import BaseModel, ConfigDict


class LogSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: str = "INFO"
    format: Literal["console", "json"] = "console"


def configure_logging(settings: LogSettings, *, stream: object = None) -> None:
    level = logging.getLevelName(settings.level.upper())
    if not isinstance(level, int):
        level = logging.INFO
    renderer: structlog.types.Processor
    if settings.format == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
