"""A caller driven over AMI, for a PBX we cannot script from inside (the real Asterisk, or
``hotline sim`` as its own process).

The call is a Local channel: ``Originate Local/<number>@<context>`` with the ``;1`` leg in
``[e2e-caller]`` (the caller's phone: :data:`CALLER_CONTEXT`, appended to the dialplan under
test) while the ``;2`` leg runs the dialplan and the IVR.  The caller follows the IVR through
the AMI ``AGIExecStart`` events of the ``;2`` leg and acts on cue, as in
``../shared/asterisk/captures/ami_17_agi_originate_side``: a step's keys are sent **back to
back** by ``SendDTMF`` on the ``;1`` leg (``Setvar KEYS`` and a ``Redirect`` into
``[e2e-caller]``'s ``keys``: they arrive on ``;2`` as DTMF, 80 ms each, 50 ms apart), when a
WAIT FOR DIGIT or a GET DATA starts (so the IVR is listening: Asterisk drops DTMF between AGI
commands) or when a named sound starts (barge-in); hanging up is AMI ``Hangup`` of the ``;1``
leg.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from cti.agi.protocol import parse_command_line
from cti.ami.client import AmiClient
from tests.e2e.ivr.heard import digit_waits, media_commands

WAIT = "wait"
DTMF_MS = 80  # Asterisk's shortest DTMF it does not stretch (AST_MIN_DTMF_DURATION)
GAP_MS = 50  # and the shortest gap between two (AST_MIN_DTMF_GAP is 45)
CALLER = "e2e-caller"
# the caller's phone, appended to the dialplan of the PBX under test
CALLER_CONTEXT = f"""
[{CALLER}]
exten => s,1,Wait(600)
 same => n,Hangup()
exten => keys,1,SendDTMF(${{KEYS}},${{KEY_GAP}},${{KEY_MS}})
 same => n,Goto(s,1)
"""


@dataclass(frozen=True, slots=True)
class Press:
    """Key ``digits`` back to back when ``on`` happens: "wait" (the next WAIT FOR DIGIT or GET DATA),
    or a sound starting."""

    digits: str
    on: str = WAIT


@dataclass(frozen=True, slots=True)
class HangUp:
    """Put the phone down when the sound ``on`` starts."""

    on: str


@dataclass
class AmiCall:
    channel: str  # the ;2 leg, which runs the IVR
    uniqueid: str
    commands: list[str] = field(default_factory=list)  # AGIExecStart, in order
    failed: list[str] = field(default_factory=list)  # AGIExecEnd with a ResultCode other than 200
    variables: dict[str, str] = field(default_factory=dict)  # VarSet on the ;2 leg, last values
    pressed: list[str] = field(default_factory=list)

    @property
    def heard(self) -> list[str]:
        return media_commands(self.commands)

    @property
    def waits(self) -> list[int]:
        return digit_waits(self.commands)

    @property
    def entries(self) -> list[str]:
        """The GET DATA commands, as sent."""
        return [line for line in self.commands if line.upper().startswith("GET DATA")]

    @property
    def caller_leg(self) -> str:
        return self.channel.removesuffix(";2") + ";1"


def _cue(line: str) -> str | None:
    """What an AGI command line cues: "wait", a sound's name, or nothing."""
    argv = [w.upper() for w in parse_command_line(line)[:3]]
    if argv == ["WAIT", "FOR", "DIGIT"] or argv[:2] == ["GET", "DATA"]:
        return WAIT
    if argv[:2] == ["STREAM", "FILE"]:
        return parse_command_line(line)[2]
    return None


async def ami_call(
    ami: AmiClient,
    number: str,
    script: Sequence[Press | HangUp],
    *,
    exten: str = "10000",
    context: str = "from-pstn",
    keys: bool = True,
) -> AmiCall:
    """Call ``exten@context`` from ``number``, act out ``script``, return once the IVR leg hung up.

    ``keys=False``: the PBX runs a dialplan without :data:`CALLER_CONTEXT` (a deployment's own, as
    in the compose tests); the caller's leg then just waits, and the script may only hang up.
    Callers bound the time with ``asyncio.timeout``."""
    if not keys and any(isinstance(step, Press) for step in script):
        raise ValueError("a caller without [e2e-caller] cannot press keys")
    steps: deque[Press | HangUp] = deque(script)
    prefix = f"Local/{exten}@{context}-"
    call: AmiCall | None = None
    caller_leg = (
        {"Context": CALLER, "Exten": "s", "Priority": "1"} if keys else {"Application": "Wait", "Data": "600"}
    )
    async with ami.subscribe("*") as events:
        await ami.action(
            "Originate",
            Channel=f"Local/{exten}@{context}",
            **caller_leg,
            Async="true",
            CallerID=f'"{number}" <{number}>',
        )
        async for event in events:
            channel = event.get("Channel") or ""
            if call is None:
                if event.event != "AGIExecStart" or not (
                    channel.startswith(prefix) and channel.endswith(";2")
                ):
                    continue
                call = AmiCall(channel, event.get("Uniqueid") or "")
            if channel != call.channel:
                continue
            if event.event == "VarSet":
                call.variables[event.get("Variable") or ""] = event.get("Value") or ""
            elif event.event == "Hangup":
                return call
            elif event.event == "AGIExecEnd" and event.get("ResultCode") != "200":
                call.failed.append(f"{event.get('Command')}: {event.get('ResultCode')} {event.get('Result')}")
            elif event.event == "AGIExecStart":
                line = event.get("Command") or ""
                call.commands.append(line)
                cue = _cue(line)
                if cue is not None and steps and steps[0].on == cue:
                    step = steps.popleft()
                    if isinstance(step, HangUp):
                        await ami.action("Hangup", Channel=call.caller_leg)
                    else:
                        await _press(ami, call, step.digits)
    raise AssertionError("AMI events ended before the call did")


async def _press(ami: AmiClient, call: AmiCall, digits: str) -> None:
    """The caller's phone sends ``digits`` back to back (SendDTMF on the ``;1`` leg)."""
    for name, value in (("KEYS", digits), ("KEY_GAP", str(GAP_MS)), ("KEY_MS", str(DTMF_MS))):
        await ami.action("Setvar", Channel=call.caller_leg, Variable=name, Value=value)
    await ami.action("Redirect", Channel=call.caller_leg, Context=CALLER, Exten="keys", Priority="1")
    call.pressed.extend(digits)
