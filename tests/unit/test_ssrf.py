"""The SSRF guard (fedkit/rules/ssrf.py) and the pinned connection (fedkit/runtime/http.py).

Production mode is what the guard protects; every URL below that names a private
address in some disguise must be refused there. The connection tests use real HTTP(S)
servers on loopback; only name resolution is replaced, so that a name the system cannot
resolve reaches the server only if the client connects where the guard resolved.
"""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fedkit.protocol.keys import generate_rsa_keypair
from fedkit.rules import ssrf
from fedkit.rules.ssrf import UnsafeURL, check_url
from fedkit.runtime.config import Config
from fedkit.runtime.http import signed_get, signed_post

PROD = Config(base_url="https://node.example", dev_mode=False)
DEV = Config(base_url="http://127.0.0.1:8001", dev_mode=True)

BYPASSES = [
    # userinfo and backslashes: urlsplit and urllib3 disagree on the host
    "https://127.0.0.1:8461\\@example.com/",
    "https://example.com\\@127.0.0.1/",
    "https://127.0.0.1\\.example.com/",
    "https://user:pw@example.com/",
    "https://example.com@127.0.0.1/",
    "https://127.0.0.1:8461@example.com/",
    "https://a%40b@example.com/",
    # percent-encoded, non-ASCII and decorated hosts
    "https://%31%32%37.0.0.1/",
    "https://127%2E0.0.1/",
    "https://l\u200docalhost/",
    "https://ⅼocalhost/",
    # numeric IPv4 forms a resolver reads as 127.0.0.1
    "https://2130706433/", "https://0x7f.1/", "https://0x7f000001/", "https://0177.0.0.1/",
    "https://127.1/", "https://127.0.1/", "https://0x7f.0x0.0x0.0x1/", "https://017700000001/",
    # IPv6 zone ids, loopback and private IPv4 inside IPv6
    "https://[fe80::1%25eth0]/", "https://[::1%25lo]/", "https://[::1]/",
    "https://[64:ff9b::7f00:1]/", "https://[64:ff9b::a00:1]/", "https://[64:ff9b:1::808:808]/",
    "https://[2002:7f00:1::]/", "https://[2002:a9fe:a9fe::1]/",
    "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://[::127.0.0.1]/",
    "https://[::ffff:0:7f00:1]/", "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    "https://[fc00::1]/", "https://[fd12:3456::1]/",
    # trailing dots and case
    "https://localhost./", "https://LOCALHOST/", "https://LocalHost./x", "HTTPS://127.0.0.1/",
    "https://127.0.0.1./",
    # private IPv4 ranges
    "https://127.0.0.1/", "https://10.1.2.3/", "https://192.168.0.1/", "https://172.16.0.1/",
    "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/", "https://0.0.0.0/",
    "https://224.0.0.1/", "https://255.255.255.255/", "https://198.18.0.1/",
    # schemes, ports and shapes
    "http://example.com/users/a", "ftp://example.com/x", "file:///etc/passwd", "gopher://127.0.0.1:6379/_x",
    "https:///nohost", "https://:443/", "https://example.com:0/", "https://example.com:99999/",
    "https://example.com:abc/", "//example.com/x", "example.com/x",
    # whitespace and control characters (urlsplit drops tabs and newlines silently)
    "https://exa\tmple.com/", "https://127.0.0.1\n.example.com/", " https://example.com/",
    "https://example.com/\r\nHost: x",
]


