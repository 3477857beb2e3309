"""extensions.conf as ``pbx_config`` loads it, and the look-ups the PBX core does on the result.

``parse_dialplan(text, filename)`` / ``load_dialplan(path)`` give a frozen :class:`Dialplan`.  Lines are
read by :mod:`sim.dialplan.conffile` (comments, ``\\;``, block comments, ``#include``, templates), then
interpreted as ``pbx_load_config`` does: ``exten => ext,prio,App(data)`` with prio a number, ``n``/``next``,
``s``/``same``, ``hint``, a label reference, optionally ``(label)`` and ``+offset``; ``same =>`` continues
the latest ``exten`` of the section; ``n`` is the previous *line's* priority + 1 (whatever its
extension); ``include => ctx``; ``[globals]`` (values substituted in order) and ``[general]``.  ``ext/cid``
restricts an extension to a caller-ID pattern.  Extension names get global variables substituted and lose
spaces; ``_X.`` and ``_[0-9].`` are one extension, as in Asterisk.

Every case where Asterisk logs a warning and drops the line raises :class:`DialplanError` with file and
line instead (``same =>`` first, an unknown priority or label, a duplicate priority or label, a missing
``)``, ``n`` after a hint, which Asterisk silently drops...).  Not supported, also raised: time-conditional
includes (``include => ctx,9:00-17:00,...``) and switches.  Hints are kept in ``Extension.hint``.

pyst2's ``asterisk.config.Config`` is not used as the tokenizer: it cuts every line at its first ``;`` (so
``\\;`` is lost and ``;-- --;`` block comments are not recognised), and it rejects ``#include`` lines and
``[name](+)`` / ``[name](template)`` headers with a ParseError.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from sim.dialplan.conffile import Category, DialplanError, Variable, read_config
from sim.dialplan.ctext import BLANKS, atoi, scan_int, strip, strsep
from sim.dialplan.expressions import substitute
from sim.dialplan.functions import StaticResolver
from sim.dialplan.patterns import PrecedenceKey, pattern_matches, precedence_key, strip_fluff

__all__ = ["Context", "Dialplan", "DialplanError", "Extension", "Priority", "load_dialplan", "parse_dialplan"]

_HINT = -1
_MAX_INCLUDE_STACK = 128
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Priority:
    number: int
    label: str | None
    app: str
    data: str
    filename: str
    lineno: int


@dataclass(frozen=True, slots=True)
class Extension:
    """An extension (or pattern) as written, minus spaces; ``callerid`` is its caller-ID pattern if any."""

    pattern: str
    priorities: tuple[Priority, ...]
    hint: str | None = None
    callerid: str | None = None

    def priority(self, number: int) -> Priority | None:
        return next((p for p in self.priorities if p.number == number), None)

    def labelled(self, label: str) -> Priority | None:
        return next((p for p in self.priorities if p.label == label), None)


@dataclass(frozen=True, slots=True)
class Context:
    """A context; ``extensions`` are in Asterisk's search order (see :mod:`sim.dialplan.patterns`)."""

    name: str
    extensions: tuple[Extension, ...]
    includes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dialplan:
    contexts: Mapping[str, Context]
    globals: Mapping[str, str]
    general: Mapping[str, str]

    def match(
        self, context: str, exten: str, priority: int = 1, callerid: str | None = None
    ) -> tuple[Context, Extension] | None:
        """The context and extension that answer ``exten`` at ``priority``, following includes.

        Like ``pbx_find_extension``: the extensions of ``context`` in order, then each include
        depth-first (a context already searched is skipped).  An extension that matches but lacks the
        priority lets the search go on, so a less specific pattern can supply it.
        """
        found = self._search(context, exten, callerid, lambda ext: ext.priority(priority), [])
        return None if found is None else (found[0], found[1])

    def find(self, context: str, exten: str, priority: int, callerid: str | None = None) -> Priority | None:
        """The priority to run (hints are not priorities: see ``Extension.hint``)."""
        found = self._search(context, exten, callerid, lambda ext: ext.priority(priority), [])
        return None if found is None else found[2]

    def find_label(self, context: str, exten: str, label: str, callerid: str | None = None) -> int | None:
        """The priority number ``label`` names for ``exten`` (``ast_findlabel_extension``)."""
        found = self._search(context, exten, callerid, lambda ext: ext.labelled(label), [])
        return None if found is None else found[2].number

    def exists(self, context: str, exten: str, priority: int = 1, callerid: str | None = None) -> bool:
        return self.find(context, exten, priority, callerid) is not None

    def _search(
        self,
        context: str,
        exten: str,
        callerid: str | None,
        want: Callable[[Extension], _T | None],
        searched: list[str],
    ) -> tuple[Context, Extension, _T] | None:
        if len(searched) >= _MAX_INCLUDE_STACK or context.lower() in searched:
            return None
        ctx = self.contexts.get(context)
        if ctx is None:
            return None
        for extension in _candidates(ctx.extensions, exten, callerid):
            result = want(extension)
            if result is not None:
                return ctx, extension, result
        searched.append(ctx.name.lower())
        for included in ctx.includes:
            found = self._search(included, exten, callerid, want, searched)
            if found is not None:
                return found
        return None


