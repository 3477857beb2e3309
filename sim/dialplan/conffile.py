"""Asterisk's configuration-file reader (``main/config.c``), as ``pbx_config`` loads extensions.conf.

The file becomes categories (``[name]``) of ``name = value`` / ``name => value`` lines, each with the
file and line it came from.  Handled as Asterisk does: ``;`` comments, ``\\;`` for a literal semicolon,
``;-- ... --;`` block comments (nested, spanning lines), ``#include``/``#tryinclude`` (a path relative to
the configuration directory, globs allowed), templates ``[name](!)``, inheritance ``[name](base)`` and
appending ``[name](+)``, ``name += value``, a UTF-8 BOM, CRLF line ends.

Where Asterisk rejects the whole file, and also where it logs a warning and skips a line, this module
raises :class:`DialplanError` naming the file and line, so a broken dialplan is found before a call hits
it.  ``#exec`` (running a program) is refused.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from sim.dialplan.ctext import strip

_MAX_NESTED_COMMENTS = 128
_MAX_INCLUDE_LEVEL = 10
_LINE_LIMIT = 8190  # bytes of text Asterisk's 8192-byte fgets buffer holds besides "\n"


class DialplanError(Exception):
    """A dialplan that Asterisk would reject or only partly load."""

    def __init__(self, filename: str, lineno: int, message: str) -> None:
        super().__init__(f"{filename}:{lineno}: {message}")
        self.filename = filename
        self.lineno = lineno
        self.message = message


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    value: str
    filename: str
    lineno: int


@dataclass(slots=True, eq=False)
class Category:
    """A ``[section]`` being read; ``template`` ones (``(!)``) are not contexts."""

    name: str
    filename: str
    lineno: int
    template: bool = False
    variables: list[Variable] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Reader:
    config_dir: Path
    categories: list[Category] = field(default_factory=list)
    current: Category | None = None
    level: int = 0

    def read(self, text: str, filename: str) -> None:
        self.level += 1
        if self.level > _MAX_INCLUDE_LEVEL + 1:
            raise DialplanError(filename, 1, f"#include nested deeper than {_MAX_INCLUDE_LEVEL} levels")
        category = self.current
        depth = 0
        opened_at: list[int] = []
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        for lineno, raw in enumerate(lines, start=1):
            line = raw.split("\x00", 1)[0]
            if len(line.encode("utf-8", "surrogateescape")) > _LINE_LIMIT:
                raise DialplanError(filename, lineno, f"line longer than {_LINE_LIMIT} bytes")
            if lineno == 1 and line.startswith("\ufeff"):
                line = line[1:]
            processed, depth = _strip_comments(line, depth, opened_at, lineno, filename)
            if processed is not None:
                content = strip(processed)
                if content:
                    category = self._line(content, category, filename, lineno)
        if depth > 0:
            raise DialplanError(filename, opened_at[-1], "block comment ';--' is never closed with '--;'")
        self.level -= 1

    def _line(self, text: str, category: Category | None, filename: str, lineno: int) -> Category | None:
        if text.startswith("["):
            category = self._category(text, filename, lineno)
            self.current = category
            return category
        if text.startswith("#"):
            self._directive(text, filename, lineno)
            return category
        if category is None:
            raise DialplanError(filename, lineno, "a line before any [context] header")
        _add_variable(category, text, filename, lineno)
        return category

    def _category(self, text: str, filename: str, lineno: int) -> Category:
        close = text.find("]")
        if close < 0:
            raise DialplanError(filename, lineno, "category header has no closing ']'")
        name = text[1:close]
        new = Category(name, filename, lineno)
        if text[close + 1 : close + 2] != "(":
            self.categories.append(new)
            return new
        end = text.find(")", close + 2)
        if end < 0:
            raise DialplanError(filename, lineno, "category options have no closing ')'")
        target = new
        for option in text[close + 2 : end].split(","):
            if option == "!":
                target.template = True
            elif option.startswith("+"):
                existing = self._find(name, templates=False)
                if existing is None:
                    raise DialplanError(
                        filename, lineno, f"'(+)' appends to category '{name}', which does not exist"
                    )
                existing.template |= new.template
                existing.variables.extend(new.variables)
                target = existing
            else:
                base = self._find(option, templates=True)
                if base is None:
                    raise DialplanError(filename, lineno, f"inherits from '{option}', which does not exist")
                target.variables.extend(base.variables)
        if target is new:
            self.categories.append(new)
        return target

    def _find(self, name: str, templates: bool) -> Category | None:
        for category in self.categories:
            if category.name.lower() == name.lower() and (templates or not category.template):
                return category
        return None

    def _directive(self, text: str, filename: str, lineno: int) -> None:
        word_end = 1
        while word_end < len(text) and ord(text[word_end]) > 32:
            word_end += 1
        directive = text[1:word_end].lower()
        argument = strip(text[word_end + 1 :])
        if directive not in ("include", "tryinclude", "exec"):
            raise DialplanError(filename, lineno, f"unknown directive '#{text[1:word_end]}'")
        if directive == "exec":
            raise DialplanError(filename, lineno, "#exec is not supported (it runs a program)")
        if not argument:
            raise DialplanError(filename, lineno, f"#{directive} needs a file name")
        if argument[0] in '"<' and argument[-1] == {'"': '"', "<": ">"}[argument[0]] and len(argument) > 1:
            argument = argument[1:-1]
        paths = self._expand(argument)
        if not paths:
            if directive == "include":
                raise DialplanError(filename, lineno, f"#include '{argument}': no such file")
            return
        for path in paths:
            try:
                included = path.read_bytes().decode("utf-8", "replace")  # no newline translation
            except OSError as exc:
                raise DialplanError(filename, lineno, f"#{directive} '{path}': {exc.strerror}") from exc
            self.read(included, str(path))

    def _expand(self, name: str) -> list[Path]:
        pattern = name if name.startswith("/") else str(self.config_dir / name)
        if glob.has_magic(pattern):
            return [Path(p) for p in sorted(glob.glob(pattern)) if Path(p).is_file()]
        return [Path(pattern)] if Path(pattern).is_file() else []


def _add_variable(category: Category, text: str, filename: str, lineno: int) -> None:
    escaped = text.startswith("\\")
    if escaped:
        text = text[1:]
        if not text or ord(text[0]) < 33:
            raise DialplanError(filename, lineno, "invalid escape at the start of the line")
    equals = text.find("=", 1 if escaped else 0)
    if equals < 0:
        raise DialplanError(filename, lineno, f"no '=' in line: {text!r}")
    value = text[equals + 1 :]
    if equals > (1 if escaped else 0) and text[equals - 1] == "+":
        name = strip(text[: equals - 1])
        previous = [i for i, v in enumerate(category.variables) if v.name == name]
        if previous:
            old = category.variables[previous[-1]]
            appended = strip(old.value + value)
            category.variables[previous[-1]] = Variable(old.name, appended, old.filename, old.lineno)
            return
    else:
        name = strip(text[:equals])
        if value.startswith(">"):
            value = value[1:]
    if not name:
        raise DialplanError(filename, lineno, "no name before '='")
    category.variables.append(Variable(name, strip(value), filename, lineno))


def _strip_comments(
    line: str, depth: int, opened_at: list[int], lineno: int, filename: str
) -> tuple[str | None, int]:
    """Asterisk's comment scan of one line; returns the text to process (None if none) and the depth."""
    buf = list(line)
    start: int | None = None if depth else 0  # where the text to process starts
    cut: int | None = None  # a ';--' truncated the processed text here
    pos = 0
    while True:
        semi = _find(buf, ";", pos)
        if semi < 0:
            break
        if semi > pos and buf[semi - 1] == "\\":
            del buf[semi - 1]
            pos = semi
        elif buf[semi + 1 : semi + 3] == ["-", "-"] and buf[semi + 3 : semi + 4] != ["-"]:
            if depth >= _MAX_NESTED_COMMENTS:
                raise DialplanError(filename, lineno, "block comments nested too deeply")
            if depth == 0 and start is not None and cut is None:
                cut = semi
            depth += 1
            opened_at.append(lineno)
            pos = semi + 3
        elif semi >= pos + 2 and buf[semi - 2 : semi] == ["-", "-"]:
            if depth == 0:
                raise DialplanError(filename, lineno, "'--;' closes a block comment that was never opened")
            depth -= 1
            opened_at.pop()
            pos = semi + 1
            if depth == 0:
                if start is not None and cut is not None:
                    buf[cut:pos] = []
                    pos = cut
                    cut = None
                elif start is None:
                    start = pos
        elif depth == 0:
            buf[semi:] = []
            break
        else:
            pos = semi + 1
    if start is None:
        return None, depth
    end = cut if cut is not None else len(buf)
    return "".join(buf[start:end]), depth


def _find(buf: list[str], char: str, pos: int) -> int:
    for i in range(pos, len(buf)):
        if buf[i] == char:
            return i
    return -1


def read_config(text: str, filename: str, config_dir: Path) -> list[Category]:
    """All categories of ``text`` (and the files it includes), templates included, in file order."""
    reader = _Reader(config_dir)
    reader.read(text, filename)
    return reader.categories
