"""Signing in and out, and who a request is from.

``login`` first **reserves** the attempt with the throttle (:mod:`cti.access.login_throttle`;
in Redis, shared by every node: :mod:`cti.access.shared_throttle`) under three keys — the user at
this client address, the client address, the user from anywhere — in one step (no await between
the check and the count), so concurrent guesses are counted as they arrive; a locked-out
key is refused before any password is looked at.  Then the password (argon2, in a worker thread;
an unknown user costs the same time as a wrong password) — the user of a retired agent is
refused like a disabled one —, then a token.  A success gives its reservation back.

Every request and every WebSocket frame goes through :meth:`Authenticator.session` /
:meth:`Authenticator.still_valid`: the token's signature and expiry, whether it was revoked
(signed out: :mod:`cti.access.revocations`, shared through Redis when the node uses Redis), and
whether its user is still active (and their agent not retired) — read from the database, which
every node shares, at most every ``recheck_s`` per user, and for every user due at once in one
read (:mod:`cti.access.standing`).  :meth:`Authenticator.changed` wakes
the WebSockets of this node at once when access changes here; the others notice within
``recheck_s``.  Logs carry user ids only: never the username typed, the password, the token or
the client's address.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.login_throttle import Reservation, SignInThrottle
from cti.access.revocations import MemoryRevocations, Revocations
from cti.access.roles import Principal
from cti.access.standing import StandingReads
from cti.access.tokens import Issued, TokenRejected, TokenSigner
from cti.errors import BadCredentials, RateLimited, TokenExpired, TokenInvalid, Unauthenticated
from storage.agents import agent_record
from storage.users import check_password, user_by_username, user_department

__all__ = ["Authenticator", "Session", "SignInLimits"]

log = structlog.get_logger(__name__)


class Session:
    """A verified token: who, its id and when it expires."""

    __slots__ = ("expires_at", "jti", "principal")

    def __init__(self, principal: Principal, jti: str, expires_at: float) -> None:
        self.principal = principal
        self.jti = jti
        self.expires_at = expires_at


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """Sign-in attempts a minute: one user from one address, one address, one user from anywhere."""

    user_at_address: int = 5
    address: int = 20
    user: int = 20


class Authenticator:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        signer: TokenSigner,
        throttle: SignInThrottle,
        logins: Counter,
        clock: Callable[[], float],
        *,
        limits: SignInLimits = SignInLimits(),
        revocations: Revocations | None = None,
        recheck_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self.signer = signer
        self.throttle = throttle
        self.limits = limits
        self.recheck_s = recheck_s
        self._revocations: Revocations = revocations if revocations is not None else MemoryRevocations()
        self._logins = logins  # by result: ok, bad-credentials, rate-limited
        self._clock = clock
        self._monotonic = monotonic
        self._allowed: dict[int, tuple[float, bool]] = {}  # user id -> (checked at, may still act)
        self._standing = StandingReads(sessions)
        self._watched: dict[Session, asyncio.Future[None]] = {}  # open WebSockets' sessions
        self._watcher: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    def now(self) -> float:
        return self._clock()

    @property
    def standing_reads(self) -> int:
        """Database reads of users' standing so far (each of many users at once)."""
        return self._standing.reads

    def _limits(self, username: str, remote: str) -> dict[str, int]:
        user = username.lower()
        return {
            f"user@addr:{user}@{remote}": self.limits.user_at_address,
            f"addr:{remote}": self.limits.address,
            f"user:{user}": self.limits.user,
        }

    async def login(self, username: str, password: str, remote: str) -> tuple[Issued, Principal]:
        reserved = await self.throttle.reserve(self._limits(username, remote), self._clock())
        if not isinstance(reserved, Reservation):
            self._logins.labels("rate-limited").inc()
            log.warning("api login refused: too many attempts")
            raise RateLimited("too many failed sign-ins; try again later", retry_after_s=int(reserved) + 1)
        department = None
        async with self._sessions() as db:
            user = await user_by_username(db, username)
            ok = await check_password(user, password)
            if ok and user is not None and user.agent_id is not None:
                agent = await agent_record(db, user.agent_id)
                ok = agent is not None and agent.active  # a retired agent signs in no more
            if ok and user is not None:
                department = await user_department(db, user)
        if not ok or user is None:
            self._logins.labels("bad-credentials").inc()
            log.info("api login failed")
            raise BadCredentials("unknown user or wrong password")
        await self.throttle.release(reserved)
        principal = Principal(user.id, user.username, user.role, user.prefecture, user.agent_id, department)
        issued = self.signer.issue(principal, self._clock())
        self._allowed[user.id] = (self._monotonic(), True)
        self._logins.labels("ok").inc()
        log.info("api login", user_id=user.id, role=user.role.value)
        return issued, principal

    async def session(self, token: str | None) -> Session:
        if not token:
            raise Unauthenticated("sign in first: send 'Authorization: Bearer <token>'")
        try:
            principal, jti, exp = self.signer.verify(token, self._clock())
        except TokenRejected as exc:
            if exc.expired:
                raise TokenExpired("the token has expired; sign in again") from None
            raise TokenInvalid("the token is not valid") from None
        session = Session(principal, jti, exp)
        if not await self.still_valid(session):
            raise TokenInvalid("the token is not valid")
        return session

    async def still_valid(self, session: Session) -> bool:
        """False once the token expired or was revoked, or its user was disabled (or their agent
        retired)."""
        now = self._clock()
        if now >= session.expires_at or await self._revocations.revoked(session.jti, now):
            return False
        return await self._user_allowed(session.principal)

    async def still_valid_all(self, sessions: Sequence[Session]) -> list[bool]:
        """:meth:`still_valid` of many sessions: their revocations asked together, the users due a
        re-read in one read."""
        now = self._clock()
        revoked = await self._revocations.revoked_all([s.jti for s in sessions], now)
        alive = [now < s.expires_at and not gone for s, gone in zip(sessions, revoked, strict=True)]
        known = {  # by user id: as last read (the read may take longer than recheck_s), None when due
            s.principal.user_id: self._known(s.principal) for s, ok in zip(sessions, alive, strict=True) if ok
        }
        due = {
            s.principal.user_id: s.principal
            for s in sessions
            if known.get(s.principal.user_id, False) is None
        }
        if due:
            found = await self._standing.read(due.values())
            for user_id, who in due.items():
                allowed = known[user_id] = found[(who.user_id, who.agent_id)]
                self._remember(who, allowed)
        return [ok and known[s.principal.user_id] is True for s, ok in zip(sessions, alive, strict=True)]

    def _known(self, who: Principal) -> bool | None:
        """The user's standing as last read, unless it is due a re-read."""
        seen = self._allowed.get(who.user_id)
        if seen is not None and (not seen[1] or self._monotonic() - seen[0] < self.recheck_s):
            return seen[1]
        return None

    async def _user_allowed(self, who: Principal) -> bool:
        known = self._known(who)
        if known is not None:
            return known
        allowed = await self._standing.allowed(who)  # with every other check due now: one read
        self._remember(who, allowed)
        return allowed

    def _remember(self, who: Principal, allowed: bool) -> None:
        seen = self._allowed.get(who.user_id)
        if not allowed and (seen is None or seen[1]):
            log.warning("api access withdrawn", user_id=who.user_id)
            self._wake()
        if len(self._allowed) > 100_000:
            self._allowed.clear()
        self._allowed[who.user_id] = (self._monotonic(), allowed)

    def watch(self, session: Session) -> asyncio.Future[None]:
        """Done when the session's access ends (expired, revoked, user disabled).  Every watched
        session of this node is re-checked in one sweep (:meth:`still_valid_all`) every
        ``recheck_s``, and at once when access changes here: one timer for all open WebSockets."""
        ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._watched[session] = ended
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch_all(), name="api access watch")
        return ended

    def unwatch(self, session: Session) -> None:
        """The session's socket closed.  When it was the last, the sweep is woken to end by itself:
        cancelled in the middle of its database read, it would leave the connection to be
        terminated later, which hangs once the engine is gone (the node stopping)."""
        ended = self._watched.pop(session, None)
        if ended is not None and not ended.done():
            ended.cancel()
        if not self._watched and self._watcher is not None:
            self._wake()

    async def aclose(self) -> None:
        """Stop the sweep and wait until it has (the node stops: before its database engine)."""
        watcher, self._watcher = self._watcher, None
        for ended in self._watched.values():
            if not ended.done():
                ended.cancel()
        self._watched.clear()
        if watcher is not None and not watcher.done():
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)

    async def _watch_all(self) -> None:
        while self._watched:
            sessions = list(self._watched)
            try:
                valid = await self.still_valid_all(sessions)
            except Exception:  # the database cannot tell: access is not confirmed
                log.warning("api access watch failed; open sockets closed", exc_info=True)
                valid = [False] * len(sessions)
            for session, ok in zip(sessions, valid, strict=True):
                ended = None if ok else self._watched.pop(session, None)
                if ended is not None and not ended.done():
                    ended.set_result(None)
            if self._watched:
                soonest = min(s.expires_at for s in self._watched)
                await self.changed(min(max(self.recheck_s, 0.05), max(0.0, soonest - self._clock()) + 0.01))

    def forget_user(self, user_id: int) -> None:
        """The user was changed here (disabled, agent retired): check the database next time."""
        self._allowed.pop(user_id, None)
        self._wake()

    async def logout(self, session: Session) -> None:
        await self._revocations.revoke(session.jti, session.expires_at, self._clock())
        log.info("api logout", user_id=session.principal.user_id)
        self._wake()

    async def changed(self, timeout_s: float) -> None:
        """Until access changed on this node (a sign-out, a user disabled) or ``timeout_s`` passed."""
        event = self._changed
        try:
            async with asyncio.timeout(timeout_s):
                await event.wait()
        except TimeoutError:
            pass

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
