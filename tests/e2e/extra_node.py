"""A node of its own beside the session's group, with its own environment (a federation
policy, low rate limits): every process real, stopped at the end of the module."""

from __future__ import annotations

import contextlib

from deploy.processes import Node, NodeSpec, load_or_create_secrets
from deploy.supervision import free_port
from tests.plugin import TEST_NODE_ENV, NodeClient


@contextlib.contextmanager
def extra_node(group, name: str, users: tuple[str, ...], env: dict[str, str]):
    """Yield a NodeClient of a new node outside the group's registry (a group of one)."""
    secrets_ = load_or_create_secrets(group.infra.data_dir / "secrets.json")
    node = Node(NodeSpec(name, free_port(), users), group.infra, secrets_, {**TEST_NODE_ENV, **env}, 1)
    try:
        node.start()
        yield NodeClient(node, group.mongo, secrets_["demo_password"])
    finally:
        node.stop()
