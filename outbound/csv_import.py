"""A contact file (CSV) → contacts, or every bad line with its number and reason; never half.

The header (line 1) names the columns, in any order and case: ``number``, ``name``,
``prefecture``, ``reference`` are required; the campaign kind's optional columns
(:attr:`outbound.campaign.CampaignKind.optional_columns`) are allowed; any other column is an error.
Each later line is one contact; lines that are empty or only commas (Excel leaves some) are
skipped.  A line is bad when: it cannot be decoded; its field count differs from the header's; a
required field is empty; the number is not a valid Chinese number (the reason says why); the
number repeats an earlier line's (after normalization); it is past ``max_rows`` contacts (reported
once, then reading stops); or the CSV itself is broken there (reading stops).

**Encoding.**  A UTF-8 byte-order mark means UTF-8 (Excel's "CSV UTF-8").  Without one, the file
is UTF-8 when it decodes as UTF-8 and either does not decode as GBK or *looks like* UTF-8: it holds
a character UTF-8 writes in 3–4 bytes (any Chinese character) or, beside ASCII, only Latin-1
letters (``Zoë``).  Otherwise it is GBK — plain "CSV" from Excel on Chinese Windows is code page
936, decoded here as GB18030, GBK's superset.  The look is needed because some GBK pairs are valid
2-byte UTF-8: GBK "伟伟" reads as UTF-8 "ΰΰ".  (A GBK file made only of characters such as 卢 or
毛, whose bytes read as Latin-1 letters, would pass for UTF-8; one more ordinary Chinese character,
e.g. in a prefecture name, almost always settles it.)

A file that decodes as neither is mixed: each line with non-ASCII bytes votes (plausible UTF-8 or
not), the majority names the encoding, and the other lines are reported: the ones that do not
decode, and in a GBK file the ones that are UTF-8 (GB18030 reads almost any bytes as some
characters, so they would import as gibberish).  Saving the file as CSV UTF-8 always works.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from outbound.contact import Contact
from outbound.errors import CsvImportError, InvalidNumber, LineProblem
from outbound.phone_number import normalize_number

__all__ = ["DEFAULT_MAX_ROWS", "REQUIRED_COLUMNS", "ContactFile", "read_contacts"]

REQUIRED_COLUMNS = ("number", "name", "prefecture", "reference")
DEFAULT_MAX_ROWS = 50_000
_BOM = b"\xef\xbb\xbf"
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+\d+")


@dataclass(frozen=True, slots=True)
class ContactFile:
    contacts: tuple[Contact, ...]
    encoding: str  # "utf-8", "utf-8-sig" (with BOM) or "gb18030" (GBK)
    columns: tuple[str, ...]  # as in the header, normalized to lower case


def read_contacts(
    data: bytes,
    *,
    optional_columns: Collection[str] = frozenset(),
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ContactFile:
    """Parse a whole contact file; raises :class:`CsvImportError` listing every bad line."""
    encoding, lines, problems = _decode(data)
    rows = csv.reader(lines, strict=True)
    columns: tuple[str, ...] | None = None
    contacts: list[Contact] = []
    first_seen: dict[str, int] = {}
    consumed = 0
    try:
        for row in rows:
            start, consumed = consumed + 1, rows.line_num
            if not any(field.strip() for field in row):
                if columns is None:
                    if not any(p.line == start for p in problems):
                        problems.append(LineProblem(start, "no header: the first line must name the columns"))
                    break
                continue
            if columns is None:
                columns = tuple(name.strip().lower() for name in row)
                header_problems = _header_problems(columns, optional_columns)
                if header_problems:
                    problems.extend(LineProblem(start, reason) for reason in header_problems)
                    break
                continue
            if len(contacts) >= max_rows:
                problems.append(LineProblem(start, f"more than {max_rows} contacts; split the file"))
                break
            reason, contact = _contact(row, columns)
            if reason is None and contact is not None:
                if contact.number in first_seen:
                    reason = f"duplicate number {contact.number} (first on line {first_seen[contact.number]})"
                else:
                    first_seen[contact.number] = start
                    contacts.append(contact)
            if reason is not None:
                problems.append(LineProblem(start, reason))
    except csv.Error as exc:
        problems.append(LineProblem(rows.line_num, f"broken CSV ({exc}); nothing after it was read"))
    if columns is None and not problems:
        problems.append(LineProblem(1, "empty file: no header and no contacts"))
    if problems or columns is None:
        raise CsvImportError(sorted(problems, key=lambda p: p.line))
    return ContactFile(tuple(contacts), encoding, columns)


def _header_problems(columns: tuple[str, ...], optional: Collection[str]) -> list[str]:
    allowed = set(REQUIRED_COLUMNS) | set(optional)
    problems = []
    for i, name in enumerate(columns):
        if name not in allowed:
            expected = ", ".join([*REQUIRED_COLUMNS, *sorted(optional)])
            problems.append(f"unknown column {name!r} (the columns are {expected})")
        elif name in columns[:i]:
            problems.append(f"column {name!r} appears twice")
    problems.extend(f"missing column {name!r}" for name in REQUIRED_COLUMNS if name not in columns)
    return problems


def _contact(row: list[str], columns: tuple[str, ...]) -> tuple[str | None, Contact | None]:
    if len(row) != len(columns):
        return f"expected {len(columns)} fields, found {len(row)}", None
    values = {name: value.strip() for name, value in zip(columns, row, strict=True)}
    missing = [name for name in REQUIRED_COLUMNS if not values[name]]
    if missing:
        return "missing " + " and ".join(missing), None
    try:
        number = normalize_number(values["number"])
    except InvalidNumber as exc:
        hint = (
            "; Excel wrote it in scientific notation: format the column as text"
            if (_SCIENTIFIC.fullmatch(values["number"]))
            else ""
        )
        return f"bad number {values['number']!r}: {exc.reason}{hint}", None
    extra = tuple((name, values[name]) for name in columns if name not in REQUIRED_COLUMNS)
    contact = Contact(number, values["name"], values["prefecture"], values["reference"], extra)
    return None, contact


def _decode(data: bytes) -> tuple[str, Iterator[str], list[LineProblem]]:
    """The encoding, the decoded physical lines (bad ones blanked) and the lines that failed."""
    bom = data.startswith(_BOM)
    raw = data[len(_BOM) :].splitlines(keepends=True) if bom else data.splitlines(keepends=True)
    wrong: set[int] = set()  # lines that decode, but are not in the file's encoding
    if bom or (_decodes(data, "utf-8") and (_plausible(data.decode()) or not _decodes(data, "gb18030"))):
        encoding, codec = ("utf-8-sig" if bom else "utf-8"), "utf-8"
    else:
        foreign = [i for i, chunk in enumerate(raw) if not chunk.isascii()]
        utf8 = {i for i in foreign if _decodes(raw[i], "utf-8") and _plausible(raw[i].decode())}
        if utf8 and len(utf8) * 2 >= len(foreign):
            encoding = codec = "utf-8"
        else:
            encoding = codec = "gb18030"
            wrong = utf8  # GB18030 would read them as gibberish
    name = "UTF-8" if codec == "utf-8" else "GBK"
    problems: list[LineProblem] = []
    lines: list[str] = []
    for i, chunk in enumerate(raw):
        if i in wrong:
            reason = f"encoding problem: this line is UTF-8 but the rest of the file is {name}"
        else:
            try:
                lines.append(chunk.decode(codec))
                continue
            except UnicodeDecodeError as exc:
                reason = (
                    f"encoding problem: byte 0x{chunk[exc.start]:02x} at column {exc.start + 1} is not valid "
                    f"{name}, like the rest of the file"
                )
        problems.append(LineProblem(i + 1, reason + "; save the whole file as CSV UTF-8"))
        lines.append("\n")
    return encoding, iter(lines), problems


def _plausible(text: str) -> bool:
    """Whether decoded UTF-8 looks like a contact file's: a character UTF-8 writes in 3–4 bytes (any
    Chinese character), or only Latin-1 letters beside ASCII.  GBK pairs that happen to be valid
    UTF-8 give 2-byte characters, mostly outside Latin-1: Greek, Cyrillic, IPA, combining marks."""
    wide = [ord(ch) for ch in text if ord(ch) >= 0x80]
    return any(c >= 0x800 for c in wide) or all(0xA0 <= c <= 0xFF for c in wide)


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True
