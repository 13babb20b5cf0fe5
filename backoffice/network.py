"""Outgoing requests to addresses people type (an imported picture's, a webhook's): which of
them lead inside the back office's own network. Calling those would let whoever types the
address reach services that trust the network (cloud metadata, Redis, the admin itself)."""

import ipaddress
import socket


class Unresolvable(Exception):
    pass


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def inside_address(hostname: str, port: int) -> IPAddress | None:
    """The first address `hostname` resolves to that is not on the public internet
    (loopback, private, link-local, shared, reserved, multicast), or None. Raises
    Unresolvable when the name does not resolve."""
    try:
        found = socket.getaddrinfo(hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise Unresolvable(f"{hostname} cannot be found") from error
    for *_, sockaddr in found:
        ip = ipaddress.ip_address(sockaddr[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if not ip.is_global or ip.is_multicast:
            return ip
    return None
