"""Search (docs.joinmastodon.org/methods/search/#v2) and the tag timeline through the node's
gateway, in process: accounts of this node and those it knows (the group's first),
statuses by text and by URL, hashtags — never what the visibility policy hides."""

from __future__ import annotations

import json

import pytest

from tests.inprocess import MEMBER, OUTSIDE
from tests.unit.api_support import ApiUser, api_user

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def known_remote(node, actor_id: str, username: str, name: str = "", actor_type: str = "Person") -> None:
    """A remote actor in the node's cache with its username and display name."""
    from fedkit.protocol.actors import CachedActor

    node.remote_actor(actor_id, actor_type=actor_type)
    cached = CachedActor.objects(actor_id=actor_id).get()
    document = {**cached.raw, "preferredUsername": username, "name": name}
    cached.update(set__preferred_username=username, set__raw_json=json.dumps(document))


@pytest.fixture
def people(node):
    from services.identity.models import Account

    users = {name: api_user(node, name) for name in ("alice", "bob", "carol")}
    Account.objects(username="alice").update_one(set__display_name="Alice Martin")
    node.reindex_person("alice")
    node.follows(node.actor("carol"), node.actor("alice"))  # carol follows alice; bob does not
    return users


def search(user: ApiUser, q: str, **params) -> dict:
    resp = user.get("/api/v2/search", query_string={"q": q, **params})
    assert resp.status_code == 200, resp.text
    return resp.get_json()


def accts(found: dict) -> list[str]:
    return [a["acct"] for a in found["accounts"]]


def test_accounts_of_this_node_and_the_ones_it_knows_group_first(node, people):
    from services.identity.models import Account

    known_remote(node, f"{OUTSIDE}/users/alfonso", "alfonso", "Alfonso Supplier")
    known_remote(node, f"{MEMBER}/users/alfred", "alfred", "Alfred Keller")
    known_remote(node, f"{MEMBER}/users/zoe", "zoe", "Zoé Alvarez")
    found = search(people["bob"], "al", type="accounts")
    assert accts(found) == ["alice", "alfred@de.test", "zoe@de.test", "alfonso@partner.test"]
    assert found["statuses"] == [] and found["hashtags"] == []
    # by display name, by address, by profile URL; a member node by its short name
    assert accts(search(people["bob"], "martin")) == ["alice"]
    Account.objects(username="carol").update_one(set__profile_fields=[{"name": "Skills", "value": "TIG welding"}])
    node.reindex_person("carol")
    assert accts(search(people["bob"], "weld", type="accounts")) == ["carol"]  # an expert, by skill
    assert accts(search(people["bob"], "@alfred@de.test")) == ["alfred@de.test"]
    assert accts(search(people["bob"], "alfred@de")) == ["alfred@de.test"]
    assert accts(search(people["bob"], f"{MEMBER}/users/zoe")) == ["zoe@de.test"]
    assert accts(search(people["bob"], "alice@fr.test")) == ["alice"]
    # v1 accounts/search answers the same list; limit and offset
    resp = people["bob"].get("/api/v1/accounts/search", query_string={"q": "al", "limit": 2, "offset": 1})
    assert [a["acct"] for a in resp.get_json()] == ["alfred@de.test", "zoe@de.test"]


def test_following_keeps_the_accounts_one_follows(node, people):
    assert accts(search(people["carol"], "a", type="accounts", following="true")) == ["alice"]
    assert accts(search(people["bob"], "a", type="accounts", following="true")) == []


def test_resolve_and_offset_need_a_user_and_q_is_required(node, people):
    anonymous = node.gateway.get("/api/v2/search", query_string={"q": "al", "resolve": "true"}, base_url=node.base)
    assert anonymous.status_code == 401 and "error" in anonymous.get_json()
    assert people["bob"].get("/api/v2/search").status_code == 400
    assert people["bob"].get("/api/v2/search", query_string={"q": "a", "limit": "x"}).status_code == 400
    no_scope = ApiUser(node, "bob", scopes="write")
    assert no_scope.get("/api/v2/search", query_string={"q": "al"}).status_code == 403


