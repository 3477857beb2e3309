"""Menu files: the hotline's loads; broken ones are refused with every problem named."""

from pathlib import Path

import pytest

from ivr.actions.catalogue import VOCABULARY
from ivr.menu import ChoiceNode, QueueNode
from ivr.menu_loader import MenuError, load_menu, parse_menu
from tests.ivr.conftest import MENU_FILE


def test_the_hotline_menu_loads() -> None:
    menu = load_menu(MENU_FILE, VOCABULARY)
    assert menu.start == "identify" and menu.home == "main"
    assert menu.unreachable() == []
    main = menu.nodes["main"]
    assert isinstance(main, ChoiceNode) and set(main.options) == {"1", "2", "3", "4", "5", "6", "7", "9"}
    vip = menu.nodes["vip_main"]
    assert isinstance(vip, ChoiceNode) and set(vip.options) == set("123456789")
    complaint_queue = menu.nodes["agent_complaint"]
    assert isinstance(complaint_queue, QueueNode) and complaint_queue.senior_for_key_customers
    skills = {n.skill for n in menu.nodes.values() if isinstance(n, QueueNode)}
    assert skills == {"general", "consultation", "billing", "complaint", "fault", "emergency"}
    emergency = menu.nodes["agent_emergency"]
    assert isinstance(emergency, QueueNode) and emergency.prompts == ("emergency_transfer",)


def _menu(nodes: dict[str, object], **top: object) -> dict[str, object]:
    base: dict[str, object] = {"menu": "t", "start": "main", "agent": "agent", "nodes": nodes}
    nodes.setdefault("agent", {"type": "queue", "skill": "general"})
    base.update(top)
    return base


def _problems(data: object) -> list[str]:
    with pytest.raises(MenuError) as info:
        parse_menu(data, VOCABULARY, "test.yaml")
    return info.value.problems


def test_every_problem_is_named_by_node_and_field() -> None:
    problems = _problems(
        _menu(
            {
                "main": {
                    "type": "choice", "prompt": "main_menu", "colour": "red",
                    "options": {"0": "agent", "12": "agent", "3": "nowhere", "4": {"nxt": "agent"}},
                },
                "p": {"type": "prompt", "prompt": ["no_such_prompt", "bill_balance"]},
                "l": {"type": "lookup", "action": "read_knowledge", "args": {"topic": "weather", "x": "1"},
                      "next": {"done": "main", "later": "main"}},
                "u": {"type": "lookup", "action": "fly", "next": {}},
                "c": {
                    "type": "collect", "prompt": "enter_pin", "min_digits": 6, "max_digits": 4, "into": "pin",
                    "next": "main", "terminator": "*",
                },
                "t": {
                    "type": "ticket", "next": "main",
                    "ticket": {"kind": "fault", "category": "billing_dispute"},
                },
                "s": {
                    "type": "ticket", "next": "main",
                    "ticket": {"kind": "complaint", "category": "other", "subcategory": "usage"},
                },
                "q": {"type": "queue", "skill": "x", "min_level": "boss"},
                "x": {"type": "teleport"},
            }
        )
    )  # fmt: skip
    expected = [
        "node 'main': colour: unknown field",
        "node 'main': options.0: key '0' is reserved everywhere (0 agent, * repeat, # back)",
        "node 'main': options.12: an option key is one digit 1-9",
        "node 'main': options.4.next: missing",
        "node 'main': options.4.nxt: unknown field",
        "node 'p': prompt: unknown prompt 'no_such_prompt'",
        "node 'p': prompt: prompt 'bill_balance' needs ['amount'], which this node cannot give",
        "node 'p': next: missing",
        "node 'l': args.x: action read_knowledge takes no such argument",
        "node 'l': args.topic: 'weather' is not one of billing, broadband, fixed_line, long_distance, "
        "mobile, private_line, tariffs, value_added",
        "node 'l': next.empty: action read_knowledge can end with 'empty': say where to go",
        "node 'l': next.later: action read_knowledge never ends with 'later'",
        "node 'c': max_digits: 4 is less than min_digits 6",
        "node 'c': terminator: must be '#' or '' (none)",
        "node 't': ticket.category: unknown fault category 'billing_dispute'",
        "node 's': ticket.subcategory: category 'other' has no subcategory 'usage'",
        "node 'q': min_level: unknown level 'boss' (use junior, senior or manager)",
        "node 'x': type: unknown node type 'teleport' "
        "(use prompt, collect, choice, lookup, ticket, queue, goto, hangup)",
    ]
    for line in expected:
        assert line in problems
    assert any(p.startswith("node 'u': action: unknown action 'fly'") for p in problems)


def test_dangling_references_and_loops() -> None:
    problems = _problems(
        _menu(
            {
                "main": {"type": "choice", "prompt": "main_menu", "options": {"1": "gone"}, "agent": "main"},
                "a": {"type": "goto", "target": "b"},
                "b": {"type": "goto", "target": "a"},
            },
            home="nowhere",
        )
    )
    assert "menu: home: no node 'nowhere'" in problems
    assert "node 'main': options.1: no node 'gone'" in problems
    assert "node 'main': agent: node 'main' is not a queue node" in problems
    assert "node 'a': target: goto loop: a → b → a" in problems


def test_yaml_errors_say_where(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("menu: x\nnodes:\n  a: {type: prompt\n")
    with pytest.raises(MenuError, match=r"not valid YAML at line 4"):
        load_menu(bad, VOCABULARY)
    with pytest.raises(MenuError, match="cannot read the file"):
        load_menu(tmp_path / "missing.yaml", VOCABULARY)
    assert _problems(["a list"]) == ["the file must hold a mapping with 'menu', 'start' and 'nodes'"]
    assert "menu: nodes: missing" in _problems({"menu": "x", "start": "a", "agent": "q"})
