"""``queues.conf`` as app_queue reads it (Asterisk 22, ``apps/app_queue.c``: ``reload_queues``).

:func:`parse_queues_conf` turns the file into frozen :class:`QueuesConfig` values; the live queues
are in :mod:`sim.queues`.  Lines are read by :mod:`sim.dialplan.conffile` (comments, ``#include``,
templates); ``[general]`` holds the module options, every other section is a queue whose
``member => interface[,penalty[,name[,state_interface[,ringinuse[,wrapuptime[,paused]]]]]]`` lines
are its static members.  A file Asterisk cannot read raises :class:`QueuesConfigError`; an unknown
keyword or strategy is logged and skipped (or replaced by ``ringall``) as Asterisk does.

Read and used: ``strategy``, ``timeout``, ``retry``, ``wrapuptime``, ``maxlen``, ``servicelevel``,
``weight``, ``ringinuse``, ``setinterfacevar``, ``setqueuevar``, ``setqueueentryvar``, ``autofill``,
``joinempty``, ``leavewhenempty``, ``musicclass``, ``timeoutpriority``, ``timeoutrestart``,
``penaltymemberslimit``, ``context``; ``[general]`` ``autofill`` and ``shared_lastcall``.  The
announcement, monitor, gosub and auto-pause options are accepted and have no effect.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import structlog

from sim.dialplan.conffile import DialplanError, Variable, read_config
from sim.dialplan.ctext import atoi, strip

log = structlog.get_logger(__name__)

# app_queue's strategy names (``roundrobin`` is the old name of ``rrmemory``)
STRATEGIES = {
    "ringall": "ringall",
    "leastrecent": "leastrecent",
    "fewestcalls": "fewestcalls",
    "random": "random",
    "rrmemory": "rrmemory",
    "roundrobin": "rrmemory",
    "linear": "linear",
    "wrandom": "wrandom",
    "rrordered": "rrordered",
}

# enum empty_conditions: why a member does not count for joinempty / leavewhenempty
EMPTY_PENALTY, EMPTY_PAUSED, EMPTY_INUSE, EMPTY_RINGING = 1, 2, 4, 8
EMPTY_UNAVAILABLE, EMPTY_INVALID, EMPTY_UNKNOWN, EMPTY_WRAPUP = 16, 32, 64, 128
_EMPTY_WORDS = {
    "paused": EMPTY_PAUSED,
    "penalty": EMPTY_PENALTY,
    "inuse": EMPTY_INUSE,
    "ringing": EMPTY_RINGING,
    "invalid": EMPTY_INVALID,
    "wrapup": EMPTY_WRAPUP,
    "unavailable": EMPTY_UNAVAILABLE,
    "unknown": EMPTY_UNKNOWN,
}
# accepted and without effect here (announcements, monitoring, gosubs, auto-pause)
_IGNORED_WORDS = """
announce announce-frequency announce-to-first-user min-announce-frequency announce-round-seconds
announce-holdtime announce-position announce-position-only-up announce-position-limit periodic-announce
periodic-announce-startdelay periodic-announce-frequency relative-periodic-announce random-periodic-announce
queue-youarenext queue-thereare queue-callswaiting queue-quantity1 queue-quantity2 queue-holdtime
queue-minutes queue-minute queue-seconds queue-thankyou queue-callerannounce queue-reporthold
reportholdtime memberdelay monitor-format membergosub autopause autopausedelay autopausebusy
autopauseunavail defaultrule log-restricted-caller-id
"""
_IGNORED = frozenset(_IGNORED_WORDS.split())


class QueuesConfigError(ValueError):
    """A queues.conf Asterisk would refuse to load."""


@dataclass(frozen=True, slots=True)
class MemberConfig:
    interface: str
    penalty: int = 0
    name: str = ""  # empty: the interface
    state_interface: str = ""  # empty: the interface
    ringinuse: bool = True
    wrapuptime: int = 0
    paused: bool = False


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: str
    strategy: str = "ringall"
    timeout: int = 15
    retry: int = 5
    wrapuptime: int = 0
    maxlen: int = 0
    servicelevel: int = 0
    weight: int = 0
    ringinuse: bool = True
    setinterfacevar: bool = False
    setqueuevar: bool = False
    setqueueentryvar: bool = False
    autofill: bool = False
    joinempty: int = 0
    leavewhenempty: int = 0
    musicclass: str = ""
    context: str = ""
    timeoutpriority: str = "app"
    timeoutrestart: bool = False
    penaltymemberslimit: int = 0
    members: tuple[MemberConfig, ...] = ()


@dataclass(frozen=True, slots=True)
class QueuesConfig:
    queues: tuple[QueueConfig, ...] = ()
    autofill: bool = False
    shared_lastcall: bool = False


def ast_true(value: str) -> bool:
    return strip(value).lower() in ("yes", "true", "y", "t", "1", "on")


def ast_false(value: str) -> bool:
    return strip(value).lower() in ("no", "false", "n", "f", "0", "off")


def parse_empty_options(value: str, current: int, joinempty: bool) -> int:
    """``parse_empty_options``: ``joinempty``/``leavewhenempty`` words to condition bits."""
    empty = current
    for option in value.split(","):
        word = option.lower()
        if word in _EMPTY_WORDS:
            empty |= _EMPTY_WORDS[word]
        elif word == "loose":
            empty = EMPTY_PENALTY | EMPTY_INVALID
        elif word == "strict":
            empty = EMPTY_PENALTY | EMPTY_INVALID | EMPTY_PAUSED | EMPTY_UNAVAILABLE
        elif (ast_false(option) and joinempty) or (ast_true(option) and not joinempty):
            empty = EMPTY_PENALTY | EMPTY_INVALID | EMPTY_PAUSED
        elif ast_false(option) or ast_true(option):
            empty = 0
        else:
            log.warning("unknown empty option", option=option)
    return empty


def parse_member(value: str, queue_ringinuse: bool = True) -> MemberConfig:
    """One ``member =>`` value (``reload_single_member``); ringinuse defaults to the queue's."""
    parts = [*value.split(","), "", "", "", "", "", "", ""]
    interface = parts[0]
    if not interface:
        raise ValueError("empty queue member definition")
    ringinuse = queue_ringinuse
    if ast_true(parts[4]) or ast_false(parts[4]):
        ringinuse = ast_true(parts[4])
    return MemberConfig(
        interface=interface,
        penalty=max(0, atoi(strip(parts[1]))) if strip(parts[1]) else 0,
        name=strip(parts[2]),
        state_interface=strip(parts[3]),
        ringinuse=ringinuse,
        wrapuptime=max(0, atoi(strip(parts[5]))) if strip(parts[5]) else 0,
        paused=ast_true(parts[6]),
    )


