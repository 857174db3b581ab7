"""The community pages of the web app in-process (services/web/comm_*.py): the directory
with its filters and the one action each viewer can take, a community's page, joining,
asking, accepting an invitation, leaving after a confirmation, posting into it, creating
one. Everything goes through the node's APIs with the user's token
(tests/unit/web_support.py)."""

from __future__ import annotations

import re

import pytest

from tests.unit.web_support import page, sign_in, status_ids, submit, web_node


@pytest.fixture
def web(node, monkeypatch):
    web = web_node(node, monkeypatch)
    web.local_user("carol")
    web.community("welding", owner=web.actor("alice"), openness="free")
    web.community("quality", owner=web.actor("alice"), openness="open")
    web.community("board", owner=web.actor("alice"), openness="closed")
    web.community("exec", owner=web.actor("alice"), openness="closed", visibility="members")
    from services.communities.models import Community

    Community.objects(slug="welding").update_one(set__name="Welding experts", set__tags=["metal"],
                                                 set__description="Filler rods and joints")
    Community.objects(slug="quality").update_one(set__purpose="social")
    web.reindex_community("welding")  # its new words in the search index
    return web


def _membership(slug: str, actor: str) -> str | None:
    from services.communities.models import Membership

    found = Membership.objects(community=slug, actor=actor).first()
    return found.state if found else None


def _item(html: str, name: str) -> str:
    """The directory entry of the community whose link says ``name``."""
    found = re.search(rf'<li class="card comm-item">\s*<h3><a href="[^"]+">{re.escape(name)}</a>.*?</li>', html, re.S)
    assert found, f"{name} not listed"
    return found.group(0)


def test_the_directory_lists_what_the_viewer_may_see_with_the_action_each_allows(web):
    browser = sign_in(web, "bob")
    home = page(browser, web, "/web/home")
    assert 'href="/web/communities"' in home.text  # the nav link
    directory = page(browser, web, "/web/communities")
    assert directory.status_code == 200
    welding = _item(directory.text, "Welding experts")
    assert "Open" in welding and ">1<" in welding and "Professional" in welding and web.config.node_name in welding
    assert 'action="/web/communities/welding/join"' in welding and ">Join<" in welding
    quality = _item(directory.text, "quality")
    assert "On request" in quality and "Social and hobbies" in quality and "Ask to join" in quality
    board = _item(directory.text, "board")
    assert "Invitation only" in board and "/join" not in board
    assert "exec" not in directory.text  # hidden from non-members
    # the search box and the filters narrow it
    found = page(browser, web, "/web/communities?q=filler")
    assert "Welding experts" in found.text and ">quality<" not in found.text
    assert ">quality<" in page(browser, web, "/web/communities?purpose=social").text
    by_tag = page(browser, web, "/web/communities?tag=metal").text
    assert "Welding experts" in by_tag and ">board<" not in by_tag


def test_joining_an_open_community_then_posting_in_it_shows_the_post_on_its_page(web):
    browser = sign_in(web, "bob")
    directory = page(browser, web, "/web/communities")
    resp = submit(browser, web, "/web/communities/welding/join", directory)
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/communities/welding?notice=joined"
    web.run()
    assert _membership("welding", web.actor("bob")) == "member"
    community = page(browser, web, "/web/communities/welding")
    assert "You are a member" in community.text and 'name="community" value="welding"' in community.text
    assert 'id="vis-community" name="visibility" value="community"' in community.text
    assert re.search(r'value="community"[^>]*checked', community.text)  # the community's audience first
    assert "/web/communities/welding/manage" not in community.text  # bob is a plain member
    resp = submit(browser, web, "/web/compose", community, status="Which rod for 316L?", visibility="community",
                  community="welding", key="")
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/communities/welding?notice=posted"
    web.run()
    from services.communities.models import CommunityPost

    post = CommunityPost.objects(community="welding").get()
    assert "Which rod for 316L?" in post.raw["content"] and post.author == web.actor("bob")
    shown = page(browser, web, "/web/communities/welding")
    assert "Which rod for 316L?" in shown.text and len(status_ids(shown.text)) == 1
    # the post says where it was written, not "only the people I mention" (it is "direct" to apps)
    assert 'class="audience audience-community" href="/web/communities/welding"' in shown.text
    assert "audience-direct" not in shown.text
    assert "Your post is published in the community." in page(browser, web, "/web/communities/welding?notice=posted").text


def test_a_members_post_to_an_announcement_channel_is_explained_and_the_text_kept(web):
    from services.communities.models import Community, Membership

    Community.objects(slug="welding").update_one(set__posting="moderators")
    Membership(community="welding", actor=web.actor("bob"), state="member").save()
    browser = sign_in(web, "bob")
    community = page(browser, web, "/web/communities/welding")
    refused = submit(browser, web, "/web/compose", community, status="May I ask?", visibility="community",
                     community="welding", key="")
    assert refused.status_code == 403
    assert "Only the moderators of the community Welding experts may post to it" in refused.text
    assert "May I ask?" in refused.text


