"""Declarative IVR menus: the schema, as frozen dataclasses.

A menu is a set of named nodes, walked from ``start``::

    menu: hotline
    start: identify          # first node
    home: main               # where "#" leads when there is nowhere to go back to
    agent: agent_general     # the queue node "0" and the fallbacks lead to, unless a node says otherwise
    fallback_prompt: fallback_agent
    defaults: {timeout_ms: 5000, inter_digit_ms: 3000, retries: 2, max_visits: 6}
    priorities: {normal: 0, vip: 20, private_line: 10}
    nodes:
      main: {type: choice, prompt: [main_menu], options: {"1": consult, "2": bill}}

Node types: ``prompt`` (play, go on), ``collect`` (digits into a variable), ``choice`` (one key
picks the next node), ``lookup`` (run a named action, branch on its outcome), ``ticket`` (open a
ticket from what the caller chose), ``queue`` (hand the caller to the ACD with a skill
requirement), ``goto``, ``hangup``. Every node may name its own ``agent`` queue node and a
``max_visits`` limit. Keys ``0`` (agent), ``*`` (repeat) and ``#`` (back) work everywhere and
cannot be options.

:mod:`ivr.menu_loader` reads a YAML file into these values and checks everything that can be
checked before a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ivr.handoff import AgentLevel, Segment
from prompts.catalogue import Prompt
from storage.ticket_lifecycle import Severity, TicketKind

RESERVED_KEYS = frozenset("0*#")
NODE_TYPES = ("prompt", "collect", "choice", "lookup", "ticket", "queue", "goto", "hangup")
OPTION_KEYS = frozenset("123456789")


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """What the menu needs to know about a lookup action to check a node using it."""

    name: str
    outcomes: frozenset[str]
    required_args: frozenset[str] = frozenset()
    optional_args: frozenset[str] = frozenset()
    description: str = ""
    # arguments that take one of a fixed set of values
    arg_values: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MenuVocabulary:
    prompts: Mapping[str, Prompt]
    actions: Mapping[str, ActionSpec]


@dataclass(frozen=True, slots=True)
class Defaults:
    timeout_ms: int = 5000
    inter_digit_ms: int = 3000
    retries: int = 2
    max_visits: int = 6


@dataclass(frozen=True, slots=True)
class TicketFields:
    kind: TicketKind | None = None
    category: str | None = None
    subcategory: str | None = None
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class Option:
    next: str
    label: str | None = None
    ticket: TicketFields = TicketFields()


@dataclass(frozen=True, slots=True)
class NodeBase:
    id: str
    agent: str | None
    max_visits: int


@dataclass(frozen=True, slots=True)
class PromptNode(NodeBase):
    prompts: tuple[str, ...]
    next: str


@dataclass(frozen=True, slots=True)
class CollectNode(NodeBase):
    prompts: tuple[str, ...]
    into: str
    next: str
    min_digits: int
    max_digits: int
    terminator: str
    timeout_ms: int
    inter_digit_ms: int
    retries: int
    secret: bool
    no_input: str | None = None  # where to go when retries run out without input (default: an agent)


@dataclass(frozen=True, slots=True)
class ChoiceNode(NodeBase):
    prompts: tuple[str, ...]
    options: Mapping[str, Option]
    timeout_ms: int
    retries: int
    repeat: str | None  # where "*" leads (default: this node again)
    no_input: str | None  # where to go when retries run out without input (default: an agent)


@dataclass(frozen=True, slots=True)
class LookupNode(NodeBase):
    action: str
    args: Mapping[str, str]
    next: Mapping[str, str]  # action outcome → node


TICKET_SLOTS = frozenset({"ticket", "hours"})


@dataclass(frozen=True, slots=True)
class TicketNode(NodeBase):
    fields: TicketFields
    # said once the ticket exists; may use {ticket} (its number, digit by digit) and {hours} (its
    # time limit); default: the number, twice
    prompts: tuple[str, ...]
    next: str


@dataclass(frozen=True, slots=True)
class QueueNode(NodeBase):
    prompts: tuple[str, ...]
    skill: str
    min_level: AgentLevel
    senior_for_key_customers: bool  # VIP, important and private-line callers need a senior (seed 000)
    priority: int  # added to the segment's priority


@dataclass(frozen=True, slots=True)
class GotoNode(NodeBase):
    target: str


@dataclass(frozen=True, slots=True)
class HangupNode(NodeBase):
    prompts: tuple[str, ...]
    outcome: Literal["selfserved", "hangup"]


Node = PromptNode | CollectNode | ChoiceNode | LookupNode | TicketNode | QueueNode | GotoNode | HangupNode


@dataclass(frozen=True, slots=True)
class Menu:
    name: str
    start: str
    home: str
    agent: str
    fallback_prompt: str | None
    defaults: Defaults
    priorities: Mapping[Segment, int]
    nodes: Mapping[str, Node] = field(repr=False)
    source: str = "<menu>"

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def agent_for(self, node: Node) -> QueueNode:
        target = self.nodes[node.agent or self.agent]
        assert isinstance(target, QueueNode)
        return target

    def successors(self, node: Node) -> list[tuple[str, str]]:
        """(how, node id) for every node reachable from ``node`` in one step."""
        out: list[tuple[str, str]] = []
        match node:
            case PromptNode() | CollectNode() | TicketNode():
                out.append(("next", node.next))
                if isinstance(node, CollectNode) and node.no_input:
                    out.append(("no input", node.no_input))
            case ChoiceNode():
                out += [(key, opt.next) for key, opt in sorted(node.options.items())]
                if node.repeat:
                    out.append(("*", node.repeat))
                if node.no_input:
                    out.append(("no input", node.no_input))
            case LookupNode():
                out += sorted(node.next.items())
            case GotoNode():
                out.append(("goto", node.target))
            case QueueNode() | HangupNode():
                pass
        if node.agent:
            out.append(("0", node.agent))
        return out

    def unreachable(self) -> list[str]:
        seen: set[str] = set()
        todo = [self.start, self.home, self.agent]
        while todo:
            node_id = todo.pop()
            if node_id in seen or node_id not in self.nodes:
                continue
            seen.add(node_id)
            todo += [target for _, target in self.successors(self.nodes[node_id])]
        return sorted(set(self.nodes) - seen)
