"""SSRF guard for every outbound fetch and delivery.

Production refuses non-https URLs and hosts that resolve to private, loopback,
link-local or reserved addresses, unless the host is allowlisted (the group
registry's nodes, ``ARCHIPEL_FETCH_ALLOWLIST``). Dev mode (the loopback demo) allows both.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from fedkit.config import Config


class UnsafeURL(ValueError):
    pass


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
        or ip.is_multicast or ip.is_unspecified
    )


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
    except socket.gaierror as exc:
        raise UnsafeURL(f"cannot resolve {host}") from exc
    for info in infos:
        if _is_private(info[4][0]):
            raise UnsafeURL(f"{host} resolves to a private address")
