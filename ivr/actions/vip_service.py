"""The VIP menu (大客户服务, seed 001 §4.6) for identified big and private-line customers: their data
read back (资料查询: lines, services, open tickets and orders), a callback request (客户回访) for
their account manager or a senior, and a direct route to their account manager, with a senior
agent behind when the manager does not answer.

The account manager is dialled by the dialplan: ``vip_manager`` sets ``HOTLINE_DIAL`` (the
manager's phone, checked to be a plain extension or number) and the menu goes on to a queue node
asking for a senior, whose hand-off the dialplan uses when the manager's phone does not answer
(``[account-manager]`` in ``dialplan/extensions.conf``).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, or_, select

from ivr.actions.action import ActionResult, action
from ivr.call import IvrCall
from ivr.handoff import DIAL
from prompts.speech import Speech, number, phrase, play
from storage.callback_requests import CustomerCallback
from storage.customers import Customer
from storage.lines import lines_of, services_on
from storage.service_orders import orders_of
from storage.ticket_lifecycle import OPEN_STATUSES
from storage.tickets import Ticket

__all__ = ["vip_callback", "vip_data", "vip_manager"]

MAX_SERVICES = 8


@action("vip_data", {"done"})
async def vip_data(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Read back the customer's lines, their services, and how many tickets and orders are open."""
    caller = call.caller
    if caller.customer_id is None:
        return ActionResult("done")
    async with call.sessions() as db:
        lines = await lines_of(db, caller.customer_id)
        services = await services_on(db, [line.id for line in lines])
        open_tickets = (
            await db.execute(
                select(func.count())
                .select_from(Ticket)
                .where(
                    or_(Ticket.customer_id == caller.customer_id, Ticket.caller_number == caller.number),
                    Ticket.status.in_(OPEN_STATUSES),
                )
            )
        ).scalar_one()
        open_orders = len(await orders_of(db, caller.customer_id, open_only=True))
    lang = call.language
    speech: Speech = phrase("vip_lines", lang, count=number(len(lines)))
    names = list(dict.fromkeys(s.code for s in services))[:MAX_SERVICES]
    if names:
        speech += play("vip_services")
        for code in names:
            speech += play(f"order_item_{code}")
    else:
        speech += play("vip_no_services")
    speech += phrase("vip_open_items", lang, tickets=number(int(open_tickets)), orders=number(open_orders))
    call.served = True
    return ActionResult("done", await call.say(speech))


async def _customer(call: IvrCall) -> Customer | None:
    if call.caller.customer_id is None:
        return None
    async with call.sessions() as db:
        return await db.get(Customer, call.caller.customer_id)


@action("vip_callback", {"done"})
async def vip_callback(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Book a call back to the caller's number, for their account manager (or a senior)."""
    customer = await _customer(call)
    if customer is None:
        return ActionResult("done")
    manager = customer.account_manager
    async with call.sessions() as db:
        db.add(
            CustomerCallback(
                customer_id=customer.id, number=(call.caller.number or customer.number)[:32],
                prefecture=customer.prefecture, for_whom=manager or "senior", requested_via="ivr",
                requested_at=call.clock(), note="",
            )
        )  # fmt: skip
        await db.commit()
    call.served = True
    call.log.info("ivr.callback_booked", customer_id=customer.id, for_whom="manager" if manager else "senior")
    return ActionResult(
        "done", await call.say(play("vip_callback_manager" if manager else "vip_callback_senior"))
    )


@action("vip_manager", {"dial", "none"})
async def vip_manager(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """The caller's account manager: ``HOTLINE_DIAL`` set to their phone (dial), or none on file."""
    customer = await _customer(call)
    phone = customer.account_manager_phone if customer is not None else None
    if not phone or not phone.isalnum() or len(phone) > 32:
        return ActionResult("none")
    await call.channel.set_variable(DIAL, phone)
    call.log.info("ivr.account_manager", customer_id=customer.id if customer else None)
    return ActionResult("dial")
