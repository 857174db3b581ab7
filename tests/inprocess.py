"""The fast in-process test layer: one node, no process of its own.

The ``node`` fixture is the compact layout (deploy/compact_node.py: the gateway with the
four services mounted in-process by fedkit/runtime/inproc.py) built once per session on the
session's database and Redis (tests/plugin.py), emptied after every test. A test feeds
it what a remote server or a local user would send and drives the workers itself:

- ``node.deliver(activity, by=remote)`` — a delivery signed with a real key, through the
  gateway's signature check and the inbox's acceptance (answered 202, on the intake stream);
- ``node.publish(username, activity)`` — a local user's post, through the outbox's
  publisher (the service call the C2S endpoint and the workers make);
- ``node.run()`` — the workers in this process until nothing is left: the intake stream
  stored (``accept_batch``), each stored activity applied by its handler (the inbox
  worker's ``run_single_cycle``), each published activity fanned out (``fanout``, by
  ``fedkit.runtime.leases.run_single_cycle``); deliveries to remote inboxes are only attempted by
  ``node.send_deliveries()`` (the delivery worker's cycle: real HTTP, e.g. to the
  plugin's ``peer`` server).

Remote actors are seeded in the actor cache (their key, inbox and type), as the gateway
caches them when it first verifies them: nothing is fetched.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from fedkit.runtime import inproc

BASE = "http://fr.test"  # this node
MEMBER = "http://de.test"  # another member node of the group
OUTSIDE = "http://partner.test"  # a server outside the group
SECRET = "in-process-internal-secret"


@pytest.fixture(scope="session")
def local_keypair():
    """The key of this node's actors (one for all: generating RSA keys is what costs)."""
    from fedkit.protocol.keys import generate_rsa_keypair

    return generate_rsa_keypair()


@dataclasses.dataclass(frozen=True)
class RemoteActor:
    id: str
    private_pem: str
    inbox: str
    shared_inbox: str | None

    @property
    def key_id(self) -> str:
        return self.id + "#main-key"

    @property
    def followers(self) -> str:
        return self.id + "/followers"


