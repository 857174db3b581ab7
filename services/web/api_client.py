"""The web app's one door to the node: its public Mastodon client API, called with the
signed-in user's own bearer token, through the gateway like any app (no back door: the
gateway checks the token and its scopes, the API applies the same visibility policy).

``ARCHIPEL_WEB_API_URL`` names where the gateway is reached (default: the public base URL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests

from fedkit.runtime import inproc

TIMEOUT = 20.0
LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')


class ApiError(Exception):
    """An answer other than 2xx: its status and the API's message (``error``)."""

    def __init__(self, status: int, message: str, body: dict | None = None):
        super().__init__(message)
        self.status = status
        self.body = body or {}


@dataclass
class Answer:
    status: int
    body: object
    links: dict[str, dict[str, str]]  # rel -> the query of that page (max_id, min_id…)


def _links(header: str | None) -> dict[str, dict[str, str]]:
    """The Link header's pages (docs.joinmastodon.org/api/guidelines/#pagination)."""
    found = {}
    for url, rel in LINK.findall(header or ""):
        found[rel] = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    return found


class ApiClient:
    def __init__(self, base_url: str, token: str | None = None, user_agent: str = "Archipel web"):
        self.base = base_url.rstrip("/")
        self.token = token
        self.http = inproc.mount_into(requests.Session())  # in-process tests mount the gateway
        self.http.headers["User-Agent"] = user_agent
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, *, params=None, data=None, ok=(200,), headers=None) -> Answer:
        try:
            resp = self.http.request(method, self.base + path, params=params, data=data, timeout=TIMEOUT,
                                     allow_redirects=False, headers=headers)
        except requests.RequestException as exc:
            raise ApiError(503, f"the node did not answer ({type(exc).__name__})") from None
        try:
            body = resp.json() if resp.content else {}
        except ValueError:
            body = {}
        if resp.status_code not in ok:
            message = body.get("error", "") if isinstance(body, dict) else ""
            raise ApiError(resp.status_code, message or f"HTTP {resp.status_code}",
                           body if isinstance(body, dict) else None)
        return Answer(resp.status_code, body, _links(resp.headers.get("Link")))

    def get(self, path: str, **params) -> Answer:
        return self.call("GET", path, params={k: v for k, v in params.items() if v not in (None, "")})

    def post(self, path: str, data=None, ok=(200,)) -> Answer:
        return self.call("POST", path, data=data or {}, ok=ok)

    def delete(self, path: str) -> Answer:
        return self.call("DELETE", path)
