"""The web app's pages against the real node in-process: every page is read and every
form is written through the node's client API with the signed-in user's own token, as
the gateway checks an app's (tests/unit/web_support.py)."""

from __future__ import annotations

import re

import pytest

from tests.unit.web_support import (
    csrf_of,
    local_path,
    page,
    post_as,
    sign_in,
    status_ids,
    submit,
    web_node,
    with_dlp_rules,
)


@pytest.fixture
def web(node, monkeypatch):
    return web_node(node, monkeypatch)


def test_a_visitor_sees_the_welcome_page_and_pages_ask_to_sign_in(web):
    browser = web.gateway.application.test_client()
    welcome = page(browser, web, "/")
    assert welcome.status_code == 200 and 'href="/web/login"' in welcome.text
    resp = page(browser, web, "/web/notifications")
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/login?next=/web/notifications"
    resp = browser.post("/web/compose", base_url=web.base, data={"status": "x"})
    assert resp.status_code == 401  # a form without a session posts nothing


def test_sign_in_keeps_the_token_on_the_server(web):
    from services.identity.models import OAuthClient, OAuthToken
    from services.web.models import WebAppSession

    browser = sign_in(web, "alice")
    cookie = browser.get_cookie("archipel_fr_web", domain="fr.test")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    record = WebAppSession.objects(username="alice").get()
    assert cookie.value not in (record.sid_hash, record.token_sealed)
    # the web app is an ordinary OAuth client of the node, with an ordinary token
    client = OAuthClient.objects(client_name="Archipel web").get()
    token = OAuthToken.objects(client_id=client.client_id, username="alice").get()
    assert set(token.scope.split()) == {"read", "write", "follow", "admin:read:reports", "admin:write:reports",
                                        "admin:write:accounts"}  # the moderators' pages: the API decides
    home = page(browser, web, "/")
    assert home.status_code == 200 and "@alice" in home.text


def test_sign_out_revokes_the_token_and_ends_the_session(web):
    from services.identity.models import OAuthToken

    browser = sign_in(web, "alice")
    home = page(browser, web, "/")
    resp = submit(browser, web, "/web/logout", home)
    assert resp.status_code == 303 and resp.headers["Location"] == "/?signed_out=1"
    assert OAuthToken.objects(username="alice").get().revoked
    assert page(browser, web, "/web/home").status_code == 303  # signed out


def test_a_token_the_node_revoked_ends_the_web_session(web):
    """Deprovisioning revokes the account's tokens: the next page signs the browser out."""
    from services.identity.models import OAuthToken
    from services.web.models import WebAppSession

    browser = sign_in(web, "alice")
    OAuthToken.objects(username="alice").update(set__revoked=True)
    resp = page(browser, web, "/web/home")
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/login?next=/web/home"
    assert WebAppSession.objects(username="alice").count() == 0
    assert page(browser, web, "/").status_code == 200  # the welcome page, not a loop


def test_a_form_without_its_csrf_token_is_refused(web):
    browser = sign_in(web, "alice")
    resp = browser.post("/web/compose", base_url=web.base, data={"status": "forged", "visibility": "group"})
    assert resp.status_code == 400
    resp = browser.post("/web/compose", base_url=web.base,
                        data={"status": "forged", "visibility": "group", "csrf": "wrong"})
    assert resp.status_code == 400
    web.run()
    assert "forged" not in page(browser, web, "/web/home?tab=group").text


def test_a_group_post_shows_in_the_group_tab_opens_and_is_liked(web):
    alice = sign_in(web, "alice")
    resp = post_as(alice, web, "Hello from the web app", "group")
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/home?tab=group&notice=posted"
    web.run()
    group = page(alice, web, local_path(resp.headers["Location"]))
    assert "Hello from the web app" in group.text and "Your post is published." in group.text
    [status_id] = status_ids(group.text)
    opened = page(alice, web, f"/web/statuses/{status_id}")
    assert opened.status_code == 200 and "Hello from the web app" in opened.text
    assert "The whole group" in opened.text  # its audience, in words
    bob = sign_in(web, "bob")
    bob_view = page(bob, web, f"/web/statuses/{status_id}")
    liked = submit(bob, web, f"/web/statuses/{status_id}/favourite", bob_view, next=f"/web/statuses/{status_id}")
    assert liked.status_code == 303 and liked.headers["Location"] == f"/web/statuses/{status_id}"
    web.run()
    after = page(bob, web, f"/web/statuses/{status_id}")
    assert re.search(r'aria-pressed="true">\s*<span aria-hidden="true">♥</span> Like <span class="count">1<', after.text), \
        re.search(r"<footer class=\"actions\">.*?</footer>", after.text, re.S).group(0)


