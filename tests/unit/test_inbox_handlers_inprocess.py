"""Each inbox handler (services/inbox/handlers/*) in-process (tests/inprocess.py): a
signed delivery through the gateway and acceptance, the worker's processing function,
and what was stored — including what each handler must refuse. The recorded payloads
of other servers are run in test_fixture_payloads.py."""

from __future__ import annotations

import pytest

from fedkit.protocol.vocab import PUBLIC
from services.inbox.models import FollowRelation, Interaction, Notification
from services.outbox.models import LocalObject
from tests.inprocess import MEMBER, OUTSIDE

BOB, BERTA = f"{MEMBER}/users/bob", f"{MEMBER}/users/berta"
GROUP = f"{MEMBER}/communities/dev"  # a community on the member node


@pytest.fixture
def fr(node):
    """alice and amelie (local); bob and berta (de) and de's community ``dev``."""
    node.local_user("alice")
    node.local_user("amelie")
    node.bob = node.remote_actor(BOB)
    node.berta = node.remote_actor(BERTA)
    node.group = node.remote_actor(GROUP, actor_type="Group")
    return node


def note(actor: str, n: int, **addressing) -> dict:
    """A Create of a Note by ``actor``, addressed as given (the object too)."""
    origin = actor.split("/users/")[0].split("/communities/")[0]
    obj = {"id": f"{origin}/objects/{n}", "type": "Note", "attributedTo": actor, "content": f"post {n}",
           **addressing}
    return {"id": f"{origin}/activities/{n}", "type": "Create", "actor": actor, "object": obj, **addressing}


def delivered(node, activity: dict, by) -> str:
    resp = node.deliver(activity, by=by)
    assert resp.status_code == 202, resp.get_data(as_text=True)
    node.run()
    return node.outcome(activity["id"])


# -- Create ------------------------------------------------------------------------------
def test_create_in_someone_elses_name_is_ignored(fr):
    forged = note(BOB, 1, to=[fr.actor("alice")])
    forged["object"]["attributedTo"] = BERTA  # bob signs a post "by" berta
    assert delivered(fr, forged, fr.bob) == "ignored"
    assert fr.received(forged["object"]["id"]) is None and fr.inbox_of("alice") == []


def test_create_cannot_overwrite_another_authors_object(fr):
    delivered(fr, note(BOB, 1, to=[fr.actor("alice")]), fr.bob)
    squat = note(BOB, 1, to=[fr.actor("alice")])
    squat["id"] = f"{MEMBER}/activities/squat"
    squat["actor"] = squat["object"]["attributedTo"] = BERTA
    assert delivered(fr, squat, fr.berta) == "ignored"
    assert fr.received(f"{MEMBER}/objects/1")["attributedTo"] == BOB


def test_a_delivery_signed_with_another_key_is_refused_at_the_gateway(fr, local_keypair):
    resp = fr.deliver(note(BOB, 1, to=[PUBLIC]), by=fr.bob, private_pem=local_keypair[0])
    assert resp.status_code == 401
    fr.run()
    assert fr.received(f"{MEMBER}/objects/1") is None


# -- Update ------------------------------------------------------------------------------
def test_update_by_the_author_replaces_the_post_and_by_anyone_else_is_ignored(fr):
    create = note(BOB, 1, to=[fr.actor("alice")])
    delivered(fr, create, fr.bob)
    edited = dict(create["object"], content="edited")
    assert delivered(fr, {"id": f"{MEMBER}/u/1", "type": "Update", "actor": BOB, "object": edited,
                          "to": [fr.actor("alice")]}, fr.bob) == "processed"
    assert fr.received(edited["id"])["content"] == "edited"
    hijack = dict(edited, content="hijacked", attributedTo=BERTA)
    assert delivered(fr, {"id": f"{MEMBER}/u/2", "type": "Update", "actor": BERTA, "object": hijack}, fr.berta) \
        == "ignored"
    assert fr.received(edited["id"])["content"] == "edited"