_INTEGERS = {"timeout", "retry", "wrapuptime", "maxlen", "servicelevel", "weight", "penaltymemberslimit"}
_FLAGS = {"ringinuse", "setinterfacevar", "setqueuevar", "setqueueentryvar", "autofill", "timeoutrestart"}


def _integer(key: str, value: str) -> int:
    """``queue_set_param``'s numbers: a negative timeout or maxlen, or a retry below 1, is the default."""
    number = atoi(value)
    if key == "timeout" and number < 0:
        return 15
    if key == "retry" and number <= 0:
        return 5
    if key == "maxlen" and number < 0:
        return 0
    return number


def _queue(name: str, variables: list[Variable], autofill: bool) -> QueueConfig:
    """``reload_single_queue``: the parameters first, then the members."""
    strategy = next((v.value for v in variables if v.name.lower() == "strategy"), "ringall")
    if strategy.lower() not in STRATEGIES:
        log.warning("not a valid strategy, using ringall", queue=name, strategy=strategy)
    changes: dict[str, Any] = {"strategy": STRATEGIES.get(strategy.lower(), "ringall"), "autofill": autofill}
    for var in variables:
        key, value = var.name.lower(), var.value
        if key in ("strategy", "member") or key in _IGNORED:
            continue
        if key in _INTEGERS:
            changes[key] = _integer(key, value)
        elif key in _FLAGS:
            changes[key] = ast_true(value)
        elif key in ("joinempty", "leavewhenempty"):
            changes[key] = parse_empty_options(value, changes.get(key, 0), key == "joinempty")
        elif key in ("musicclass", "music", "musiconhold"):
            changes["musicclass"] = value
        elif key == "context":
            changes["context"] = value
        elif key == "timeoutpriority":
            changes[key] = "conf" if value.lower() == "conf" else "app"
        else:
            log.warning("unknown keyword in queue", queue=name, keyword=var.name, line=var.lineno)
    queue = replace(QueueConfig(name), **changes)
    members: dict[str, MemberConfig] = {}
    for var in variables:
        if var.name.lower() == "member":
            try:
                member = parse_member(var.value, queue.ringinuse)
            except ValueError:
                log.warning("empty queue member definition", queue=name, line=var.lineno)
                continue
            members[member.interface.lower()] = member  # a repeated interface replaces the earlier one
    return replace(queue, members=tuple(members.values()))


def parse_queues_conf(
    text: str, filename: str = "queues.conf", config_dir: Path | None = None
) -> QueuesConfig:
    try:
        categories = read_config(text, filename, config_dir or Path("."))
    except DialplanError as err:
        raise QueuesConfigError(str(err)) from err
    general = {
        v.name.lower(): v.value for c in categories if c.name.lower() == "general" for v in c.variables
    }
    autofill = ast_true(general.get("autofill", "no"))
    queues: dict[str, QueueConfig] = {}
    for category in categories:
        if category.template or category.name.lower() == "general":
            continue
        if not category.name:
            log.warning("queue without a name, skipping", line=category.lineno)
            continue
        if category.name.lower() in queues:
            log.warning("queue already defined, skipping", queue=category.name)
            continue
        queues[category.name.lower()] = _queue(category.name, category.variables, autofill)
    return QueuesConfig(tuple(queues.values()), autofill, ast_true(general.get("shared_lastcall", "no")))


def load_queues(path: Path) -> QueuesConfig:
    """The queues of ``path``; none when the file does not exist (Asterisk: "no call queues")."""
    if not path.is_file():
        log.info("no call queueing config file, so no call queues", path=str(path))
        return QueuesConfig()
    text = path.read_bytes().decode("utf-8", "replace")
    return parse_queues_conf(text, path.name, path.parent)
