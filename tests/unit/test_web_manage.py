"""A community's managers' pages (services/web/manage.py) against the real node in-process:
each page reads and each form writes through the communities service's API with the
signed-in user's own token (tests/unit/web_support.py); the stored memberships say
what happened."""

from __future__ import annotations

import datetime as dt

import pytest

from services.communities.models import Community, Membership
from tests.inprocess import MEMBER, OUTSIDE
from tests.unit.web_support import csrf_of, page, sign_in, submit, web_node

BOB_DE, PAULA = f"{MEMBER}/users/bob", f"{OUTSIDE}/users/paula"
ROOT = "/web/communities/team/manage"


@pytest.fixture
def web(node, monkeypatch):
    """``team`` (open, admits no partners yet): alice owns it; bob (fr) and bob (de) are
    members; amelie is no member."""
    web_node(node, monkeypatch)
    node.local_user("amelie")
    node.remote_actor(BOB_DE)
    node.community("team", owner=node.actor("alice"), openness="open", members=(node.actor("bob"), BOB_DE))
    return node


def state_of(actor: str) -> tuple[str, str] | None:
    found = Membership.objects(community="team", actor=actor).first()
    return (found.state, found.role) if found else None


def test_the_owner_opens_the_section_and_anyone_else_gets_the_same_404_as_nothing(web):
    alice = sign_in(web, "alice")
    settings = page(alice, web, ROOT)
    assert settings.status_code == 200, settings.text
    for tab in ("/members", "/requests", "/invitations", "/ownership"):
        assert f'href="{ROOT}{tab}"' in settings.text
    assert page(alice, web, f"{ROOT.replace('/team/', '/team@fr.test/')}/members").status_code == 200
    missing = page(alice, web, "/web/communities/nothing/manage")
    assert missing.status_code == 404
    bob = sign_in(web, "bob")  # a member
    Community.objects(slug="team").update(set__visibility="members")
    amelie = sign_in(web, "amelie")  # may not even see it
    for browser in (bob, amelie):
        for tab in ("", "/members", "/invitations", "/ownership"):
            resp = page(browser, web, ROOT + tab)
            assert resp.status_code == 404 and resp.text == page(browser, web, "/web/communities/nothing/manage").text
    assert page(alice, web, "/web/communities/team@elsewhere.test/manage").status_code == 404
    visitor = web.gateway.application.test_client()
    assert page(visitor, web, ROOT).headers["Location"].startswith("/web/login?next=")


def test_the_settings_are_changed_through_the_api(web):
    alice = sign_in(web, "alice")
    form = page(alice, web, ROOT)
    resp = submit(alice, web, ROOT, form, name="Team", description="Welding, filler rods",
                  tags="welding, #Industry", purpose="social", openness="closed", visibility="group",
                  posting="moderators", admits_partners="yes")
    assert resp.status_code == 303 and resp.headers["Location"] == f"{ROOT}?done=saved"
    community = Community.objects(slug="team").get()
    assert (community.description, community.tags, community.purpose, community.openness, community.posting,
            community.admits_partners) == ("Welding, filler rods", ["welding", "industry"], "social", "closed",
                                           "moderators", True)
    shown = page(alice, web, resp.headers["Location"])
    assert "The settings are saved." in shown.text and 'value="welding, industry"' in shown.text
    # a refusal of the service is said on the page, in words
    resp = submit(alice, web, ROOT, form, name="Team", openness="free", admits_partners="yes")
    assert resp.headers["Location"] == f"{ROOT}?problem=partners_need_invitation"
    assert "joined by invitation only" in page(alice, web, resp.headers["Location"]).text
    assert Community.objects(slug="team").get().openness == "closed"


def test_roles_bans_and_removals_from_the_members_tab(web):
    alice = sign_in(web, "alice")
    members = page(alice, web, ROOT + "/members")
    assert "@bob" in members.text and "@bob@de.test" in members.text and "No one is banned." in members.text
    url = ROOT + "/members"
    resp = submit(alice, web, url, members, action="role", actor=web.actor("bob"), role="moderator")
    assert resp.headers["Location"] == f"{url}?done=role" and state_of(web.actor("bob")) == ("member", "moderator")
    resp = submit(alice, web, url, members, action="ban", actor=BOB_DE)
    assert state_of(BOB_DE)[0] == "banned"
    banned = page(alice, web, resp.headers["Location"])
    assert "The person is banned." in banned.text
    assert banned.text.index("@bob@de.test") > banned.text.index('id="banned-title"')
    submit(alice, web, url, members, action="unban", actor=BOB_DE)
    assert state_of(BOB_DE) is None
    submit(alice, web, url, members, action="remove", actor=web.actor("bob"))
    assert state_of(web.actor("bob")) is None
    again = submit(alice, web, url, members, action="remove", actor=web.actor("bob"))  # a second click
    assert again.headers["Location"] == f"{url}?problem=not_found"
    assert "That person is not, or no longer, there." in page(alice, web, again.headers["Location"]).text
    assert submit(alice, web, url, members, action="destroy", actor=BOB_DE).status_code == 400
    resp = alice.post(url, base_url=web.base, data={"action": "ban", "actor": BOB_DE})  # no CSRF token
    assert resp.status_code == 400


