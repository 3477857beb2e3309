"""Recordings over the API: search, HTTP Range (first, middle, last, invalid → 416), a row for every
play and download that auditors list, checksums checked on every read."""

from __future__ import annotations

import hashlib
import random
import wave
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from storage.agent_calls import AgentCall
from storage.qa_scores import DisputeStatus, QaScore, ScoreSource
from storage.recording_access import RecordingAccess
from storage.recordings import Recording, RecordingStatus

from .conftest import ApiEnv

T0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


def _noise(path: Path, seconds: float) -> bytes:
    """A WAV of random samples: every range of it is different from every other."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(random.Random(13).randbytes(2 * int(8000 * seconds)))
    return path.read_bytes()


async def _archive(api: ApiEnv, tmp_path: Path) -> bytes:
    """Recording 1 (Lanzhou, agent 1001, 2.0 s, with its SHA-256), 2 (Lanzhou, 1002, 30 s, ticket in
    the IVR), 3 (Tianshui, 1004, 95 s, scored 62.5), 4 (Lanzhou, 1001, 10 s, wrapped up with a ticket)."""
    root = tmp_path / "recordings"
    audio = _noise(root / "lanzhou/2024/06/10/1718000000.1.wav", 2.0)
    rows = [
        (1, "lanzhou", "1001", "agent-1001", "13800000001", 2.0, None, hashlib.sha256(audio).hexdigest()),
        (2, "lanzhou", "1002", "agent-1002", "13800000005", 30.0, "00000018", None),
        (3, "tianshui", "1004", "agent-1004", "09318123456", 95.0, None, None),
        (4, "lanzhou", "1001", "agent-1001", "13800000006", 10.0, None, None),
    ]
    async with api.sessions() as db:
        for n, prefecture, extension, agent_id, caller, seconds, ticket, digest in rows:
            db.add(
                Recording(
                    uniqueid=f"1718000000.{n}",
                    linkedid=f"1718000000.{n}",
                    agent=extension,
                    agent_id=agent_id,
                    caller_number=caller,
                    prefecture=prefecture,
                    source=f"/spool/{n}.wav",
                    path=f"{prefecture}/2024/06/10/1718000000.{n}.wav",
                    format="wav",
                    started_at=T0 + timedelta(minutes=n),
                    duration_s=seconds,
                    size_bytes=len(audio),
                    sha256=digest,
                    status=RecordingStatus.ARCHIVED,
                    ticket_number=ticket,
                    flags="short" if n == 4 else "",
                )
            )
        db.add(
            QaScore(
                score_id="S1",
                call_uniqueid="1718000000.3",
                agent_id="agent-1004",
                prefecture="tianshui",
                team="tianshui-junior",
                source=ScoreSource.RECORDING,
                recording_id=3,
                form_id="hotline-call",
                form_version=1,
                form_fingerprint="x",
                total=Decimal("62.5"),
                critical_failed=False,
                answers="{}",
                scorer="user-9",
                scored_at=T0,
                comment="",
                status=DisputeStatus.SCORED,
                counts=True,
                version=0,
            )
        )
        db.add(
            AgentCall(
                uniqueid="1718000000.4",
                agent_id="agent-1001",
                prefecture="lanzhou",
                skill="billing",
                waited_s=1.0,
                answered_at=T0,
                ended_at=T0,
                ticket_number="00000026",
                note="",
            )
        )
        await db.commit()
    return audio


async def _ids(api: ApiEnv, user: str, query: str) -> list[int]:
    status, found = await api.call("GET", f"/api/recordings?{query}", user)
    assert status == 200, found
    return [r["recording_id"] for r in found["recordings"]]


async def test_search_by_caller_ticket_agent_prefecture_date_duration_and_score(
    api: ApiEnv, tmp_path: Path
) -> None:
    await _archive(api, tmp_path)
    assert await _ids(api, "qa.province", "") == [4, 3, 2, 1]
    assert await _ids(api, "qa.province", "caller=0000000") == [4, 2, 1]  # any part of the number
    assert await _ids(api, "qa.province", "caller=8123456") == [3]
    assert await _ids(api, "qa.province", "ticket=00000018") == [2]  # opened in the IVR
    assert await _ids(api, "qa.province", "ticket=00000026") == [4]  # registered at wrap-up
    assert await _ids(api, "qa.province", "agent=agent-1001") == [4, 1]
    assert await _ids(api, "qa.province", "agent=1004") == [3]
    assert await _ids(api, "qa.province", "prefecture=tianshui") == [3]
    assert await _ids(api, "qa.province", "since=2024-06-10T09:02:00Z&until=2024-06-10T09:04:00Z") == [3, 2]
    assert await _ids(api, "qa.province", "min_duration=10&max_duration=30") == [4, 2]
    assert await _ids(api, "qa.province", "max_score=70") == [3]
    assert await _ids(api, "qa.province", "min_score=70") == []
    assert await _ids(api, "qa.province", "scored=false") == [4, 2, 1]
    assert await _ids(api, "qa.province", "flagged=true") == [4]
    assert await _ids(api, "qa.lanzhou", "") == [4, 2, 1]
    _, found = await api.call("GET", "/api/recordings?agent=1004", "qa.province")
    assert found["recordings"][0]["score"] == {"score_id": "S1", "total": 62.5}
    status, error = await api.call("GET", "/api/recordings?prefecture=tianshui", "qa.lanzhou")
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    for bad in ("caller=138-0000", "min_duration=long", "flagged=maybe", "prefecture=../x"):
        status, error = await api.call("GET", f"/api/recordings?{bad}", "qa.province")
        assert (status, error["error_id"]) == (400, "request-invalid"), bad


async def test_range_requests_return_the_right_bytes(api: ApiEnv, tmp_path: Path) -> None:
    audio = await _archive(api, tmp_path)
    size = len(audio)
    status, link = await api.call("POST", "/api/recordings/1/links", "qa.lanzhou", {"action": "play"})
    assert status == 201, link
    url = link["url"]
    assert url.startswith("/api/recordings/media/")
    cases = [
        ("bytes=0-99", audio[:100], f"bytes 0-99/{size}"),  # the first bytes (the WAV header)
        ("bytes=1000-1999", audio[1000:2000], f"bytes 1000-1999/{size}"),  # the middle
        ("bytes=-100", audio[-100:], f"bytes {size - 100}-{size - 1}/{size}"),  # the last 100
        (f"bytes={size - 10}-", audio[-10:], f"bytes {size - 10}-{size - 1}/{size}"),
        (f"bytes=0-{size + 500}", audio, f"bytes 0-{size - 1}/{size}"),  # past the end: cut
    ]
    for header, expected, content_range in cases:
        r = await api.client.get(url, headers={"Range": header})  # the audio element sends no token
        assert r.status == 206, header
        assert await r.read() == expected, header
        assert r.headers["Content-Range"] == content_range
        assert r.headers["Content-Length"] == str(len(expected))
        assert r.headers["Accept-Ranges"] == "bytes" and r.headers["Content-Type"] == "audio/wav"
    for header in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0", "bytes=9-1", "bytes=abc"):
        r = await api.client.get(url, headers={"Range": header})
        assert r.status == 416, header
        assert r.headers["Content-Range"] == f"bytes */{size}"
        assert (await r.json())["error_id"] == "range-not-satisfiable"
    r = await api.client.get(url)
    assert r.status == 200 and await r.read() == audio and r.headers["Content-Length"] == str(size)

    token = {"Authorization": f"Bearer {await api.token('qa.province')}"}
    r = await api.client.get("/api/recordings/1/audio", headers={**token, "Range": "bytes=44-59"})
    assert r.status == 206 and await r.read() == audio[44:60]
    r = await api.client.get("/api/recordings/1/audio", headers={**token, "Range": f"bytes={size}-"})
    assert r.status == 416 and r.headers["Content-Range"] == f"bytes */{size}"
    r = await api.client.get("/api/recordings/1/audio?download=1", headers=token)
    assert r.status == 200 and r.headers["Content-Disposition"].startswith("attachment")
    assert await r.read() == audio

    r = await api.client.get("/api/recordings/media/not-a-key")
    assert r.status == 404
    api.clock.offset = 301  # the link lives 300 s
    r = await api.client.get(url, headers={"Range": "bytes=0-1"})
    assert r.status == 404


async def test_every_play_and_download_is_a_row_auditors_list(api: ApiEnv, tmp_path: Path) -> None:
    audio = await _archive(api, tmp_path)
    _, play = await api.call("POST", "/api/recordings/1/links", "qa.lanzhou", {"action": "play"})
    for header in ("bytes=0-", "bytes=20000-", "bytes=100-199"):  # start, seek, seek
        r = await api.client.get(play["url"], headers={"Range": header})
        assert r.status == 206
        await r.read()
    _, download = await api.call("POST", "/api/recordings/1/links", "sup.lanzhou", {"action": "download"})
    r = await api.client.get(download["url"])
    assert r.status == 200 and r.headers["Content-Disposition"] == 'attachment; filename="1718000000.1.wav"'
    await r.read()
    status, error = await api.call("POST", "/api/recordings/3/links", "qa.lanzhou", {"action": "play"})
    assert (status, error["error_id"]) == (404, "not-found")  # Tianshui's: as if there were none

    status, listed = await api.call("GET", "/api/recordings/access", "admin")
    assert status == 200
    rows = listed["access"]
    assert [(a["action"], a["role"], a["requests"], a["outcome"]) for a in rows] == [
        ("download", "supervisor", 1, "ok"),
        ("play", "qa-prefecture", 3, "ok"),
    ]
    size = len(audio)
    assert rows[1]["bytes_sent"] == size + (size - 20000) + 100 and rows[0]["bytes_sent"] == size
    assert rows[1]["remote"] == "127.0.0.1" and rows[1]["recording_id"] == 1
    _, one = await api.call("GET", f"/api/recordings/access?user_id={rows[0]['user_id']}", "qa.province")
    assert [a["action"] for a in one["access"]] == ["download"]
    for user in ("qa.lanzhou", "sup.lanzhou", "agent1001"):
        status, error = await api.call("GET", "/api/recordings/access", user)
        assert (status, error["error_id"]) == (403, "auth-forbidden"), user
    async with api.sessions() as db:
        stored = list((await db.execute(select(RecordingAccess))).scalars())
    assert len(stored) == 2 and all("13800000001" not in repr(vars(a)) for a in stored)


async def test_a_damaged_file_is_refused_and_the_attempt_recorded(api: ApiEnv, tmp_path: Path) -> None:
    audio = await _archive(api, tmp_path)
    path = tmp_path / "recordings/lanzhou/2024/06/10/1718000000.1.wav"
    path.write_bytes(audio[:-2] + b"\x00\x01")  # same size, other bytes
    status, error = await api.call("POST", "/api/recordings/1/links", "qa.lanzhou", {"action": "play"})
    assert (status, error["error_id"]) == (500, "recording-damaged")
    token = {"Authorization": f"Bearer {await api.token('qa.lanzhou')}"}
    r = await api.client.get("/api/recordings/1/audio", headers=token)
    assert r.status == 500
    path.unlink()
    status, error = await api.call("POST", "/api/recordings/1/links", "qa.lanzhou", {"action": "play"})
    assert (status, error["error_id"]) == (404, "not-found")
    _, listed = await api.call("GET", "/api/recordings/access", "qa.province")
    assert [a["outcome"] for a in listed["access"]] == ["missing", "checksum-mismatch", "checksum-mismatch"]
