"""What the httpsig tests share: the vectors of ../shared/vectors, and a signer and a key resolver for round trips."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from fedkit.protocol.httpsig import SignatureError, sign_request, verify_request


def vectors_dir() -> Path:
    env = os.environ.get("ARCHIPEL_VECTORS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "vectors"


def load(name: str) -> dict:
    path = vectors_dir() / name
    if not path.exists():
        pytest.fail(f"test vectors not found: {path} (set ARCHIPEL_VECTORS_DIR)")
    return json.loads(path.read_text(encoding="utf-8"))


def ts(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
KID = "https://a.example/users/alice#main-key"
INBOX = "https://b.example:8443/users/bob/inbox"
BODY = b'{"type": "Create", "actor": "https://a.example/users/alice"}'


def pem_pair(key) -> tuple[str, str]:
    priv = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    pub = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return priv, pub


class Resolver:
    def __init__(self, cached, fresh=None):
        self.cached, self.fresh, self.calls = cached, fresh, []

    def __call__(self, key_id, refresh):
        self.calls.append((key_id, refresh))
        return self.fresh if refresh else self.cached


def signed_post(priv, **kw):
    return sign_request(
        "POST",
        INBOX,
        key_id=KID,
        private_key_pem=priv,
        body=BODY,
        headers={"Content-Type": "application/activity+json"},
        now=NOW,
        **kw,
    )


def expect(code, *args, resolver, **kw):
    with pytest.raises(SignatureError) as exc:
        verify_request(*args, resolve_key=resolver, **kw)
    assert exc.value.code == code
    return exc.value
