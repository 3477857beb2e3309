"""Who may listen to a recording: QA staff only, within their scope.

Provincial QA (服务督查), supervisors and admins: every prefecture.  Prefecture QA: their
own prefecture.  Agents and managers: none (recordings are quality evidence, not a tool for
the agents themselves).
"""

from __future__ import annotations

ALL_PREFECTURES = frozenset({"qa-province", "supervisor", "admin"})
OWN_PREFECTURE = frozenset({"qa-prefecture"})


def may_listen(role: str, user_prefecture: str, recording_prefecture: str) -> bool:
    if role in ALL_PREFECTURES:
        return True
    if role in OWN_PREFECTURE:
        return user_prefecture == recording_prefecture
    return False
