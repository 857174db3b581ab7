"""Erasing a person (issue 12, "Personal data"): on an administrator's request, or by the
retention job for an account closed long enough where the group hides departed content.

``erase(config, username, by=..., reason=...)`` refuses an account under a legal hold
(services/identity/legal_hold.py) and otherwise, in steps recorded as they end (an
``Erasure``, collection ``erasures``, keyed by the account's pseudonym), so that a run
stopped midway (a crash, a service down) is finished by running it again:

1. ``close``: the account is closed here at once (lifecycle.deactivate: sign-in, tokens and
   web sessions die) without the federated suspension, and the servers that know it are
   written down (its remote followers and followees' servers, every member node): step 6
   tells them, after the follows are gone from this node;
2. to 5. each service that holds personal data erases its share (fedkit/contracts/erasure.py,
   in ``ERASING_SERVICES`` order): the outbox its posts (Tombstones), the api its files,
   bookmarks and markers, communities its memberships, the inbox its follows, likes,
   notifications and inbox, and pseudonymises its reports;
6. ``federate``: a ``Delete`` of the actor — Mastodon's account deletion
   (docs.joinmastodon.org/spec/activitypub/#Delete: a Delete whose object is the actor;
   Mastodon then removes everything of it). Member nodes get it from this node's instance
   actor (fedkit/rules/authority.py ``may_erase_actor``: they accept it even when they
   already refuse the closed account's own key); other servers from the actor itself;
7. ``identity``: the profile, directory attributes, credentials and sessions go; the trails
   (account changes, SCIM changes, charter acceptances, legal holds) keep their rows with
   the pseudonym instead of the name. The account's row stays (so its name is never given to
   someone else, and its actor answers as closed), with nothing personal left;
8. ``audit_trail``: the gateway's audit trail is the gateway's: ``deploy/retention.py``
   pseudonymises its rows at its next run and then ends the erasure (the username leaves
   the record).

The erasure itself is its trail: who asked, when, why, the pseudonym — never the name once
it is finished.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

import mongoengine as me

from fedkit.contracts.erasure import ERASING_SERVICES, ErasureClient
from fedkit.contracts.inbox import InboxClient
from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import DELETE, PUBLIC, activity_url, instance_actor_id, local_actor_id
from fedkit.rules.registry import load_registry, origin_of
from fedkit.runtime import clock
from fedkit.runtime.config import Config
from fedkit.runtime.db import Document
from fedkit.runtime.internal import InternalClient
from services.identity import legal_hold, lifecycle
from services.identity.erasure_share import erase_identity_share
from services.identity.models import Account

log = logging.getLogger(__name__)

CLOSE, FEDERATE, IDENTITY, AUDIT_TRAIL = "close", "federate", "identity", "audit_trail"
STEPS = (CLOSE, *ERASING_SERVICES, FEDERATE, IDENTITY, AUDIT_TRAIL)
REASON_MAX = 1000


class Erasure(Document):
    meta = {"collection": "erasures", "indexes": ["-requested_at", "finished_at"]}
    pseudonym = me.StringField(primary_key=True)
    username = me.StringField()  # only while unfinished: what a resumed run needs
    requested_at = me.DateTimeField(required=True)
    by = me.StringField(required=True)  # "admin:<name>" or "retention"
    reason = me.StringField(required=True)
    steps = me.DictField()  # {step: when it ended (ISO)}
    member_nodes = me.ListField(me.StringField())  # instance actors told by this node's instance actor
    others = me.ListField(me.StringField())  # actors outside the group told by the account itself
    finished_at = me.DateTimeField()

    def as_json(self) -> dict:
        return {"pseudonym": self.pseudonym, "requested_at": clock.iso(self.requested_at), "by": self.by,
                "reason": self.reason, "done": self.finished_at is not None,
                "steps": {s: ("done" if s in self.steps else "pending") for s in STEPS}}


class Held(Exception):
    def __init__(self, hold: legal_hold.LegalHold):
        super().__init__(hold.reason)
        self.hold = hold


def pseudonym_of(config: Config, username: str) -> str:
    """The name an erased account keeps in the trails: keyed by the node's secret, so that it
    is the same on every run and cannot be found again from a list of names."""
    digest = hmac.new(config.secret_key.encode(), username.encode(), hashlib.sha256).hexdigest()
    return f"erased-{digest[:16]}"


def erase(config: Config, username: str, *, by: str, reason: str,
          internal: InternalClient | None = None) -> Erasure | None:
    """Erase the account, or finish an erasure under way (see the module). None: no such
    account. Raises Held under a legal hold; a service that cannot be reached raises its
    error, the steps done so far stay done."""
    account = Account.objects(username=username).first()
    if account is None:
        return None
    hold = legal_hold.hold_of(username)
    if hold is not None:
        raise Held(hold)
    pseudonym = pseudonym_of(config, username)
    Erasure.objects(pseudonym=pseudonym).update_one(
        upsert=True, set_on_insert__requested_at=clock.now(), set_on_insert__by=by,
        set_on_insert__reason=reason, set_on_insert__steps={}, set_on_insert__username=username)
    record = Erasure.objects(pseudonym=pseudonym).first()
    internal = internal or InternalClient(config)
    for step in STEPS[:-1]:
        if step not in record.steps:
            _run_step(step, config, account, record, internal)
            record.update(**{f"set__steps__{step}": clock.now_iso()})
            record.reload()
    log.info("erasure %s: every step done here but the gateway's audit trail", pseudonym)
    return record


def finish_audit_trail(record: Erasure) -> None:
    """The gateway's trail is pseudonymised (deploy/retention.py): the erasure is finished and
    forgets the name."""
    record.update(**{f"set__steps__{AUDIT_TRAIL}": clock.now_iso()}, set__finished_at=clock.now(),
                  unset__username=True)


def _run_step(step: str, config: Config, account: Account, record: Erasure, internal: InternalClient) -> None:
    if step == CLOSE:
        member_nodes, others = _known_by(config, account.username, internal)
        record.update(set__member_nodes=member_nodes, set__others=others)
        record.reload()
        lifecycle.deactivate(config, account, by=f"erasure:{record.by}", announce=False)
    elif step in ERASING_SERVICES:
        erased = ErasureClient(internal).erase_share(step, account.username, record.pseudonym)
        log.info("erasure %s: %s erased %s", record.pseudonym, step, erased)
    elif step == FEDERATE:
        _federate(config, account.username, record, internal)
    elif step == IDENTITY:
        erase_identity_share(config, account.username, record.pseudonym)


def _known_by(config: Config, username: str, internal: InternalClient) -> tuple[list[str], list[str]]:
    """(member nodes' instance actors, actors outside the group) whose servers know the
    account: its remote followers and followees, one actor per server."""
    own = origin_of(config.base_url)
    nodes = {origin_of(n.base_url): n.instance_actor for n in load_registry(config).nodes}
    actor = local_actor_id(config.base_url, username)
    inbox = InboxClient(internal)
    followees = [e["actor"] for e in (inbox.follows_page(actor, "following", limit=1000) or [])]
    others: dict[str, str] = {}
    for remote in [*inbox.followers(username), *followees]:
        if isinstance(remote, str) and not is_local(remote, config.base_url) and origin_of(remote) not in nodes:
            others.setdefault(origin_of(remote), remote)
    return [a for o, a in nodes.items() if o != own], list(others.values())


def _federate(config: Config, username: str, record: Erasure, internal: InternalClient) -> None:
    """The actor's Delete (the ids are the erasure's, so a resumed run sends nothing twice:
    the outbox answers a known id as already sent)."""
    actor = local_actor_id(config.base_url, username)
    outbox = OutboxClient(internal)
    for signer, recipients, suffix in ((instance_actor_id(config.base_url), record.member_nodes, "group"),
                                       (actor, record.others, "others")):
        if recipients:
            outbox.send_for_actor({
                "id": activity_url(config.base_url, f"{record.pseudonym}-{suffix}"), "type": DELETE,
                "actor": signer, "object": actor, "to": [PUBLIC], "published": clock.now_iso()}, recipients)
    Account.objects(username=username).update_one(set__suspension_unannounced=False)
