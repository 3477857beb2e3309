"""A small sorted set (member → score, ordered by score then member), like a Redis ZSET.

The in-memory store keeps its indexes in these.  Backed by a sorted Python list and a dict:
head and rank are O(log n); add and remove are O(log n) plus a memmove of the list, which for
the thousands of entries an ACD queue holds is a few microseconds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

__all__ = ["SortedIndex"]


class SortedIndex:
    __slots__ = ("_items", "_scores")

    def __init__(self) -> None:
        self._items: list[tuple[float, str]] = []
        self._scores: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._scores)

    def __contains__(self, member: object) -> bool:
        return member in self._scores

    def __iter__(self) -> Iterator[tuple[str, float]]:
        return ((m, s) for s, m in self._items)

    def add(self, member: str, score: float) -> None:
        old = self._scores.get(member)
        if old is not None:
            if old == score:
                return
            self._remove_item(old, member)
        self._scores[member] = score
        bisect.insort(self._items, (score, member))

    def discard(self, member: str) -> None:
        old = self._scores.pop(member, None)
        if old is not None:
            self._remove_item(old, member)

    def score(self, member: str) -> float | None:
        return self._scores.get(member)

    def head(self) -> tuple[str, float] | None:
        if not self._items:
            return None
        score, member = self._items[0]
        return member, score

    def rank(self, member: str) -> int | None:
        score = self._scores.get(member)
        if score is None:
            return None
        return bisect.bisect_left(self._items, (score, member))

    def up_to(self, max_score: float, limit: int) -> list[tuple[str, float]]:
        """Members with score <= ``max_score``, lowest first, at most ``limit``."""
        out: list[tuple[str, float]] = []
        for score, member in self._items:
            if score > max_score or len(out) >= limit:
                break
            out.append((member, score))
        return out

    def _remove_item(self, score: float, member: str) -> None:
        i = bisect.bisect_left(self._items, (score, member))
        if i < len(self._items) and self._items[i] == (score, member):
            del self._items[i]
