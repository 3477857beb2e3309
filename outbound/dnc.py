"""The do-not-call list (免打扰名单): numbers no campaign may dial, checked before every attempt.

Entries and candidates are compared in the national format of
:func:`~outbound.phone_number.normalize_number`, so ``+86 138-1234-5678`` on the list blocks
``13812345678`` in a campaign.  A candidate that is not a valid number is never on the list (the
attempt is refused earlier, as an invalid number); an entry that is not valid is refused when the
list is built, naming it, so a typo never silently lets a number through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from outbound.errors import InvalidNumber, ModelError
from outbound.phone_number import normalize_number

__all__ = ["DoNotCallList"]


@dataclass(frozen=True, slots=True)
class DoNotCallList:
    """A set of normalized numbers; build with :meth:`of`."""

    numbers: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        odd = next(
            (n for n in self.numbers if not (n.isascii() and n.isdigit() and 10 <= len(n) <= 12)), None
        )
        if odd is not None:
            raise ModelError(
                f"do-not-call entry {odd!r} is not normalized; build the list with DoNotCallList.of"
            )

    @classmethod
    def of(cls, numbers: Iterable[str]) -> DoNotCallList:
        """The list of ``numbers`` as typed; raises :class:`InvalidNumber` on the first bad entry."""
        return cls(frozenset(normalize_number(n) for n in numbers))

    def blocks(self, number: str) -> bool:
        """Whether ``number`` (any accepted spelling) is on the list."""
        try:
            return normalize_number(number) in self.numbers
        except InvalidNumber:
            return False

    def __contains__(self, number: object) -> bool:
        return isinstance(number, str) and self.blocks(number)

    def __len__(self) -> int:
        return len(self.numbers)

    def with_number(self, number: str) -> DoNotCallList:
        """The list with ``number`` added (a customer asked not to be called again)."""
        return DoNotCallList(self.numbers | {normalize_number(number)})
