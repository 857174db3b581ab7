"""Finding a remote account's actor by its address, ``user@host``: WebFinger (RFC 7033),
as Mastodon resolves accounts (its ``acct:`` resource and the ``self`` link of an
ActivityPub type; docs.joinmastodon.org/spec/webfinger/).

The look-up is a GET through the signed client (fedkit/runtime/http.py: the SSRF guard,
the federation policy, redirects checked hop by hop), signed by the instance actor as every
outbound GET here. The actor it names is then fetched and cached by fedkit/protocol/actors.py,
which checks that the document is who it says.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote, urlsplit

import requests

from fedkit.protocol import jsonbody
from fedkit.protocol.actors import FetchError
from fedkit.protocol.vocab import instance_actor_id
from fedkit.rules.registry import load_registry, origin_of
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime import keystore
from fedkit.runtime.config import Config
from fedkit.runtime.http import read_capped, signed_get

JRD_ACCEPT = "application/jrd+json, application/json"
MAX_JRD_BYTES = 100_000
AP_TYPES = ("application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
# user@host[:port]: what Mastodon accepts as an account's address (Account::USERNAME_RE, a host).
ACCT = re.compile(r"^@?([\w.-]{1,64})@([a-z0-9.-]{1,253}(?::\d{1,5})?)$", re.IGNORECASE)


def parse_acct(text: str) -> tuple[str, str] | None:
    """(username, host) of ``user@host`` or ``@user@host``; None for anything else."""
    match = ACCT.match(text.strip())
    return (match.group(1), match.group(2).lower()) if match else None


def _origins(host: str, config: Config) -> list[str]:
    """Where ``host``'s WebFinger is asked: a member node or an allowlisted origin by the
    scheme it is named with; else https (and, in dev mode only, http after it)."""
    named = [n.base_url for n in load_registry(config).nodes] + [e for e in config.fetch_allowlist if "://" in e]
    for base in named:
        if urlsplit(base).netloc.lower() == host:
            return [origin_of(base)]
    return [f"https://{host}"] + ([f"http://{host}"] if config.dev_mode else [])


def _self_link(jrd: dict) -> str | None:
    for link in jrd.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "self" and link.get("type") in AP_TYPES:
            href = link.get("href")
            if isinstance(href, str) and href.startswith(("https://", "http://")):
                return href
    return None


def actor_of_acct(username: str, host: str, config: Config) -> str:
    """The actor id WebFinger gives for ``username@host``; FetchError when none."""
    key_id, private_pem = keystore.signing_key(instance_actor_id(config.base_url))
    resource = quote(f"acct:{username}@{host}", safe=":@")
    last = FetchError("unreachable", f"no WebFinger answer for {username}@{host}")
    for origin in _origins(host, config):
        url = f"{origin}/.well-known/webfinger?resource={resource}"
        try:
            resp = signed_get(url, config, key_id=key_id, private_pem=private_pem, accept=JRD_ACCEPT)
            if resp.status_code != 200:
                resp.close()
                raise FetchError("http_error", f"WebFinger answered {resp.status_code}", resp.status_code)
            body = read_capped(resp, MAX_JRD_BYTES, deadline=time.monotonic() + config.http_timeout)
        except UnsafeURL as exc:
            raise FetchError("unsafe_url", str(exc)) from None
        except requests.RequestException as exc:
            last = FetchError("unreachable", f"WebFinger of {host}: {type(exc).__name__}")
            continue  # the next scheme, in dev mode
        try:
            jrd = jsonbody.loads(body) if body is not None else None
        except ValueError:
            jrd = None
        actor = _self_link(jrd) if isinstance(jrd, dict) else None
        if actor is None:
            raise FetchError("not_an_actor", f"WebFinger of {username}@{host} names no ActivityPub actor")
        return actor
    raise last
