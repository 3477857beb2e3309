"""Customer master data (seed 000: name, prefecture, look-up by phone number) and the service PIN.

The PIN (服务密码) guards self-service bill queries. It is stored as an argon2 hash; verification
runs in a worker thread so a call never blocks the event loop. Failed attempts are counted on the
customer row, and after ``PinPolicy.max_failures`` failures the PIN is locked until
``pin_locked_until``, which outlives the call: the next call within the lock period is refused too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cti.storage.db import Base, UtcDateTime, enum_column


class Segment(StrEnum):
    NORMAL = "normal"
    VIP = "vip"  # 大客户 (big customers)
    PRIVATE_LINE = "private_line"  # 专线用户


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    segment: Mapped[Segment] = mapped_column(enum_column(Segment), default=Segment.NORMAL)
    # 重要用户 (government, hospitals, ...): like VIP and private-line customers, their complaints
    # go to a senior agent (seed 000).
    important: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[Language] = mapped_column(enum_column(Language), default=Language.ZH)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def needs_senior_for_complaints(self) -> bool:
        return self.important or self.segment in (Segment.VIP, Segment.PRIVATE_LINE)


# OWASP's argon2id minimum (19 MiB, t=2, p=1): a hash costs ~20 ms instead of ~150 ms with the
# library defaults. A PIN has few digits anyway; the lock-out is what stops guessing.
PIN_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_pin(pin: str, hasher: PasswordHasher = PIN_HASHER) -> str:
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        raise ValueError("a service PIN is 4 to 8 digits")
    return hasher.hash(pin)


def pin_matches(pin_hash: str, pin: str, hasher: PasswordHasher = PIN_HASHER) -> bool:
    try:
        return hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class PinPolicy:
    max_failures: int = 3
    lock_for: timedelta = timedelta(minutes=30)


class PinState(StrEnum):
    OPEN = "open"  # a PIN is set and not locked
    LOCKED = "locked"
    NOT_SET = "not_set"


class PinCheck(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"  # locked before this attempt, or by this (last allowed) failure
    NOT_SET = "not_set"


def pin_state(customer: Customer, now: datetime) -> PinState:
    if customer.pin_hash is None:
        return PinState.NOT_SET
    if customer.pin_locked_until is not None and customer.pin_locked_until > now:
        return PinState.LOCKED
    return PinState.OPEN


async def check_pin(
    db: AsyncSession, customer_id: int, pin: str, now: datetime, policy: PinPolicy = PinPolicy()
) -> PinCheck:
    """Verify ``pin`` for the customer and update the failure count / lock (caller commits)."""
    stmt = select(Customer).where(Customer.id == customer_id).with_for_update()
    customer = (await db.execute(stmt)).scalar_one()
    state = pin_state(customer, now)
    if state is PinState.NOT_SET:
        return PinCheck.NOT_SET
    if state is PinState.LOCKED:
        return PinCheck.LOCKED
    assert customer.pin_hash is not None
    if await asyncio.to_thread(pin_matches, customer.pin_hash, pin):
        customer.pin_failures = 0
        customer.pin_locked_until = None
        return PinCheck.OK
    customer.pin_failures += 1
    if customer.pin_failures >= policy.max_failures:
        customer.pin_failures = 0
        customer.pin_locked_until = now + policy.lock_for
        return PinCheck.LOCKED
    return PinCheck.WRONG


async def find_customer_by_number(db: AsyncSession, number: str) -> Customer | None:
    """The customer whose phone number is ``number`` (digits only; a leading ``+86`` is ignored)."""
    wanted = normalise_number(number)
    if not wanted:
        return None
    return (await db.execute(select(Customer).where(Customer.number == wanted))).scalar_one_or_none()


def normalise_number(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.strip().startswith("+86"):
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits
