"""The audience planner (fedkit/rules/audience.py) as tables: no network, no database.

fr is this node; de and it are the other member nodes; partner is outside. alice@fr
posts; her followers are alain (fr), bob (de) and paula (partner).
"""

from __future__ import annotations

import json

import pytest

from fedkit.rules.audience import (
    GROUP_CEILING,
    METADATA_TYPES,
    NODE_CEILING,
    AudiencePlan,
    Node,
    Recipient,
    address_create,
    audience_conflict,
    choose_inboxes,
    in_group_stream,
    leaving,
    plan_explicit,
    plan_post,
    reaches_followers,
    recipients,
    within_audience,
)
from fedkit.rules.policy import INSIDE, OUTSIDE, Viewer, may_see_object, node_audience
from fedkit.rules.registry import GroupRegistry, MemberNode
from fedkit.runtime.config import Config

FR, DE, IT, PARTNER = "https://fr.example", "https://de.example", "https://it.example", "https://partner.example"
REGISTRY = GroupRegistry(name="test", audience="urn:archipel:group:test", nodes=(
    MemberNode("fr", FR, f"{FR}/actor"), MemberNode("de", DE, f"{DE}/actor"), MemberNode("it", IT, f"{IT}/actor")))
STRICT = Node(FR, REGISTRY, strict_perimeter=True)  # a node of a group (the default there)
OPEN = Node(FR, REGISTRY, strict_perimeter=False)  # ARCHIPEL_OUTSIDE_POLICY=open
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
GROUP, NODE = REGISTRY.audience, node_audience(FR)

ALICE, ALAIN = f"{FR}/users/alice", f"{FR}/users/alain"
FOLLOWERS = f"{ALICE}/followers"
BOB, BERTA = f"{DE}/users/bob", f"{DE}/users/berta"
PAULA = f"{PARTNER}/users/paula"
DE_CLUB = f"{DE}/communities/club"  # a community (Group actor) on another member node
ALICE_FOLLOWERS = (ALAIN, BOB, PAULA)


def actor(actor_id: str, **kwargs) -> Recipient:
    origin = actor_id.split("/users/")[0].split("/communities/")[0].removesuffix("/actor")
    return Recipient(actor_id, f"{actor_id}/inbox", kwargs.pop("shared", f"{origin}/inbox"), **kwargs)


RESOLVED = {a: actor(a) for a in (BOB, BERTA, PAULA, DE_CLUB, f"{DE}/actor", f"{IT}/actor")}
SHARED = {"de": f"{DE}/inbox", "it": f"{IT}/inbox", "partner": f"{PARTNER}/inbox"}


def post(to=(), cc=(), bcc=(), kind="Create", obj=None) -> dict:
    """An activity of alice's; a Create or Update embeds her note (``obj``: another object's id)."""
    activity = {"id": f"{FR}/activities/1", "type": kind, "actor": ALICE, "to": list(to)}
    if cc:
        activity["cc"] = list(cc)
    if bcc:
        activity["bcc"] = list(bcc)
    if obj is not None:
        activity["object"] = obj
    elif kind in ("Create", "Update"):
        activity["object"] = {"id": f"{FR}/objects/1", "type": "Note", "content": "hi", **{
            k: v for k, v in activity.items() if k in ("to", "cc", "bcc")}}
    elif kind in ("Delete", "Announce"):
        activity["object"] = f"{FR}/objects/1"
    return activity


def delivered(activity: dict, node: Node, refused=lambda _url: False) -> set[str]:
    plan = plan_post(activity, ALICE, node)
    return set(choose_inboxes(plan, recipients(plan, ALICE_FOLLOWERS, node), RESOLVED, refused))


# -- a new post's addressing (the publisher's Create) --------------------------------------------

