"""Internal HTTP without a socket: the compact layout's transport.

In the compact layout (``deploy/compact_node.py``) one process holds the gateway and
every service. Their contracts stay HTTP — the same paths, headers and internal secret
— but a call to a service mounted here is handed to its WSGI application in the
calling thread instead of crossing a socket. The scaled-out layout mounts nothing and
every call goes over the network as before; the code that calls is the same.
"""

from __future__ import annotations

import io
import threading

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict
from werkzeug.test import EnvironBuilder, run_wsgi_app

_MOUNTED: dict[str, object] = {}  # base URL ("http://identity.inproc") -> WSGI application
_LOCK = threading.Lock()


def mount(base_url: str, wsgi_app) -> None:
    """Serve ``base_url`` by calling ``wsgi_app`` in-process, in every session made later
    by ``mount_into`` (and in those made before that call it again)."""
    with _LOCK:
        _MOUNTED[base_url.rstrip("/")] = wsgi_app


def unmount_all() -> None:
    with _LOCK:
        _MOUNTED.clear()


def app_for(base_url: str):
    """The application mounted at ``base_url``, or None (then it is reached over HTTP)."""
    with _LOCK:
        return _MOUNTED.get(base_url.rstrip("/"))


def call(wsgi_app, method: str, url: str, headers, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """Run one request through ``wsgi_app``: (status code, reason, headers, body)."""
    environ = EnvironBuilder(method=method, base_url=_origin(url), path=_path(url),
                             headers=list(headers.items()) if hasattr(headers, "items") else list(headers),
                             data=body or b"").get_environ()
    app_iter, status, response_headers = run_wsgi_app(wsgi_app, environ, buffered=True)
    try:
        content = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    code, _, reason = status.partition(" ")
    return int(code), reason, list(response_headers.items()), content


def mount_into(session: requests.Session) -> requests.Session:
    """Route the session's requests to mounted applications (no-op when none is mounted)."""
    with _LOCK:
        mounted = dict(_MOUNTED)
    for base_url, app in mounted.items():
        session.mount(base_url + "/", InProcessAdapter(app))
    return session


class InProcessAdapter(BaseAdapter):
    """A requests transport that runs a WSGI application for each request."""

    def __init__(self, wsgi_app):
        super().__init__()
        self.wsgi_app = wsgi_app
        self._builder = HTTPAdapter()  # only for build_response: cookies, encoding, .raw

    def send(self, request: requests.PreparedRequest, stream=False, timeout=None, verify=True, cert=None,
             proxies=None) -> requests.Response:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        status, reason, headers, content = call(self.wsgi_app, request.method, request.url, request.headers, body)
        raw = HTTPResponse(body=io.BytesIO(content), headers=HTTPHeaderDict(headers), status=status, reason=reason,
                           preload_content=False, decode_content=False)
        return self._builder.build_response(request, raw)

    def close(self) -> None:
        self._builder.close()


def _origin(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _path(url: str) -> str:
    rest = url.split("://", 1)[1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"
