"""Internal HTTP without a socket: the compact layout's transport.

In the compact layout (``deploy/compact_node.py``) one process holds the gateway and
every service. Their contracts stay HTTP — the same paths, headers and internal secret
— but a call to a service mounted here is handed to its WSGI application in the
calling thread instead of crossing a socket. The scaled-out layout mounts nothing and
every call goes over the network as before; the code that calls is the same.
"""

from __future__ import annotations

import io
import sys
import threading
from urllib.parse import unquote

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict

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
    environ = _environ(method, url, headers.items() if hasattr(headers, "items") else headers, body or b"")
    started: list = []
    written: list[bytes] = []

    def start_response(status, response_headers, exc_info=None):
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, response_headers]
        return written.append

    app_iter = wsgi_app(environ, start_response)
    try:
        content = b"".join([*written, *app_iter])
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    status, response_headers = started
    code, _, reason = status.partition(" ")
    return int(code), reason, list(response_headers), content


def _environ(method: str, url: str, headers, body: bytes) -> dict:
    """The WSGI environ (PEP 3333) of a request, as a server builds it from the wire: built
    here directly, werkzeug's EnvironBuilder (for tests) cost a fifth of an in-process call."""
    scheme, rest = url.split("://", 1)
    authority, _, target = rest.partition("/")
    target = "/" + target
    path, _, query = target.partition("?")
    host, _, port = authority.partition(":")
    environ = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        # PEP 3333: native strings holding the bytes as latin-1 (the path unquoted, as UTF-8).
        "PATH_INFO": unquote(path).encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query.encode("utf-8").decode("latin-1"),
        "REQUEST_URI": target, "RAW_URI": target,
        "SERVER_NAME": host, "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": scheme, "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_LENGTH":
            continue  # the body's own length
        if key != "CONTENT_TYPE":
            key = "HTTP_" + key
        environ[key] = f"{environ[key]}, {value}" if key in environ and key != "HTTP_HOST" else value
    environ.setdefault("HTTP_HOST", authority)
    return environ


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
