"""One typed settings object: TOML file, then HOTLINE_* environment variables, errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.settings import SettingsError, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "docker" / "hotline.example.toml"


def test_the_shipped_example_configuration_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    settings = load_settings(EXAMPLE)
    assert settings.acd.store == "redis"
    assert settings.log.format == "json"
    assert settings.agi.port == 4573


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_AMI__PORT", "5039")
    monkeypatch.setenv("HOTLINE_ACD__STORE", "memory")
    settings = load_settings(EXAMPLE)
    assert settings.ami.port == 5039
    assert settings.acd.store == "memory"


def test_errors_name_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[ami]\nport = "not a port"\n[acd]\nstore = "etcd"\n')
    with pytest.raises(SettingsError) as err:
        load_settings(bad)
    assert "ami.port" in str(err.value) and "acd.store" in str(err.value)


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "typo.toml"
    bad.write_text("[ami]\nprot = 5038\n")
    with pytest.raises(SettingsError, match=r"ami\.prot"):
        load_settings(bad)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_workflow_monitoring_is_configured_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    policy = load_settings(EXAMPLE).workflow.policy()
    assert policy.chase_every is not None and policy.chase_every.total_seconds() == 30 * 60
    assert policy.warn_before_for("fault").total_seconds() == 30 * 60
    monkeypatch.setenv("HOTLINE_WORKFLOW__CHASE_EVERY_MIN", "0")
    assert load_settings(EXAMPLE).workflow.policy().chase_every is None
    bad = tmp_path / "late.toml"
    bad.write_text("[workflow]\nsupervisor_after_min = 300\nmanager_after_min = 240\n")
    with pytest.raises(
        SettingsError, match=r"workflow: .*manager_after: must be later than supervisor_after"
    ):
        load_settings(bad)


def test_sentinels_and_the_lease_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    good = tmp_path / "cluster.toml"
    good.write_text(
        '[redis]\nsentinels = ["10.0.0.5:26379", "[::1]:26380"]\nsentinel_service = "hotline"\n'
        "wait_replicas = 1\n[lease]\nenabled = true\nttl_s = 4\n"
    )
    settings = load_settings(good)
    assert settings.redis.sentinels == ["10.0.0.5:26379", "[::1]:26380"]
    assert settings.redis.wait_replicas == 1
    assert settings.lease.enabled and settings.lease.ttl_s == 4.0
    bad = tmp_path / "bad-sentinel.toml"
    bad.write_text('[redis]\nsentinels = ["10.0.0.5"]\n')
    with pytest.raises(SettingsError) as err:
        load_settings(bad)
    assert "redis.sentinels" in str(err.value)
