"""Every lookup action the hotline's menus can name, and the vocabulary menus are checked against."""

from __future__ import annotations

from ivr.actions.action import Action
from ivr.actions.authentication import pin_status, verify_pin
from ivr.actions.bill_readout import read_bill, read_charges
from ivr.actions.fault_status import open_fault_status
from ivr.actions.identification import bill_subject, find_customer, identify_caller
from ivr.actions.knowledge_readout import read_knowledge
from ivr.actions.language import switch_language
from ivr.actions.lost_phone import id_status, lost_find, lost_suspend, verify_id_tail
from ivr.actions.ordering import caller_line, find_line, order_offer, order_place, order_readback
from ivr.actions.progress import find_ticket, ticket_progress
from ivr.actions.vip_service import vip_callback, vip_data, vip_manager
from ivr.menu import MenuVocabulary
from prompts.catalogue import PROMPTS

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        identify_caller, bill_subject, find_customer, switch_language, pin_status, verify_pin,
        read_bill, read_charges, read_knowledge, open_fault_status,
        caller_line, find_line, order_offer, order_readback, order_place,
        lost_find, id_status, verify_id_tail, lost_suspend,
        ticket_progress, find_ticket, vip_data, vip_callback, vip_manager,
    )
}  # fmt: skip

VOCABULARY = MenuVocabulary(prompts=PROMPTS, actions={name: a.spec for name, a in ACTIONS.items()})
