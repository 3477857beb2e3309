"""Every lookup action the hotline's menus can name, and the vocabulary menus are checked against."""

from __future__ import annotations

from ivr.actions.action import Action
from ivr.actions.authentication import pin_status, verify_pin
from ivr.actions.bill_readout import read_bill, read_charges
from ivr.actions.fault_status import open_fault_status
from ivr.actions.identification import bill_subject, find_customer, identify_caller
from ivr.actions.knowledge_readout import read_knowledge
from ivr.actions.language import switch_language
from ivr.menu import MenuVocabulary
from ivr.prompts import PROMPTS

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        identify_caller, bill_subject, find_customer, switch_language, pin_status, verify_pin,
        read_bill, read_charges, read_knowledge, open_fault_status,
    )
}  # fmt: skip

VOCABULARY = MenuVocabulary(prompts=PROMPTS, actions={name: a.spec for name, a in ACTIONS.items()})
