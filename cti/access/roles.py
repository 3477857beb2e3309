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
recording-audit      qa-province, admin (who played or downloaded which recording; retention)
qa-score             qa-prefecture, qa-province (score calls, run sampling, list what to score)
qa-read              qa-prefecture, qa-province, supervisor, admin (scores and roll-ups in scope)
qa-decide            qa-prefecture, qa-province, supervisor (decide an agent's dispute, in scope)
qa-own               agent-junior, agent-senior, manager (my scores; dispute one once)
circular-read        all roles (the circulars sent to my prefecture: the bulletin board)
circular-publish     qa-province (publish a circular; a user of the provincial centre)
circular-ack         qa-prefecture, supervisor (acknowledge for my prefecture)
department-work      department (what was dispatched to their own department: take, answer, return)
agents               supervisor, admin (the agent directory: create, edit, retire agents)
reports              statistician, supervisor, qa-prefecture, qa-province, admin (read reports, set the
                     customer base, register a 越级 complaint)
knowledge-read       every role but the statistician (search and read the standard answers)
knowledge-write      records, admin (add and edit entries: of their prefecture, or all for the province)
customer-read        agent-junior, agent-senior, manager, supervisor, admin (a customer's data, lines,
                     charges, orders, tickets, calls; the service catalogue; callback requests)
customer-service     agent-junior, agent-senior, manager (place orders, resume a lost line after an
                     identity check, mark a callback request done)
===================  =============================================================================

A department user's scope is their department (``Principal.department``): they see and act on the
tickets dispatched to it, whatever the prefecture of the ticket (a provincial department takes
tickets of every prefecture).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from recordings.access import LISTENERS
from storage.prefectures import PROVINCE
from storage.users import Role

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
    CAMPAIGNS = "campaigns"  # outbound campaigns: progress and results
    CAMPAIGNS_MANAGE = "campaigns-manage"  # create, import contacts, start, pause, finish
    RECORDING_AUDIT = "recording-audit"
    QA_SCORE = "qa-score"
    QA_READ = "qa-read"
    QA_DECIDE = "qa-decide"
    QA_OWN = "qa-own"
    CIRCULAR_READ = "circular-read"
    CIRCULAR_PUBLISH = "circular-publish"
    CIRCULAR_ACK = "circular-ack"
    DEPARTMENT_WORK = "department-work"
    AGENTS = "agents"
    REPORTS = "reports"
    KNOWLEDGE_READ = "knowledge-read"
    KNOWLEDGE_WRITE = "knowledge-write"
    CUSTOMER_READ = "customer-read"
    CUSTOMER_SERVICE = "customer-service"


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
    Permission.CAMPAIGNS: _QA | {Role.SUPERVISOR, Role.ADMIN},
    Permission.CAMPAIGNS_MANAGE: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Permission.RECORDING_AUDIT: frozenset({Role.QA_PROVINCE, Role.ADMIN}),
    Permission.QA_SCORE: _QA,
    Permission.QA_READ: _QA | {Role.SUPERVISOR, Role.ADMIN},
    Permission.QA_DECIDE: _QA | {Role.SUPERVISOR},
    Permission.QA_OWN: _AGENTS,
    Permission.CIRCULAR_READ: frozenset(Role),
    Permission.CIRCULAR_PUBLISH: frozenset({Role.QA_PROVINCE}),
    Permission.CIRCULAR_ACK: frozenset({Role.QA_PREFECTURE, Role.SUPERVISOR}),
    Permission.DEPARTMENT_WORK: frozenset({Role.DEPARTMENT}),
    Permission.AGENTS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Permission.REPORTS: _QA | {Role.STATISTICIAN, Role.SUPERVISOR, Role.ADMIN},
    Permission.KNOWLEDGE_READ: frozenset(Role) - {Role.STATISTICIAN},
    Permission.KNOWLEDGE_WRITE: frozenset({Role.RECORDS, Role.ADMIN}),
    Permission.CUSTOMER_READ: _AGENTS | {Role.SUPERVISOR, Role.ADMIN},
    Permission.CUSTOMER_SERVICE: _AGENTS,
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
    department: str | None = None  # department users: the code of their department

    @property
    def province_wide(self) -> bool:
        return self.prefecture == PROVINCE.code

    @property
    def scope(self) -> str | None:
        """The one prefecture this user may act on, or None for all of them."""
        return None if self.province_wide else self.prefecture

    @property
    def manager_hotline(self) -> bool:
        """The manager hotline (经理热线): escalations of their scope come to them."""
        return self.role is Role.MANAGER

    def covers(self, prefecture: str) -> bool:
        """May this user see or act on things of ``prefecture``?"""
        return self.province_wide or prefecture == self.prefecture

    def may(self, permission: Permission) -> bool:
        return allowed(self.role, permission)
