"""What apps ask for at start-up and Archipel does not have yet (services/api/absent.py):
filters, lists, announcements, conversations, trending statuses. Each answers an honest
empty list, as Mastodon does for a user who has none, so that no app stops on a 404; each
still wants the token and scope Mastodon asks for. Followed and trending tags
(services/api/tags.py) are checked here too: a new node's are empty lists alike."""

from __future__ import annotations

import pytest

from tests.unit.api_support import ApiUser, api_user

SIGNED_IN = ["/api/v2/filters", "/api/v1/filters", "/api/v1/lists", "/api/v1/followed_tags",
             "/api/v1/announcements", "/api/v1/conversations", "/api/v1/blocks", "/api/v1/domain_blocks",
             "/api/v1/mutes", "/api/v1/endorsements", "/api/v1/featured_tags", "/api/v1/scheduled_statuses",
             "/api/v1/suggestions", "/api/v2/suggestions"]
PUBLIC = ["/api/v1/trends/tags", "/api/v1/trends", "/api/v1/trends/statuses", "/api/v1/trends/links"]


@pytest.mark.parametrize("path", SIGNED_IN + PUBLIC)
def test_an_absent_feature_is_an_empty_list(node, path):
    alice = api_user(node, "alice")
    resp = alice.get(path)
    assert resp.status_code == 200, resp.text
    assert resp.get_json() == [] and resp.mimetype == "application/json"
    assert alice.get(path + "/").get_json() == []  # trailing slash, as some apps send it


@pytest.mark.parametrize("path", SIGNED_IN)
def test_a_users_empty_list_still_needs_their_token_and_scope(node, path):
    anonymous = node.gateway.get(path, base_url=node.base)
    assert anonymous.status_code == 401 and isinstance(anonymous.get_json()["error"], str)
    node.local_user("bob")
    narrow = ApiUser(node, "bob", scopes="write")
    refused = narrow.get(path)
    assert refused.status_code == 403 and isinstance(refused.get_json()["error"], str)


@pytest.mark.parametrize("path", PUBLIC)
def test_trends_need_no_token(node, path):
    resp = node.gateway.get(path, base_url=node.base)
    assert resp.status_code == 200 and resp.get_json() == []


@pytest.mark.parametrize("what", ["lists", "featured_tags"])
def test_about_an_account_only_one_the_node_knows(node, what):
    alice = api_user(node, "alice")
    me = alice.get("/api/v1/accounts/verify_credentials").get_json()["id"]
    assert alice.get(f"/api/v1/accounts/{me}/{what}").get_json() == []
    missing = alice.get(f"/api/v1/accounts/12345/{what}")
    assert missing.status_code == 404 and missing.get_json()["error"] == "Record not found"


def test_the_instance_extras_apps_read(node):
    """peers: the group's other member nodes (never this one, never an outside server);
    the rest: honest empty answers of Mastodon's shape."""
    from tests.inprocess import MEMBER, OUTSIDE

    get = lambda path: node.gateway.get(path, base_url=node.base)  # noqa: E731 (no token: public)
    peers = get("/api/v1/instance/peers").get_json()
    assert MEMBER.split("://")[1] in peers
    assert node.base.split("://")[1] not in peers and OUTSIDE.split("://")[1] not in peers
    assert get("/api/v1/instance/activity").get_json() == []
    assert get("/api/v1/instance/extended_description").get_json()["content"] == ""
    assert get("/api/v1/instance/translation_languages").get_json() == {}
