"""The web app's reports and moderation pages against the real node in-process
(tests/unit/web_support.py): a user reports a post or a person, a node moderator handles
the report from the queue (each action confirmed first), a community's moderator sees
only their community's reports, and both sides read the outcome on their notifications
page; plus the profile's skills and interests (services/web/settings_skills.py)."""

from __future__ import annotations

import re

import pytest

from fedkit.protocol.vocab import PUBLIC
from tests.unit.api_support import ApiUser
from tests.unit.web_support import page, post_as, sign_in, status_ids, submit, web_node


@pytest.fixture
def web(node, monkeypatch):
    from services.identity.models import Account

    node = web_node(node, monkeypatch)
    node.local_user("carl")
    node.local_user("dora")
    Account.objects(username="carl").update(set__roles=["moderator"])  # the node's moderator
    return node


def _reports(node) -> list[dict]:
    from services.inbox.report_models import Report

    return [{"number": r.number, "comment": r.comment, "category": r.category, "statuses": list(r.status_uris),
             "resolved": r.action_taken} for r in Report.objects.order_by("number")]


def _alices_post(web, text: str) -> str:
    alice = sign_in(web, "alice")
    assert post_as(alice, web, text, "group").status_code == 303
    web.run()
    return status_ids(page(alice, web, "/web/@alice").text)[0]


def test_a_post_is_reported_from_its_page(web):
    status_id = _alices_post(web, "Buy cheap watches")
    bob = sign_in(web, "bob")
    post_page = page(bob, web, f"/web/statuses/{status_id}")
    assert f'href="/web/report/{status_id}"' in post_page.text
    form = page(bob, web, f"/web/report/{status_id}")
    assert form.status_code == 200 and "Buy cheap watches" in form.text
    assert {"spam", "violation", "other"} == set(re.findall(r'name="category" value="(\w+)"', form.text))
    assert 'maxlength="1000"' in form.text and 'name="forward"' not in form.text  # alice is of this node
    # what the form does not allow is said, with the form as typed
    refused = submit(bob, web, "/web/report", form, account_id=_account_id(form), status_id=status_id,
                     category="gossip", comment="hm")
    assert refused.status_code == 422 and "Please choose what is wrong." in refused.text
    too_long = submit(bob, web, "/web/report", form, account_id=_account_id(form), status_id=status_id,
                      category="spam", comment="x" * 1001)
    assert too_long.status_code == 422 and "at most 1,000 characters" in too_long.text
    assert _reports(web) == []
    sent = submit(bob, web, "/web/report", form, account_id=_account_id(form), status_id=status_id,
                  category="spam", comment="<b>spam</b> again")
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/web/report/sent?about=post")
    [report] = _reports(web)
    assert (report["comment"], report["category"], len(report["statuses"])) == ("<b>spam</b> again", "spam", 1)
    thanks = page(bob, web, sent.headers["Location"])
    assert "Thank you for your report" in thanks.text and "will look at it" in thanks.text
    assert "You will get a notification" in thanks.text
    # one's own post offers no report
    alice = sign_in(web, "alice")
    assert f'href="/web/report/{status_id}"' not in page(alice, web, f"/web/statuses/{status_id}").text
    assert page(alice, web, f"/web/report/{status_id}").status_code == 404


def _account_id(form) -> str:
    return re.search(r'name="account_id" value="([^"]+)"', form.text).group(1)


def test_a_person_is_reported_from_their_profile(web):
    bob = sign_in(web, "bob")
    profile = page(bob, web, "/web/@alice")
    [link] = re.findall(r'href="(/web/report/account/[^"]+)"', profile.text)
    form = page(bob, web, link)
    assert form.status_code == 200 and "Report alice" in form.text and 'name="status_id"' not in form.text
    sent = submit(bob, web, "/web/report", form, account_id=_account_id(form), category="other",
                  comment="Rude in the canteen thread")
    assert sent.status_code == 303 and "about=person" in sent.headers["Location"]
    assert [r["comment"] for r in _reports(web)] == ["Rude in the canteen thread"]
    assert page(bob, web, "/web/report/account/../x").status_code == 404


