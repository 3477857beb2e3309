"""Overflow rules: which agents a call may reach, widening step by step as it waits.

Like the workflow steps of commercial routers: a rule matches calls by segment, skill and
required level, and lists steps; each step says which level and which prefecture may take the
call and how long the step lasts.  The last step lasts for ever.  Example (the shipped
``acd/rules.yaml``): a VIP complaint goes to a senior of its own prefecture for 2 s, then to any
senior or manager — never to a junior (seed 000).  A rule may also give its calls a
``head_start_s`` on top of their segment's (:mod:`acd.priority`): an emergency (a lost phone to
suspend) ranks ahead of every call already waiting.

Step times count from the entry's ``enqueued_at``; the step in force is a function of elapsed
time only, so any node can work it out after a restart.  A step's ``min_level`` replaces the
requirement's; omitted, the requirement's level holds (escalations keep their level that way).

The file (YAML or TOML) is checked when loaded; errors name the file, the rule and the step.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from acd.errors import ModelError, RulesError
from acd.model import AgentLevel, Segment, SkillRequirement, WaitingEntry, check_name
from acd.priority import PriorityPolicy
from acd.routing import ChoicePolicy, Eligibility

__all__ = [
    "DEFAULT_RULES_FILE",
    "OverflowRule",
    "OverflowStep",
    "PrefectureScope",
    "RoutingConfig",
    "RuleMatch",
    "StepState",
    "load_routing",
    "parse_routing",
]

DEFAULT_RULES_FILE = Path(__file__).with_name("rules.yaml")


class PrefectureScope(enum.StrEnum):
    OWN = "own"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class OverflowStep:
    min_level: AgentLevel | None  # None: the requirement's own level
    prefecture: PrefectureScope
    timeout_s: float | None  # None only on the last step


@dataclass(frozen=True, slots=True)
class RuleMatch:
    segments: frozenset[Segment] | None = None  # None: any
    skills: frozenset[str] | None = None
    min_levels: frozenset[AgentLevel] | None = None

    def matches(self, segment: Segment, requirement: SkillRequirement) -> bool:
        return (
            (self.segments is None or segment in self.segments)
            and (self.skills is None or requirement.skill in self.skills)
            and (self.min_levels is None or requirement.min_level in self.min_levels)
        )

    @property
    def is_catch_all(self) -> bool:
        return self.segments is None and self.skills is None and self.min_levels is None


@dataclass(frozen=True, slots=True)
class StepState:
    """The overflow step in force for an entry: who may take it, and when that changes."""

    index: int
    eligibility: Eligibility
    next_at: float | None  # when the next step starts; None on the last step


@dataclass(frozen=True, slots=True)
class OverflowRule:
    name: str
    match: RuleMatch
    steps: tuple[OverflowStep, ...]
    # seconds of head start on top of the segment's (acd.priority): an emergency jumps every line
    head_start_s: float = 0.0

    def state_at(self, entry: WaitingEntry, now: float) -> StepState:
        elapsed = max(0.0, now - entry.enqueued_at)
        start = 0.0
        for index, step in enumerate(self.steps):
            end = None if step.timeout_s is None else start + step.timeout_s
            if end is None or elapsed < end:
                level = step.min_level if step.min_level is not None else entry.requirement.min_level
                own = step.prefecture is PrefectureScope.OWN
                next_at = None if end is None else entry.enqueued_at + end
                return StepState(index, Eligibility.of(entry, level, own), next_at)
            start = end
        raise AssertionError(f"rule {self.name!r} has no open-ended last step")  # checked at load


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    rules: tuple[OverflowRule, ...]
    priority: PriorityPolicy
    choice: ChoicePolicy
    source: str = "<built-in>"

    def rule_for(self, segment: Segment, requirement: SkillRequirement) -> OverflowRule:
        for rule in self.rules:
            if rule.match.matches(segment, requirement):
                return rule
        raise AssertionError("the last rule matches everything")  # checked at load

    def rule_of(self, entry: WaitingEntry) -> OverflowRule:
        """The entry's rule by name; if that rule is gone (config changed), match afresh."""
        for rule in self.rules:
            if rule.name == entry.rule:
                return rule
        return self.rule_for(entry.segment, entry.requirement)

    def state_at(self, entry: WaitingEntry, now: float) -> StepState:
        return self.rule_of(entry).state_at(entry, now)


def load_routing(path: Path | str | None = None) -> RoutingConfig:
    """Read routing rules from a YAML or TOML file (default: the shipped ``acd/rules.yaml``)."""
    p = Path(path) if path is not None else DEFAULT_RULES_FILE
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read routing rules {p}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RulesError(f"routing rules {p}: not UTF-8 text (byte {exc.start}): {exc.reason}") from exc
    try:
        data: object = tomllib.loads(text) if p.suffix == ".toml" else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{p}: not valid {'TOML' if p.suffix == '.toml' else 'YAML'}: {exc}") from exc
    return parse_routing(data, str(p))