def test_htmx_gets_the_updated_card_alone(web):
    alice = sign_in(web, "alice")
    post_as(alice, web, "Swap me in place", "group")
    web.run()
    [status_id] = status_ids(page(alice, web, "/web/home?tab=group").text)
    view = page(alice, web, f"/web/statuses/{status_id}")
    resp = alice.post(f"/web/statuses/{status_id}/favourite", base_url=web.base, headers={"HX-Request": "true"},
                      data={"csrf": csrf_of(view.text), "next": "/web/home"})
    assert resp.status_code == 200
    assert resp.text.lstrip().startswith("<article") and "<html" not in resp.text
    assert f"/web/statuses/{status_id}/unfavourite" in resp.text


def test_the_composer_explains_each_audience_the_node_offers(web):
    alice = sign_in(web, "alice")
    compose = page(alice, web, "/web/compose")
    offered = re.findall(r'name="visibility" value="([a-z]+)"', compose.text)
    assert offered == ["group", "node", "private", "direct", "public", "unlisted"]
    assert re.search(r'value="group"[^>]*checked', compose.text)  # the group by default
    assert "It never leaves the group." in compose.text
    assert "Only the people of this node (fr)." in compose.text


def test_data_loss_prevention_answers_are_shown(web, monkeypatch, tmp_path):
    with_dlp_rules(web, monkeypatch, tmp_path, {"rules": [
        {"name": "codenames", "pattern": r"(?i)\bproject\s+osprey\b", "action": "hold",
         "message": "Project Osprey is confidential"},
        {"name": "confidential", "tag": "confidential", "action": "block",
         "message": "Posts tagged #confidential stay inside the group"}]})
    alice = sign_in(web, "alice")
    blocked = post_as(alice, web, "Figures #confidential", "public")
    assert blocked.status_code == 422
    assert "Your post was not published" in blocked.text
    assert "Posts tagged #confidential stay inside the group" in blocked.text
    assert "Figures #confidential" in blocked.text  # the text is kept to change it
    held = post_as(alice, web, "News of Project Osprey", "public")
    assert held.status_code == 202
    assert "Your post is held for review" in held.text and "Project Osprey is confidential" in held.text


def test_a_reply_from_the_post_page_joins_the_thread(web):
    alice = sign_in(web, "alice")
    post_as(alice, web, "Who knows about welding?", "group")
    web.run()
    [status_id] = status_ids(page(alice, web, "/web/home?tab=group").text)
    bob = sign_in(web, "bob")
    view = page(bob, web, f"/web/statuses/{status_id}")
    assert "@alice " in view.text  # the reply starts by naming the author
    resp = submit(bob, web, "/web/compose", view, status="@alice I do", visibility="group",
                  in_reply_to_id=status_id)
    assert resp.status_code == 303 and resp.headers["Location"] == f"/web/statuses/{status_id}?notice=posted"
    web.run()
    thread = page(bob, web, f"/web/statuses/{status_id}")
    assert "I do" in thread.text and "Replies" in thread.text


def test_notifications_show_an_unread_count_until_read(web):
    alice = sign_in(web, "alice")
    post_as(alice, web, "Like me", "group")
    web.run()
    [status_id] = status_ids(page(alice, web, "/web/home?tab=group").text)
    bob = sign_in(web, "bob")
    submit(bob, web, f"/web/statuses/{status_id}/favourite", page(bob, web, f"/web/statuses/{status_id}"),
           next="/web/home")
    web.run()
    home = page(alice, web, "/web/home")
    assert re.search(r'<span class="badge">1<span class="visually-hidden"> unread', home.text)
    notes = page(alice, web, "/web/notifications")
    assert "liked your post" in notes.text
    assert 'class="badge"' not in page(alice, web, "/web/home").text


