from __future__ import annotations

from datetime import timedelta

import pytest

from qa.circulars import (
    Circular,
    CircularEvent,
    CircularState,
    awaiting,
    draft_circular,
    late,
    transition,
)
from qa.errors import IllegalMove, QaError

from .support import T0

E, S = CircularEvent, CircularState
DUE = T0 + timedelta(days=3)


def published() -> Circular:
    draft = draft_circular(
        "C-2024-007",
        title="关于未核实身份透露账单的通报",
        body="3月2日抽检发现……",
        author="supervision-1",
        recipients=frozenset({"lanzhou", "tianshui", "jiuquan"}),
        now=T0,
        ack_due=DUE,
        score_ids=("s17",),
    )
    return transition(draft, E.PUBLISH, T0 + timedelta(minutes=5), actor="supervision-1")


def test_published_to_prefectures_acknowledged_one_by_one() -> None:
    circular = published()
    assert (circular.state, circular.published_by, circular.version) == (S.PUBLISHED, "supervision-1", 1)
    assert awaiting(circular) == {"lanzhou", "tianshui", "jiuquan"}
    circular = transition(
        circular, E.ACKNOWLEDGE, T0 + timedelta(hours=1), actor="qa-lz", prefecture="lanzhou"
    )
    circular = transition(
        circular,
        E.ACKNOWLEDGE,
        T0 + timedelta(hours=2),
        actor="qa-ts",
        prefecture="tianshui",
        note="已组织学习",
    )
    assert circular.state is S.PUBLISHED and awaiting(circular) == {"jiuquan"}
    assert late(circular, DUE) == frozenset() and late(circular, DUE + timedelta(seconds=1)) == {"jiuquan"}
    circular = transition(
        circular, E.ACKNOWLEDGE, DUE + timedelta(hours=1), actor="qa-jq", prefecture="jiuquan"
    )
    assert (circular.state, awaiting(circular), circular.version) == (S.ACKNOWLEDGED, frozenset(), 4)
    assert [(a.prefecture, a.by) for a in circular.acknowledgements] == [
        ("lanzhou", "qa-lz"),
        ("tianshui", "qa-ts"),
        ("jiuquan", "qa-jq"),
    ]


def test_acknowledgements_only_by_recipients_once_and_only_when_published() -> None:
    circular = published()
    with pytest.raises(IllegalMove, match="'baiyin' is not a recipient"):
        transition(circular, E.ACKNOWLEDGE, T0, actor="qa-by", prefecture="baiyin")
    once = transition(circular, E.ACKNOWLEDGE, T0, actor="qa-lz", prefecture="lanzhou")
    with pytest.raises(IllegalMove, match="lanzhou has already acknowledged"):
        transition(once, E.ACKNOWLEDGE, T0, actor="qa-lz2", prefecture="lanzhou")
    draft = draft_circular("C1", title="t", body="b", author="s", recipients=frozenset({"lanzhou"}), now=T0)
    with pytest.raises(IllegalMove, match="cannot acknowledge while draft"):
        transition(draft, E.ACKNOWLEDGE, T0, actor="qa-lz", prefecture="lanzhou")
    assert awaiting(draft) == frozenset()


def test_withdrawn_circulars_wait_for_nobody() -> None:
    withdrawn = transition(published(), E.WITHDRAW, T0 + timedelta(hours=1), actor="supervision-1")
    assert (withdrawn.state, awaiting(withdrawn), late(withdrawn, DUE + timedelta(days=1))) == (
        S.WITHDRAWN,
        frozenset(),
        frozenset(),
    )
    with pytest.raises(IllegalMove, match="cannot publish while withdrawn"):
        transition(withdrawn, E.PUBLISH, T0, actor="supervision-1")


def test_a_draft_needs_content_recipients_and_a_future_due_time() -> None:
    with pytest.raises(QaError, match="needs a title, a body, at least one prefecture"):
        draft_circular("C2", title=" ", body="", author="s", recipients=frozenset(), now=T0)
    with pytest.raises(QaError, match="already past"):
        draft_circular("C2", title="t", body="b", author="s", recipients=frozenset({"x"}), now=T0, ack_due=T0)
    draft = draft_circular(
        "C2", title="t", body="b", author="s", recipients=frozenset({"x"}), now=T0, ack_due=DUE
    )
    with pytest.raises(IllegalMove, match="acknowledgement due time is past"):
        transition(draft, E.PUBLISH, DUE, actor="s")
