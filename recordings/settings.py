"""Settings of the recordings: where files go (a folder or an S3-compatible bucket), their format,
the spool, retention, post-processing and playback links."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from recordings.errors import PolicyError
from recordings.retention import parse_policy


class S3Settings(BaseModel):
    """An S3-compatible bucket (MinIO, Ceph RGW, a cloud's object storage)."""

    model_config = ConfigDict(extra="forbid")

    endpoint_url: str | None = None  # None: the provider's default endpoint
    bucket: str = "hotline-recordings"
    region: str = "us-east-1"
    prefix: str = ""  # keys are <prefix><prefecture>/<yyyy>/<mm>/<dd>/<uniqueid>.<format>
    # credentials: from HOTLINE_RECORDINGS__S3__ACCESS_KEY_ID / __SECRET_ACCESS_KEY, never the file
    access_key_id: str | None = None
    secret_access_key: str | None = None


class RecordingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the archive: post-processed recordings, <directory>/<prefecture>/<yyyy>/<mm>/<dd>/<uniqueid>.<format>;
    # with store = "s3" the folder is only where files are prepared before the upload
    directory: Path = Path("var/recordings")
    store: Literal["local", "s3"] = "local"
    s3: S3Settings = S3Settings()
    format: Literal["wav", "mp3", "ogg"] = "wav"
    # where this node reads the files MixMonitor writes (Asterisk's monitor spool, mounted here);
    # None: the path Asterisk reports is readable as it is (same host, or the simulator)
    spool_dir: Path | None = None
    # loudness the archived file is brought to (dBFS of its average), None to leave it
    normalize_dbfs: float | None = -20.0
    # remove the spool file once archived
    delete_source: bool = True
    # how long recordings are kept per category (recordings/retention.py): periods like 2y, 6m, 90d
    retention: dict[str, str] = Field(default_factory=lambda: {"default": "6m", "complaint": "2y"})
    # how often the node applies the retention policy (seconds); 0: never (run `hotline recordings retention`)
    retention_every_s: float = Field(default=3600.0, ge=0)
    # the time zone the centres count days in (a recording's retention starts on its local day)
    timezone: str = "Asia/Shanghai"
    # a level (dBFS) under which a 20 ms frame of one side counts as silence in post-processing
    silence_dbfs: float = -45.0
    # how long a play or download link stays valid (seconds)
    link_ttl_s: float = Field(default=300.0, gt=0)

    @field_validator("retention")
    @classmethod
    def _policy_parses(cls, value: dict[str, str]) -> dict[str, str]:
        try:
            parse_policy(value)
        except PolicyError as exc:
            raise ValueError(str(exc)) from None
        return value
