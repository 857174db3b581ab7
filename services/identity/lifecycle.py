"""Account closure and reactivation, at once and everywhere.

``deactivate(config, account, by=...)`` (SCIM ``active: false`` or DELETE, an operator's
``manage deactivate``):

1. the account is marked suspended (one atomic update: a second call changes nothing):
   the token introspection the gateway runs on every request refuses its tokens, the login
   page and the OAuth grants refuse it, its actor document answers 410 Gone, WebFinger 404;
2. every OAuth token of the username is revoked and its authorization codes deleted; web
   sessions opened before now stop counting (``Account.sessions_valid_after``);
3. the change is federated the way Mastodon federates a suspension: an ``Update`` of the
   Person carrying ``"suspended": true`` (``toot:suspended``), signed with the account's
   own key by the delivery worker, to its followers' servers and to every other member
   node of the group (their instance actors' shared inboxes). The receiving inbox records
   the suspension on its cached actor: no key is resolved for it any more (no signed
   request from it is accepted), nothing is delivered to it, what it wrote is hidden;
4. an ``AccountChange`` record says who asked, when, and what it did.

``reactivate`` undoes it and federates ``"suspended": false``: receivers refetch the actor
(active again, it is served) and restore it. Revoked tokens stay revoked and old sessions
stay invalid: the person signs in again.

The Update is published through the outbox's ``/internal/actors/send`` (stored, then
fanned out to exactly the listed recipients): it does not go through the C2S publishing
path (which would address a Person's Update to its followers only and reads the actor
document, which answers 410 once the account is closed). The node keeps the account's key,
as Mastodon does, so that a reactivated account signs with the same key; what makes the
node stop acting as a closed account is that no path publishes for it any more (tokens
refused; the inbox worker does not answer follows to a suspended account).

If the outbox cannot be reached the local effects are in place all the same,
``Account.suspension_unannounced`` stays set and ``AnnounceError`` is raised: calling the
same function again (a SCIM client retries; an operator reruns the command) announces it.
"""

from __future__ import annotations

import logging
import uuid

import mongoengine as me
import requests

from fedkit.contracts.inbox import InboxClient
from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import FORMER_EMPLOYEE, PUBLIC, UPDATE, activity_url, local_actor_id
from fedkit.rules.profile_view import outside_view
from fedkit.rules.registry import load_registry, origin_of
from fedkit.runtime import clock, keystore
from fedkit.runtime.config import Config
from fedkit.runtime.db import Document
from fedkit.runtime.internal import InternalClient
from services.identity import people_index
from services.identity.converter import person_json
from services.identity.models import Account, OAuthCode, OAuthToken

log = logging.getLogger(__name__)

DEACTIVATE = "deactivate"
REACTIVATE = "reactivate"


class AccountChange(Document):
    """The audit trail of account closures and reactivations (identity-owned collection
    ``account_changes``): when, which account, which change, who asked (``scim``,
    ``admin:<name>``…), how many tokens were revoked and how many servers were told."""

    meta = {"collection": "account_changes", "indexes": ["-at", "username"]}
    at = me.DateTimeField(required=True)
    username = me.StringField(required=True)
    action = me.StringField(required=True, choices=(DEACTIVATE, REACTIVATE))
    by = me.StringField(required=True)
    tokens_revoked = me.IntField(default=0)
    announced_to = me.IntField()  # recipients of the federated Update; None: not announced yet


class AnnounceError(RuntimeError):
    """The account's change is in force on this node but was not handed to the outbox for
    federation; calling the same function again announces it."""


def deactivate(config: Config, account: Account, *, by: str, announce: bool = True) -> None:
    """Close the account at once and everywhere (idempotent). See the module docstring.
    ``announce=False``: here only; the caller federates the closure its own way (an erasure
    federates the account's Delete instead: services/identity/erasure.py)."""
    _apply(config, account, suspend=True, by=by, announce=announce)


def reactivate(config: Config, account: Account, *, by: str) -> None:
    """Undo ``deactivate`` (idempotent): the account works again and the group is told."""
    _apply(config, account, suspend=False, by=by)


