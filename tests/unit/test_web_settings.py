"""The web app's settings and administration pages against the real node in-process
(tests/unit/web_support.py): the profile, the preferences (language, default audience)
kept through the client API, the authorised apps and sessions, and the held posts an
administrator releases or rejects."""

from __future__ import annotations

import re

import pytest

from tests.unit.api_support import ApiUser
from tests.unit.web_support import page, post_as, sign_in, submit, web_node, with_dlp_rules


@pytest.fixture
def web(node, monkeypatch):
    from services.identity.models import Account

    node = web_node(node, monkeypatch)
    Account.objects(username="alice").update(set__roles=["node_admin"])  # the node's administrator
    return node


def verified(node, username: str) -> dict:
    return ApiUser(node, username).get("/api/v1/accounts/verify_credentials").get_json()


def test_the_header_links_settings_and_administration_for_administrators_only(web):
    alice, bob = sign_in(web, "alice"), sign_in(web, "bob")
    home = page(alice, web, "/web/home").text
    assert 'href="/web/settings/profile"' in home and 'href="/web/admin"' in home
    home = page(bob, web, "/web/home").text
    assert 'href="/web/settings/profile"' in home and 'href="/web/admin"' not in home
    for path in ("/web/admin", "/web/admin/held", "/web/admin/held/abc/release"):
        assert page(bob, web, path).status_code == 404  # as for a page that does not exist
    assert page(bob, web, "/web/settings").headers["Location"] == "/web/settings/profile"


def test_the_profile_edits_what_the_directory_does_not_own(web):
    alice = sign_in(web, "alice")
    form = page(alice, web, "/web/settings/profile")
    assert form.status_code == 200
    assert "come from the directory" in form.text and 'name="display_name"' not in form.text
    resp = submit(alice, web, "/web/settings/profile", form, note="Welding and quality in Lyon", locked="1",
                  field_name=["Trade", ""], field_value=["welding", ""])
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/settings/profile?notice=saved"
    account = verified(web, "alice")
    assert account["source"]["note"] == "Welding and quality in Lyon" and account["locked"] is True
    assert [(f["name"], f["value"]) for f in account["source"]["fields"]] == [("Trade", "welding")]
    saved = page(alice, web, "/web/settings/profile?notice=saved").text
    assert "Your profile is saved." in saved and 'value="Trade"' in saved
    # the API's refusal is shown with the form as typed
    refused = submit(alice, web, "/web/settings/profile", form, note="x" * 600, field_name=["Trade"],
                     field_value=["welding, brazing"])
    assert refused.status_code == 422 and "Note is too long" in refused.text
    assert 'value="welding, brazing"' in refused.text
    assert verified(web, "alice")["source"]["note"] == "Welding and quality in Lyon"  # unchanged


def test_preferences_switch_the_language_and_the_composers_audience(web):
    alice = sign_in(web, "alice", headers={"Accept-Language": "en"})
    form = page(alice, web, "/web/settings/preferences")
    assert form.status_code == 200 and '<html lang="en">' in form.text
    assert re.search(r'id="audience-group"[^>]*checked', form.text)  # the web app's default until chosen
    assert 'id="audience-direct"' not in form.text
    resp = submit(alice, web, "/web/settings/preferences", form, language="fr", audience="node")
    assert resp.status_code == 303
    # stored through the client API: every app of alice reads them
    preferences = ApiUser(web, "alice").get("/api/v1/preferences").get_json()
    assert preferences["posting:default:visibility"] == "node" and preferences["posting:default:language"] == "fr"
    compose = page(alice, web, "/web/compose")
    assert '<html lang="fr">' in compose.text and "Paramètres" in compose.text
    assert re.search(r'value="node"[^>]*checked', compose.text)
    assert re.search(r'value="node"[^>]*checked', page(alice, web, "/web/home").text)
    # a new sign-in (another browser) starts from them too
    other = sign_in(web, "alice", headers={"Accept-Language": "de"})
    assert '<html lang="fr">' in page(other, web, "/web/home").text
    # back to the browser's language
    form = page(alice, web, "/web/settings/preferences")
    assert "Vos préférences sont enregistrées." not in form.text
    submit(alice, web, "/web/settings/preferences", form, language="", audience="group")
    assert '<html lang="en">' in page(alice, web, "/web/home").text
    assert ApiUser(web, "alice").get("/api/v1/preferences").get_json()["posting:default:language"] is None
    # what no form offers is refused
    assert submit(alice, web, "/web/settings/preferences", form, language="xx", audience="group").status_code == 400
    assert submit(alice, web, "/web/settings/preferences", form, language="", audience="direct").status_code == 400


