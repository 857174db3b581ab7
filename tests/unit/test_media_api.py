"""Media through the in-process node's gateway: uploads and their entity, description and
focus, limits (422), ``media_ids`` on a status, the AS2 attachment it federates, and who
may load a file — owner, follower, non-follower, anonymous, a remote signed fetcher, a
tampered or expired capability — every refusal a 404 like a missing file."""

from __future__ import annotations

import io
import time
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.inprocess import BASE, MEMBER, OUTSIDE
from tests.unit.test_api_entities import assert_shape
from tests.unit.test_media_processing import photo

OPTIONAL = (str, type(None))
# docs.joinmastodon.org/entities/MediaAttachment/
MEDIA_ATTACHMENT = {"id": str, "type": str, "url": str, "preview_url": OPTIONAL, "remote_url": OPTIONAL,
                    "preview_remote_url": OPTIONAL, "text_url": OPTIONAL, "meta": dict,
                    "description": OPTIONAL, "blurhash": OPTIONAL}


@pytest.fixture
def users(node):
    from services.identity.credentials import digest
    from services.identity.models import OAuthToken

    for name in ("alice", "alain", "amelie"):
        node.local_user(name)
        OAuthToken(access_token_hash=digest(f"token-{name}"), client_id="app", username=name,
                   scope="read write").save()
    node.follows(node.actor("alain"), node.actor("alice"))  # alain follows alice; amelie does not
    return node


def bearer(name: str) -> dict:
    return {"Authorization": f"Bearer token-{name}"}


def upload(node, name="alice", data=None, **form):
    return node.gateway.post("/api/v2/media", base_url=BASE, headers=bearer(name),
                             data={"file": (io.BytesIO(data if data is not None else photo()), "p.jpg"), **form},
                             content_type="multipart/form-data")


def load(node, url: str, headers=None):
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    return node.gateway.get(parts.path + (f"?{parts.query}" if parts.query else ""), base_url=BASE,
                            headers=headers or {})


def post_status(node, media_ids, visibility="private", name="alice"):
    return node.gateway.post("/api/v1/statuses", base_url=BASE, headers=bearer(name),
                             data={"status": "with a picture", "visibility": visibility,
                                   "media_ids[]": media_ids})


