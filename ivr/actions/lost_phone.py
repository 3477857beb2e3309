"""Suspending a lost phone (挂失停机, 紧急服务, seed 001 §4.5), day or night, without an agent.

The caller keys the lost number (``lost_find``: usually they call from another phone), proves it
is theirs with the service PIN or the last six digits of the ID document on file
(``id_status`` / ``verify_id_tail``; wrong entries count towards the same lock as the PIN), and
``lost_suspend`` suspends the line through the provisioning adapter at once and reads back the
number and the order number. Resuming is for an agent only, after checking who is calling
(:class:`orders.service.OrderService` refuses it from the IVR). Anything that goes wrong hands the
caller to the emergency queue, which jumps every line (``acd/rules.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ivr.actions.action import ActionResult, action
from ivr.actions.authentication import secret_state, verify_secret
from ivr.actions.ordering import find_line
from ivr.call import IvrCall
from orders.service import NewOrder, OrderRefused
from prompts.speech import digits, phrase
from storage.customers import check_id_tail, id_tail_state
from storage.lines import LineStatus, line_by_number
from storage.service_orders import OrderAction

__all__ = ["id_status", "lost_find", "lost_suspend", "verify_id_tail"]


@action("lost_find", {"found", "not_found", "already"}, required={"variable"})
async def lost_find(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """The lost line whose number was keyed (``args.variable``): its holder becomes the subject."""
    found = await find_line.run(call, args)
    if found.outcome != "found" or call.line is None:
        return ActionResult("not_found")
    async with call.sessions() as db:
        line = await line_by_number(db, call.line)
    if line is not None and line.status is LineStatus.SUSPENDED_LOST:
        return ActionResult("already")
    return ActionResult("found")


@action("id_status", {"open", "locked", "not_set"})
async def id_status(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Whether the subject's ID document can be checked now (on file, and not locked)."""
    return await secret_state(call, id_tail_state)


@action("verify_id_tail", {"ok", "wrong", "locked", "not_set"}, required={"variable"})
async def verify_id_tail(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Check the last six digits of the ID document keyed into ``args.variable``."""
    return await verify_secret(call, args["variable"], check_id_tail, "ivr.id_checked")


@action("lost_suspend", {"done", "failed"})
async def lost_suspend(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Suspend the lost line now; read back its number and the order number (done), or fail."""
    subject, line = call.subject, call.line
    if call.orders is None or subject is None or subject.customer_id is None or line is None:
        return ActionResult("failed")
    new = NewOrder(
        customer_id=subject.customer_id, line_number=line, action=OrderAction.SUSPEND_LOST, channel="ivr",
        actor="ivr", caller_number=call.caller.number or call.channel.env.callerid,
        note="挂失停机 (IVR)", ivr_session_id=call.ivr_session_id,
    )  # fmt: skip
    try:
        outcome = await call.orders.place(new)
    except OrderRefused as exc:
        call.log.error("ivr.lost_phone_refused", reason=str(exc), line=line)
        return ActionResult("failed")
    call.log.info(
        "ivr.lost_phone", order=outcome.number, status=outcome.status.value, failure=outcome.failure
    )
    if not outcome.done:
        return ActionResult("failed")
    call.served = True
    speech = phrase("lost_suspended", call.language, number=digits(line), order=digits(outcome.number))
    return ActionResult("done", await call.say(speech))