class InProcessNode:
    """This node, its gateway behind a Flask test client, and its workers as functions."""

    def __init__(self, config, gateway, services, local_keypair, remote_keypair):
        from fedkit.runtime.internal import InternalClient

        self.config = config
        self.base = config.base_url
        self.gateway = gateway.test_client()
        self.services = services
        self.internal = InternalClient(config)
        self.broker = services["outbox"].extensions["archipel_broker"]
        self._local_keypair = local_keypair
        self._remote_keypair = remote_keypair

    # -- who is there --------------------------------------------------------------------
    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def local_user(self, username: str, *, locked: bool = False) -> str:
        """A local account with its key; returns its actor id."""
        from fedkit.protocol.vocab import key_id_for
        from fedkit.runtime import keystore
        from services.identity.models import Account

        Account(username=username, issuer="local", subject=username, locked=locked).save(force_insert=True)
        actor = self.actor(username)
        keystore.store_key(actor, key_id_for(actor), *self._local_keypair)
        self.reindex_person(username)
        return actor

    def reindex_person(self, username: str) -> None:
        """The account in the search index as it is now (a test that wrote it directly)."""
        from services.identity.people_index import indexed

        indexed(self.config, username)
        self.index()

    def remote_actor(self, actor_id: str, *, actor_type: str = "Person", inbox: str | None = None,
                     shared_inbox: str | None = None, followers: str | None = None) -> RemoteActor:
        """A remote actor as the actor cache holds it once verified (its public key, inbox,
        shared inbox, type); it signs with the plugin's ``rsa_keypair``."""
        import datetime as dt

        from fedkit.protocol.actors import CachedActor

        private_pem, public_pem = self._remote_keypair
        origin = actor_id.split("/", 3)
        inbox = inbox or actor_id + "/inbox"
        shared_inbox = shared_inbox if shared_inbox is not None else "/".join(origin[:3]) + "/inbox"
        remote = RemoteActor(actor_id, private_pem, inbox, shared_inbox or None)
        document = {"id": actor_id, "type": actor_type, "inbox": inbox, "followers": followers or remote.followers,
                    "publicKey": {"id": remote.key_id, "owner": actor_id, "publicKeyPem": public_pem}}
        CachedActor(actor_id=actor_id, key_id=remote.key_id, public_pem=public_pem, inbox=inbox,
                    shared_inbox=remote.shared_inbox, followers=followers or remote.followers,
                    actor_type=actor_type, raw_json=json.dumps(document), fetched_at=dt.datetime.now(dt.UTC)).save()
        return remote

    def community(self, slug: str, *, owner: str, openness: str = "free", visibility: str = "group",
                  members: tuple[str, ...] = ()) -> str:
        """A local community (Group actor with its key), its owner and ``members``; returns its id."""
        from fedkit.protocol.vocab import key_id_for
        from fedkit.runtime import keystore
        from services.communities.models import Community, Membership

        actor = f"{self.base}/communities/{slug}"
        keystore.store_key(actor, key_id_for(actor), *self._local_keypair)
        Community(slug=slug, actor_id=actor, name=slug, owner=owner, openness=openness,
                  visibility=visibility).save(force_insert=True)
        Membership(community=slug, actor=owner, role="owner", state="member").save()
        for member in members:
            Membership(community=slug, actor=member, state="member").save()
        self.reindex_community(slug)  # as the communities service does
        return actor

    def reindex_community(self, slug: str) -> None:
        """The community in the search index as it is now (a test that wrote it directly)."""
        from services.communities.models import Community
        from services.communities.search_index import indexed

        indexed(Community.objects(slug=slug).get(), self.config)
        self.index()

    def follows(self, follower: str, followee: str, state: str = "accepted") -> None:
        """A follow relation as the inbox records it once accepted (its counters kept)."""
        from services.inbox.follow_counts import set_state

        set_state(follower, followee, state=state)

    # -- what comes in ---------------------------------------------------------------------
    def deliver(self, activity: dict, *, by: RemoteActor, path: str = "/inbox", private_pem: str | None = None,
                body: bytes | None = None):
        """POST a delivery signed by ``by`` (draft-cavage, as Mastodon signs) through the
        gateway; returns the response. ``private_pem``: sign with another key (a forgery)."""
        from fedkit.protocol.httpsig import sign_request
        from fedkit.protocol.vocab import AP_CONTENT_TYPE

        body = body if body is not None else json.dumps(activity).encode()
        headers = sign_request("POST", self.base + path, key_id=by.key_id,
                               private_key_pem=private_pem or by.private_pem, body=body,
                               headers={"Content-Type": AP_CONTENT_TYPE})
        return self.gateway.post(path, data=body, headers=headers, base_url=self.base)

    def send(self, username: str, activity: dict):
        """Publish as a local user through the outbox service (the publisher, the data-loss
        prevention guard, the fan-out's queue); returns the service's response (the typed
        client's ``send_as`` raises on a refusal, which tests look at)."""
        from fedkit.contracts import outbox, path_of

        return self.internal.request("POST", outbox.SERVICE, path_of(outbox.SEND, username=username), json=activity)

    def publish(self, username: str, activity: dict) -> dict:
        """``send`` that must succeed; returns the activity as stored (bto/bcc included)."""
        from services.outbox.models import OutboxActivity
        from services.outbox.objects import embedded

        resp = self.send(username, activity)
        assert resp.status_code == 201, resp.text
        return embedded(OutboxActivity.objects(activity_id=resp.json()["id"]).get())

    # -- the workers -----------------------------------------------------------------------
    def run(self, rounds: int = 20) -> None:
        """Run the inbox and fan-out workers' functions until nothing is left to do."""
        for _ in range(rounds):
            if not (self._drain_intake() + self._apply_inbound() + self._fan_out() + self.index()):
                return
        raise AssertionError(f"the workers still had work after {rounds} rounds")

    def index(self) -> int:
        """The search indexer: apply what the index stream holds (services/search/indexer.py)."""
        from services.search import indexer

        broker = self.services["inbox"].extensions["archipel_broker"]
        return indexer.drain(broker.client, indexer.shared(self.config))

    def _drain_intake(self) -> int:
        from services.inbox import intake
        from services.inbox.storing import accept_batch

        broker = self.services["inbox"].extensions["archipel_broker"]
        total = 0
        while count := intake.drain_once(broker.client, self.config, lambda batch: accept_batch(batch, broker),
                                         consumer="tests", block_ms=None):
            total += count
        return total

    def _apply_inbound(self) -> int:
        from services.inbox.worker import run_single_cycle

        return run_single_cycle(self.config, self.internal)

    def _fan_out(self) -> int:
        """The delivery worker's fan-outs only: its deliveries are sent by ``send_deliveries``."""
        from fedkit.runtime import leases
        from services.outbox.fanout import FANOUT, fanout

        return leases.run_single_cycle((FANOUT, lambda activity_id: fanout(activity_id, self.config, self.internal,
                                                                            self.broker)))

    def send_deliveries(self) -> dict[str, str]:
        """One cycle of the delivery worker (signed HTTP POSTs); {inbox: state after}."""
        from services.outbox.worker import run_single_cycle

        run_single_cycle(self.config, self.internal, self.broker)
        return self.deliveries()

    # -- what a test looks at --------------------------------------------------------------
    def inbox_of(self, username: str) -> list[str]:
        """Activity ids in a local user's inbox, oldest first."""
        from services.inbox.models import InboxItem

        return [i.activity_id for i in InboxItem.objects(username=username).order_by("seq")]

    def outcome(self, activity_id: str) -> str:
        """What the inbox worker made of a stored activity (processed, ignored, …)."""
        from services.inbox.models import InboundActivity

        return InboundActivity.objects(activity_id=activity_id).get().state

    def received(self, object_id: str) -> dict | None:
        """The stored copy of a received object (its Tombstone once deleted)."""
        from services.inbox.models import ReceivedObject

        found = ReceivedObject.objects(object_id=object_id).first()
        return found.raw if found else None

    def deliveries(self, activity_id: str | None = None) -> dict[str, str]:
        """{target inbox: state} of the deliveries of one activity (or of all)."""
        from services.outbox.models import Delivery

        query = Delivery.objects(activity_id=activity_id) if activity_id else Delivery.objects()
        return {d.inbox: d.state for d in query}

    def sent_by(self, actor: str) -> list[dict]:
        """Activities the outbox stored for a local actor (a user or a community), oldest first."""
        from services.outbox.models import OutboxActivity
        from services.outbox.objects import embedded

        return [embedded(a) for a in OutboxActivity.objects(actor=actor).order_by("created_at")]


