"""The signed HTTP client: every outbound server-to-server request goes through here.

Signatures are built by ``fedkit.protocol.httpsig`` only. The SSRF guard (``fedkit.rules.ssrf``) is applied
to the URL as given and again, in ``PinnedAdapter``, to the URL requests prepared, whose
connection goes to the address the guard vetted; the federation policy (no request to a
blocked or, in allowlist mode, unlisted server) too. Redirects are followed by hand so
each hop is checked the same way.
"""

from __future__ import annotations

import http.cookiejar
import time
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError

from fedkit.protocol import httpsig
from fedkit.protocol.vocab import AP_ACCEPT, AP_CONTENT_TYPE
from fedkit.rules.federation_policy import check_peer
from fedkit.rules.ssrf import check_url, is_ip_literal, vet_target
from fedkit.runtime.config import Config

USER_AGENT = "Archipel/0.1 (+https://github.com/archipel)"
# Addresses of one name tried in turn when a connection cannot be made (IPv6, then IPv4…).
MAX_ADDRESSES = 2


class PinnedAdapter(HTTPAdapter):
    """Connects to the address the SSRF guard checked, not to whatever the name resolves
    to a moment later: the URL is rewritten to the address, while the Host header and TLS
    (SNI and the certificate check) keep the name."""

    def __init__(self, config: Config):
        super().__init__(pool_connections=16, pool_maxsize=16)
        self.config = config

    def send(self, request, **kwargs):
        url = request.url
        target, addresses = check_url(url, self.config)
        if "Host" not in request.headers:
            request.headers["Host"] = target.authority
        request.archipel_server_name = target.host
        try:
            for index, address in enumerate(addresses[:MAX_ADDRESSES]):
                literal = f"[{address}]" if ":" in address else address
                request.url = f"{target.scheme}://{literal}:{target.port}{request.path_url}"
                try:
                    resp = super().send(request, **kwargs)
                except requests.ConnectionError as exc:
                    reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else None
                    if index + 1 < min(len(addresses), MAX_ADDRESSES) and \
                            isinstance(reason, ConnectTimeoutError):
                        continue  # never connected, so nothing was sent: the next address
                    raise
                resp.url = url
                return resp
        finally:
            request.url = url
        raise AssertionError("unreachable")  # the loop returns or raises

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        name = getattr(request, "archipel_server_name", None)
        if host_params.get("scheme") == "https" and name and not is_ip_literal(name):
            pool_kwargs["server_hostname"] = name  # SNI and certificate check on the name
        return host_params, pool_kwargs


_sessions: dict[tuple, requests.Session] = {}


def _session_for(config: Config) -> requests.Session:
    """One kept-alive session per guard policy (the fields the SSRF guard reads)."""
    policy = (config.dev_mode, config.fetch_allowlist, config.group_registry, config.base_url, config.node_name)
    session = _sessions.get(policy)
    if session is None:
        session = cookieless_session()
        session.headers["User-Agent"] = USER_AGENT
        adapter = PinnedAdapter(config)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        if len(_sessions) >= 16:
            _sessions.clear()
        session = _sessions.setdefault(policy, session)
    return session


def signed_get(url: str, config: Config, *, key_id: str, private_pem: str, accept: str = AP_ACCEPT,
               max_redirects: int = 3, timeout: float | None = None) -> requests.Response:
    for _ in range(max_redirects + 1):
        vet_target(url, config)  # the URL as given; the adapter checks the prepared one
        check_peer(url, config)
        headers = {"Accept": accept}
        headers.update(httpsig.sign_request("GET", url, key_id=key_id, private_key_pem=private_pem))
        resp = _session_for(config).get(url, headers=headers, timeout=timeout or config.http_timeout,
                                        allow_redirects=False, stream=True)
        if resp.is_redirect and "Location" in resp.headers:
            resp.close()
            url = urljoin(url, resp.headers["Location"])
            continue
        return resp
    raise requests.TooManyRedirects(url)


def signed_post(url: str, body: bytes, config: Config, *, key_id: str, private_pem: str,
                content_type: str = AP_CONTENT_TYPE) -> requests.Response:
    vet_target(url, config)
    check_peer(url, config)
    headers = {"Content-Type": content_type}
    headers.update(httpsig.sign_request("POST", url, key_id=key_id, private_key_pem=private_pem, body=body))
    return _session_for(config).post(url, data=body, headers=headers, timeout=config.http_timeout,
                                     allow_redirects=False)


def cookieless_session(*, internal: bool = False) -> requests.Session:
    """A keep-alive session that never stores cookies: a proxy or a server-to-server
    client must not carry one requester's cookies into another's request.

    ``internal``: calls between the gateway and the services of one node, which never go
    through a proxy named in the environment (nor read ~/.netrc): requests would scan the
    whole environment on every call for it, 15 % of an accepted delivery's time."""
    session = requests.Session()
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    session.trust_env = not internal
    return session


def read_capped(resp: requests.Response, limit: int, deadline: float | None = None) -> bytes | None:
    """The body of a streamed response, or None when it exceeds ``limit`` bytes. Past
    ``deadline`` (``time.monotonic()``) a body still arriving raises ``requests.Timeout``:
    a server trickling bytes does not hold the caller longer than that."""
    chunks, size = [], 0
    try:
        for chunk in resp.iter_content(65536):
            size += len(chunk)
            if size > limit:
                return None
            if deadline is not None and time.monotonic() > deadline:
                raise requests.Timeout(f"{resp.url}: body not received in time")
            chunks.append(chunk)
    finally:
        resp.close()
    return b"".join(chunks)
