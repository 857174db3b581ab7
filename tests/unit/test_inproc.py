"""The compact layout's transport: a requests session whose calls to a mounted base URL
run a WSGI application in-process, with the same request and response as over HTTP."""

from __future__ import annotations

import pytest
import requests
from flask import Flask, jsonify, make_response, request

from fedkit.runtime import inproc


@pytest.fixture
def session():
    app = Flask("inproc-test")

    @app.route("/echo/<path:rest>", methods=["GET", "POST"])
    def echo(rest):
        resp = make_response(jsonify(rest=rest, args=request.args.to_dict(flat=False),
                                     body=request.get_data(as_text=True), content_type=request.content_type,
                                     marker=request.headers.get("X-Marker")), 201)
        resp.headers.add("Set-Cookie", "a=1")
        resp.headers.add("Set-Cookie", "b=2")
        return resp

    inproc.mount("http://echo.inproc", app)
    try:
        yield inproc.mount_into(requests.Session())
    finally:
        inproc.unmount_all()


def test_request_reaches_the_application_unchanged(session):
    resp = session.post("http://echo.inproc/echo/a%20b/c?q=1&q=2&z=%26", json={"k": "é"},
                        headers={"X-Marker": "m"})
    assert resp.status_code == 201
    assert resp.json() == {"rest": "a b/c", "args": {"q": ["1", "2"], "z": ["&"]}, "body": '{"k": "\\u00e9"}',
                           "content_type": "application/json", "marker": "m"}
    # Repeated headers survive as they do over a socket (the gateway copies resp.raw.headers).
    assert resp.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_unknown_path_is_the_applications_404(session):
    assert session.get("http://echo.inproc/missing").status_code == 404


def test_unmounted_hosts_still_use_the_network(session):
    with pytest.raises(requests.ConnectionError):
        session.get("http://127.0.0.1:9/", timeout=2)


@pytest.mark.parametrize(("method", "url", "headers", "body"), [
    ("POST", "http://inbox.inproc/users/al%C3%AFce/inbox?x=%26&y=1", [("Content-Type", "application/activity+json"),
                                                                    ("Signature", 'keyId="k"'), ("Accept", "a/b"),
                                                                    ("Accept", "c/d")], b'{"k": 1}'),
    ("get", "http://identity.inproc:8080/", [("X-Archipel-Internal", "s")], b""),
    ("GET", "http://outbox.inproc/a%20b/c", [("Host", "fr.example"), ("Content-Length", "99")], b""),
])
def test_the_environ_is_the_one_a_wsgi_server_would_build(method, url, headers, body):
    """What the application sees equals werkzeug's reference builder, key for key."""
    from werkzeug.test import EnvironBuilder

    rest = url.split("://", 1)[1]
    path = "/" + rest.split("/", 1)[1]
    expected = EnvironBuilder(method=method.upper(), base_url=url[:url.index("/", 8)], path=path,
                              headers=[h for h in headers if h[0] != "Content-Length"], data=body, multithread=True).get_environ()
    built = inproc._environ(method, url, headers, body)
    assert built.pop("wsgi.input").read() == expected.pop("wsgi.input").read() == body
    expected.pop("wsgi.errors"), built.pop("wsgi.errors")
    assert built == expected
