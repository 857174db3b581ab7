"""Asking every other member node of the group at once: the group-wide queries (people
directory, expert finder, dynamic communities' members, usage figures) each send one
signed request to each member node and take what answered in time."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fedkit.rules.registry import MemberNode, load_registry
from fedkit.runtime import keystore
from fedkit.runtime.config import Config

T = TypeVar("T")
MAX_AT_ONCE = 8


def ask_other_members(config: Config, signer: str,
                      ask: Callable[[MemberNode, str, str], T]) -> list[tuple[MemberNode, T]]:
    """Each other member node with its answer to ``ask(node, key_id, private_pem)`` — the key
    of ``signer`` (an actor of this node: the user asking, or the instance actor) — asked in
    parallel. ``ask`` answers None for a node that did not answer."""
    others = [node for node in load_registry(config).nodes if node.base_url != config.base_url]
    if not others:
        return []
    key_id, private_pem = keystore.signing_key(signer)
    with ThreadPoolExecutor(max_workers=min(MAX_AT_ONCE, len(others))) as pool:
        answers = list(pool.map(lambda node: ask(node, key_id, private_pem), others))
    return list(zip(others, answers, strict=True))
