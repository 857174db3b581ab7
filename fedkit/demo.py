"""Conventions shared by the demo's parts (never used in production paths)."""

from __future__ import annotations

import uuid


def demo_subject(username: str) -> str:
    """The OIDC subject (``sub``) of a demo employee at the built-in group provider, so that
    the nodes' seeded accounts are keyed by the same (issuer, subject) as the directory."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:archipel:demo-employee:{username}"))