def _post(node, content: str, to: list[str]) -> str:
    return node.publish("alice", {"type": "Note", "content": content, "to": to})["object"]["id"]


def test_statuses_by_text_and_url_only_as_the_policy_allows(node, people):
    public = _post(node, "<p>Kaizen workshop on Monday</p>", [PUBLIC])
    private = _post(node, "<p>Kaizen budget numbers</p>", [node.actor("alice") + "/followers"])
    node.run()

    def uris(user, q):
        return [s["uri"] for s in search(user, q, type="statuses")["statuses"]]

    assert uris(people["bob"], "kaizen") == [public]  # not a follower: the followers-only post is hidden
    assert uris(people["bob"], "KAIZEN budget") == []
    assert uris(people["bob"], private) == []  # its URL opens nothing either
    assert uris(people["carol"], "kaizen") == [private, public]  # a follower sees both, newest first
    assert uris(people["carol"], private) == [private]
    assert uris(people["alice"], "budget kaizen") == [private]
    assert uris(people["bob"], public) == [public]
    anonymous = node.gateway.get("/api/v2/search", query_string={"q": "kaizen"}, base_url=node.base).get_json()
    assert [s["uri"] for s in anonymous["statuses"]] == [public]
    assert uris(people["carol"], "kaizen") == [private, public]
    assert [s["uri"] for s in search(people["carol"], "kaizen", type="statuses", offset=1)["statuses"]] == [public]
    # account_id keeps one author's statuses
    alice_id = search(people["bob"], "alice", type="accounts")["accounts"][0]["id"]
    bob_id = search(people["bob"], "bob", type="accounts")["accounts"][0]["id"]
    assert [s["uri"] for s in search(people["carol"], "kaizen", account_id=alice_id)["statuses"]] == [private, public]
    assert search(people["carol"], "kaizen", account_id=bob_id)["statuses"] == []
    assert search(people["carol"], public, account_id=bob_id)["statuses"] == []


def _toot(user: ApiUser, text: str, visibility: str) -> dict:
    resp = user.post("/api/v1/statuses", data={"status": text, "visibility": visibility})
    assert resp.status_code == 200, resp.text
    return resp.get_json()


def test_hashtags_are_tagged_found_and_listed_as_the_policy_allows(node, people):
    public = _toot(people["alice"], "Our #Welding line is up #lean", "public")
    private = _toot(people["alice"], "Scrap rate of the #welding line", "private")
    node.run()
    assert [t["name"] for t in public["tags"]] == ["Welding", "lean"]
    assert public["tags"][0]["url"] == f"{node.base}/tags/welding"

    def timeline(user, tag, **params):
        resp = user.get(f"/api/v1/timelines/tag/{tag}", query_string=params)
        assert resp.status_code == 200, resp.text
        return [s["id"] for s in resp.get_json()]

    assert timeline(people["bob"], "welding") == [public["id"]]
    assert timeline(people["carol"], "WELDING") == [private["id"], public["id"]]
    assert timeline(people["carol"], "welding", **{"all[]": "lean"}) == [public["id"]]
    assert timeline(people["carol"], "welding", **{"none[]": "lean"}) == [private["id"]]
    assert timeline(people["carol"], "lean", **{"any[]": "welding"}) == [private["id"], public["id"]]
    assert timeline(people["carol"], "welding", local="true") == [private["id"], public["id"]]
    assert timeline(people["carol"], "nothing") == []
    # paging with the Link header's cursor, and with a status id
    first = people["carol"].get("/api/v1/timelines/tag/welding", query_string={"limit": 1})
    assert [s["id"] for s in first.get_json()] == [private["id"]] and 'rel="next"' in first.headers["Link"]
    assert timeline(people["carol"], "welding", max_id=private["id"]) == [public["id"]]

    tags = search(people["carol"], "#weld", type="hashtags")["hashtags"]
    assert [(t["name"].lower(), t["url"]) for t in tags] == [("welding", f"{node.base}/tags/welding")]
    assert search(people["bob"], "lea", type="hashtags")["hashtags"][0]["name"] == "lean"
    # a tag only a hidden post carries is not listed
    _toot(people["alice"], "#secretproject kick-off", "private")
    node.run()
    assert search(people["bob"], "secretp", type="hashtags")["hashtags"] == []
    assert [t["name"] for t in search(people["carol"], "secretp", type="hashtags")["hashtags"]] == ["secretproject"]


