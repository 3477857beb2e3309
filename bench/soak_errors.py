"""The error lines a soak logged, counted by event (``errors_logged`` and ``ivr_records_lost`` in
its result): the soak logs errors only, and its database is gone with its temporary folder, so
what the node logged and lost is counted as it is logged."""

from __future__ import annotations

from collections import Counter
from collections.abc import MutableMapping
from typing import Any

__all__ = ["IVR_RECORD_LOST", "ErrorsLogged"]

# the IVR's per-call record (ivr_sessions) not opened or not closed: logged and lost
IVR_RECORD_LOST = ("ivr.record_not_opened", "ivr.record_not_saved")


class ErrorsLogged:
    """A structlog processor counting the error lines logged, by event."""

    def __init__(self) -> None:
        self.events: Counter[str] = Counter()

    def __call__(
        self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if method_name in ("error", "exception", "critical"):
            self.events[str(event_dict.get("event", ""))] += 1
        return event_dict
