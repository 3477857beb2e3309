"""Who may listen to a recording: QA staff, supervisors and admins, within their prefecture.

Recordings are quality evidence, not a tool for the agents themselves: agents and managers may
not listen.  Staff of a prefecture centre (prefecture QA, a prefecture's supervisor) listen to
their own prefecture's calls; staff of the provincial centre (prefecture ``province``:
provincial QA 服务督查, provincial supervisors, admins) to every prefecture's.
"""

from __future__ import annotations

from cti.storage.prefectures import PROVINCE

LISTENERS = frozenset({"qa-prefecture", "qa-province", "supervisor", "admin"})


def may_listen(role: str, user_prefecture: str, recording_prefecture: str) -> bool:
    if role not in LISTENERS:
        return False
    return user_prefecture in (PROVINCE.code, recording_prefecture)
