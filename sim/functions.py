"""Dialplan functions and built-in variables that need a channel or the PBX.

Pure functions (``LEN``, ``IF``, ``CUT``…) live in :mod:`sim.dialplan.functions`; this
module adds ``CALLERID()``, ``CONNECTEDLINE()``, ``CHANNEL()``, ``CDR()``, ``GLOBAL()``
and the variables Asterisk computes (``${CHANNEL}``, ``${UNIQUEID}``, ``${EXTEN}``…).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from sim.dialplan.functions import call_pure_function

if TYPE_CHECKING:
    from sim.channel import Channel
    from sim.pbx import Pbx


def _split_call(expr: str) -> tuple[str, str]:
    name, _, rest = expr.partition("(")
    return name.strip().upper(), rest[:-1] if rest.endswith(")") else rest


class ChannelFunctions:
    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx
        self.rng = random.Random(0)

    # -- variables computed on the fly ---------------------------------------------------
    def builtin_variable(self, chan: Channel, name: str) -> str | None:
        n = name.upper()
        if n == "CHANNEL":
            return chan.name
        if n == "UNIQUEID":
            return chan.uniqueid
        if n == "CONTEXT":
            return chan.context
        if n == "EXTEN":
            return chan.exten
        if n == "PRIORITY":
            return str(chan.priority)
        if n == "HANGUPCAUSE":
            return str(chan.hangupcause)
        if n == "EPOCH":
            return str(int(self.pbx.clock.now()))
        if n == "LANGUAGE":
            return chan.language
        if n == "CALLERID(NUM)":
            return chan.caller_num or ""
        return None

    # -- functions --------------------------------------------------------------------------
    def read(self, chan: Channel | None, expr: str) -> str | None:
        name, args = _split_call(expr)
        if chan is not None:
            value = self._read_channel(chan, name, args)
            if value is not None:
                return value
        if name == "GLOBAL":
            return self.pbx.globals.get(args, "")
        return call_pure_function(name, args, self.rng, ChannelResolver(self.pbx, chan))

    def _read_channel(self, chan: Channel, name: str, args: str) -> str | None:
        field = args.strip().lower()
        if name == "CALLERID":
            if field in ("num", "number"):
                return chan.caller_num or ""
            if field == "name":
                return chan.caller_name or ""
            if field == "all":
                return f'"{chan.caller_name or ""}" <{chan.caller_num or ""}>'
            if field == "dnid":
                return chan.dnid or ""
            if field == "rdnis":
                return chan.rdnis or ""
            return ""
        if name == "CONNECTEDLINE":
            if field in ("num", "number"):
                return chan.connected_num or ""
            if field == "name":
                return chan.connected_name or ""
            return ""
        if name == "CHANNEL":
            values = {
                "name": chan.name,
                "language": chan.language,
                "uniqueid": chan.uniqueid,
                "linkedid": chan.linkedid,
                "state": {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up", 7: "Busy"}.get(chan.state, "Unknown"),
                "channeltype": chan.tech,
                "context": chan.context,
                "exten": chan.exten,
                "accountcode": chan.accountcode,
                "musicclass": chan.moh_class or "default",
            }
            return values.get(field, "")
        if name == "CDR":
            cdr = chan.cdr
            if cdr is None:
                return ""
            return {
                "lastapp": cdr.lastapp,
                "lastdata": cdr.lastdata,
                "dst": cdr.dst,
                "dcontext": cdr.dcontext,
                "disposition": cdr.disposition or "",
            }.get(field, "")
        return None

    def write(self, chan: Channel, expr: str, value: str) -> None:
        name, args = _split_call(expr)
        field = args.strip().lower()
        if name == "CALLERID":
            if field in ("num", "number"):
                chan.set_callerid(value, chan.caller_name)
            elif field == "name":
                chan.set_callerid(chan.caller_num, value)
            elif field == "all":
                num, nm = _parse_callerid(value)
                chan.set_callerid(num, nm)
        elif name == "CONNECTEDLINE":
            if field in ("num", "number"):
                chan.set_connected(value, chan.connected_name)
            elif field == "name":
                chan.set_connected(chan.connected_num, value)
        elif name == "CHANNEL":
            if field == "language":
                chan.language = value
                # seen on Asterisk 22: the other half of a Local channel reports the new
                # language too (ami_19: the ;1 leg's Hangup carries Language: zh)
                if chan.local_peer is not None and chan.local_side == 2:
                    chan.local_peer.language = value
            elif field == "accountcode":
                chan.accountcode = value
            elif field == "musicclass":
                chan.moh_class = chan.moh_class and value
        elif name == "GLOBAL":
            self.pbx.set_global(args.strip(), value)
        # unknown writable functions are ignored with Asterisk's leniency


def _parse_callerid(text: str) -> tuple[str | None, str | None]:
    """``"Name" <1234>`` -> ("1234", "Name"); ``1234`` -> ("1234", None)."""
    text = text.strip()
    if "<" in text and text.endswith(">"):
        name, _, num = text[:-1].rpartition("<")
        name = name.strip().strip('"')
        return (num.strip() or None), (name or None)
    return (text or None), None


parse_callerid = _parse_callerid


class ChannelResolver:
    """The variable/function resolver ``sim.dialplan.expressions.substitute`` needs."""

    def __init__(self, pbx: Pbx, chan: Channel | None) -> None:
        self.pbx = pbx
        self.chan = chan

    def get_variable(self, name: str) -> str | None:
        if self.chan is not None:
            return self.chan.get_variable(name)
        return self.pbx.globals.get(name)

    def call_function(self, name: str, args: str) -> str | None:
        return self.pbx.functions.read(self.chan, f"{name}({args})")
