"""When workflow monitoring warns, marks, escalates and chases: one typed, checked policy.

Configuration in minutes (errors name the key)::

    warn_before_min: 120            # warn the owner this long before the due time
    warn_before_min_by_kind: {fault: 30}
    supervisor_after_min: 60        # escalate to the prefecture supervisor this long after it
    manager_after_min: 240          # then to the manager hotline (经理热线)
    chase_every_min: 30             # chase the department (追单); 0 turns chasing off

Defaults follow the seeds: chases every 30 minutes (seed 003: "30分钟追一次单"); a fault's
first-line limits are 1–2 hours, so its warning comes 30 minutes ahead, a complaint's (24 hours) 2 hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from workflow.errors import ConfigError

__all__ = ["MonitoringPolicy", "parse_policy"]

_KEYS = (
    "warn_before_min",
    "warn_before_min_by_kind",
    "supervisor_after_min",
    "manager_after_min",
    "chase_every_min",
)


@dataclass(frozen=True, slots=True)
class MonitoringPolicy:
    warn_before: timedelta = timedelta(hours=2)
    warn_before_by_kind: Mapping[str, timedelta] = field(
        default_factory=lambda: {"fault": timedelta(minutes=30)}
    )
    supervisor_after: timedelta = timedelta(hours=1)
    manager_after: timedelta = timedelta(hours=4)
    chase_every: timedelta | None = timedelta(minutes=30)

    def __post_init__(self) -> None:
        problems = []
        leads = {"warn_before": self.warn_before} | {
            f"warn_before_by_kind.{k}": v for k, v in self.warn_before_by_kind.items()
        }
        problems += [f"{key}: must be more than 0" for key, lead in leads.items() if lead <= timedelta(0)]
        if self.supervisor_after < timedelta(0):
            problems.append("supervisor_after: must not be negative")
        if self.manager_after <= self.supervisor_after:
            problems.append("manager_after: must be later than supervisor_after")
        if self.chase_every is not None and self.chase_every <= timedelta(0):
            problems.append("chase_every: must be more than 0 (or none)")
        if problems:
            raise ConfigError("monitoring policy", problems)

    def warn_before_for(self, kind: str) -> timedelta:
        return self.warn_before_by_kind.get(kind, self.warn_before)


def parse_policy(data: Mapping[str, object]) -> MonitoringPolicy:
    """A policy from configuration; keys left out keep their defaults."""
    problems = [f"{key}: unknown (known: {', '.join(_KEYS)})" for key in data if key not in _KEYS]
    defaults = MonitoringPolicy()
    warn_before = _minutes(data, "warn_before_min", problems)
    supervisor_after = _minutes(data, "supervisor_after_min", problems)
    manager_after = _minutes(data, "manager_after_min", problems)
    chase_every = (
        _minutes(data, "chase_every_min", problems) if "chase_every_min" in data else defaults.chase_every
    )
    by_kind = data.get("warn_before_min_by_kind", {})
    if not isinstance(by_kind, Mapping) or any(type(v) is not int for v in by_kind.values()):
        problems.append("warn_before_min_by_kind: must map a ticket kind to whole minutes")
        by_kind = {}
    if problems:
        raise ConfigError("monitoring policy", problems)
    return MonitoringPolicy(
        warn_before=defaults.warn_before if warn_before is None else warn_before,
        warn_before_by_kind=(
            {str(k): timedelta(minutes=v) for k, v in by_kind.items()}
            if "warn_before_min_by_kind" in data
            else defaults.warn_before_by_kind
        ),
        supervisor_after=defaults.supervisor_after if supervisor_after is None else supervisor_after,
        manager_after=defaults.manager_after if manager_after is None else manager_after,
        chase_every=None if chase_every == timedelta(0) else chase_every,
    )


def _minutes(data: Mapping[str, object], key: str, problems: list[str]) -> timedelta | None:
    if key not in data:
        return None
    value = data[key]
    if type(value) is not int:
        problems.append(f"{key}: must be a whole number of minutes")
        return None
    return timedelta(minutes=value)