def test_upload_answers_a_media_attachment_whose_file_has_no_metadata(users):
    resp = upload(users, description="The plant at night", focus="0.5,-0.25")
    assert resp.status_code == 200, resp.get_json()
    entity = resp.get_json()
    assert_shape(entity, MEDIA_ATTACHMENT)
    assert entity["type"] == "image" and entity["description"] == "The plant at night"
    assert entity["meta"]["original"]["width"] == 1920 and entity["meta"]["small"]["width"] == 640
    assert entity["meta"]["focus"] == {"x": 0.5, "y": -0.25} and entity["blurhash"]
    assert "s=" in entity["url"] and "v=alice" in entity["url"]  # unattached: the owner's capability
    image = load(users, entity["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert not Image.open(io.BytesIO(image.data)).getexif() and b"PhoneMaker" not in image.data
    assert load(users, entity["preview_url"]).status_code == 200
    shown = users.gateway.get(f"/api/v1/media/{entity['id']}", base_url=BASE, headers=bearer("alice"))
    assert shown.status_code == 200 and shown.get_json()["id"] == entity["id"]
    assert users.gateway.get(f"/api/v1/media/{entity['id']}", base_url=BASE,
                             headers=bearer("amelie")).status_code == 404


def test_description_and_focus_change_and_are_checked(users):
    number = upload(users).get_json()["id"]

    def put(**form):
        return users.gateway.put(f"/api/v1/media/{number}", base_url=BASE, headers=bearer("alice"), data=form)

    changed = put(description="Welding line 3", focus="-1,1")
    assert changed.status_code == 200
    assert changed.get_json()["description"] == "Welding line 3"
    assert changed.get_json()["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    for bad in ({"focus": "2,0"}, {"focus": "left"}, {"description": "x" * 1501}):
        refused = put(**bad)
        assert refused.status_code == 422 and refused.get_json()["error"].startswith("Validation failed")


def test_bad_files_are_422_with_a_message(users):
    for data in (b"<html><script>alert(1)</script></html>", b"\xff\xd8\xff\xe0garbage", b""):
        resp = upload(users, data=data)
        assert resp.status_code == 422, resp.get_json()
        assert resp.get_json()["error"].startswith("Validation failed")
    missing = users.gateway.post("/api/v2/media", base_url=BASE, headers=bearer("alice"), data={})
    assert missing.status_code == 422


def test_an_oversized_upload_is_422_not_a_5xx(users):
    too_big = photo(100, 100) + b"\x00" * users.config.media_max_bytes
    resp = upload(users, data=too_big)
    assert resp.status_code == 422 and "too large" in resp.get_json()["error"]


def test_instance_announces_the_true_limits(users):
    media = users.gateway.get("/api/v2/instance", base_url=BASE).get_json()["configuration"]["media_attachments"]
    assert media["image_size_limit"] == users.config.media_max_bytes
    assert {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"} <= set(
        media["supported_mime_types"])
    assert media["description_limit"] == 1500


def test_an_unattached_upload_is_its_owners_only(users):
    entity = upload(users).get_json()
    plain = entity["url"].split("?", 1)[0]
    assert load(users, plain, bearer("alice")).status_code == 200
    for headers in (bearer("alain"), bearer("amelie"), {}):
        assert load(users, plain, headers).status_code == 404


def test_a_followers_only_post_carries_its_media_to_followers_only(users):
    from fedkit.protocol.httpsig import sign_request

    entity = upload(users, description="Line 3", focus="0.1,0.2").get_json()
    posted = post_status(users, [entity["id"]])
    assert posted.status_code == 200, posted.get_json()
    status = posted.get_json()
    [shown] = status["media_attachments"]
    assert_shape(shown, MEDIA_ATTACHMENT)
    assert shown["id"] == entity["id"] and shown["description"] == "Line 3" and "s=" in shown["url"]

    # the AS2 attachment, as Mastodon federates one
    from services.outbox.models import LocalObject

    note = LocalObject.objects(object_id=status["uri"]).get().raw
    [item] = note["attachment"]
    assert item["type"] == "Document" and item["mediaType"] == "image/jpeg" and item["name"] == "Line 3"
    assert item["blurhash"] == entity["blurhash"] and item["focalPoint"] == [0.1, 0.2]
    assert (item["width"], item["height"]) == (1920, 1280)
    plain = item["url"]
    assert plain == shown["url"].split("?", 1)[0]

    assert load(users, plain, bearer("alice")).status_code == 200  # the author
    assert load(users, plain, bearer("alain")).status_code == 200  # a follower
    assert load(users, plain, bearer("amelie")).status_code == 404  # not a follower
    assert load(users, plain).status_code == 404  # anonymous
    assert load(users, shown["url"]).status_code == 200  # the capability the API gave alice

    # a remote server's signed GET, as the follower's node fetches for the follower
    bob = users.remote_actor(f"{MEMBER}/users/bob")
    paula = users.remote_actor(f"{OUTSIDE}/users/paula")
    users.follows(bob.id, users.actor("alice"))
    for remote, expected in ((bob, 200), (paula, 404)):
        path = urlsplit(plain).path
        headers = sign_request("GET", BASE + path, key_id=remote.key_id, private_key_pem=remote.private_pem)
        assert users.gateway.get(path, base_url=BASE, headers=headers).status_code == expected

    # the capability is the viewer's, checked again: once alain unfollows, his is worth nothing
    from services.inbox.models import FollowRelation

    alains = users.gateway.get(f"/api/v1/statuses/{status['id']}", base_url=BASE, headers=bearer("alain"))
    alains_url = alains.get_json()["media_attachments"][0]["url"]
    assert "v=alain" in alains_url and load(users, alains_url).status_code == 200
    FollowRelation.objects(follower=users.actor("alain")).delete()
    assert load(users, alains_url).status_code == 404


def test_tampered_or_expired_capabilities_are_404(users):
    from services.api import media_urls

    entity = upload(users).get_json()
    url = entity["url"]
    assert load(users, url).status_code == 200
    path = urlsplit(url).path
    tampered = [url.replace("v=alice", "v=amelie"), url[:-2] + ("AA" if not url.endswith("AA") else "BB"),
                url.replace("&e=", "&e=9"), url.replace("/original.", "/small.")]
    old = media_urls.with_capability(users.config, path, "alice", now=time.time() - 3 * users.config.media_url_seconds)
    for bad in (*tampered, old):
        resp = load(users, bad)
        assert resp.status_code == 404 and resp.get_json()["error"] == "Record not found"
    missing = load(users, f"{BASE}/media/123456/original.jpg")
    assert missing.status_code == 404 and missing.get_json() == load(users, old).get_json()


def test_a_public_post_has_plain_urls_anyone_may_load(users):
    entity = upload(users).get_json()
    status = post_status(users, [entity["id"]], visibility="public").get_json()
    [shown] = status["media_attachments"]
    assert "?" not in shown["url"]
    assert load(users, shown["url"]).status_code == 200
    assert load(users, shown["preview_url"]).status_code == 200


def test_a_photo_alone_is_a_post_but_nothing_at_all_is_not(users):
    entity = upload(users).get_json()
    alone = users.gateway.post("/api/v1/statuses", base_url=BASE, headers=bearer("alice"),
                               data={"status": "", "visibility": "public", "media_ids[]": [entity["id"]]})
    assert alone.status_code == 200, alone.get_json()
    assert alone.get_json()["content"] == "" and len(alone.get_json()["media_attachments"]) == 1
    empty = users.gateway.post("/api/v1/statuses", base_url=BASE, headers=bearer("alice"),
                               data={"status": " ", "visibility": "public"})
    assert empty.status_code == 422 and "blank" in empty.get_json()["error"]


def test_media_ids_must_be_the_authors_own_unattached_uploads(users):
    mine = [upload(users).get_json()["id"] for _ in range(5)]
    amelies = upload(users, "amelie").get_json()["id"]
    for ids in ([amelies], ["99999"], mine):  # another's, unknown, more than 4
        resp = post_status(users, ids)
        assert resp.status_code == 422, resp.get_json()
    assert post_status(users, mine[:2]).status_code == 200
    again = post_status(users, [mine[0]])  # already attached
    assert again.status_code == 422 and "Media not found" in again.get_json()["error"]
    put = users.gateway.put(f"/api/v1/media/{mine[0]}", base_url=BASE, headers=bearer("alice"),
                            data={"description": "late"})
    assert put.status_code == 404  # an attached upload changes with its status


def test_a_pdf_is_an_unknown_attachment_downloaded_not_rendered(users):
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    entity = upload(users, data=pdf).get_json()
    assert entity["type"] == "unknown" and entity["preview_url"] is None and entity["blurhash"] is None
    resp = load(users, entity["url"])
    assert resp.status_code == 200 and resp.data == pdf and resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment")


def test_a_remote_posts_attachments_show_in_the_status(users):
    bob = users.remote_actor(f"{MEMBER}/users/bob")
    users.follows(users.actor("alice"), bob.id)
    note = {"id": f"{MEMBER}/objects/1", "type": "Note", "attributedTo": bob.id, "content": "<p>hi</p>",
            "published": "2026-11-29T21:00:00Z", "to": [bob.followers], "cc": [],
            "attachment": [{"type": "Document", "mediaType": "image/png", "url": f"{MEMBER}/media/5/original.png",
                            "name": "A chart", "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                            "focalPoint": [0.0, 0.5], "width": 800, "height": 600},
                           {"type": "Document", "mediaType": "application/pdf",
                            "url": [{"type": "Link", "href": f"{MEMBER}/media/6/original.pdf"}]},
                           {"type": "Document", "url": "javascript:alert(1)"}]}
    create = {"id": f"{MEMBER}/activities/1", "type": "Create", "actor": bob.id, "to": note["to"],
              "object": note}
    assert users.deliver(create, by=bob).status_code == 202
    users.run()
    home = users.gateway.get("/api/v1/timelines/home", base_url=BASE, headers=bearer("alice")).get_json()
    [status] = [s for s in home if s["uri"] == note["id"]]
    media, document = status["media_attachments"]  # the javascript: one is left out
    assert_shape(media, MEDIA_ATTACHMENT)
    assert_shape(document, MEDIA_ATTACHMENT)
    assert document["type"] == "unknown" and document["preview_url"] is None
    assert document["remote_url"] == f"{MEMBER}/media/6/original.pdf"
    assert document["url"].startswith(f"{BASE}/media/remote/{status['id']}/1?v=alice")
    assert media["type"] == "image" and media["description"] == "A chart"
    assert media["remote_url"] == f"{MEMBER}/media/5/original.png"
    assert media["meta"]["focus"] == {"x": 0.0, "y": 0.5} and media["meta"]["original"]["width"] == 800
    # followers-only: shown through this node, which fetches it signed as alice
    assert media["url"].startswith(f"{BASE}/media/remote/{status['id']}/0?v=alice")


def test_odd_input_is_a_4xx_never_a_5xx(users):
    number = upload(users).get_json()["id"]
    odd_json = [{"description": {"$ne": None}}, {"focus": [0.1, 0.2]}, {"focus": "nan,0"}, {"description": 7}]
    for body in odd_json:
        resp = users.gateway.put(f"/api/v1/media/{number}", base_url=BASE, headers=bearer("alice"), json=body)
        assert resp.status_code == 422, (body, resp.get_json())
    for media_ids in ([{"$ne": None}], "1e5", [number, number, "x" * 3000], [[1]]):
        resp = users.gateway.post("/api/v1/statuses", base_url=BASE, headers=bearer("alice"),
                                  json={"status": "odd", "media_ids": media_ids})
        assert 400 <= resp.status_code < 500 or resp.status_code == 200, (media_ids, resp.get_json())
    for path in ("/api/v1/media/%24ne", "/api/v1/media/99999999999999999999999", "/media/abc/original.jpg",
                 f"/media/{number}/original.jpg?v=alice&e=99999999999999999999&s=x",
                 f"/media/{number}/original.jpg?v=%00&e=1&s=", f"/media/{number}/thumbnail.jpg",
                 "/media/remote/1/0?v=alice&e=1&s=x", "/media/remote/99999999999999999999/99"):
        resp = users.gateway.get(path, base_url=BASE, headers=bearer("alice"))
        assert resp.status_code == 404, (path, resp.status_code)


def test_a_deleted_posts_files_are_gone_for_everyone(users):
    entity = upload(users).get_json()
    status = post_status(users, [entity["id"]], visibility="public").get_json()
    plain = status["media_attachments"][0]["url"]
    assert load(users, plain).status_code == 200
    deleted = users.gateway.delete(f"/api/v1/statuses/{status['id']}", base_url=BASE, headers=bearer("alice"))
    assert deleted.status_code == 200
    for headers in ({}, bearer("alain"), bearer("alice")):
        assert load(users, plain, headers).status_code == 404


@pytest.fixture
def file_server():
    """A remote server's files on loopback: a PNG and an HTML page; it keeps who asked."""
    import http.server
    import threading

    png = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(png, format="PNG")
    files = {"/chart.png": (png.getvalue(), "image/png"),
             "/page.png": (b"<html><script>alert(1)</script></html>", "image/png")}  # lies about its type
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append((self.path, self.headers.get("Signature", "")))
            body, mime = files.get(self.path, (b"", "text/plain"))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", files, seen
    server.shutdown()
    server.server_close()


def test_a_remote_file_is_fetched_signed_as_the_reader_and_only_images_are_relayed(users, file_server):
    origin, files, seen = file_server
    bob = users.remote_actor(f"{MEMBER}/users/bob")
    users.follows(users.actor("alice"), bob.id)
    note = {"id": f"{MEMBER}/objects/2", "type": "Note", "attributedTo": bob.id, "content": "<p>files</p>",
            "published": "2026-11-29T21:00:00Z", "to": [bob.followers], "cc": [],
            "attachment": [{"type": "Document", "mediaType": "image/png", "url": f"{origin}/chart.png"},
                           {"type": "Document", "mediaType": "image/png", "url": f"{origin}/page.png"}]}
    create = {"id": f"{MEMBER}/activities/2", "type": "Create", "actor": bob.id, "to": note["to"], "object": note}
    assert users.deliver(create, by=bob).status_code == 202
    users.run()
    home = users.gateway.get("/api/v1/timelines/home", base_url=BASE, headers=bearer("alice")).get_json()
    [status] = [s for s in home if s["uri"] == note["id"]]
    chart, page = status["media_attachments"]
    resp = load(users, chart["url"])
    assert resp.status_code == 200 and resp.data == files["/chart.png"][0] and resp.mimetype == "image/png"
    assert seen[-1][0] == "/chart.png" and f'keyId="{users.actor("alice")}' in seen[-1][1]  # signed as alice
    assert load(users, page["url"]).status_code == 404  # HTML is never relayed, whatever its type says
    # amelie may not see bob's followers-only post: alice's URL with her name is worthless
    assert load(users, chart["url"].replace("v=alice", "v=amelie")).status_code == 404
    assert load(users, chart["url"].split("?", 1)[0], bearer("amelie")).status_code == 404
