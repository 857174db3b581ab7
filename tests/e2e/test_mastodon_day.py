"""A day's work in a phone app (issue 9, "Done when"): a new employee, known only to the
group's identity provider, installs a Mastodon app (Mastodon.py 2.3.3), points it at their
node and signs in with the group's account (authorization code through the node's login
page and single sign-on; the node creates the account at this first sign-in). The app
makes its start-up calls, then the person posts with each audience, reads the home, node
and group timelines, finds a colleague of the other node by ``name@node``, follows them,
gets their reply as a notification, favourites and boosts it, edits and deletes a post,
posts a photo and votes in the colleague's poll — on fr (split) and de (compact). And toot
logs in, posts and reads its home timeline on de."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from mastodon import Mastodon, MastodonNotFoundError

from tests.e2e.sso_support import follow_to_node, start_sso
from tests.e2e.test_mastodon_api import REDIRECT, SCOPES, mastodon_app
from tests.e2e.test_mastodon_statuses import password_app
from tests.e2e.test_sso_group_provider import sign_in_at_group_provider
from tests.plugin import wait_until
from tests.unit.test_media_processing import photo

OTHER = {"fr": "de", "de": "fr"}


def new_employee(group, home: str, display_name: str) -> str:
    """An employee the group's directory has just added (the provider's operator command);
    no node has an account for them yet."""
    name = "day" + uuid.uuid4().hex[:8]
    env = dict(group.idp.env, ARCHIPEL_NEW_USER_PASSWORD=group[home].password)
    subprocess.run([sys.executable, "-m", "services.idp.manage", "add-employee", name, "--home-node", home,
                    "--name", display_name, "--email", f"{name}@{home}.archipel.example"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return name


def sign_in_with_the_group_account(group, node: str, username: str) -> Mastodon:
    """What the person does: the app opens the node's authorize page in a browser, the node's
    login page offers the group's account, the provider asks for the password, the node asks
    for consent and hands the app its code."""
    client = group[node]
    app = mastodon_app(client, name="Day phone")
    url = app.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="day", allow_http=True)
    browser = requests.Session()
    to_login = browser.get(url, allow_redirects=False)
    assert to_login.status_code == 302 and "/login" in to_login.headers["Location"], to_login.text
    login_page = browser.get(urljoin(client.base, to_login.headers["Location"]))
    assert login_page.status_code == 200 and "Sign in with the group" in login_page.text
    next_path = parse_qs(urlsplit(login_page.url).query)["next"][0]
    provider = start_sso(client.base, browser, next_path)
    back = follow_to_node(client.base, browser,
                          sign_in_at_group_provider(group, browser, provider.headers["Location"], username))
    assert back.status_code == 302, back.text
    consent = browser.get(urljoin(client.base, back.headers["Location"]))
    assert consent.status_code == 200 and "Authorize" in consent.text, consent.text[:300]
    csrf = consent.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = browser.post(consent.url, data={"confirm": "yes", "csrf": csrf}, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(REDIRECT), answer.text
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    app.log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    return app


def start_up(app: Mastodon) -> None:
    """The calls a Mastodon app makes once signed in, before showing anything: every one
    answers, the absent features with an empty list (services/api/absent.py)."""
    assert app.instance_v2().configuration.statuses.max_characters > 0
    assert app.instance().version.startswith("4.")
    assert app.custom_emojis() == []
    assert app.preferences()["posting:default:visibility"] in ("public", "unlisted", "private")
    for absent in (app.filters_v2, app.lists, app.followed_tags, app.announcements, app.conversations,
                   app.blocks, app.mutes, app.domain_blocks, app.scheduled_statuses,
                   app.featured_tags, app.endorsements, app.suggestions):
        assert absent() == [], absent.__name__  # followed tags: a newcomer follows none yet
    assert isinstance(app.trending_tags(), list)  # the group's, whatever other tests posted
    me = app.me()
    assert app.account_featured_tags(me.id) == [] and app.account_lists(me.id) == []
    assert app.notifications() == []
    assert app.markers_get(["home", "notifications"]) == {}


def post_as_app(client, app: Mastodon, text: str, visibility: str) -> dict:
    """Archipel's own audiences, as an app that names them posts them (Mastodon.py checks
    the visibility against Mastodon's four)."""
    resp = client.http.post(f"{client.base}/api/v1/statuses", data={"status": text, "visibility": visibility},
                            headers={"Authorization": f"Bearer {app.access_token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def find(statuses, uri: str):
    return next((s for s in statuses if s["uri"] == uri), None)


def mention_of(app: Mastodon, uri: str):
    """The app's mention notification of the status ``uri``, once it arrived."""
    return next((n for n in app.notifications(types=["mention"]) if n.status.uri == uri), None)


@pytest.mark.parametrize("node", ["fr", "de"])
def test_a_days_work_in_a_mastodon_app(group, node):
    here, there = group[node], group[OTHER[node]]
    tag = uuid.uuid4().hex[:8]
    # The colleague on the other node: bob@de, as the issue names him; on fr, a colleague
    # as new as the person (the demo's fr users carry other tests' state).
    if node == "fr":
        colleague_name, colleague = "bob", password_app(there, "bob")
    else:
        colleague_name = new_employee(group, "fr", "Fanny Colleague")
        colleague = sign_in_with_the_group_account(group, "fr", colleague_name)

    # Morning: install, sign in with the group's account, the app starts.
    name = new_employee(group, node, "Dana Newcomer")
    app = sign_in_with_the_group_account(group, node, name)
    me = app.account_verify_credentials()
    assert (me.username, me.acct, me.display_name) == (name, name, "Dana Newcomer")
    assert me.url == here.actor(name) and me.following_count == 0 and me.statuses_count == 0
    start_up(app)

    # Posting with each audience: the answer says the audience applied (direct: below, to a
    # colleague).
    posted = {v: app.status_post(f"{v} {tag}", visibility=v) for v in ("public", "unlisted", "private")}
    for visibility in ("group", "node"):
        posted[visibility] = post_as_app(here, app, f"{visibility} {tag}", visibility)
    assert {v: s["visibility"] for v, s in posted.items()} == {v: v for v in posted}
    assert all(s["account"]["id"] == me.id and tag in s["content"] for s in posted.values())

    # Reading: home (one's own posts), the node's stream, the group's stream.
    home = {s.uri for s in app.timeline_home(limit=40) if tag in s.content}
    assert home == {s["uri"] for s in posted.values()}
    local = {s.uri for s in app.timeline_local(limit=40) if tag in s.content}
    assert local == {posted[v]["uri"] for v in ("public", "group", "node")}  # unlisted: out of the streams
    stream = {s.uri for s in app.timeline_public(limit=40) if tag in s.content}
    assert stream == {posted[v]["uri"] for v in ("public", "group")}

    # Finding the colleague of the other node by name@node (WebFinger), and following them.
    acct = f"{colleague_name}@{there.host}"
    found = app.search_v2(f"{colleague_name}@{OTHER[node]}", resolve=True, result_type="accounts")["accounts"]
    assert [a.acct for a in found] == [acct] and found[0].url == there.actor(colleague_name)
    relationship = app.account_follow(found[0].id)
    assert relationship.following or relationship.requested
    wait_until(lambda: app.account_relationships(found[0].id)[0].following, message=f"{acct}'s Accept")
    assert [a.acct for a in app.account_following(me.id)] == [acct]

    # A direct word to them: only they get it.
    direct = app.status_post(f"@{acct} a word between us {tag}", visibility="direct")
    assert direct.visibility == "direct" and [m.acct for m in direct.mentions] == [acct]
    got = wait_until(lambda: mention_of(colleague, direct.uri), message="the direct post delivered")
    assert got.status.visibility == "direct" and got.account.acct == f"{name}@{here.host}"
    assert direct.uri not in {s.uri for s in app.timeline_local(limit=40)}

    # A question to the colleague; their reply comes back as a notification.
    question = app.status_post(f"@{acct} where is the spec? {tag}", visibility="public")
    assert [m.acct for m in question.mentions] == [acct]
    asked = wait_until(lambda: mention_of(colleague, question.uri), message="the question on the other node")
    reply = colleague.status_reply(asked.status, f"on the wiki {tag}", visibility="public")
    notified = wait_until(lambda: mention_of(app, reply.uri), message="the reply notified")
    assert notified.account.acct == acct and notified.status.in_reply_to_id == question.id
    assert f"on the wiki {tag}" in notified.status.content
    assert app.status_context(question.id).descendants[0].uri == reply.uri

    # Favourite and boost the reply: the colleague's node counts them.
    liked = app.status_favourite(notified.status.id)
    assert liked.favourited is True and liked.favourites_count == 1
    boost = app.status_reblog(notified.status.id)
    assert boost.reblog.uri == reply.uri and boost.reblog.reblogged is True and boost.account.id == me.id
    wait_until(lambda: colleague.status(reply.id).favourites_count == 1, message="the Like on the other node")
    wait_until(lambda: colleague.status(reply.id).reblogs_count == 1, message="the boost on the other node")
    assert [a.acct for a in colleague.status_favourited_by(reply.id)] == [f"{name}@{here.host}"]

    # Edit a post, delete another.
    edited = app.status_update(posted["public"]["id"], f"public, edited {tag}")
    assert "edited" in edited.content and edited.edited_at is not None
    assert len(app.status_history(posted["public"]["id"])) == 2
    deleted = app.status_delete(posted["unlisted"]["id"])
    assert deleted.text == f"unlisted {tag}"
    with pytest.raises(MastodonNotFoundError):
        app.status(posted["unlisted"]["id"])
    assert posted["unlisted"]["uri"] not in {s.uri for s in app.timeline_home(limit=40)}

    # A photo of the day.
    media = app.media_post(io.BytesIO(photo(1200, 900)), mime_type="image/jpeg", description="The new line")
    assert media.type == "image" and media.description == "The new line"
    with_photo = app.status_post(f"photo {tag}", media_ids=[media], visibility="public")
    [attached] = with_photo.media_attachments
    assert attached.id == media.id and attached.meta.original.width == 1200
    image = requests.get(attached.url, timeout=30)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"

    # The colleague asks the team; the person votes.
    poll = colleague.status_post(f"Team lunch? {tag}", visibility="public",
                                 poll=colleague.make_poll(["Thursday", "Friday"], expires_in=3600))
    seen = wait_until(lambda: find(app.timeline_home(limit=40), poll.uri), message="the poll in home")
    voted = app.poll_vote(seen.poll.id, [1])
    assert voted.voted is True and voted.own_votes == [1]
    wait_until(lambda: [o.votes_count for o in colleague.poll(poll.poll.id).options] == [0, 1],
               message="the vote counted by the poll's node")

    # The evening: everything the day brought is in the home timeline, nothing failed.
    uris = {s.uri for s in app.timeline_home(limit=40)}
    assert {question.uri, with_photo.uri, poll.uri, posted["public"]["uri"]} <= uris
    assert app.account_verify_credentials().following_count == 1


def test_toot_posts_and_reads_its_home_timeline(group, tmp_path):
    """toot (a command-line Mastodon client) on de: login_cli, post, timelines home."""
    de = group["de"]
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path))

    def toot(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "toot", *args], env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    assert "Successfully logged in" in toot("login_cli", "--instance", de.base, "--email", "bob",
                                            "--password", de.password).stdout
    text = f"from the terminal {uuid.uuid4().hex[:8]}"
    posted = json.loads(toot("post", text, "--visibility", "unlisted", "--json").stdout)
    assert posted["visibility"] == "unlisted" and text in posted["content"]
    home = toot("timelines", "home", "--json").stdout
    assert posted["uri"] in [s["uri"] for s in json.loads(home)]
