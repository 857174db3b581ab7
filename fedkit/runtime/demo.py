"""Conventions shared by the demo's parts (never used in production paths)."""

from __future__ import annotations

import uuid


def demo_subject(username: str) -> str:
    """The OIDC subject (``sub``) of a demo employee at the built-in group provider, so that
    the nodes' seeded accounts are keyed by the same (issuer, subject) as the directory."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:archipel:demo-employee:{username}"))


# The demo employees' roles in the group directory (the built-in provider's seed); a
# node's seeded accounts start with them, as a first sign-in would set them.
DEMO_ROLES = {
    "alice": ["node_admin", "community_creator"],
    "anna": ["node_admin", "community_creator"],  # an administrator who signs in with a one-time code
    "alain": ["community_creator", "auditor"],  # reads the audit trail (gateway/audit_api.py)
    "bob": ["moderator", "community_creator"],
    "berta": ["community_creator"],
}
DEFAULT_DEMO_ROLES = ["community_creator"]


def demo_roles(username: str) -> list[str]:
    return list(DEMO_ROLES.get(username, DEFAULT_DEMO_ROLES))
