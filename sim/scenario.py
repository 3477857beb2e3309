"""Scenario files: the phones the simulator plays and the traffic it generates.

A scenario is YAML::

    seed: 42
    phones:
      - {extensions: "1001-1010", kind: agent, ring: {uniform: [1, 3]}, talk: {exponential: 180}}
      - {extensions: "1011", kind: agent, answers: false}
      - {extensions: "9001", kind: qa, ring: 1}
    traffic:
      - name: hotline
        dial: "10000"
        context: from-pstn
        duration_s: 600
        arrivals_per_hour: 120          # Poisson arrivals
        callers:
          - weight: 3
            numbers: ["13800000001", "13800000002"]   # or prefix: "1390000", drawn at random
            keys: [{digits: "2", on: input, delay: 0.8}, {digits: "1234", on: input}]
            patience: {exponential: 300}
            talk: null

The same file and seed give the same call plan (arrival times, callers, keys, patience),
so a run can be replayed; :func:`call_plan` computes it without running anything.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.callers import CallerScript, KeyStep
from sim.distributions import Distribution, DistributionError, Fixed, parse_distribution
from sim.phones import PhoneProfile


class ScenarioError(ValueError):
    """The scenario file is unusable; the message says where."""


@dataclass(frozen=True)
class CallerProfile:
    weight: float
    numbers: tuple[str, ...]
    prefix: str | None
    keys: tuple[KeyStep, ...]
    patience: Distribution | None
    talk: Distribution | None
    hangup_after_s: float | None
    label: str


@dataclass(frozen=True)
class TrafficStream:
    name: str
    dial: str
    context: str
    duration_s: float
    arrivals_per_hour: float
    profiles: tuple[CallerProfile, ...]


@dataclass(frozen=True)
class Scenario:
    seed: int
    phones: tuple[PhoneProfile, ...]
    traffic: tuple[TrafficStream, ...]
    speed: float | None = None


@dataclass(frozen=True)
class PlannedCall:
    at_s: float
    stream: str
    script: CallerScript


def _extensions(spec: Any, where: str) -> list[str]:
    text = str(spec)
    out: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()) or int(b) < int(a) or len(a) != len(b):
                raise ScenarioError(f"{where}: bad extension range {part!r}")
            out += [str(n).zfill(len(a)) for n in range(int(a), int(b) + 1)]
        elif part:
            out.append(part)
    if not out:
        raise ScenarioError(f"{where}: no extensions")
    return out


def _dist(spec: Any, where: str) -> Distribution | None:
    if spec is None:
        return None
    try:
        return parse_distribution(spec, where)
    except DistributionError as exc:
        raise ScenarioError(str(exc)) from exc


def _keys(spec: Any, where: str) -> tuple[KeyStep, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, list):
        raise ScenarioError(f"{where}: keys must be a list")
    steps = []
    for i, item in enumerate(spec):
        w = f"{where}[{i}]"
        if isinstance(item, str):
            item = {"digits": item}
        if not isinstance(item, dict) or "digits" not in item:
            raise ScenarioError(f"{w}: each key step needs 'digits'")
        digits = str(item["digits"])
        bad = [d for d in digits if d not in "0123456789*#ABCD"]
        if bad:
            raise ScenarioError(f"{w}: not DTMF digits: {''.join(bad)!r}")
        on = item.get("on", "input")
        if on != "input" and not isinstance(on, int | float):
            raise ScenarioError(f"{w}: 'on' is 'input' or a number of seconds")
        steps.append(KeyStep(digits, on if on == "input" else float(on), float(item.get("delay", 0.5))))
    return tuple(steps)


def load_scenario(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    return parse_scenario(data, str(path))


def parse_scenario(data: Any, where: str = "scenario") -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected a mapping at the top")
    unknown = set(data) - {"seed", "phones", "traffic", "speed"}
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}")
    phones: list[PhoneProfile] = []
    for i, spec in enumerate(data.get("phones") or []):
        w = f"{where}: phones[{i}]"
        if not isinstance(spec, dict) or "extensions" not in spec:
            raise ScenarioError(f"{w}: needs 'extensions'")
        kind = spec.get("kind", "agent")
        if kind not in ("agent", "qa"):
            raise ScenarioError(f"{w}: kind must be agent or qa")
        for ext in _extensions(spec["extensions"], w):
            phones.append(
                PhoneProfile(
                    extension=ext,
                    kind=kind,
                    reachable=bool(spec.get("reachable", True)),
                    answers=bool(spec.get("answers", True)),
                    ring=_dist(spec.get("ring", 1.0), f"{w}.ring") or Fixed(1.0),
                    talk=_dist(spec.get("talk", 60.0 if kind == "agent" else None), f"{w}.talk"),
                )
            )
    streams: list[TrafficStream] = []
    for i, spec in enumerate(data.get("traffic") or []):
        w = f"{where}: traffic[{i}]"
        if not isinstance(spec, dict):
            raise ScenarioError(f"{w}: expected a mapping")
        for key in ("dial", "duration_s", "arrivals_per_hour", "callers"):
            if key not in spec:
                raise ScenarioError(f"{w}: missing {key!r}")
        profiles = []
        for j, prof in enumerate(spec["callers"]):
            pw = f"{w}.callers[{j}]"
            if not isinstance(prof, dict):
                raise ScenarioError(f"{pw}: expected a mapping")
            numbers = tuple(str(n) for n in prof.get("numbers") or ())
            prefix = prof.get("prefix")
            if not numbers and prefix is None:
                raise ScenarioError(f"{pw}: give 'numbers' or 'prefix'")
            profiles.append(
                CallerProfile(
                    weight=float(prof.get("weight", 1.0)),
                    numbers=numbers,
                    prefix=str(prefix) if prefix is not None else None,
                    keys=_keys(prof.get("keys"), f"{pw}.keys"),
                    patience=_dist(prof.get("patience"), f"{pw}.patience"),
                    talk=_dist(prof.get("talk"), f"{pw}.talk"),
                    hangup_after_s=float(prof["hangup_after_s"]) if prof.get("hangup_after_s") else None,
                    label=str(prof.get("label", f"profile{j}")),
                )
            )
        if sum(p.weight for p in profiles) <= 0:
            raise ScenarioError(f"{w}: caller weights must add up to more than 0")
        streams.append(
            TrafficStream(
                name=str(spec.get("name", f"stream{i}")),
                dial=str(spec["dial"]),
                context=str(spec.get("context", "from-pstn")),
                duration_s=float(spec["duration_s"]),
                arrivals_per_hour=float(spec["arrivals_per_hour"]),
                profiles=tuple(profiles),
            )
        )
    speed = data.get("speed")
    return Scenario(int(data.get("seed", 0)), tuple(phones), tuple(streams), float(speed) if speed else None)


def call_plan(scenario: Scenario) -> list[PlannedCall]:
    """Every call the scenario will place, in order: deterministic for a given seed."""
    plan: list[PlannedCall] = []
    for index, stream in enumerate(scenario.traffic):
        rng = random.Random(f"{scenario.seed}/{index}/{stream.name}")
        t = 0.0
        rate_per_s = stream.arrivals_per_hour / 3600.0
        if rate_per_s <= 0:
            continue
        weights = [p.weight for p in stream.profiles]
        while True:
            t += rng.expovariate(rate_per_s)
            if t > stream.duration_s:
                break
            prof = rng.choices(stream.profiles, weights)[0]
            number = rng.choice(prof.numbers) if prof.numbers else f"{prof.prefix}{rng.randrange(10000):04d}"
            script = CallerScript(
                number=number,
                dial=stream.dial,
                context=stream.context,
                steps=prof.keys,
                hangup_after_s=prof.hangup_after_s,
                patience=_fixed(prof.patience, rng),
                talk=_fixed(prof.talk, rng),
                label=prof.label,
            )
            plan.append(PlannedCall(t, stream.name, script))
    plan.sort(key=lambda c: c.at_s)
    return plan


def _fixed(dist: Distribution | None, rng: random.Random) -> Distribution | None:
    """Draw now, so the plan (not the run's timing) decides every random duration."""
    return None if dist is None else Fixed(dist.sample(rng))
