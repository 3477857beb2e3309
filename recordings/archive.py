"""Archiving: a finished call's MixMonitor file goes from the spool to the archive, with a row.

:class:`RecordingArchive` listens to the AMI client's state changes: a channel that had
``MIXMONITOR_FILENAME`` set leaves (``Hangup``) -> its file is post-processed in a worker
thread and stored under ``<archive>/<prefecture>/<yyyy>/<mm>/<dd>/<uniqueid>.<format>``.  The
call's identity comes from the channel's variables (the IVR's hand-off: ``HOTLINE_PREFECTURE``,
``HOTLINE_AGENT``…), so it works the same against a real Asterisk and the simulator.  A file
that cannot be found or processed still gets a row (``missing``/``failed``) and a log line:
nothing is lost silently.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.ami.client import AmiClient
from cti.ami.state import Channel, ChannelRemoved
from cti.settings import RecordingSettings
from cti.storage.recordings import Recording, RecordingStatus
from recordings.postprocess import RecordingError, process

if TYPE_CHECKING:
    from cti.app import CtiNode

log = structlog.get_logger(__name__)

SETTLE_S = 0.5  # MixMonitor closes its file just after the channel leaves


class RecordingArchive:
    def __init__(
        self,
        settings: RecordingSettings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        default_prefecture: str,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.default_prefecture = default_prefecture
        self.archived = 0
        self.failed = 0
        self._pending: set[asyncio.Task[None]] = set()
        self.stored = asyncio.Event()  # set each time a row is written (tests, progress)

    def source_path(self, reported: str) -> Path:
        if self.settings.spool_dir is None:
            return Path(reported)
        return self.settings.spool_dir / Path(reported).name

    async def watch(self, ami: AmiClient) -> None:
        """Archive the recording of every channel that hangs up with one (runs until cancelled)."""
        async with ami.changes() as changes:
            async for change in changes:
                if isinstance(change, ChannelRemoved) and change.channel.variable("MIXMONITOR_FILENAME"):
                    task = asyncio.create_task(self._archive_later(change.channel))
                    self._pending.add(task)
                    task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def _archive_later(self, channel: Channel) -> None:
        await asyncio.sleep(SETTLE_S)
        await self.archive(channel)

    async def archive(self, channel: Channel) -> Recording:
        reported = channel.variable("MIXMONITOR_FILENAME") or ""
        prefecture = channel.variable("HOTLINE_PREFECTURE") or self.default_prefecture
        started = datetime.now(UTC)
        fmt = self.settings.format
        relative = Path(prefecture) / f"{started:%Y/%m/%d}" / f"{channel.uniqueid}.{fmt}"
        row = Recording(
            uniqueid=channel.uniqueid,
            linkedid=channel.linkedid,
            agent=channel.variable("HOTLINE_AGENT"),
            caller_number=channel.caller.number or None,
            prefecture=prefecture,
            source=reported,
            path=None,
            format=fmt,
            started_at=started,
            status=RecordingStatus.ARCHIVED,
        )
        source = self.source_path(reported)
        bound = log.bind(uniqueid=channel.uniqueid, linkedid=channel.linkedid)
        if not source.is_file():
            row.status, row.error = RecordingStatus.MISSING, f"no file {source}"
            self.failed += 1
            bound.warning("recording missing", file=str(source))
        else:
            try:
                done = await asyncio.to_thread(
                    process,
                    source,
                    self.settings.directory / relative,
                    fmt=fmt,
                    normalize_dbfs=self.settings.normalize_dbfs,
                )
            except RecordingError as exc:
                row.status, row.error = RecordingStatus.FAILED, str(exc)[:400]
                self.failed += 1
                bound.error("recording not archived", error=str(exc))
            else:
                row.path, row.duration_s, row.size_bytes, row.sha256 = (
                    str(relative),
                    done.duration_s,
                    done.size_bytes,
                    done.sha256,
                )
                self.archived += 1
                if self.settings.delete_source and source.resolve() != done.path.resolve():
                    try:
                        source.unlink(missing_ok=True)
                    except OSError as exc:  # archived all the same: the spool file stays behind
                        bound.warning("recording left in the spool", file=str(source), error=str(exc))
                bound.info("recording archived", path=str(relative), seconds=round(done.duration_s, 1))
        async with self.sessions() as db:
            db.add(row)
            await db.commit()
            await db.refresh(row)
        self.stored.set()
        return row


@contextlib.asynccontextmanager
async def recording_extension(node: CtiNode) -> AsyncIterator[None]:
    """Node extension: archive every recording while the node runs."""
    archive = RecordingArchive(
        node.settings.recordings, node.sessions, default_prefecture=node.settings.ivr.default_prefecture
    )
    node.recordings = archive
    task = asyncio.create_task(archive.watch(node.ami))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await archive.drain()
