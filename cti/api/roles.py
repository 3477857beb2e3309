"""Who may do what, and where: roles → permissions, and the prefecture scope of a user.

Every route of the API names one :class:`Permission`; :data:`GRANTS` says which roles hold it.
On top of the permission, the route's handler checks the **scope**: staff of a prefecture centre
see and act on their own prefecture only; staff of the provincial centre (prefecture
``province``) on all of them.  An agent acts on their own state and their own call only.

===================  =============================================================================
permission           roles
===================  =============================================================================
agent-desk           agent-junior, agent-senior, manager (their own ACD state, wrap-up, statistics)
call-control         agent-junior, agent-senior, manager (their own current call)
ticket-read          agent-junior, agent-senior, manager, qa-prefecture, qa-province, supervisor, admin
ticket-write         agent-junior, agent-senior, manager, supervisor, admin
ticket-review        agent-senior, manager, supervisor, admin (close a ticket after dispatch)
floor-read           supervisor, qa-prefecture, qa-province, admin
floor-control        supervisor, admin
monitor              qa-prefecture, qa-province
monitor-log          qa-prefecture, qa-province, supervisor, admin
recordings           qa-prefecture, qa-province, supervisor, admin (:mod:`recordings.access`)
===================  =============================================================================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cti.storage.prefectures import PROVINCE
from cti.storage.users import Role
from recordings.access import LISTENERS

__all__ = ["GRANTS", "Permission", "Principal", "allowed"]


class Permission(enum.StrEnum):
    SESSION = "session"  # any signed-in user: who am I, sign out
    AGENT_DESK = "agent-desk"
    CALL_CONTROL = "call-control"
    TICKET_READ = "ticket-read"
    TICKET_WRITE = "ticket-write"
    TICKET_REVIEW = "ticket-review"
    FLOOR_READ = "floor-read"
    FLOOR_CONTROL = "floor-control"
    MONITOR = "monitor"
    MONITOR_LOG = "monitor-log"
    RECORDINGS = "recordings"


_AGENTS = frozenset({Role.AGENT_JUNIOR, Role.AGENT_SENIOR, Role.MANAGER})
_QA = frozenset({Role.QA_PREFECTURE, Role.QA_PROVINCE})

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.SESSION: frozenset(Role),
    Permission.AGENT_DESK: _AGENTS,
    Permission.CALL_CONTROL: _AGENTS,
    Permission.TICKET_READ: _AGENTS | _QA | {Role.SUPERVISOR, Role.ADMIN},
    Permission.TICKET_WRITE: _AGENTS | {Role.SUPERVISOR, Role.ADMIN},
    Permission.TICKET_REVIEW: frozenset({Role.AGENT_SENIOR, Role.MANAGER, Role.SUPERVISOR, Role.ADMIN}),
    Permission.FLOOR_READ: _QA | {Role.SUPERVISOR, Role.ADMIN},
    Permission.FLOOR_CONTROL: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Permission.MONITOR: _QA,
    Permission.MONITOR_LOG: _QA | {Role.SUPERVISOR, Role.ADMIN},
    Permission.RECORDINGS: frozenset(Role(name) for name in LISTENERS),
}


def allowed(role: Role, permission: Permission) -> bool:
    return role in GRANTS[permission]


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user a request acts for (from their token)."""

    user_id: int
    username: str
    role: Role
    prefecture: str
    agent_id: str | None = None

    @property
    def province_wide(self) -> bool:
        return self.prefecture == PROVINCE.code

    @property
    def scope(self) -> str | None:
        """The one prefecture this user may act on, or None for all of them."""
        return None if self.province_wide else self.prefecture

    def covers(self, prefecture: str) -> bool:
        """May this user see or act on things of ``prefecture``?"""
        return self.province_wide or prefecture == self.prefecture

    def may(self, permission: Permission) -> bool:
        return allowed(self.role, permission)
