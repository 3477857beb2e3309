"""A caller driven over AMI, for a PBX we cannot script from inside (the real Asterisk, or
``hotline sim`` as its own process).

The call is a Local channel: ``Originate Local/<number>@<context>`` with the ``;1`` leg
running ``Wait()`` (the caller's phone) while the ``;2`` leg runs the dialplan and the IVR.  The
caller follows the IVR through the AMI ``AGIExecStart`` events of the ``;2`` leg and acts on cue,
as in ``../shared/asterisk/captures/ami_17_agi_originate_side``: a key is ``PlayDTMF`` on the
``;1`` leg (it arrives on ``;2`` as DTMF), sent when a WAIT FOR DIGIT starts (so the IVR is
listening: Asterisk drops DTMF between AGI commands) or when a named sound starts (barge-in);
hanging up is AMI ``Hangup`` of the ``;1`` leg.  Every key of a step waits for its own cue: the
first for the step's, the others for the WAIT FOR DIGIT that follows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from cti.agi.protocol import parse_command_line
from cti.ami.client import AmiClient
from tests.e2e.ivr.heard import digit_waits, media_commands

WAIT = "wait"
DTMF_MS = "120"


@dataclass(frozen=True, slots=True)
class Press:
    """Key ``digits``: the first when ``on`` happens ("wait", or a sound starting), the others at
    the next digit waits."""

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
    def caller_leg(self) -> str:
        return self.channel.removesuffix(";2") + ";1"


def _cue(line: str) -> str | None:
    """What an AGI command line cues: "wait", a sound's name, or nothing."""
    argv = [w.upper() for w in parse_command_line(line)[:3]]
    if argv == ["WAIT", "FOR", "DIGIT"]:
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
) -> AmiCall:
    """Call ``exten@context`` from ``number``, act out ``script``, return once the IVR leg hung up.

    Callers bound the time with ``asyncio.timeout``."""
    steps: deque[Press | HangUp] = deque(script)
    keys: deque[str] = deque()  # the rest of the current Press, one per digit wait
    prefix = f"Local/{exten}@{context}-"
    call: AmiCall | None = None
    async with ami.subscribe("*") as events:
        await ami.action(
            "Originate",
            Channel=f"Local/{exten}@{context}",
            Application="Wait",
            Data="600",
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
                if cue == WAIT and keys:
                    await _press(ami, call, keys.popleft())
                elif cue is not None and steps and steps[0].on == cue:
                    step = steps.popleft()
                    if isinstance(step, HangUp):
                        await ami.action("Hangup", Channel=call.caller_leg)
                    else:
                        keys.extend(step.digits)
                        await _press(ami, call, keys.popleft())
    raise AssertionError("AMI events ended before the call did")


async def _press(ami: AmiClient, call: AmiCall, digit: str) -> None:
    await ami.action("PlayDTMF", Channel=call.caller_leg, Digit=digit, Duration=DTMF_MS)
    call.pressed.append(digit)
