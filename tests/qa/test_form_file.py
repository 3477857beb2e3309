from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from qa.errors import FormError, UnknownForm
from qa.form import FormLibrary
from qa.form_file import DEFAULT_FORM_PATH, default_form, load_form, load_library, parse_form


def small_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "form": "tiny",
        "version": 1,
        "title": {"zh": "小表", "en": "Tiny"},
        "sections": [
            {
                "id": "main",
                "title": {"zh": "主要", "en": "Main"},
                "criteria": [
                    {"id": "a", "label": {"zh": "甲", "en": "A"}, "points": 60, "partial": True},
                    {"id": "b", "label": {"zh": "乙", "en": "B"}, "points": 40, "na": True},
                    {"id": "red", "label": {"zh": "红线", "en": "Red"}, "points": 0, "critical": True},
                ],
            }
        ],
    }
    form.update(changes)
    return form


def test_the_shipped_form_covers_a_hotline_call_and_adds_up_to_100() -> None:
    form = default_form()
    assert (form.form_id, form.version, form.points) == ("hotline-call", 1, 100)
    assert [s.id for s in form.sections] == ["opening", "listening", "handling", "closing", "red-lines"]
    assert [s.points for s in form.sections] == [10, 25, 55, 10, 0]
    critical = {c.id for c in form.criteria if c.critical}
    assert critical == {"no-abuse", "no-disclosure", "no-hang-up", "no-false-promise"}
    assert form.criterion("ticket-registered").na_allowed and form.criterion("ticket-registered").partial
    assert form.criterion("greeting").label.zh == "规范问候并报工号"
    assert form.title.en == "Hotline call scoring form"


def test_a_small_form_parses_into_values() -> None:
    form = parse_form(small_form(), "tiny.yaml")
    a, b, red = form.criteria
    assert (a.points, a.partial, a.critical, a.na_allowed) == (60, True, False, False)
    assert (b.points, b.na_allowed) == (40, True)
    assert (red.points, red.critical) == (0, True)


def test_every_problem_is_reported_naming_its_item() -> None:
    data = small_form(version=0)
    criteria = data["sections"][0]["criteria"]
    criteria[0]["points"] = "sixty"
    criteria[1]["crtical"] = True
    criteria[2]["partial"] = True
    criteria.append({"id": "a", "label": {"zh": "重复"}, "points": 1})
    with pytest.raises(FormError) as caught:
        parse_form(data, "tiny.yaml")
    assert caught.value.problems == (
        "version: must be a whole number ≥ 1",
        "section 'main' > criterion 'a': points must be a whole number ≥ 0",
        "section 'main' > criterion 'b': unknown key(s) crtical (allowed: critical, hint, id, label, na, "
        "partial, points)",
        "section 'main' > criterion 'red': a critical item is pass/fail: it cannot be partial",
        "section 'main' > criterion 'a': the id is used by another criterion of the form",
        "section 'main' > criterion 'a' > label: must be {zh: ..., en: ...}",
    )
    assert str(caught.value).startswith("tiny.yaml: version: must be")


def test_points_must_add_up_to_100() -> None:
    data = small_form()
    data["sections"][0]["criteria"][1]["points"] = 30
    with pytest.raises(FormError, match=r"sections: points add up to 90, not 100"):
        parse_form(data, "tiny.yaml")


def test_items_without_ids_are_named_by_position() -> None:
    data = small_form()
    data["sections"][0]["criteria"][0] = {"label": {"zh": "甲", "en": "A"}, "points": 60}
    with pytest.raises(FormError) as caught:
        parse_form(data, "tiny.yaml")
    assert caught.value.problems == (
        "section 'main' > criteria[0]: id must be lower-case letters, digits and '-'",
    )


def test_partial_needs_room_between_none_and_all_and_zero_points_need_a_red_line() -> None:
    data = small_form()
    criteria = data["sections"][0]["criteria"]
    criteria[0]["points"] = 1
    criteria.append({"id": "c", "label": {"zh": "丙", "en": "C"}, "points": 0})
    with pytest.raises(FormError) as caught:
        parse_form(data, "tiny.yaml")
    assert caught.value.problems == (
        "section 'main' > criterion 'a': partial needs at least 2 points (something between none and all)",
        "section 'main' > criterion 'c': an ordinary item with 0 points counts for nothing",
    )


def test_a_file_that_is_not_yaml_or_not_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("form: [unclosed\n", encoding="utf-8")
    with pytest.raises(FormError, match=r"^bad\.yaml: not valid YAML"):
        load_form(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(FormError, match="must be a mapping"):
        load_form(bad)


def test_the_fingerprint_follows_content_not_the_file(tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text(DEFAULT_FORM_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_form(copy).fingerprint == default_form().fingerprint
    data = yaml.safe_load(DEFAULT_FORM_PATH.read_text(encoding="utf-8"))
    data["sections"][0]["criteria"][0]["label"]["en"] = "Greets the caller"
    assert parse_form(data, "edited").fingerprint != default_form().fingerprint


def test_a_library_keeps_versions_apart_and_refuses_two_contents_for_one(tmp_path: Path) -> None:
    v1 = parse_form(small_form(), "v1")
    v2 = parse_form(small_form(version=2, title={"zh": "小表二", "en": "Tiny 2"}), "v2")
    library = FormLibrary([v2, v1, v1])
    assert len(library) == 2
    assert library.get("tiny", 1) is v1 and library.latest("tiny") is v2
    assert [f.version for f in library] == [1, 2]
    with pytest.raises(UnknownForm, match="no scoring form 'tiny' version 3"):
        library.get("tiny", 3)
    with pytest.raises(UnknownForm):
        library.latest("other")
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(yaml.safe_dump(small_form(), allow_unicode=True), encoding="utf-8")
    second.write_text(yaml.safe_dump(small_form(title={"zh": "改", "en": "Changed"}), allow_unicode=True))
    with pytest.raises(FormError, match="two different contents for 'tiny' v1"):
        load_library([first, second])
