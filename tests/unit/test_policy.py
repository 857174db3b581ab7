"""The visibility policy (fedkit/rules/policy.py) as tables: no network, no database."""

from __future__ import annotations

import dataclasses
import json

import pytest

from fedkit.rules.policy import (
    ANONYMOUS,
    INSIDE,
    LOCAL,
    OUTSIDE,
    Viewer,
    is_former_employee,
    kept_after_departure,
    may_join_community,
    may_see_community,
    may_see_object,
    node_audience,
    viewer_kind,
    viewer_of,
)
from fedkit.rules.registry import (
    HIDE,
    KEEP,
    GroupRegistry,
    MemberNode,
    RegistryError,
    load_registry,
)
from fedkit.runtime.config import Config
from fedkit.runtime.internal import Requester

FR, DE, PARTNER = "https://fr.example", "https://de.example", "https://partner.example"
CONFIG = Config(node_name="fr", base_url=FR)
REGISTRY = GroupRegistry(name="test", audience="urn:archipel:group:test", nodes=(
    MemberNode("fr", FR, f"{FR}/actor"), MemberNode("de", DE, f"{DE}/actor")))
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
NODE = node_audience(FR)
GROUP = REGISTRY.audience

ALICE, ALAIN = f"{FR}/users/alice", f"{FR}/users/alain"
BOB, BERTA = f"{DE}/users/bob", f"{DE}/users/berta"
PAULA = f"{PARTNER}/users/paula"

VIEWERS = {
    LOCAL: Viewer(LOCAL, ALAIN),
    INSIDE: Viewer(INSIDE, BERTA),
    OUTSIDE: Viewer(OUTSIDE, PAULA),
    ANONYMOUS: Viewer(ANONYMOUS, None),
}


# -- classifying the requester ------------------------------------------------------------

@pytest.mark.parametrize(("signer", "user", "expected"), [
    (None, "alain", LOCAL),  # a bearer token of this node
    (ALAIN, None, LOCAL),  # an actor of this node, by signature
    (f"{FR}/actor", None, LOCAL),
    (BOB, None, INSIDE),  # another member node
    (f"{DE}/actor", None, INSIDE),
    ("https://DE.example/users/bob", None, INSIDE),  # hosts compare case-insensitively
    (PAULA, None, OUTSIDE),
    ("https://de.example:8443/users/bob", None, OUTSIDE),  # another port is another origin
    ("http://de.example/users/bob", None, OUTSIDE),  # another scheme too
    (None, None, ANONYMOUS),
])
def test_viewer_kind(signer, user, expected):
    assert viewer_kind(signer, user, CONFIG, REGISTRY) == expected


@pytest.mark.parametrize(("requester", "expected"), [
    (Requester(None, "alain", frozenset({"read", "write"}), LOCAL), Viewer(LOCAL, ALAIN)),
    (Requester(None, "alain", frozenset({"read:statuses"}), LOCAL), Viewer(LOCAL, ALAIN)),
    # a token without read: nothing proven for reading
    (Requester(None, "alain", frozenset({"write"}), LOCAL), Viewer(ANONYMOUS, None)),
    (Requester(BOB, None, frozenset(), INSIDE), Viewer(INSIDE, BOB)),
    (Requester(PAULA, None, frozenset(), OUTSIDE), Viewer(OUTSIDE, PAULA)),
    # a signer with no (or a bogus) kind header is treated as outside, never inside
    (Requester(BOB, None, frozenset(), ANONYMOUS), Viewer(OUTSIDE, BOB)),
    (Requester(BOB, None, frozenset(), "admin"), Viewer(OUTSIDE, BOB)),
    (Requester(None, None, frozenset(), ANONYMOUS), Viewer(ANONYMOUS, None)),
])
def test_viewer_of_requester(requester, expected):
    assert viewer_of(requester, CONFIG) == expected


def test_in_group():
    assert [k for k, v in VIEWERS.items() if v.in_group] == [LOCAL, INSIDE]


# -- communities: visibility x viewer kind x membership -------------------------------------

MEMBERSHIPS = (None, "member", "invited", "banned")
T, F = True, False
COMMUNITY_TABLE = {
    #                          None member invited banned
    ("public", LOCAL):         (T, T, T, T),
    ("public", INSIDE):        (T, T, T, T),
    ("public", OUTSIDE):       (T, T, T, T),
    ("public", ANONYMOUS):     (T, T, T, T),
    ("group", LOCAL):          (T, T, T, T),
    ("group", INSIDE):         (T, T, T, T),
    ("group", OUTSIDE):        (F, T, T, F),
    ("group", ANONYMOUS):      (F, F, F, F),
    ("node", LOCAL):           (T, T, T, T),
    ("node", INSIDE):          (F, T, T, F),
    ("node", OUTSIDE):         (F, T, T, F),
    ("node", ANONYMOUS):       (F, F, F, F),
    ("members", LOCAL):        (F, T, T, F),
    ("members", INSIDE):       (F, T, T, F),
    ("members", OUTSIDE):      (F, T, T, F),
    ("members", ANONYMOUS):    (F, F, F, F),
}