# -- Delete ------------------------------------------------------------------------------
def test_delete_by_someone_else_than_the_author_is_ignored(fr):
    create = note(BOB, 1, to=[fr.actor("alice")])
    delivered(fr, create, fr.bob)
    assert delivered(fr, {"id": f"{MEMBER}/d/1", "type": "Delete", "actor": BERTA,
                          "object": create["object"]["id"]}, fr.berta) == "ignored"
    assert fr.received(create["object"]["id"])["type"] == "Note"


def test_a_community_removes_a_local_post_addressed_to_it_here_and_at_the_outbox(fr):
    posted = fr.publish("alice", {"type": "Note", "content": "to the community", "to": [GROUP]})
    fr.run()
    note_id = posted["object"]["id"]
    assert fr.received(note_id)["type"] == "Note"
    assert delivered(fr, {"id": f"{MEMBER}/d/2", "type": "Delete", "actor": GROUP, "object": note_id,
                          "to": [f"{GROUP}/followers"]}, fr.group) == "processed"
    assert fr.received(note_id)["type"] == "Tombstone"
    assert LocalObject.objects(object_id=note_id).get().deleted  # the original, at the outbox


# -- Follow, Accept, Reject, Undo ---------------------------------------------------------
def test_a_follow_of_a_locked_account_waits_for_its_answer(fr):
    fr.local_user("arno", locked=True)
    follow = {"id": f"{MEMBER}/f/1", "type": "Follow", "actor": BOB, "object": fr.actor("arno")}
    assert delivered(fr, follow, fr.bob) == "processed"
    assert FollowRelation.objects(follower=BOB).get().state == "pending"
    assert fr.inbox_of("arno") == [follow["id"]] and fr.sent_by(fr.actor("arno")) == []  # no Accept yet


def test_a_follow_of_nobody_here_is_ignored(fr):
    follow = {"id": f"{MEMBER}/f/2", "type": "Follow", "actor": BOB, "object": fr.actor("nobody")}
    assert delivered(fr, follow, fr.bob) == "ignored"
    assert FollowRelation.objects.count() == 0


def test_reject_of_our_follow_removes_it_and_tells_the_follower(fr):
    follow = fr.publish("alice", {"type": "Follow", "object": BOB})
    fr.run()
    assert FollowRelation.objects(follower=fr.actor("alice"), followee=BOB).get().state == "pending"
    reject = {"id": f"{MEMBER}/r/1", "type": "Reject", "actor": BOB, "object": follow["id"]}
    assert delivered(fr, reject, fr.bob) == "processed"
    assert FollowRelation.objects(follower=fr.actor("alice")).count() == 0
    assert fr.inbox_of("alice") == [reject["id"]]


def test_only_the_followee_answers_a_follow(fr):
    follow = fr.publish("alice", {"type": "Follow", "object": BOB})
    fr.run()
    for kind in ("Accept", "Reject"):
        answer = {"id": f"{MEMBER}/{kind}", "type": kind, "actor": BERTA, "object": follow["id"]}
        assert delivered(fr, answer, fr.berta) == "ignored"
    assert FollowRelation.objects(follower=fr.actor("alice")).get().state == "pending"


def test_undo_by_another_actor_changes_nothing(fr):
    follow = {"id": f"{MEMBER}/f/3", "type": "Follow", "actor": BOB, "object": fr.actor("alice")}
    delivered(fr, follow, fr.bob)
    undo = {"id": f"{MEMBER}/undo/1", "type": "Undo", "actor": BERTA, "object": follow}
    assert delivered(fr, undo, fr.berta) == "ignored"
    assert FollowRelation.objects(follower=BOB).get().state == "accepted"


