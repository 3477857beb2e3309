import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.ticket_numbers import (
    is_valid_ticket_number,
    luhn_check_digit,
    ticket_id_from_number,
    ticket_number_for,
)


def test_known_numbers() -> None:
    assert ticket_number_for(1) == "00000018"
    assert luhn_check_digit("7992739871") == "3"  # the textbook example
    assert ticket_number_for(12_345_678) == "123456782"


@given(st.integers(min_value=1, max_value=10**10))
def test_round_trip(ticket_id: int) -> None:
    number = ticket_number_for(ticket_id)
    assert number.isdigit() and len(number) >= 8
    assert is_valid_ticket_number(number)
    assert ticket_id_from_number(number) == ticket_id


@given(st.integers(min_value=1, max_value=9_999_999), st.data())
def test_any_single_wrong_digit_is_caught(ticket_id: int, data: st.DataObject) -> None:
    number = ticket_number_for(ticket_id)
    pos = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != number[pos]]))
    assert not is_valid_ticket_number(number[:pos] + wrong + number[pos + 1 :])


@pytest.mark.parametrize("bad", ["", "1234567", "abcdefgh", "0000001 8"])
def test_malformed_numbers_are_invalid(bad: str) -> None:
    assert not is_valid_ticket_number(bad)
    with pytest.raises(ValueError):
        ticket_id_from_number(bad)
