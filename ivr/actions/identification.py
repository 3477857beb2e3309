"""Who is calling, and whose account a bill query is about.

``identify_caller`` looks the CallerID up in the customer records (seed 000: "look-up by phone
number"); the customer's language becomes the call's, and the outcome is their segment, so the menu
can greet VIP and private-line customers in person. A store that cannot be reached makes every
caller ``unknown``: the call goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlalchemy.exc import SQLAlchemyError

from ivr.actions.action import ActionResult, action
from ivr.call import IvrCall
from ivr.caller import CallerProfile
from storage.customers import Customer, find_customer_by_number, normalise_number

STORE_ERRORS = (SQLAlchemyError, OSError, asyncio.TimeoutError)


async def _customer(call: IvrCall, number: str) -> Customer | None:
    if not normalise_number(number):
        return None
    try:
        async with call.sessions() as db:
            return await find_customer_by_number(db, number)
    except STORE_ERRORS as exc:
        call.log.warning("ivr.customer_lookup_failed", error=repr(exc))
        return None


@action("identify_caller", {"normal", "vip", "private_line", "unknown"})
async def identify_caller(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Look the caller up by CallerID; take the customer's language and segment."""
    customer = await _customer(call, call.channel.env.callerid)
    if customer is None:
        await call.set_language(call.language)
        return ActionResult("unknown")
    call.caller = CallerProfile.from_customer(customer)
    await call.set_language(customer.language)
    call.log.info("ivr.caller_identified", customer_id=customer.id, segment=customer.segment.value)
    return ActionResult(customer.segment.value)


@action("bill_subject", {"found", "unknown"})
async def bill_subject(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """The bill query is about the caller, if the caller is a customer with an account."""
    if call.caller.known and call.caller.account_id is not None:
        call.subject = call.caller
        return ActionResult("found")
    return ActionResult("unknown")


@action("find_customer", {"found", "not_found"}, required={"variable"})
async def find_customer(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """The customer (with an account) whose number the caller keyed in (``args.variable``)."""
    customer = await _customer(call, call.variables.get(args["variable"], ""))
    if customer is None or customer.account_id is None:
        return ActionResult("not_found")
    call.subject = CallerProfile.from_customer(customer)
    return ActionResult("found")
