"""Bearer tokens: signed, expiring, revocable on sign-out.  No I/O; the clock is passed in.

A token is ``v1.<claims>.<signature>``: the claims are compact JSON in URL-safe base64, the
signature an HMAC-SHA256 of ``v1.<claims>`` under ``[api] token_key``.  Claims: ``sub`` (user id),
``usr`` (username), ``rol`` (role), ``pre`` (prefecture), ``agt`` (agent id or null), ``dep``
(department code, department users only; absent otherwise), ``iat`` and
``exp`` (seconds since the epoch), ``jti`` (random id, for revocation).

:meth:`TokenSigner.verify` checks, in this order, the shape (ASCII only), the signature (in
constant time) and the expiry; each failure raises :class:`TokenRejected` with a reason the API
reports as ``auth-token-invalid`` / ``auth-token-expired``.  Whether the token was revoked, and
whether its user may still sign in, is :mod:`cti.access.auth`'s check, on every request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from cti.access.roles import Principal
from storage.users import Role

__all__ = ["TokenRejected", "TokenSigner"]

VERSION = "v1"
MAX_TOKEN = 2048


class TokenRejected(Exception):
    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    expires_at: float
    jti: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, key: str, ttl_s: float) -> None:
        if len(key) < 16:
            raise ValueError("the token signing key needs at least 16 characters")
        self._key = key.encode("utf-8")
        self.ttl_s = ttl_s

    def issue(self, who: Principal, now: float) -> Issued:
        jti = secrets.token_urlsafe(12)
        exp = int(now + self.ttl_s)
        claims = {
            "sub": who.user_id,
            "usr": who.username,
            "rol": who.role.value,
            "pre": who.prefecture,
            "agt": who.agent_id,
            **({"dep": who.department} if who.department is not None else {}),
            "iat": int(now),
            "exp": exp,
            "jti": jti,
        }
        body = f"{VERSION}.{_b64(json.dumps(claims, separators=(',', ':')).encode('utf-8'))}"
        return Issued(f"{body}.{self._sign(body)}", float(exp), jti)

    def verify(self, token: str, now: float) -> tuple[Principal, str, float]:
        """The principal, the token id and its expiry; raises :class:`TokenRejected`."""
        if len(token) > MAX_TOKEN or not token.isascii() or token.count(".") != 2:
            raise TokenRejected("malformed token")  # non-ASCII: neither compare_digest nor encode takes it
        version, claims_text, signature = token.split(".")
        if version != VERSION:
            raise TokenRejected("unknown token version")
        if not hmac.compare_digest(signature, self._sign(f"{version}.{claims_text}")):
            raise TokenRejected("bad signature")
        try:
            claims = json.loads(_unb64(claims_text))
            principal = Principal(
                user_id=int(claims["sub"]),
                username=str(claims["usr"]),
                role=Role(claims["rol"]),
                prefecture=str(claims["pre"]),
                agent_id=None if claims["agt"] is None else str(claims["agt"]),
                department=None if claims.get("dep") is None else str(claims["dep"]),
            )
            exp = float(claims["exp"])
            jti = str(claims["jti"])
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
            raise TokenRejected(f"unreadable claims: {type(exc).__name__}") from None
        if now >= exp:
            raise TokenRejected("token expired", expired=True)
        return principal, jti, exp

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest())