class OriginServer:
    """A remote server on loopback that serves a few ActivityStreams documents by path and
    answers 404 for a GET not signed by one of ``followers`` on a followers-only one."""

    def __init__(self):
        import http.server
        import threading

        self.documents: dict[str, tuple[dict, bool]] = {}
        self.signers: list[str] = []
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                signature = self.headers.get("Signature", "")
                key_id = signature.split('keyId="', 1)[1].split('"', 1)[0] if 'keyId="' in signature else ""
                origin.signers.append(key_id)
                document, followers_only = origin.documents.get(self.path, (None, False))
                if document is None or (followers_only and not key_id.startswith(origin.follower)):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/activity+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.follower = ""
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def post(self, path: str, content: str, *, followers_only: bool = False, page: str | None = None) -> str:
        author = f"{self.base}/users/olga"
        note = {"id": self.base + path, "type": "Note", "attributedTo": author, "content": content,
                "published": "2026-01-02T03:04:05Z",
                "to": [f"{author}/followers" if followers_only else PUBLIC]}
        self.documents[path] = (note, followers_only)
        if page:
            note["url"] = self.base + page
            self.documents[page] = (note, followers_only)
        return note["id"]


@pytest.fixture
def origin():
    server = OriginServer()
    yield server
    server.server.shutdown()


def test_resolve_fetches_a_status_by_url_as_the_user_when_the_origin_lets_them(node, people, origin):
    from fedkit.protocol.actors import CachedActor

    node.remote_actor(f"{origin.base}/users/olga")
    CachedActor.objects(actor_id=f"{origin.base}/users/olga").update_one(set__followers=None)
    public = origin.post("/notes/1", "<p>Quality audit</p>")
    private = origin.post("/notes/2", "<p>Audit findings</p>", followers_only=True)
    origin.follower = node.actor("carol")  # the origin serves the followers-only post to carol only
    node.follows(node.actor("carol"), f"{origin.base}/users/olga")

    def found(user, q, **params):
        return [s["uri"] for s in search(user, q, type="statuses", **params)["statuses"]]

    assert found(people["bob"], public) == []  # not held here, and not resolved
    assert found(people["bob"], public, resolve="true") == [public]
    assert origin.signers[-1] == node.actor("bob") + "#main-key"  # fetched as bob
    assert found(people["bob"], public) == [public]  # held now
    assert found(people["bob"], private, resolve="true") == []  # the origin refuses bob
    assert found(people["carol"], private, resolve="true") == [private]
    assert found(people["bob"], private, resolve="true") == []  # held, but still hidden from bob
    node.index()  # the search indexer applies what was fetched (services/search/indexer.py)
    assert found(people["bob"], "audit") == [public]
    # by its web page (the URL people copy from a browser): fetched again at its id
    page = origin.post("/notes/5", "<p>Safety walk</p>", page="/@olga/5")
    assert found(people["bob"], f"{origin.base}/@olga/5") == []
    assert found(people["bob"], f"{origin.base}/@olga/5", resolve="true") == [page]
    assert found(people["bob"], f"{origin.base}/@olga/5") == [page]  # held: found by its page
    assert found(people["bob"], f"{origin.base}/@olga/2", resolve="true") == []  # no such page
    # not a post of that origin, or no post at all: nothing
    origin.documents["/notes/3"] = ({"id": f"{origin.base}/notes/3", "type": "Person"}, False)
    assert found(people["bob"], f"{origin.base}/notes/3", resolve="true") == []
    assert found(people["bob"], f"{origin.base}/notes/404", resolve="true") == []


