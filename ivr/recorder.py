"""The IVR record of one call while it happens: each node visited with its keys, result and time,
and the compact path the agent's screen pop shows (``main>3>billing_dispute>tariff``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ivr.handoff import MAX_PATH

PATH_SEPARATOR = ">"


@dataclass(frozen=True, slots=True)
class StepRecord:
    seq: int
    node: str
    node_type: str
    keys: str
    result: str
    entered_at: datetime
    left_at: datetime

    @property
    def duration_ms(self) -> int:
        return int((self.left_at - self.entered_at).total_seconds() * 1000)


class PathRecorder:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self.steps: list[StepRecord] = []
        self._labels: list[str] = []
        self._open: tuple[str, str, datetime] | None = None

    def enter(self, node: str, node_type: str) -> None:
        self._open = (node, node_type, self._clock())

    def leave(self, keys: str, result: str) -> None:
        if self._open is None:
            return
        node, node_type, entered = self._open
        self._open = None
        self.steps.append(
            StepRecord(len(self.steps) + 1, node, node_type, keys[:64], result[:32], entered, self._clock())
        )

    def mark(self, label: str, first_node: str | None = None) -> None:
        """Add a choice to the path; the first one is preceded by its menu node's id."""
        if not self._labels and first_node:
            self._labels.append(first_node)
        self._labels.append(label)

    @property
    def path(self) -> str:
        text = PATH_SEPARATOR.join(self._labels)
        if len(text) > MAX_PATH:
            text = "…" + text[-(MAX_PATH - 1) :]
        return text

    @property
    def nodes_visited(self) -> list[str]:
        return [s.node for s in self.steps]
