"""What this node depends on, and which of it is down: ``GET /health``.

Each dependency is a named probe — an awaitable that returns ``None`` when the dependency answers
and raises (or returns a sentence) when it does not.  :meth:`NodeHealth.check` runs them side by
side, each within ``timeout_s``, and says for each whether it is up, what is wrong and how long it
took; the node is up when every probe is, and never while it is draining (shutting down: a load
balancer must stop sending it work).  The composition root (:mod:`node.web`) builds the probes:
the AMI session, the database (``SELECT 1``) and Redis (``PING``) where the node uses it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

__all__ = ["Dependency", "HealthReport", "NodeHealth", "Probe"]

Probe = Callable[[], Awaitable[str | None]]  # None: up; a sentence (or an exception): down


@dataclass(frozen=True, slots=True)
class Dependency:
    name: str
    up: bool
    detail: str  # "" when up
    ms: float


@dataclass(frozen=True, slots=True)
class HealthReport:
    dependencies: tuple[Dependency, ...]
    draining: bool

    @property
    def up(self) -> bool:
        return not self.draining and all(d.up for d in self.dependencies)

    @property
    def down(self) -> list[str]:
        return [d.name for d in self.dependencies if not d.up]

    def as_json(self) -> dict[str, object]:
        return {
            "status": "up" if self.up else ("draining" if self.draining else "down"),
            "down": self.down,
            "dependencies": {
                d.name: {"up": d.up, "detail": d.detail, "ms": round(d.ms, 1)} for d in self.dependencies
            },
        }


class NodeHealth:
    def __init__(self, probes: Mapping[str, Probe], *, timeout_s: float = 2.0) -> None:
        self._probes = dict(probes)
        self._timeout_s = timeout_s
        self._draining = False

    def drain(self) -> None:
        """The node is shutting down: report it, whatever the probes say."""
        self._draining = True

    async def check(self) -> HealthReport:
        found = await asyncio.gather(*(self._one(name, probe) for name, probe in self._probes.items()))
        return HealthReport(tuple(found), self._draining)

    async def _one(self, name: str, probe: Probe) -> Dependency:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout_s):
                problem = await probe()
        except TimeoutError:
            problem = f"no answer within {self._timeout_s:g} s"
        except Exception as exc:  # a probe's failure is what this reports, whatever it is
            problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Dependency(name, problem is None, problem or "", (time.monotonic() - started) * 1000)