@pytest.fixture
def public_example(monkeypatch):
    """example.com resolves to a public address (this machine may have no DNS)."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if isinstance(host, str) and host.lower().rstrip(".") == "example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port or 443))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize("url", BYPASSES)
def test_production_refuses_every_disguise(url, public_example):
    with pytest.raises(UnsafeURL):
        check_url(url, PROD)


@pytest.mark.parametrize("url", [
    "https://127.0.0.1:8461\\@example.com/", "http://user@127.0.0.1:8002/", "http://127.0.0.1:8002\\@x/",
    "http://2130706433:8002/", "http://[::1%25lo]:8002/", "http://localhost.:8002/", "file:///etc/passwd",
    "http://127.0.0.1:8002/a\tb",
])
def test_dev_mode_still_refuses_malformed_urls(url):
    with pytest.raises(UnsafeURL):
        check_url(url, DEV)


def test_dev_mode_allows_loopback_http():
    target, addresses = check_url("http://127.0.0.1:8002/users/bob", DEV)
    assert (target.scheme, target.host, target.port) == ("http", "127.0.0.1", 8002)
    assert addresses == ["127.0.0.1"]


@pytest.mark.parametrize("url", ["https://93.184.215.14/users/a", "https://[2606:4700::1111]/x",
                                 "https://[64:ff9b::5db8:d70e]/x", "https://93.184.215.14:8443/x"])
def test_production_allows_public_addresses(url):
    target, addresses = check_url(url, PROD)
    assert addresses == [target.host]


def test_allowlist_names_scheme_host_and_port_together():
    host_only = Config(base_url="https://node.example", fetch_allowlist=("10.1.2.3", "localhost"))
    check_url("https://10.1.2.3/users/x", host_only)
    check_url("http://10.1.2.3/users/x", host_only)  # the scheme's default port
    check_url("https://localhost/x", host_only)
    for url in ("https://10.1.2.3:6379/", "http://10.1.2.3:443/", "https://localhost:6379/",
                "https://127.0.0.1/", "https://10.1.2.3:6379\\@localhost/", "https://10.1.2.4/"):
        with pytest.raises(UnsafeURL):
            check_url(url, host_only)
    with_port = Config(base_url="https://node.example", fetch_allowlist=("localhost:8443",))
    check_url("https://localhost:8443/x", with_port)
    check_url("http://localhost:8443/x", with_port)
    for url in ("https://localhost/x", "https://localhost:8444/x"):
        with pytest.raises(UnsafeURL):
            check_url(url, with_port)
    with_scheme = Config(base_url="https://node.example", fetch_allowlist=("https://localhost:8443",))
    check_url("https://localhost:8443/x", with_scheme)
    with pytest.raises(UnsafeURL):
        check_url("http://localhost:8443/x", with_scheme)


def test_member_nodes_of_the_registry_are_allowed_by_origin(tmp_path):
    from fedkit.rules.registry import write_registry

    path = tmp_path / "registry.json"
    write_registry(path, "g", [("fr", "https://node.example"), ("de", "http://10.0.0.5:8002")])
    config = Config(base_url="https://node.example", group_registry=str(path))
    check_url("http://10.0.0.5:8002/users/bob", config)
    for url in ("http://10.0.0.5:8003/users/bob", "https://10.0.0.5:8002/x", "http://10.0.0.5/x"):
        with pytest.raises(UnsafeURL):
            check_url(url, config)


def test_a_name_resolving_to_any_private_address_is_refused(monkeypatch):
    answers = {"mixed.test": ["93.184.215.14", "127.0.0.1"], "nat64.test": ["64:ff9b::a9fe:a9fe"]}
    monkeypatch.setattr(ssrf, "_getaddrinfo", lambda host, port, *a: [
        (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
        for ip in answers[host]])
    for name in answers:
        with pytest.raises(UnsafeURL, match="private"):
            check_url(f"https://{name}/x", PROD)


def test_is_private_sees_ipv4_inside_ipv6():
    assert not ssrf.is_private(ipaddress.ip_address("64:ff9b::808:808"))
    assert not ssrf.is_private(ipaddress.ip_address("2002:808:808::1"))
    for inner in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "192.168.1.1"):
        v4 = int(ipaddress.IPv4Address(inner))
        for form in (f"64:ff9b::{v4 >> 16:x}:{v4 & 0xffff:x}", f"2002:{v4 >> 16:x}:{v4 & 0xffff:x}::1",
                     f"::ffff:{inner}", f"::{inner}", f"::ffff:0:{inner}"):
            assert ssrf.is_private(ipaddress.ip_address(form)), form


# --- the connection goes where the guard looked -------------------------------------------

class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self):  # noqa: N802
        Recorder.seen.append({"host": self.headers.get("Host"), "path": self.path,
                              "sni": getattr(self.server, "last_sni", None)})
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def pinned_name(monkeypatch):
    """``pinned.test`` (a name the system cannot resolve) resolves to 127.0.0.1 for the guard only."""
    real = ssrf._getaddrinfo

    def fake(host, port, *args):
        if host == "pinned.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args)

    monkeypatch.setattr(ssrf, "_getaddrinfo", fake)
    Recorder.seen = []
    return "pinned.test"


@pytest.fixture(scope="module")
def key():
    private_pem, _ = generate_rsa_keypair()
    return "http://node.test/actor#main-key", private_pem


def test_plain_http_connects_to_the_vetted_address_with_the_name_as_host(pinned_name, key):
    server = _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder))
    try:
        port = server.server_address[1]
        resp = signed_get(f"http://{pinned_name}:{port}/users/a?page=1", DEV, key_id=key[0], private_pem=key[1])
        assert resp.status_code == 200 and resp.url == f"http://{pinned_name}:{port}/users/a?page=1"
        resp = signed_post(f"http://{pinned_name}:{port}/inbox", b"{}", DEV, key_id=key[0], private_pem=key[1])
        assert resp.status_code == 200
        assert Recorder.seen == [{"host": f"{pinned_name}:{port}", "path": "/users/a?page=1", "sni": None},
                                 {"host": f"{pinned_name}:{port}", "path": "/inbox", "sni": None}]
    finally:
        server.shutdown()
        server.server_close()


def _certificates(tmp_path, name: str):
    """A throw-away CA and a certificate for ``name`` signed by it (PEM files)."""
    now = dt.datetime.now(dt.UTC)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem) + leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return tmp_path / "ca.pem", tmp_path / "leaf.pem"


def test_tls_connects_to_the_vetted_address_and_checks_the_certificate_for_the_name(
        pinned_name, key, tmp_path, monkeypatch):
    ca, leaf = _certificates(tmp_path, pinned_name)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))  # trust the throw-away CA, like a private PKI
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(leaf)

    def remember_sni(sock, name, _ctx):
        server.last_sni = name

    context.sni_callback = remember_sni
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _serve(server)
    try:
        port = server.server_address[1]
        resp = signed_get(f"https://{pinned_name}:{port}/users/a", DEV, key_id=key[0], private_pem=key[1])
        assert resp.status_code == 200
        assert Recorder.seen == [{"host": f"{pinned_name}:{port}", "path": "/users/a", "sni": pinned_name}]
        # The certificate is checked against the name: the address alone does not pass.
        import requests
        with pytest.raises(requests.exceptions.SSLError):
            signed_get(f"https://127.0.0.1:{port}/users/a", DEV, key_id=key[0], private_pem=key[1])
    finally:
        server.shutdown()
        server.server_close()


def test_every_redirect_hop_is_checked(key):
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1\\@example.com/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect))
    try:
        with pytest.raises(UnsafeURL):
            signed_get(f"http://127.0.0.1:{server.server_address[1]}/x", DEV, key_id=key[0], private_pem=key[1])
    finally:
        server.shutdown()
        server.server_close()
