"""Circulars (通报) for the API: the province publishes a finding, each prefecture acknowledges it.

* Provincial QA (服务督查, a user of the provincial centre) drafts, publishes and withdraws.
* Staff of a recipient prefecture (its QA and supervisors) acknowledge for their prefecture, once.
* Everyone reads the circulars addressed to their prefecture (the agents' bulletin board, 公告板);
  provincial staff read all of them.  Drafts are shown to those who may publish only.

The rules are :mod:`qa.circulars`; a change is a compare-and-set on the circular's version.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Permission, Principal
from cti.errors import BadRequest, NotFound, OutOfScope
from qa.circulars import (
    Acknowledgement,
    Circular,
    CircularEvent,
    CircularState,
    draft_circular,
    late,
    transition,
)
from qa.errors import QaError
from qa.refusals import QaConflict, refusal
from qa.schemas import CircularBody
from storage.circulars import CircularRecipient, CircularRow
from storage.prefectures import is_prefecture_code

__all__ = ["CircularDesk"]

log = structlog.get_logger(__name__)

MAX_LIMIT = 200
_VISIBLE = (CircularState.PUBLISHED.value, CircularState.ACKNOWLEDGED.value)


class CircularDesk:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], float]) -> None:
        self.sessions = sessions
        self._clock = clock

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def create(self, who: Principal, body: CircularBody) -> dict[str, Any]:
        _publisher(who)
        bad = sorted({p for p in body.recipients if not is_prefecture_code(p)})
        if bad:
            raise BadRequest("not prefecture codes", recipients=bad)
        now = self.now()
        due = (
            body.ack_due if body.ack_due is None or body.ack_due.tzinfo else body.ack_due.replace(tzinfo=UTC)
        )
        try:
            circular = draft_circular(
                f"C{now:%Y%m%d}-{secrets.token_hex(3)}",
                title=body.title.strip(),
                body=body.body.strip(),
                author=f"user-{who.user_id}",
                recipients=frozenset(body.recipients),
                now=now,
                ack_due=due,
                score_ids=tuple(body.score_ids),
            )
            if body.publish:
                circular = transition(circular, CircularEvent.PUBLISH, now, actor=f"user-{who.user_id}")
        except QaError as exc:
            raise refusal(exc) from None
        async with self.sessions() as db:
            db.add(_row(circular))
            db.add_all(
                CircularRecipient(circular_id=circular.circular_id, prefecture=p) for p in circular.recipients
            )
            await db.commit()
        log.info(
            "circular created",
            circular_id=circular.circular_id,
            state=circular.state.value,
            user_id=who.user_id,
        )
        return _view(circular, who, now)

    async def publish(self, who: Principal, circular_id: str) -> dict[str, Any]:
        _publisher(who)
        return await self._move(who, circular_id, CircularEvent.PUBLISH)

    async def withdraw(self, who: Principal, circular_id: str) -> dict[str, Any]:
        _publisher(who)
        return await self._move(who, circular_id, CircularEvent.WITHDRAW)

    async def acknowledge(self, who: Principal, circular_id: str, note: str) -> dict[str, Any]:
        if who.scope is None:
            raise OutOfScope("a circular is acknowledged by the staff of a prefecture it was sent to")
        return await self._move(who, circular_id, CircularEvent.ACKNOWLEDGE, prefecture=who.scope, note=note)

    async def _move(
        self,
        who: Principal,
        circular_id: str,
        event: CircularEvent,
        *,
        prefecture: str | None = None,
        note: str = "",
    ) -> dict[str, Any]:
        now = self.now()
        actor = f"user-{who.user_id}"
        async with self.sessions() as db:
            circular = await self._load(db, who, circular_id)
            try:
                after = transition(circular, event, now, actor=actor, prefecture=prefecture, note=note)
            except QaError as exc:
                raise refusal(exc) from None
            done = await db.execute(
                update(CircularRow)
                .where(CircularRow.circular_id == circular_id, CircularRow.version == circular.version)
                .values(
                    state=after.state.value,
                    version=after.version,
                    published_at=after.published_at,
                    published_by=after.published_by,
                    withdrawn_at=after.withdrawn_at,
                )
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise QaConflict("the circular changed meanwhile; reload it")
            if event is CircularEvent.ACKNOWLEDGE:
                await db.execute(
                    update(CircularRecipient)
                    .where(
                        CircularRecipient.circular_id == circular_id,
                        CircularRecipient.prefecture == prefecture,
                    )
                    .values(acked_by=actor, acked_at=now, note=note)
                )
            await db.commit()
        log.info(
            "circular " + event.value, circular_id=circular_id, user_id=who.user_id, prefecture=prefecture
        )
        return _view(after, who, now)

    async def list(self, who: Principal, *, limit: int = 50) -> list[dict[str, Any]]:
        """The circulars the user may read, newest first."""
        now = self.now()
        query = select(CircularRow)
        if who.scope is not None:
            mine = select(CircularRecipient.circular_id).where(CircularRecipient.prefecture == who.scope)
            query = query.where(CircularRow.circular_id.in_(mine), CircularRow.state.in_(_VISIBLE))
        elif not who.may(Permission.CIRCULAR_PUBLISH):
            query = query.where(CircularRow.state.in_(_VISIBLE))
        query = query.order_by(CircularRow.created_at.desc(), CircularRow.id.desc()).limit(
            min(limit, MAX_LIMIT)
        )
        async with self.sessions() as db:
            rows = list((await db.execute(query)).scalars())
            recipients = await _recipients(db, [r.circular_id for r in rows])
        return [_view(_circular(r, recipients.get(r.circular_id, [])), who, now) for r in rows]

    async def _load(self, db: AsyncSession, who: Principal, circular_id: str) -> Circular:
        row = await db.scalar(select(CircularRow).where(CircularRow.circular_id == circular_id))
        if row is None:
            raise NotFound("no such circular")
        recipients = (await _recipients(db, [circular_id])).get(circular_id, [])
        if who.scope is not None and who.scope not in {r.prefecture for r in recipients}:
            raise OutOfScope("this circular was not sent to your prefecture")
        return _circular(row, recipients)


def _publisher(who: Principal) -> None:
    if not who.province_wide:
        raise OutOfScope("circulars are published by the provincial centre")


async def _recipients(db: AsyncSession, ids: list[str]) -> dict[str, list[CircularRecipient]]:
    found: dict[str, list[CircularRecipient]] = {}
    rows = await db.execute(select(CircularRecipient).where(CircularRecipient.circular_id.in_(ids)))
    for r in rows.scalars():
        found.setdefault(r.circular_id, []).append(r)
    return found


def _row(c: Circular) -> CircularRow:
    return CircularRow(
        circular_id=c.circular_id,
        title=c.title,
        body=c.body,
        author=c.author,
        state=c.state.value,
        created_at=c.created_at,
        ack_due=c.ack_due,
        score_ids=",".join(c.score_ids),
        published_at=c.published_at,
        published_by=c.published_by,
        withdrawn_at=c.withdrawn_at,
        version=c.version,
    )


def _circular(row: CircularRow, recipients: list[CircularRecipient]) -> Circular:
    acks = sorted(
        (
            Acknowledgement(r.prefecture, r.acked_by, r.acked_at, r.note)
            for r in recipients
            if r.acked_at and r.acked_by
        ),
        key=lambda a: a.at,
    )
    return Circular(
        circular_id=row.circular_id,
        title=row.title,
        body=row.body,
        author=row.author,
        recipients=frozenset(r.prefecture for r in recipients),
        created_at=row.created_at,
        state=CircularState(row.state),
        ack_due=row.ack_due,
        score_ids=tuple(s for s in row.score_ids.split(",") if s),
        published_at=row.published_at,
        published_by=row.published_by,
        withdrawn_at=row.withdrawn_at,
        acknowledgements=tuple(acks),
        version=row.version,
    )


def _view(c: Circular, who: Principal, now: datetime) -> dict[str, Any]:
    acked = {a.prefecture: a for a in c.acknowledgements}
    return {
        "circular_id": c.circular_id,
        "title": c.title,
        "body": c.body,
        "state": c.state.value,
        "created_at": c.created_at,
        "published_at": c.published_at,
        "ack_due": c.ack_due,
        "score_ids": list(c.score_ids),
        "recipients": [
            {
                "prefecture": p,
                "acknowledged_at": acked[p].at if p in acked else None,
                "note": acked[p].note if p in acked else "",
            }
            for p in sorted(c.recipients)
        ],
        "late": sorted(late(c, now)),
        "mine_acknowledged": None if who.scope is None else who.scope in acked,
    }