def test_apps_and_sessions_are_listed_and_revoked(web):
    from services.identity.models import OAuthClient

    client = OAuthClient(client_id="test-app", client_name="Phone app", redirect_uris=["urn:ietf:wg:oauth:2.0:oob"],
                         scope="read write follow")
    client.set_secret("s" * 32)
    client.save()
    phone = ApiUser(web, "alice")
    alice = sign_in(web, "alice")
    listing = page(alice, web, "/web/settings/apps")
    assert listing.status_code == 200
    assert "Phone app" in listing.text and "Archipel web" in listing.text and "This browser" in listing.text
    [phone_id] = [i for i in re.findall(r'action="/web/settings/apps/([0-9a-f]+)/revoke"', listing.text)
                  if listing.text.index(i) > listing.text.index("Phone app")][:1]
    assert phone.get("/api/v1/accounts/verify_credentials").status_code == 200
    resp = submit(alice, web, f"/web/settings/apps/{phone_id}/revoke", listing)
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/settings/apps?notice=revoked"
    assert phone.get("/api/v1/accounts/verify_credentials").status_code == 401  # at once
    listing = page(alice, web, "/web/settings/apps")
    assert "Phone app" not in listing.text
    [own_id] = re.findall(r'action="/web/settings/apps/([0-9a-f]+)/revoke"', listing.text)
    resp = submit(alice, web, f"/web/settings/apps/{own_id}/revoke", listing)
    assert resp.status_code == 303 and resp.headers["Location"] == "/?signed_out=1"
    assert page(alice, web, "/web/home").status_code == 303  # signed out
    assert submit(alice, web, "/web/settings/apps/abc/revoke", listing).status_code == 401


def test_an_administrator_releases_or_rejects_held_posts(web, monkeypatch, tmp_path):
    from services.outbox.models import HeldPost

    with_dlp_rules(web, monkeypatch, tmp_path, {"rules": [
        {"name": "codenames", "pattern": r"(?i)\bproject\s+osprey\b", "action": "hold",
         "message": "Project Osprey is confidential"}]})
    bob, alice = sign_in(web, "bob"), sign_in(web, "alice")
    assert post_as(bob, web, "Project Osprey starts on Monday", "public").status_code == 202
    assert post_as(bob, web, "Project Osprey budget", "public").status_code == 202
    landing = page(alice, web, "/web/admin")
    assert landing.status_code == 200 and 'href="/web/admin/held"' in landing.text
    assert "2 posts wait for a decision." in landing.text
    listing = page(alice, web, "/web/admin/held")
    assert "@bob" in listing.text and "codenames" in listing.text and "Project Osprey is confidential" in listing.text
    assert "Public" in listing.text and "Project Osprey starts on Monday" in listing.text
    monday = HeldPost.objects(text__exists=True).order_by("created_at").first().held_id
    budget = next(h.held_id for h in HeldPost.objects() if h.held_id != monday)
    confirm = page(alice, web, f"/web/admin/held/{monday}/release")
    assert confirm.status_code == 200 and "Release this post?" in confirm.text
    resp = submit(alice, web, f"/web/admin/held/{monday}/release", confirm)
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/admin/held?notice=released"
    assert HeldPost.objects(held_id=monday).get().state == "released"
    web.run()
    assert "Project Osprey starts on Monday" in page(alice, web, "/web/@bob").text  # published
    confirm = page(alice, web, f"/web/admin/held/{budget}/reject")
    resp = submit(alice, web, f"/web/admin/held/{budget}/reject", confirm, reason="Not before the launch")
    assert resp.status_code == 303
    rejected = HeldPost.objects(held_id=budget).get()
    assert rejected.state == "rejected" and rejected.reason == "Not before the launch"
    assert "No post is waiting for a decision." in page(alice, web, "/web/admin/held").text
    # decided already: said, not a server error
    again = submit(alice, web, f"/web/admin/held/{budget}/release", confirm)
    assert again.status_code == 409 and "already" in again.text
    # bob, the author, is no reviewer
    assert submit(bob, web, f"/web/admin/held/{budget}/release", page(bob, web, "/web/home")).status_code == 404