def test_the_unread_count_is_the_apis_notifications_marker_shared_with_apps(web):
    """Reading in the web app moves the read position every app of the user sees
    (docs.joinmastodon.org/methods/markers/), and reading in an app clears the web's badge."""
    from tests.unit.api_support import ApiUser

    phone = ApiUser(web, "alice")
    alice = sign_in(web, "alice")
    post_as(alice, web, "Like me twice", "group")
    web.run()
    [status_id] = status_ids(page(alice, web, "/web/home?tab=group").text)
    bob = sign_in(web, "bob")
    submit(bob, web, f"/web/statuses/{status_id}/favourite", page(bob, web, f"/web/statuses/{status_id}"),
           next="/web/home")
    web.run()
    assert phone.get("/api/v1/notifications/unread_count").get_json() == {"count": 1}
    page(alice, web, "/web/notifications")
    newest = phone.get("/api/v1/notifications").get_json()[0]["id"]
    marker = phone.get("/api/v1/markers", query_string={"timeline[]": "notifications"}).get_json()
    assert marker["notifications"]["last_read_id"] == newest
    assert phone.get("/api/v1/notifications/unread_count").get_json() == {"count": 0}
    # a new notification, read on the phone: the web's badge goes too
    boosted = post_as(alice, web, "Public news", "public")
    assert boosted.status_code == 303
    web.run()
    [public_id] = [i for i in status_ids(page(alice, web, "/web/home?tab=node").text) if i != status_id]
    submit(bob, web, f"/web/statuses/{public_id}/reblog", page(bob, web, f"/web/statuses/{public_id}"),
           next="/web/home")
    web.run()
    assert re.search(r'<span class="badge">1<', page(alice, web, "/web/home").text)
    newest = phone.get("/api/v1/notifications").get_json()[0]["id"]
    phone.post("/api/v1/markers", data={"notifications[last_read_id]": newest})
    assert 'class="badge"' not in page(alice, web, "/web/home").text


def test_a_profile_shows_the_posts_and_follows(web):
    bob = sign_in(web, "bob")
    post_as(bob, web, "Bob's own news", "group")
    web.run()
    alice = sign_in(web, "alice")
    profile = page(alice, web, "/web/@bob")
    assert profile.status_code == 200 and "Bob's own news" in profile.text
    account_id = re.search(r'name="account_id" value="([^"]+)"', profile.text).group(1)
    resp = submit(alice, web, "/web/@bob/follow", profile, account_id=account_id)
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/@bob"
    web.run()
    after = page(alice, web, "/web/@bob")
    assert ">Unfollow</button>" in after.text or "waiting for an answer" in after.text
    assert page(alice, web, "/web/@nobody-here").status_code == 404
    assert page(alice, web, "/web/statuses/1%3Fx=1").status_code == 404  # only ids reach the API's paths


@pytest.mark.parametrize(("language", "expected"), [
    ("de-DE,de;q=0.9,en;q=0.5", ("Die ganze Gruppe", "Abmelden", 'lang="de"')),
    ("fr-FR,fr;q=0.9", ("Tout le groupe", "Se déconnecter", 'lang="fr"')),
    ("en-GB", ("The whole group", "Sign out", 'lang="en"')),
])
def test_pages_speak_the_browsers_language(web, language, expected):
    alice = sign_in(web, "alice")
    home = page(alice, web, "/web/home", headers={"Accept-Language": language})
    for text in expected:
        assert text in home.text


