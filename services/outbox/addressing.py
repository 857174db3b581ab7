"""Who an activity goes to: expanding the audience into target inboxes.

Local addressees are reached through the node's own inbox pipeline (one local
delivery); remote ones by HTTP, one delivery per inbox, the shared inbox preferred
so that 500 followers on one server cost one request.
"""

from __future__ import annotations

import logging

from fedkit.actors import FetchError, get_actor
from fedkit.config import Config
from fedkit.contracts.inbox import InboxClient
from fedkit.federation_policy import refused
from fedkit.internal import InternalClient
from fedkit.local_ids import is_local, local_username
from fedkit.policy import node_audience
from fedkit.registry import load_registry, origin_of
from fedkit.vocab import (
    ACCEPT,
    FOLLOW,
    LIKE,
    PUBLIC_ALIASES,
    REJECT,
    UNDO,
    audience_of,
    is_public,
    type_of,
)

log = logging.getLogger(__name__)


def followers_url(actor_id: str) -> str:
    return actor_id + "/followers"


def username_of(actor_id: str, config: Config) -> str | None:
    return local_username(actor_id, config.base_url)


def _followers_of(actor_id: str, config: Config, internal: InternalClient) -> list[str]:
    """Remote accepted followers of a local Person actor (none for other actors)."""
    username = username_of(actor_id, config)
    if username is None:
        return []
    followers = InboxClient(internal).followers(username)
    return [f for f in followers if not is_local(f, config.base_url)]


# Activities about relations and reactions, not content: they may cross the perimeter.
METADATA_TYPES = frozenset({FOLLOW, UNDO, ACCEPT, REJECT, LIKE})


def remote_recipient_actors(activity: dict, actor_id: str, config: Config, internal: InternalClient) -> list[str]:
    """Remote actor ids the activity is addressed to, the author's followers expanded.

    Audiences are not actors: the ``node`` audience keeps an activity on this node (no
    remote recipient at all); the ``group`` audience (when not also public) reaches the
    author's followers on member nodes and every other member node's instance actor (one
    copy at each member node's shared inbox), and never anything outside the group.
    """
    addressees = audience_of(activity)
    if node_audience(config.base_url) in addressees:
        return []
    registry = load_registry(config)
    group_only = registry.audience in addressees and not is_public(addressees)
    actors: dict[str, None] = {}
    for addressee in addressees:
        if addressee in PUBLIC_ALIASES or addressee in (registry.audience, followers_url(actor_id)):
            continue
        if not is_local(addressee, config.base_url):
            actors[addressee] = None  # a remote actor (remote collections are not expandable here)
    if group_only or followers_url(actor_id) in addressees:
        actors.update(dict.fromkeys(_followers_of(actor_id, config, internal)))
    if group_only:
        own = origin_of(config.base_url)
        actors.update(dict.fromkeys(n.instance_actor for n in registry.nodes if origin_of(n.base_url) != own))
        actors = {a: None for a in actors if registry.is_inside(a)}
    elif config.strict_perimeter and not is_public(addressees) and type_of(activity) not in METADATA_TYPES:
        # The group's perimeter: outside actors (partners) get public posts, and their
        # communities' activity from the Group itself — no followers-only or direct post.
        actors = {a: None for a in actors if registry.is_inside(a)}
    actors.pop(actor_id, None)
    return list(actors)


def target_inboxes(actor_ids: list[str], config: Config, personal: frozenset[str] = frozenset()) -> list[str]:
    """Shared inboxes where possible; ``personal`` actors (bto/bcc, which are stripped
    before delivery) get their own inbox so that their server knows they are addressed."""
    inboxes: dict[str, None] = {}
    for actor_id in actor_ids:
        try:
            actor = get_actor(actor_id, config)
        except FetchError as exc:
            log.info("no inbox for %s: %s", actor_id, exc)
            continue
        except Exception:  # one broken peer must never stop the rest of the fan-out
            log.exception("no inbox for %s", actor_id)
            continue
        if actor.suspended:  # closed at its origin: nothing more goes to it
            log.info("no delivery to %s: suspended", actor_id)
            continue
        inbox = actor.inbox if actor_id in personal else (actor.shared_inbox or actor.inbox)
        if refused(actor_id, config) or refused(inbox, config):  # blocked, or not on the allowlist
            log.info("no delivery to %s: refused by the federation policy", actor_id)
            continue
        if inbox:
            inboxes[inbox] = None
    return list(inboxes)
