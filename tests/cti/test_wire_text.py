"""Security finding 6: one rule for NUL and control characters on AMI and AGI.  The probe sent a
skill with a NUL: the AGI encoder refused it, the AMI encoder wrote it (Asterisk's C strings stop
at the NUL and act on a truncated value).  Now both refuse exactly the same characters."""

from __future__ import annotations

import pytest

from cti.agi.errors import AgiProtocolError
from cti.agi.protocol import format_command
from cti.ami.protocol import AmiProtocolError as AmiCoreError
from cti.ami.protocol import encode_message
from cti.wire_text import unsafe_character


def _ami_refuses(text: str) -> bool:
    try:
        encode_message([("Action", "Setvar"), ("Value", text)])
    except AmiCoreError:
        return True
    return False


def _agi_refuses(text: str) -> bool:
    try:
        format_command("SET", "VARIABLE", "HOTLINE_SKILL", text)
    except AgiProtocolError:
        return True
    return False


@pytest.mark.parametrize(
    "bad", ["billing\x00x", "\x00", "a\rb", "a\nb", "\x1b[2J", "x\x7f", "x\x85y", "\x01"]
)
def test_both_encoders_refuse_nul_and_control_characters(bad: str) -> None:
    assert unsafe_character(bad) is not None
    assert _ami_refuses(bad) and _agi_refuses(bad)


@pytest.mark.parametrize("good", ["billing", "投诉", "a\tb", "PJSIP/1001-00000001", "", "Ω ü €"])
def test_both_encoders_carry_ordinary_text(good: str) -> None:
    assert unsafe_character(good) is None
    assert not _ami_refuses(good) and not _agi_refuses(good)


def test_the_two_encoders_follow_the_same_rule_for_every_character_of_the_first_planes() -> None:
    disagree = [hex(c) for c in range(0x3000) if _ami_refuses(f"x{chr(c)}y") != _agi_refuses(f"x{chr(c)}y")]
    assert disagree == []


def test_an_ami_header_name_with_a_control_character_is_refused() -> None:
    with pytest.raises(AmiCoreError):
        encode_message([("Act\x00ion", "Ping")])
