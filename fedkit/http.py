"""The signed HTTP client: every outbound server-to-server request goes through here.

Signatures are built by ``fedkit.httpsig`` only; the SSRF guard and the federation
policy (no request to a blocked or, in allowlist mode, unlisted server) are applied to
every hop (redirects are followed by hand so each target is checked).
"""

from __future__ import annotations

import http.cookiejar
from urllib.parse import urljoin

import requests

from fedkit import httpsig
from fedkit.config import Config
from fedkit.federation_policy import check_peer
from fedkit.ssrf import check_url
from fedkit.vocab import AP_ACCEPT, AP_CONTENT_TYPE

USER_AGENT = "Archipel/0.1 (+https://github.com/archipel)"


def signed_get(url: str, config: Config, *, key_id: str, private_pem: str,
               accept: str = AP_ACCEPT, max_redirects: int = 3) -> requests.Response:
    for _ in range(max_redirects + 1):
        check_url(url, config)
        check_peer(url, config)
        headers = {"Accept": accept}
        headers.update(httpsig.sign_request("GET", url, key_id=key_id, private_key_pem=private_pem))
        resp = _session.get(url, headers=headers, timeout=config.http_timeout, allow_redirects=False,
                            stream=True)
        if resp.is_redirect and "Location" in resp.headers:
            url = urljoin(url, resp.headers["Location"])
            continue
        return resp
    raise requests.TooManyRedirects(url)


def signed_post(url: str, body: bytes, config: Config, *, key_id: str, private_pem: str,
                content_type: str = AP_CONTENT_TYPE) -> requests.Response:
    check_url(url, config)
    check_peer(url, config)
    headers = {"Content-Type": content_type}
    headers.update(httpsig.sign_request("POST", url, key_id=key_id, private_key_pem=private_pem, body=body))
    return _session.post(url, data=body, headers=headers, timeout=config.http_timeout,
                         allow_redirects=False)


def cookieless_session() -> requests.Session:
    """A keep-alive session that never stores cookies: a proxy or a server-to-server
    client must not carry one requester's cookies into another's request."""
    session = requests.Session()
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return session


_session = cookieless_session()
_session.headers["User-Agent"] = USER_AGENT


def read_capped(resp: requests.Response, limit: int) -> bytes | None:
    """The body of a streamed response, or None when it exceeds ``limit`` bytes."""
    chunks, size = [], 0
    try:
        for chunk in resp.iter_content(65536):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    finally:
        resp.close()
    return b"".join(chunks)
