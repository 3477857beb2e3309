"""Bill query (话费查询, seed 001 §4.2): balance, this month's amount due and due date, and the
month's totals by service; then, on request, the latest itemised charges (详单).

Services with nothing this month are left out: a caller hears only what they pay for.
"""

from __future__ import annotations

from collections.abc import Mapping

from ivr.actions.action import ActionResult, action
from ivr.call import IvrCall
from prompts.language import Language
from prompts.speech import Speech, amount, day_of_month, phrase, play
from storage.billing import Account, Bill, bill_for, billing_period, latest_bill, recent_charges


def bill_speech(account: Account, bill: Bill | None, language: Language) -> Speech:
    """What a caller hears for their account and bill."""
    if account.balance_fen >= 0:
        out = phrase("bill_balance", language, amount=amount(account.balance_fen, language))
    else:
        out = phrase("bill_arrears", language, amount=amount(-account.balance_fen, language))
    if bill is None:
        return out + play("bill_none")
    out += phrase(
        "bill_due",
        language,
        amount=amount(bill.amount_due_fen, language),
        date=day_of_month(bill.due_date, language),
    )
    totals = [(service, fen) for service, fen in bill.totals().items() if fen]
    if totals:
        out += play("bill_services")
        for service, fen in totals:
            out += phrase(
                "bill_service_total",
                language,
                service=play(f"svc_{service.value}"),
                amount=amount(fen, language),
            )
    return out


@action("read_bill", {"done", "no_account"})
async def read_bill(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Read back balance, amount due, due date and this month's totals by service."""
    subject = call.subject
    if subject is None or subject.account_id is None:
        return ActionResult("no_account")
    async with call.sessions() as db:
        account = await db.get(Account, subject.account_id)
        if account is None:
            return ActionResult("no_account")
        bill = await bill_for(db, account.id, billing_period(call.local_today()))
        if bill is None:
            bill = await latest_bill(db, account.id)
    call.served = True
    key = await call.say(bill_speech(account, bill, call.language))
    return ActionResult("done", key)


@action("read_charges", {"done", "none"}, optional={"limit"})
async def read_charges(call: IvrCall, args: Mapping[str, str]) -> ActionResult:
    """Read the latest itemised charges (``args.limit``, default 5), newest first."""
    subject = call.subject
    if subject is None or subject.account_id is None:
        return ActionResult("none")
    limit = int(args.get("limit", "5")) if args.get("limit", "5").isdigit() else 5
    async with call.sessions() as db:
        charges = await recent_charges(db, subject.account_id, limit=limit)
    if not charges:
        return ActionResult("none", await call.say(play("charges_none")))
    call.served = True
    lang = call.language
    speech = play("charges_intro")
    for charge in charges:
        speech += phrase(
            "charge_item",
            lang,
            date=day_of_month(call.local(charge.occurred_at).date(), lang),
            service=play(f"svc_{charge.service.value}"),
            amount=amount(charge.amount_fen, lang),
        )
    return ActionResult("done", await call.say(speech))
