"""Posts by their words, for the client API's status search (search_api.py): the node's
full-text index (services/search, through its contract) finds them among the audiences
the reader belongs to — a tantivy boolean query — and the inbox then re-checks each with
the visibility policy (reading.py) before it is shown: belt and braces.

The reader's audiences, as fedkit.rules.policy counts them: public posts; the group's
audience inside the group; the node's audience for its own users; the reader's own
address; this node's communities whose posts they may read, joined or not (the
communities service says); and, for
every actor the reader follows (accepted) — people and communities of other nodes alike
(joining a community is following its Group) — that actor and its followers collection.
Posts the reader wrote are found too.
"""

from __future__ import annotations

from fedkit.contracts.communities import CommunitiesClient
from fedkit.contracts.search import PUBLIC_AUDIENCE, SearchClient
from fedkit.protocol.local_ids import is_local
from fedkit.rules.policy import LOCAL, Viewer, node_audience
from fedkit.rules.registry import load_registry
from fedkit.runtime.config import Config
from fedkit.runtime.internal import internal_client
from services.inbox.models import FOLLOW_ACCEPTED, FollowRelation
from services.inbox.reading import followers_collection_of

MAX_FOLLOWED = 5000  # followed actors whose audiences a query names, at most


def audiences_of(viewer: Viewer, config: Config) -> list[str]:
    found = [PUBLIC_AUDIENCE]
    if viewer.in_group:
        found.append(load_registry(config).audience)
    if viewer.kind == LOCAL:
        found.append(node_audience(config.base_url))
    # this node's communities whose posts they may read, joined or not (communities service)
    for community in CommunitiesClient(internal_client()).readable_by(viewer.actor, viewer.kind):
        found += [community, community + "/followers"]
    if viewer.actor:
        found.append(viewer.actor)
        followed = FollowRelation.objects(follower=viewer.actor, state=FOLLOW_ACCEPTED).only("followee")
        for relation in followed.limit(MAX_FOLLOWED):
            found += [relation.followee, relation.followee + "/followers"]
            if not is_local(relation.followee, config.base_url):
                collection = followers_collection_of(relation.followee)
                if collection:
                    found.append(collection)
    return list(dict.fromkeys(a for a in found if a))


def matching_ids(q: str, viewer: Viewer, config: Config, *, author: str | None = None,
                 tag_prefix: str | None = None, wanted: int) -> list[str]:
    """Ids of up to ``wanted`` posts whose words match ``q`` (with a hashtag starting with
    ``tag_prefix``) among the reader's audiences, newest first."""
    return SearchClient(internal_client()).posts(q, audience=audiences_of(viewer, config), viewer=viewer.actor,
                                                 author=author, tag_prefix=tag_prefix, limit=wanted)