@pytest.mark.parametrize(("activity", "obj", "expected_activity", "expected_object"), [
    ({}, {}, {"to": [FOLLOWERS]}, {"to": [FOLLOWERS]}),  # none: followers only
    ({}, {"to": [BOB]}, {"to": [BOB]}, {"to": [BOB]}),  # the object's, shared with the activity
    ({"to": [BOB]}, {"cc": [ALAIN]}, {"to": [BOB]}, {"to": [BOB], "cc": [ALAIN]}),
    ({"to": "public"}, {}, {"to": ["public"]}, {"to": ["public"]}),  # not a shorthand
    ({"to": [PUBLIC]}, {}, {"to": [PUBLIC], "cc": [FOLLOWERS]}, {"to": [PUBLIC], "cc": [FOLLOWERS]}),
    ({"to": ["group"], "bcc": "node"}, {}, {"to": [GROUP], "bcc": [NODE]}, {"to": [GROUP], "bcc": [NODE]}),
    ({"to": []}, {"to": ["node"]}, {"to": [NODE]}, {"to": [NODE]}),
])
def test_address_create(activity, obj, expected_activity, expected_object):
    assert address_create(activity, obj, ALICE, STRICT) == (expected_activity, expected_object)


@pytest.mark.parametrize(("addressees", "conflict"), [
    ([NODE, FOLLOWERS, ALAIN], None),
    ([NODE, BOB], "node"),
    ([NODE, PUBLIC], "node"),
    ([GROUP, FOLLOWERS, BOB, f"{IT}/users/x"], None),
    ([GROUP, PAULA], "group"),
    ([GROUP, PAULA, PUBLIC], None),  # public: the group audience is no ceiling
    ([PUBLIC, PAULA], None),
])
def test_audience_conflict(addressees, conflict):
    found = audience_conflict(addressees, STRICT)
    assert (found is None) if conflict is None else (f"the {conflict} audience" in found)


# -- who receives it: audience x inside/outside/partner recipients x bcc x perimeter -------------

de, it, partner = SHARED["de"], SHARED["it"], SHARED["partner"]
DELIVERY_TABLE = [
    # (label, activity, inboxes with the strict perimeter, inboxes with an open one)
    # A post to the public or the group goes to every other member node too (the group's stream).
    ("public", post([PUBLIC], [FOLLOWERS]), {de, it, partner}, {de, it, partner}),
    ("public, partner named", post([PUBLIC, PAULA]), {de, it, partner}, {de, it, partner}),
    ("unlisted: followers only, out of the streams", post([FOLLOWERS], [PUBLIC]), {de, partner}, {de, partner}),
    ("group: followers inside and every other member node", post([GROUP]), {de, it}, {de, it}),
    ("group and public: every member node", post([GROUP, PUBLIC]), {de, it}, {de, it}),
    ("group and public and followers", post([GROUP, PUBLIC], [FOLLOWERS]), {de, it, partner}, {de, it, partner}),
    ("edit of a public post", post([PUBLIC], [FOLLOWERS], kind="Update"), {de, it, partner}, {de, it, partner}),
    ("deletion of a public post", post([PUBLIC], [FOLLOWERS], kind="Delete"), {de, it, partner},
     {de, it, partner}),
    ("deletion of a group post", post([GROUP], kind="Delete"), {de, it}, {de, it}),
    ("a boost: the booster's followers only", post([PUBLIC], [FOLLOWERS], kind="Announce"), {de, partner},
     {de, partner}),
    ("a profile edit: followers only", post([PUBLIC], [FOLLOWERS], kind="Update", obj=ALICE), {de, partner},
     {de, partner}),
    ("group bounds a partner named", post([GROUP, PAULA]), {de, it}, {de, it}),
    ("group bounds the followers' collection", post([GROUP, FOLLOWERS]), {de, it}, {de, it}),
    ("node: never federated", post([NODE]), set(), set()),
    ("node with followers and people elsewhere", post([NODE, FOLLOWERS, BOB, PAULA], bcc=[BERTA]), set(), set()),
    ("followers only", post([FOLLOWERS]), {de}, {de, partner}),
    ("direct, inside", post([BOB]), {de}, {de}),
    ("direct, partner", post([PAULA]), set(), {partner}),
    ("direct, local only", post([ALAIN]), set(), set()),
    ("bcc inside: its own inbox", post([FOLLOWERS], bcc=[BERTA]), {de, f"{BERTA}/inbox"},
     {de, partner, f"{BERTA}/inbox"}),
    ("bcc of a partner", post([BOB], bcc=[PAULA]), {de}, {de, f"{PAULA}/inbox"}),
    ("public with bcc of a partner", post([PUBLIC], bcc=[PAULA]), {de, it, f"{PAULA}/inbox"},
     {de, it, f"{PAULA}/inbox"}),
    ("a community on a member node", post([DE_CLUB]), {de}, {de}),
    ("a Like crosses the perimeter", post([PAULA], kind="Like"), {partner}, {partner}),
    ("a Follow crosses the perimeter", post([PAULA], kind="Follow"), {partner}, {partner}),
]


