"""The federation policy per domain (fedkit/rules/federation_policy.py) as tables: no network."""

from __future__ import annotations

import json

import pytest

from fedkit.rules.federation_policy import (
    ALLOWLIST,
    BLOCKED,
    NOT_ALLOWED,
    NSFW,
    REMOVE,
    FederationPolicy,
    PolicyError,
    admit_object,
    apply_media_rules,
    check_policy_file,
    domain_matches,
    load_policy,
    media_action,
    normalise_entry,
    parse_policy,
    refusal,
)
from fedkit.rules.registry import GroupRegistry, MemberNode
from fedkit.runtime.config import Config

FR, DE = "https://fr.example", "https://de.example"
CONFIG = Config(node_name="fr", base_url=FR)
REGISTRY = GroupRegistry(name="test", audience="urn:archipel:group:test", nodes=(
    MemberNode("fr", FR, f"{FR}/actor"), MemberNode("de", DE, f"{DE}/actor")))


@pytest.mark.parametrize(("entry", "url", "expected"), [
    ("example.com", "https://example.com/users/a", True),
    ("example.com", "https://social.example.com/users/a", True),  # subdomains included
    ("example.com", "https://EXAMPLE.com./users/a", True),  # case and a trailing dot
    ("example.com", "https://example.com:8443/users/a", True),  # a bare domain: any port
    ("example.com", "https://badexample.com/users/a", False),  # not a suffix of a label
    ("example.com", "https://example.com.evil.net/users/a", False),
    ("sub.example.com", "https://example.com/users/a", False),  # a subdomain names only itself
    ("127.0.0.1:8003", "http://127.0.0.1:8003/users/paula", True),  # host:port: that server only
    ("127.0.0.1:8003", "http://127.0.0.1:8002/users/bob", False),
    ("127.0.0.1:8003", "http://127.0.0.1/users/bob", False),  # no port: the scheme's (80)
    ("example.com:443", "https://example.com/users/a", True),  # the scheme's default port
    ("[::1]:8003", "http://[::1]:8003/users/a", True),
    ("example.com", "not a url", False),
    ("example.com", "", False),
])
def test_domain_matches(entry, url, expected):
    assert domain_matches(normalise_entry(entry), url) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Example.COM.", "example.com"),
    (" example.com ", "example.com"),
    ("127.0.0.1:8003", "127.0.0.1:8003"),
    ("[::1]:8003", "[::1]:8003"),
    ({"domain": "spam.example", "reason": "spam"}, "spam.example"),
])
def test_normalise_entry(value, expected):
    assert normalise_entry(value) == expected


@pytest.mark.parametrize("value", [
    "https://example.com", "example.com/users", "@user@example.com", "*.example.com", "", "  ", 3, None,
    "example.com:http", "::1", {"domain": "x.example", "why": "no"}, {"reason": "no domain"},
])
def test_normalise_entry_refuses(value):
    with pytest.raises(PolicyError):
        normalise_entry(value)


OUTSIDER, PARTNER, SPAM = "https://out.example/users/o", "https://partner.example/users/p", \
    "https://spam.example/users/s"
OPEN_BLOCKING = FederationPolicy(blocks=("spam.example",))
ALLOWING = FederationPolicy(mode=ALLOWLIST, partners=("partner.example", "spam.example"), blocks=("spam.example",))
BLOCK_MEMBERS = FederationPolicy(mode=ALLOWLIST, blocks=("fr.example", "de.example", "example"))


@pytest.mark.parametrize(("url", "policy", "expected"), [
    (OUTSIDER, FederationPolicy(), None),  # open, nothing listed: everyone federates
    (OUTSIDER, OPEN_BLOCKING, None),
    (SPAM, OPEN_BLOCKING, BLOCKED),
    ("https://a.spam.example/users/s", OPEN_BLOCKING, BLOCKED),
    (OUTSIDER, ALLOWING, NOT_ALLOWED),  # allowlist: only members and partners
    (PARTNER, ALLOWING, None),
    (SPAM, ALLOWING, BLOCKED),  # a block wins over a partner entry
    (f"{DE}/users/bob", ALLOWING, None),  # member nodes always federate
    (f"{DE}/users/bob", BLOCK_MEMBERS, None),  # ... and no entry cuts them: the registry decides
    (f"{FR}/users/alice", BLOCK_MEMBERS, None),  # nor this node itself
    ("https://de.example:8443/users/x", BLOCK_MEMBERS, BLOCKED),  # another port is not the member
    (None, ALLOWING, None),
])
def test_refusal(url, policy, expected):
    assert refusal(url, policy, REGISTRY, CONFIG) == expected


def test_no_registry_means_a_group_of_one():
    alone = GroupRegistry(name="fr", audience="urn:archipel:group:fr", nodes=(MemberNode("fr", FR, f"{FR}/actor"),))
    assert refusal(f"{DE}/users/bob", FederationPolicy(mode=ALLOWLIST), alone, CONFIG) == NOT_ALLOWED
    assert refusal(f"{FR}/users/alice", FederationPolicy(mode=ALLOWLIST), alone, CONFIG) is None


