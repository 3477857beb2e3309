"""A campaign's settings as JSON: what the API and ``hotline campaign create`` accept and what the
``campaigns.config`` column keeps.  Example (every key optional except where said)::

    {"pacing": {"mode": "predictive", "target_abandon_rate": 0.015, "max_dial_level": 3},
     "skill": "billing",                       # required unless the pacing is automated
     "windows": [["09:00", "12:00"], ["14:00", "20:00"]],
     "days": "working_days",                   # or all_but_holidays, every_day
     "timezone": "Asia/Shanghai", "priority": 5, "ring_s": 25,
     "retry": {"max_attempts": 5,
               "rules": {"busy": {"retry": true, "delay_s": 3600, "factor": 1, "max_attempts": 3}}}}

Pacing modes: ``{"mode": "automated", "max_calls": N}``, ``{"mode": "progressive"}``,
``{"mode": "predictive", …PredictivePacing fields…}``.  Holidays are not per campaign: every
campaign uses the node's calendar (chinese-calendar and ``[outbound] holidays_file``).
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outbound.calendar import DEFAULT_WINDOWS, CallingSchedule, DayRule, HolidayCalendar, Window
from outbound.campaign import Campaign, CampaignKind, CampaignState
from outbound.errors import ModelError
from outbound.outcomes import Outcome
from outbound.pacing import AutomatedPacing, Pacing, ProgressivePacing
from outbound.predictive import PredictivePacing
from outbound.retry import DEFAULT_RULES, RetryPolicy, RetryRule

__all__ = ["build_campaign", "campaign_config"]

_KEYS = frozenset({"pacing", "skill", "windows", "days", "timezone", "priority", "ring_s", "retry"})


def build_campaign(
    campaign_id: str,
    name: str,
    kind: str,
    config: dict[str, Any],
    holidays: HolidayCalendar,
    *,
    state: str = CampaignState.DRAFT.value,
    state_since: datetime | None = None,
    version: int = 0,
) -> Campaign:
    """The campaign described by ``config``; raises :class:`ModelError` naming the bad key."""
    unknown = sorted(set(config) - _KEYS)
    if unknown:
        raise ModelError(f"unknown campaign setting(s): {', '.join(unknown)}")
    try:
        kind_value = CampaignKind(kind)
    except ValueError:
        raise ModelError(f"kind must be one of {', '.join(k.value for k in CampaignKind)}") from None
    try:
        days = DayRule(config.get("days", DayRule.WORKING_DAYS.value))
    except ValueError:
        raise ModelError(f"days must be one of {', '.join(d.value for d in DayRule)}") from None
    try:
        tz = ZoneInfo(str(config.get("timezone", "Asia/Shanghai")))
    except (ZoneInfoNotFoundError, ValueError):
        raise ModelError(f"unknown time zone {config.get('timezone')!r}") from None
    schedule = CallingSchedule(_windows(config.get("windows")), days, tz, holidays)
    return Campaign(
        id=campaign_id,
        name=name,
        kind=kind_value,
        pacing=_pacing(config.get("pacing", {"mode": "progressive"})),
        schedule=schedule,
        retry=_retry(config.get("retry", {})),
        skill=config.get("skill"),
        priority=_number(config, "priority", 5, int),
        ring_s=_number(config, "ring_s", 25.0, float),
        state=CampaignState(state),
        state_since=state_since,
        version=version,
    )


def campaign_config(campaign: Campaign) -> dict[str, Any]:
    """The JSON that :func:`build_campaign` turns back into ``campaign``."""
    pacing: dict[str, Any]
    if isinstance(campaign.pacing, AutomatedPacing):
        pacing = {"mode": "automated", "max_calls": campaign.pacing.max_calls}
    elif isinstance(campaign.pacing, ProgressivePacing):
        pacing = {"mode": "progressive"}
    else:
        pacing = {"mode": "predictive", **asdict(campaign.pacing)}
    rules = {
        outcome.value: {
            "retry": rule.retry,
            "delay_s": rule.delay.total_seconds(),
            "factor": rule.factor,
            "max_attempts": rule.max_attempts,
            "max_delay_s": rule.max_delay.total_seconds(),
        }
        for outcome, rule in campaign.retry.rules
        if DEFAULT_RULES[outcome] != rule
    }
    return {
        "pacing": pacing,
        "skill": campaign.skill,
        "windows": [[w.start.strftime("%H:%M"), w.end.strftime("%H:%M")] for w in campaign.schedule.windows],
        "days": campaign.schedule.days.value,
        "timezone": campaign.schedule.tz.key,
        "priority": campaign.priority,
        "ring_s": campaign.ring_s,
        "retry": {"max_attempts": campaign.retry.max_attempts, "rules": rules},
    }


def _windows(raw: Any) -> tuple[Window, ...]:
    if raw is None:
        return DEFAULT_WINDOWS
    if not isinstance(raw, list) or not raw:
        raise ModelError("windows: a list of [start, end] pairs such as ['09:00', '12:00']")
    windows = []
    for pair in raw:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ModelError(f"windows: {pair!r} is not a [start, end] pair")
        try:
            start, end = (time.fromisoformat(str(p)) for p in pair)
        except ValueError:
            raise ModelError(f"windows: {pair!r} is not HH:MM times") from None
        windows.append(Window(start, end))
    return tuple(windows)


def _pacing(raw: Any) -> Pacing:
    if not isinstance(raw, dict) or "mode" not in raw:
        raise ModelError("pacing: an object with a mode (automated, progressive, predictive)")
    rest = {k: v for k, v in raw.items() if k != "mode"}
    mode = raw["mode"]
    if mode == "automated":
        if set(rest) != {"max_calls"} or not isinstance(rest["max_calls"], int):
            raise ModelError("pacing: automated needs max_calls (a whole number) and nothing else")
        return AutomatedPacing(rest["max_calls"])
    if mode == "progressive":
        if rest:
            raise ModelError("pacing: progressive takes no settings")
        return ProgressivePacing()
    if mode == "predictive":
        known = {f.name for f in fields(PredictivePacing)}
        if not set(rest) <= known:
            raise ModelError(f"pacing: predictive settings are {', '.join(sorted(known))}")
        try:
            return PredictivePacing(**{k: float(v) for k, v in rest.items()})
        except (TypeError, ValueError) as exc:
            raise ModelError(f"pacing: {exc}") from exc
    raise ModelError(f"pacing: unknown mode {mode!r}")


def _retry(raw: Any) -> RetryPolicy:
    if not isinstance(raw, dict) or not set(raw) <= {"max_attempts", "rules"}:
        raise ModelError("retry: an object with max_attempts and rules")
    overrides: dict[Outcome, RetryRule] = {}
    for name, body in (raw.get("rules") or {}).items():
        try:
            outcome = Outcome(name)
        except ValueError:
            raise ModelError(f"retry: unknown outcome {name!r}") from None
        if not isinstance(body, dict):
            raise ModelError(f"retry: the rule for {name} must be an object")
        try:
            overrides[outcome] = RetryRule(
                retry=bool(body.get("retry", True)),
                delay=timedelta(seconds=float(body.get("delay_s", 0))),
                factor=float(body.get("factor", 1)),
                max_attempts=int(body.get("max_attempts", 1)),
                max_delay=timedelta(seconds=float(body.get("max_delay_s", 7 * 86400))),
            )
        except (TypeError, ValueError) as exc:
            raise ModelError(f"retry: {name}: {exc}") from exc
    max_attempts = raw.get("max_attempts", 5)
    if not isinstance(max_attempts, int):
        raise ModelError("retry: max_attempts must be a whole number")
    return RetryPolicy.with_rules(overrides, max_attempts)


def _number(config: dict[str, Any], key: str, default: Any, kind: type[int] | type[float]) -> Any:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelError(f"{key} must be a number")
    if kind is int and int(value) != value:
        raise ModelError(f"{key} must be a whole number")
    return kind(value)