@pytest.mark.parametrize(("label", "activity", "strict", "open_"), DELIVERY_TABLE, ids=[r[0] for r in DELIVERY_TABLE])
def test_who_receives_it(label, activity, strict, open_):
    assert delivered(activity, STRICT) == strict
    assert delivered(activity, OPEN) == open_


@pytest.mark.parametrize(("label", "activity", "strict", "open_"), DELIVERY_TABLE, ids=[r[0] for r in DELIVERY_TABLE])
def test_the_read_side_admits_every_recipient(label, activity, strict, open_):
    """fedkit.rules.policy lets every actor the plan delivers to see the post (the two sides agree).
    Not for a Like or Follow sent to a partner: delivered across the perimeter, but not served
    to the partner at its id under the strict perimeter (the read side is the stricter one)."""
    if activity["type"] in METADATA_TYPES:
        return
    for node in (STRICT, OPEN):
        plan = plan_post(activity, ALICE, node)
        config = Config(node_name="fr", base_url=FR, outside_policy="partners" if node.strict_perimeter else "open")
        for recipient in recipients(plan, ALICE_FOLLOWERS, node):
            kind = INSIDE if REGISTRY.is_inside(recipient) else OUTSIDE
            assert may_see_object(author=ALICE, addressees=list(plan.addressees), viewer=Viewer(kind, recipient),
                                  config=config, registry=REGISTRY,
                                  is_follower_of_author=lambda a: a in ALICE_FOLLOWERS,
                                  community_admits=lambda a, v: None), (label, recipient)


def test_the_federation_policy_decides_where_public_goes():
    refused = {PARTNER}.__contains__

    def refused_url(url: str) -> bool:
        return any(refused(url[:len(origin)]) for origin in (PARTNER,))

    assert delivered(post([PUBLIC], [FOLLOWERS]), STRICT, refused_url) == {de, it}
    assert delivered(post([PUBLIC], [FOLLOWERS]), STRICT) == {de, it, partner}


def test_suspended_and_unresolved_actors_get_nothing():
    plan = plan_post(post([BOB, PAULA, "https://gone.example/users/x"]), ALICE, OPEN)
    resolved = {**RESOLVED, PAULA: actor(PAULA, suspended=True)}
    assert choose_inboxes(plan, recipients(plan, (), OPEN), resolved) == [de]


def test_shared_inbox_preferred_and_deduplicated():
    plan = plan_post(post([BOB, BERTA, FOLLOWERS]), ALICE, STRICT)
    assert plan.remote == (BOB, BERTA)
    assert choose_inboxes(plan, recipients(plan, ALICE_FOLLOWERS, STRICT), RESOLVED) == [de]
    no_shared = {BOB: actor(BOB, shared=None), BERTA: actor(BERTA, shared=None)}
    assert choose_inboxes(plan, [BOB, BERTA], no_shared) == [f"{BOB}/inbox", f"{BERTA}/inbox"]


