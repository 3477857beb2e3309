"""The dialplan's site globals, written from the settings (``hotline dialplan render``).

``dialplan/extensions.conf`` keeps everything site-specific in its ``[globals]`` section.  Three of
them follow from the node's settings — where its FastAGI server is reached (``HOTLINE_AGI``, from
``[agi] advertise_host`` and ``port``) and how an agent's phone is dialled (``AGENT_TECH``,
``AGENT_SUFFIX``, from ``[dialplan]``) — and ``[dialplan] globals`` may set any other one (e.g.
``CALLBACK_TECH``).  :func:`render_globals` rewrites those lines of the shipped file and nothing
else, so a site never edits ``extensions.conf`` by hand.  Pure: text in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DialplanError", "DialplanSettings", "render_globals", "site_globals"]

_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=")


class DialplanSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # how an agent's phone is dialled: ${AGENT_TECH}/<extension>${AGENT_SUFFIX}
    agent_tech: str = Field(default="PJSIP", pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    agent_suffix: str = Field(default="", pattern=r"^[^\s;]*$")
    # any other global of [globals] (its name must be there), e.g. {CALLBACK_TECH = "PJSIP"}
    globals: dict[str, str] = Field(default_factory=dict)


class DialplanError(ValueError):
    """The dialplan cannot take these globals (a name it does not have, a value it cannot hold)."""


def site_globals(settings: DialplanSettings, *, agi_host: str, agi_port: int) -> dict[str, str]:
    """The globals the node's settings give, by name."""
    values = {
        **settings.globals,
        "HOTLINE_AGI": f"agi://{agi_host}:{agi_port}",
        "AGENT_TECH": settings.agent_tech,
        "AGENT_SUFFIX": settings.agent_suffix,
    }
    for name, value in values.items():
        if not _NAME.match(name):
            raise DialplanError(f"dialplan global {name!r}: not a global's name (A-Z, 0-9, _)")
        if "\n" in value or ";" in value:
            raise DialplanError(f"dialplan global {name}: {value!r} holds a line break or a ';'")
    return values


def render_globals(text: str, values: Mapping[str, str]) -> str:
    """``text`` (an extensions.conf) with the ``[globals]`` lines of ``values`` set to them."""
    out: list[str] = []
    section = ""
    missing = dict(values)
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("[") and "]" in stripped:
            section = stripped[1 : stripped.index("]")].strip().lower()
        elif section == "globals" and (match := _ASSIGNMENT.match(stripped)) is not None:
            name = match.group("name")
            if name in missing:
                ending = line[len(line.rstrip("\r\n")) :]
                line = f"{name}={missing.pop(name)}{ending}"
        out.append(line)
    if missing:
        raise DialplanError(f"dialplan has no [globals] line for {', '.join(sorted(missing))}")
    return "".join(out)
