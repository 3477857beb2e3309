"""Who may listen to a recording: QA staff, supervisors and admins, within their prefecture.

Recordings are quality evidence, not a tool for the agents themselves: agents and managers may
not listen.  Staff of a prefecture centre (prefecture QA, a prefecture's supervisor) listen to
their own prefecture's calls; staff of the provincial centre (prefecture ``province``:
provincial QA 服务督查, provincial supervisors, admins) to every prefecture's.

**One scope rule for calls, live or recorded** (security finding 7): a call belongs to the
prefecture of the agent who took it — the rule live monitoring follows — and a call no agent of
the directory took (the IVR alone) to the caller's prefecture (:func:`call_prefecture`).  A
Tianshui customer answered by a Lanzhou agent is Lanzhou's to monitor and to listen to again.
"""

from __future__ import annotations

from storage.prefectures import PROVINCE

LISTENERS = frozenset({"qa-prefecture", "qa-province", "supervisor", "admin"})


def may_listen(role: str, user_prefecture: str, recording_prefecture: str) -> bool:
    if role not in LISTENERS:
        return False
    return user_prefecture in (PROVINCE.code, recording_prefecture)


def call_prefecture(agent_prefecture: str | None, caller_prefecture: str) -> str:
    """The prefecture a call belongs to for monitoring and recordings: its agent's, else the caller's."""
    return agent_prefecture or caller_prefecture
