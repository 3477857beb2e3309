"""Which calls QA scores (抽检): rules over the facts of candidate calls, chosen with a seeded RNG.

Rules:

* :class:`AllLowRated` — every call whose post-call rating is low (不满意 by default);
* :class:`AllComplaints` — every call on which a complaint ticket was registered;
* :class:`QuotaPerAgent` — ``n`` calls of each agent per day, week (ISO, Monday first) or month,
  days counted in the centres' time zone (UTC+8 unless told).

A call is selected once, with every rule that picked it as its reasons.  Overlaps: the "all" rules
run first; a quota then counts every call of that agent and period that is already selected (by
an "all" rule, an earlier quota, or an earlier run: ``already_selected``) and tops up at random from
the agent's other calls of the period.  So a quota is "at least n calls per agent per period", not
n more; an agent with 2 complaint calls and a quota of 5 gets 3 random calls besides.  An agent
with fewer calls than needed has them all picked.

Deterministic: the candidates are sorted by call id and each (rule, agent, period) draws from its own
``random.Random`` seeded with ``seed``, the rule's name, the agent and the period, so the order of the
candidates and the other agents' calls do not change who is picked.  Pass every call of the periods
concerned (not only those since the last run) and what earlier runs picked as ``already_selected``.
"""

from __future__ import annotations

import enum
import random
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from qa.centre_time import CENTRE_TZ, local_date
from qa.errors import PolicyError

__all__ = [
    "AllComplaints",
    "AllLowRated",
    "CallFacts",
    "Period",
    "QuotaPerAgent",
    "Rating",
    "SampledCall",
    "SamplingRule",
    "parse_rules",
    "period_key",
    "select_calls",
]


class Rating(enum.StrEnum):
    """The caller's post-call rating keyed in after the agent hangs up."""

    SATISFIED = "satisfied"  # 满意
    FAIRLY_SATISFIED = "fairly_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class Period(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class CallFacts:
    call_id: str  # the call's linkedid
    agent_id: str
    prefecture: str
    ended_at: datetime
    rating: Rating | None = None
    complaint: bool = False  # a complaint ticket was registered on this call


@dataclass(frozen=True, slots=True)
class AllLowRated:
    ratings: frozenset[Rating] = frozenset({Rating.DISSATISFIED})
    name: str = "low-rating"


@dataclass(frozen=True, slots=True)
class AllComplaints:
    name: str = "complaint"


@dataclass(frozen=True, slots=True)
class QuotaPerAgent:
    n: int
    period: Period = Period.WEEK
    name: str = "quota"


SamplingRule = AllLowRated | AllComplaints | QuotaPerAgent


@dataclass(frozen=True, slots=True)
class SampledCall:
    call: CallFacts
    reasons: tuple[str, ...]  # names of the rules that picked it, in rule order


def period_key(at: datetime, period: Period, tz: tzinfo = CENTRE_TZ) -> str:
    """The period ``at`` falls in, as the centres count days: ``2024-01-15``, ``2024-W03``, ``2024-01``."""
    local = local_date(at, tz)
    if period is Period.DAY:
        return local.isoformat()
    if period is Period.WEEK:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def select_calls(
    candidates: Iterable[CallFacts],
    rules: Sequence[SamplingRule],
    *,
    seed: int | str,
    already_selected: Collection[str] = frozenset(),
    tz: tzinfo = CENTRE_TZ,
) -> tuple[SampledCall, ...]:
    """The calls to score now, in the order they ended; never one of ``already_selected``."""
    _check_rules(rules)
    calls = sorted(candidates, key=lambda c: c.call_id)
    duplicates = sorted(i for i, n in Counter(c.call_id for c in calls).items() if n > 1)
    if duplicates:
        raise PolicyError("sampling candidates", [f"call {i!r} given more than once" for i in duplicates])
    prior = frozenset(already_selected)
    reasons: dict[str, list[str]] = {}
    targeted = [r for r in rules if not isinstance(r, QuotaPerAgent)]
    quotas = [r for r in rules if isinstance(r, QuotaPerAgent)]
    for rule in targeted:
        for call in calls:
            if call.call_id not in prior and _targets(rule, call):
                reasons.setdefault(call.call_id, []).append(rule.name)
    for quota in quotas:
        groups: defaultdict[tuple[str, str], list[CallFacts]] = defaultdict(list)
        for call in calls:
            groups[(call.agent_id, period_key(call.ended_at, quota.period, tz))].append(call)
        for (agent, key), group in sorted(groups.items()):
            pool = [c for c in group if c.call_id not in prior and c.call_id not in reasons]
            need = min(quota.n - (len(group) - len(pool)), len(pool))
            if need > 0:
                draw = random.Random(f"{seed}|{quota.name}|{agent}|{key}")
                for call in draw.sample(pool, need):
                    reasons[call.call_id] = [quota.name]
    chosen = (SampledCall(c, tuple(reasons[c.call_id])) for c in calls if c.call_id in reasons)
    return tuple(sorted(chosen, key=lambda s: (s.call.ended_at, s.call.call_id)))


