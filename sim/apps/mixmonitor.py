"""``MixMonitor(file[,options])`` and ``StopMixMonitor()``: record a channel to a WAV file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.channel import Channel
from sim.dialplan.args import split_app_args
from sim.recording import Recorder, parse_options, resolve_path

if TYPE_CHECKING:
    from sim.pbx import Pbx


def start_recording(pbx: Pbx, chan: Channel, filename: str, options: str = "") -> Recorder:
    given = parse_options(options)
    sides = {d: resolve_path(pbx.spool_dir, given[d]) if given.get(d) else None for d in ("r", "t")}
    recorder = Recorder(
        pbx,
        chan,
        resolve_path(pbx.spool_dir, filename),
        only_bridged="b" in given,
        read_path=sides["r"],
        write_path=sides["t"],
    )
    recorder.start()
    return recorder


def stop_recording(chan: Channel) -> bool:
    stopped = False
    for recorder in list(chan.recorders):
        stop = getattr(recorder, "stop", None)
        if stop is not None:
            stop(publish=True)
            stopped = True
    return stopped


async def app_mixmonitor(pbx: Pbx, chan: Channel, data: str) -> int:
    args = split_app_args(data)
    if not args or not args[0]:
        return 0  # Asterisk: "MixMonitor requires an argument (filename or ,t(filename) ...)"
    start_recording(pbx, chan, args[0], args[1] if len(args) > 1 else "")
    return 0


async def app_stopmixmonitor(pbx: Pbx, chan: Channel, data: str) -> int:
    stop_recording(chan)
    return 0


APPS = {"MixMonitor": app_mixmonitor, "StopMixMonitor": app_stopmixmonitor}
