"""Loading a menu file into :class:`ivr.menu.Menu`, checking everything that can be checked before a
call: unknown fields, missing fields, bad types, dangling references, unknown prompts and actions,
action outcomes not handled, unknown ticket categories, goto loops. All problems are reported at
once, each naming its node and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ivr.handoff import AgentLevel, Segment
from ivr.menu import (
    NODE_TYPES,
    OPTION_KEYS,
    RESERVED_KEYS,
    TICKET_SLOTS,
    ChoiceNode,
    CollectNode,
    Defaults,
    GotoNode,
    HangupNode,
    LookupNode,
    Menu,
    MenuVocabulary,
    Node,
    Option,
    PromptNode,
    QueueNode,
    TicketNode,
)
from ivr.menu_parsing import NodeReader, Problems, check_ticket_fields


class MenuError(Exception):
    """The menu cannot be used; ``problems`` lists each one as ``node 'x': field: message``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
        self.source = source
        self.problems = problems


def load_menu(path: str | Path, vocabulary: MenuVocabulary) -> Menu:
    """Read and check a menu file; raises :class:`MenuError` listing every problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MenuError(source, [f"cannot read the file: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise MenuError(source, [f"not UTF-8 text (byte {exc.start}): {exc.reason}"]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise MenuError(source, [f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"]) from exc
    return parse_menu(data, vocabulary, source)


def parse_menu(data: Any, vocabulary: MenuVocabulary, source: str = "<menu>") -> Menu:
    problems = Problems()
    if not isinstance(data, dict):
        raise MenuError(source, ["the file must hold a mapping with 'menu', 'start' and 'nodes'"])
    top = NodeReader(problems, "menu", data)
    name = top.string("menu", default="menu")
    start = top.string("start")
    home = top.string("home", default=start)
    agent = top.string("agent")
    fallback_prompt = top.optional_string("fallback_prompt")
    defaults = _defaults(NodeReader(problems, "defaults", top.mapping("defaults", default={})))
    priorities = _priorities(problems, top.mapping("priorities", default={}))
    raw_nodes = top.mapping("nodes")
    top.no_other_fields()
    if fallback_prompt:
        problems.check_prompts("menu", "fallback_prompt", (fallback_prompt,), vocabulary)
    nodes: dict[str, Node] = {}
    for node_id, raw in raw_nodes.items():
        reader = NodeReader(problems, f"node {node_id!r}", raw, node_id=str(node_id))
        node = _node(reader, defaults, vocabulary)
        reader.no_other_fields()
        if node is not None:
            nodes[str(node_id)] = node
    menu = Menu(
        name=name, start=start, home=home, agent=agent, fallback_prompt=fallback_prompt,
        defaults=defaults, priorities=priorities, nodes=nodes, source=source,
    )  # fmt: skip
    if raw_nodes and not problems:
        _check_references(menu, problems)
    if problems:
        raise MenuError(source, problems.items)
    return menu


def _defaults(r: NodeReader) -> Defaults:
    d = Defaults()
    out = Defaults(
        timeout_ms=r.integer("timeout_ms", default=d.timeout_ms, low=500, high=60_000),
        inter_digit_ms=r.integer("inter_digit_ms", default=d.inter_digit_ms, low=500, high=30_000),
        retries=r.integer("retries", default=d.retries, low=0, high=9),
        max_visits=r.integer("max_visits", default=d.max_visits, low=1, high=100),
    )
    r.no_other_fields()
    return out


def _priorities(problems: Problems, raw: Mapping[str, Any]) -> dict[Segment, int]:
    out = dict.fromkeys(Segment, 0)
    for key, value in raw.items():
        if key not in {s.value for s in Segment}:
            problems.add(
                "priorities", str(key), f"unknown segment (use {', '.join(s.value for s in Segment)})"
            )
        elif not isinstance(value, int) or isinstance(value, bool):
            problems.add("priorities", str(key), "must be an integer")
        else:
            out[Segment(key)] = value
    return out


def _node(r: NodeReader, defaults: Defaults, vocabulary: MenuVocabulary) -> Node | None:
    kind = r.string("type")
    node_id = r.node_id
    agent = r.optional_string("agent")
    max_visits = r.integer("max_visits", default=defaults.max_visits, low=1, high=100)
    base: dict[str, Any] = {"id": node_id, "agent": agent, "max_visits": max_visits}
    if kind in ("prompt", "collect", "choice", "ticket", "queue", "hangup"):
        required = kind in ("prompt", "collect", "choice")
        slots = TICKET_SLOTS if kind == "ticket" else frozenset()
        prompts = r.prompts("prompt", vocabulary, required=required, allowed_slots=slots)
    match kind:
        case "prompt":
            return PromptNode(**base, prompts=prompts, next=r.string("next"))
        case "collect":
            low = r.integer("min_digits", default=1, low=1, high=32)
            high = r.integer("max_digits", default=low, low=1, high=32)
            if high < low:
                r.problem("max_digits", f"{high} is less than min_digits {low}")
            terminator = r.string("terminator", default="#")
            if terminator not in ("#", ""):
                r.problem("terminator", "must be '#' or '' (none)")
            return CollectNode(
                **base, prompts=prompts, into=r.string("into"), next=r.string("next"),
                min_digits=low, max_digits=high, terminator=terminator,
                timeout_ms=r.integer("timeout_ms", default=defaults.timeout_ms, low=500, high=60_000),
                inter_digit_ms=r.integer(
                    "inter_digit_ms", default=defaults.inter_digit_ms, low=500, high=30_000
                ),
                retries=r.integer("retries", default=defaults.retries, low=0, high=9),
                secret=r.boolean("secret", default=False), no_input=r.optional_string("no_input"),
            )  # fmt: skip
        case "choice":
            return ChoiceNode(
                **base, prompts=prompts, options=_options(r),
                timeout_ms=r.integer("timeout_ms", default=defaults.timeout_ms, low=500, high=60_000),
                retries=r.integer("retries", default=defaults.retries, low=0, high=9),
                repeat=r.optional_string("repeat"), no_input=r.optional_string("no_input"),
            )  # fmt: skip
        case "lookup":
            return _lookup(r, base, vocabulary)
        case "ticket":
            fields = check_ticket_fields(r, r.mapping("ticket", default={}), "ticket")
            return TicketNode(
                **base, fields=fields, prompts=prompts or ("ticket_number",), next=r.string("next")
            )
        case "queue":
            level = r.string("min_level", default=AgentLevel.JUNIOR.label)
            if level not in {lv.label for lv in AgentLevel}:
                r.problem("min_level", f"unknown level {level!r} (use junior, senior or manager)")
                level = AgentLevel.JUNIOR.label
            return QueueNode(
                **base, prompts=prompts or ("transfer_agent",), skill=r.string("skill"),
                min_level=AgentLevel.parse(level),
                senior_for_key_customers=r.boolean("senior_for_key_customers", default=False),
                priority=r.integer("priority", default=0, low=-100, high=100),
            )  # fmt: skip
        case "goto":
            return GotoNode(**base, target=r.string("target"))
        case "hangup":
            outcome = r.string("outcome", default="selfserved")
            if outcome not in ("selfserved", "hangup"):
                r.problem("outcome", "must be 'selfserved' or 'hangup'")
                outcome = "selfserved"
            return HangupNode(
                **base, prompts=prompts, outcome="hangup" if outcome == "hangup" else "selfserved"
            )
        case _:
            r.problem(
                "type",
                f"unknown node type {kind!r} (use {', '.join(NODE_TYPES)})",
            )
            r.ignore_other_fields()
            return None


def _options(r: NodeReader) -> dict[str, Option]:
    out: dict[str, Option] = {}
    for key, raw in r.mapping("options", default={}).items():
        key = str(key)
        where = f"options.{key}"
        if key in RESERVED_KEYS:
            r.problem(where, f"key {key!r} is reserved everywhere (0 agent, * repeat, # back)")
            continue
        if key not in OPTION_KEYS:
            r.problem(where, "an option key is one digit 1-9")
            continue
        if isinstance(raw, str):
            out[key] = Option(next=raw)
            continue
        if not isinstance(raw, dict):
            r.problem(where, "must be a node id or a mapping with 'next'")
            continue
        sub = NodeReader(r.problems, r.where, raw, node_id=r.node_id, prefix=where + ".")
        nxt = sub.string("next")
        label = sub.optional_string("label")
        fields = check_ticket_fields(sub, sub.mapping("ticket", default={}), "ticket")
        sub.no_other_fields()
        out[key] = Option(next=nxt, label=label, ticket=fields)
    return out


def _lookup(r: NodeReader, base: dict[str, Any], vocabulary: MenuVocabulary) -> LookupNode:
    action = r.string("action")
    args = {str(k): str(v) for k, v in r.mapping("args", default={}).items()}
    nxt = {str(k): str(v) for k, v in r.mapping("next").items()}
    spec = vocabulary.actions.get(action)
    if spec is None and action:
        r.problem("action", f"unknown action {action!r} (known: {', '.join(sorted(vocabulary.actions))})")
    elif spec is not None:
        for arg in sorted(spec.required_args - set(args)):
            r.problem(f"args.{arg}", f"action {action} needs this argument")
        for arg in sorted(set(args) - spec.required_args - spec.optional_args):
            r.problem(f"args.{arg}", f"action {action} takes no such argument")
        for arg, allowed in spec.arg_values.items():
            if arg in args and args[arg] not in allowed:
                r.problem(f"args.{arg}", f"{args[arg]!r} is not one of {', '.join(sorted(allowed))}")
        for outcome in sorted(spec.outcomes - set(nxt)):
            r.problem(f"next.{outcome}", f"action {action} can end with {outcome!r}: say where to go")
        for outcome in sorted(set(nxt) - spec.outcomes):
            r.problem(f"next.{outcome}", f"action {action} never ends with {outcome!r}")
    return LookupNode(**base, action=action, args=args, next=nxt)


def _check_references(menu: Menu, problems: Problems) -> None:
    for what, target in (("start", menu.start), ("home", menu.home), ("agent", menu.agent)):
        if target not in menu.nodes:
            problems.add("menu", what, f"no node {target!r}")
    if not isinstance(menu.nodes.get(menu.agent), QueueNode) and menu.agent in menu.nodes:
        problems.add("menu", "agent", f"node {menu.agent!r} is not a queue node")
    for node in menu.nodes.values():
        where = f"node {node.id!r}"
        for how, target in menu.successors(node):
            if target not in menu.nodes:
                problems.add(where, _field_of(node, how), f"no node {target!r}")
        if node.agent and node.agent in menu.nodes and not isinstance(menu.nodes[node.agent], QueueNode):
            problems.add(where, "agent", f"node {node.agent!r} is not a queue node")
    for node in menu.nodes.values():
        seen = [node.id]
        current: Node = node
        while isinstance(current, GotoNode) and current.target in menu.nodes:
            if current.target in seen:
                problems.add(
                    f"node {node.id!r}", "target", "goto loop: " + " → ".join([*seen, current.target])
                )
                break
            seen.append(current.target)
            current = menu.nodes[current.target]


def _field_of(node: Node, how: str) -> str:
    if isinstance(node, CollectNode) and how == "no input":
        return "no_input"
    if isinstance(node, ChoiceNode):
        return {"*": "repeat", "no input": "no_input", "0": "agent"}.get(how, f"options.{how}")
    if isinstance(node, LookupNode):
        return "agent" if how == "0" else f"next.{how}"
    return {"goto": "target", "0": "agent"}.get(how, how)
