"""The service PIN (服务密码) before a bill is read back.

Wrong PINs are counted on the customer record; after ``pin_max_failures`` the PIN is locked for
``pin_lock_minutes``, and the lock holds for later calls too (:func:`storage.customers.check_pin`).
The keyed PIN is removed from the call's variables as soon as it is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from ivr.actions.action import ActionResult, action
from ivr.call import IvrCall
from storage.customers import Customer, PinPolicy, check_pin, pin_state


@action("pin_status", {"open", "locked", "not_set"})
async def pin_status(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Whether the account's PIN can be tried now (set and not locked)."""
    subject = call.subject
    if subject is None or subject.customer_id is None:
        return ActionResult("not_set")
    async with call.sessions() as db:
        customer = await db.get(Customer, subject.customer_id)
    if customer is None:
        return ActionResult("not_set")
    return ActionResult(pin_state(customer, call.clock()).value)


@action("verify_pin", {"ok", "wrong", "locked", "not_set"}, required={"variable"})
async def verify_pin(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Check the PIN keyed into ``args.variable`` against the account's."""
    pin = call.variables.pop(args["variable"], "")
    subject = call.subject
    if subject is None or subject.customer_id is None:
        return ActionResult("not_set")
    policy = PinPolicy(
        max_failures=call.settings.pin_max_failures,
        lock_for=timedelta(minutes=call.settings.pin_lock_minutes),
    )
    async with call.sessions() as db:
        result = await check_pin(db, subject.customer_id, pin, call.clock(), policy)
        await db.commit()
    call.log.info("ivr.pin_checked", customer_id=subject.customer_id, result=result.value)
    return ActionResult(result.value)
