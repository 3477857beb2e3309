"""Which client a request comes from, when the node may sit behind reverse proxies.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only from a
**trusted proxy** (``[api] trusted_proxies``: addresses or networks).  From one, the list is read
from the right (the entry the nearest proxy added) past every trusted proxy, and the first
address that is not one is the client; from anyone else the header is ignored and the peer's
own address is the client.  Without this, everyone behind one proxy shares its address, and one
person's failed sign-ins lock them all out (security finding 7) — or a direct client forges a new
address with every guess (finding 2).  Pure functions.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

__all__ = ["TrustedProxies", "client_address"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks: tuple[Network, ...] = tuple(ipaddress.ip_network(e, strict=False) for e in entries)

    def __contains__(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in net for net in self.networks)


def _normal(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: Sequence[str], trusted: TrustedProxies) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy that forwarded the request."""
    if peer is None:
        return "?"
    if peer not in trusted or not forwarded_for:
        return peer
    hops = [h for header in forwarded_for for h in header.split(",")]
    for hop in reversed(hops):
        address = _normal(hop)
        if address is None:
            return peer  # garbage from the client's side of the proxies: do not guess
        if address not in trusted:
            return address
    return peer