MEDIA = FederationPolicy(media_removal=("loud.example",), media_nsfw=("art.example", "loud.example"))
ATTACHMENT = [{"type": "Document", "mediaType": "image/png", "url": "https://x.example/a.png"}]


@pytest.mark.parametrize(("author", "expected"), [
    ("https://loud.example/users/l", REMOVE),  # removal wins over nsfw
    ("https://img.art.example/users/a", NSFW),
    (OUTSIDER, None),
    (None, None),
])
def test_media_action(author, expected):
    assert media_action(author, MEDIA) == expected


@pytest.mark.parametrize(("author", "attachment", "sensitive"), [
    ("https://loud.example/users/l", None, None),
    ("https://art.example/users/a", ATTACHMENT, True),
    (OUTSIDER, ATTACHMENT, None),
])
def test_apply_media_rules(author, attachment, sensitive):
    note = {"id": f"{author}/notes/1", "type": "Note", "attributedTo": author, "attachment": ATTACHMENT}
    kept = apply_media_rules(note, MEDIA)
    assert kept.get("attachment") == attachment
    assert kept.get("sensitive") == sensitive
    assert note["attachment"] == ATTACHMENT  # the original is not changed


def test_media_rules_follow_the_author_not_the_id():
    note = {"id": "https://elsewhere.example/n/1", "type": "Note",
            "attributedTo": [{"type": "Person", "id": "https://loud.example/users/l"}], "attachment": ATTACHMENT}
    assert "attachment" not in apply_media_rules(note, MEDIA)


@pytest.mark.parametrize(("data", "message"), [
    ([], "JSON object"),
    ({"mode": "closed"}, "mode must be one of"),
    ({"block": ["x.example"]}, "unknown keys"),  # a typo is not silently ignored
    ({"blocks": "x.example"}, "blocks must be a list"),
    ({"blocks": ["https://x.example/"]}, "blocks: entry"),
    ({"partners": [{"domain": ""}]}, "partners: entry"),
])
def test_parse_policy_refuses(data, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy(data)


def test_parse_policy():
    policy = parse_policy({"mode": "allowlist", "partners": ["Partner.example", "partner.example"],
                           "blocks": [{"domain": "spam.example", "reason": "spam"}],
                           "media_removal": ["127.0.0.1:8003"]})
    assert policy == FederationPolicy(mode=ALLOWLIST, partners=("partner.example",), blocks=("spam.example",),
                                      media_removal=("127.0.0.1:8003",))
    assert parse_policy({}) == FederationPolicy()


def test_policy_file_is_checked_at_start_and_reloaded(tmp_path):
    path = tmp_path / "policy.json"
    config = Config(node_name="fr", base_url=FR, federation_policy=str(path))
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RuntimeError, match=f"ARCHIPEL_FEDERATION_POLICY={path}: not valid JSON"):
        check_policy_file(config)
    with pytest.raises(RuntimeError, match="cannot read it"):
        check_policy_file(Config(federation_policy=str(tmp_path / "missing.json")))
    path.write_text(json.dumps({"blocks": ["spam.example"]}), encoding="utf-8")
    check_policy_file(config)
    assert load_policy(config).blocks == ("spam.example",)
    # A later edit is picked up; a broken one keeps the last valid policy in force.
    path.write_text(json.dumps({"blocks": ["other.example"]}), encoding="utf-8")
    _touch_later(path)
    assert load_policy(config).blocks == ("other.example",)
    path.write_text(json.dumps({"blocks": "oops"}), encoding="utf-8")
    _touch_later(path)
    assert load_policy(config).blocks == ("other.example",)
    assert load_policy(Config()) == FederationPolicy()  # no file: open, nothing listed


def _touch_later(path):
    import os

    stat = os.stat(path)
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))


def test_admit_object(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"blocks": ["spam.example"], "media_removal": ["loud.example"]}), encoding="utf-8")
    config = Config(node_name="fr", base_url=FR, federation_policy=str(path))
    spam = {"id": f"{SPAM}/n/1", "type": "Note", "attributedTo": SPAM}
    loud = {"id": "https://loud.example/n/1", "type": "Note", "attributedTo": "https://loud.example/users/l",
            "attachment": ATTACHMENT}
    assert admit_object(spam, config) is None  # e.g. relayed by a Group: still refused
    assert "attachment" not in admit_object(loud, config)
    assert admit_object({**loud, "attributedTo": OUTSIDER}, config)["attachment"] == ATTACHMENT


@pytest.mark.parametrize("create_app", ["gateway.app", "services.inbox.app"])
def test_an_invalid_policy_file_stops_a_process_at_start(tmp_path, create_app):
    import importlib

    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"mode": "allowlist", "partner": ["typo.example"]}), encoding="utf-8")
    app_module = importlib.import_module(create_app)
    with pytest.raises(RuntimeError, match=r"invalid federation policy.*unknown keys \['partner'\]"):
        app_module.create_app({"federation_policy": str(path), "dev_mode": True})
