"""Federation policy per domain: which servers this node federates with, and what it
keeps of what they send (an operator's domain blocks and allowlist, as GoToSocial and
Akkoma's MRF SimplePolicy offer them).

A JSON file named by ``ARCHIPEL_FEDERATION_POLICY``, read at start (an invalid file stops
the process) and again when it changes (a broken edit keeps the last valid policy)::

    {"mode": "allowlist",
     "partners": ["supplier.example", "127.0.0.1:8003"],
     "blocks": [{"domain": "spam.example", "reason": "spam"}],
     "media_removal": ["loud.example"],
     "media_nsfw": ["art.example"]}

- ``mode``: ``open`` (the default: every server federates unless blocked) or
  ``allowlist`` (only the group's member nodes and the ``partners`` domains federate).
- ``blocks``: suspended domains: their signed requests get 403 at the gateway (GoToSocial
  answers a blocked domain 403 before looking at the signature), nothing is fetched from
  them or delivered to them, and their posts relayed by others are dropped. Blocks win
  over ``partners``.
- ``media_removal`` / ``media_nsfw`` (Akkoma's names): attachments of posts from these
  domains are stripped / marked sensitive when they arrive.

An entry is a domain (``example.com``: that host and every subdomain, any port) or a
``host:port`` (that host and port only: on loopback, where the demo's nodes differ only
by port, this is how one node is named). Entries are strings or ``{"domain", "reason"}``.

The group's member nodes (the registry, fedkit/rules/registry.py) and this node itself always
federate: the registry decides who is inside; no entry here can cut a member. What
reaches actors outside the group once they do federate is ``ARCHIPEL_OUTSIDE_POLICY``'s
business (``Config.strict_perimeter``, fedkit/rules/policy.py): this module decides *who*, that
one *what*.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from fedkit.protocol import httpsig
from fedkit.protocol.vocab import as_list, id_of
from fedkit.rules.registry import GroupRegistry, load_registry, origin_of
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime.config import Config, read_json_file

log = logging.getLogger(__name__)

OPEN, ALLOWLIST = "open", "allowlist"
MODES = (OPEN, ALLOWLIST)
DOMAIN_LISTS = ("partners", "blocks", "media_removal", "media_nsfw")
KEYS = frozenset({"mode", *DOMAIN_LISTS})

# Why a server is refused (the gateway's error codes).
BLOCKED, NOT_ALLOWED = "domain_blocked", "domain_not_allowed"
# What happens to a post's media.
REMOVE, NSFW = "remove", "nsfw"


class PolicyError(ValueError):
    """The policy file cannot be used (unreadable, not JSON, or malformed)."""


@dataclass(frozen=True)
class FederationPolicy:
    mode: str = OPEN
    partners: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    media_removal: tuple[str, ...] = ()
    media_nsfw: tuple[str, ...] = ()


def _host_port(url: str) -> tuple[str, int | None] | None:
    """(lowercase host, port or the scheme's default) of a URL; None if it has no host."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:  # a port that is not a number
        return None
    return (host, port) if host else None


def _split_entry(entry: str) -> tuple[str, int | None]:
    """(host, port or None) of a normalised entry; IPv6 hosts are written in brackets."""
    parts = urlsplit("//" + entry)
    return (parts.hostname or "").rstrip("."), parts.port


def domain_matches(entry: str, url: str) -> bool:
    """Does a policy entry (normalised, see ``normalise_entry``) name the server of ``url``?
    ``host:port`` names that server only; a bare domain names its host and subdomains."""
    found = _host_port(url)
    if found is None:
        return False
    host, port = found
    entry_host, entry_port = _split_entry(entry)
    if entry_port is not None:
        return host == entry_host and port == entry_port
    return host == entry_host or host.endswith("." + entry_host)


def _matches_any(entries: tuple[str, ...], url: str) -> bool:
    return any(domain_matches(entry, url) for entry in entries)


def refusal(url: str | None, policy: FederationPolicy, registry: GroupRegistry, config: Config) -> str | None:
    """Why this node does not federate with the server of ``url`` (an actor, key or inbox
    id): ``BLOCKED``, ``NOT_ALLOWED``, or None when it does."""
    if not url:
        return None
    if origin_of(url) == origin_of(config.base_url) or registry.is_inside(url):
        return None  # this node and the group's members: the registry decides, not this file
    if _matches_any(policy.blocks, url):
        return BLOCKED
    if policy.mode == ALLOWLIST and not _matches_any(policy.partners, url):
        return NOT_ALLOWED
    return None


def media_action(url: str | None, policy: FederationPolicy) -> str | None:
    """What happens to the media of a post whose author is at ``url``: REMOVE, NSFW or None."""
    if not url:
        return None
    if _matches_any(policy.media_removal, url):
        return REMOVE
    if _matches_any(policy.media_nsfw, url):
        return NSFW
    return None


def apply_media_rules(obj: dict, policy: FederationPolicy) -> dict:
    """The object with its attachments stripped (media_removal) or marked sensitive
    (media_nsfw) according to its author's domain."""
    action = media_action(_author_of(obj), policy)
    if action == REMOVE and "attachment" in obj:
        return {k: v for k, v in obj.items() if k != "attachment"}
    if action == NSFW and obj.get("attachment"):
        return {**obj, "sensitive": True}
    return obj


def _author_of(obj: dict) -> str | None:
    for ref in as_list(obj.get("attributedTo")):
        if id_of(ref):
            return id_of(ref)
    return id_of(obj)


# -- the file -------------------------------------------------------------------------------

def normalise_entry(value) -> str:
    """A list entry as compared: lowercase, no trailing dot; refuses URLs and paths."""
    if isinstance(value, dict):
        if set(value) - {"domain", "reason"}:
            raise PolicyError(f"entry {value!r}: only \"domain\" and \"reason\" are allowed")
        value = value.get("domain")
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"entry {value!r}: must be a domain such as \"example.com\" or \"host:port\"")
    entry = value.strip().lower()
    if any(c in entry for c in "/@*?# ") or "://" in entry:
        raise PolicyError(f"entry {value!r}: write the domain alone (\"example.com\" covers its "
                          "subdomains), not a URL, path, account or wildcard")
    if entry.count(":") > 1 and not entry.startswith("["):
        raise PolicyError(f"entry {value!r}: write an IPv6 address in brackets, e.g. \"[::1]:8003\"")
    try:
        host, port = _split_entry(entry)
    except ValueError:
        raise PolicyError(f"entry {value!r}: the port must be a number") from None
    if not host:
        raise PolicyError(f"entry {value!r}: no host")
    if ":" in host:
        host = f"[{host}]"
    return host if port is None else f"{host}:{port}"


