"""Identity's AS2 documents: the Person of an account and the instance Application actor."""

from __future__ import annotations

from fedkit.protocol.sanitize import sanitize_html
from fedkit.protocol.vocab import (
    ALSO_KNOWN_AS,
    APPLICATION,
    MOVED_TO,
    PERSON,
    PERSON_CONTEXT,
    instance_actor_id,
    key_id_for,
    local_actor_id,
    shared_inbox_url,
    with_context,
)
from fedkit.runtime import clock
from fedkit.runtime.config import Config
from services.identity.directory_profile import profile_document


def person_json(account, public_pem: str, config: Config) -> dict:
    """The account's Person with its whole profile (services/identity/directory_profile.py);
    ``fedkit.rules.profile_view.outside_view`` gives what a reader outside the group sees."""
    actor = local_actor_id(config.base_url, account.username)
    return {
        "@context": PERSON_CONTEXT,
        "id": actor,
        "type": PERSON,
        "preferredUsername": account.username,
        "name": account.display_name or account.username,
        "summary": sanitize_html(account.summary),
        "url": actor,
        "inbox": f"{actor}/inbox",
        "outbox": f"{actor}/outbox",
        "followers": f"{actor}/followers",
        "following": f"{actor}/following",
        "manuallyApprovesFollowers": bool(account.locked),
        "discoverable": True,
        "published": clock.iso(account.created_at),
        "endpoints": {
            "sharedInbox": shared_inbox_url(config.base_url),
            "proxyUrl": f"{config.base_url}/proxy",
            "oauthAuthorizationEndpoint": f"{config.base_url}/oauth/authorize",
            "oauthTokenEndpoint": f"{config.base_url}/oauth/token",
        },
        "publicKey": {"id": key_id_for(actor), "owner": actor, "publicKeyPem": public_pem},
    } | profile_document(account, config.base_url) | _migration(account)


def _migration(account) -> dict:
    """Where the account moved (``movedTo``) and what it was before (``alsoKnownAs``),
    as Mastodon's actors say it (services/identity/mobility.py)."""
    terms = {}
    aliases, moved_to = getattr(account, "also_known_as", None), getattr(account, "moved_to", None)
    if aliases:
        terms[ALSO_KNOWN_AS] = list(aliases)
    if moved_to:
        terms[MOVED_TO] = moved_to
    return terms


def instance_actor_json(public_pem: str, config: Config) -> dict:
    actor = instance_actor_id(config.base_url)
    return with_context({
        "id": actor,
        "type": APPLICATION,
        "preferredUsername": config.host,
        "name": f"Archipel node {config.node_name}",
        "inbox": f"{actor}/inbox",
        "outbox": f"{actor}/outbox",
        "manuallyApprovesFollowers": True,
        "endpoints": {"sharedInbox": shared_inbox_url(config.base_url)},
        "publicKey": {"id": key_id_for(actor), "owner": actor, "publicKeyPem": public_pem},
    })
