"""SSRF guard for every outbound fetch and delivery.

Three steps, each on what the HTTP client will really use:

1. ``parse_target``: the URL is read strictly, and refused when two parsers could read it
   differently — userinfo (``user@``), backslashes, percent-encoded or non-ASCII hosts,
   spaces and control characters, IPv6 zone ids, trailing dots, and numeric hosts that are
   not a canonical dotted quad (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``: the
   resolver reads them as IPv4 addresses). urllib3's ``parse_url`` (the client's parser) and
   ``urllib.parse.urlsplit`` must agree on scheme, host and port.
2. ``vet_target``: the policy. Dev mode (the loopback demo) takes any http(s) URL that
   parsed. Production takes https, and http or a private address only for an origin the
   operator named: ``ARCHIPEL_FETCH_ALLOWLIST`` (``host`` = the scheme's default port only,
   ``host:port`` = that port, ``https://host[:port]`` = that scheme too) or a member node
   of the group registry (its base URL's scheme, host and port).
3. ``resolve``: the name is resolved once and every address must be public — IPv4 inside
   NAT64 (64:ff9b::/96), 6to4 (2002::/16), Teredo, IPv4-mapped, -compatible and -translated
   IPv6 is checked as the IPv4 address it carries. ``fedkit.runtime.http`` then connects to the
   address checked here (TLS still verifies the name; Host and SNI carry the name), so a
   DNS answer that changes between the check and the connection (rebinding) is not used.

Every redirect hop passes again (``fedkit.runtime.http.signed_get`` follows them by hand).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url
from urllib3.util.connection import allowed_gai_family

from fedkit.runtime.config import Config

DEFAULT_PORTS = {"http": 80, "https": 443}
# Anything a parser might drop, keep or split on differently.
_AMBIGUOUS = re.compile(r"[\x00-\x20\x7f\\]")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
# IPv6 ranges that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052),
# IPv4-translated (RFC 2765) and the deprecated IPv4-compatible form (RFC 4291 §2.5.5.1).
_EMBEDS_IPV4 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "::ffff:0:0:0/96", "::/96"))
# Not for the public Internet, though Python 3.11's ``is_global`` says otherwise.
_NOT_GLOBAL = tuple(ipaddress.ip_network(n) for n in ("64:ff9b:1::/48",))


def _getaddrinfo(*args):
    """The one resolution the connection will use (tests replace it)."""
    return socket.getaddrinfo(*args)


class UnsafeURL(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower-case; an IPv6 literal without its brackets
    port: int  # explicit or the scheme's default
    explicit_port: bool
    trusted: bool = False  # dev mode, allowlisted or a member node: private addresses allowed

    @property
    def authority(self) -> str:
        """host[:port] as the Host header names it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_ip_literal(host: str) -> bool:
    return _ip(host) is not None


def is_private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Not a public unicast address, also when an IPv4 address hides inside IPv6."""
    if ip.version == 6:
        if ip.scope_id or any(ip in net for net in _NOT_GLOBAL):
            return True
        inner = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        inner += [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) for net in _EMBEDS_IPV4 if ip in net]
        if any(v4 is not None and is_private(v4) for v4 in inner):
            return True
    # Anything not globally routable (private, loopback, link-local, CGNAT 100.64/10, …).
    return not ip.is_global or ip.is_multicast


def _check_host(host: str) -> str:
    if host.startswith("["):
        ip = _ip(host[1:-1]) if host.endswith("]") else None
        if ip is None or ip.version != 6 or "%" in host:
            raise UnsafeURL(f"not an IPv6 address literal: {host!r}")
        return host[1:-1]
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise UnsafeURL(f"not a host name: {host!r}")
    # A name ending in a number is read as an IPv4 address by resolvers (and the URL
    # standard): only the canonical dotted quad is taken, nothing a parser reads two ways.
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        ip = _ip(host)
        if ip is None or ip.version != 4 or str(ip) != host:
            raise UnsafeURL(f"not a canonical IPv4 address: {host!r}")
    return host


def parse_target(url: str) -> Target:
    """Scheme, host and port of ``url`` as the HTTP client will connect, or UnsafeURL."""
    if not isinstance(url, str) or _AMBIGUOUS.search(url):
        raise UnsafeURL(f"not a fetchable URL: {url!r}")
    try:
        split, parsed = urlsplit(url), parse_url(url)
        split_port = split.port
    except (ValueError, LocationParseError):
        raise UnsafeURL(f"not a fetchable URL: {url!r}") from None
    scheme = split.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeURL(f"only http and https URLs are fetched: {url!r}")
    netloc = split.netloc
    if "@" in netloc or parsed.auth is not None:
        raise UnsafeURL("URLs with user information are not fetched")
    if "%" in netloc or not netloc.isascii():
        raise UnsafeURL("percent-encoded or non-ASCII hosts are not fetched (use the punycode form)")
    host = (parsed.host or "").lower()
    if not host or (parsed.scheme or "").lower() != scheme or parsed.port != split_port \
            or host.strip("[]") != (split.hostname or ""):
        raise UnsafeURL(f"not a fetchable URL: {url!r}")
    if split_port == 0:
        raise UnsafeURL("port 0 is not fetched")
    return Target(scheme, _check_host(host), split_port or DEFAULT_PORTS[scheme], split_port is not None)


def _named(entry: str, target: Target) -> bool:
    """Does an allowlist entry (or a member node's base URL) name this target's origin?"""
    try:
        named = parse_target(entry if "://" in entry else f"{target.scheme}://{entry}")
    except UnsafeURL:
        return False
    return (named.scheme, named.host, named.port) == (target.scheme, target.host, target.port)


def _allowed_origins(config: Config) -> tuple[str, ...]:
    from fedkit.rules.registry import load_registry  # registry imports config only; kept lazy

    return config.fetch_allowlist + tuple(n.base_url for n in load_registry(config).nodes)


def vet_target(url: str, config: Config) -> Target:
    """Parse ``url`` and apply the policy (no DNS): the target, marked ``trusted`` when
    private addresses may be reached (dev mode, allowlist, member node)."""
    target = parse_target(url)
    if config.dev_mode or any(_named(entry, target) for entry in _allowed_origins(config)):
        return Target(target.scheme, target.host, target.port, target.explicit_port, trusted=True)
    if target.scheme != "https":
        raise UnsafeURL("only https URLs are fetched outside dev mode")
    literal = _ip(target.host)
    if literal is not None and is_private(literal):
        raise UnsafeURL(f"{target.host} is a private address")
    return target


def resolve(target: Target) -> list[str]:
    """The addresses to connect to, every one checked unless the target is trusted."""
    try:
        infos = _getaddrinfo(target.host, target.port, allowed_gai_family(), socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"cannot resolve {target.host}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        ip = _ip(address)
        if ip is None or (not target.trusted and is_private(ip)):
            raise UnsafeURL(f"{target.host} resolves to a private address")
    if not addresses:
        raise UnsafeURL(f"cannot resolve {target.host}")
    return addresses


def check_url(url: str, config: Config) -> tuple[Target, list[str]]:
    """The whole guard: the target and the vetted addresses to connect to, or UnsafeURL."""
    target = vet_target(url, config)
    return target, resolve(target)