def test_pages_carry_a_strict_content_security_policy(web):
    browser = web.gateway.application.test_client()
    resp = page(browser, web, "/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert resp.headers["Cache-Control"] == "no-store"
    static = page(browser, web, "/web/static/htmx.min.js")
    assert static.status_code == 200 and b"htmx" in static.data[:200]


def test_the_home_link_header_pages_to_older_posts(web, monkeypatch):
    from services.web import context, pages

    monkeypatch.setattr(context, "PAGE", 2)  # a full page has 2 posts
    monkeypatch.setattr(pages, "PAGE", 2)
    alice = sign_in(web, "alice")
    for n in range(3):
        post_as(alice, web, f"Post number {n}", "group")
        web.run()
    first = page(alice, web, "/web/home?tab=group")
    assert "Post number 2" in first.text and "Post number 0" not in first.text
    older = re.search(r'rel="next" href="([^"]+)"', first.text).group(1).replace("&amp;", "&")
    second = page(alice, web, older)
    assert "Post number 0" in second.text and "Post number 2" not in second.text


def test_boost_is_offered_only_where_mastodon_allows_it(web):
    alice = sign_in(web, "alice")
    post_as(alice, web, "Inside the group only", "group")
    post_as(alice, web, "For everyone", "public")
    web.run()
    bob = sign_in(web, "bob")
    stream = page(bob, web, "/web/home?tab=node")
    cards = dict(zip(status_ids(stream.text), re.findall(r"<article.*?</article>", stream.text, re.S), strict=True))
    public_id = next(i for i, html in cards.items() if "For everyone" in html)
    group_id = next(i for i, html in cards.items() if "Inside the group only" in html)
    assert f"/web/statuses/{public_id}/reblog" in cards[public_id]
    assert "/reblog" not in cards[group_id]  # group posts are not boosted (the API answers 403)
    boosted = submit(bob, web, f"/web/statuses/{public_id}/reblog", stream, next="/web/home?tab=node")
    assert boosted.status_code == 303
    web.run()
    after = page(bob, web, f"/web/statuses/{public_id}")
    assert re.search(r'aria-pressed="true">\s*<span aria-hidden="true">↻</span> Boost <span class="count">1<', after.text)


def test_the_author_deletes_a_post_from_its_page(web):
    alice = sign_in(web, "alice")
    post_as(alice, web, "A post to take back", "group")
    web.run()
    [status_id] = status_ids(page(alice, web, "/web/home?tab=group").text)
    view = page(alice, web, f"/web/statuses/{status_id}")
    assert f"/web/statuses/{status_id}/delete" in view.text
    bob = sign_in(web, "bob")
    assert "/delete" not in page(bob, web, f"/web/statuses/{status_id}").text  # only the author's
    resp = submit(alice, web, f"/web/statuses/{status_id}/delete", view)
    assert resp.status_code == 303 and resp.headers["Location"] == "/web/home?notice=deleted"
    web.run()
    assert "A post to take back" not in page(alice, web, "/web/home?tab=group").text
    assert page(alice, web, f"/web/statuses/{status_id}").status_code == 404


def test_a_content_warning_folds_the_text_away(web):
    alice = sign_in(web, "alice")
    home = page(alice, web, "/web/home")
    submit(alice, web, "/web/compose", home, status="The ending of the film", spoiler_text="Spoilers",
           visibility="group")
    web.run()
    stream = page(alice, web, "/web/home?tab=group").text
    assert re.search(r'<details class="cw">\s*<summary>Content warning: Spoilers</summary>\s*'
                     r'<div class="content"><p>The ending of the film</p>', stream)


def test_the_home_page_offers_posts_that_arrived_since_without_a_reload(web):
    alice = sign_in(web, "alice")
    post_as(alice, web, "The first post", "group")
    web.run()
    home = page(alice, web, "/web/home?tab=group")
    poll = re.search(r'hx-get="(/web/fragments/newer\?tab=group&amp;min_id=[^"]+)" hx-trigger="every 30s"', home.text)
    fragment = poll.group(1).replace("&amp;", "&")
    assert page(alice, web, fragment).text.strip() == ""  # nothing newer yet
    bob = sign_in(web, "bob")
    post_as(bob, web, "A newer post", "group")
    web.run()
    newer = page(alice, web, fragment)
    assert "1 new post: show it" in newer.text and 'href="/web/home?tab=group"' in newer.text
    assert "<html" not in newer.text
