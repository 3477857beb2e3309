"""Reading a multi-digit entry (a phone number, a PIN, a ticket number) without losing a key.

Between two AGI commands Asterisk reads and drops whatever the channel receives (``run_agi`` frees
every frame while it waits for the next command), so reading digit by digit with one WAIT FOR
DIGIT each loses a key that ends in the gap — on a busy node the gap is tens of milliseconds. An
entry is therefore read with **one GET DATA**: Asterisk itself collects the keys, from the start
of the prompt (barge-in) to ``#``, to the last digit, or to the time-out, and answers once.

GET DATA records ``*`` like a digit and ends only on ``#``; the hotline keeps ``*`` as "start the
entry again", so :func:`settle` reads the answer: what follows the last ``*`` is the entry. When
the caller pressed ``*`` and went on keying until GET DATA stopped at its length, the entry is
not finished: a second GET DATA (no prompt) reads the rest — the only place where a key can still
fall between two commands, and only after a restart. A caller who presses ``*`` and stops hears
the prompt again.

A key the caller pressed before the entry was asked for (during an earlier prompt of the same
node, or of the node before) is its first character.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from cti.agi.session import Digits

__all__ = ["EntryChannel", "EntryEnd", "EntryRead", "read_entry", "settle"]

DIGITS = "0123456789"
RESTART = "*"


class EntryChannel(Protocol):
    async def get_data(
        self, filename: str, timeout_ms: int | None = None, max_digits: int | None = None
    ) -> Digits: ...


class EntryEnd(StrEnum):
    DONE = "done"  # ended by '#', by reaching the length, or by the time-out after some digits
    NOTHING = "nothing"  # no key before the time-out
    BACK = "back"  # '#' before any digit: the caller wants to go back
    RESTART = "restart"  # '*' and nothing after it: say the prompt again
    MORE = "more"  # '*' then keys up to GET DATA's length: read the rest


@dataclass(frozen=True, slots=True)
class EntryRead:
    end: EntryEnd
    digits: str = ""  # the entry (digits only), for DONE and MORE
    keys: str = ""  # the keys pressed, as pressed ('*' included; the '#' that ends an entry is not)


def settle(keyed: str, answer: Digits, asked: int) -> EntryRead:
    """What one GET DATA answer means. ``keyed``: keys already pressed for this entry (barge-in);
    ``answer``: GET DATA's; ``asked``: the length it was given."""
    typed = keyed + answer.value
    by_hash = not answer.timed_out and len(answer.value) < asked
    keys = typed
    if RESTART in typed:
        tail = "".join(ch for ch in typed.rsplit(RESTART, 1)[1] if ch in DIGITS)
        if not tail:
            return EntryRead(EntryEnd.RESTART, "", keys)
        if by_hash or answer.timed_out:
            return EntryRead(EntryEnd.DONE, tail, keys)
        return EntryRead(EntryEnd.MORE, tail, keys)
    digits = "".join(ch for ch in typed if ch in DIGITS)
    if not typed:
        return EntryRead(EntryEnd.NOTHING, "", "") if answer.timed_out else EntryRead(EntryEnd.BACK, "", "#")
    return EntryRead(EntryEnd.DONE, digits, keys)


async def read_entry(
    channel: EntryChannel, prompt_file: str, first_keys: str, max_digits: int, timeout_ms: int
) -> EntryRead:
    """Read one entry of up to ``max_digits`` digits: GET DATA with ``prompt_file`` (``""``: none)
    after ``first_keys`` already pressed; a restart that was keyed through goes on reading."""
    keyed = first_keys
    if keyed == "#":
        return EntryRead(EntryEnd.BACK, "", "#")
    if keyed and not keyed.endswith(RESTART) and len(keyed) >= max_digits:
        return EntryRead(EntryEnd.DONE, keyed, keyed)
    asked = max_digits - len(keyed.rsplit(RESTART, 1)[-1])
    answer = await channel.get_data(prompt_file, timeout_ms, asked)
    read = settle(keyed, answer, asked)
    keys = read.keys
    while read.end is EntryEnd.MORE:
        asked = max_digits - len(read.digits)
        if asked <= 0:
            return EntryRead(EntryEnd.DONE, read.digits, keys)
        answer = await channel.get_data("", timeout_ms, asked)
        more = settle(read.digits, answer, asked)  # never NOTHING or BACK: it starts with digits
        keys += answer.value
        read = EntryRead(more.end, more.digits, keys)
    return EntryRead(read.end, read.digits, keys)
