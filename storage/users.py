"""People who use the browser pages and the HTTP API: their role, their prefecture, their password.

A user's **role** says what they may do (the table is in :mod:`cti.access.roles`); their
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
dept.lanzhou    department       lanzhou                         Lanzhou billing (lanzhou.billing)
dept.tianshui   department       tianshui                        Tianshui radio room (tianshui.radio)
stat.lanzhou    statistician     lanzhou                         statistician (统计员), Lanzhou
stat.province   statistician     province                        provincial statistician
records.lanzhou records          lanzhou                         records staff (资料员), Lanzhou
records.province records         province                        provincial records (资料管理岗)
==============  ===============  ==========  ===========  =====  =========================

A department user names their department (:mod:`storage.departments`), which must exist and be of
their prefecture; an agent's user names an agent of the directory (:mod:`storage.agents`) who is
not retired.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.agents import AgentRecord
from storage.db import Base, UtcDateTime, enum_column
from storage.departments import department_by_code, department_of_user, set_member
from storage.prefectures import PROVINCE, is_prefecture_code

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
    "password_problem",
    "seed_demo_users",
    "user_by_id",
    "user_by_username",
    "user_department",
    "users_by_agent",
    "users_standing",
]


class Role(StrEnum):
    AGENT_JUNIOR = "agent-junior"
    AGENT_SENIOR = "agent-senior"
    MANAGER = "manager"  # the manager hotline (经理热线): an agent of the highest level
    QA_PREFECTURE = "qa-prefecture"  # 质检员
    QA_PROVINCE = "qa-province"  # 服务督查岗
    SUPERVISOR = "supervisor"
    STATISTICIAN = "statistician"  # 统计员: reports only, of a prefecture or of the province
    ADMIN = "admin"
    RECORDS = "records"  # 资料员 / 资料管理岗: keeps the knowledge base (统一口径)
    DEPARTMENT = "department"  # a user of a department tickets are dispatched to (责任部门)


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


# refused whatever their length: the demo's (it is in the README) and the usual first guesses
COMMON_PASSWORDS = frozenset(
    {DEMO_PASSWORD, "password", "password1", "password123", "12345678", "123456789", "1234567890",
     "11111111", "88888888", "qwertyuiop", "iloveyou", "admin123", "abc12345", "changeme", "welcome1",
     "passw0rd", "p@ssw0rd", "a1b2c3d4", "1q2w3e4r", "qwerty123", "hotline123", "asterisk"}
)  # fmt: skip


def password_problem(password: str, username: str) -> str | None:
    """What is wrong with a new password, or None (security finding 7: length alone let
    ``12345678`` through).  8 to 128 characters, of at least three kinds (lower case, upper case,
    digits, others) — or 12 and more of at least two kinds (a passphrase) —, at least 5 different
    characters, not the username in it, not a common password."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters"
    kinds = sum(
        any(test(c) for c in password)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    if kinds < 2 or (kinds < 3 and len(password) < 12):
        return "a password mixes three kinds of character (a-z, A-Z, 0-9, others), or two in 12 or more"
    if len(set(password)) < 5:
        return "a password has at least 5 different characters"
    if len(username) >= 3 and username.lower() in password.lower():
        return "a password does not contain the username"
    if password.lower() in COMMON_PASSWORDS:
        return "that password is one of the first an attacker tries"
    return None


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
    department: str | None = None  # department users: the code of their department

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
        if (self.role is Role.DEPARTMENT) != (self.department is not None):
            raise UserError(f"user {name!r}: department users (and only they) name their department")
        if self.phone is not None and not self.phone.isalnum():
            raise UserError(f"user {name!r}: phone {self.phone!r} is not an extension")


async def create_user(db: AsyncSession, new: NewUser, now: datetime) -> User:
    """Insert a user (caller commits); the password is hashed in a worker thread.

    Raises :class:`UserError` when the agent they name is not in the directory (or retired), or
    the department they name does not exist or is of another prefecture."""
    await _check_references(db, new)
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
    if new.department is not None:
        await set_member(db, user.id, new.department)
    return user


async def _check_references(db: AsyncSession, new: NewUser) -> None:
    if new.agent_id is not None:
        stmt = select(AgentRecord).where(AgentRecord.agent_id == new.agent_id)
        agent = (await db.execute(stmt)).scalar_one_or_none()
        if agent is None:
            raise UserError(f"user {new.username!r}: there is no agent {new.agent_id!r} (hotline agents add)")
        if not agent.active:
            raise UserError(f"user {new.username!r}: agent {new.agent_id!r} is retired")
    if new.department is not None:
        department = await department_by_code(db, new.department)
        if department is None or not department.active:
            raise UserError(f"user {new.username!r}: there is no department {new.department!r}")
        if department.prefecture != new.prefecture:
            raise UserError(
                f"user {new.username!r}: department {new.department} is of {department.prefecture},"
                f" not {new.prefecture}"
            )


async def user_department(db: AsyncSession, user: User) -> str | None:
    """The department a department user works for (None for everyone else)."""
    return await department_of_user(db, user.id) if user.role is Role.DEPARTMENT else None


async def user_by_username(db: AsyncSession, username: str) -> User | None:
    return (await db.execute(select(User).where(User.username == username))).scalar_one_or_none()


async def user_with_phone(db: AsyncSession, phone: str) -> User | None:
    """The user (a QA inspector) whose listening phone is ``phone``, if any."""
    return (await db.execute(select(User).where(User.phone == phone).limit(1))).scalar_one_or_none()


async def user_by_id(db: AsyncSession, user_id: int) -> User | None:
    return await db.get(User, user_id)


async def users_standing(db: AsyncSession, user_ids: Collection[int]) -> dict[int, tuple[bool, str | None]]:
    """Whether each of ``user_ids`` is active, and the agent they are: one query (a user who does
    not exist is left out)."""
    rows = await db.execute(select(User.id, User.active, User.agent_id).where(User.id.in_(list(user_ids))))
    return {user_id: (bool(active), agent_id) for user_id, active, agent_id in rows}


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
    NewUser(
        "dept.lanzhou",
        "兰州营帐 Lanzhou billing",
        DEMO_PASSWORD,
        _R.DEPARTMENT,
        "lanzhou",
        department="lanzhou.billing",
    ),
    NewUser(
        "dept.tianshui",
        "天水无线室 Tianshui radio room",
        DEMO_PASSWORD,
        _R.DEPARTMENT,
        "tianshui",
        department="tianshui.radio",
    ),
    NewUser("stat.lanzhou", "孙统计", DEMO_PASSWORD, _R.STATISTICIAN, "lanzhou"),
    NewUser("stat.province", "省统计员", DEMO_PASSWORD, _R.STATISTICIAN, "province"),
    NewUser("records.lanzhou", "兰州资料员 Records Lanzhou", DEMO_PASSWORD, _R.RECORDS, "lanzhou"),
    NewUser("records.province", "省资料管理岗 Provincial records", DEMO_PASSWORD, _R.RECORDS, "province"),
)


async def seed_demo_users(db: AsyncSession, now: datetime) -> int:
    """Add the demo users, or refresh them when they exist (caller commits); returns how many.
    The departments of the demo's department users must be in the table (``save_departments``)."""
    hashed = await asyncio.to_thread(hash_password, DEMO_PASSWORD)  # one hash, shared: it is a demo
    existing = {u.username: u for u in (await db.execute(select(User))).scalars()}
    existing_or_new: dict[str, User] = {}
    for new in DEMO_USERS:
        user = existing.get(new.username)
        if user is None:
            user = User(username=new.username, created_at=now)
            db.add(user)
        existing_or_new[new.username] = user
        user.display_name = new.display_name
        user.password_hash = hashed
        user.role = new.role
        user.prefecture = new.prefecture
        user.agent_id = new.agent_id
        user.phone = new.phone
        user.active = True
    await db.flush()
    for new in DEMO_USERS:
        if new.department is not None:
            await set_member(db, existing_or_new[new.username].id, new.department)
    return len(DEMO_USERS)
