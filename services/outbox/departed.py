"""Is this node's post shown although its author's account is closed?

A closed local account (services/identity/lifecycle.py) is a departed employee: with the
group's ``departed_content: keep`` its public, group, node and community posts are still
served, attributed to it (fedkit.rules.policy.kept_after_departure); its followers-only and
direct posts, and everything with ``hide``, are not (they come back if it reopens). Asked by
every outbox path that serves a stored post: ActivityPub GETs and the internal reads.
"""

from __future__ import annotations

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.local_ids import local_username
from fedkit.rules.community_facts import is_community_addressee
from fedkit.rules.policy import kept_after_departure
from fedkit.rules.registry import load_registry
from fedkit.runtime.config import Config
from fedkit.runtime.internal import internal_client


def author_open(actor: str, config: Config) -> bool:
    """Not a closed local account (anything not local is not the outbox's to say)."""
    username = local_username(actor, config.base_url)
    return username is None or IdentityClient(internal_client()).active_account(username) is not None


def post_shown(author: str, addressees: list[str], config: Config, open_authors: dict | None = None) -> bool:
    """May a post of ``author`` to ``addressees`` be served (the visibility policy asked
    apart)? ``open_authors`` remembers ``author_open`` across a page."""
    memo = open_authors if open_authors is not None else {}
    if author not in memo:
        memo[author] = author_open(author, config)
    if memo[author]:
        return True
    return kept_after_departure(list(addressees), config=config, registry=load_registry(config),
                                is_community=lambda a: is_community_addressee(a, config))
