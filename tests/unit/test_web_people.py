"""A person's pages in the web app, in process: follow requests to a locked account
(docs.joinmastodon.org/methods/follow_requests/) and the profile's directory facts."""

from __future__ import annotations

import re

import pytest

from tests.unit.web_support import page, sign_in, submit, web_node


@pytest.fixture
def web(node, monkeypatch):
    node.local_user("carol", locked=True)
    return web_node(node, monkeypatch)


def _account_id(profile_text: str) -> str:
    return re.search(r'name="account_id" value="([^"]+)"', profile_text).group(1)


def _ask_to_follow_carol(web, who: str):
    browser = sign_in(web, who)
    profile = page(browser, web, "/web/@carol")
    assert ">Request to follow</button>" in profile.text and "This account is locked" in profile.text
    resp = submit(browser, web, "/web/@carol/follow", profile, account_id=_account_id(profile.text))
    assert resp.status_code == 303
    web.run()
    return browser


def test_a_locked_account_accepts_a_follow_request_from_its_notifications(web):
    bob = _ask_to_follow_carol(web, "bob")
    asked = page(bob, web, "/web/@carol")
    assert ">Requested</button>" in asked.text and "waiting for an answer" in asked.text
    carol = sign_in(web, "carol")
    notes = page(carol, web, "/web/notifications")
    assert '<a href="/web/follow-requests">1 person asks to follow you</a>' in notes.text
    assert "asks to follow you · <a href=\"/web/follow-requests\">Answer</a>" in notes.text
    listed = page(carol, web, "/web/follow-requests")
    assert listed.status_code == 200 and 'href="/web/@bob"' in listed.text
    [bob_id] = re.findall(r'action="/web/follow-requests/([^/"]+)/authorize"', listed.text)
    resp = submit(carol, web, f"/web/follow-requests/{bob_id}/authorize", listed)
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/follow-requests?done=accepted"
    web.run()
    done = page(carol, web, resp.headers["Location"])
    assert "Request accepted." in done.text and "No one is waiting for your answer." in done.text
    assert "asks to follow you</a>" not in page(carol, web, "/web/notifications").text
    assert ">Unfollow</button>" in page(bob, web, "/web/@carol").text


def test_a_request_is_rejected_or_withdrawn(web):
    alice = _ask_to_follow_carol(web, "alice")
    bob = _ask_to_follow_carol(web, "bob")
    carol = sign_in(web, "carol")
    listed = page(carol, web, "/web/follow-requests")
    assert len(re.findall(r'/reject"', listed.text)) == 2
    alice_id = re.search(r'href="/web/@alice".*?action="/web/follow-requests/([^/"]+)/reject"', listed.text,
                         re.S).group(1)
    resp = submit(carol, web, f"/web/follow-requests/{alice_id}/reject", listed)
    assert resp.headers["Location"] == "/web/follow-requests?done=rejected"
    web.run()
    assert ">Request to follow</button>" in page(alice, web, "/web/@carol").text
    # bob withdraws his: carol has no one left to answer
    asked = page(bob, web, "/web/@carol")
    submit(bob, web, "/web/@carol/unfollow", asked, account_id=_account_id(asked.text))
    web.run()
    assert ">Request to follow</button>" in page(bob, web, "/web/@carol").text
    assert "No one is waiting for your answer." in page(carol, web, "/web/follow-requests").text


def test_follow_request_answers_need_the_csrf_token_and_an_api_id(web):
    carol = sign_in(web, "carol")
    listed = page(carol, web, "/web/follow-requests")
    assert carol.post("/web/follow-requests/1/authorize", base_url=web.base).status_code == 400
    assert submit(carol, web, "/web/follow-requests/1%3Fx/authorize", listed).status_code == 404
    assert submit(carol, web, "/web/follow-requests/12345/authorize", listed).status_code == 404


DIRECTORY = {
    "title": "Welding engineer",
    "addresses": [{"locality": "Bremen", "primary": True}],
    "phoneNumbers": [{"value": "+49 421 0000", "type": "work"}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Fabrication",
                                                                  "organization": "Archipel DE"},
}


@pytest.fixture
def people(web):
    """bob as the directory gave him, with what he declares and a field of his own, a member
    of a visible community and of one hidden to non-members."""
    import json

    from fedkit.runtime import clock
    from services.identity.models import Account

    Account.objects(username="bob").update_one(
        set__display_name="Bob Becker", set__summary="Hello from the plant", set__scim_attributes=json.dumps(DIRECTORY),
        set__scim_modified_at=clock.now(), set__skills=["welding", "brazing"], set__languages=["German"],
        set__profile_fields=[{"name": "Site", "value": "Hall 3"}])
    web.community("welding", owner=web.actor("carol"), members=(web.actor("bob"),))
    web.community("exec", owner=web.actor("carol"), visibility="members", members=(web.actor("bob"),))
    return web


def test_a_profile_shows_the_directory_facts_then_tags_then_own_fields_and_communities(people):
    alice = sign_in(people, "alice")
    html = page(alice, people, "/web/@bob").text
    facts = re.search(r'<dl class="people-facts".*?</dl>', html, re.S).group(0)
    assert re.findall(r"<dt>([^<]+)</dt>", facts) == ["Job title", "Department", "Entity", "Location", "Phone"]
    assert "<dd>Welding engineer</dd>" in facts and "<dd>Archipel DE</dd>" in facts
    assert re.search(r">Skills</h2>\s*<ul[^>]*><li>welding</li><li>brazing</li></ul>", html)
    assert re.search(r">Languages</h2>\s*<ul[^>]*><li>German</li></ul>", html)
    own = re.search(r'<dl class="people-fields">.*?</dl>', html, re.S).group(0)
    assert "<dt>Site</dt>" in own and "Hall 3" in own and "Skills" not in own
    assert html.index("people-facts") < html.index("Hello from the plant") < html.index("people-fields")
    assert 'href="/web/communities/welding">welding</a>' in html
    assert "/web/communities/exec" not in html  # hidden from alice, who is not a member


def test_ones_own_profile_and_a_member_of_the_hidden_community_see_it_all(people):
    bob = sign_in(people, "bob")
    html = page(bob, people, "/web/@bob").text
    assert "<dd>Welding engineer</dd>" in html and "<li>brazing</li>" in html
    assert 'href="/web/communities/exec"' in html and 'href="/web/communities/welding"' in html
    assert "<dd>Fabrication</dd>" in page(sign_in(people, "carol"), people, "/web/@bob").text
    assert 'href="/web/communities/exec"' in page(sign_in(people, "carol"), people, "/web/@bob").text


def test_the_communities_listing_filters_by_member_as_the_reader_may_see(people):
    from tests.unit.api_support import ApiUser

    alice = ApiUser(people, "alice")
    found = alice.get("/communities", query_string={"member": people.actor("bob")}).get_json()["items"]
    assert [i["slug"] for i in found] == ["welding"]
    assert alice.get("/communities", query_string={"member": people.actor("alice")}).get_json()["items"] == []
    carol = ApiUser(people, "carol")
    found = carol.get("/communities/directory", query_string={"member": people.actor("bob")}).get_json()["items"]
    assert sorted(i["slug"] for i in found) == ["exec", "welding"]
