"""Which recording store a node uses: ``[recordings] store`` (the archive folder, or an S3 bucket)."""

from __future__ import annotations

from recordings.settings import RecordingSettings
from recordings.store import LocalStore, RecordingStore

__all__ = ["recording_store"]


def recording_store(settings: RecordingSettings) -> RecordingStore:
    """The archive folder by default; an S3-compatible bucket with ``store = "s3"`` (needs boto3)."""
    if settings.store == "s3":
        from recordings.store_s3 import S3Store

        return S3Store(settings.s3)
    return LocalStore(settings.directory)