@pytest.fixture(scope="session")
def _node_apps(infra, session_db, tmp_path_factory):
    """The compact node's applications for a base URL, built once per session (they hold
    no state of their own): ``build(base_url) -> (gateway, services)``."""
    from deploy.compact_node import SERVICES, create_app, in_process_url
    from fedkit.rules.registry import write_registry
    from fedkit.runtime.config import Config

    built: dict[str, tuple] = {}

    def build(base_url: str):
        if base_url not in built:
            registry = tmp_path_factory.mktemp("inprocess-node") / "group-registry.json"
            members = [("fr", base_url)] + ([("de", MEMBER)] if base_url != MEMBER else [])
            write_registry(registry, "unit", members)
            config = Config(node_name="fr", base_url=base_url, mongodb_uri=infra.mongodb_uri, db_name=session_db,
                            redis_url=infra.redis_url, queue_prefix=session_db, internal_secret=SECRET,
                            secret_key="in-process-secret-key", dev_mode=True, group_registry=str(registry),
                            rate_limit_user=0, rate_limit_address=0, rate_limit_remote=0, rate_limit_member=0,
                            media_dir=str(tmp_path_factory.mktemp("media")),
                            search_dir=str(tmp_path_factory.mktemp("search")))
            gateway = create_app(config)
            built[base_url] = gateway, {name: inproc.app_for(in_process_url(name)) for name in SERVICES}
        return built[base_url]

    yield build
    inproc.unmount_all()
    for _gateway, services in built.values():
        for app in services.values():
            broker = app.extensions.get("archipel_broker")
            if broker is not None:
                broker.close()


@pytest.fixture
def node_at(db, _node_apps, local_keypair, rsa_keypair):
    """``node_at(base_url)``: this node in-process under that base URL (a real payload's
    host), empty but for its instance actor (see the module's docstring)."""
    from deploy.compact_node import in_process_url
    from fedkit.protocol.vocab import instance_actor_id, key_id_for
    from fedkit.runtime import keystore
    from gateway import audit

    def start(base_url: str) -> InProcessNode:
        gateway, services = _node_apps(base_url)
        for name, app in services.items():  # (again: another node or test may have replaced them)
            inproc.mount(in_process_url(name), app)
        config = gateway.config["ARCHIPEL"]
        instance = instance_actor_id(config.base_url)
        keystore.store_key(instance, key_id_for(instance), *local_keypair)
        return InProcessNode(config, gateway, services, local_keypair, rsa_keypair)

    yield start
    audit.flush()  # the gateway's audit trail is written now, not into the next test
    inproc.unmount_all()


@pytest.fixture
def node(node_at):
    """This node (``BASE``, a member of a group with ``MEMBER``) in-process."""
    return node_at(BASE)
