"""Scoring calls for the API (质检评分): forms, scores, an agent's own scores, disputes, decisions.

* QA staff (prefecture QA, provincial 服务督查) score a recorded call or a call they are listening
  in on, with a form version (default: the current one); agents of their prefecture only, unless
  provincial.  A call has one score that counts; a second score of it is refused.
* An agent sees their own scores and disputes one once, within the dispute window.
* QA staff and supervisors of the agent's prefecture (not the agent, not the scorer unless
  ``decider_may_be_scorer``) uphold the score or revise it: the revision is a new score of the same
  call on the same form version, and the only one that counts from then on.

The rules are the QA core's (:mod:`qa.score`, :mod:`qa.disputes`); this module finds the call,
checks the scope, stores the rows (a status change is a compare-and-set on the row's version) and
says who did what in the log, with ids only.  A scorer or decider is ``user-<id>``; an agent is
their agent id.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.errors import NotFound, OutOfScope
from qa.disputes import DisputeEvent, DisputePolicy, transition
from qa.errors import QaError
from qa.form import FormLibrary, ScoringForm
from qa.form_file import default_form, load_form
from qa.form_registry import form_view, register_forms
from qa.refusals import QaConflict, QaInvalid, refusal
from qa.schemas import AnswerBody, DecisionBody, ScoreBody
from qa.score import ScoredCall, ScoredFrom, make_score
from qa.score_rows import new_row, score_of, score_view, status_of
from qa.scoring import Answer
from qa.settings import QaSettings
from storage.agents import AgentRecord
from storage.monitoring import MonitoringSession
from storage.qa_scores import DisputeStatus, QaDispute, QaScore
from storage.recordings import Recording

__all__ = ["ScoreDesk", "actor_of", "team_of"]

log = structlog.get_logger(__name__)

MAX_LIMIT = 500


def actor_of(who: Principal) -> str:
    """How the QA core names a person: an agent by their agent id, anyone else as ``user-<id>``."""
    return who.agent_id or f"user-{who.user_id}"


def team_of(agent: AgentRecord) -> str:
    """An agent's team (班组): their prefecture's group of their level, e.g. ``lanzhou-junior``."""
    return f"{agent.prefecture}-{agent.level}"


class ScoreDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: QaSettings,
        clock: Callable[[], float],
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self._clock = clock
        self.policy = DisputePolicy(
            window=timedelta(days=settings.dispute_window_days),
            decider_may_be_scorer=settings.decider_may_be_scorer,
        )
        self._library: FormLibrary | None = None
        self._lock = asyncio.Lock()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def library(self) -> FormLibrary:
        """Every registered form version; the first call registers the configured form files."""
        async with self._lock:
            if self._library is None:
                forms = [default_form(), *(load_form(p) for p in self.settings.form_files)]
                async with self.sessions() as db:
                    self._library = await register_forms(db, forms, self.now())
                    await db.commit()
            return self._library

    async def forms(self, who: Principal) -> list[dict[str, Any]]:
        library = await self.library()
        latest = {f.form_id: library.latest(f.form_id).version for f in library}
        return [
            {**form_view(f, current=latest[f.form_id] == f.version), "default": f.form_id == self._default}
            for f in library
        ]

    @property
    def _default(self) -> str:
        return self.settings.default_form

    async def _form(self, form_id: str | None, version: int | None) -> ScoringForm:
        library = await self.library()
        try:
            if version is None:
                return library.latest(form_id or self._default)
            return library.get(form_id or self._default, version)
        except QaError as exc:
            raise refusal(exc) from None

    # -- scoring ------------------------------------------------------------------------------
    async def score(self, who: Principal, body: ScoreBody) -> dict[str, Any]:
        form = await self._form(body.form_id, body.form_version)
        now = self.now()
        async with self.sessions() as db:
            call, session_id = await self._call_to_score(db, who, body)
            counted = await db.scalar(
                select(QaScore.score_id).where(QaScore.call_uniqueid == call.call_id, QaScore.counts)
            )
            if counted is not None:
                raise QaConflict("this call is already scored", score_id=counted)
            try:
                score = make_score(
                    form,
                    score_id=_new_id(now),
                    call=call,
                    answers=_answers(body.answers),
                    scorer=actor_of(who),
                    now=now,
                    comment=body.comment,
                )
            except QaError as exc:
                raise refusal(exc) from None
            row = new_row(score, counts=True, status=DisputeStatus.SCORED, monitoring_session_id=session_id)
            db.add(row)
            await db.commit()
        log.info(
            "qa scored",
            uniqueid=call.call_id,
            score_id=score.score_id,
            agent=call.agent_id,
            user_id=who.user_id,
            total=str(score.result.total),
            zeroed=score.result.zeroed,
        )
        return score_view(row, score, None)

    async def _call_to_score(
        self, db: AsyncSession, who: Principal, body: ScoreBody
    ) -> tuple[ScoredCall, int | None]:
        if body.recording_id is not None:
            recording = await db.get(Recording, body.recording_id)
            if recording is None:
                raise NotFound("no such recording")
            agent = await _agent(db, recording.agent_id, recording.agent)
            if agent is None:
                raise QaConflict("the recording names no agent of the directory", agent=recording.agent)
            if not (who.covers(agent.prefecture) or who.covers(recording.prefecture)):
                raise OutOfScope(f"agent {agent.agent_id} is not in your prefecture")
            source, uniqueid, recording_id, session_id = (
                ScoredFrom.RECORDING,
                recording.uniqueid,
                str(recording.id),
                None,
            )
        else:
            assert body.monitoring_session_id is not None
            session = await db.get(MonitoringSession, body.monitoring_session_id)
            if session is None:
                raise NotFound("no such monitoring session")
            if session.qa_user_id != who.user_id:
                raise OutOfScope("a call is scored live by the one who listened in")
            agent = await _agent(db, session.agent_id, None)
            if agent is None:
                raise QaConflict("the agent is not in the directory", agent=session.agent_id)
            source, uniqueid, recording_id, session_id = (
                ScoredFrom.LIVE,
                session.call_uniqueid,
                None,
                session.id,
            )
        return ScoredCall(
            uniqueid, agent.agent_id, team_of(agent), agent.prefecture, source, recording_id
        ), session_id

    # -- reading ------------------------------------------------------------------------------
    async def scores(
        self,
        who: Principal,
        *,
        agent_id: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Scores in the user's scope, newest first (``agent_id``: an agent's only)."""
        query = select(QaScore)
        if who.scope is not None:
            query = query.where(QaScore.prefecture == who.scope)
        if agent_id:
            query = query.where(QaScore.agent_id == agent_id)
        if status:
            try:
                query = query.where(QaScore.status == DisputeStatus(status))
            except ValueError:
                raise QaInvalid(f"status is one of {', '.join(DisputeStatus)}") from None
        if since is not None:
            query = query.where(QaScore.scored_at >= since)
        if until is not None:
            query = query.where(QaScore.scored_at < until)
        return await self._views(query, limit)

    async def mine(self, who: Principal, limit: int = 100) -> list[dict[str, Any]]:
        """The signed-in agent's own scores (originals and revisions), newest first."""
        if who.agent_id is None:
            raise OutOfScope("only an agent has scores of their own")
        return await self._views(select(QaScore).where(QaScore.agent_id == who.agent_id), limit)

    async def one(self, who: Principal, score_id: str) -> dict[str, Any]:
        async with self.sessions() as db:
            row = await self._row(db, who, score_id, own_ok=True)
            dispute = await _dispute(db, row.revision_of or row.score_id)
        return score_view(row, self._read(row, await self.library()), dispute)

    async def _views(self, query: Any, limit: int) -> list[dict[str, Any]]:
        library = await self.library()
        query = query.order_by(QaScore.scored_at.desc(), QaScore.id.desc()).limit(min(limit, MAX_LIMIT))
        async with self.sessions() as db:
            rows = list((await db.execute(query)).scalars())
            ids = {r.revision_of or r.score_id for r in rows}
            found = (await db.execute(select(QaDispute).where(QaDispute.score_id.in_(ids)))).scalars()
            disputes = {d.score_id: d for d in found}
        return [
            score_view(r, self._read(r, library), disputes.get(r.revision_of or r.score_id)) for r in rows
        ]

    def _read(self, row: QaScore, library: FormLibrary) -> Any:
        try:
            return score_of(row, library)
        except QaError as exc:
            log.error("qa score unreadable", score_id=row.score_id, error=str(exc))
            raise refusal(exc) from None

    async def _row(self, db: AsyncSession, who: Principal, score_id: str, *, own_ok: bool) -> QaScore:
        row = await db.scalar(select(QaScore).where(QaScore.score_id == score_id))
        if row is None:
            raise NotFound("no such score")
        if who.agent_id is not None and own_ok:
            if row.agent_id != who.agent_id:
                raise OutOfScope("not your score")
        elif not who.covers(row.prefecture):
            raise OutOfScope(f"score {score_id} is not in your prefecture")
        return row

    # -- disputes -----------------------------------------------------------------------------
    async def dispute(self, who: Principal, score_id: str, reason: str) -> dict[str, Any]:
        """The agent disputes their score (once, within the window)."""
        library = await self.library()
        now = self.now()
        async with self.sessions() as db:
            row = await self._row(db, who, score_id, own_ok=True)
            if row.agent_id != who.agent_id:
                raise OutOfScope("only the scored agent disputes a score")
            revised = await db.scalar(select(QaScore).where(QaScore.revision_of == row.score_id))
            status = status_of(row, await _dispute(db, row.score_id), revised, library)
            try:
                after = transition(
                    status, DisputeEvent.DISPUTE, now, self.policy, actor=actor_of(who), text=reason
                )
            except QaError as exc:
                raise refusal(exc) from None
            await _compare_and_set(db, row, status.version, after.version, DisputeStatus(after.state.value))
            dispute = QaDispute(
                score_id=row.score_id,
                agent_id=row.agent_id,
                prefecture=row.prefecture,
                reason=reason,
                disputed_at=now,
            )
            db.add(dispute)
            await db.commit()
        log.info("qa score disputed", score_id=score_id, agent=row.agent_id, uniqueid=row.call_uniqueid)
        return score_view(row, status.original, dispute)

    async def decide(self, who: Principal, score_id: str, body: DecisionBody) -> dict[str, Any]:
        """Uphold a disputed score, or revise it with new answers on the same form version."""
        library = await self.library()
        now = self.now()
        async with self.sessions() as db:
            row = await self._row(db, who, score_id, own_ok=False)
            dispute = await _dispute(db, row.score_id)
            status = status_of(row, dispute, None, library)
            revised = None
            if body.decision == "revise":
                if not body.answers:
                    raise QaInvalid("a revision needs the new answers")
                form = library.get(row.form_id, row.form_version)
                try:
                    revised = make_score(
                        form,
                        score_id=_new_id(now),
                        call=status.original.call,
                        answers=_answers(body.answers),
                        scorer=actor_of(who),
                        now=now,
                        comment=body.comment,
                    )
                except QaError as exc:
                    raise refusal(exc) from None
            event = DisputeEvent.REVISE if revised is not None else DisputeEvent.UPHOLD
            try:
                after = transition(
                    status, event, now, self.policy, actor=actor_of(who), text=body.note, revised=revised
                )
            except QaError as exc:
                raise refusal(exc) from None
            state = DisputeStatus(after.state.value)
            await _compare_and_set(db, row, status.version, after.version, state, counts=revised is None)
            assert dispute is not None  # a score under dispute has its dispute row
            dispute.decision, dispute.note, dispute.decided_by, dispute.decided_at = (
                state,
                body.note,
                actor_of(who),
                now,
            )
            if revised is not None:
                revision = new_row(revised, counts=True, status=state)
                revision.revision_of = row.score_id
                db.add(revision)
                dispute.revised_score_id = revised.score_id
            await db.commit()
        log.info("qa dispute decided", score_id=score_id, decision=state.value, user_id=who.user_id)
        return await self.one(who, revised.score_id if revised is not None else score_id)