def parse_rules(data: object) -> tuple[SamplingRule, ...]:
    """Rules from configuration, e.g. ``[{rule: quota, n: 5, period: week}, {rule: low-rating},
    {rule: complaint}]``; ``low-rating`` takes ``ratings`` and every rule an optional ``name``.

    Raises :class:`PolicyError` naming each bad item (``rules[1]``).
    """
    if not isinstance(data, list):
        raise PolicyError("sampling rules", ["must be a list of rules"])
    rules: list[SamplingRule] = []
    problems: list[str] = []
    for index, item in enumerate(data):
        where = f"rules[{index}]"
        try:
            rules.append(_parse_rule(item))
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise PolicyError("sampling rules", problems)
    _check_rules(rules)
    return tuple(rules)


def _parse_rule(item: object) -> SamplingRule:
    if not isinstance(item, dict):
        raise TypeError("must be a mapping with a 'rule' key")
    kind = item.get("rule")
    allowed = {"quota": {"rule", "name", "n", "period"}, "low-rating": {"rule", "name", "ratings"}}
    allowed["complaint"] = {"rule", "name"}
    if kind not in allowed:
        raise ValueError(f"rule must be one of {', '.join(sorted(allowed))}, not {kind!r}")
    unknown = sorted(str(k) for k in item if k not in allowed[kind])
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)} for a {kind} rule")
    name = item.get("name", kind)
    if not isinstance(name, str) or not name:
        raise ValueError("name must be non-empty text")
    if kind == "quota":
        n = item.get("n")
        if type(n) is not int:
            raise ValueError("n must be a whole number")
        period = item.get("period", "week")
        if period not in set(Period):
            raise ValueError(f"period must be day, week or month, not {period!r}")
        return QuotaPerAgent(n, Period(period), name)
    if kind == "low-rating":
        ratings = item.get("ratings", [Rating.DISSATISFIED.value])
        if not isinstance(ratings, list) or any(r not in set(Rating) for r in ratings):
            raise ValueError(f"ratings must be a list of {', '.join(Rating)}")
        return AllLowRated(frozenset(Rating(r) for r in ratings), name)
    return AllComplaints(name)


def _targets(rule: AllLowRated | AllComplaints, call: CallFacts) -> bool:
    if isinstance(rule, AllLowRated):
        return call.rating is not None and call.rating in rule.ratings
    return call.complaint


def _check_rules(rules: Sequence[SamplingRule]) -> None:
    problems = []
    names = [r.name for r in rules]
    problems += [f"rule name {n!r} is used twice" for n in sorted({n for n in names if names.count(n) > 1})]
    for rule in rules:
        if isinstance(rule, QuotaPerAgent) and (type(rule.n) is not int or rule.n < 1):
            problems.append(f"rule {rule.name!r}: n must be a whole number ≥ 1")
        if isinstance(rule, AllLowRated) and not rule.ratings:
            problems.append(f"rule {rule.name!r}: needs at least one rating")
    if problems:
        raise PolicyError("sampling rules", problems)
