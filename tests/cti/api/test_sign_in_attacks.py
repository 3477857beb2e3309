"""Security finding 2 (and the lockout of finding 7), tried as the probe tried them: many
concurrent guesses at one user's password with the right one among them, a thousand usernames
from one address, forged X-Forwarded-For headers, and one user's typos behind a shared proxy."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cti.access.client_address import TrustedProxies, client_address
from cti.api.settings import ApiSettings
from storage.users import DEMO_PASSWORD

from .conftest import ApiEnv, make_env


async def _sign_in(api: ApiEnv, username: str, password: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    r = await api.client.post(
        "/api/session", json={"username": username, "password": password}, headers=headers
    )
    await r.read()
    return r.status


async def test_300_concurrent_guesses_never_reach_the_right_password(api: ApiEnv) -> None:
    passwords = [f"guess-{n}" for n in range(300)]
    passwords[150] = DEMO_PASSWORD  # the attacker's list holds the right one
    statuses = await asyncio.gather(*(_sign_in(api, "agent1002", p) for p in passwords))
    counted = Counter(statuses)
    assert counted[200] == 0, counted
    assert counted[401] == 5 and counted[429] == 295, counted


async def test_a_thousand_usernames_from_one_address_get_twenty_tries(api: ApiEnv) -> None:
    statuses = await asyncio.gather(*(_sign_in(api, f"user{n}", "guess") for n in range(1000)))
    counted = Counter(statuses)
    assert counted == {401: 20, 429: 980}, counted


async def test_x_forwarded_for_from_a_client_that_is_no_proxy_is_ignored(api: ApiEnv) -> None:
    statuses = [await _sign_in(api, "agent1002", "guess", forwarded_for=f"10.0.0.{n}") for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3


@pytest.fixture
async def behind_proxy(tmp_path: Path) -> AsyncIterator[ApiEnv]:
    async for env in make_env(tmp_path, api=ApiSettings(trusted_proxies=["127.0.0.0/8", "::1"])):
        yield env


async def test_behind_a_trusted_proxy_one_users_typos_lock_out_no_one_else(behind_proxy: ApiEnv) -> None:
    api = behind_proxy
    for _ in range(5):
        assert await _sign_in(api, "agent1002", "typo", forwarded_for="203.0.113.7") == 401
    assert await _sign_in(api, "agent1002", DEMO_PASSWORD, forwarded_for="203.0.113.7") == 429
    # the same user from their own desk, and their colleagues, behind the same proxy
    assert await _sign_in(api, "agent1002", DEMO_PASSWORD, forwarded_for="203.0.113.8") == 200
    assert await _sign_in(api, "agent1003", DEMO_PASSWORD, forwarded_for="203.0.113.7") == 200
    # a client cannot escape its own address by prepending one: the proxy's entry is the last
    assert await _sign_in(api, "agent1002", "typo", forwarded_for="198.51.100.1, 203.0.113.7") == 429


async def test_one_user_is_guessed_from_many_addresses_at_most_twenty_times_a_minute(
    behind_proxy: ApiEnv,
) -> None:
    api = behind_proxy
    statuses = await asyncio.gather(
        *(_sign_in(api, "agent1002", "guess", forwarded_for=f"198.51.100.{n}") for n in range(60))
    )
    assert Counter(statuses) == {401: 20, 429: 40}


def test_the_client_address_is_read_from_the_right_past_trusted_proxies() -> None:
    trusted = TrustedProxies(["10.0.0.0/8"])
    assert client_address("10.1.1.1", ["1.2.3.4, 10.2.2.2"], trusted) == "1.2.3.4"
    assert client_address("10.1.1.1", ["9.9.9.9, 1.2.3.4"], trusted) == "1.2.3.4"  # 9.9.9.9: forged
    assert client_address("8.8.8.8", ["1.2.3.4"], trusted) == "8.8.8.8"  # not a proxy: ignored
    assert client_address("10.1.1.1", [], trusted) == "10.1.1.1"
    assert client_address("10.1.1.1", ["junk"], trusted) == "10.1.1.1"
    assert client_address("10.1.1.1", ["1.2.3.4", "5.6.7.8"], trusted) == "5.6.7.8"