def _apply(config: Config, account: Account, *, suspend: bool, by: str,
           internal: InternalClient | None = None, announce: bool = True) -> None:
    now = clock.now()
    updates = {"set__suspended": suspend, "set__suspension_unannounced": True}
    if suspend:
        updates.update(set__suspended_at=now, set__sessions_valid_after=now)
    else:
        updates["unset__suspended_at"] = True
    changed = bool(Account.objects(username=account.username, suspended=not suspend).update_one(**updates))
    revoked = _revoke_access(account.username) if suspend else 0
    account.reload()
    people_index.indexed(config, account.username)  # a closed account is found by nobody
    record = None
    if changed:
        record = AccountChange(at=now, username=account.username, by=by, tokens_revoked=revoked,
                               action=DEACTIVATE if suspend else REACTIVATE)
        record.save()
        log.info("account %s %sd by %s (%d tokens revoked)", account.username, record.action, by, revoked)
    if not announce or not account.suspension_unannounced or account.suspended != suspend:
        return
    try:
        count = _announce(config, account, internal or InternalClient(config))
    except (requests.RequestException, ValueError) as exc:
        log.warning("the %s of %s is not announced yet: %s", "suspension" if suspend else "reactivation",
                    account.username, exc)
        raise AnnounceError(f"{account.username}: the change is in force here but was not federated "
                            f"({type(exc).__name__}); call again to announce it") from exc
    # Cleared only if nobody changed it back meanwhile (that change announces itself).
    Account.objects(username=account.username, suspended=suspend).update_one(set__suspension_unannounced=False)
    account.reload()
    if record is not None:
        record.update(set__announced_to=count)


def _revoke_access(username: str) -> int:
    """Every token of the account refused from now on, no code can become one."""
    revoked = OAuthToken.objects(username=username, revoked=False).update(set__revoked=True)
    OAuthCode.objects(username=username).delete()
    return revoked or 0


def suspension_update(config: Config, account: Account) -> dict:
    """The ``Update`` of the account's Person that tells other servers its state: Mastodon's
    ``toot:suspended`` term, and for a closed account nothing of its profile but what a
    server needs to recognise it (Mastodon's ActorSerializer blanks an unavailable
    account's name and summary the same way)."""
    actor = local_actor_id(config.base_url, account.username)
    key = keystore.ActorKey.objects(actor_id=actor).only("public_pem").first()
    if key is None:
        raise ValueError(f"{actor} has no key on this node")
    if account.suspended:
        person = closed_person(config, account, key.public_pem)
    else:
        # As a reader outside the group sees it (followers may be outside); member nodes refetch it.
        person = {k: v for k, v in outside_view(person_json(account, key.public_pem, config),
                                                config.profile_public_fields).items() if k != "@context"}
        person["suspended"] = False
    return {
        "id": activity_url(config.base_url, uuid.uuid4().hex), "type": UPDATE, "actor": actor,
        "object": person, "to": [PUBLIC], "cc": [f"{actor}/followers"],
        "published": clock.now_iso(),
    }


# What a closed account's document keeps when the group keeps its content: enough to attribute
# its posts (its name) and to recognise it (its key: a peer that sees ``suspended`` accepts
# nothing signed with it, fedkit.protocol.actors.resolve_key); nothing of its profile.
_KEPT_OF_CLOSED = ("id", "type", "preferredUsername", "name", "url", "inbox", "outbox", "followers",
                   "following", "published", "icon", "publicKey")


def closed_person(config: Config, account: Account, public_pem: str) -> dict:
    """The Person of a closed account, in its suspension ``Update`` and as its actor document
    serves it (services/identity/discovery.py). ``"suspended": true`` (Mastodon's term): peers
    resolve no key for a suspended actor, so its key signs nothing more. With the
    group's ``departed_content: keep`` its name stays and ``formerEmployee: true`` tells member
    nodes to keep showing its public, group and community posts, marked
    (fedkit.rules.policy.kept_after_departure); with ``hide`` only its username is left."""
    person = person_json(account, public_pem, config)
    if load_registry(config).keeps_departed_content:
        closed = {k: person[k] for k in _KEPT_OF_CLOSED if k in person}
        closed.update({FORMER_EMPLOYEE: True})
    else:
        closed = {k: v for k, v in outside_view(person, config.profile_public_fields).items() if k != "@context"}
        closed["name"] = account.username
    closed.update(suspended=True, summary="", discoverable=False)
    return closed


def known_by(config: Config, username: str, internal: InternalClient) -> list[str]:
    """Remote actors whose servers know the account: its remote followers and every other
    member node of the group (its instance actor; one copy per server's shared inbox)."""
    own = origin_of(config.base_url)
    followers = [f for f in InboxClient(internal).followers(username)
                 if isinstance(f, str) and not is_local(f, config.base_url)]
    nodes = [n.instance_actor for n in load_registry(config).nodes if origin_of(n.base_url) != own]
    return list(dict.fromkeys(followers + nodes))


def _announce(config: Config, account: Account, internal: InternalClient) -> int:
    recipients = known_by(config, account.username, internal)
    OutboxClient(internal).send_for_actor(suspension_update(config, account), recipients)
    return len(recipients)
