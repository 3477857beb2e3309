"""People who use the browser pages and the HTTP API: their role, their prefecture, their password.

A user's **role** says what they may do (the table is in :mod:`cti.api.roles`); their
**prefecture** says where: staff of a prefecture centre act on their own prefecture only, staff of
the provincial centre (prefecture ``province``) on every prefecture.  An agent's user names the
ACD agent they are (``agent_id``); a QA inspector's names the phone the hotline rings when they
listen in (``phone``).

Passwords are stored as argon2id hashes and checked in a worker thread, so a login never blocks
the event loop.  Demo users (``hotline seed``), all with the password ``hotline-demo``:

==============  ===============  ==========  ===========  =====  =========================
username        role             prefecture  agent id     phone  who
==============  ===============  ==========  ===========  =====  =========================
agent1001       agent-junior     lanzhou     agent-1001          junior agent, Lanzhou
agent1002       agent-junior     lanzhou     agent-1002          junior agent, Lanzhou
agent1003       agent-senior     lanzhou     agent-1003          senior agent, Lanzhou
agent1004       agent-junior     tianshui    agent-1004          junior agent, Tianshui
agent1005       agent-senior     tianshui    agent-1005          senior agent, Tianshui
manager1006     manager          lanzhou     agent-1006          manager hotline
qa.lanzhou      qa-prefecture    lanzhou                  8001   QA inspector, Lanzhou
qa.tianshui     qa-prefecture    tianshui                 8002   QA inspector, Tianshui
qa.province     qa-province      province                 8010   service supervision (服务督查)
sup.lanzhou     supervisor       lanzhou                         floor supervisor, Lanzhou
sup.province    supervisor       province                        provincial supervisor
admin           admin            province                        administrator
==============  ===============  ==========  ===========  =====  =========================
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cti.storage.db import Base, UtcDateTime, enum_column
from cti.storage.prefectures import PROVINCE, is_prefecture_code

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "NewUser",
    "Role",
    "User",
    "UserError",
    "check_password",
    "create_user",
    "hash_password",
    "password_matches",
    "seed_demo_users",
    "user_by_id",
    "user_by_username",
    "users_by_agent",
]


class Role(StrEnum):
    AGENT_JUNIOR = "agent-junior"
    AGENT_SENIOR = "agent-senior"
    MANAGER = "manager"  # the manager hotline (经理热线): an agent of the highest level
    QA_PREFECTURE = "qa-prefecture"  # 质检员
    QA_PROVINCE = "qa-province"  # 服务督查岗
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# OWASP's argon2id minimum (19 MiB, t=2, p=1): ~20 ms a hash, in a worker thread.
PASSWORD_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD = 8
MAX_PASSWORD = 128
DEMO_PASSWORD = "hotline-demo"


class UserError(ValueError):
    """A user cannot be created as asked; the message says which field is wrong."""


def hash_password(password: str, hasher: PasswordHasher = PASSWORD_HASHER) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UserError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return hasher.hash(password)


def password_matches(password_hash: str, password: str, hasher: PasswordHasher = PASSWORD_HASHER) -> bool:
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash of a password nobody has: checked when the username is unknown, so an unknown user and
# a wrong password take the same time.
_NOBODY = PASSWORD_HASHER.hash("no user has this password, it only burns the same time")


async def check_password(user: User | None, password: str) -> bool:
    """True when ``user`` exists, is active and ``password`` is theirs (in a worker thread)."""
    stored = user.password_hash if user is not None else _NOBODY
    ok = await asyncio.to_thread(password_matches, stored, password)
    return ok and user is not None and user.active


_QA = (Role.QA_PREFECTURE, Role.QA_PROVINCE)


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    display_name: str
    password: str
    role: Role
    prefecture: str
    agent_id: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        name = self.username
        if not name or len(name) > 64 or not all(ch.isalnum() or ch in "._-" for ch in name):
            raise UserError(f"username {name!r}: 1 to 64 letters, digits, '.', '_' or '-'")
        if not is_prefecture_code(self.prefecture):
            raise UserError(f"user {name!r}: unknown prefecture {self.prefecture!r}")
        agent_roles = (Role.AGENT_JUNIOR, Role.AGENT_SENIOR, Role.MANAGER)
        if (self.role in agent_roles) != (self.agent_id is not None):
            raise UserError(f"user {name!r}: agents (and only agents) name their ACD agent id")
        if (self.role is Role.QA_PROVINCE) != (self.role in _QA and self.prefecture == PROVINCE.code):
            raise UserError(f"user {name!r}: provincial QA, and only they among QA, belong to the province")
        if self.phone is not None and not self.phone.isalnum():
            raise UserError(f"user {name!r}: phone {self.phone!r} is not an extension")


async def create_user(db: AsyncSession, new: NewUser, now: datetime) -> User:
    """Insert a user (caller commits); the password is hashed in a worker thread."""
    password_hash = await asyncio.to_thread(hash_password, new.password)
    user = User(
        username=new.username,
        display_name=new.display_name,
        password_hash=password_hash,
        role=new.role,
        prefecture=new.prefecture,
        agent_id=new.agent_id,
        phone=new.phone,
        active=True,
        created_at=now,
    )
    db.add(user)
    await db.flush()
    return user


async def user_by_username(db: AsyncSession, username: str) -> User | None:
    return (await db.execute(select(User).where(User.username == username))).scalar_one_or_none()


async def user_by_id(db: AsyncSession, user_id: int) -> User | None:
    return await db.get(User, user_id)


async def users_by_agent(db: AsyncSession) -> dict[str, User]:
    """Every user who is an ACD agent, by agent id."""
    rows = (await db.execute(select(User).where(User.agent_id.is_not(None)))).scalars()
    return {u.agent_id: u for u in rows if u.agent_id is not None}


_R = Role
DEMO_USERS: tuple[NewUser, ...] = (
    NewUser("agent1001", "王丽", DEMO_PASSWORD, _R.AGENT_JUNIOR, "lanzhou", "agent-1001"),
    NewUser("agent1002", "张强", DEMO_PASSWORD, _R.AGENT_JUNIOR, "lanzhou", "agent-1002"),
    NewUser("agent1003", "李敏", DEMO_PASSWORD, _R.AGENT_SENIOR, "lanzhou", "agent-1003"),
    NewUser("agent1004", "赵静", DEMO_PASSWORD, _R.AGENT_JUNIOR, "tianshui", "agent-1004"),
    NewUser("agent1005", "刘军", DEMO_PASSWORD, _R.AGENT_SENIOR, "tianshui", "agent-1005"),
    NewUser("manager1006", "陈华 (经理热线)", DEMO_PASSWORD, _R.MANAGER, "lanzhou", "agent-1006"),
    NewUser("qa.lanzhou", "兰州质检 QA Lanzhou", DEMO_PASSWORD, _R.QA_PREFECTURE, "lanzhou", phone="8001"),
    NewUser("qa.tianshui", "天水质检 QA Tianshui", DEMO_PASSWORD, _R.QA_PREFECTURE, "tianshui", phone="8002"),
    NewUser(
        "qa.province", "省服务督查 Provincial QA", DEMO_PASSWORD, _R.QA_PROVINCE, "province", phone="8010"
    ),
    NewUser("sup.lanzhou", "兰州班长 Supervisor Lanzhou", DEMO_PASSWORD, _R.SUPERVISOR, "lanzhou"),
    NewUser("sup.province", "省值班长 Provincial supervisor", DEMO_PASSWORD, _R.SUPERVISOR, "province"),
    NewUser("admin", "管理员 Administrator", DEMO_PASSWORD, _R.ADMIN, "province"),
)


async def seed_demo_users(db: AsyncSession, now: datetime) -> int:
    """Add the demo users, or refresh them when they exist (caller commits); returns how many."""
    hashed = await asyncio.to_thread(hash_password, DEMO_PASSWORD)  # one hash, shared: it is a demo
    existing = {u.username: u for u in (await db.execute(select(User))).scalars()}
    for new in DEMO_USERS:
        user = existing.get(new.username)
        if user is None:
            user = User(username=new.username, created_at=now)
            db.add(user)
        user.display_name = new.display_name
        user.password_hash = hashed
        user.role = new.role
        user.prefecture = new.prefecture
        user.agent_id = new.agent_id
        user.phone = new.phone
        user.active = True
    await db.flush()
    return len(DEMO_USERS)
