"""Whether users may still act, re-read from the database for many at once.

Every open WebSocket re-checks its user at least every ``access_recheck_s`` (and every HTTP
request its caller): with thousands of sockets, one query per user per second would queue them
all behind the connection pool (2,000 users: 4,000 queries a second on a node that also serves
the floor).  :class:`StandingReads` gathers the users whose check falls due in one turn of the
event loop — and any that fall due while a read runs — and answers them with two queries (their
users, then their agents), in chunks of ``chunk`` ids.  One read runs at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from storage.agents import agents_active
from storage.users import users_standing

__all__ = ["StandingReads"]

_Key = tuple[int, str | None]  # user id, the agent their token names


class StandingReads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, chunk: int = 500) -> None:
        self._sessions = sessions
        self.chunk = chunk
        self._due: dict[_Key, asyncio.Future[bool]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.reads = 0  # database round trips of users (a read of many users counts once)

    async def allowed(self, who: Principal) -> bool:
        """The user is active, is still the agent their token names, and that agent is not retired."""
        key = (who.user_id, who.agent_id)
        answer = self._due.get(key)
        if answer is None:
            answer = self._due[key] = asyncio.get_running_loop().create_future()
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read_due(), name="access standing reads")
        return await asyncio.shield(answer)  # a cancelled caller leaves the answer to the others

    async def read(self, who: Iterable[Principal]) -> dict[_Key, bool]:
        """The standing of many users at once (a sweep of every open socket): by (user id, agent id)."""
        keys = list({(p.user_id, p.agent_id) for p in who})
        found: dict[_Key, bool] = {}
        for start in range(0, len(keys), self.chunk):
            found.update(await self._read(keys[start : start + self.chunk]))
        return found

    async def _read_due(self) -> None:
        due: dict[_Key, asyncio.Future[bool]] = {}
        try:
            await asyncio.sleep(0)  # the other checks of this turn join the read
            while self._due:
                due, self._due = self._due, {}
                await self._answer(due)
        finally:  # cancelled (the node stops): nobody waits for ever
            for answer in (*due.values(), *self._due.values()):
                answer.cancel()

    async def _answer(self, due: dict[_Key, asyncio.Future[bool]]) -> None:
        keys = list(due)
        for start in range(0, len(keys), self.chunk):
            part = keys[start : start + self.chunk]
            try:
                found = await self._read(part)
            except Exception as exc:  # the database is down: every waiting check fails alike
                for key in keys[start:]:
                    if not due[key].done():
                        due[key].set_exception(exc)
                        due[key].exception()  # retrieved here: a caller may have gone
                return
            for key in part:
                if not due[key].done():
                    due[key].set_result(found.get(key, False))

    async def _read(self, keys: Iterable[_Key]) -> dict[_Key, bool]:
        keys = list(keys)
        async with self._sessions() as db:
            users = await users_standing(db, {user_id for user_id, _ in keys})
            self.reads += 1
            agent_ids = {agent_id for _, agent_id in keys if agent_id is not None}
            agents = await agents_active(db, agent_ids) if agent_ids else {}
        out: dict[_Key, bool] = {}
        for user_id, agent_id in keys:
            active, their_agent = users.get(user_id, (False, None))
            ok = active and their_agent == agent_id
            out[(user_id, agent_id)] = ok and (agent_id is None or agents.get(agent_id, False))
        return out
