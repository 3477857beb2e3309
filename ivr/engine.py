"""Walks a menu over one call.

Phone manners, everywhere:

- barge-in: every prompt is played with escape digits; a key pressed during it is the input (and
  a key pressed while a prompt or lookup node speaks is handed to the next node);
- ``*`` repeats (the node, or the node's ``repeat`` target), ``#`` goes back to the previous menu
  (the ``home`` menu when there is none), ``0`` goes to the node's agent queue;
- no input: "no input" and the prompt again, ``retries`` times, then an agent (or ``no_input``);
  an invalid key: "invalid choice" and the prompt again, sharing the same count;
- a node visited more than ``max_visits`` times (a caller going round in circles), an action that
  fails, a ticket that cannot be saved: an apology and an agent (outcome ``transferred``).

The walker records each node visited (keys, result, time) in a :class:`PathRecorder` and ends
with a :class:`WalkEnd`: the IVR outcome, the ``HOTLINE_OUTCOME`` set on the channel, and the
hand-off to the ACD when there is one. :class:`cti.agi.errors.AgiHangup` goes through to the
handler, which saves what the caller left behind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.exc import SQLAlchemyError

from cti.agi.errors import AgiCommandFailed, AgiError
from ivr import handoff as hv
from ivr.actions.action import Action
from ivr.call import IvrCall
from ivr.digit_entry import EntryEnd, EntryRead, read_entry
from ivr.handoff import AgentLevel, Handoff, Outcome
from ivr.menu import (
    ChoiceNode,
    CollectNode,
    GotoNode,
    HangupNode,
    LookupNode,
    Menu,
    Node,
    PromptNode,
    QueueNode,
    TicketFields,
    TicketNode,
)
from ivr.privacy import private_keys
from ivr.recorder import PathRecorder
from ivr.ticketing import IncompleteTicket, open_ivr_ticket
from prompts.catalogue import prompt
from prompts.speech import Play, Speech, digits, hours, phrase, play
from storage.ivr_records import IvrOutcome
from storage.ticket_lifecycle import TicketKind
from storage.tickets import time_limits

DIGITS = "0123456789"


class Nav(StrEnum):
    REPEAT = "repeat"
    BACK = "back"
    AGENT = "agent"
    FALLBACK = "fallback"


NAV_KEYS = {"*": Nav.REPEAT, "#": Nav.BACK, "0": Nav.AGENT}


@dataclass(frozen=True, slots=True)
class WalkEnd:
    outcome: IvrOutcome
    hotline_outcome: Outcome
    handoff: Handoff | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    target: str | None = None
    nav: Nav | None = None
    keys: str = ""
    result: str = ""
    pending: str | None = None  # key pressed while the node spoke, for the next node
    end: WalkEnd | None = None


def _never() -> bool:
    return False


class MenuWalker:
    """Walks a call through the menu.  ``draining()`` true (the node is shutting down): at the next
    node the call is handed on to the agent queue (as a fallback, outcome ``transferred``) instead,
    so it leaves this node within one node's time and another node's ACD takes it."""

    def __init__(
        self,
        menu: Menu,
        actions: Mapping[str, Action],
        recorder: PathRecorder,
        draining: Callable[[], bool] = _never,
    ) -> None:
        self.menu = menu
        self.actions = actions
        self.recorder = recorder
        self.draining = draining

    async def run(self, call: IvrCall) -> WalkEnd:
        menu = self.menu
        node_id = menu.start
        back: list[str] = []
        visits: Counter[str] = Counter()
        counted = True
        fallback = False
        while True:
            node = menu.nodes[node_id]
            if self.draining() and not isinstance(node, QueueNode):
                call.log.info("ivr.handed_on_while_draining", node=node_id)
                self.recorder.mark("draining")
                node_id, fallback, counted = menu.agent_for(node).id, True, True
                continue
            if counted:
                visits[node_id] += 1
            if visits[node_id] > node.max_visits and not isinstance(node, QueueNode):
                call.log.info("ivr.too_many_visits", node=node_id, visits=visits[node_id])
                self.recorder.mark("fallback")
                node_id, fallback, counted = menu.agent_for(node).id, True, True
                continue
            if isinstance(node, ChoiceNode) and (not back or back[-1] != node_id):
                back.append(node_id)
            self.recorder.enter(node.id, _type_name(node))
            try:
                t = await self._visit(node, call, fallback)
            except AgiError:
                self.recorder.leave("", "hangup")
                raise
            self.recorder.leave(t.keys, t.result)
            if t.end is not None:
                return t.end
            nav = t.nav
            if nav is None and t.pending in NAV_KEYS:
                nav = NAV_KEYS[t.pending]
            elif t.pending:
                call.pending_key = t.pending
            counted, fallback = True, False
            first = node.id if isinstance(node, ChoiceNode) else None
            if nav is Nav.REPEAT:
                node_id, counted = t.target or node_id, False
            elif nav is Nav.BACK:
                if back and back[-1] == node_id:
                    back.pop()
                node_id, counted = (back[-1] if back else menu.home), False
            elif nav is Nav.AGENT:
                self.recorder.mark("0", first)
                node_id = menu.agent_for(node).id
            elif nav is Nav.FALLBACK:
                self.recorder.mark("fallback", first)
                node_id, fallback = menu.agent_for(node).id, True
            else:
                assert t.target is not None
                node_id = t.target

    async def _visit(self, node: Node, call: IvrCall, fallback: bool) -> Transition:
        match node:
            case PromptNode():
                if call.pending_key:  # the caller is ahead of us: skip to where the key goes
                    return Transition(target=node.next, result="skipped")
                key = await call.say(self._speech(node.prompts))
                return Transition(target=node.next, keys=key or "", result="played", pending=key)
            case ChoiceNode():
                return await self._choice(node, call)
            case CollectNode():
                async with private_keys(call, node.secret):
                    return await self._collect(node, call)
            case LookupNode():
                return await self._lookup(node, call)
            case TicketNode():
                return await self._ticket(node, call)
            case QueueNode():
                return await self._queue(node, call, fallback)
            case GotoNode():
                return Transition(target=node.target, result="goto")
            case HangupNode():
                await call.say(self._speech(node.prompts), escape="")
                await call.channel.set_variable(hv.OUTCOME, node.outcome)
                if node.outcome == Outcome.HANGUP.value:
                    await call.channel.hangup()
                return Transition(
                    end=WalkEnd(IvrOutcome.SELF_SERVED, Outcome(node.outcome)), result=node.outcome
                )
        raise AssertionError(f"unknown node {node!r}")

    def _speech(self, prompt_ids: tuple[str, ...]) -> Speech:
        out: Speech = ()
        for prompt_id in prompt_ids:
            out += play(prompt_id)
        return out

    async def _choice(self, node: ChoiceNode, call: IvrCall) -> Transition:
        keys = ""
        failures = 0
        key = call.take_pending()
        while True:
            if key is None:
                key = await call.say(self._speech(node.prompts))
            if key is None:
                key = await call.channel.wait_for_digit(node.timeout_ms)
            if key is None:
                failures += 1
                if failures > node.retries:
                    if node.no_input:
                        return Transition(target=node.no_input, keys=keys, result="no_input")
                    return Transition(nav=Nav.FALLBACK, keys=keys, result="timeout")
                key = await call.say(play("no_input"))
                continue
            keys += key
            if key == "*":
                if node.repeat:
                    return Transition(target=node.repeat, nav=Nav.REPEAT, keys=keys, result="repeat")
                key = None
                continue
            if key in NAV_KEYS:
                return Transition(nav=NAV_KEYS[key], keys=keys, result=NAV_KEYS[key].value)
            option = node.options.get(key)
            if option is not None:
                call.add_to_draft(option.ticket)
                self.recorder.mark(option.label or key, node.id)
                return Transition(target=option.next, keys=keys, result=key)
            failures += 1
            if failures > node.retries:
                return Transition(nav=Nav.FALLBACK, keys=keys, result="invalid")
            key = await call.say(play("invalid_choice"))

    async def _collect(self, node: CollectNode, call: IvrCall) -> Transition:
        def shown(text: str) -> str:
            return "".join("*" if ch in DIGITS else ch for ch in text) if node.secret else text

        keys = ""
        failures = 0
        pending = call.take_pending()
        while True:
            read = await self._read_entry(node, call, pending)
            pending = None
            keys += shown(read.keys)
            if read.end is EntryEnd.BACK:
                return Transition(nav=Nav.BACK, keys=keys, result="back")
            if read.end is EntryEnd.RESTART:
                continue
            if read.end is EntryEnd.NOTHING:
                failures += 1
                if failures > node.retries and node.no_input:
                    return Transition(target=node.no_input, keys=keys, result="no_input")
                if failures > node.retries:
                    return Transition(nav=Nav.FALLBACK, keys=keys, result="timeout")
                pending = await call.say(play("no_input"))
                continue
            entered = read.digits
            if entered == "0" and node.min_digits > 1:
                return Transition(nav=Nav.AGENT, keys=keys, result="agent")
            if len(entered) < node.min_digits:
                failures += 1
                if failures > node.retries:
                    return Transition(nav=Nav.FALLBACK, keys=keys, result="invalid")
                pending = await call.say(play("invalid_entry"))
                continue
            call.variables[node.into] = entered
            return Transition(target=node.next, keys=keys, result="entered")

    async def _read_entry(self, node: CollectNode, call: IvrCall, pending: str | None) -> EntryRead:
        """The node's prompt, then one GET DATA (:mod:`ivr.digit_entry`): all but the last file of
        the prompt are played with barge-in, the last is GET DATA's own."""
        prompt_file = ""
        if pending is None:
            speech = self._speech(node.prompts)  # prompt files only (checked when the menu loads)
            if len(speech) > 1:
                pending = await call.say(speech[:-1])
            last = speech[-1]
            if pending is None and isinstance(last, Play):
                prompt_file = last.file
        if pending == "*":  # a restart before any digit: the prompt again
            return EntryRead(EntryEnd.RESTART, "", "*")
        try:
            return await read_entry(
                call.channel, prompt_file, pending or "", node.max_digits, node.timeout_ms
            )
        except AgiCommandFailed:
            # GET DATA answers -1 when its prompt cannot be played: read without it
            call.log.warning("ivr.prompt_missing", file=prompt_file, language=call.language.value)
            return await read_entry(call.channel, "", pending or "", node.max_digits, node.timeout_ms)

    async def _lookup(self, node: LookupNode, call: IvrCall) -> Transition:
        action = self.actions.get(node.action)
        if action is None:
            call.log.error("ivr.unknown_action", node=node.id, action=node.action)
            return Transition(nav=Nav.FALLBACK, result="error")
        try:
            result = await action.run(call, node.args)
        except AgiError:
            raise
        except Exception as exc:
            call.log.error("ivr.action_failed", node=node.id, action=node.action, error=repr(exc))
            await call.say(play("system_error"), escape="")
            return Transition(nav=Nav.FALLBACK, result="error")
        target = node.next.get(result.outcome)
        if target is None:
            call.log.error("ivr.unhandled_outcome", node=node.id, outcome=result.outcome)
            return Transition(nav=Nav.FALLBACK, result=result.outcome)
        return Transition(target=target, keys=result.key or "", result=result.outcome, pending=result.key)

    async def _ticket(self, node: TicketNode, call: IvrCall) -> Transition:
        call.add_to_draft(node.fields)
        fields = call.draft
        try:
            opened = await open_ivr_ticket(call, fields)
        except (IncompleteTicket, KeyError, SQLAlchemyError, OSError) as exc:
            call.log.error("ivr.ticket_failed", node=node.id, error=repr(exc))
            await call.say(play("system_error"), escape="")
            return Transition(nav=Nav.FALLBACK, result="error")
        call.draft = TicketFields()
        call.ticket = opened
        if fields.kind in (TicketKind.SUGGESTION, TicketKind.FAULT):
            call.served = True  # registered and told the number / time limit: no agent needed
        limit = time_limits(opened.kind, fields.category).due
        slots = {"ticket": digits(opened.number)}
        if limit is not None:
            slots["hours"] = hours(limit, call.language)
        speech: Speech = ()
        for prompt_id in node.prompts:
            wanted = set(prompt(prompt_id).slots(call.language))
            if not wanted <= set(slots):
                continue  # e.g. {hours} for a ticket without a time limit: leave the sentence out
            speech += phrase(prompt_id, call.language, **{name: slots[name] for name in wanted})
        key = await call.say(speech)
        while key == "*":
            key = await call.say(speech)
        return Transition(target=node.next, keys=key or "", result=opened.number, pending=key)

    async def _queue(self, node: QueueNode, call: IvrCall, fallback: bool) -> Transition:
        caller = call.caller
        level = node.min_level
        if node.senior_for_key_customers and caller.needs_senior_for_complaints and level < AgentLevel.SENIOR:
            level = AgentLevel.SENIOR
        handoff = Handoff(
            skill=node.skill,
            min_level=level,
            language=call.language,
            segment=caller.segment,
            priority=self.menu.priorities[caller.segment] + node.priority,
            customer_id=str(caller.customer_id) if caller.customer_id is not None else "",
            prefecture=caller.prefecture,
            ticket_id=call.ticket.number if call.ticket else "",
            ivr_path=self.recorder.path,
            ivr_session=str(call.ivr_session_id) if call.ivr_session_id is not None else "",
        )
        prompts = (self.menu.fallback_prompt,) if fallback and self.menu.fallback_prompt else node.prompts
        await call.say(self._speech(prompts), escape="")
        for name, value in handoff.to_variables().items():
            await call.channel.set_variable(name, value)
        outcome = IvrOutcome.TRANSFERRED if fallback else IvrOutcome.QUEUED
        return Transition(end=WalkEnd(outcome, Outcome.QUEUE, handoff), result=f"queue:{node.skill}")


def _type_name(node: Node) -> str:
    return type(node).__name__.removesuffix("Node").lower()
