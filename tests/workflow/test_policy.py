from __future__ import annotations

from datetime import timedelta

import pytest

from workflow.errors import ConfigError
from workflow.policy import MonitoringPolicy, parse_policy


def test_defaults_follow_the_seeds() -> None:
    policy = MonitoringPolicy()
    assert policy.chase_every == timedelta(minutes=30)
    assert (policy.warn_before_for("complaint"), policy.warn_before_for("fault")) == (
        timedelta(hours=2),
        timedelta(minutes=30),
    )


def test_a_configured_policy_keeps_defaults_for_what_it_leaves_out() -> None:
    policy = parse_policy({"warn_before_min": 90, "manager_after_min": 480, "chase_every_min": 0})
    assert policy == MonitoringPolicy(
        warn_before=timedelta(minutes=90), manager_after=timedelta(hours=8), chase_every=None
    )
    by_kind = parse_policy({"warn_before_min_by_kind": {"fault": 20, "complaint": 180}})
    assert by_kind.warn_before_for("fault") == timedelta(minutes=20)
    assert by_kind.warn_before_for("suggestion") == timedelta(hours=2)


def test_bad_configuration_names_each_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy({"warn_before_min": "2h", "chase_every": 30, "warn_before_min_by_kind": {"fault": 0.5}})
    assert caught.value.problems == (
        "chase_every: unknown (known: warn_before_min, warn_before_min_by_kind, supervisor_after_min, "
        "manager_after_min, chase_every_min)",
        "warn_before_min: must be a whole number of minutes",
        "warn_before_min_by_kind: must map a ticket kind to whole minutes",
    )
    with pytest.raises(ConfigError) as caught:
        parse_policy({"warn_before_min": 0, "supervisor_after_min": 300, "manager_after_min": 240})
    assert caught.value.problems == (
        "warn_before: must be more than 0",
        "manager_after: must be later than supervisor_after",
    )
