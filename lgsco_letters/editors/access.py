"""Who can reach the preview server, and by what name: loopback or shared, and the token a
shared one asks for."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import secrets
import socket

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARDS = ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host`."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def same_token(given: str, token: str) -> bool:
    """In constant time, as bytes: any text given (`é`, say) is compared, never an error."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


def reachable_names(host: str) -> list[str]:
    """Names others can open the server by: the address given, or for every address of this
    machine (0.0.0.0) its host name and then its own addresses, never 0.0.0.0 itself."""
    if host not in WILDCARDS:
        return [f"[{host}]" if ":" in host else host]
    name = socket.gethostname()
    addresses = set()
    with contextlib.suppress(OSError):
        addresses |= {info[4][0] for info in socket.getaddrinfo(name, None, socket.AF_INET)}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:  # the address a packet out would leave from: nothing is sent
            probe.connect(("192.0.2.1", 9))
            addresses.add(probe.getsockname()[0])
        except OSError:
            pass
    own = sorted(a for a in addresses if not ipaddress.ip_address(a).is_loopback
                 and not ipaddress.ip_address(a).is_unspecified)
    return [name, *own] if name else own or ["127.0.0.1"]
