"""The recordings package's errors, one base class so an edge (the API, the command line) can
translate them once."""

from __future__ import annotations

from collections.abc import Sequence


class RecordingsError(Exception):
    """Base of every error raised by :mod:`recordings`."""


class PolicyError(RecordingsError):
    """A retention policy is not valid; each problem names the key."""

    def __init__(self, subject: str, problems: Sequence[str]) -> None:
        self.subject = subject
        self.problems = tuple(problems)
        super().__init__(f"{subject}: " + "; ".join(self.problems))


class RangeNotSatisfiable(RecordingsError):
    """An HTTP Range header that is malformed or selects no byte: answer 416 with ``content_range``."""

    def __init__(self, size: int, header: str, why: str) -> None:
        super().__init__(f"range {header!r} on {size} bytes: {why}")
        self.size = size
        self.header = header
        self.content_range = f"bytes */{size}"


class MissingObject(RecordingsError):
    """The store has no object under this key (deleted, never written, or moved by hand)."""

    def __init__(self, key: str, store: str) -> None:
        super().__init__(f"no recording {key!r} in the {store} store")
        self.key = key


class StoreUnavailable(RecordingsError):
    """The storage backend could not be reached or refused the request."""


class NotRecording(RecordingsError):
    """The channel has no recording running (MixMonitor was not started on it)."""


class PauseStateError(RecordingsError):
    """Pause of a recording already paused, or resume of one that is not."""
