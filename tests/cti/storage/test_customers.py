from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.storage.customers import (
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
