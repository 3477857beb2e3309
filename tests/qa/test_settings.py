"""A broken retention policy or sampling rule is refused at start-up, naming the key."""

from __future__ import annotations

import pytest

from node.settings import SettingsError, load_settings


def test_a_bad_retention_policy_is_refused_with_its_key() -> None:
    with pytest.raises(SettingsError, match=r"recordings\.retention: .*'6 months' is not a period"):
        load_settings(recordings={"retention": {"default": "6 months"}})
    with pytest.raises(SettingsError, match=r"recordings\.retention: .*default: missing"):
        load_settings(recordings={"retention": {"complaint": "2y"}})
    assert load_settings(recordings={"retention": {"default": "90d"}}).recordings.retention == {
        "default": "90d"
    }


def test_a_bad_sampling_rule_is_refused_with_its_key() -> None:
    with pytest.raises(SettingsError, match=r"qa\.sampling: .*rules\[0\]: n must be a whole number"):
        load_settings(qa={"sampling": [{"rule": "quota"}]})
    with pytest.raises(SettingsError, match=r"qa\.sampling: .*rule name 'complaint' is used twice"):
        load_settings(qa={"sampling": [{"rule": "complaint"}, {"rule": "complaint"}]})
