"""The service PIN (服务密码) before a bill is read back.

Wrong PINs are counted on the customer record; after ``pin_max_failures`` the PIN is locked for
``pin_lock_minutes``, and the lock holds for later calls too (:func:`storage.customers.check_pin`).
The keyed PIN is removed from the call's variables as soon as it is checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ivr.actions.action import ActionResult, action
from ivr.call import IvrCall
from storage.customers import Customer, PinCheck, PinPolicy, PinState, check_pin, pin_state

__all__ = ["pin_status", "secret_state", "verify_pin", "verify_secret"]

SecretCheck = Callable[[AsyncSession, int, str, datetime, PinPolicy], Awaitable[PinCheck]]


@action("pin_status", {"open", "locked", "not_set"})
async def pin_status(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Whether the account's PIN can be tried now (set and not locked)."""
    return await secret_state(call, pin_state)


@action("verify_pin", {"ok", "wrong", "locked", "not_set"}, required={"variable"})
async def verify_pin(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Check the PIN keyed into ``args.variable`` against the account's."""
    return await verify_secret(call, args["variable"], check_pin, "ivr.pin_checked")


async def secret_state(call: IvrCall, state_of: Callable[[Customer, datetime], PinState]) -> ActionResult:
    """Whether the subject's secret (``state_of`` says which) can be tried now."""
    subject = call.subject
    if subject is None or subject.customer_id is None:
        return ActionResult("not_set")
    async with call.sessions() as db:
        customer = await db.get(Customer, subject.customer_id)
    if customer is None:
        return ActionResult("not_set")
    return ActionResult(state_of(customer, call.clock()).value)


async def verify_secret(call: IvrCall, variable: str, check: SecretCheck, logged_as: str) -> ActionResult:
    """Check the secret keyed into ``variable`` (removed from the call's variables at once) with
    ``check``, counting a wrong entry towards the subject's lock."""
    keyed = call.variables.pop(variable, "")
    subject = call.subject
    if subject is None or subject.customer_id is None:
        return ActionResult("not_set")
    policy = PinPolicy(
        max_failures=call.settings.pin_max_failures,
        lock_for=timedelta(minutes=call.settings.pin_lock_minutes),
    )
    async with call.sessions() as db:
        result = await check(db, subject.customer_id, keyed, call.clock(), policy)
        await db.commit()
    call.log.info(logged_as, customer_id=subject.customer_id, result=result.value)
    return ActionResult(result.value)
