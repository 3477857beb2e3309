"""Application arguments as Asterisk splits them: ``AST_STANDARD_APP_ARGS``, ``Goto``, ``GotoIf``.

``split_app_args`` ports ``__ast_app_separate_args`` (``main/app.c``): arguments are separated by
commas outside parentheses, square brackets and double quotes; the quotes are removed and a backslash
makes the next character literal (and is removed).  Parenthesis and bracket counts are not reset by
quotes, exactly as in C.  ``parse_goto`` ports ``pbx_parseable_goto``, ``parse_gotoif`` the splitting of
``GotoIf`` and ``is_true`` ``pbx_checkcondition``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.dialplan.ctext import scan_int, scan_int_exactly, strsep


class GotoError(ValueError):
    """A ``Goto`` argument Asterisk rejects (the channel then hangs up)."""


@dataclass(frozen=True, slots=True)
class GotoTarget:
    """Where a ``Goto`` goes.

    Exactly one of ``priority`` and ``label`` is set.  With ``relative`` (``Goto(+2)``, ``Goto(-1)``)
    ``priority`` is a signed offset to add to the current priority.  A ``label`` still has to be looked
    up (``Dialplan.find_label(context, exten, label)``); Asterisk fails the ``Goto`` when it is unknown.
    """

    context: str
    exten: str
    priority: int | None
    label: str | None
    relative: bool = False


def split_app_args(
    data: str, delimiter: str = ",", *, max_args: int | None = None, remove_chars: bool = True
) -> list[str]:
    """Split application data like ``AST_STANDARD_APP_ARGS`` (``AST_NONSTANDARD_APP_ARGS`` with a
    ``delimiter``; ``remove_chars=False`` for the ``_RAW_`` variants that keep quotes and backslashes).

    ``max_args`` is the number of arguments the application declares: the last one then receives the
    rest of the text unprocessed, as in C.  Empty data gives no arguments; a trailing delimiter gives a
    final empty argument.
    """
    buf = list(data)
    args: list[str] = []
    limit = max_args - 1 if max_args is not None else len(buf) + 1
    scan = 0
    was_delimiter = -1
    paren = bracket = 0
    quote = False
    while scan < len(buf) and len(args) < limit:
        start = scan
        while scan < len(buf):
            char = buf[scan]
            if char == "(":
                paren += 1
            elif char == ")":
                paren = max(0, paren - 1)
            elif char == "[":
                bracket += 1
            elif char == "]":
                bracket = max(0, bracket - 1)
            elif char == '"' and delimiter != '"':
                quote = not quote
                if remove_chars:
                    del buf[scan]
                    continue
            elif char == "\\":
                if remove_chars:
                    del buf[scan]
                else:
                    scan += 1
            elif char == delimiter and not paren and not quote and not bracket:
                args.append("".join(buf[start:scan]))
                was_delimiter = scan
                scan += 1
                break
            scan += 1
        else:
            args.append("".join(buf[start : min(scan, len(buf))]))
    if scan < len(buf) or (scan > 0 and scan - 1 == was_delimiter):
        args.append("".join(buf[scan:]))
    return args


def parse_goto(data: str, current_context: str, current_exten: str) -> GotoTarget:
    """``Goto([[context,]exten,]priority)`` where priority is a number, ``+N``/``-N`` or a label.

    An empty context or extension means the current one.  Raises :class:`GotoError` for empty data.
    """
    if not data:
        raise GotoError("Goto requires an argument ([[context,]extension,]priority)")
    first, rest = strsep(data, ",")
    second, rest = strsep(rest, ",")
    third, _ = strsep(rest, ",")
    context: str | None = None
    exten: str | None = None
    if second is None:
        priority = first or ""
    elif third is None:
        exten, priority = first, second
    else:
        context, exten, priority = first, second, third
    sign = 0
    if priority[:1] in ("+", "-"):
        sign = 1 if priority[0] == "+" else -1
        priority = priority[1:]
    target_context = context or current_context
    target_exten = exten or current_exten
    number = scan_int_exactly(priority)
    if number is None:
        return GotoTarget(target_context, target_exten, None, priority)
    if sign:
        return GotoTarget(target_context, target_exten, number * sign, None, relative=True)
    return GotoTarget(target_context, target_exten, number, None)


def parse_gotoif(data: str) -> tuple[str, str | None, str | None]:
    """``GotoIf(condition?iftrue:iffalse)`` split as Asterisk does (at the first ``?``, then the first
    ``:``); a missing or empty branch is None, which means "go on with the next priority"."""
    condition, rest = strsep(data, "?")
    if_true, if_false = strsep(rest, ":")
    return condition or "", if_true or None, if_false or None


def is_true(condition: str) -> bool:
    """``pbx_checkcondition``: empty is false, a leading integer is its truth, any other text is true."""
    if not condition:
        return False
    number = scan_int(condition)
    return True if number is None else number != 0
