"""The web app's parts that need no node: its routes at the gateway, its catalogues
(every message of the pages translated into French and German), the same-site check of
``next``, the audiences' words and the Link header."""

from __future__ import annotations

from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "services" / "web"


@pytest.mark.parametrize(("method", "path", "service"), [
    ("GET", "/", "web"), ("GET", "/web/home", "web"), ("POST", "/web/compose", "web"),
    ("GET", "/web/static/web.css", "web"), ("GET", "/web/@bob@de.example", "web"),
    ("GET", "/users/alice", "identity"),  # ActivityPub paths stay where they were
    ("GET", "/api/v1/timelines/home", "api"), ("GET", "/oauth/authorize", "identity"),
])
def test_the_gateway_routes_the_web_paths_to_the_web_app(method, path, service):
    from gateway.routes import route_for

    assert route_for(method, path)[0] == service


def test_nothing_else_reaches_the_web_app():
    from gateway.routes import route_for

    assert route_for("POST", "/") is None
    assert route_for("DELETE", "/web/home") is None
    assert route_for("GET", "/webfinger") is None


def _messages():
    from babel.messages.extract import extract_from_dir

    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(WEB), method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_message_of_the_pages_is_translated(language):
    from babel.messages.pofile import read_po

    with (WEB / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
                  if m.id and m.string and (all(m.string) if isinstance(m.string, tuple) else True)
                  and not m.fuzzy}
    missing = _messages() - translated
    assert not missing, f"untranslated in {language}: {sorted(missing)}"


def test_the_catalogues_compile_at_start():
    from fedkit.runtime.i18n import compile_catalogues
    from services.web.i18n import SOURCE

    compiled = Path(compile_catalogues(SOURCE))
    assert {p.parent.parent.name for p in compiled.glob("*/LC_MESSAGES/messages.mo")} == {"fr", "de"}


@pytest.mark.parametrize(("value", "expected"), [
    ("/web/home?tab=group", "/web/home?tab=group"), ("/", "/"), (None, "/"),
    ("//evil.example/web/", "/"), ("https://evil.example/web/home", "/"), ("/web\\..", "/"),
    ("/oauth/authorize?x", "/"), ("/web/home\r\nSet-Cookie: x", "/"),
])
def test_next_is_a_page_of_the_web_app_only(value, expected):
    from services.web.sessions import safe_next

    assert safe_next(value) == expected


def test_the_link_header_gives_the_older_page():
    from services.web.api_client import _links

    header = ('<https://fr.example/api/v1/timelines/home?max_id=109>; rel="next", '
              '<https://fr.example/api/v1/timelines/home?min_id=120>; rel="prev"')
    assert _links(header) == {"next": {"max_id": "109"}, "prev": {"min_id": "120"}}
    assert _links(None) == {}


def test_the_audiences_offered_are_the_nodes_in_plain_words():
    from flask import Flask
    from flask_babel import Babel

    from services.web import audiences

    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        offered = audiences.offered({"archipel": {"visibilities": ["public", "private", "group"]}}, "fr")
        assert [o["value"] for o in offered] == ["group", "private", "public"]
        assert audiences.default(offered) == "group"
        mastodon = audiences.offered({}, "fr")  # a node that names none: Mastodon's four
        assert audiences.default(mastodon) == "private"


def test_post_html_is_sanitised_again_before_it_is_shown():
    from services.web.context import content

    shown = str(content({"content": '<p>Hi <a href="https://x.example" onclick="steal()">there</a></p>'
                                    '<script>alert(1)</script><img src=x onerror="steal()">'}))
    assert "<p>Hi" in shown and "there</a>" in shown
    assert "<script" not in shown and "onclick" not in shown and "onerror" not in shown


@pytest.mark.parametrize(("base_url", "secure"), [("https://fr.example", True), ("http://127.0.0.1:8001", False)])
def test_the_session_cookie_is_httponly_lax_and_secure_on_https(base_url, secure):
    from flask import Flask

    from fedkit.runtime.config import Config
    from services.web.sessions import set_cookie

    app = Flask(__name__)
    app.config["ARCHIPEL"] = Config(base_url=base_url, node_name="fr")
    with app.test_request_context():
        response = app.response_class()
        set_cookie(response, "web", "value", 3600)
    header = response.headers["Set-Cookie"]
    assert header.startswith("archipel_fr_web=value;") and "HttpOnly" in header and "SameSite=Lax" in header
    assert ("Secure" in header) is secure


def test_a_posts_images_show_with_their_description_and_files_as_links():
    from flask import Flask, render_template
    from flask_babel import Babel

    from services.web import app as web_app
    from services.web.context import content

    app = Flask(web_app.__name__)  # the web app's templates, without a node behind them
    Babel(app)
    status = {"id": "1", "account": {"id": "2", "acct": "alice", "username": "alice", "avatar": ""},
              "created_at": "2026-11-29T10:00:00.000Z", "content": "<p>Plans</p>", "visibility": "group",
              "spoiler_text": "", "replies_count": 0, "favourites_count": 0, "reblogs_count": 0,
              "media_attachments": [
                  {"type": "image", "url": "/media/1/original.png", "preview_url": "/media/1/small.png",
                   "description": "The new hall, seen from the gate"},
                  {"type": "unknown", "url": "/media/2/original.pdf", "description": "Floor plan"}]}
    with app.test_request_context():
        app.jinja_env.filters["when"] = lambda value: value
        html = render_template("_status_fragment.html", status=status, next="/web/home", detail=False,
                               viewer={"csrf": "c", "account_id": "9"}, content=content,
                               audience_label=lambda v: v)
    assert '<img src="/media/1/small.png" alt="The new hall, seen from the gate"' in html
    assert '<a class="file" href="/media/2/original.pdf">Floor plan</a>' in html


def test_the_gateway_lets_the_composer_carry_four_files():
    from fedkit.runtime.config import Config
    from gateway.routes import body_limit

    config = Config(base_url="http://fr.example", node_name="fr")
    assert body_limit("POST", "/web/compose", config) > 4 * config.media_max_bytes
    assert body_limit("POST", "/web/statuses/1/favourite", config) == config.max_body_bytes
