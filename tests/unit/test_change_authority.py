"""Who may delete, edit or relay an object (fedkit/rules/authority.py), as tables; then the
inbox's Delete/Update/Announce handlers and the outbox's community removal applying
it in-process, on a real database (the other services are stubbed)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from fedkit.protocol.actors import CachedActor
from fedkit.protocol.vocab import parse_document
from fedkit.rules.authority import AUTHOR, COMMUNITY, may_delete, may_relay, may_update
from fedkit.runtime.config import Config

FR, DE, OUT = "http://fr.test", "http://de.test", "http://out.test"
ALICE, ALAIN = f"{FR}/users/alice", f"{FR}/users/alain"
BOB, BERTA = f"{DE}/users/bob", f"{DE}/users/berta"
MALLORY, FORUM = f"{OUT}/users/mallory", f"{OUT}/c/forum"
LOCAL_COMMUNITY = f"{FR}/communities/welding"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ALICES_NOTE = f"{FR}/objects/1"
GROUPS = {FORUM, LOCAL_COMMUNITY}


def is_group(actor: str) -> bool:
    return actor in GROUPS


# -- the rule, as tables --------------------------------------------------------------------

@pytest.mark.parametrize(("actor", "addressees", "expected"), [
    (ALICE, [PUBLIC], AUTHOR),  # the author
    (ALICE, [], AUTHOR),  # whoever the post went to
    (FORUM, [PUBLIC, FORUM], COMMUNITY),  # the Group it was addressed to (FEP-1b12)
    (LOCAL_COMMUNITY, [LOCAL_COMMUNITY], COMMUNITY),
    (FORUM, [PUBLIC], None),  # a Group it was not addressed to
    (FORUM, [f"{FORUM}/followers"], None),  # its followers are not the Group
    (MALLORY, [PUBLIC, MALLORY], None),  # a mentioned outsider: a Person, not a Group
    (BOB, [PUBLIC, BOB], None),  # a Person on a member node, mentioned
    (ALAIN, [PUBLIC], None),  # a colleague on the same node
    (None, [PUBLIC], None),
    ("", [PUBLIC, ""], None),
])
def test_who_may_delete_alices_post(actor, addressees, expected):
    assert may_delete(actor, author=ALICE, object_id=ALICES_NOTE, addressees=addressees,
                      is_group=is_group) == expected


def test_the_author_deletes_only_on_her_own_server():
    # a stored record claiming alice wrote an object on another host is not hers to delete
    assert may_delete(ALICE, author=ALICE, object_id=f"{OUT}/objects/9", addressees=[],
                      is_group=is_group) is None


def test_the_group_question_is_asked_only_when_it_matters():
    asked = []

    def counting(actor):
        asked.append(actor)
        return False

    may_delete(ALICE, author=ALICE, object_id=ALICES_NOTE, addressees=[MALLORY], is_group=counting)
    may_delete(MALLORY, author=ALICE, object_id=ALICES_NOTE, addressees=[PUBLIC], is_group=counting)
    assert asked == []  # the author needs no lookup; an actor not addressed neither
    may_delete(MALLORY, author=ALICE, object_id=ALICES_NOTE, addressees=[MALLORY], is_group=counting)
    assert asked == [MALLORY]


@pytest.mark.parametrize(("actor", "new_author", "object_id", "expected"), [
    (ALICE, ALICE, ALICES_NOTE, True),  # the author edits her post
    (ALICE, MALLORY, ALICES_NOTE, False),  # an edit never changes who wrote it
    (ALICE, None, ALICES_NOTE, False),
    (MALLORY, ALICE, ALICES_NOTE, False),  # someone else's edit in her name
    (MALLORY, MALLORY, ALICES_NOTE, False),  # or in theirs
    (FORUM, ALICE, ALICES_NOTE, False),  # a Group relays edits; it does not make them
    (ALICE, ALICE, f"{OUT}/objects/9", False),  # an object on another host
])
def test_who_may_edit_alices_post(actor, new_author, object_id, expected):
    assert may_update(actor, author=ALICE, object_id=object_id, new_author=new_author) is expected


@pytest.mark.parametrize(("relayer", "inner_actor", "author", "object_id", "addressees", "expected"), [
    (FORUM, ALICE, ALICE, ALICES_NOTE, [PUBLIC, FORUM], True),  # a member's post, addressed to it
    (FORUM, ALICE, ALICE, ALICES_NOTE, [PUBLIC], False),  # not addressed to that Group
    (FORUM, MALLORY, ALICE, ALICES_NOTE, [FORUM], False),  # an activity by someone else than the author
    (FORUM, ALICE, ALICE, f"{OUT}/objects/9", [FORUM], False),  # an object off the author's server
    (FORUM, ALICE, None, ALICES_NOTE, [FORUM], False),
    (BOB, BERTA, BERTA, f"{DE}/objects/2", [PUBLIC, BOB], False),  # a Person is no relay
    (MALLORY, ALICE, ALICE, ALICES_NOTE, [PUBLIC, MALLORY], False),
    (LOCAL_COMMUNITY, BOB, BOB, f"{DE}/objects/3", [LOCAL_COMMUNITY], True),
])
def test_who_may_relay(relayer, inner_actor, author, object_id, addressees, expected):
    assert may_relay(relayer, inner_actor=inner_actor, author=author, object_id=object_id,
                     addressees=addressees, is_group=is_group) is expected


# -- the inbox's handlers ---------------------------------------------------------------------

class StubInternal:
    """The outbox as the inbox sees it: records calls, answers with ``status``."""

    def __init__(self, status: int = 200):
        self.status = status
        self.calls: list[tuple[str, str, str, dict]] = []

    def request(self, method, service, path, **kwargs):
        import requests

        self.calls.append((method, service, path, kwargs.get("json")))
        resp = requests.Response()
        resp.status_code = self.status
        resp._content = b"{}"
        return resp

    def post_json(self, service, path, payload, **kwargs):
        self.calls.append(("POST", service, path, payload))
        return {}


@pytest.fixture
def config(db, infra):
    return Config(base_url=FR, dev_mode=True, mongodb_uri=infra.mongodb_uri, db_name=db)


def cache_actor(actor_id: str, actor_type: str) -> None:
    CachedActor(actor_id=actor_id, actor_type=actor_type, fetched_at=dt.datetime.now(dt.UTC),
                raw_json="{}").save()


def hold(object_id: str, author: str, **addressing) -> None:
    from services.inbox.objects import store_object

    store_object({"id": object_id, "type": "Note", "attributedTo": author, "content": "original",
                  **addressing})


def run(handler, config, activity: dict, internal=None) -> str:
    from services.inbox.context import HandlerContext

    ctx = HandlerContext(config=config, internal=internal or StubInternal(), activity=parse_document(activity),
                         stored_id=activity["id"])
    return handler(ctx)


def stored(object_id: str):
    from services.inbox.models import ReceivedObject

    return ReceivedObject.objects(object_id=object_id).first()


def delete_of(actor: str, object_id: str) -> dict:
    return {"id": f"{actor}/deletes/{object_id.rsplit('/', 1)[-1]}", "type": "Delete", "actor": actor,
            "to": [PUBLIC], "object": {"id": object_id, "type": "Tombstone"}}


def test_a_mentioned_person_cannot_delete_a_local_post(config):
    from services.inbox.handlers.delete import on_delete

    cache_actor(MALLORY, "Person")
    hold(ALICES_NOTE, ALICE, to=[PUBLIC], cc=[MALLORY])
    internal = StubInternal()
    assert run(on_delete, config, delete_of(MALLORY, ALICES_NOTE), internal) == "ignored"
    assert not stored(ALICES_NOTE).deleted and stored(ALICES_NOTE).raw["content"] == "original"
    assert internal.calls == []  # the outbox is not asked to remove anything


def test_a_mentioned_person_cannot_delete_a_received_remote_post(config):
    from services.inbox.handlers.delete import on_delete

    cache_actor(MALLORY, "Person")
    bobs = f"{DE}/objects/b1"
    hold(bobs, BOB, to=[PUBLIC], cc=[MALLORY])
    assert run(on_delete, config, delete_of(MALLORY, bobs)) == "ignored"
    assert not stored(bobs).deleted
    assert run(on_delete, config, delete_of(BOB, bobs)) == "processed"  # bob himself may
    assert stored(bobs).deleted


def test_a_group_removes_a_post_addressed_to_it_and_the_original_goes_too(config):
    from services.inbox.handlers.delete import on_delete

    cache_actor(FORUM, "Group")
    hold(ALICES_NOTE, ALICE, to=[PUBLIC], cc=[FORUM])
    internal = StubInternal()
    assert run(on_delete, config, delete_of(FORUM, ALICES_NOTE), internal) == "processed"
    assert stored(ALICES_NOTE).deleted
    assert [(c[1], c[2], c[3]) for c in internal.calls] == [
        ("outbox", "/internal/objects/remove", {"id": ALICES_NOTE, "community": FORUM})]


def test_a_group_cannot_remove_a_post_not_addressed_to_it(config):
    from services.inbox.handlers.delete import on_delete

    cache_actor(FORUM, "Group")
    hold(ALICES_NOTE, ALICE, to=[PUBLIC])
    internal = StubInternal()
    assert run(on_delete, config, delete_of(FORUM, ALICES_NOTE), internal) == "ignored"
    assert not stored(ALICES_NOTE).deleted and internal.calls == []


def test_a_local_post_stays_when_the_outbox_refuses_the_removal(config):
    from services.inbox.handlers.delete import on_delete

    hold(ALICES_NOTE, ALICE, to=[LOCAL_COMMUNITY])
    internal = StubInternal(status=403)
    assert run(on_delete, config, delete_of(LOCAL_COMMUNITY, ALICES_NOTE), internal) == "ignored"
    assert not stored(ALICES_NOTE).deleted


def test_an_update_by_anyone_but_the_author_is_ignored(config):
    from services.inbox.handlers.update import on_update

    cache_actor(MALLORY, "Person")
    bobs = f"{DE}/objects/b2"
    hold(bobs, BOB, to=[PUBLIC], cc=[MALLORY])
    for claimed in (BOB, MALLORY):
        update = {"id": f"{OUT}/updates/{claimed[-3:]}", "type": "Update", "actor": MALLORY, "to": [PUBLIC],
                  "object": {"id": bobs, "type": "Note", "attributedTo": claimed, "content": "defaced"}}
        assert run(on_update, config, update) == "ignored"
    # bob may edit, but not hand his post to someone else
    handover = {"id": f"{DE}/updates/u1", "type": "Update", "actor": BOB, "to": [PUBLIC],
                "object": {"id": bobs, "type": "Note", "attributedTo": BERTA, "content": "now berta's"}}
    assert run(on_update, config, handover) == "ignored"
    assert stored(bobs).raw["content"] == "original" and stored(bobs).attributed_to == BOB
    edit = {"id": f"{DE}/updates/u2", "type": "Update", "actor": BOB, "to": [PUBLIC],
            "object": {"id": bobs, "type": "Note", "attributedTo": BOB, "content": "edited"}}
    assert run(on_update, config, edit) == "processed"
    assert stored(bobs).raw["content"] == "edited"


def relay(relayer: str, inner: dict) -> dict:
    return {"id": f"{relayer}/announces/{inner['id'].rsplit('/', 1)[-1]}", "type": "Announce",
            "actor": relayer, "to": [PUBLIC], "object": inner}


def test_a_person_cannot_relay_someone_elses_post(config):
    """bob and berta share a server, so a relay by bob would be taken at its word
    (same origin): only his not being a Group stops it."""
    from services.inbox.handlers.announce import on_announce

    cache_actor(BOB, "Person")
    note = {"id": f"{DE}/objects/made-up", "type": "Note", "attributedTo": BERTA, "to": [PUBLIC, BOB],
            "content": "never written by berta"}
    create = {"id": f"{DE}/activities/c1", "type": "Create", "actor": BERTA, "to": [PUBLIC, BOB], "object": note}
    assert run(on_announce, config, relay(BOB, create)) == "ignored"
    assert stored(note["id"]) is None


def test_a_person_cannot_relay_a_delete_of_someone_elses_post(config):
    from services.inbox.handlers.announce import on_announce

    cache_actor(BOB, "Person")
    bertas = f"{DE}/objects/b3"
    hold(bertas, BERTA, to=[PUBLIC], cc=[BOB])
    delete = {"id": f"{DE}/activities/d1", "type": "Delete", "actor": BERTA, "to": [PUBLIC], "object": bertas}
    assert run(on_announce, config, relay(BOB, delete)) == "ignored"
    assert not stored(bertas).deleted


def test_a_group_relays_its_members_posts_and_deletes(config):
    from services.inbox.handlers.announce import on_announce

    group = f"{DE}/communities/choir"
    cache_actor(group, "Group")
    note = {"id": f"{DE}/objects/b4", "type": "Note", "attributedTo": BERTA, "to": [group], "content": "hello"}
    create = {"id": f"{DE}/activities/c4", "type": "Create", "actor": BERTA, "to": [group], "object": note}
    assert run(on_announce, config, relay(group, create)) == "processed"
    assert stored(note["id"]).raw["content"] == "hello"
    # someone else's activity about berta's post, relayed by the Group, is refused
    forged = {**create, "id": f"{DE}/activities/c5", "actor": BOB,
              "object": {**note, "content": "defaced"}}
    assert run(on_announce, config, relay(group, forged)) == "ignored"
    assert stored(note["id"]).raw["content"] == "hello"
    delete = {"id": f"{DE}/activities/d4", "type": "Delete", "actor": BERTA, "to": [group], "object": note["id"]}
    assert run(on_announce, config, relay(group, delete)) == "processed"
    assert stored(note["id"]).deleted


# -- the outbox's removal at a community's request ----------------------------------------------

@pytest.fixture
def outbox(config, rsa_keypair):
    from fedkit.runtime.keystore import store_key
    from services.outbox.app import create_app

    private_pem, public_pem = rsa_keypair  # the instance actor signs the outbox's fetches
    store_key(f"{FR}/actor", f"{FR}/actor#main-key", private_pem, public_pem)
    return create_app(config, broker=object()).test_client()


def local_object(object_id: str, addressees: list[str]) -> None:
    from services.outbox.models import LocalObject

    LocalObject(object_id=object_id, author=ALICE, addressees=addressees,
                raw={"id": object_id, "type": "Note", "attributedTo": ALICE, "content": "mine"}).save()


def removal(outbox, object_id: str, community: str):
    return outbox.post("/internal/objects/remove", json={"id": object_id, "community": community},
                       headers={"X-Archipel-Internal": "change-me"})


@pytest.mark.parametrize(("community", "addressed", "actor_type", "status"), [
    (FORUM, True, "Group", 200),  # a remote Group the post went to
    (LOCAL_COMMUNITY, True, None, 200),  # one of this node's communities
    (MALLORY, True, "Person", 403),  # a mentioned Person: not a Group
    (f"{FR}/users/alain", True, None, 403),  # a local Person
    (f"{FR}/communities/welding/followers", True, None, 403),
    (FORUM, False, "Group", 404),  # a Group the post did not go to
    ("http://127.0.0.1:1/users/ghost", True, None, 403),  # unknown and unreachable: not a Group
])
def test_the_outbox_removes_a_post_only_for_a_group_it_was_addressed_to(config, outbox, community, addressed,
                                                                          actor_type, status):
    from services.outbox.models import LocalObject

    if actor_type:
        cache_actor(community, actor_type)
    local_object(ALICES_NOTE, [PUBLIC] + ([community] if addressed else []))
    resp = removal(outbox, ALICES_NOTE, community)
    assert resp.status_code == status, resp.get_json()
    assert LocalObject.objects(object_id=ALICES_NOTE).get().deleted is (status == 200)


# -- the communities service: what its Group accepts from members ------------------------------

@pytest.fixture
def choir(config):
    from services.communities.models import Community, Membership

    community = Community(slug="choir", actor_id=f"{FR}/communities/choir", name="Choir", owner=ALICE,
                          openness="free").save()
    for actor in (BOB, BERTA):
        Membership(community="choir", actor=actor, state="member").save()
    return community


def to_choir(community, actor: str, kind: str, obj) -> str:
    """What the choir's Group answers to ``actor``'s activity addressed to it."""
    from services.communities.federation import handle

    activity = {"id": f"{actor}/activities/{kind}{uuid.uuid4().hex}", "type": kind, "actor": actor,
                "to": [community.actor_id], "object": obj}
    (outcome,) = handle(activity, Config(base_url=FR, dev_mode=True), StubInternal())
    return outcome


def test_a_member_posts_only_as_himself_and_at_his_own_servers_ids(config, choir):
    from services.communities.models import CommunityPost

    note = {"id": f"{DE}/objects/{uuid.uuid4().hex}", "type": "Note", "to": [choir.actor_id], "content": "hi"}
    assert to_choir(choir, BOB, "Create", {**note, "attributedTo": BERTA}) == "refused: not the author"
    squatted = {**note, "id": f"{FR}/objects/{uuid.uuid4().hex}", "attributedTo": BOB}
    assert to_choir(choir, BOB, "Create", squatted) == "refused: not the author"
    assert CommunityPost.objects.count() == 0
    assert to_choir(choir, BOB, "Create", {**note, "attributedTo": BOB}) == "announced"


def test_a_members_edit_cannot_hand_the_post_to_someone_else(config, choir):
    from services.communities.models import CommunityPost

    note = {"id": f"{DE}/objects/{uuid.uuid4().hex}", "type": "Note", "attributedTo": BOB,
            "to": [choir.actor_id], "content": "by bob"}
    assert to_choir(choir, BOB, "Create", note) == "announced"
    assert to_choir(choir, BOB, "Update", {**note, "attributedTo": BERTA, "content": "by berta?"}) == "ignored"
    assert to_choir(choir, BERTA, "Update", {**note, "attributedTo": BERTA, "content": "mine"}) == "ignored"
    assert to_choir(choir, BERTA, "Delete", note["id"]) == "ignored"
    post = CommunityPost.objects(object_id=note["id"]).get()
    assert post.raw["content"] == "by bob" and post.raw["attributedTo"] == BOB and not post.removed
    assert to_choir(choir, BOB, "Update", {**note, "content": "edited by bob"}) == "announced"
    assert to_choir(choir, BOB, "Delete", note["id"]) == "announced"
    post.reload()
    assert post.raw["content"] == "edited by bob" and post.removed
