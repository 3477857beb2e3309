"""The menu, routing-rules and settings loaders under fuzzing: whatever the file holds, they return a
checked value or raise their own error with a message — never another exception."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acd.errors import RulesError
from acd.overflow import DEFAULT_RULES_FILE, load_routing, parse_routing
from ivr.actions.catalogue import VOCABULARY
from ivr.menu_loader import MenuError, load_menu, parse_menu
from node.root import DEFAULT_MENU
from node.settings import SettingsError, load_settings
from tests.fuzz.mutations import VALUES, mutated

MENU = yaml.safe_load(DEFAULT_MENU.read_text(encoding="utf-8"))
RULES = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT = st.one_of(st.text(max_size=400), st.binary(max_size=400).map(lambda b: b.decode("latin-1")))


def _file(suffix: str, content: str | bytes) -> Path:
    fd, name = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "wb") as f:
        f.write(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    return Path(name)


def _problems_named(message: str) -> None:
    assert message.strip(), "an error without a message"


@FUZZ
@given(mutated(MENU))
def test_a_broken_menu_is_refused_with_its_problems(data: Any) -> None:
    try:
        parse_menu(data, VOCABULARY, "fuzz.yaml")
    except MenuError as exc:
        assert exc.problems and all(p.strip() for p in exc.problems)


@FUZZ
@given(st.one_of(TEXT, st.binary(max_size=300)))
def test_any_menu_file_is_a_menu_or_a_menu_error(content: str | bytes) -> None:
    path = _file(".yaml", content)
    try:
        load_menu(path, VOCABULARY)
    except MenuError as exc:
        _problems_named(str(exc))
    finally:
        path.unlink()


@FUZZ
@given(mutated(RULES))
def test_broken_routing_rules_are_refused_with_a_message(data: Any) -> None:
    try:
        parse_routing(data, "fuzz.yaml")
    except RulesError as exc:
        _problems_named(str(exc))


@FUZZ
@given(st.one_of(TEXT, st.binary(max_size=300)), st.sampled_from([".yaml", ".toml"]))
def test_any_rules_file_is_rules_or_a_rules_error(content: str | bytes, suffix: str) -> None:
    path = _file(suffix, content)
    try:
        load_routing(path)
    except RulesError as exc:
        _problems_named(str(exc))
    finally:
        path.unlink()


@FUZZ
@given(st.one_of(TEXT, st.binary(max_size=300)))
def test_any_settings_file_is_settings_or_a_settings_error(content: str | bytes) -> None:
    path = _file(".toml", content)
    try:
        load_settings(path)
    except SettingsError as exc:
        _problems_named(str(exc))
    finally:
        path.unlink()


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value) if value == value and abs(value) != float("inf") else '"nan"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


SECTIONS = [
    "ami",
    "agi",
    "storage",
    "redis",
    "acd",
    "api",
    "ivr",
    "recordings",
    "dialplan",
    "outbound",
    "nope",
]
KEYS = ["port", "host", "url", "secret", "store", "listen", "prompts_dir", "drain_timeout_s", "x", "globals"]


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(SECTIONS), st.sampled_from(KEYS), VALUES), max_size=6))
def test_well_formed_toml_with_wrong_values_names_the_key(entries: list[tuple[str, str, Any]]) -> None:
    sections: dict[str, dict[str, Any]] = {}
    for section, key, value in entries:
        sections.setdefault(section, {})[key] = value
    text = "".join(
        f"[{section}]\n" + "".join(f"{_key(k)} = {_toml_value(v)}\n" for k, v in values.items())
        for section, values in sections.items()
        if None not in values.values()
    )
    path = _file(".toml", text)
    try:
        load_settings(path)
    except SettingsError as exc:
        assert "invalid configuration:" in str(exc) or "not valid TOML" in str(exc), str(exc)
    finally:
        path.unlink()


def test_a_file_that_is_not_toml_is_a_settings_error_naming_it(tmp_path: Path) -> None:
    for content in (b"[ami\nport = 1\n", b"\xff\xfe[ami]"):
        path = tmp_path / "hotline.toml"
        path.write_bytes(content)
        try:
            load_settings(path)
        except SettingsError as exc:
            assert str(path) in str(exc) and "not valid TOML" in str(exc)
        else:
            raise AssertionError("accepted")