def test_a_node_moderator_removes_the_post_with_a_warning_and_both_are_told(web):
    status_id = _alices_post(web, "Buy cheap watches")
    bob = sign_in(web, "bob")
    form = page(bob, web, f"/web/report/{status_id}")
    submit(bob, web, "/web/report", form, account_id=_account_id(form), status_id=status_id, category="spam",
           comment="<script>alert(1)</script> spam")
    # a plain user has no way in
    dora = sign_in(web, "dora")
    assert 'href="/web/admin"' not in page(dora, web, "/web/home").text
    for path in ("/web/admin", "/web/admin/reports", "/web/admin/reports/1", "/web/admin/reports/1/dismiss"):
        assert page(dora, web, path).status_code == 404
    carl = sign_in(web, "carl")
    assert 'href="/web/admin"' in page(carl, web, "/web/home").text
    landing = page(carl, web, "/web/admin")
    assert landing.status_code == 200 and 'href="/web/admin/reports"' in landing.text
    assert 'href="/web/admin/held"' not in landing.text  # the administrators' page
    queue = page(carl, web, "/web/admin/reports")
    assert queue.status_code == 200 and "@bob" in queue.text and "@alice" in queue.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; spam" in queue.text and "<script>alert" not in queue.text
    assert "Spam or advertising" in queue.text and "Buy cheap watches" in queue.text
    assert "Report about @alice" in queue.text
    [number] = [r["number"] for r in _reports(web)]
    report_page = page(carl, web, f"/web/admin/reports/{number}")
    for action in ("dismiss", "delete_statuses", "sensitive", "warn"):
        assert f'href="/web/admin/reports/{number}/{action}"' in report_page.text
    assert f"/web/admin/reports/{number}/exclude" not in report_page.text  # not a community's post
    taken = submit(carl, web, f"/web/admin/reports/{number}/assign", report_page)
    assert taken.headers["Location"] == f"/web/admin/reports/{number}?notice=assigned"
    assert "You took this report." in page(carl, web, taken.headers["Location"]).text
    confirm = page(carl, web, f"/web/admin/reports/{number}/delete_statuses")
    assert confirm.status_code == 200 and "Remove the posts?" in confirm.text and 'name="text"' in confirm.text
    done = submit(carl, web, f"/web/admin/reports/{number}/delete_statuses", confirm,
                  text="Advertising breaks the charter, §3")
    assert done.status_code == 303 and done.headers["Location"] == "/web/admin/reports?notice=resolved"
    web.run()
    assert ApiUser(web, "bob").get(f"/api/v1/statuses/{status_id}").status_code == 404  # gone
    assert "No report is waiting." in page(carl, web, "/web/admin/reports?notice=resolved").text
    resolved = page(carl, web, "/web/admin/reports?resolved=1")
    assert f'href="/web/admin/reports/{number}"' in resolved.text
    told = page(bob, web, "/web/notifications").text
    assert "Your report about @alice was handled:" in told and "the moderators took action" in told
    warned = page(sign_in(web, "alice"), web, "/web/notifications").text
    assert f"A warning from the moderators of {web.config.node_name}" in warned
    assert "they removed your reported posts" in warned and "Advertising breaks the charter, §3" in warned
    # a resolved report can be reopened (confirmed first)
    report_page = page(carl, web, f"/web/admin/reports/{number}")
    assert f'href="/web/admin/reports/{number}/reopen"' in report_page.text
    assert f'href="/web/admin/reports/{number}/dismiss"' not in report_page.text
    confirm = page(carl, web, f"/web/admin/reports/{number}/reopen")
    reopened = submit(carl, web, f"/web/admin/reports/{number}/reopen", confirm)
    assert reopened.headers["Location"] == f"/web/admin/reports/{number}?notice=reopened"
    assert _reports(web)[0]["resolved"] is False


def test_a_warning_needs_its_reason_and_a_dismissal_tells_the_reporter(web):
    status_id = _alices_post(web, "A heated reply")
    bob = sign_in(web, "bob")
    form = page(bob, web, f"/web/report/{status_id}")
    submit(bob, web, "/web/report", form, account_id=_account_id(form), status_id=status_id, category="other")
    [number] = [r["number"] for r in _reports(web)]
    carl = sign_in(web, "carl")
    confirm = page(carl, web, f"/web/admin/reports/{number}/warn")
    assert confirm.status_code == 200 and "Warn the author?" in confirm.text
    empty = submit(carl, web, f"/web/admin/reports/{number}/warn", confirm, text=" ")
    assert empty.status_code == 422 and "Please write the warning" in empty.text
    assert _reports(web)[0]["resolved"] is False
    dismissed = submit(carl, web, f"/web/admin/reports/{number}/dismiss", page(carl, web,
                       f"/web/admin/reports/{number}/dismiss"))
    assert dismissed.status_code == 303
    web.run()
    told = page(bob, web, "/web/notifications").text
    assert "was handled:" in told and "took no action" in told
    # acting again on a resolved report is refused in plain words
    again = submit(carl, web, f"/web/admin/reports/{number}/dismiss", confirm)
    assert again.status_code == 422 and "This report was not changed" in again.text


