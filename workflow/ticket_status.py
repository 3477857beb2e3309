"""A ticket's status, as the ticket life cycle in storage defines it (``storage.ticket_lifecycle``).

Re-exported here so the workflow cores name one ``TicketStatus`` and one set of open statuses: the
life cycle's own."""

from __future__ import annotations

from storage.ticket_lifecycle import OPEN_STATUSES, TicketStatus

__all__ = ["OPEN_STATUSES", "TicketStatus"]