def _candidates(extensions: tuple[Extension, ...], exten: str, callerid: str | None) -> Iterator[Extension]:
    for extension in extensions:
        if not pattern_matches(extension.pattern, exten):
            continue
        if extension.callerid is not None and not _callerid_matches(extension.callerid, callerid):
            continue
        yield extension


def _callerid_matches(pattern: str, callerid: str | None) -> bool:
    if not callerid:
        return not pattern
    return pattern_matches(pattern, callerid)


@dataclass(slots=True, eq=False)
class _Entry:
    """An extension being built; ``priorities`` holds the hint too, under -1."""

    pattern: str
    callerid: str | None
    priorities: dict[int, Priority] = field(default_factory=dict)

    def freeze(self) -> Extension:
        hint = self.priorities.get(_HINT)
        numbered = tuple(p for n, p in sorted(self.priorities.items()) if n != _HINT)
        return Extension(self.pattern, numbered, None if hint is None else hint.app, self.callerid)


_EntryKey = tuple[PrecedenceKey, bool, PrecedenceKey]


@dataclass(slots=True, eq=False)
class _ContextBuilder:
    name: str
    entries: dict[_EntryKey, _Entry] = field(default_factory=dict)
    includes: list[str] = field(default_factory=list)

    def ordered(self) -> tuple[Extension, ...]:
        return tuple(self.entries[key].freeze() for key in sorted(self.entries))

    def add(self, exten: str, callerid: str | None, priority: Priority, where: Variable) -> None:
        if not exten:
            raise DialplanError(where.filename, where.lineno, "empty extension name")
        name = strip_fluff(exten, keep_dashes=True)
        cid = None if callerid is None else strip_fluff(callerid, keep_dashes=True)
        key = (precedence_key(strip_fluff(name)), cid is None, precedence_key(strip_fluff(cid or "")))
        entry = self.entries.setdefault(key, _Entry(name, cid))
        existing = entry.priorities.get(priority.number)
        what = "hint" if priority.number == _HINT else f"priority {priority.number}"
        if existing is not None:
            raise DialplanError(
                where.filename,
                where.lineno,
                f"{what} of extension '{entry.pattern}' in context '{self.name}' is already defined at "
                f"{existing.filename}:{existing.lineno}",
            )
        for other in entry.priorities.values():
            if priority.label is not None and other.label == priority.label:
                raise DialplanError(
                    where.filename,
                    where.lineno,
                    f"label '{priority.label}' of extension '{entry.pattern}' is already used at priority "
                    f"{other.number} ({other.filename}:{other.lineno})",
                )
        entry.priorities[priority.number] = priority

    def label_priority(self, exten: str, label: str, callerid: str | None) -> int | None:
        for extension in _candidates(self.ordered(), exten, callerid):
            found = extension.labelled(label)
            if found is not None:
                return found.number
        return None


def parse_dialplan(text: str, filename: str = "extensions.conf", config_dir: Path | None = None) -> Dialplan:
    """The dialplan in ``text``; ``#include`` paths are relative to ``config_dir`` (default: the
    directory of ``filename``), as Asterisk resolves them against its configuration directory."""
    directory = config_dir if config_dir is not None else Path(filename).parent
    categories = [c for c in read_config(text, filename, directory) if not c.template]
    general: dict[str, str] = {}
    variables: dict[str, str] = {}
    resolver = StaticResolver(variables, random.Random(0))
    for category in categories:
        if category.name.lower() == "general":
            for v in category.variables:
                general.setdefault(v.name, v.value)
        elif category.name.lower() == "globals":
            for v in category.variables:
                name = v.name.removeprefix("_").removeprefix("_")  # inheritance marks are not part of it
                if name.endswith(")"):
                    raise DialplanError(
                        v.filename, v.lineno, "setting a function in [globals] is not supported"
                    )
                variables[name] = substitute(v.value, resolver)
    builders: dict[str, _ContextBuilder] = {}
    for category in categories:
        if category.name.lower() not in ("general", "globals"):
            builder = builders.setdefault(category.name, _ContextBuilder(category.name))
            _load_context(builder, category, resolver)
    contexts = {name: Context(name, b.ordered(), tuple(b.includes)) for name, b in builders.items()}
    return Dialplan(MappingProxyType(contexts), MappingProxyType(dict(variables)), MappingProxyType(general))


