"""Customer master data (seed 000: name, address, prefecture, look-up by phone number) and the two
secrets a caller proves who they are with.

The PIN (服务密码) guards self-service bill queries and orders; the last six characters of the ID
document on file (证件号码后六位; an ``X`` is keyed as ``0``) are the other way to prove it, e.g.
to suspend a lost phone. Both are stored as argon2 hashes, never in clear; verification runs in a
worker thread so a call never blocks the event loop. Failed attempts of either are counted on
the customer row, and after ``PinPolicy.max_failures`` failures self-service identity checks are
locked until ``pin_locked_until``, which outlives the call: the next call within the lock period
is refused too (an agent then checks the caller's identity).

Big and private-line customers may have an account manager (客户经理): a name and the phone the
VIP menu dials.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from acd.model import Segment
from prompts.language import Language
from storage.db import Base, UtcDateTime, enum_column


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
    id_tail_hash: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(200), default="")
    account_manager: Mapped[str | None] = mapped_column(String(100))
    account_manager_phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def needs_senior_for_complaints(self) -> bool:
        return self.important or self.segment in (Segment.VIP, Segment.PRIVATE_LINE)


# argon2id with 1 MiB and one pass: about 1 ms a hash. Why not OWASP's password minimum (19 MiB,
# t=2, ~20 ms; what storage/users.py keeps for passwords): a PIN is 4-8 digits, the ID tail 6.
# Whoever holds the hashes tries all 10**6 six-digit values on one core in ~17 minutes at 1 ms
# or ~6 hours at 20 ms -- a stolen PIN hash falls either way, so the work factor buys no real
# protection; the salt still rules out one table for every customer, and what stops guessing is
# the online lock-out (PinPolicy: 3 failures lock for 30 minutes, so ~144 guesses a day of 10**6).
# At 20 ms, though, 1,000 concurrent IVR calls (~60 PIN checks/s) would need more than a core.
# Hashes made with other parameters still verify, and are replaced on the next right entry.
PIN_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_pin(pin: str, hasher: PasswordHasher = PIN_HASHER) -> str:
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        raise ValueError("a service PIN is 4 to 8 digits")
    return hasher.hash(pin)


ID_TAIL_DIGITS = 6


def id_tail(document_number: str) -> str:
    """What a caller keys for an ID document: its last six characters, ``X`` as ``0``."""
    tail = document_number.strip().upper()[-ID_TAIL_DIGITS:].replace("X", "0")
    if len(tail) != ID_TAIL_DIGITS or not tail.isdigit():
        raise ValueError("an ID document number ends in six digits (or five and an X)")
    return tail


def hash_id_tail(document_number: str, hasher: PasswordHasher = PIN_HASHER) -> str:
    return hasher.hash(id_tail(document_number))


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


def id_tail_state(customer: Customer, now: datetime) -> PinState:
    """Like :func:`pin_state`, for the ID document's last digits (the same lock)."""
    if customer.id_tail_hash is None:
        return PinState.NOT_SET
    if customer.pin_locked_until is not None and customer.pin_locked_until > now:
        return PinState.LOCKED
    return PinState.OPEN


async def check_pin(
    db: AsyncSession, customer_id: int, pin: str, now: datetime, policy: PinPolicy = PinPolicy()
) -> PinCheck:
    """Verify ``pin`` for the customer and update the failure count / lock (caller commits; a
    right entry that changes nothing lets that commit skip waiting for the disk, so the
    transaction should hold nothing else the caller needs durable)."""
    return await _check_secret(db, customer_id, pin, now, policy, by_id_tail=False)


async def check_id_tail(
    db: AsyncSession, customer_id: int, keyed: str, now: datetime, policy: PinPolicy = PinPolicy()
) -> PinCheck:
    """Verify the keyed last six digits of the ID document; failures count with the PIN's."""
    return await _check_secret(db, customer_id, keyed, now, policy, by_id_tail=True)


async def _check_secret(
    db: AsyncSession, customer_id: int, keyed: str, now: datetime, policy: PinPolicy, *, by_id_tail: bool
) -> PinCheck:
    # The hash is checked before the row is locked, so concurrent checks of one account do not
    # queue behind each other's hashing (nor hold a pooled connection while they wait). The
    # outcome counts only under the lock: an entry checked while another locked the account
    # gets LOCKED and learns nothing, so parallel guesses get no more tries than serial ones.
    customer = (await db.execute(select(Customer).where(Customer.id == customer_id))).scalar_one()
    stored = customer.id_tail_hash if by_id_tail else customer.pin_hash
    if stored is None:
        return PinCheck.NOT_SET
    state = id_tail_state(customer, now) if by_id_tail else pin_state(customer, now)
    if state is PinState.LOCKED:
        return PinCheck.LOCKED
    matched = await asyncio.to_thread(pin_matches, stored, keyed)
    locked = select(Customer).where(Customer.id == customer_id).with_for_update()
    customer = (await db.execute(locked.execution_options(populate_existing=True))).scalar_one()
    current = customer.id_tail_hash if by_id_tail else customer.pin_hash
    if current is None:
        return PinCheck.NOT_SET
    if current != stored:  # changed meanwhile (rare): checked again, under the lock
        stored, matched = current, await asyncio.to_thread(pin_matches, current, keyed)
    state = id_tail_state(customer, now) if by_id_tail else pin_state(customer, now)
    if state is PinState.LOCKED:
        return PinCheck.LOCKED
    if matched:
        if PIN_HASHER.check_needs_rehash(stored):  # made with older parameters: now ours
            rehashed = await asyncio.to_thread(PIN_HASHER.hash, keyed)
            if by_id_tail:
                customer.id_tail_hash = rehashed
            else:
                customer.pin_hash = rehashed
        elif customer.pin_failures == 0 and customer.pin_locked_until is None:
            await _commit_without_waiting(db)  # nothing changes: only the row lock is released
        customer.pin_failures = 0
        customer.pin_locked_until = None
        return PinCheck.OK
    customer.pin_failures += 1
    if customer.pin_failures >= policy.max_failures:
        customer.pin_failures = 0
        customer.pin_locked_until = now + policy.lock_for
        return PinCheck.LOCKED
    return PinCheck.WRONG


async def _commit_without_waiting(db: AsyncSession) -> None:
    """The transaction's commit need not wait for PostgreSQL to flush its log to disk: it holds a
    row lock (``FOR UPDATE`` writes a log record and takes a transaction id, so its commit would
    wait for the disk) and changes nothing, so losing that commit in a crash loses nothing. A
    caller who entered the right PIN is answered without waiting for the disk."""
    if db.get_bind().dialect.name == "postgresql" and not (db.new or db.dirty or db.deleted):
        await db.execute(text("SET LOCAL synchronous_commit TO OFF"))


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
