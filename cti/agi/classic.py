"""Classic AGI: Asterisk starts ``hotline agi-classic MODULE:FUNCTION`` per call and talks to
it over stdin/stdout -- for sites that cannot let Asterisk reach a FastAGI port.

The handler is the same ``async def handler(agi: AgiSession)`` the FastAGI server runs.

Why pyst2 here, and not for FastAGI: classic AGI is exactly what pyst2's ``asterisk.agi.AGI``
was written for -- one process per call, blocking stdin/stdout, the environment read from
stdin at start-up, the hang-up signalled by SIGHUP rather than a ``HANGUP`` line.  So we let
pyst2 do those parts: read the environment (``AGI.__init__``), write and flush commands
(``AGI.send_command``), own the stdin/stdout streams.  Everything above that stays ours,
because pyst2's reply handling does not fit the typed session: ``get_result`` raises on any
``result=-1`` (so a missing sound file and a hang-up look the same), ignores the unprompted
``HANGUP`` line, cannot read data holding a newline, and its ``_quote`` does not escape
quotes.  Replies are read line by line from pyst2's stdin in a daemon thread (a blocking
read cannot be cancelled; a daemon thread does not hold the process at exit) and fed to
:class:`~cti.agi.session.AgiSession`.  FastAGI is the other way round: many calls in one
asyncio process, where pyst2's ``fastagi`` (a thread per call on ``socketserver``, blocking
reads, the same reply parser) has nothing to offer.

Asterisk reads our stdout as commands, so logs go to stderr (Asterisk shows a script's
stderr on its console).  Exit status: 0 when the handler ends (``AGISTATUS=SUCCESS``), 1 on
an error (``AGISTATUS=FAILURE``, as for any AGI script exiting non-zero).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import io
import os
import signal
import sys
import threading
from typing import IO, Any, cast

import structlog
from asterisk.agi import AGI

from cti.agi.environment import AgiEnvironment
from cti.agi.errors import AgiError, AgiHangup, AgiProtocolError
from cti.agi.server import Handler
from cti.agi.session import AgiSession, AgiTimeouts

__all__ = ["ClassicTransport", "load_handler", "main", "run_classic"]

log = structlog.get_logger(__name__)


class ClassicTransport:
    """Commands out through pyst2 (which writes and flushes stdout)."""

    def __init__(self, agi: Any) -> None:
        self._agi = agi
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed:
            raise ConnectionError("stdout closed")
        self._agi.send_command(data.decode("utf-8").rstrip("\n"))

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True


def load_handler(target: str) -> Handler:
    """``package.module:function`` -> the async handler it names."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"expected MODULE:FUNCTION, got {target!r}")
    handler = getattr(importlib.import_module(module_name), attr, None)
    if handler is None or not callable(handler):
        raise ValueError(f"{target!r} does not name a callable")
    return cast(Handler, handler)


def _read_replies(stream: IO[str], loop: asyncio.AbstractEventLoop, deliver: Any, on_eof: Any) -> None:
    """Daemon thread: every line Asterisk writes goes to the session, then EOF."""
    with contextlib.suppress(OSError, ValueError):
        for line in iter(stream.readline, ""):
            loop.call_soon_threadsafe(deliver, line.encode("utf-8"))
    with contextlib.suppress(RuntimeError):  # the loop may be closed already
        loop.call_soon_threadsafe(on_eof)


async def run_classic(
    handler: Handler, agi: Any, env: AgiEnvironment, timeouts: AgiTimeouts | None = None
) -> int:
    """Run ``handler`` over pyst2's streams; returns the exit status."""
    loop = asyncio.get_running_loop()
    session = AgiSession(env, ClassicTransport(agi), timeouts=timeouts)
    loop.add_signal_handler(signal.SIGHUP, session.notify_hangup)
    task = asyncio.ensure_future(handler(session))

    def eof() -> None:
        session.connection_lost()
        task.cancel()  # Asterisk is gone: as with FastAGI, the handler is cancelled

    threading.Thread(
        target=_read_replies, args=(agi.stdin, loop, session.receive, eof), name="agi-stdin", daemon=True
    ).start()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # we are being cancelled ourselves
        log.info("agi.classic_stdin_closed", uniqueid=env.uniqueid)
    except AgiHangup:
        log.info("agi.classic_hangup", uniqueid=env.uniqueid)
    except AgiError as exc:
        log.error("agi.classic_agi_error", uniqueid=env.uniqueid, error=repr(exc))
        return 1
    except Exception:
        log.exception("agi.classic_handler_failed", uniqueid=env.uniqueid)
        return 1
    finally:
        loop.remove_signal_handler(signal.SIGHUP)
    log.info("agi.classic_end", uniqueid=env.uniqueid, hungup=session.hungup)
    return 0


def main(target: str, *, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """Entry point of ``hotline agi-classic``: read the environment, run the handler."""
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))
    try:
        handler = load_handler(target)
    except (ImportError, ValueError) as exc:
        log.error("agi.classic_bad_target", target=target, error=str(exc))
        return 1
    stdin = stdin or io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="\n")
    stdout = stdout or sys.stdout
    with open(os.devnull, "w") as quiet:  # pyst2 traces every line to stderr
        agi = AGI(stdin=stdin, stdout=stdout, stderr=quiet)
        try:
            env = AgiEnvironment.from_mapping(agi.env)
        except AgiProtocolError as exc:
            log.error("agi.classic_bad_environment", error=str(exc))
            return 1
        structlog.contextvars.bind_contextvars(uniqueid=env.uniqueid)
        return asyncio.run(run_classic(handler, agi, env))