def test_an_undo_that_overtakes_its_follow_wins(fr):
    """Deliveries may arrive out of order (a retried Follow after its Undo): the late
    Follow must not bring back a relation its author already undid."""
    follow = {"id": f"{MEMBER}/f/4", "type": "Follow", "actor": BOB, "object": fr.actor("alice")}
    undo = {"id": f"{MEMBER}/undo/2", "type": "Undo", "actor": BOB, "object": follow}
    assert delivered(fr, undo, fr.bob) == "processed"
    assert delivered(fr, follow, fr.bob) == "ignored"
    assert FollowRelation.objects(follower=BOB).count() == 0
    assert fr.sent_by(fr.actor("alice")) == []  # no Accept for a Follow already undone


def test_our_own_late_follow_copy_does_not_revive_an_unfollow(fr):
    """The peer's Accept can record alice's relation from the stored copy of her Follow
    before the worker applies that copy; if she unfollows in between, applying the copy
    late (or again, on a retry) must not bring the relation back."""
    from fedkit.protocol.vocab import parse_document
    from services.inbox.context import HandlerContext
    from services.inbox.handlers.follow import on_follow

    follow = fr.publish("alice", {"type": "Follow", "object": BOB})
    fr.run()
    accept = {"id": f"{MEMBER}/a/1", "type": "Accept", "actor": BOB, "object": follow["id"]}
    assert delivered(fr, accept, fr.bob) == "processed"
    fr.publish("alice", {"type": "Undo", "object": follow})
    fr.run()
    assert FollowRelation.objects(follower=fr.actor("alice")).count() == 0
    late = HandlerContext(config=fr.config, internal=fr.internal, activity=parse_document(follow),
                          also_to=(), stored_id=follow["id"], plan=None)
    assert on_follow(late) == "ignored"
    assert FollowRelation.objects(follower=fr.actor("alice")).count() == 0


# -- Like, Announce ------------------------------------------------------------------------
def test_a_like_of_a_local_post_notifies_its_author(fr):
    posted = fr.publish("alice", {"type": "Note", "content": "likeable", "to": [PUBLIC]})
    fr.run()
    like = {"id": f"{MEMBER}/l/1", "type": "Like", "actor": BOB, "object": posted["object"]["id"]}
    assert delivered(fr, like, fr.bob) == "processed"
    assert Interaction.objects(kind="Like", actor=BOB).get().object_id == posted["object"]["id"]
    assert fr.inbox_of("alice") == [like["id"]]


def notified(username: str) -> list[tuple[str, str, str | None]]:
    """(type, actor, object id) of a local user's notifications, oldest first."""
    return [(n.type, n.actor, n.object_id) for n in Notification.objects(username=username).order_by("seq")]


def test_likes_boosts_and_follows_are_notified_once(fr):
    posted = fr.publish("alice", {"type": "Note", "content": "notable", "to": [PUBLIC]})
    fr.run()
    post = posted["object"]["id"]
    like = {"id": f"{MEMBER}/l/2", "type": "Like", "actor": BOB, "object": post}
    boost = {"id": f"{MEMBER}/a/9", "type": "Announce", "actor": BOB, "object": post, "to": [PUBLIC]}
    follow = {"id": f"{MEMBER}/f/9", "type": "Follow", "actor": BERTA, "object": fr.actor("alice")}
    for activity in (like, boost, follow):
        assert delivered(fr, activity, fr.bob if activity["actor"] == BOB else fr.berta) == "processed"
    delivered(fr, {**follow, "id": f"{MEMBER}/f/10"}, fr.berta)  # a re-sent Follow: no second notification
    assert notified("alice") == [("favourite", BOB, post), ("reblog", BOB, post), ("follow", BERTA, None)]
    assert notified("amelie") == []


def test_a_mention_is_notified_to_whom_it_reaches_only(fr):
    mention = [{"type": "Mention", "href": fr.actor("alice")}, {"type": "Mention", "href": fr.actor("amelie")}]
    # Addressed to alice only, though it names amelie too: amelie may not see it, nor hears of it.
    create = note(BOB, 11, to=[fr.actor("alice")])
    create["object"]["tag"] = mention
    assert delivered(fr, create, fr.bob) == "processed"
    assert notified("alice") == [("mention", BOB, create["object"]["id"])]
    assert notified("amelie") == []


