"""Communities and audiences through a real Mastodon client library (Mastodon.py), across
fr (split) and de (compact): a community is an account with ``group: true``; following it
joins (a closed one only by invitation), a status that mentions it is posted to it, its
relays appear as reblogs by the community account, a reply in its thread goes to it too,
unfollowing leaves. A node whose
``ARCHIPEL_API_PUBLIC_MEANS`` is ``group`` turns an app's public post into a group post."""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.e2e.community_support import join_and_wait, membership_state, unique
from tests.e2e.extra_node import extra_node
from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def people(group):
    fr, de = group["fr"], group["de"]
    return {"alain": password_app(fr, "alain"), "amelie": password_app(fr, "amelie"),
            "bob": password_app(de, "bob"), "berta": password_app(de, "berta")}


def _lookup(app, acct):
    try:
        return app.account_lookup(acct)
    except MastodonNotFoundError:
        return None


def _reblog_in(statuses, uri: str):
    return next((s for s in statuses if s["reblog"] and s["reblog"]["uri"] == uri), None)


def _following(app, account_id) -> bool:
    return app.account_relationships(account_id)[0]["following"]


def test_join_by_follow_post_by_mention_see_relays_as_reblogs_leave_by_unfollow(group, people):
    fr, de = group["fr"], group["de"]
    alain, bob, berta = people["alain"], people["bob"], people["berta"]
    community = fr.create_community("alice", name="Welding experts", slug=unique("welding"),
                                    description="Filler rods, gases, joints", openness="free", visibility="group")
    slug = community["slug"]

    # On its own node, a community is an account with group: true.
    account = alain.account_lookup(slug)
    assert account["group"] is True and account["acct"] == slug and account["uri"] == community["id"]
    assert account["display_name"] == "Welding experts" and "Filler rods" in account["note"]
    assert account["locked"] is False and account["followers_count"] == 1  # its owner
    assert alain.account(account["id"])["username"] == slug
    assert _following(alain, account["id"]) is False

    # Following it joins it.
    relationship = alain.account_follow(account["id"])
    assert relationship["following"] or relationship["requested"]
    wait_until(lambda: membership_state(fr, slug, fr.actor("alain")) == "member", message="alain to join")
    wait_until(lambda: _following(alain, account["id"]), message="alain's relationship to say following")
    assert alain.account(account["id"])["followers_count"] == 2
    assert {a["acct"] for a in alain.account_followers(account["id"])} == {"alice", "alain"}

    # From another node: berta joins over ActivityPub (so de knows the Group), bob by the API.
    join_and_wait(fr, de, "berta", community)
    on_de = wait_until(lambda: _lookup(bob, f"{slug}@{fr.host}"), message="de to know the community")
    assert on_de["group"] is True and on_de["acct"] == f"{slug}@{fr.host}"
    bob.account_follow(on_de["id"])
    wait_until(lambda: membership_state(fr, slug, de.actor("bob")) == "member", message="bob to join")
    wait_until(lambda: _following(bob, on_de["id"]), message="the Group's Accept to reach de")

    # A status that mentions the community is posted to it; members see the Group's relay
    # as a reblog by the community account, on both nodes.
    post = bob.status_post(f"@{slug}@{fr.host} Which filler rod for 316L?", visibility="public")
    assert post["mentions"][0]["acct"] == f"{slug}@{fr.host}"
    relayed = wait_until(lambda: _reblog_in(alain.timeline_home(limit=40), post["uri"]),
                         message="the community's relay in alain's home")
    assert relayed["account"]["id"] == account["id"] and relayed["account"]["group"] is True
    assert relayed["reblog"]["account"]["acct"] == f"bob@{de.host}"
    on_berta = wait_until(lambda: _reblog_in(berta.timeline_home(limit=40), post["uri"]),
                          message="the community's relay in berta's home")
    assert on_berta["account"]["acct"] == f"{slug}@{fr.host}" and on_berta["account"]["group"] is True
    # A reply in the thread goes to the community too, without naming it.
    reply = alain.status_post("ER316LSi, dry", in_reply_to_id=relayed["reblog"]["id"], visibility="public")
    relayed_reply = wait_until(lambda: _reblog_in(berta.timeline_home(limit=40), reply["uri"]),
                               message="the community's relay of alain's reply in berta's home")
    assert relayed_reply["account"]["acct"] == f"{slug}@{fr.host}"
    # ...and among the community account's statuses.
    statuses = alain.account_statuses(account["id"])
    assert _reblog_in(statuses, post["uri"])["account"]["id"] == account["id"]
    assert _reblog_in(statuses, reply["uri"]) is not None
    assert alain.account(account["id"])["statuses_count"] == 2

    # Unfollowing leaves; a post that mentions it then is refused with the reason.
    assert alain.account_unfollow(account["id"])["following"] is False
    wait_until(lambda: membership_state(fr, slug, fr.actor("alain")) is None, message="alain to leave")
    assert bob.account_unfollow(on_de["id"])["following"] is False
    wait_until(lambda: not _following(bob, on_de["id"]), message="bob's Undo on de")
    with pytest.raises(MastodonAPIError) as refused:
        bob.status_post(f"@{slug}@{fr.host} still there?", visibility="public")
    assert refused.value.args[1] == 422 and "not a member" in str(refused.value)


