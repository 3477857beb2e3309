"""A menu as an indented tree, for ``hotline ivr check``: what each key leads to, from ``start``.

Each node is printed once, where it is first reached; later references say ``(see above)``.
"""

from __future__ import annotations

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
    TicketNode,
)


def describe(node: Node) -> str:
    match node:
        case PromptNode():
            return f"prompt {', '.join(node.prompts)}"
        case ChoiceNode():
            return f"choice {', '.join(node.prompts)}"
        case CollectNode():
            secret = ", secret" if node.secret else ""
            return f"collect {node.min_digits}-{node.max_digits} digits into {node.into}{secret}"
        case LookupNode():
            args = ", ".join(f"{k}={v}" for k, v in sorted(node.args.items()))
            return f"lookup {node.action}" + (f"({args})" if args else "")
        case TicketNode():
            f = node.fields
            what = "/".join(x for x in (f.kind, f.category, f.subcategory) if x) or "from the choices made"
            return f"ticket {what}"
        case QueueNode():
            senior = ", senior for VIP/important/private-line" if node.senior_for_key_customers else ""
            return f"queue skill={node.skill} level>={node.min_level.label}{senior}"
        case GotoNode():
            return "goto"
        case HangupNode():
            return f"hangup ({node.outcome})"
    raise AssertionError(node)


def render_tree(menu: Menu) -> str:
    lines = [f"menu {menu.name}: start {menu.start}, home {menu.home}, agent {menu.agent}"]
    shown: set[str] = set()

    def walk(node_id: str, how: str, prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("└─ " if last else "├─ ")
        label = f"{how} → " if how else ""
        node = menu.nodes[node_id]
        if node_id in shown:
            lines.append(f"{prefix}{branch}{label}{node_id} (see above)")
            return
        shown.add(node_id)
        lines.append(f"{prefix}{branch}{label}{node_id} [{describe(node)}]")
        children = menu.successors(node)
        if node.agent and isinstance(node, ChoiceNode | CollectNode):
            children = [c for c in children if c[0] != "0"] + [("0", node.agent)]
        elif node.agent:
            children = [c for c in children if c[0] != "0"]
        inner = prefix + ("" if top else ("   " if last else "│  "))
        for i, (child_how, child) in enumerate(children):
            if isinstance(node, ChoiceNode) and child_how in node.options and node.options[child_how].label:
                child_how = f"{child_how} ({node.options[child_how].label})"
            walk(child, child_how, inner, i == len(children) - 1, False)

    walk(menu.start, "", "", True, True)
    for node_id in (menu.agent, *menu.unreachable()):
        if node_id not in shown:
            walk(node_id, "", "", True, True)
    return "\n".join(lines)
