"""Signing in and out: tokens, expiry, revocation, the throttle on failed sign-ins, and logs that
carry ids only."""

from __future__ import annotations

import structlog
from structlog.testing import capture_logs

from cti.access.roles import Principal
from cti.access.tokens import TokenSigner
from storage.users import DEMO_PASSWORD, Role

from .conftest import ApiEnv


async def test_sign_in_gives_a_token_for_the_users_role_and_prefecture(api: ApiEnv) -> None:
    status, body = await api.call(
        "POST", "/api/session", body={"username": "qa.lanzhou", "password": DEMO_PASSWORD}
    )
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["user"]["role"] == "qa-prefecture" and body["user"]["prefecture"] == "lanzhou"
    assert "monitor" in body["user"]["permissions"] and "floor-control" not in body["user"]["permissions"]
    status, me = await api.call("GET", "/api/me", token=body["token"])
    assert status == 200 and me["username"] == "qa.lanzhou" and me["agent_id"] is None


async def test_wrong_password_unknown_user_and_bad_bodies(api: ApiEnv) -> None:
    for body in ({"username": "agent1001", "password": "nope"}, {"username": "ghost", "password": "nope"}):
        status, error = await api.call("POST", "/api/session", body=body)
        assert (status, error["error_id"]) == (401, "auth-bad-credentials")
    status, error = await api.call("POST", "/api/session", body={"username": "x"})
    assert status == 400 and error["error_id"] == "request-invalid"
    assert error["details"]["problems"][0]["field"] == "password"
    r = await api.client.post("/api/session", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status == 400


async def test_failed_sign_ins_are_throttled_per_user(api: ApiEnv) -> None:
    for _ in range(5):
        status, _ = await api.call("POST", "/api/session", body={"username": "agent1002", "password": "bad"})
        assert status == 401
    r = await api.client.post("/api/session", json={"username": "agent1002", "password": DEMO_PASSWORD})
    assert r.status == 429  # even the right password, while locked
    assert int(r.headers["Retry-After"]) > 0
    assert (await r.json())["error_id"] == "auth-rate-limited"
    # another user at the same address is not refused: the address has a limit of its own (20)
    r = await api.client.post("/api/session", json={"username": "agent1003", "password": DEMO_PASSWORD})
    assert r.status == 200
    api.clock.offset += 61  # a minute later
    status, _ = await api.call(
        "POST", "/api/session", body={"username": "agent1002", "password": DEMO_PASSWORD}
    )
    assert status == 200


async def test_tokens_expire_and_sign_out_revokes(api: ApiEnv) -> None:
    token = await api.token("agent1001")
    assert (await api.call("GET", "/api/me", token=token))[0] == 200
    api.clock.offset += 8 * 3600 + 1
    status, error = await api.call("GET", "/api/me", token=token)
    assert (status, error["error_id"]) == (401, "auth-token-expired")
    api.clock.offset = 0
    status, _ = await api.call("DELETE", "/api/session", token=token)
    assert status == 200
    status, error = await api.call("GET", "/api/me", token=token)
    assert (status, error["error_id"]) == (401, "auth-token-invalid")


async def test_forged_and_foreign_tokens_are_refused(api: ApiEnv) -> None:
    token = await api.token("agent1001")
    version, claims, signature = token.split(".")
    tampered = f"{version}.{claims}x.{signature}"
    admin = Principal(1, "admin", Role.ADMIN, "province")
    other = TokenSigner("another-key-entirely-0123", 3600).issue(admin, api.clock()).token
    for bad in (tampered, other, "garbage", ""):
        r = await api.client.get("/api/me", headers={"Authorization": f"Bearer {bad}"})
        assert r.status == 401
    r = await api.client.get("/api/me", headers={"Authorization": f"Basic {token}"})
    assert r.status == 401


async def test_logs_name_user_ids_never_usernames_passwords_or_tokens(api: ApiEnv) -> None:
    before = structlog.get_config()
    structlog.reset_defaults()  # whatever an earlier test configured: every level is logged
    try:
        with capture_logs() as logs:
            await _sign_in_and_ask(api)
    finally:
        structlog.configure(**before)
    token = await api.token("agent1001")
    text = repr(logs)
    assert "agent1001" not in text and "wrong-one" not in text and DEMO_PASSWORD not in text
    assert token not in text
    assert any(e.get("event") == "api login" and isinstance(e.get("user_id"), int) for e in logs)


async def _sign_in_and_ask(api: ApiEnv) -> None:
    await api.call("POST", "/api/session", body={"username": "agent1001", "password": "wrong-one"})
    token = await api.token("agent1001")
    await api.call("GET", "/api/me", token=token)
