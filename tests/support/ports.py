"""Free TCP ports on loopback for servers a test starts."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# below Linux's ephemeral range (32768-60999): no outgoing connection of another process takes
# one of these between the moment it is chosen and the moment a slow starter (a container) binds it
_FIXED_RANGE = (20000, 32000)


def free_fixed_port() -> int:
    """A port free on every address, outside the range the kernel hands out to outgoing
    connections; for ports bound a few seconds later (published container ports)."""
    import random

    for _ in range(200):
        port = random.randrange(*_FIXED_RANGE)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("0.0.0.0", port))
        except OSError:
            continue
        return port
    raise RuntimeError(f"no free port in {_FIXED_RANGE}")
