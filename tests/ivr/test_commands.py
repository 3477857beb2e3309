"""``hotline ivr check`` and ``hotline prompts build``."""

import json
import os
import shutil
import wave
from pathlib import Path

import pytest

from cli.main import main
from orders.audio_jobs import order_item_jobs
from prompts.audio import FORMATS, build, catalogue_jobs, knowledge_jobs, missing_audio
from prompts.language import Language
from tests.ivr.conftest import MENU_FILE


def needs_tts() -> None:
    missing = [tool for tool in ("espeak-ng", "ffmpeg") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install espeak-ng ffmpeg)"
        if os.environ.get("HOTLINE_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


def test_check_prints_the_tree_and_missing_audio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ivr", "check", str(MENU_FILE), "--prompts-dir", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert out.startswith("menu hotline: start identify, home main, agent agent_general\n")
    assert "identify [lookup identify_caller]" in out
    assert "├─ 1 (billing_dispute) → billing_dispute [choice billing_dispute_menu]" in out
    assert "queue skill=complaint level>=junior, senior for VIP/important/private-line" in out
    assert f"OK {MENU_FILE}: 102 nodes" in out
    assert "├─ 6 (lost_phone) → lost [collect 7-12 digits into lost_number]" in out
    assert "vip_main [choice vip_menu, language_offer]" in out
    assert "zh/hotline/order_item_caller_id  来电显示" in out
    assert "zh/hotline/welcome  您好，欢迎致电客户服务热线。" in out
    assert "en/digits/hundred  hundred" in out


def test_check_without_audio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ivr", "check", str(MENU_FILE), "--no-audio"]) == 0
    assert "audio" not in capsys.readouterr().out.splitlines()[-1]


def test_check_refuses_a_broken_menu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MENU_FILE.read_text().replace("next: agent_complaint", "next: agent_complain"))
    assert main(["ivr", "check", str(bad), "--no-audio"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"INVALID {bad}: 1 problem(s):")
    assert "node 'complaint_ticket': next: no node 'agent_complain'" in out


def test_prompts_build_makes_what_asterisk_plays(tmp_path: Path) -> None:
    needs_tts()
    jobs = [
        j for j in catalogue_jobs() if j.name in ("hotline/welcome", "digits/7", "hotline/language_offer")
    ]
    jobs += knowledge_jobs([(Language.EN, "kb_test_1", "Broadband costs 100 yuan a month.")])
    assert len(jobs) == 7
    report = build(jobs, tmp_path)
    assert sorted(report.rendered) == sorted(j.key for j in jobs) and not report.failed
    for job in jobs:
        with wave.open(str(job.path(tmp_path, "wav"))) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
            seconds = w.getnframes() / 8000
        assert 0.2 < seconds < 10
        gsm = job.path(tmp_path, "gsm").stat().st_size
        ulaw = job.path(tmp_path, "ulaw").stat().st_size
        assert gsm % 33 == 0 and abs(gsm / 1650 - seconds) < 0.1  # 33-byte frames, 20 ms each
        assert abs(ulaw / 8000 - seconds) < 0.05  # one byte per sample
    assert (tmp_path / "zh" / "hotline" / "welcome.wav").is_file()
    assert (tmp_path / "en" / "hotline" / "kb_test_1.ulaw").is_file()
    assert missing_audio(jobs, tmp_path) == []
    # nothing changed: nothing rendered again
    again = build(jobs, tmp_path)
    assert again.rendered == [] and len(again.unchanged) == len(jobs)
    assert set(FORMATS) == {"wav", "gsm", "ulaw"}


def test_prompts_build_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needs_tts()
    # pretend everything but two files is built, so the command renders just those
    jobs = catalogue_jobs([Language.EN]) + order_item_jobs(None, [Language.EN])
    for job in jobs[2:]:
        for fmt in FORMATS:
            path = job.path(tmp_path, fmt)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
    manifest = {j.key: j.fingerprint for j in jobs[2:]}
    (tmp_path / ".hotline-prompts.json").write_text(json.dumps(manifest))
    assert main(["prompts", "build", "--prompts-dir", str(tmp_path), "--language", "en"]) == 0
    assert (
        f"prompts in {tmp_path}: 2 rendered, {len(jobs) - 2} unchanged, 0 failed" in capsys.readouterr().out
    )


def test_check_with_a_store_reports_knowledge_audio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    assert main(["seed", "--url", url, "--today", "2024-06-10"]) == 0
    assert main(["ivr", "check", str(MENU_FILE), "--prompts-dir", str(tmp_path), "--url", url]) == 2
    out = capsys.readouterr().out
    assert "zh/hotline/kb_lost_phone_suspend_v1  手机丢失请立即拨打本热线，按6进入手机挂失" in out
    assert "en/hotline/kb_plan_58_v1  The 58 yuan plan includes 500 national minutes" in out