def test_own_likes_notify_nobody(fr):
    posted = fr.publish("alice", {"type": "Note", "content": "mine", "to": [PUBLIC]})
    fr.run()
    fr.publish("alice", {"type": "Like", "object": posted["object"]["id"]})
    fr.publish("amelie", {"type": "Like", "object": posted["object"]["id"]})
    fr.run()
    assert notified("alice") == [("favourite", fr.actor("amelie"), posted["object"]["id"])]


def test_a_community_relay_shows_the_post_to_its_local_members(fr):
    """A Group of a member node Announces a member's post to it (FEP-1b12): taken at its
    word, the post is stored and its local follower (member) alice sees it."""
    fr.follows(fr.actor("alice"), GROUP)
    inner = note(BERTA, 7, to=[GROUP], cc=[f"{GROUP}/followers"])
    announce = {"id": f"{MEMBER}/a/1", "type": "Announce", "actor": GROUP, "object": inner,
                "to": [f"{GROUP}/followers"]}
    assert delivered(fr, announce, fr.group) == "processed"
    assert fr.received(inner["object"]["id"])["content"] == "post 7"
    assert fr.inbox_of("alice") == [announce["id"]] and fr.inbox_of("amelie") == []


def test_a_person_relays_nothing(fr):
    fr.follows(fr.actor("alice"), BOB)
    inner = note(BERTA, 8, to=[BOB])
    announce = {"id": f"{MEMBER}/a/2", "type": "Announce", "actor": BOB, "object": inner, "to": [PUBLIC]}
    assert delivered(fr, announce, fr.bob) == "ignored"
    assert fr.received(inner["object"]["id"]) is None and fr.inbox_of("alice") == []


def test_an_outside_group_relaying_an_unverifiable_post_is_refused(fr):
    """Neither on a member node nor on the author's server: its relay is checked at the
    post's origin, which does not answer. (On the author's own server it is believed.)"""
    outside_group = fr.remote_actor(f"{OUTSIDE}/communities/x", actor_type="Group")
    fr.follows(fr.actor("alice"), outside_group.id)
    inner = note("http://elsewhere.test/users/zoe", 9, to=[outside_group.id])
    announce = {"id": f"{OUTSIDE}/a/3", "type": "Announce", "actor": outside_group.id, "object": inner,
                "to": [f"{outside_group.id}/followers"]}
    assert delivered(fr, announce, outside_group) == "ignored"
    assert fr.received(inner["object"]["id"]) is None


# -- Invite, Accept(Invite) ------------------------------------------------------------------
def test_an_invitation_reaches_its_invitee_who_joins_by_accepting_it(fr):
    invite = {"id": f"{MEMBER}/i/1", "type": "Invite", "actor": GROUP, "object": GROUP,
              "target": fr.actor("alice"), "to": [fr.actor("alice")]}
    assert delivered(fr, invite, fr.group) == "processed"
    assert fr.inbox_of("alice") == [invite["id"]] and fr.inbox_of("amelie") == []
    accept = fr.publish("alice", {"type": "Accept", "object": invite["id"]})
    assert accept["object"]["id"] == invite["id"] and accept["to"] == [GROUP]
    fr.run()
    assert FollowRelation.objects(follower=fr.actor("alice"), followee=GROUP).get().state == "accepted"
    assert fr.deliveries(accept["id"]) == {f"{MEMBER}/inbox": "queued"}


def test_an_invitation_for_someone_else_is_ignored(fr):
    invite = {"id": f"{MEMBER}/i/2", "type": "Invite", "actor": GROUP, "object": GROUP,
              "target": fr.actor("amelie"), "to": [fr.actor("alice")]}
    assert delivered(fr, invite, fr.group) == "ignored"
    assert fr.inbox_of("alice") == fr.inbox_of("amelie") == []