@pytest.mark.parametrize("to", [[GROUP], [PUBLIC]])
def test_one_delivery_per_member_node(to):
    """bob and berta follow alice on de: de's shared inbox gets one copy, for them and for
    de's group stream; it, where nobody follows her, gets one too."""
    plan = plan_post(post(to, [FOLLOWERS]), ALICE, STRICT)
    assert {f"{DE}/actor", f"{IT}/actor"} <= set(plan.remote) and f"{FR}/actor" not in plan.remote
    inboxes = choose_inboxes(plan, recipients(plan, (ALAIN, BOB, BERTA), STRICT), RESOLVED)
    assert sorted(inboxes) == [de, it]


@pytest.mark.parametrize(("doc", "author", "expected"), [
    (post([PUBLIC], [FOLLOWERS]), ALICE, True),
    (post([GROUP]), BOB, True),  # another member node's author
    (post([GROUP, PUBLIC]), BOB, True),
    (post([FOLLOWERS], [PUBLIC]), ALICE, False),  # unlisted: out of the public timelines
    (post([PUBLIC], [FOLLOWERS]), PAULA, False),  # outside the group: not the group's stream
    (post([FOLLOWERS]), ALICE, False),
    (post([NODE]), ALICE, False),  # the node's stream only
    (post([BOB]), ALICE, False),
    (post([PUBLIC]), None, False),  # no author
])
def test_in_group_stream(doc, author, expected):
    assert in_group_stream(doc, author, REGISTRY) is expected


def test_the_author_never_receives_their_own_post():
    plan = plan_post(post([ALICE, FOLLOWERS]), ALICE, STRICT)
    assert ALICE not in recipients(plan, ALICE_FOLLOWERS + (ALICE,), STRICT)


# -- what is stripped, who may see it, the plan's own facts -------------------------------------

def test_bcc_is_hidden_and_named_locally_but_may_see():
    plan = plan_post(post([FOLLOWERS], bcc=[ALAIN, BERTA]), ALICE, STRICT)
    assert plan.hidden == (ALAIN, BERTA)
    assert plan.local == (ALAIN,)  # named to the node's inbox pipeline
    assert plan.addressees == (FOLLOWERS, ALAIN, BERTA)  # the stored audience keeps them: they may see it


@pytest.mark.parametrize(("activity", "ceiling", "public", "followers", "expand"), [
    (post([PUBLIC]), None, True, True, False),
    (post([PUBLIC], [FOLLOWERS]), None, True, True, True),
    (post([GROUP]), GROUP_CEILING, False, True, True),
    (post([GROUP, PUBLIC]), None, True, True, False),
    (post([NODE]), NODE_CEILING, False, True, False),
    (post([NODE, FOLLOWERS]), NODE_CEILING, False, True, False),
    (post([FOLLOWERS]), None, False, True, True),
    (post([BOB]), None, False, False, False),
])
def test_plan_facts(activity, ceiling, public, followers, expand):
    plan = plan_post(activity, ALICE, STRICT)
    assert (plan.ceiling, plan.public, plan.followers, plan.expand_followers) == (ceiling, public, followers, expand)


@pytest.mark.parametrize(("activity", "local"), [
    (post([FOLLOWERS, ALAIN, BOB]), (ALAIN,)),
    (post([NODE], bcc=[ALAIN, f"{FR}/users/amelie"]), (ALAIN, f"{FR}/users/amelie")),
    (post([f"{FR}/communities/club", f"{FR}/communities/club/followers"]), (f"{FR}/communities/club",)),
    ({**post([BOB]), "object": {**post([BOB])["object"], "cc": [ALAIN]}}, (ALAIN,)),  # the object's own
])
def test_local_actors_it_names(activity, local):
    assert plan_post(activity, ALICE, STRICT).local == local


def test_the_plan_round_trips_through_a_dict():
    plan = plan_post(post([GROUP], bcc=[ALAIN]), ALICE, STRICT)
    stored = json.loads(json.dumps(plan.as_dict()))
    assert AudiencePlan.from_dict(stored) == plan
    with pytest.raises(AttributeError):
        plan.remote = ()  # immutable


