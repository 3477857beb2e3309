"""Recordings for QA over the API: the list in scope, the audio, and the log of who listened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from structlog.testing import capture_logs

from storage.recordings import Recording, RecordingStatus
from tests.support.audio import write_wav

from .conftest import ApiEnv

T0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


def _row(n: int, prefecture: str, status: RecordingStatus, path: str | None, agent: str) -> Recording:
    return Recording(
        uniqueid=f"1718000000.{n}",
        linkedid=f"1718000000.{n}",
        agent=agent,
        caller_number=f"1380000000{n}",
        prefecture=prefecture,
        source=f"/spool/{n}.wav",
        path=path,
        format="wav",
        started_at=T0 + timedelta(minutes=n),
        duration_s=2.0,
        size_bytes=32044,
        status=status,
        error=None if status is RecordingStatus.ARCHIVED else "no file /spool/x.wav",
    )


async def _archive(api: ApiEnv, tmp_path: Path) -> dict[str, bytes]:
    """Four recordings: two of Lanzhou (one playable), one of Tianshui, one pointing outside the archive."""
    root = tmp_path / "recordings"
    audio = {
        "lanzhou": write_wav(root / "lanzhou/2024/06/10/1718000000.1.wav", 2.0),
        "tianshui": write_wav(root / "tianshui/2024/06/10/1718000000.3.wav", 1.0),
    }
    (tmp_path / "secret.wav").write_bytes(b"not for anyone")
    async with api.sessions() as db:
        db.add_all(
            [
                _row(1, "lanzhou", RecordingStatus.ARCHIVED, "lanzhou/2024/06/10/1718000000.1.wav", "1001"),
                _row(2, "lanzhou", RecordingStatus.MISSING, None, "1002"),
                _row(3, "tianshui", RecordingStatus.ARCHIVED, "tianshui/2024/06/10/1718000000.3.wav", "1004"),
                _row(4, "lanzhou", RecordingStatus.ARCHIVED, "../secret.wav", "1001"),
            ]
        )
        await db.commit()
    return audio


async def test_each_user_lists_the_recordings_of_their_scope(api: ApiEnv, tmp_path: Path) -> None:
    await _archive(api, tmp_path)
    _, lanzhou = await api.call("GET", "/api/recordings", "qa.lanzhou")
    assert [r["recording_id"] for r in lanzhou["recordings"]] == [4, 2, 1]  # newest first
    assert [r["playable"] for r in lanzhou["recordings"]] == [True, False, True]
    _, province = await api.call("GET", "/api/recordings", "qa.province")
    assert {r["prefecture"] for r in province["recordings"]} == {"lanzhou", "tianshui"}
    _, supervisor = await api.call("GET", "/api/recordings?agent=1001&limit=1", "sup.lanzhou")
    assert [r["recording_id"] for r in supervisor["recordings"]] == [4]
    _, tianshui = await api.call("GET", "/api/recordings", "qa.tianshui")
    assert [r["recording_id"] for r in tianshui["recordings"]] == [3]
    _, window = await api.call(
        "GET", "/api/recordings?since=2024-06-10T09:02:00&until=2024-06-10T09:04:00%2B00:00", "qa.province"
    )
    assert [r["recording_id"] for r in window["recordings"]] == [3, 2]  # 09:02 and 09:03, not 09:04
    _, by_day = await api.call("GET", "/api/recordings?since=2024-06-11", "qa.province")
    assert by_day["recordings"] == []
    for bad in ("limit=many", "since=yesterday", "until=2024-13-01"):
        status, error = await api.call("GET", f"/api/recordings?{bad}", "qa.lanzhou")
        assert (status, error["error_id"]) == (400, "request-invalid"), bad
    for agent in ("agent1001", "agent1003", "manager1006"):
        status, error = await api.call("GET", "/api/recordings", agent)
        assert (status, error["error_id"]) == (403, "auth-forbidden")


async def test_qa_plays_a_recording_in_scope_and_the_playback_is_logged(api: ApiEnv, tmp_path: Path) -> None:
    audio = await _archive(api, tmp_path)
    headers = {"Authorization": f"Bearer {await api.token('qa.lanzhou')}"}
    before = structlog.get_config()
    structlog.reset_defaults()
    try:
        with capture_logs() as logs:
            r = await api.client.get("/api/recordings/1/audio", headers=headers)
            body = await r.read()
    finally:
        structlog.configure(**before)
    assert r.status == 200
    assert r.headers["Content-Type"] == "audio/wav"
    assert body == audio["lanzhou"]
    played = [e for e in logs if e["event"] == "recording played"]
    assert len(played) == 1
    assert played[0]["recording_id"] == 1 and played[0]["uniqueid"] == "1718000000.1"
    assert isinstance(played[0]["user_id"], int)
    assert "13800000001" not in repr(logs) and "qa.lanzhou" not in repr(logs)

    r = await api.client.get(
        "/api/recordings/3/audio", headers={"Authorization": f"Bearer {await api.token('qa.province')}"}
    )
    assert r.status == 200 and await r.read() == audio["tianshui"]


async def test_what_cannot_be_played_is_a_clear_error(api: ApiEnv, tmp_path: Path) -> None:
    await _archive(api, tmp_path)
    cases = [
        # Tianshui's call: the same answer as an id that does not exist (no enumeration, finding 7)
        ("qa.lanzhou", "/api/recordings/3/audio", 404, "not-found"),
        ("sup.lanzhou", "/api/recordings/3/audio", 404, "not-found"),
        ("agent1001", "/api/recordings/1/audio", 403, "auth-forbidden"),  # the agent's own call: no
        ("qa.lanzhou", "/api/recordings/2/audio", 404, "not-found"),  # Asterisk's file was missing
        ("qa.lanzhou", "/api/recordings/4/audio", 404, "not-found"),  # outside the archive folder
        ("qa.lanzhou", "/api/recordings/99/audio", 404, "not-found"),
        ("qa.lanzhou", "/api/recordings/x/audio", 400, "request-invalid"),
    ]
    for user, path, status, error_id in cases:
        got, error = await api.call("GET", path, user)
        assert (got, error["error_id"]) == (status, error_id), (user, path, error)
    _, missing = await api.call("GET", "/api/recordings/2/audio", "qa.lanzhou")
    assert missing["details"]["status"] == "missing"
    assert str(tmp_path) not in repr(missing) and "/var/spool" not in repr(missing)  # no host paths
    _, unknown = await api.call("GET", "/api/recordings/99/audio", "qa.lanzhou")
    _, foreign = await api.call("GET", "/api/recordings/3/audio", "qa.lanzhou")
    assert unknown == foreign  # word for word
    (tmp_path / "recordings/lanzhou/2024/06/10/1718000000.1.wav").unlink()
    got, error = await api.call("GET", "/api/recordings/1/audio", "qa.lanzhou")
    assert (got, error["error_id"]) == (404, "not-found")
    assert "missing from the archive" in error["message"]
