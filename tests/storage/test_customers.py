import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.low_level import Type
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.customers import (
    PIN_HASHER,
    Customer,
    PinCheck,
    PinPolicy,
    PinState,
    Segment,
    check_pin,
    find_customer_by_number,
    hash_pin,
    normalise_number,
    pin_state,
)

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


async def _customer(db: AsyncSession, pin: str | None = "123456", **kw: object) -> int:
    row = Customer(
        number=str(kw.get("number", "13800000001")),
        name="张伟",
        prefecture="lanzhou",
        segment=kw.get("segment", Segment.NORMAL),
        pin_hash=hash_pin(pin) if pin else None,
        pin_failures=0,
        created_at=NOW,
    )
    db.add(row)
    await db.commit()
    return row.id


def test_normalise_number() -> None:
    assert normalise_number("+86 138-0000-0001") == "13800000001"
    assert normalise_number("008613800000001") == "13800000001"
    assert normalise_number("0931 8123456") == "09318123456"
    assert normalise_number("unknown") == ""


async def test_find_by_number(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        await _customer(db)
        found = await find_customer_by_number(db, "+8613800000001")
        assert found is not None and found.name == "张伟"
        assert await find_customer_by_number(db, "13900000000") is None
        assert await find_customer_by_number(db, "unknown") is None


async def test_right_pin_resets_the_failures(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        cid = await _customer(db)
        assert await check_pin(db, cid, "000000", NOW) is PinCheck.WRONG
        assert await check_pin(db, cid, "123456", NOW) is PinCheck.OK
        await db.commit()
        row = await db.get(Customer, cid)
        assert row is not None and row.pin_failures == 0


async def test_only_a_right_pin_that_changes_nothing_skips_the_disk_flush(db_sessions: Sessions) -> None:
    """Its commit only releases the row lock: the caller hears the bill without waiting for
    PostgreSQL's log to reach the disk. A count to keep, or to reset, still waits for it."""
    async with db_sessions() as db:
        if db.get_bind().dialect.name != "postgresql":
            pytest.skip("synchronous_commit is PostgreSQL's")
        cid = await _customer(db)

    async def checked(pin: str) -> tuple[PinCheck, str]:
        async with db_sessions() as db:
            result = await check_pin(db, cid, pin, NOW)
            flush = str(await db.scalar(text("SHOW synchronous_commit")))
            await db.commit()
            return result, flush

    assert await checked("123456") == (PinCheck.OK, "off")
    assert await checked("000000") == (PinCheck.WRONG, "on")
    assert await checked("123456") == (PinCheck.OK, "on")  # the failure count is reset
    async with db_sessions() as db:
        row = await db.get(Customer, cid)
        assert row is not None and row.pin_failures == 0
    assert await checked("123456") == (PinCheck.OK, "off")


async def test_three_failures_lock_for_the_next_calls_too(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    policy = PinPolicy(max_failures=3, lock_for=timedelta(minutes=30))
    async with db_sessions() as db:
        cid = await _customer(db)
    for expected in (PinCheck.WRONG, PinCheck.WRONG, PinCheck.LOCKED):
        async with db_sessions() as db:
            assert await check_pin(db, cid, "111111", NOW, policy) is expected
            await db.commit()
    # a later call, even with the right PIN, within the lock period
    async with db_sessions() as db:
        assert await check_pin(db, cid, "123456", NOW + timedelta(minutes=29), policy) is PinCheck.LOCKED
        row = await db.get(Customer, cid)
        assert row is not None
        assert pin_state(row, NOW + timedelta(minutes=29)) is PinState.LOCKED
        assert row.pin_locked_until == NOW + timedelta(minutes=30)
    async with db_sessions() as db:
        assert await check_pin(db, cid, "123456", NOW + timedelta(minutes=31), policy) is PinCheck.OK
        await db.commit()


async def test_no_pin_set(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        cid = await _customer(db, pin=None)
        assert await check_pin(db, cid, "123456", NOW) is PinCheck.NOT_SET


def test_who_needs_a_senior() -> None:
    assert Customer(segment=Segment.VIP, important=False).needs_senior_for_complaints
    assert Customer(segment=Segment.PRIVATE_LINE, important=False).needs_senior_for_complaints
    assert Customer(segment=Segment.NORMAL, important=True).needs_senior_for_complaints
    assert not Customer(segment=Segment.NORMAL, important=False).needs_senior_for_complaints


async def test_a_pin_hashed_with_older_parameters_is_rehashed_on_a_right_entry(db_sessions: Sessions) -> None:
    owasp = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
    async with db_sessions() as db:
        cid = await _customer(db, pin=None)
        row = await db.get(Customer, cid)
        assert row is not None
        row.pin_hash = owasp.hash("123456")
        await db.commit()
        old = row.pin_hash
        assert await check_pin(db, cid, "000000", NOW) is PinCheck.WRONG
        assert row.pin_hash == old  # a wrong entry changes nothing
        assert await check_pin(db, cid, "123456", NOW) is PinCheck.OK
        await db.commit()
        assert row.pin_hash != old and not PIN_HASHER.check_needs_rehash(row.pin_hash)
        assert await check_pin(db, cid, "123456", NOW) is PinCheck.OK


def test_pin_hashes_use_the_stated_parameters() -> None:
    params = extract_parameters(hash_pin("123456"))
    assert (params.time_cost, params.memory_cost, params.parallelism) == (1, 1024, 1)
    assert params.type is Type.ID


PARALLEL_POLICY = PinPolicy(max_failures=3, lock_for=timedelta(minutes=30))


async def _parallel_guesses(
    db_sessions: Sessions, database_url: str, pins: list[str]
) -> tuple[int, list[PinCheck]]:
    """A customer's PIN guessed with ``pins`` all at once, each in its own session: the customer's
    id and the outcomes, in the order of ``pins``."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no row locks (FOR UPDATE is ignored): PostgreSQL only")
    async with db_sessions() as db:
        customer_id = await _customer(db)

    async def guess(pin: str) -> PinCheck:
        async with db_sessions() as db:
            result = await check_pin(db, customer_id, pin, NOW, PARALLEL_POLICY)
            await db.commit()
            return result

    return customer_id, list(await asyncio.gather(*(guess(pin) for pin in pins)))


async def test_parallel_guesses_get_no_more_tries_than_serial_ones(
    db_sessions: Sessions, database_url: str
) -> None:
    # the hash is checked before the row is locked; the outcome only counts under the lock
    cid, results = await _parallel_guesses(db_sessions, database_url, [f"{n:06d}" for n in range(8)])
    wrong = [r for r in results if r is PinCheck.WRONG]
    assert len(wrong) <= PARALLEL_POLICY.max_failures - 1
    assert PinCheck.LOCKED in results
    async with db_sessions() as db:
        assert await check_pin(db, cid, "123456", NOW, PARALLEL_POLICY) is PinCheck.LOCKED


async def test_a_right_entry_among_parallel_guesses_resets_the_count_once(
    db_sessions: Sessions, database_url: str
) -> None:
    # A right entry clears the failures, as it does serially, so the wrong guesses around it get
    # at most two rounds of tries: never more than a serial caller who knows the PIN would get.
    _, results = await _parallel_guesses(
        db_sessions, database_url, [*(f"{n:06d}" for n in range(8)), "123456"]
    )
    wrong = [r for r in results[:-1] if r is PinCheck.WRONG]
    assert len(wrong) <= 2 * (PARALLEL_POLICY.max_failures - 1)
    assert results[-1] in (PinCheck.OK, PinCheck.LOCKED)
    assert PinCheck.LOCKED in results[:-1]
