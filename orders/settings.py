"""Settings of service orders: the catalogue, the provisioning adapter and its time-outs."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class OrderSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the catalogue (default: the shipped orders/catalogue.yaml)
    catalogue_file: Path | None = None
    # "builtin" (our own customer and billing store), or "package.module:factory" — a callable
    # taking (sessions, settings) and returning a Provisioning (orders/provisioning.py): the BSS
    provisioning: str = "builtin"
    # how long an order may take to provision, and the look-up of its outcome after a failure
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    lookup_timeout_s: float = Field(default=5.0, gt=0, le=300)
    # local time zone: effective dates ("from the 1st of next month") are local days
    timezone: str = "Asia/Shanghai"
