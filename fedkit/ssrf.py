"""SSRF guard for every outbound fetch and delivery.

Production refuses non-https URLs and hosts that resolve to private, loopback,
link-local or reserved addresses, unless the host is allowlisted (the group
registry's nodes, ``ARCHIPEL_FETCH_ALLOWLIST``). Dev mode (the loopback demo) allows both.

Known limit: the name is resolved here and again by the HTTP client, so a DNS server
that answers differently the second time (rebinding) is not caught; production should
also egress through a proxy that refuses private ranges.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from fedkit.config import Config


class UnsafeURL(ValueError):
    pass


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    # Anything not globally routable (private, loopback, link-local, CGNAT 100.64/10, …).
    return not ip.is_global or ip.is_multicast


def check_url(url: str, config: Config) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeURL(f"not a fetchable URL: {url!r}")
    if config.dev_mode:
        return
    host = parts.hostname.lower()
    netloc = parts.netloc.lower()
    if host in config.fetch_allowlist or netloc in config.fetch_allowlist:
        return
    if parts.scheme != "https":
        raise UnsafeURL("only https URLs are fetched outside dev mode")
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"cannot resolve {host}") from exc
    for info in infos:
        if _is_private(info[4][0]):
            raise UnsafeURL(f"{host} resolves to a private address")