def test_communities_are_not_listed_as_accounts_by_search(node, people):
    known_remote(node, f"{MEMBER}/communities/alpha-board", "alpha-board", "Alpha board", actor_type="Group")
    assert accts(search(people["bob"], "alpha", type="accounts")) == []
    assert accts(search(people["bob"], "alpha-board@de.test", type="accounts")) == []


HOSTILE = ["99999999999999999999999", "-1", "²", "١٢٣", "\x00", "\udcff", "x" * 3000, "", "$ne", "a.b",
           "https://fr.test/users/alice", "http://127.0.0.1:1/x", "1e5", "[]", '{"$ne":1}', "#", "@", "a@b@c",
           "@@", "#" * 50, ".*", "(", "\\"]


@pytest.mark.parametrize("path", [
    "/api/v2/search?q={v}&type={v}&limit={v}&offset={v}", "/api/v2/search?q={v}&resolve=true&account_id={v}",
    "/api/v1/accounts/search?q={v}&limit={v}&following={v}", "/api/v1/timelines/tag/{v}?max_id={v}&any[]={v}",
    "/api/v1/timelines/tag/lean?min_id={v}&none[]={v}&all[]={v}", "/api/v1/bookmarks?max_id={v}&limit={v}",
    "/api/v1/markers?timeline[]={v}", "/api/v1/notifications/unread_count?limit={v}&types[]={v}",
    "/api/v1/follow_requests?max_id={v}", "/api/v1/tags/{v}", "/api/v1/statuses/{v}/bookmark",
])
def test_hostile_query_values_get_an_answer_never_a_5xx(node, people, path):
    from urllib.parse import quote

    for value in HOSTILE:
        url = path.replace("{v}", quote(value, safe="", errors="surrogatepass") if value != "\udcff" else "%ff")
        resp = people["bob"].post(url) if url.endswith("/bookmark") else people["bob"].get(url)
        assert resp.status_code < 500, (url[:120], resp.status_code, resp.text[:200])
        assert resp.is_json, (url[:120], resp.status_code)


def test_resolve_finds_an_account_by_its_profile_page(node, people, origin):
    petra = {"id": f"{origin.base}/users/petra", "type": "Person", "preferredUsername": "petra",
             "name": "Petra Partner", "inbox": f"{origin.base}/users/petra/inbox", "url": f"{origin.base}/@petra"}
    origin.documents["/users/petra"] = origin.documents["/@petra"] = (petra, False)
    origin.documents["/@mallory"] = ({**petra, "id": "http://127.0.0.2:9/users/mallory"}, False)
    host = origin.base.split("://", 1)[1]
    assert accts(search(people["bob"], f"{origin.base}/@petra")) == []  # unknown, not resolved
    assert accts(search(people["bob"], f"{origin.base}/@petra", resolve="true")) == [f"petra@{host}"]
    assert accts(search(people["bob"], f"{origin.base}/@petra")) == [f"petra@{host}"]  # known now, by its page
    assert accts(search(people["bob"], f"{origin.base}/users/petra")) == [f"petra@{host}"]
    assert accts(search(people["bob"], f"{origin.base}/@mallory", resolve="true")) == []  # another origin's id


def test_an_edit_changes_the_hashtags_of_a_status(node, people):
    post = _toot(people["alice"], "Kick-off #alpha with @bob", "public")
    node.run()
    resp = people["alice"].put(f"/api/v1/statuses/{post['id']}", data={"status": "Kick-off #beta with @bob"})
    assert resp.status_code == 200, resp.text
    assert [t["name"] for t in resp.get_json()["tags"]] == ["beta"]
    assert [m["acct"] for m in resp.get_json()["mentions"]] == [m["acct"] for m in post["mentions"]]
    node.run()

    def timeline(tag):
        return [s["id"] for s in people["bob"].get(f"/api/v1/timelines/tag/{tag}").get_json()]

    assert (timeline("alpha"), timeline("beta")) == ([], [post["id"]])
