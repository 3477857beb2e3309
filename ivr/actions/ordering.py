"""Service orders in the IVR (业务受理, seed 001 §4.4, §7.3): after the PIN, the caller hears what they
may order (or cancel) themselves on the line, picks one by key, hears it read back — name, fee,
from when — confirms, and hears the order number, or that it could not be done and nothing
changed. What only an agent may do is never offered here (the catalogue says which).

``caller_line`` / ``find_line`` choose the line (and so the customer), ``order_offer`` speaks the
choices and takes a key, ``order_readback`` reads the choice back, ``order_place`` places it
through :class:`orders.service.OrderService`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ivr.actions.action import ActionResult, action
from ivr.call import IvrCall
from ivr.caller import CallerProfile
from orders.catalogue import CatalogueItem, Effective, Who, effective_on
from orders.service import NewOrder, OrderRefused
from prompts.speech import Speech, amount, day_of_month, digits, number, phrase, play
from storage.customers import Customer, normalise_number
from storage.lines import LineStatus, line_by_number, services_on
from storage.service_orders import OrderAction

__all__ = ["caller_line", "find_line", "order_offer", "order_place", "order_readback"]

MODE = "order_mode"
ITEM = "order_item"
MAX_CHOICES = 8
CHOICE_TIMEOUT_MS = 5000


async def _take_line(call: IvrCall, number: str) -> bool:
    """Make the line ``number`` (and its holder) the subject of the call; False if there is none."""
    wanted = normalise_number(number)
    if not wanted:
        return False
    async with call.sessions() as db:
        line = await line_by_number(db, wanted)
        customer = await db.get(Customer, line.customer_id) if line is not None else None
    if line is None or customer is None:
        return False
    call.subject, call.line = CallerProfile.from_customer(customer), line.number
    return True


@action("caller_line", {"found", "unknown"})
async def caller_line(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """The caller's own line, if the caller is a customer and the number is one of their lines."""
    if call.caller.known and await _take_line(call, call.caller.number):
        return ActionResult("found")
    return ActionResult("unknown")


@action("find_line", {"found", "not_found"}, required={"variable"})
async def find_line(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """The line whose number the caller keyed (``args.variable``), and its holder."""
    found = await _take_line(call, call.variables.get(args["variable"], ""))
    return ActionResult("found" if found else "not_found")


async def _choices(call: IvrCall, mode: OrderAction) -> list[CatalogueItem]:
    assert call.orders is not None and call.line is not None and call.subject is not None
    async with call.sessions() as db:
        line = await line_by_number(db, call.line)
        active = {s.code for s in await services_on(db, [line.id])} if line is not None else set()
    if line is None or line.status is not LineStatus.ACTIVE:
        return []
    items = call.orders.catalogue.for_business(line.business)
    if mode is OrderAction.ORDER:
        return [
            i
            for i in items
            if i.order is Who.IVR and i.open_to(call.subject.segment) and i.code not in active
        ]
    return [i for i in items if i.cancel is Who.IVR and i.code in active]


@action(
    "order_offer", {"chosen", "none", "no_input"}, required={"mode"}, arg_values={"mode": {"order", "cancel"}}
)
async def order_offer(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Speak what the caller may order (``mode=order``) or cancel on the line, one key each; take the key."""
    if call.orders is None or call.line is None:
        return ActionResult("none")
    mode = OrderAction.ORDER if args["mode"] == "order" else OrderAction.CANCEL
    items = (await _choices(call, mode))[:MAX_CHOICES]
    if not items:
        return ActionResult("none", await call.say(play("order_none")))
    speech: Speech = play(f"order_offer_{mode.value}")
    for n, item in enumerate(items, start=1):
        speech += phrase("order_offer_item", call.language, item=play(item.prompt_id), key=number(n))
    for _attempt in range(3):
        key = await call.say(speech) or await call.channel.wait_for_digit(CHOICE_TIMEOUT_MS)
        if key is None or key == "*":
            continue
        if key in ("#", "0"):
            return ActionResult("no_input", key)  # the engine goes back / to an agent
        if key.isdigit() and 1 <= int(key) <= len(items):
            call.variables[MODE], call.variables[ITEM] = mode.value, items[int(key) - 1].code
            return ActionResult("chosen")
        await call.say(play("invalid_choice"))
    return ActionResult("no_input")


def _readback(item: CatalogueItem, mode: OrderAction, call: IvrCall, effective: Speech | None) -> Speech:
    lang = call.language
    name = play(item.prompt_id)
    out = phrase(f"order_readback_{mode.value}", lang, item=name)
    if mode is OrderAction.ORDER:
        if item.monthly_fen:
            out += phrase("order_fee_monthly", lang, amount=amount(item.monthly_fen, lang))
        if item.one_off_fen:
            out += phrase("order_fee_once", lang, amount=amount(item.one_off_fen, lang))
        if not item.monthly_fen and not item.one_off_fen:
            out += play("order_free")
    if effective is None:
        return out + play("order_effective_now")
    return out + phrase("order_effective_on", lang, date=effective)


@action("order_readback", {"done"})
async def order_readback(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Read back the chosen item: what, the fee, and from when it takes effect."""
    assert call.orders is not None
    item = call.orders.catalogue.item(call.variables.get(ITEM, ""))
    if item is None:
        return ActionResult("done", await call.say(play("order_item_unknown")))
    mode = OrderAction(call.variables.get(MODE, OrderAction.ORDER.value))
    rule = item.rule(mode)
    effective = None
    if rule is not Effective.IMMEDIATELY:
        effective = day_of_month(effective_on(rule, call.local_today()), call.language)
    return ActionResult("done", await call.say(_readback(item, mode, call, effective)))


@action("order_place", {"done", "failed", "refused"})
async def order_place(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Place the confirmed order and say its number (done), or that it failed and nothing changed."""
    subject, line = call.subject, call.line
    if call.orders is None or subject is None or subject.customer_id is None or line is None:
        return ActionResult("refused")
    new = NewOrder(
        customer_id=subject.customer_id, line_number=line, action=OrderAction(call.variables[MODE]),
        channel="ivr", actor="ivr", caller_number=call.caller.number or call.channel.env.callerid,
        item=call.variables[ITEM], ivr_session_id=call.ivr_session_id,
    )  # fmt: skip
    try:
        outcome = await call.orders.place(new)
    except OrderRefused as exc:
        call.log.warning("ivr.order_refused", reason=exc.reason, item=new.item)
        return ActionResult("refused")
    call.log.info("ivr.order_placed", order=outcome.number, status=outcome.status.value, item=new.item)
    if outcome.done:
        call.served = True
        spoken = digits(outcome.number)
        return ActionResult("done", await call.say(phrase("order_done", call.language, order=spoken)))
    speech = phrase("order_failed", call.language, order=digits(outcome.number))
    return ActionResult("failed", await call.say(speech))