def load_dialplan(path: Path | str) -> Dialplan:
    """Read and parse the extensions.conf at ``path``."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8", "replace")  # only \n ends a line, as in fgets
    except OSError as exc:
        raise DialplanError(str(path), 0, f"cannot read: {exc.strerror}") from exc
    return parse_dialplan(text, str(path), path.parent)


def _load_context(builder: _ContextBuilder, category: Category, resolver: StaticResolver) -> None:
    last_exten = ""
    last_priority = -2
    rest: str | None
    for v in category.variables:
        directive = v.name.lower()
        if directive.startswith("same"):
            if not last_exten:
                raise DialplanError(
                    v.filename, v.lineno, f"'{v.name} =>' before any 'exten =>' in [{builder.name}]"
                )
            exten, rest = last_exten, v.value
        elif directive == "exten":
            first, rest = _split_extension(v.value)
            exten = last_exten = substitute(first, resolver)
        elif directive == "include":
            _add_include(builder, substitute(v.value, resolver), v)
            continue
        elif directive in ("ignorepat", "autohints"):
            continue  # dial-tone and device-state matters: nothing to simulate
        elif directive in ("switch", "lswitch", "eswitch"):
            raise DialplanError(v.filename, v.lineno, f"'{v.name} =>' (dialplan switches) is not supported")
        else:
            raise DialplanError(v.filename, v.lineno, f"unknown directive '{v.name}' in [{builder.name}]")
        last_priority = _add_line(builder, exten, rest, last_priority, v, resolver)


def _split_extension(value: str) -> tuple[str, str | None]:
    """``pbx_strsep(value, ",")``: the first field, where ``[...]`` may hold commas."""
    square = 0
    i = 0
    while i < len(value):
        char = value[i]
        if char == "[":
            square += 1
        elif char == "]":
            square = max(0, square - 1)
        elif char == "\\":
            i += 1
        elif char == "," and not square:
            return value[:i], value[i + 1 :] or None
        i += 1
    return value, None


def _add_include(builder: _ContextBuilder, value: str, where: Variable) -> None:
    if not value:
        raise DialplanError(where.filename, where.lineno, "'include =>' needs a context name")
    if "|" in value or "," in value:
        raise DialplanError(
            where.filename, where.lineno, f"time-conditional include '{value}' is not supported"
        )
    if any(value.lower() == existing.lower() for existing in builder.includes):
        raise DialplanError(
            where.filename, where.lineno, f"'{value}' is already included in [{builder.name}]"
        )
    builder.includes.append(value)


def _add_line(
    builder: _ContextBuilder, exten: str, rest: str | None, last: int, v: Variable, resolver: StaticResolver
) -> int:
    """Add one ``exten``/``same`` line; returns the priority it got (the next line's ``n`` base)."""
    exten, slash, cid_text = exten.partition("/")
    callerid = _shrink_phone_number(cid_text) if slash else None
    field_text, rest = strsep(rest, ",")
    text = strip(field_text or "")
    label: str | None = None
    if "(" in text:
        text, _, label_part = text.partition("(")
        if ")" not in label_part:
            raise DialplanError(v.filename, v.lineno, f"label '({label_part}' has no closing ')'")
        label = label_part[: label_part.index(")")] or None
    text, plus, offset = text.partition("+")
    if text == "hint":
        number = _HINT
    elif text in ("n", "next", "s", "same"):
        if last <= -2:
            raise DialplanError(
                v.filename, v.lineno, f"priority '{text}' on the first line of [{builder.name}]"
            )
        number = last + 1 if text in ("n", "next") else last
    else:
        scanned = scan_int(text)
        if scanned is None:
            scanned = builder.label_priority(exten, text, callerid)
            if scanned is None or scanned < 1:
                raise DialplanError(v.filename, v.lineno, f"invalid priority or unknown label '{text}'")
        elif scanned < 1:
            raise DialplanError(v.filename, v.lineno, f"invalid priority '{text}'")
        number = scanned
    if number == 0:
        raise DialplanError(
            v.filename, v.lineno, "'n' after a hint gives priority 0: Asterisk drops this line"
        )
    if plus:
        number += atoi(offset)
    app, data = _split_application(rest or "", v)
    if number == _HINT and "${" in app and not exten.startswith("_"):
        app = substitute(app, StaticResolver({**resolver.variables, "EXTEN": exten, "CONTEXT": builder.name}))
    builder.add(exten, callerid, Priority(number, label, app, data, v.filename, v.lineno), v)
    return number


def _split_application(text: str, where: Variable) -> tuple[str, str]:
    """``App(data)`` into app and data (up to the *last* ``)``); an app without ``(`` has no data."""
    head, paren, tail = text.partition("(")
    if not paren:
        return text.lstrip(BLANKS), ""
    if "${" in head or "$[" in head:
        return text.lstrip(BLANKS), ""
    close = tail.rfind(")")
    if close < 0:
        raise DialplanError(where.filename, where.lineno, f"no closing parenthesis in '{text}'")
    return head.lstrip(BLANKS), tail[:close]


def _shrink_phone_number(number: str) -> str:
    """``ast_shrink_phone_number``: drop ``( )``, spaces, ``-`` outside ``[]`` and ``.`` but a last one."""
    out: list[str] = []
    bracketed = 0
    for i, char in enumerate(number):
        if char in "[]":
            bracketed += 1 if char == "[" else -1
            out.append(char)
        elif char == "-":
            if bracketed:
                out.append(char)
        elif char == ".":
            if i == len(number) - 1:
                out.append(char)
        elif char not in "( )":
            out.append(char)
    return "".join(out)
