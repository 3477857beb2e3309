"""QA scoring in a real browser: a prefecture's QA plays a recorded call on ``/qa``
(streamed from a short-lived link with Range requests), scores it on the panel beside the player,
the province publishes a circular; the agent sees the score on ``/agent``, disputes it once, and
reads the circular on the bulletin board.  Screenshots: ``qa-scoring.png``, ``agent-qa.png``."""

from __future__ import annotations

import hashlib
import math
import struct
import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, expect
from sqlalchemy import select

from storage.qa_scores import QaScore
from storage.recording_access import RecordingAccess
from storage.recordings import Recording, RecordingStatus

from .stack import Stack
from .test_pages import sign_in, stack  # noqa: F401 - the module's running stack

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def _call_audio(path: Path, seconds: float) -> bytes:
    """Two voices taking turns, as a recorded call sounds."""
    n = int(8000 * seconds)
    samples = [
        int(6000 * math.sin(2 * math.pi * (220 if (i // 8000) % 2 else 330) * i / 8000)) for i in range(n)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(struct.pack(f"<{n}h", *samples))
    return path.read_bytes()


async def test_qa_scores_a_call_and_the_agent_sees_and_disputes_it(
    browser: BrowserContext,
    stack: Stack,  # noqa: F811
    screenshots: Path,
) -> None:
    directory = stack.node.settings.recordings.directory
    relative = "lanzhou/2024/06/10/1718000000.21.wav"
    audio = _call_audio(directory / relative, 4.0)
    async with stack.node.sessions() as db:
        row = Recording(
            uniqueid="1718000000.21",
            linkedid="1718000000.21",
            agent="1001",
            agent_id="agent-1001",
            caller_number="13800000001",
            prefecture="lanzhou",
            source="/spool/x.wav",
            path=relative,
            format="wav",
            started_at=datetime.now(UTC),
            duration_s=4.0,
            size_bytes=len(audio),
            sha256=hashlib.sha256(audio).hexdigest(),
            status=RecordingStatus.ARCHIVED,
            category="billing",
        )
        db.add(row)
        await db.commit()
        recording_id = row.id

    qa = await sign_in(browser, stack, "qa", "qa.lanzhou")
    await expect(qa.get_by_test_id("scoring-panel")).to_be_visible()
    await qa.get_by_test_id(f"play-{recording_id}").click()
    player = qa.get_by_test_id("recording-player")
    await expect(player).to_have_attribute("data-recording", str(recording_id))
    assert "/api/recordings/media/" in await player.evaluate("(audio) => audio.src")
    duration = await player.evaluate(
        """async (audio) => {
            for (let i = 0; i < 100 && !(audio.duration > 0) && !audio.error; i++) {
                await new Promise((ok) => setTimeout(ok, 50));
            }
            return audio.error ? audio.error.message : audio.duration;
        }"""
    )
    assert duration == pytest.approx(4.0, abs=0.05), duration  # streamed from the link and decoded
    await player.evaluate("(audio) => { audio.pause(); audio.currentTime = 2.5; }")  # seekable
    await expect(qa.get_by_test_id("scoring-target")).to_contain_text(f"#{recording_id}")

    await qa.get_by_test_id("criterion-courtesy").select_option("partly")
    await qa.locator('[data-points="courtesy"]').fill("3")
    await qa.get_by_test_id("criterion-ticket-registered").select_option("na")
    await qa.locator('[data-remark="courtesy"]').fill("语速偏快")
    await qa.fill("#score-comment", "整体规范，注意语速")
    # 100 less 15 N/A = 85 applicable, 83 earned (courtesy 3 of 5): 97.6
    await expect(qa.get_by_test_id("score-preview")).to_have_text("97.6")
    await qa.get_by_test_id("score-submit").click()
    await expect(qa.get_by_test_id("score-result")).to_contain_text("97.6")
    await expect(qa.get_by_test_id("score-result")).to_contain_text("hotline-call v1")
    await expect(qa.get_by_test_id(f"score-of-{recording_id}")).to_have_text("97.6")
    await qa.screenshot(path=str(screenshots / "qa-scoring.png"), full_page=True)
    async with stack.node.sessions() as db:
        [score] = (
            (await db.execute(select(QaScore).where(QaScore.recording_id == recording_id))).scalars().all()
        )
        [access] = (await db.execute(select(RecordingAccess))).scalars().all()
    assert (score.agent_id, str(score.total), score.form_version, score.comment) == (
        "agent-1001",
        "97.6",
        1,
        "整体规范，注意语速",
    )
    assert access.action.value == "play" and access.requests >= 1 and access.outcome == "ok"

    province = await sign_in(browser, stack, "qa", "qa.province")
    await province.fill("#circular-title", "关于规范服务用语的通报")
    await province.fill("#circular-body", "本周抽检发现部分坐席语速偏快，请各地市组织学习。")
    await province.select_option("#circular-recipients", ["lanzhou", "tianshui"])
    await province.click("#circular-form button[type=submit]")
    await expect(province.get_by_test_id("circulars")).to_contain_text("关于规范服务用语的通报")
    await expect(province.get_by_test_id("access-log")).to_be_visible()

    agent = await sign_in(browser, stack, "agent", "agent1001")
    await expect(agent.get_by_test_id("bulletin")).to_contain_text("关于规范服务用语的通报")
    row_of_score = agent.get_by_test_id(f"my-score-{score.score_id}")
    await expect(row_of_score).to_contain_text("97.6")
    await agent.get_by_test_id(f"dispute-{score.score_id}").click()
    await agent.get_by_test_id(f"dispute-reason-{score.score_id}").fill("客户语速快，我是跟随客户节奏")
    await agent.get_by_test_id(f"dispute-send-{score.score_id}").click()
    await expect(row_of_score).to_contain_text("申诉中")
    await expect(agent.get_by_test_id("recording-pause")).to_be_disabled()  # no call now
    await agent.screenshot(path=str(screenshots / "agent-qa.png"), full_page=True)

    status = await qa.evaluate(
        """async (id) => (await fetch('/api/recordings/' + id + '/links', {method: 'POST',
            headers: {Authorization: 'Bearer ' + sessionStorage.getItem('hotline.token'),
                      'Content-Type': 'application/json'},
            body: '{"action": "download"}'})).status""",
        recording_id,
    )
    assert status == 201
    for page in (qa, province, agent):
        await page.close()