def test_the_table_covers_every_case():
    assert set(COMMUNITY_TABLE) == {(v, k) for v in ("public", "group", "node", "members")
                                    for k in (LOCAL, INSIDE, OUTSIDE, ANONYMOUS)}


@pytest.mark.parametrize(("visibility", "kind", "membership", "expected"), [
    (visibility, kind, membership, row[i])
    for (visibility, kind), row in COMMUNITY_TABLE.items()
    for i, membership in enumerate(MEMBERSHIPS)
])
def test_may_see_community(visibility, kind, membership, expected):
    viewer = VIEWERS[kind]
    assert may_see_community(visibility, viewer, membership) is expected
    assert may_join_community(visibility, viewer, membership) is expected


@pytest.mark.parametrize("kind", [LOCAL, INSIDE, OUTSIDE, ANONYMOUS])
@pytest.mark.parametrize("visibility", ["", "secret", "Public", None])
def test_unknown_community_visibility_is_closed(visibility, kind):
    assert may_see_community(visibility, VIEWERS[kind], None) is False


# -- objects --------------------------------------------------------------------------------

def _never(_actor):
    raise AssertionError("the follow state should not be needed")


def _no_community(_addressee, _viewer):
    return None


def see(addressees, kind, *, author=ALICE, followers=(), communities=None, viewer=None):
    """may_see_object for alice's (fr) object; ``followers``: who follows alice;
    ``communities``: {addressee: True/False} answers of the community hook."""
    communities = communities or {}
    return may_see_object(
        author=author, addressees=list(addressees), viewer=viewer or VIEWERS[kind], config=CONFIG,
        registry=REGISTRY, is_follower_of_author=lambda actor: actor in followers,
        community_admits=lambda addressee, _viewer: communities.get(addressee))


AUDIENCE_TABLE = {
    #                                 local inside outside anonymous
    "public":                        ((PUBLIC,), (T, T, T, T)),
    "public (as:Public)":            (("as:Public",), (T, T, T, T)),
    "unlisted":                      ((f"{ALICE}/followers", PUBLIC), (T, T, T, T)),
    "group":                         ((GROUP,), (T, T, F, F)),
    "group and public":              ((GROUP, PUBLIC), (T, T, T, T)),
    "node":                          ((NODE,), (T, F, F, F)),
    "node and public":               ((NODE, PUBLIC), (T, F, F, F)),
    "another node's node audience":  ((node_audience(DE),), (F, F, F, F)),
    "followers (nobody follows)":    ((f"{ALICE}/followers",), (F, F, F, F)),
    "nobody":                        ((), (F, F, F, F)),
}


@pytest.mark.parametrize(("addressees", "kind", "expected"), [
    pytest.param(addressees, kind, row[i], id=f"{name}-{kind}")
    for name, (addressees, row) in AUDIENCE_TABLE.items()
    for i, kind in enumerate((LOCAL, INSIDE, OUTSIDE, ANONYMOUS))
])
def test_may_see_object_by_audience(addressees, kind, expected):
    assert see(addressees, kind) is expected


def test_the_author_and_the_addressees_see_it():
    assert see([f"{ALICE}/followers"], LOCAL, viewer=Viewer(LOCAL, ALICE)) is True
    assert see([PAULA], OUTSIDE) is True  # direct to an outside actor
    assert see([BOB], INSIDE) is False  # berta is not bob
    assert see([BERTA], INSIDE) is True


def test_followers_only():
    addressees = [f"{ALICE}/followers"]
    assert see(addressees, INSIDE, followers={BERTA}) is True
    assert see(addressees, OUTSIDE, followers={PAULA}) is True
    assert see(addressees, LOCAL, followers={BERTA}) is False
    # the follow state is asked of an actor, never of nobody
    assert may_see_object(author=ALICE, addressees=addressees, viewer=VIEWERS[ANONYMOUS], config=CONFIG,
                          registry=REGISTRY, is_follower_of_author=_never,
                          community_admits=_no_community) is False
    # another author's followers collection does not count
    assert see([f"{BOB}/followers"], OUTSIDE, followers={PAULA}) is False


def test_public_and_audiences_need_no_follow_state():
    for addressees, kind in (([PUBLIC], ANONYMOUS), ([GROUP], INSIDE), ([NODE], LOCAL)):
        assert may_see_object(author=ALICE, addressees=addressees, viewer=VIEWERS[kind], config=CONFIG,
                              registry=REGISTRY, is_follower_of_author=_never,
                              community_admits=_no_community) is True


COMMUNITY = f"{FR}/communities/project-x"


@pytest.mark.parametrize(("answer", "expected"), [(True, True), (False, False), (None, False)])
@pytest.mark.parametrize("kind", [LOCAL, INSIDE, OUTSIDE])
def test_community_hook_decides_for_a_community(answer, expected, kind):
    assert see([COMMUNITY], kind, communities={COMMUNITY: answer}) is expected