async def _compare_and_set(
    db: AsyncSession, row: QaScore, seen: int, new: int, status: DisputeStatus, *, counts: bool | None = None
) -> None:
    values: dict[str, Any] = {"status": status, "version": new}
    if counts is not None:
        values["counts"] = counts
    done = await db.execute(
        update(QaScore).where(QaScore.id == row.id, QaScore.version == seen).values(**values)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        await db.rollback()
        raise QaConflict("the score changed meanwhile; reload it and try again")
    row.status, row.version = status, new
    if counts is not None:
        row.counts = counts


async def _agent(db: AsyncSession, agent_id: str | None, extension: str | None) -> AgentRecord | None:
    if agent_id:
        found = await db.scalar(select(AgentRecord).where(AgentRecord.agent_id == agent_id))
        if found is not None:
            return found
    if extension:
        return await db.scalar(select(AgentRecord).where(AgentRecord.extension == extension))
    return None


async def _dispute(db: AsyncSession, score_id: str) -> QaDispute | None:
    return await db.scalar(select(QaDispute).where(QaDispute.score_id == score_id))


def _answers(given: Sequence[AnswerBody]) -> list[Answer]:
    return [Answer(a.criterion, a.outcome, a.points, a.remark) for a in given]


def _new_id(now: datetime) -> str:
    return f"S{now:%Y%m%d}-{secrets.token_hex(4)}"
