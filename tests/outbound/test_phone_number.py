from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outbound.dnc import DoNotCallList
from outbound.errors import InvalidNumber, ModelError
from outbound.phone_number import is_mobile, normalize_number


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits
        ("\u3000138 1234 5678 ", "13812345678"),  # ideographic space
        ("010-65123456", "01065123456"),
        ("(010) 6512 3456", "01065123456"),
        ("+86 10 6512 3456", "01065123456"),  # the trunk 0 comes back
        ("+86 (0)10 6512 3456", "01065123456"),
        ("0086 731 8888 1234", "073188881234"),
        ("0731-888-1234", "07318881234"),  # 7-digit local number
        ("021 5888 1234", "02158881234"),
    ],
)
def test_normalized(raw: str, number: str) -> None:
    assert normalize_number(raw) == number


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("+1 202 555 0100", "not a Chinese number"),
        ("001 202 555 0100", "international prefix"),
        ("0086", "only a country code"),
        ("138.1234.5678", "unexpected character '.'"),
        ("138123456789", "11 digits, this has 12"),
        ("12012345678", "prefix 12"),
        ("10000", "short service number"),
        ("95588", "short service number"),
        ("4008001234", "400/800"),
        ("65123456", "needs its area code"),
        ("010-1234567", "area code"),
        ("0731-088-1234", "area code"),  # a local number never starts with 0
        ("86 138 1234 5678", "neither"),
        ("1.38123E+10", "unexpected character"),
    ],
)
def test_rejected_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNumber, match=reason) as caught:
        normalize_number(raw)
    assert caught.value.number == raw


def test_is_mobile() -> None:
    assert is_mobile("13812345678")
    assert not is_mobile("01065123456")


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
landlines = st.from_regex(r"0(10|2[0-9])[2-9][0-9]{7}|0[3-9][0-9]{2}[2-9][0-9]{6,7}", fullmatch=True)
separators = st.sampled_from(["", " ", "-", "  ", " - "])


@given(st.one_of(mobiles, landlines), separators, st.sampled_from(["", "+86", "0086", "+86 ", "0086-"]))
def test_any_spelling_gives_the_same_number(number: str, sep: str, prefix: str) -> None:
    national = number[1:] if prefix and number.startswith("0") else number
    spelled = prefix + sep.join([national[:3], national[3:7], national[7:]])
    assert normalize_number(spelled) == number
    assert normalize_number(number) == number  # idempotent


@given(st.text(max_size=20))
def test_junk_raises_only_invalid_number(raw: str) -> None:
    try:
        number = normalize_number(raw)
    except InvalidNumber:
        return
    assert number.isdigit() and normalize_number(number) == number


def test_do_not_call_list_compares_normalized_numbers() -> None:
    dnc = DoNotCallList.of(["+86 138-1234-5678", "010 6512 3456"])
    assert dnc.blocks("13812345678")
    assert "0086 138 1234 5678" in dnc
    assert dnc.blocks("+86 10 6512 3456")
    assert not dnc.blocks("13912345678")
    assert not dnc.blocks("not a number")
    assert 13812345678 not in dnc
    assert len(dnc) == 2


def test_do_not_call_list_grows_and_refuses_bad_entries() -> None:
    dnc = DoNotCallList().with_number("139 1234 5678")
    assert dnc.blocks("13912345678")
    with pytest.raises(InvalidNumber):
        DoNotCallList.of(["13812345678", "1381234567"])
    with pytest.raises(ModelError, match="normalized"):
        DoNotCallList(frozenset({"138 1234 5678"}))