def test_a_non_members_post_to_a_community_is_refused_with_the_reason(group, people):
    fr = group["fr"]
    community = fr.create_community("alice", name="Quality", slug=unique("quality"), openness="free")
    with pytest.raises(MastodonAPIError) as refused:
        people["amelie"].status_post(f"@{community['slug']} hello", visibility="public")
    assert refused.value.args[1] == 422 and "not a member of the community Quality" in str(refused.value)
    assert fr.db.community_posts.count_documents({"community": community["slug"]}) == 0


def test_a_closed_community_is_joined_only_by_invitation(group, people):
    fr = group["fr"]
    amelie = people["amelie"]
    community = fr.create_community("alice", name="Board", slug=unique("board"), openness="closed")
    account = amelie.account_lookup(community["slug"])
    assert account["locked"] is True
    with pytest.raises(MastodonAPIError) as refused:
        amelie.account_follow(account["id"])
    assert refused.value.args[1] == 403 and "invitation only" in str(refused.value)
    assert membership_state(fr, community["slug"], fr.actor("amelie")) is None
    invited = fr.api("POST", f"/communities/{community['slug']}/members", "alice",
                     json={"action": "invite", "actor": fr.actor("amelie")})
    assert invited.status_code == 200, invited.text
    amelie.account_follow(account["id"])  # accepted: she was invited
    wait_until(lambda: membership_state(fr, community["slug"], fr.actor("amelie")) == "member",
               message="amelie's invitation to be taken")
    wait_until(lambda: _following(amelie, account["id"]), message="amelie's relationship to say following")


def test_a_hidden_community_is_no_account_for_others(group, people):
    fr = group["fr"]
    community = fr.create_community("alice", name="Exec", slug=unique("exec"), openness="closed",
                                    visibility="members")
    assert _lookup(people["amelie"], community["slug"]) is None


def test_public_from_an_app_means_group_where_the_node_says_so(group):
    fr = group["fr"]
    with extra_node(group, "inside", ("gina", "gus"), {"ARCHIPEL_API_PUBLIC_MEANS": "group"}) as node:
        gina, gus = password_app(node, "gina"), password_app(node, "gus")
        instance = node.api("GET", "/api/v1/instance").json()
        assert instance["archipel"]["visibility_applied"] == {"public": "group", "unlisted": "group"}
        post = gina.status_post("for the group only", visibility="public")
        assert post["visibility"] == "group"
        assert gina.status_post("also for the group", visibility="unlisted")["visibility"] == "group"
        assert gina.status_post("followers", visibility="private")["visibility"] == "private"
        # Its audience is the group: a colleague sees it, nobody outside the group does.
        assert gus.status(post["id"])["visibility"] == "group"
        assert node.http.get(post["uri"], headers={"Accept": "application/activity+json"}).status_code == 404
        assert fr.signed_fetch("alice", post["uri"]).status_code == 404