def test_a_moderator_reads_the_members_and_nothing_else(web):
    Membership.objects(community="team", actor=web.actor("bob")).update(set__role="moderator")
    bob = sign_in(web, "bob")
    assert page(bob, web, ROOT).headers["Location"] == ROOT + "/members"
    members = page(bob, web, ROOT + "/members")
    assert members.status_code == 200 and "@bob@de.test" in members.text
    assert 'value="ban"' not in members.text and 'href="/web/communities/team/manage/requests"' not in members.text
    assert page(bob, web, ROOT + "/requests").status_code == 404
    resp = submit(bob, web, ROOT + "/members", members, action="ban", actor=BOB_DE)
    assert resp.status_code == 404 and state_of(BOB_DE) == ("member", "member")


def test_a_join_request_is_accepted(web):
    Membership(community="team", actor=web.actor("amelie"), state="pending").save()
    alice = sign_in(web, "alice")
    requests = page(alice, web, ROOT + "/requests")
    assert "@amelie" in requests.text
    resp = submit(alice, web, ROOT + "/requests", requests, action="approve", actor=web.actor("amelie"))
    assert resp.headers["Location"] == f"{ROOT}/requests?done=approve"
    assert state_of(web.actor("amelie")) == ("member", "member")
    assert "No one is waiting." in page(alice, web, resp.headers["Location"]).text


def test_a_colleague_and_a_partner_are_invited_and_an_invitation_withdrawn(web):
    Community.objects(slug="team").update(set__openness="closed", set__admits_partners=True)
    web.remote_actor(PAULA)
    alice = sign_in(web, "alice")
    url = ROOT + "/invitations"
    form = page(alice, web, url)
    assert 'type="date"' in form.text
    resp = submit(alice, web, url, form, address="amelie", expires_on="")
    assert resp.headers["Location"] == f"{url}?done=invite" and state_of(web.actor("amelie"))[0] == "invited"
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=20)).date()
    resp = submit(alice, web, url, form, address=PAULA, expires_on=day.isoformat())
    assert resp.headers["Location"] == f"{url}?done=invite"
    assert Membership.objects(community="team", actor=PAULA).get().expires_at.date() == day + dt.timedelta(days=1)
    listed = page(alice, web, url)
    assert "@amelie" in listed.text and "@paula@partner.test" in listed.text
    assert f"access until {day.strftime('%B')} {day.day}, {day.year}" in listed.text
    resp = submit(alice, web, url, form, address=PAULA, expires_on="2001-01-01")
    assert resp.headers["Location"] == f"{url}?problem=invalid_expiry"
    resp = submit(alice, web, url, form, address="nobody", expires_on="")
    assert resp.headers["Location"] == f"{url}?problem=unknown_address"
    resp = submit(alice, web, url, form, action="revoke", actor=web.actor("amelie"))
    assert resp.headers["Location"] == f"{url}?done=revoke" and state_of(web.actor("amelie")) is None


def test_archiving_and_handing_over_each_ask_first(web):
    alice = sign_in(web, "alice")
    ownership = page(alice, web, ROOT + "/ownership")
    assert f'value="{web.actor("bob")}"' in ownership.text and BOB_DE not in ownership.text  # local members only
    confirm = page(alice, web, ROOT + "/archive")
    assert "No one can post or reply in it any more." in confirm.text
    assert not Community.objects(slug="team").get().archived  # asking changed nothing
    resp = submit(alice, web, ROOT + "/archive", confirm)
    assert resp.headers["Location"] == f"{ROOT}/ownership?done=archived"
    assert Community.objects(slug="team").get().archived
    confirm = page(alice, web, ROOT + "/transfer?actor=" + web.actor("bob"))
    assert "@bob becomes its owner" in confirm.text
    assert page(alice, web, ROOT + "/transfer?actor=" + BOB_DE).headers["Location"] == \
        f"{ROOT}/ownership?problem=not_a_member"
    resp = submit(alice, web, ROOT + "/transfer", confirm, actor=web.actor("bob"))
    assert resp.headers["Location"] == f"{ROOT}/members?done=transferred"
    assert Community.objects(slug="team").get().owner == web.actor("bob")
    assert state_of(web.actor("alice")) == ("member", "manager")
    assert page(alice, web, ROOT + "/ownership").status_code == 404  # the owner's tab is bob's now


def test_the_pages_speak_french(web):
    alice = sign_in(web, "alice", headers={"Accept-Language": "fr"})
    members = page(alice, web, ROOT + "/members", headers={"Accept-Language": "fr"})
    assert "Membres" in members.text and "propriétaire" in members.text
    csrf_of(members.text)  # every form carries its token
