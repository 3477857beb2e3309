"""Ticket numbers: digits only, so a phone can read them (SAY DIGITS) and a caller can key them in.

A number is the ticket's row id, zero-padded to 7 digits, followed by a Luhn check digit: 8 digits
for the first ten million tickets, unique because ids are, and a mistyped digit or a swap of two
neighbours is caught before any look-up.
"""

from __future__ import annotations

MIN_BODY_DIGITS = 7


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check."""
    if not body.isdigit():
        raise ValueError(f"not digits: {body!r}")
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def ticket_number_for(ticket_id: int) -> str:
    if ticket_id < 1:
        raise ValueError(f"ticket id must be positive, got {ticket_id}")
    body = f"{ticket_id:0{MIN_BODY_DIGITS}d}"
    return body + luhn_check_digit(body)


def is_valid_ticket_number(number: str) -> bool:
    if not number.isdigit() or len(number) < MIN_BODY_DIGITS + 1:
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def ticket_id_from_number(number: str) -> int:
    if not is_valid_ticket_number(number):
        raise ValueError(f"not a valid ticket number: {number!r}")
    return int(number[:-1])