def parse_policy(data) -> FederationPolicy:
    """Validate a policy document; every mistake names the key it is in."""
    if not isinstance(data, dict):
        raise PolicyError("the policy must be a JSON object")
    unknown = set(data) - KEYS
    if unknown:
        raise PolicyError(f"unknown keys {sorted(unknown)} (allowed: {sorted(KEYS)})")
    mode = data.get("mode", OPEN)
    if mode not in MODES:
        raise PolicyError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    lists = {}
    for key in DOMAIN_LISTS:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise PolicyError(f"{key} must be a list of domains")
        try:
            lists[key] = tuple(dict.fromkeys(normalise_entry(v) for v in value))
        except PolicyError as exc:
            raise PolicyError(f"{key}: {exc}") from None
    return FederationPolicy(mode=mode, **lists)


def _read(path: str) -> FederationPolicy:
    return parse_policy(read_json_file(path, PolicyError))


_lock = threading.Lock()
_loaded: dict[str, tuple[float, FederationPolicy]] = {}  # path -> (mtime, last valid policy)


def load_policy(config: Config) -> FederationPolicy:
    """This node's policy (open, nothing listed, when ``federation_policy`` is empty), re-read
    when the file changes. After start, a file that became unusable keeps the last valid
    policy (an error is logged): neither dropping every block nor refusing every server."""
    path = config.federation_policy
    if not path:
        return FederationPolicy()
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = -1.0
    with _lock:
        known = _loaded.get(path)
        if known is not None and known[0] == mtime:
            return known[1]
        try:
            policy = _read(path)
        except PolicyError as exc:
            if known is None:
                raise PolicyError(f"ARCHIPEL_FEDERATION_POLICY={path}: {exc}") from None
            log.error("ARCHIPEL_FEDERATION_POLICY=%s: %s; the previous policy stays in force", path, exc)
            policy = known[1]
        _loaded[path] = (mtime, policy)
        return policy


def check_policy_file(config: Config) -> None:
    """At start: refuse to run with a policy file that cannot be used."""
    if not config.federation_policy:
        return
    _loaded.pop(config.federation_policy, None)
    try:
        policy = load_policy(config)
    except PolicyError as exc:
        raise RuntimeError(f"invalid federation policy, the process will not start: {exc}") from None
    log.info("federation policy from %s: mode %s, %d partner(s), %d block(s)", config.federation_policy,
             policy.mode, len(policy.partners), len(policy.blocks))


# -- what the enforcement points call ---------------------------------------------------------

class RefusedDomain(UnsafeURL):
    """An outbound request to a server this node does not federate with. An UnsafeURL, so
    every caller of the signed client treats it as it treats the SSRF guard's refusal:
    a fetch that fails, a delivery that fails for good."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{urlsplit(url).netloc} is refused by this node's federation policy ({reason})")
        self.reason = reason


def refused(url: str | None, config: Config) -> str | None:
    """``refusal`` with this node's policy and registry."""
    return refusal(url, load_policy(config), load_registry(config), config)


def check_peer(url: str, config: Config) -> None:
    """Raise RefusedDomain unless this node federates with the server of ``url``."""
    reason = refused(url, config)
    if reason:
        raise RefusedDomain(url, reason)


def admit_object(obj: dict, config: Config) -> dict | None:
    """A received post as this node keeps it: None when its author's server is refused
    (a post relayed by someone else), else with the media rules of its author's domain."""
    if refused(_author_of(obj), config):
        return None
    return apply_media_rules(obj, load_policy(config))


def signer_refusal(headers, config: Config) -> str | None:
    """Why a signed request is refused, from the keyId it claims (before any key is
    fetched); None when it is unsigned, malformed (the verifier says so) or welcome."""
    try:
        key_id = httpsig.signature_key_id(headers)
    except httpsig.SignatureError:
        return None
    return refused(key_id, config)
