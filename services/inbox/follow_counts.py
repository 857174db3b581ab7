"""Followers, following and follow requests of an actor, kept on write.

Every change of a follow relation goes through ``set_state`` or ``remove``: each reads the
relation's previous state in the same atomic operation that changes it (findAndModify), so
the counters move by exactly the transition, whatever runs at the same time. Counters are
``$inc``'d only where they exist; a missing one is built from the relations on first read
(``$setOnInsert``, so it never overwrites one built meanwhile). Counting on read scanned
every follower of the actor, for every account shown on a page.
"""

from __future__ import annotations

from services.inbox.models import FOLLOW_ACCEPTED, FOLLOW_PENDING, FollowCount, FollowRelation


def _moved(follower: str, followee: str, state: str | None, delta: int) -> None:
    if state == FOLLOW_ACCEPTED:
        FollowCount.objects(actor=followee).update_one(inc__followers=delta)
        FollowCount.objects(actor=follower).update_one(inc__following=delta)
    elif state == FOLLOW_PENDING:
        FollowCount.objects(actor=followee).update_one(inc__requests=delta)


def _changed(follower: str, followee: str, before: str | None, after: str | None) -> None:
    if before != after:
        _moved(follower, followee, before, -1)
        _moved(follower, followee, after, +1)


def set_state(follower: str, followee: str, *, state: str | None = None, state_if_new: str | None = None,
              activity_id: str | None = None, upsert: bool = True, also: dict | None = None) -> None:
    """Upsert the relation (or, ``upsert=False``, change it only if it exists): ``state``
    always, or ``state_if_new`` only when it is created; ``activity_id`` names its Follow;
    ``also``: other fields to set (``{"notify": True}``)."""
    update = {"set__state": state} if state else {"set_on_insert__state": state_if_new}
    update.update({f"set__{name}": value for name, value in (also or {}).items()})
    if activity_id is not None:
        update["set__follow_activity_id"] = activity_id
    before = FollowRelation.objects(follower=follower, followee=followee).modify(upsert=upsert, new=False, **update)
    if before is None and not upsert:
        return
    previous = before.state if before is not None else None
    _changed(follower, followee, previous, state or previous or state_if_new)


def remove(**query) -> None:
    """Delete the relations matching ``query`` (e.g. ``id=``, ``follower=``), one at a time,
    each counted out in the state it was deleted in."""
    while (gone := FollowRelation.objects(**query).modify(remove=True)) is not None:
        _changed(gone.follower, gone.followee, gone.state, None)


def _shown(found: FollowCount) -> dict:
    return {"followers": found.followers, "following": found.following, "follow_requests": found.requests}


def counts_of_each(actors: list[str]) -> dict[str, dict]:
    """``counts_of`` of each actor, the counters that exist read in one query."""
    known = {found.actor: _shown(found) for found in FollowCount.objects(actor__in=list(actors))}
    return {actor: known[actor] if actor in known else counts_of(actor) for actor in actors}


def counts_of(actor: str) -> dict:
    """{"followers", "following", "follow_requests"} of an actor."""
    found = FollowCount.objects(actor=actor).first()
    if found is None:
        FollowCount.objects(actor=actor).update_one(
            upsert=True,
            set_on_insert__followers=FollowRelation.objects(followee=actor, state=FOLLOW_ACCEPTED).count(),
            set_on_insert__following=FollowRelation.objects(follower=actor, state=FOLLOW_ACCEPTED).count(),
            set_on_insert__requests=FollowRelation.objects(followee=actor, state=FOLLOW_PENDING).count())
        found = FollowCount.objects(actor=actor).first()
    return _shown(found)
