"""A user's posting defaults through the client API, in process: ``source[privacy]`` and
``source[language]`` set with update_credentials, read back in ``source`` and in
``/api/v1/preferences``, and the audience a post gets when the app names none
(docs.joinmastodon.org/methods/accounts/#update_credentials, /methods/preferences/)."""

from __future__ import annotations

import pytest

from tests.unit.api_support import api_user


@pytest.fixture
def alice(node):
    return api_user(node, "alice")


def test_defaults_set_by_one_app_are_what_every_app_reads(node, alice):
    before = alice.get("/api/v1/preferences").get_json()
    assert before["posting:default:visibility"] == "private" and before["posting:default:language"] is None
    account = alice.get("/api/v1/accounts/verify_credentials").get_json()
    assert account["source"]["privacy"] == "private" and account["archipel"] == {"privacy_chosen": False}
    resp = alice.patch("/api/v1/accounts/update_credentials",
                       data={"source[privacy]": "group", "source[language]": "fr"})
    assert resp.status_code == 200, resp.text
    assert resp.get_json()["source"]["privacy"] == "group" and resp.get_json()["source"]["language"] == "fr"
    source = alice.get("/api/v1/accounts/verify_credentials").get_json()["source"]
    assert (source["privacy"], source["language"]) == ("group", "fr")
    assert alice.get("/api/v1/accounts/verify_credentials").get_json()["archipel"] == {"privacy_chosen": True}
    after = alice.get("/api/v1/preferences").get_json()
    assert after["posting:default:visibility"] == "group" and after["posting:default:language"] == "fr"
    # a post whose app names no visibility gets the user's default
    posted = alice.post("/api/v1/statuses", data={"status": "to the default audience"})
    assert posted.status_code == 200 and posted.get_json()["visibility"] == "group"
    # JSON as some apps send it; an empty language clears it, the audience stays
    resp = alice.patch("/api/v1/accounts/update_credentials", json={"source": {"language": ""}})
    assert resp.status_code == 200 and resp.get_json()["source"]["language"] is None
    assert resp.get_json()["source"]["privacy"] == "group"
    # another user's defaults are theirs
    assert api_user(node, "bob").get("/api/v1/preferences").get_json()["posting:default:visibility"] == "private"


@pytest.mark.parametrize("field, value", [("source[privacy]", "direct"), ("source[privacy]", "everyone"),
                                          ("source[language]", "french"), ("source[language]", "xx")])
def test_a_default_the_node_cannot_apply_is_refused_with_a_message(alice, field, value):
    resp = alice.patch("/api/v1/accounts/update_credentials", data={field: value})
    assert resp.status_code == 422 and resp.get_json()["error"].startswith("Validation failed")
    assert alice.get("/api/v1/preferences").get_json()["posting:default:visibility"] == "private"


def test_the_preferences_need_only_read_accounts(node):
    reader = api_user(node, "alice", scopes="read:accounts")
    resp = reader.get("/api/v1/preferences")
    assert resp.status_code == 200 and resp.get_json()["posting:default:visibility"] == "private"
