"""Where a webhook URL leads: refused if any address it resolves to is not public (loopback,
private, link-local, shared, reserved, multicast), unless WEBHOOK_ALLOW_PRIVATE_NETWORKS.

The check runs when subscribing and again before every delivery, and the delivery connects to
the very address checked, never resolving the name a second time: a name that resolved to a
public address at subscription and later resolves to a private one (DNS rebinding) is refused."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeURL(ValueError):
    """A webhook URL that may not be called; the message says why, to the subscriber."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address to connect to


def private_networks_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False))


def check_shape(url: str) -> tuple[str, str, int, str]:
    """The URL's scheme, host, port and path (with query), or UnsafeURL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"This is not a valid URL: {error}.") from None
    allowed = ("https", "http") if private_networks_allowed() else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeURL("A webhook URL must use https.")
    if not parts.hostname:
        raise UnsafeURL("A webhook URL needs a host.")
    if parts.username or parts.password:
        raise UnsafeURL("A webhook URL may not carry a user name or password.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> Target:
    """Check the URL and resolve its host; the address to connect to, or UnsafeURL."""
    scheme, host, port, path = check_shape(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(f"The host {host} does not resolve ({error}).") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeURL(f"The host {host} does not resolve.")
    if not private_networks_allowed():
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise UnsafeURL(
                f"The host {host} resolves to {refused[0]}, which is not a public address: "
                "webhooks are delivered to public addresses only."
            )
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
