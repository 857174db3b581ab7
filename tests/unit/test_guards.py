"""SSRF guard and HTML sanitising."""

from __future__ import annotations

import pytest

from fedkit.protocol.sanitize import sanitize_html, text_to_html
from fedkit.rules.ssrf import UnsafeURL, check_url, vet_target
from fedkit.runtime.config import Config

PROD = Config(dev_mode=False)


@pytest.mark.parametrize("url", [
    "http://example.com/users/a",  # not https
    "https://127.0.0.1/users/a", "https://localhost/x", "https://10.1.2.3/x", "https://192.168.0.1/x",
    "https://[::1]/x", "https://169.254.169.254/latest/meta-data", "ftp://example.com/x", "https:///nohost",
])
def test_production_refuses_private_and_plain_http(url):
    with pytest.raises(UnsafeURL):
        check_url(url, PROD)


def test_allowlist_and_dev_mode():
    check_url("http://127.0.0.1:8002/users/bob", Config(dev_mode=True))
    check_url("https://10.1.2.3/users/x", Config(fetch_allowlist=("10.1.2.3",)))
    vet_target("http://node-de.internal:8000/x", Config(fetch_allowlist=("node-de.internal:8000",)))
    with pytest.raises(UnsafeURL):
        check_url("file:///etc/passwd", Config(dev_mode=True))


def test_sanitize_keeps_post_markup_and_drops_scripts():
    dirty = ('<p>Hi <a href="https://x.example/@a" onclick="steal()">@a</a> <script>alert(1)</script>'
             '<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a></p>')
    clean = sanitize_html(dirty)
    assert "<script" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "javascript:" not in clean and "<img" not in clean
    assert '<a href="https://x.example/@a" rel="nofollow noopener noreferrer">@a</a>' in clean


def test_plain_text_becomes_escaped_paragraphs():
    assert text_to_html("a < b\nc\n\nnext") == "<p>a &lt; b<br>c</p><p>next</p>"


def test_production_refuses_placeholder_secrets():
    with pytest.raises(RuntimeError, match="ARCHIPEL_INTERNAL_SECRET"):
        Config(dev_mode=False).check()
    Config(dev_mode=True).check()
    Config(dev_mode=False, internal_secret="s" * 32, secret_key="k" * 32).check(needs_secret_key=True)
    # the session key is identity's alone: the other processes start without it
    Config(dev_mode=False, internal_secret="s" * 32).check()
    with pytest.raises(RuntimeError, match="ARCHIPEL_SECRET_KEY"):
        Config(dev_mode=False, internal_secret="s" * 32).check(needs_secret_key=True)


def test_remote_document_cannot_claim_another_actor():
    """A key whose document claims another actor's id (here: a local one) proves nothing."""
    from fedkit.protocol.actors import FetchError, _cache_actor
    from fedkit.runtime.config import Config

    config = Config(base_url="http://node.test", dev_mode=True)
    bob = "http://node.test/users/bob"
    fake = {"type": "Person", "id": bob, "inbox": "http://evil.example/inbox",
            "publicKey": {"id": "http://evil.example/a#k", "owner": bob, "publicKeyPem": "x"}}
    with pytest.raises(FetchError):
        _cache_actor(fake, "http://evil.example/a", config)
    with pytest.raises(FetchError):
        _cache_actor({**fake, "id": "http://other.example/users/x"}, "http://evil.example/a", config)
