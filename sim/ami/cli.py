"""The CLI commands AMI ``Command`` runs in the simulator, worded as Asterisk 22 words them."""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sim.events import STATE_DESC

if TYPE_CHECKING:
    from sim.pbx import Pbx

VERSION = "22.10.1"


@lru_cache(maxsize=1)
def _known_commands() -> tuple[tuple[str, ...], ...]:
    path = Path(__file__).with_name("asterisk_cli_commands.txt")
    out = []
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            words = tuple(w for w in line.split() if not w.startswith(("[", "<", "{")))
            out.append(words)
    return tuple(out)


def _matches(words: list[str]) -> bool:
    n = len(words)
    return any(cmd[:n] == tuple(words) for cmd in _known_commands() if len(cmd) >= n)


def no_such_command(line: str) -> str:
    words = line.split()
    k = 0
    while k < len(words) and _matches(words[: k + 1]):
        k += 1
    best = " ".join(words[: k + 2])
    return f"No such command '{line}' (type 'core show help {best}' for other possible commands)"


def run_command(pbx: Pbx, line: str) -> tuple[bool, list[str]]:
    """Returns (known command, output lines)."""
    words = line.split()
    if words[:3] == ["core", "show", "version"]:
        built = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(pbx.started))
        return True, [f"Asterisk {VERSION} built by hotline @ sim on a x86_64 running Linux on {built} UTC"]
    if words[:3] == ["core", "show", "channels"]:
        return True, _show_channels(pbx, words[3] if len(words) > 3 else "")
    if words[:2] == ["dialplan", "show"]:
        return _dialplan_show(pbx, words[2] if len(words) > 2 else "")
    if words[:2] == ["core", "show"] and len(words) >= 3 and words[2] == "uptime":
        up = int(pbx.clock.now() - pbx.started)
        return True, [f"System uptime: {up} seconds", f"Last reload: {up} seconds"]
    return False, [no_such_command(line)]


def _show_channels(pbx: Pbx, mode: str) -> list[str]:
    chans = sorted(pbx.channels.values(), key=lambda c: c.created, reverse=True)
    if mode == "concise":
        out = []
        for c in chans:
            dur = int(pbx.clock.now() - c.created)
            out.append(
                "!".join(
                    [
                        c.name,
                        c.context,
                        c.exten,
                        str(c.priority),
                        STATE_DESC.get(c.state, "Unknown"),
                        c.appl,
                        c.data,
                        c.caller_num or "",
                        c.accountcode,
                        "",
                        "3",
                        str(dur),
                        c.bridge.id if c.bridge else "",
                        c.uniqueid,
                    ]
                )
            )
        return out
    out = [f"{'Channel':<64.64} {'Location':<32.32} {'State':<7.7} {'Application(Data)':<30.30}"]
    for c in chans:
        location = f"{c.exten}@{c.context}:{c.priority}"
        app = f"{c.appl}({c.data})" if c.appl else "(None)"
        out.append(
            f"{c.name:<64.64} {location:<32.32} {STATE_DESC.get(c.state, 'Unknown'):<7.7} {app:<30.30}"
        )
    n = len(chans)
    calls = len({c.linkedid for c in chans})
    done = pbx.calls_processed
    out.append(f"{n} active channel{'' if n == 1 else 's'}")
    out.append(f"{calls} active call{'' if calls == 1 else 's'}")
    out.append(f"{done} call{'' if done == 1 else 's'} processed")
    return out


def _dialplan_show(pbx: Pbx, target: str) -> tuple[bool, list[str]]:
    exten_filter: str | None = None
    context_name = target
    if "@" in target:
        exten_filter, _, context_name = target.partition("@")
    contexts = pbx.dialplan.contexts
    names = [context_name] if context_name else list(contexts)
    if context_name and context_name not in contexts:
        return True, [
            f"There is no existence of '{context_name}' context",
            f"Command 'dialplan show {target}' failed.",
        ]
    out: list[str] = []
    n_ext = n_prio = n_ctx = 0
    for name in names:
        ctx = contexts[name]
        lines: list[str] = []
        for ext in ctx.extensions:
            if exten_filter is not None and ext.pattern != exten_filter:
                continue
            n_ext += 1
            for i, prio in enumerate(ext.priorities):
                n_prio += 1
                label = f"   [{prio.label}]" if prio.label else ""
                head = f"'{ext.pattern}' =>" if i == 0 else label
                body = f"{prio.number}. {prio.app}({prio.data})"
                lines.append(f"  {head:<17} {body:<45} [{Path(prio.filename).name}:{prio.lineno}]")
        if lines or exten_filter is None:
            n_ctx += 1
            out.append(f"[ Context '{name}' created by 'pbx_config' ]")
            out += lines
            out.append("")
    if exten_filter is not None and n_ext == 0:
        return True, [
            f"There is no existence of {target} extension",
            f"Command 'dialplan show {target}' failed.",
        ]
    ext_word = "extension" if n_ext == 1 else "extensions"
    prio_word = "priority" if n_prio == 1 else "priorities"
    ctx_word = "context" if n_ctx == 1 else "contexts"
    out.append(f"-= {n_ext} {ext_word} ({n_prio} {prio_word}) in {n_ctx} {ctx_word}. =-")
    return True, out
