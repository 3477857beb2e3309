"""The demo's callers: who calls the hotline and what they press, as a simulator scenario.

The mix follows what a provincial hotline sees: most callers want their bill (self-service
with their service password), then complaints, fault reports, consultations, suggestions and
people who go straight to an agent.  Callers are the seeded demo customers (so look-ups,
PINs and tickets are real) plus unknown numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.scenario import Scenario, parse_scenario

# (number, PIN) of demo customers (demo/data.py)
CUSTOMERS = [
    ("13800000001", "123456"),
    ("13800000002", "234567"),
    ("13800000003", "345678"),
    ("13800000004", "456789"),
    ("13800000005", "567890"),
    ("13800000006", "678901"),
    ("13800000008", "789012"),
    ("13800000009", "890123"),
    ("13800000010", "901234"),
]
VIP_AND_PRIVATE_LINE = ["13800000003", "13800000004", "13800000008", "13800000010"]


@dataclass(frozen=True)
class DemoOptions:
    minutes: float = 5.0
    agents: int = 12
    rate_per_min: float = 6.0
    seed: int = 1
    speed: float = 10.0


def _profile(label: str, weight: float, numbers: list[str], keys: list[Any], **extra: Any) -> dict[str, Any]:
    return {"label": label, "weight": weight, "numbers": numbers, "keys": keys, **extra}


def demo_scenario(options: DemoOptions, agent_extensions: list[str]) -> Scenario:
    profiles: list[dict[str, Any]] = []
    for number, pin in CUSTOMERS:
        profiles.append(
            _profile(
                f"bill query {number}", 3.0 / len(CUSTOMERS), [number], ["2", f"{pin}#"], hangup_after_s=150
            )
        )
    profiles += [
        _profile(
            "complaint (billing dispute)",
            1.2,
            [n for n, _ in CUSTOMERS],
            ["3", "1", "3"],
            patience={"exponential": 240},
        ),
        _profile(
            "VIP / private-line complaint",
            0.6,
            VIP_AND_PRIVATE_LINE,
            ["3", "2"],
            patience={"exponential": 300},
        ),
        _profile("fault report", 1.2, [n for n, _ in CUSTOMERS], ["4", "1", "1"], hangup_after_s=120),
        _profile("consultation", 1.0, [], ["1", "2"], prefix="1390000", hangup_after_s=60),
        _profile("suggestion", 0.4, [n for n, _ in CUSTOMERS], ["3", "6"], hangup_after_s=90),
        _profile("straight to an agent", 1.0, [], ["0"], prefix="1370000", patience={"exponential": 180}),
        _profile(
            "wrong PIN",
            0.3,
            ["13800000005"],
            ["2", "000000#", "111111#", "222222#"],
            patience={"exponential": 120},
        ),
    ]
    for p in profiles:
        if not p["numbers"]:
            del p["numbers"]
    data = {
        "seed": options.seed,
        "phones": [
            {
                "extensions": ",".join(agent_extensions),
                "kind": "agent",
                "ring": {"uniform": [1, 4]},
                "talk": {"lognormal": {"mean": 150, "sd": 80}},
            },
            # the demo QA staff's phones (cti/api demo users)
            {"extensions": "8001,8002,8010", "kind": "qa", "ring": 2, "talk": None},
        ],
        "traffic": [
            {
                "name": "hotline",
                "dial": "10000",
                "context": "from-pstn",
                "duration_s": options.minutes * 60,
                "arrivals_per_hour": options.rate_per_min * 60,
                "callers": profiles,
            }
        ],
    }
    return parse_scenario(data, "demo scenario")
