"""Settings of the reports part (``[reports]``): the call recorder, the repeat-complaint
classifier and the scheduled export of closed periods."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ReportSettings"]


class ReportSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_calls: bool = True  # write call records and keep the pre-aggregates as calls end
    settle_s: float = Field(120.0, gt=0)  # longest wait after a hang-up for wrap-ups to end
    cdr_grace_s: float = Field(5.0, ge=0)  # how long to wait for Asterisk's Cdr after a hang-up
    flush_every_s: float = Field(1.0, gt=0)
    batch_size: int = Field(200, ge=1)
    retry_max_s: float = Field(30.0, gt=0)  # longest pause between retries of a failed write
    classify_every_s: float = Field(5.0, gt=0)  # new complaints checked for repeats this often
    repeat_window_days: int = Field(30, ge=1)
    service_level_s: int = 20  # one of reports.intervals.SERVICE_LEVEL_BOUNDS_S
    # the scheduled job: each closed period's reports written to this folder (None: off)
    export_dir: Path | None = None
    export_reports: list[str] = ["traffic", "agents", "complaints", "ivr", "outbound"]
    export_grains: list[str] = ["day", "week", "month", "quarter", "year"]
    export_formats: list[str] = ["xlsx", "csv"]
    export_check_every_s: float = Field(300.0, gt=0)
