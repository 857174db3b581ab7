"""A local actor's number of posts is kept on write (services/outbox/post_counts.py), not
counted on read: it must never drift from the posts themselves — a post adds one, a
Delete takes one away once, whatever is repeated — and a missing counter is rebuilt."""

from __future__ import annotations

import pytest

from fedkit.contracts.outbox import OutboxClient


@pytest.fixture
def alice(node):
    node.local_user("alice")
    return node


def _posts_counted(author: str) -> int:
    from services.outbox.models import LocalObject

    return LocalObject.objects(author=author, deleted=False).count()


def _shown(node, author: str) -> int:
    """What the api shows (statuses_count comes from the outbox's STATS)."""
    return OutboxClient(node.internal).posts_of(author)


def test_the_counter_follows_posts_and_deletes(alice):
    from services.outbox.models import PostCount

    actor = alice.actor("alice")
    assert _shown(alice, actor) == 0
    ids = [alice.publish("alice", {"type": "Note", "content": f"post {i}"})["object"]["id"] for i in range(3)]
    alice.run()
    assert _shown(alice, actor) == _posts_counted(actor) == 3
    alice.publish("alice", {"type": "Delete", "object": ids[0]})
    alice.run()
    assert _shown(alice, actor) == _posts_counted(actor) == 2
    assert alice.send("alice", {"type": "Delete", "object": ids[0]}).status_code == 422  # gone already
    from services.outbox import objects
    from services.outbox.models import LocalObject

    objects.remove(LocalObject.objects(object_id=ids[0]).first())  # a repeated removal: counted out once only
    assert _shown(alice, actor) == _posts_counted(actor) == 2
    assert PostCount.objects(author=actor).first().posts == 2  # kept, not recounted


def test_a_missing_counter_is_rebuilt_from_the_posts(alice):
    from services.outbox.models import PostCount

    actor = alice.actor("alice")
    for i in range(2):
        alice.publish("alice", {"type": "Note", "content": f"post {i}"})
    PostCount.objects(author=actor).delete()  # posts written before counters were kept
    assert _shown(alice, actor) == 2
    alice.publish("alice", {"type": "Note", "content": "one more"})
    assert _shown(alice, actor) == _posts_counted(actor) == 3