def test_a_communitys_moderator_sees_its_reports_and_may_dismiss_them(web):
    from services.api.ids import status_id

    web.local_user("erin")
    welding = web.community("welding", owner=web.actor("erin"), members=(web.actor("alice"), web.actor("bob")))
    created = web.publish("alice", {"type": "Note", "content": "off topic", "to": [welding, PUBLIC]})
    web.run()
    in_community = status_id(created["object"]["id"])
    elsewhere = _alices_post(web, "a post elsewhere")
    bob = sign_in(web, "bob")
    for sid in (in_community, elsewhere):
        form = page(bob, web, f"/web/report/{sid}")
        assert submit(bob, web, "/web/report", form, account_id=_account_id(form), status_id=sid,
                      category="other", comment=f"about {sid}").status_code == 303
    erin = sign_in(web, "erin")
    assert 'href="/web/admin"' in page(erin, web, "/web/home").text
    queue = page(erin, web, "/web/admin/reports")
    assert f"about {in_community}" in queue.text and f"about {elsewhere}" not in queue.text
    assert "communities you moderate" in queue.text
    number = next(r["number"] for r in _reports(web) if r["comment"] == f"about {in_community}")
    report_page = page(erin, web, f"/web/admin/reports/{number}")
    assert f'href="/web/admin/reports/{number}/dismiss"' in report_page.text
    for action in ("delete_statuses", "exclude", "warn"):  # the node moderators' actions
        assert f"/web/admin/reports/{number}/{action}" not in report_page.text
        assert page(erin, web, f"/web/admin/reports/{number}/{action}").status_code == 404
    # the node's moderator may exclude alice from the community
    carl_page = page(sign_in(web, "carl"), web, f"/web/admin/reports/{number}")
    assert f'href="/web/admin/reports/{number}/exclude"' in carl_page.text
    other = next(r["number"] for r in _reports(web) if r["number"] != number)
    assert page(erin, web, f"/web/admin/reports/{other}").status_code == 404


def test_the_profile_declares_skills_and_shows_the_directorys_parts(web):
    alice = sign_in(web, "alice")
    form = page(alice, web, "/web/settings/profile")
    assert form.status_code == 200
    for name in ("skills", "interests", "languages", "projects"):
        assert f'name="{name}"' in form.text
    assert "Job title" in form.text and "Department" in form.text and "ask your HR department" in form.text
    assert 'name="title"' not in form.text  # read only
    resp = submit(alice, web, "/web/settings/profile/skills", form, skills="welding, brazing\nquality\n\nwelding",
                  interests="", languages="French, German", projects="Osprey")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/web/settings/profile?notice=skills")
    declared = ApiUser(web, "alice").get("/api/archipel/profile").get_json()["declared"]
    assert declared == {"skills": ["welding", "brazing", "quality"], "interests": [],
                        "languages": ["French", "German"], "projects": ["Osprey"]}
    saved = page(alice, web, "/web/settings/profile?notice=skills")
    assert "Your skills and interests are saved." in saved.text and "welding\nbrazing\nquality" in saved.text
    assert submit(alice, web, "/web/settings/profile/skills", form, skills="x").status_code == 303
    assert sign_in(web, "bob").post("/web/settings/profile/skills", base_url=web.base,
                                    data={"skills": "x"}).status_code == 400  # no CSRF token


def test_a_registration_with_fewer_scopes_is_made_anew(web):
    """A node whose web app registered before the moderation pages asked for the admin
    scopes: the web app registers again, so its moderators' tokens carry them."""
    from services.identity.models import OAuthToken
    from services.web.models import WebClient
    from services.web.oauth_client import SCOPES

    sign_in(web, "dora")
    WebClient.objects.update(set__scopes="read write follow")
    sign_in(web, "carl")
    assert WebClient.objects.get().scopes == SCOPES
    token = OAuthToken.objects(username="carl").order_by("-id").first()
    assert "admin:read:reports" in token.scope.split()