def test_community_hook_is_asked_with_the_addressee_and_viewer():
    asked = []

    def admits(addressee, viewer):
        asked.append((addressee, viewer))
        return addressee == f"{COMMUNITY}/followers" and viewer.kind == OUTSIDE

    result = may_see_object(author=ALICE, addressees=[COMMUNITY, f"{COMMUNITY}/followers"],
                            viewer=VIEWERS[OUTSIDE], config=CONFIG, registry=REGISTRY,
                            is_follower_of_author=lambda _a: False, community_admits=admits)
    assert result is True
    assert (f"{COMMUNITY}/followers", VIEWERS[OUTSIDE]) in asked


@pytest.mark.parametrize(("answer", "expected"), [(True, True), (False, False), (None, False)])
def test_anonymous_sees_only_what_a_community_shows_to_anyone(answer, expected):
    asked = []

    def admits(addressee, viewer):
        asked.append((addressee, viewer))
        return answer

    assert may_see_object(author=ALICE, addressees=[COMMUNITY], viewer=VIEWERS[ANONYMOUS], config=CONFIG,
                          registry=REGISTRY, is_follower_of_author=_never, community_admits=admits) is expected
    assert asked == [(COMMUNITY, Viewer(ANONYMOUS, None))]


def test_one_community_admitting_is_enough():
    other = f"{FR}/communities/other"
    assert see([COMMUNITY, other], OUTSIDE, communities={COMMUNITY: False, other: True}) is True
    assert see([COMMUNITY, other], OUTSIDE, communities={COMMUNITY: False, other: None}) is False


@pytest.mark.parametrize(("addressees", "kind", "expected"), [
    # node: only this node's users, whoever else the post names
    ((NODE, f"{ALICE}/followers"), INSIDE, False),
    ((NODE, f"{ALICE}/followers"), OUTSIDE, False),
    ((NODE, f"{ALICE}/followers"), LOCAL, True),
    ((NODE, BERTA), INSIDE, False),  # even a named addressee (publishing refuses this anyway)
    ((NODE, PUBLIC), ANONYMOUS, False),  # and public does not open it
    ((NODE, COMMUNITY), OUTSIDE, False),
    # group: only inside the group, unless also public
    ((GROUP, f"{ALICE}/followers"), OUTSIDE, False),
    ((GROUP, f"{ALICE}/followers"), INSIDE, True),
    ((GROUP, PAULA), OUTSIDE, False),
    ((GROUP, COMMUNITY), OUTSIDE, False),
    ((GROUP, PUBLIC, f"{ALICE}/followers"), OUTSIDE, True),
])
def test_restricted_audiences_are_a_ceiling(addressees, kind, expected):
    """The author's followers (and a community) may live beyond a restricted audience:
    they see the post only within it."""
    viewer = VIEWERS[kind]
    assert see(addressees, kind, followers={viewer.actor}, communities={COMMUNITY: True}) is expected


# -- what a departed employee's posts become (departed_content) ----------------------------

def _community(addressee: str) -> bool:
    return addressee == f"{FR}/communities/quality"


@pytest.mark.parametrize(("addressees", "kept"), [
    ([PUBLIC], True),
    ([GROUP], True),
    ([NODE], True),
    ([f"{FR}/communities/quality"], True),  # a community's post: the community's knowledge
    ([f"{ALICE}/followers"], False),  # followers-only: personal, goes with the account
    ([BOB], False),  # direct
    ([f"{ALICE}/followers", BOB], False),
])
def test_keep_shows_what_was_written_for_an_audience_not_for_people(addressees, kept):
    assert kept_after_departure(addressees, config=CONFIG, registry=REGISTRY,
                                is_community=_community) is kept
    hiding = dataclasses.replace(REGISTRY, departed_content=HIDE)
    assert kept_after_departure(addressees, config=CONFIG, registry=hiding, is_community=_community) is False


def test_only_a_member_node_marks_a_former_employee_and_only_while_the_group_keeps():
    assert is_former_employee({"id": ALICE, "formerEmployee": True}, REGISTRY)
    assert not is_former_employee({"id": PAULA, "formerEmployee": True}, REGISTRY)  # outside the group
    assert not is_former_employee({"id": ALICE, "formerEmployee": "yes"}, REGISTRY)
    assert not is_former_employee({"id": ALICE}, REGISTRY)
    assert not is_former_employee({"id": ALICE, "formerEmployee": True},
                                  dataclasses.replace(REGISTRY, departed_content=HIDE))


def test_the_registry_reads_departed_content_keep_by_default(tmp_path):
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"name": "g", "audience": "urn:archipel:group:g", "nodes": []}))
    assert load_registry(Config(group_registry=str(path))).departed_content == KEEP
    path.write_text(json.dumps({"name": "g", "audience": "urn:archipel:group:g", "nodes": [],
                                "departed_content": "forget"}))
    with pytest.raises(RegistryError, match="departed_content"):
        load_registry(Config(group_registry=str(path)))
