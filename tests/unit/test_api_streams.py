"""The node's stream (``timelines/public?local=true``) and the group's (``timelines/public``)
in process: an unlisted status is out of both, as Mastodon defines it ("visible to public,
but not included in public timelines", docs.joinmastodon.org/entities/Status/#visibility);
it stays on the author's profile and in their followers' home."""

from __future__ import annotations

from tests.unit.api_support import api_user


def test_unlisted_posts_stay_out_of_the_streams(node):
    alice, bob = api_user(node, "alice"), api_user(node, "bob")
    node.follows(node.actor("bob"), node.actor("alice"))
    posted = {}
    for visibility in ("public", "unlisted", "group", "node"):
        resp = alice.post("/api/v1/statuses", data={"status": f"{visibility} post", "visibility": visibility})
        assert resp.status_code == 200, resp.text
        posted[visibility] = resp.get_json()["uri"]
    node.run()

    def uris(path: str, **query) -> set[str]:
        resp = bob.get(path, query_string=query)
        assert resp.status_code == 200, resp.text
        return {s["uri"] for s in resp.get_json()}

    assert uris("/api/v1/timelines/public", local="true") == {posted[v] for v in ("public", "group", "node")}
    assert uris("/api/v1/timelines/public") == {posted[v] for v in ("public", "group")}
    account_id = alice.get("/api/v1/accounts/verify_credentials").get_json()["id"]
    assert posted["unlisted"] in uris(f"/api/v1/accounts/{account_id}/statuses")
    assert posted["unlisted"] in uris("/api/v1/timelines/home")
