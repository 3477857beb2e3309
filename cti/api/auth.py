"""Signing in and out, and who a request is from.

``login`` checks the throttle first (a locked-out username or address is refused before any
password is looked at), then the password (argon2, in a worker thread; an unknown user costs the
same time as a wrong password), then issues a token.  Logs carry user ids only: never the
username typed, the password, the token or the client's address.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.api.errors import BadCredentials, RateLimited, TokenExpired, TokenInvalid, Unauthenticated
from cti.api.login_throttle import LoginThrottle
from cti.api.metrics import ApiMetrics
from cti.api.roles import Principal
from cti.api.tokens import Issued, TokenRejected, TokenSigner
from cti.storage.users import check_password, user_by_username

__all__ = ["Authenticator", "Session"]

log = structlog.get_logger(__name__)


class Session:
    """A verified token: who, its id and when it expires."""

    __slots__ = ("expires_at", "jti", "principal")

    def __init__(self, principal: Principal, jti: str, expires_at: float) -> None:
        self.principal = principal
        self.jti = jti
        self.expires_at = expires_at


class Authenticator:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        signer: TokenSigner,
        throttle: LoginThrottle,
        metrics: ApiMetrics,
        clock: Callable[[], float],
    ) -> None:
        self._sessions = sessions
        self.signer = signer
        self.throttle = throttle
        self._metrics = metrics
        self._clock = clock

    def now(self) -> float:
        return self._clock()

    async def login(self, username: str, password: str, remote: str) -> tuple[Issued, Principal]:
        now = self._clock()
        keys = (f"user:{username.lower()}", f"addr:{remote}")
        wait = self.throttle.retry_after(keys, now)
        if wait is not None:
            self._metrics.logins.labels("rate-limited").inc()
            log.warning("api login refused: too many failures")
            raise RateLimited("too many failed sign-ins; try again later", retry_after_s=int(wait) + 1)
        async with self._sessions() as db:
            user = await user_by_username(db, username)
            ok = await check_password(user, password)
        if not ok or user is None:
            self.throttle.failed(keys, self._clock())
            self._metrics.logins.labels("bad-credentials").inc()
            log.info("api login failed")
            raise BadCredentials("unknown user or wrong password")
        principal = Principal(user.id, user.username, user.role, user.prefecture, user.agent_id)
        issued = self.signer.issue(principal, self._clock())
        self._metrics.logins.labels("ok").inc()
        log.info("api login", user_id=user.id, role=user.role.value)
        return issued, principal

    def session(self, token: str | None) -> Session:
        if not token:
            raise Unauthenticated("sign in first: send 'Authorization: Bearer <token>'")
        try:
            principal, jti, exp = self.signer.verify(token, self._clock())
        except TokenRejected as exc:
            if exc.expired:
                raise TokenExpired("the token has expired; sign in again") from None
            raise TokenInvalid("the token is not valid") from None
        return Session(principal, jti, exp)

    def logout(self, session: Session) -> None:
        self.signer.revoke(session.jti, session.expires_at, self._clock())
        log.info("api logout", user_id=session.principal.user_id)


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