# -- a community's activity: its members, as the communities service lists them --------------------

def test_explicit_plan_of_a_community_relay():
    club = f"{FR}/communities/club"
    announce = {"id": f"{FR}/activities/2", "type": "Announce", "actor": club, "to": [f"{club}/followers"]}
    plan = plan_explicit(announce, club, [ALAIN, BOB, PAULA, BOB], STRICT)
    assert plan.explicit and plan.remote == (BOB, PAULA) and plan.local == (ALAIN,)
    assert plan.followers  # the Group's followers here (its members) get it from the inbox
    # exactly the listed members (partners too), shared inboxes, no followers added
    assert recipients(plan, ALICE_FOLLOWERS, STRICT) == [BOB, PAULA]
    assert choose_inboxes(plan, [BOB, PAULA], RESOLVED) == [de, partner]


@pytest.mark.parametrize(("addressees", "expected"), [
    ([f"{FR}/communities/club"], [ALAIN, BOB, PAULA]),
    ([f"{FR}/communities/club", PUBLIC], [ALAIN, BOB, PAULA]),
    ([f"{FR}/communities/club", GROUP], [ALAIN, BOB]),  # the group audience stays in the group
    ([f"{FR}/communities/club", GROUP, PUBLIC], [ALAIN, BOB, PAULA]),
    ([f"{FR}/communities/club", NODE], [ALAIN]),  # the node audience stays on the node
])
def test_community_relay_within_the_audience(addressees, expected):
    assert within_audience([ALAIN, BOB, PAULA], addressees, STRICT) == expected


# -- does it leave the group? (data-loss prevention) ---------------------------------------------

CLUB_WITH_PARTNERS, CLUB = f"{FR}/communities/open", f"{DE}/communities/club"


@pytest.mark.parametrize(("addressees", "followers", "expected"), [
    ([PUBLIC], (), [PUBLIC]),
    ([FOLLOWERS], (ALAIN, BOB), []),
    ([FOLLOWERS], (ALAIN, PAULA), [FOLLOWERS]),
    ([GROUP, FOLLOWERS], (PAULA,), []),  # the group audience bounds the followers
    ([NODE, FOLLOWERS, PAULA], (PAULA,), []),  # the node audience too
    ([BOB], (), []),
    ([PAULA], (), [PAULA]),
    ([GROUP, PAULA], (), []),
    ([CLUB], (), []),
    ([CLUB_WITH_PARTNERS], (), [CLUB_WITH_PARTNERS]),
    ([GROUP, CLUB_WITH_PARTNERS], (), [CLUB_WITH_PARTNERS]),  # a community relays to all its members
    (["urn:x:not-an-actor"], (), []),
])
def test_leaving(addressees, followers, expected):
    asked = []

    def followers_of_author():
        asked.append(True)
        return followers

    admits = {CLUB_WITH_PARTNERS: True, CLUB: False}.get
    assert leaving(addressees, ALICE, STRICT, followers_of_author=followers_of_author, admits_partners=admits) \
        == expected
    if FOLLOWERS not in addressees:
        assert not asked  # the follow state is asked only when the followers are addressed


# -- does a received post reach its author's followers here? (the inbox) -----------------------------

@pytest.mark.parametrize(("author", "addressees", "collection", "expected"), [
    (BOB, [PUBLIC], None, True),
    (BOB, [f"{BOB}/followers"], f"{BOB}/followers", True),
    (BOB, [f"{BOB}/followers"], None, False),  # the author's collection could not be learnt
    (BOB, [GROUP], None, True),  # inside the group
    (PAULA, [GROUP], None, False),  # an outsider cannot use the group audience
    (ALICE, [NODE], None, True),
    (BOB, [NODE], None, False),  # another node's author: not this node's audience
    (BOB, [ALAIN], f"{BOB}/followers", False),
])
def test_reaches_followers(author, addressees, collection, expected):
    assert reaches_followers(author, addressees, STRICT, collection) is expected