def parse_routing(data: object, source: str = "<rules>") -> RoutingConfig:
    top = _mapping(data, source, {"priority", "agent_choice", "rules"})
    priority = _priority(top.get("priority", {}), f"{source}: priority")
    choice = _choice(top.get("agent_choice", {}), f"{source}: agent_choice")
    raw_rules = top.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError(f"{source}: 'rules' must be a non-empty list")
    rules: list[OverflowRule] = []
    for i, raw in enumerate(raw_rules, start=1):
        rule = _rule(raw, f"{source}: rule #{i}")
        if any(r.name == rule.name for r in rules):
            raise RulesError(f"{source}: rule {rule.name!r} is defined twice")
        if rules and rules[-1].match.is_catch_all:
            raise RulesError(
                f"{source}: rule {rule.name!r} can never match: "
                f"rule {rules[-1].name!r} before it matches every call"
            )
        rules.append(rule)
    if not rules[-1].match.is_catch_all:
        raise RulesError(
            f"{source}: the last rule ({rules[-1].name!r}) must match every call (an empty 'match')"
        )
    return RoutingConfig(tuple(rules), priority, choice, source)


def _mapping(data: object, where: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise RulesError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise RulesError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )
    return data


def _number(value: object, where: str, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{where}: expected a number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise RulesError(f"{where}: must be {'positive' if positive else 'zero or more'}, got {value!r}")
    return float(value)


def _list(value: object, where: str) -> Sequence[object]:
    if isinstance(value, str) or not isinstance(value, list):
        raise RulesError(f"{where}: expected a list, got {value!r}")
    if not value:
        raise RulesError(f"{where}: an empty list matches nothing; leave the key out to match anything")
    return value


def _level(value: object, where: str) -> AgentLevel:
    try:
        if not isinstance(value, str | int):
            raise ModelError(f"{value!r} is not a level name")
        return AgentLevel.parse(value)
    except ModelError as exc:
        raise RulesError(f"{where}: {exc}") from None


def _priority(data: object, where: str) -> PriorityPolicy:
    top = _mapping(data, where, {"head_start_s"})
    raw = _mapping(top.get("head_start_s", {}), f"{where}.head_start_s", {s.value for s in Segment})
    head_start = {s: 0.0 for s in Segment}
    head_start.update(PriorityPolicy().head_start_s)
    for key, value in raw.items():
        head_start[Segment(key)] = _number(value, f"{where}.head_start_s.{key}", positive=False)
    return PriorityPolicy(head_start)


def _choice(data: object, where: str) -> ChoicePolicy:
    top = _mapping(data, where, {"conserve_higher_levels", "keep_free"})
    conserve = top.get("conserve_higher_levels", True)
    if not isinstance(conserve, bool):
        raise RulesError(f"{where}.conserve_higher_levels: expected true or false, got {conserve!r}")
    raw = _mapping(top.get("keep_free", {}), f"{where}.keep_free", {lv.label for lv in AgentLevel})
    keep: dict[AgentLevel, int] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RulesError(f"{where}.keep_free.{key}: expected a whole number >= 0, got {value!r}")
        keep[AgentLevel.parse(key)] = value
    return ChoicePolicy(conserve, keep)


def _rule(data: object, where: str) -> OverflowRule:
    raw = _mapping(data, where, {"name", "match", "steps", "head_start_s"})
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RulesError(f"{where}: every rule needs a 'name'")
    where = f"{where.rsplit(':', 1)[0]}: rule {name!r}"
    match = _match(raw.get("match", {}), f"{where}, match")
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise RulesError(f"{where}: 'steps' must be a non-empty list")
    steps: list[OverflowStep] = []
    for i, item in enumerate(raw_steps, start=1):
        step_where = f"{where}, step {i}"
        s = _mapping(item, step_where, {"min_level", "prefecture", "timeout_s"})
        level = None if s.get("min_level") is None else _level(s["min_level"], f"{step_where}, min_level")
        scope_text = s.get("prefecture", "any")
        try:
            scope = PrefectureScope(scope_text)
        except ValueError:
            raise RulesError(
                f"{step_where}, prefecture: expected 'own' or 'any', got {scope_text!r}"
            ) from None
        last = i == len(raw_steps)
        timeout = s.get("timeout_s")
        if last and timeout is not None:
            raise RulesError(
                f"{step_where}: the last step must not have a timeout_s (there is nothing after it)"
            )
        if not last and timeout is None:
            raise RulesError(f"{step_where}: needs a timeout_s (a later step follows it)")
        steps.append(
            OverflowStep(
                level,
                scope,
                None if timeout is None else _number(timeout, f"{step_where}, timeout_s", positive=True),
            )
        )
    head_start = _number(raw.get("head_start_s", 0), f"{where}, head_start_s", positive=False)
    return OverflowRule(name, match, tuple(steps), head_start)


def _match(data: object, where: str) -> RuleMatch:
    raw = _mapping(data, where, {"segments", "skills", "min_levels"})
    segments = skills = levels = None
    try:
        if "segments" in raw:
            segments = frozenset(Segment.parse(str(v)) for v in _list(raw["segments"], f"{where}.segments"))
        if "skills" in raw:
            skills = frozenset(check_name("skill", str(v)) for v in _list(raw["skills"], f"{where}.skills"))
    except ModelError as exc:
        raise RulesError(f"{where}: {exc}") from None
    if "min_levels" in raw:
        levels = frozenset(
            _level(v, f"{where}.min_levels") for v in _list(raw["min_levels"], f"{where}.min_levels")
        )
    return RuleMatch(segments, skills, levels)
