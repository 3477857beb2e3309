"""Archiving: a finished call's MixMonitor file goes from the spool to the recording store, with a row.

:class:`RecordingArchive` listens to the AMI client's state changes: a channel that had
``MIXMONITOR_FILENAME`` set leaves (``Hangup``) -> its file is post-processed in a worker thread
(loudness, format, SHA-256) and handed to the store under
``<prefecture>/<yyyy>/<mm>/<dd>/<uniqueid>.<format>``.  The call's identity comes from the
channel's variables (the IVR's hand-off: ``HOTLINE_PREFECTURE``, ``HOTLINE_AGENT``,
``HOTLINE_SKILL``, ``HOTLINE_TICKET_ID``), so it works the same against a real Asterisk and the
simulator; the agent's id comes from the agent directory (by extension).  A file that cannot be
found or processed still gets a row (``missing``/``failed``) and a log line: nothing is lost
silently.

Then, still off the call path, :func:`recordings.analysis.analyse` measures the spool files (the
mix and MixMonitor's per-side files) against the time the channel was bridged, which the archive
clocks from the AMI changes; the row gets talk per side, silence, overlap and flags.  A pause of
the recording still open at hang-up is closed then.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.ami.channels import Channel, ChannelRemoved, ChannelUpdated
from cti.ami.client import AmiClient
from recordings.analysis import Analysis, analyse, side_files
from recordings.errors import RecordingsError
from recordings.postprocess import RecordingError, process
from recordings.settings import RecordingSettings
from recordings.store import LocalStore, RecordingStore
from storage.agents import AgentRecord
from storage.recording_pauses import RecordingPause
from storage.recordings import Recording, RecordingStatus
from storage.tickets import Ticket

log = structlog.get_logger(__name__)

SETTLE_S = 0.5  # MixMonitor closes its file just after the channel leaves
MIXMONITOR_FILENAME = "MIXMONITOR_FILENAME"


class RecordingArchive:
    def __init__(
        self,
        settings: RecordingSettings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        default_prefecture: str,
        store: RecordingStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.default_prefecture = default_prefecture
        self.store: RecordingStore = store if store is not None else LocalStore(settings.directory)
        self._clock = clock
        self.archived = 0
        self.failed = 0
        self._pending: set[asyncio.Task[None]] = set()
        self._bridged: dict[str, tuple[float | None, float]] = {}  # uniqueid -> (bridged since, total)
        self.stored = asyncio.Event()  # set each time a row is written (tests, progress)
        self.analysed = asyncio.Event()  # set each time a row gets its post-processing

    def source_path(self, reported: str) -> Path:
        if self.settings.spool_dir is None:
            return Path(reported)
        return self.settings.spool_dir / Path(reported).name

    async def watch(self, ami: AmiClient) -> None:
        """Archive the recording of every channel that hangs up with one (runs until cancelled)."""
        async with ami.changes() as changes:
            async for change in changes:
                if isinstance(change, ChannelUpdated):
                    self._clock_bridge(change.before, change.after)
                elif isinstance(change, ChannelRemoved) and change.channel.variable(MIXMONITOR_FILENAME):
                    call_s = self._bridged_s(change.channel)
                    task = asyncio.create_task(self._archive_later(change.channel, call_s))
                    self._pending.add(task)
                    task.add_done_callback(self._pending.discard)
                elif isinstance(change, ChannelRemoved):
                    self._bridged.pop(change.channel.uniqueid, None)

    def _clock_bridge(self, before: Channel, after: Channel) -> None:
        if not after.variable(MIXMONITOR_FILENAME) or (before.bridge_id is None) == (after.bridge_id is None):
            return
        since, total = self._bridged.get(after.uniqueid, (None, 0.0))
        now = self._clock()
        if after.bridge_id is not None and since is None:
            self._bridged[after.uniqueid] = (now, total)
        elif after.bridge_id is None and since is not None:
            self._bridged[after.uniqueid] = (None, total + now - since)

    def _bridged_s(self, channel: Channel) -> float | None:
        found = self._bridged.pop(channel.uniqueid, None)
        if found is None:
            return None
        since, total = found
        return total + (self._clock() - since if since is not None else 0.0)

    async def drain(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def _archive_later(self, channel: Channel, call_s: float | None) -> None:
        await asyncio.sleep(SETTLE_S)
        await self.archive(channel, call_s=call_s)

    async def archive(self, channel: Channel, *, call_s: float | None = None) -> Recording:
        reported = channel.variable(MIXMONITOR_FILENAME) or ""
        started = (
            datetime.fromtimestamp(channel.created_at, UTC) if channel.created_at > 0 else datetime.now(UTC)
        )
        ended = datetime.now(UTC)
        row = await self._new_row(channel, reported, started)
        source = self.source_path(reported)
        bound = log.bind(uniqueid=channel.uniqueid, linkedid=channel.linkedid)
        if not source.is_file():
            row.status, row.error = RecordingStatus.MISSING, f"no file {source}"
            self.failed += 1
            bound.warning("recording missing", file=str(source))
        else:
            await self._store(row, source, bound)
        async with self.sessions() as db:
            db.add(row)
            await db.execute(
                update(RecordingPause)
                .where(RecordingPause.uniqueid == channel.uniqueid, RecordingPause.ended_at.is_(None))
                .values(ended_at=ended, ended_by="hangup")
            )
            await db.commit()
            await db.refresh(row)
        self.stored.set()
        if source.is_file():
            await self._post_process(row, source, call_s, bound)
        return row

    async def _new_row(self, channel: Channel, reported: str, started: datetime) -> Recording:
        prefecture = channel.variable("HOTLINE_PREFECTURE") or self.default_prefecture
        extension = channel.variable("HOTLINE_AGENT")
        skill = channel.variable("HOTLINE_SKILL") or None
        ticket = channel.variable("HOTLINE_TICKET_ID") or None
        async with self.sessions() as db:
            agent_id = None
            if extension:
                agent_id = await db.scalar(
                    select(AgentRecord.agent_id).where(AgentRecord.extension == extension)
                )
            kind = await db.scalar(select(Ticket.kind).where(Ticket.number == ticket)) if ticket else None
        category = "complaint" if "complaint" in (skill, kind) else (kind or skill or "other")
        return Recording(
            uniqueid=channel.uniqueid,
            linkedid=channel.linkedid,
            agent=extension,
            agent_id=agent_id,
            caller_number=channel.caller.number or None,
            prefecture=prefecture,
            source=reported,
            path=None,
            format=self.settings.format,
            started_at=started,
            status=RecordingStatus.ARCHIVED,
            skill=skill,
            ticket_number=ticket,
            category=str(category),
            flags="",
        )

    async def _store(
        self, row: Recording, source: Path, bound: structlog.typing.FilteringBoundLogger
    ) -> None:
        fmt = self.settings.format
        key = f"{row.prefecture}/{row.started_at:%Y/%m/%d}/{row.uniqueid}.{fmt}"
        staged = self.settings.directory / ".incoming" / f"{row.uniqueid}.{fmt}"
        try:
            done = await asyncio.to_thread(
                process, source, staged, fmt=fmt, normalize_dbfs=self.settings.normalize_dbfs
            )
            stored = await self.store.put(key, staged)
        except (RecordingError, RecordingsError) as exc:
            staged.unlink(missing_ok=True)
            row.status, row.error = RecordingStatus.FAILED, str(exc)[:400]
            self.failed += 1
            bound.error("recording not archived", error=str(exc))
            return
        row.path, row.duration_s, row.size_bytes, row.sha256 = (
            key,
            done.duration_s,
            stored.size,
            stored.sha256,
        )
        self.archived += 1
        bound.info("recording archived", path=key, store=self.store.name, seconds=round(done.duration_s, 1))

    async def _post_process(
        self, row: Recording, source: Path, call_s: float | None, bound: structlog.typing.FilteringBoundLogger
    ) -> None:
        try:
            found: Analysis = await asyncio.to_thread(
                analyse, source, call_s=call_s, silence_dbfs=self.settings.silence_dbfs
            )
        except Exception as exc:  # a broken side file must not cost the archived recording
            bound.error("recording not analysed", error=repr(exc))
        else:
            async with self.sessions() as db:
                await db.execute(
                    update(Recording)
                    .where(Recording.id == row.id)
                    .values(
                        analysed_at=datetime.now(UTC), caller_talk_s=found.caller_talk_s,
                        agent_talk_s=found.agent_talk_s, silence_s=found.silence_s, overlap_s=found.overlap_s,
                        call_s=found.call_s, flags=",".join(found.flags),
                    )
                )  # fmt: skip
                await db.commit()
            if found.flags:
                bound.warning(
                    "recording flagged", flags=list(found.flags), seconds=found.duration_s, call_s=call_s
                )
            self.analysed.set()
        if self.settings.delete_source and row.status is RecordingStatus.ARCHIVED:
            for spool_file in (source, *side_files(source)):
                try:
                    spool_file.unlink(missing_ok=True)
                except OSError as exc:  # archived all the same: the spool file stays behind
                    bound.warning("recording left in the spool", file=str(spool_file), error=str(exc))


@contextlib.asynccontextmanager
async def running_archive(
    settings: RecordingSettings,
    sessions: async_sessionmaker[AsyncSession],
    ami: AmiClient,
    *,
    default_prefecture: str,
    store: RecordingStore | None = None,
) -> AsyncIterator[RecordingArchive]:
    """Archive every recording of ``ami``'s calls until the block ends (then finish those under way)."""
    archive = RecordingArchive(settings, sessions, default_prefecture=default_prefecture, store=store)
    task = asyncio.create_task(archive.watch(ami))
    try:
        yield archive
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await archive.drain()
