"""Mobility: an employee who moves to another subsidiary moves home node, and their
account moves with them (ActivityPub ``Move``, as Mastodon migrates an account).

The group's directory moves a person in two SCIM requests (scim_backend.py, the Archipel
extension ``MOBILITY_SCHEMA`` of the User):

1. at the new node (de), it creates the User with the same ``userName`` and ``externalId``
   and ``movedFrom`` = the old actor's id: the new Person says ``alsoKnownAs: [old]``
   (Mastodon's alias, the new end's consent to the move);
2. at the old node (fr), it sets ``movedTo`` = the new actor's id (a PATCH). ``move``
   below then checks the new actor names the old one in ``alsoKnownAs`` (as Mastodon does
   before it moves an account), and on the old node:

   - the account is marked moved (``Account.moved_to``): its actor document says
     ``movedTo`` (the client API's ``moved``), HTML requests for its profile are redirected
     to the new one (discovery.py), its posts stay readable and attributed;
   - it stops signing in here: its tokens are revoked, its web sessions end, password,
     OAuth and single sign-on refuse it (``Account.signs_in``; the group provider's
     ``home_node`` sends the person to the new node);
   - a ``Move {actor: old, object: old, target: new}``, signed with the old actor's key, goes
     to its followers' servers, to this node's own inbox and to every other member node.

Receiving inboxes (services/inbox/handlers/move.py; Mastodon does the same) check the Move
(its actor is its object, the target names the old actor in ``alsoKnownAs``) and move each
local follower: a Follow of the new actor, an Undo of the old follow. Each member node's
communities service replaces the old actor's memberships by the new actor's, with the same
role and state (services/communities/mobility.py), and the Group tells the new actor's node.

If the outbox cannot be reached the move is in force here, ``Account.move_unannounced``
stays set and ``AnnounceError`` is raised (the SCIM request answers 503): the directory's
retry of the same request announces it.
"""

from __future__ import annotations

import logging
import uuid

import requests

from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.actors import FetchError, fetch_json
from fedkit.protocol.vocab import ALSO_KNOWN_AS, MOVE, activity_url, as_list, id_of, local_actor_id
from fedkit.rules.registry import load_registry, origin_of
from fedkit.runtime import clock
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.identity import people_index
from services.identity.lifecycle import AnnounceError, known_by
from services.identity.models import Account, OAuthCode, OAuthToken

log = logging.getLogger(__name__)


class MoveRefused(ValueError):
    """The move cannot be made as asked (the message says why: a 4xx for the directory)."""


def check_target(config: Config, account: Account, target: str) -> None:
    """The new actor must be a Person on another member node of the group whose
    ``alsoKnownAs`` names this account's actor (Mastodon's ``MoveService`` checks the same)."""
    registry = load_registry(config)
    if origin_of(target) == origin_of(config.base_url) or registry.node_of(target) is None:
        raise MoveRefused("movedTo must be the account's actor on another member node of the group")
    try:
        document = fetch_json(target, config)
    except FetchError as exc:
        raise MoveRefused(f"the new actor {target} cannot be read ({exc})") from None
    old = local_actor_id(config.base_url, account.username)
    if id_of(document) != target or old not in [id_of(a) for a in as_list(document.get(ALSO_KNOWN_AS))]:
        raise MoveRefused(f"the new actor {target} does not name {old} in alsoKnownAs")


def move(config: Config, account: Account, target: str, *, by: str,
         internal: InternalClient | None = None) -> None:
    """Move the account to ``target`` (idempotent; see the module docstring). Raises
    MoveRefused (nothing done) or AnnounceError (done here, not yet federated)."""
    if account.suspended:
        raise MoveRefused("a closed account does not move")
    if account.moved_to and account.moved_to != target:
        raise MoveRefused(f"the account already moved to {account.moved_to}")
    if not account.moved_to:
        check_target(config, account, target)
        now = clock.now()
        Account.objects(username=account.username, moved_to=None).update_one(
            set__moved_to=target, set__move_unannounced=True, set__sessions_valid_after=now)
        revoked = OAuthToken.objects(username=account.username, revoked=False).update(set__revoked=True)
        OAuthCode.objects(username=account.username).delete()
        log.info("account %s moved to %s by %s (%d tokens revoked)", account.username, target, by, revoked or 0)
        account.reload()
        people_index.indexed(config, account.username)
    if account.move_unannounced:
        _announce(config, account, internal or InternalClient(config))


def move_activity(config: Config, account: Account) -> dict:
    """Mastodon's Move: ``{actor: old, object: old, target: new}``, to the old followers."""
    actor = local_actor_id(config.base_url, account.username)
    return {"id": activity_url(config.base_url, uuid.uuid4().hex), "type": MOVE, "actor": actor,
            "object": actor, "target": account.moved_to, "to": [f"{actor}/followers"],
            "published": clock.now_iso()}


def _announce(config: Config, account: Account, internal: InternalClient) -> None:
    try:
        recipients = known_by(config, account.username, internal)
        OutboxClient(internal).send_for_actor(move_activity(config, account), recipients)
    except (requests.RequestException, ValueError) as exc:
        log.warning("the move of %s is not announced yet: %s", account.username, exc)
        raise AnnounceError(f"{account.username}: the move is in force here but was not federated "
                            f"({type(exc).__name__}); call again to announce it") from exc
    Account.objects(username=account.username).update_one(set__move_unannounced=False)
    account.reload()
