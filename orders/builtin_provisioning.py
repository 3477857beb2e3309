"""The built-in provisioning adapter: carries orders out in our own customer and billing store.

Each order is one database transaction: the line's status, its services, a one-off fee on the
account, and a :class:`storage.lines.ProvisioningRecord` saying it was applied, all committed
together or not at all (an error anywhere rolls everything back). Applying the same order again
returns the first result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.provisioning import Provisioned, ProvisioningFailed, ProvisioningRequest
from storage.billing import Charge
from storage.customers import Customer
from storage.lines import Line, LineService, LineStatus, ProvisioningRecord, ServiceStatus
from storage.service_orders import OrderAction

__all__ = ["BuiltinProvisioning"]

_SUSPENDABLE = frozenset({LineStatus.ACTIVE, LineStatus.SUSPENDED})


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BuiltinProvisioning:
    name = "builtin"

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def applied(self, order_number: str) -> Provisioned | None:
        async with self._sessions() as db:
            return await self._record(db, order_number)

    async def apply(self, request: ProvisioningRequest) -> Provisioned:
        now = self._clock()
        async with self._sessions() as db:
            done = await self._record(db, request.order_number)
            if done is not None:
                return done
            stmt = select(Line).where(Line.number == request.line_number).with_for_update()
            line = (await db.execute(stmt)).scalar_one_or_none()
            if line is None or line.customer_id != request.customer_id:
                raise ProvisioningFailed("no_such_line", request.line_number)
            match request.action:
                case OrderAction.ORDER:
                    await self._order(db, line, request, now)
                case OrderAction.CANCEL:
                    await self._cancel(db, line, request)
                case OrderAction.SUSPEND_LOST:
                    if line.status is LineStatus.SUSPENDED_LOST:
                        raise ProvisioningFailed("already_suspended", line.number)
                    if line.status not in _SUSPENDABLE:
                        raise ProvisioningFailed("line_not_active", line.status.value)
                    line.status, line.status_since = LineStatus.SUSPENDED_LOST, now
                case OrderAction.RESUME:
                    if line.status is not LineStatus.SUSPENDED_LOST:
                        raise ProvisioningFailed("not_suspended", line.status.value)
                    line.status, line.status_since = LineStatus.ACTIVE, now
            reference = f"local-{request.order_number}"
            db.add(ProvisioningRecord(order_number=request.order_number, reference=reference, applied_at=now))
            await db.commit()
            return Provisioned(reference)

    async def _order(self, db: AsyncSession, line: Line, request: ProvisioningRequest, now: datetime) -> None:
        if line.status is not LineStatus.ACTIVE:
            raise ProvisioningFailed("line_not_active", line.status.value)
        if await self._active_service(db, line, request.item) is not None:
            raise ProvisioningFailed("already_active", request.item)
        db.add(
            LineService(
                line_id=line.id, code=request.item, status=ServiceStatus.ACTIVE,
                monthly_fee_fen=request.monthly_fen, effective_from=request.effective_on,
                order_number=request.order_number,
            )
        )  # fmt: skip
        if request.one_off_fen:
            customer = await db.get(Customer, request.customer_id)
            if customer is None or customer.account_id is None:
                raise ProvisioningFailed("no_account", str(request.customer_id))
            db.add(
                Charge(
                    account_id=customer.account_id, occurred_at=now, service=request.business,
                    description=f"业务受理 {request.item} ({request.order_number})", counterpart=None,
                    duration_s=None, amount_fen=request.one_off_fen,
                )
            )  # fmt: skip
        await db.flush()

    async def _cancel(self, db: AsyncSession, line: Line, request: ProvisioningRequest) -> None:
        service = await self._active_service(db, line, request.item)
        if service is None:
            raise ProvisioningFailed("not_active", request.item)
        service.status = ServiceStatus.CANCELLED
        service.ended_on = request.effective_on
        service.cancel_order_number = request.order_number
        await db.flush()

    @staticmethod
    async def _active_service(db: AsyncSession, line: Line, code: str) -> LineService | None:
        stmt = select(LineService).where(
            LineService.line_id == line.id,
            LineService.code == code,
            LineService.status == ServiceStatus.ACTIVE,
        )
        return (await db.execute(stmt)).scalars().first()

    @staticmethod
    async def _record(db: AsyncSession, order_number: str) -> Provisioned | None:
        stmt = select(ProvisioningRecord).where(ProvisioningRecord.order_number == order_number)
        record = (await db.execute(stmt)).scalar_one_or_none()
        return None if record is None else Provisioned(record.reference)