def test_asking_to_join_shows_requested_until_a_manager_accepts(web):
    browser = sign_in(web, "bob")
    directory = page(browser, web, "/web/communities")
    resp = submit(browser, web, "/web/communities/quality/join", directory)
    assert resp.headers["Location"] == "/web/communities/quality?notice=asked"
    web.run()
    assert _membership("quality", web.actor("bob")) == "pending"
    assert "Requested: waiting for a manager" in _item(page(browser, web, "/web/communities").text, "quality")
    community = page(browser, web, "/web/communities/quality")
    assert "Requested" in community.text and 'name="community"' not in community.text  # no composer yet


def test_an_invitation_waits_on_the_directory_and_is_accepted_there(web):
    from services.communities.models import Membership

    Membership(community="board", actor=web.actor("bob"), state="invited").save()
    browser = sign_in(web, "bob")
    directory = page(browser, web, "/web/communities")
    invitations = directory.text.split('id="invitations"', 1)[1].split("</section>", 1)[0]
    assert ">board<" in invitations and "Accept the invitation" in invitations
    resp = submit(browser, web, "/web/communities/board/join", directory)
    assert resp.headers["Location"] == "/web/communities/board?notice=joined"
    web.run()
    assert _membership("board", web.actor("bob")) == "member"
    assert 'id="invitations"' not in page(browser, web, "/web/communities").text


def test_leaving_asks_first_then_leaves(web):
    browser = sign_in(web, "carol")
    submit(browser, web, "/web/communities/welding/join", page(browser, web, "/web/communities"))
    web.run()
    community = page(browser, web, "/web/communities/welding")
    assert 'href="/web/communities/welding/leave"' in community.text
    confirm = page(browser, web, "/web/communities/welding/leave")
    assert confirm.status_code == 200 and "Leave Welding experts?" in confirm.text
    assert _membership("welding", web.actor("carol")) == "member"  # nothing happened yet
    resp = submit(browser, web, "/web/communities/welding/leave", confirm)
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/communities?notice=left"
    web.run()
    assert _membership("welding", web.actor("carol")) is None
    # a form without its token changes nothing
    assert browser.post("/web/communities/welding/join", base_url=web.base, data={}).status_code == 400


def test_creating_a_community_lands_on_its_page_with_the_manage_link(web):
    browser = sign_in(web, "bob")
    form = page(browser, web, "/web/communities/new")
    assert form.status_code == 200 and 'name="openness"' in form.text
    resp = submit(browser, web, "/web/communities/new", form, name="Lean Lyon", slug="", description="Kaizen",
                  tags="lean, #kaizen", purpose="professional", openness="closed")
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/communities/lean_lyon?notice=created"
    from services.communities.models import Community

    created = Community.objects(slug="lean_lyon").get()
    assert created.owner == web.actor("bob") and created.openness == "closed" and created.tags == ["lean", "kaizen"]
    community = page(browser, web, "/web/communities/lean_lyon")
    assert "Lean Lyon" in community.text and 'href="/web/communities/lean_lyon/manage"' in community.text
    assert "Invitation only" in community.text
    # a handle already taken: the form again, with what was typed and the reason
    again = submit(browser, web, "/web/communities/new", form, name="Other", slug="welding", description="",
                   tags="", purpose="social", openness="free")
    assert again.status_code == 422 and "not available" in again.text and 'value="Other"' in again.text


def test_what_does_not_exist_or_is_hidden_is_not_found(web):
    browser = sign_in(web, "bob")
    assert page(browser, web, "/web/communities/exec").status_code == 404
    assert page(browser, web, "/web/communities/nothing_here").status_code == 404
    assert page(browser, web, "/web/communities/BAD..name").status_code == 404
    assert page(browser, web, "/web/communities/exec/leave").status_code == 404


def _invited_by_alice(web, slug: str, username: str) -> None:
    """alice (the owner) invites through the communities service's API: the Group's Invite
    reaches the invitee's inbox."""
    from tests.unit.api_support import ApiUser

    resp = ApiUser(web, "alice").post(f"/communities/{slug}/members", json={"action": "invite",
                                                                          "actor": web.actor(username)})
    assert resp.status_code == 200, resp.text
    web.run()


def test_an_invitation_is_declined_after_a_confirmation(web):
    _invited_by_alice(web, "board", "bob")
    assert _membership("board", web.actor("bob")) == "invited"
    browser = sign_in(web, "bob")
    directory = page(browser, web, "/web/communities")
    invitations = directory.text.split('id="invitations"', 1)[1].split("</section>", 1)[0]
    assert 'href="/web/communities/board/decline"' in invitations
    confirm = page(browser, web, "/web/communities/board/decline")
    assert confirm.status_code == 200 and "Decline the invitation to board?" in confirm.text
    resp = submit(browser, web, "/web/communities/board/decline", confirm)
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/communities?notice=declined"
    web.run()
    assert _membership("board", web.actor("bob")) is None  # the Group's record: no invitation left
    directory = page(browser, web, "/web/communities")
    assert 'id="invitations"' not in directory.text and "You declined the invitation." in \
        page(browser, web, "/web/communities?notice=declined").text
    assert page(browser, web, "/web/communities/board/decline").status_code == 404  # nothing to decline now
