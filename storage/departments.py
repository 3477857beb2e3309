"""Departments (责任部门) a ticket is dispatched to, as rows, and the users who work for one.

The list comes from a file (``workflow/departments.yaml``, read by :mod:`workflow.departments`):
:func:`save_departments` writes it into the table when a node starts and when ``hotline seed``
runs — new ones are added, names follow the file, and a department the file no longer lists stays
(tickets still name it) but is marked inactive, so nothing new is dispatched to it.

A **department user** (role ``department``) belongs to exactly one department
(:class:`DepartmentMember`); they see and answer what was dispatched to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base

__all__ = [
    "DepartmentMember",
    "DepartmentRow",
    "DepartmentSpec",
    "department_by_code",
    "department_of_user",
    "departments",
    "save_departments",
    "set_member",
]


class DepartmentRow(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # lanzhou.billing
    prefecture: Mapped[str] = mapped_column(String(20), index=True)  # or "province"
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DepartmentMember(Base):
    __tablename__ = "department_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True, index=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)


@dataclass(frozen=True, slots=True)
class DepartmentSpec:
    code: str
    prefecture: str
    name_zh: str
    name_en: str


async def save_departments(db: AsyncSession, specs: Iterable[DepartmentSpec]) -> tuple[int, int]:
    """Make the table say what ``specs`` say (caller commits); returns (added, retired)."""
    wanted = {s.code: s for s in specs}
    rows = {r.code: r for r in (await db.execute(select(DepartmentRow))).scalars()}
    added = retired = 0
    for code, spec in wanted.items():
        row = rows.get(code)
        if row is None:
            row = DepartmentRow(code=code)
            db.add(row)
            added += 1
        row.prefecture, row.name_zh, row.name_en, row.active = (
            spec.prefecture,
            spec.name_zh,
            spec.name_en,
            True,
        )
    for code, row in rows.items():
        if code not in wanted and row.active:
            row.active = False
            retired += 1
    await db.flush()
    return added, retired


async def departments(
    db: AsyncSession, *, prefectures: Iterable[str] | None = None, active_only: bool = True
) -> list[DepartmentRow]:
    """Departments by code; of these prefecture codes (``province`` included when named), or all."""
    stmt = select(DepartmentRow).order_by(DepartmentRow.code)
    if prefectures is not None:
        stmt = stmt.where(DepartmentRow.prefecture.in_(list(prefectures)))
    if active_only:
        stmt = stmt.where(DepartmentRow.active.is_(True))
    return list((await db.execute(stmt)).scalars())


async def department_by_code(db: AsyncSession, code: str) -> DepartmentRow | None:
    return (await db.execute(select(DepartmentRow).where(DepartmentRow.code == code))).scalar_one_or_none()


async def department_of_user(db: AsyncSession, user_id: int) -> str | None:
    stmt = select(DepartmentMember.department).where(DepartmentMember.user_id == user_id)
    return (await db.execute(stmt)).scalar_one_or_none()


async def set_member(db: AsyncSession, user_id: int, department: str) -> None:
    """Make the user a member of ``department`` (their only one; caller commits)."""
    row = (
        await db.execute(select(DepartmentMember).where(DepartmentMember.user_id == user_id))
    ).scalar_one_or_none()
    if row is None:
        db.add(DepartmentMember(user_id=user_id, department=department))
    else:
        row.department = department
    await db.flush()
