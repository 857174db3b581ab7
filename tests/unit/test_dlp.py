"""The data-loss prevention guard (services/outbox/dlp.py): rules, matching, what a post
would publish, and whether it leaves the group — tables, no network."""

from __future__ import annotations

import json
import os

import pytest

from fedkit.rules.policy import node_audience
from fedkit.rules.registry import GroupRegistry, MemberNode, write_registry
from fedkit.runtime.config import Config
from services.outbox import dlp, dlp_rules, dlp_text

FR, DE, PARTNER = "https://fr.example", "https://de.example", "https://partner.example"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ALICE, ALAIN, BOB, PAULA = f"{FR}/users/alice", f"{FR}/users/alain", f"{DE}/users/bob", f"{PARTNER}/users/paula"
FOLLOWERS = f"{ALICE}/followers"
REGISTRY = GroupRegistry(name="test", audience="urn:archipel:group:test", nodes=(
    MemberNode("fr", FR, f"{FR}/actor"), MemberNode("de", DE, f"{DE}/actor")))
GROUP, NODE = REGISTRY.audience, node_audience(FR)
CONFIG = Config(node_name="fr", base_url=FR)

RULES = {"rules": [
    {"name": "codenames", "pattern": r"(?i)\bproject\s+osprey\b", "action": "hold", "message": "Osprey is secret"},
    {"name": "confidential", "tag": "#Confidential", "action": "block", "message": "Stays inside"},
    {"name": "finance", "pattern": r"(?i)\bforecast\b", "tag": "finance", "action": "block"},
]}
RULESET = dlp_rules.parse_rules(RULES)


# -- the rules file ----------------------------------------------------------------------------

def test_rules_are_parsed():
    hold, block, both = RULESET.rules
    assert (hold.action, hold.message, hold.tag) == ("hold", "Osprey is secret", None)
    assert block.tag == "confidential" and block.pattern is None
    assert both.pattern is not None and both.tag == "finance"
    assert both.message == 'This post matches the rule "finance": it cannot leave the group.'
    assert dlp_rules.parse_rules({"rules": []}).rules == ()


@pytest.mark.parametrize(("data", "complaint"), [
    ([], "must be a JSON object"),
    ({"rule": []}, "must be a JSON object"),
    ({"rules": [], "extra": 1}, "must be a JSON object"),
    ({"rules": ["x"]}, "rule 1: must be an object"),
    ({"rules": [{"pattern": "x", "action": "hold"}]}, "rule 1: needs a name"),
    ({"rules": [{"name": "a", "pattern": "x", "action": "drop"}]}, 'rule 1 ("a"): action must be'),
    ({"rules": [{"name": "a", "action": "hold"}]}, "needs a pattern, a tag, or both"),
    ({"rules": [{"name": "a", "pattern": "(unclosed", "action": "hold"}]}, "the pattern does not compile"),
    ({"rules": [{"name": "a", "pattern": "", "action": "hold"}]}, "pattern must be a non-empty string"),
    ({"rules": [{"name": "a", "tag": "two words", "action": "hold"}]}, "tag must be one word"),
    ({"rules": [{"name": "a", "tag": "#", "action": "hold"}]}, "tag must be one word"),
    ({"rules": [{"name": "a", "patern": "x", "action": "hold"}]}, "unknown keys ['patern']"),
    ({"rules": [{"name": "a", "tag": "x", "action": "hold", "message": ""}]}, "message must be"),
    ({"rules": [{"name": "a", "tag": "x", "action": "hold"}, {"name": "a", "tag": "y", "action": "block"}]},
     'rule 2 ("a"): another rule has this name'),
])
def test_malformed_rules_are_refused_with_the_rule_named(data, complaint):
    with pytest.raises(dlp_rules.RulesError) as caught:
        dlp_rules.parse_rules(data)
    assert complaint in str(caught.value)


def test_the_rules_file_is_reloaded_when_it_changes(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES))
    config = Config(dlp_rules=str(path))
    assert [r.name for r in dlp_rules.load_rules(config).rules] == ["codenames", "confidential", "finance"]
    path.write_text(json.dumps({"rules": RULES["rules"][:1]}))
    os.utime(path, (1, 1))  # a different mtime, whatever the clock's resolution
    assert [r.name for r in dlp_rules.load_rules(config).rules] == ["codenames"]
    assert dlp_rules.load_rules(Config()).rules == ()  # no file configured: no rules


@pytest.mark.parametrize(("content", "complaint"), [
    ("{not json", "not valid JSON"),
    ('{"rules": [{"name": "a", "action": "hold"}]}', "needs a pattern, a tag, or both"),
    (None, "cannot read it"),
])
def test_an_unusable_rules_file_stops_the_outbox(tmp_path, content, complaint):
    path = tmp_path / "rules.json"
    if content is not None:
        path.write_text(content)
    config = Config(dlp_rules=str(path), dev_mode=True)
    with pytest.raises(dlp_rules.RulesError, match=complaint):
        dlp_rules.load_rules(config)
    with pytest.raises(RuntimeError, match=f"ARCHIPEL_DLP_RULES={path}: .*{complaint}"):
        dlp_rules.check_rules_file(config)
    from services.outbox.app import create_app

    with pytest.raises(RuntimeError, match="the outbox will not start"):
        create_app(config, broker=object())


# -- matching ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("html", "text"), [
    ("<p>Project</p><p>Osprey</p>", "Project Osprey"),  # block elements separate words
    ("<p>Project Os<b>pr</b>ey</p>", "Project Osprey"),  # inline ones do not
    ("Project&nbsp;&#79;sprey &amp; co", "Project Osprey & co"),  # entities decoded
    ("Project Os\u00adpr\u200bey", "Project Osprey"),  # invisible characters dropped
    ("Ｐｒｏｊｅｃｔ　Ｏｓｐｒｅｙ", "Project Osprey"),  # full-width forms folded
    ("<script>Project Osprey</script>ok", "ok"),
])
def test_plain_text(html, text):
    assert dlp_text.plain_text(html) == text


def test_the_text_of_a_post_covers_every_field_a_reader_sees():
    post = {"name": "title", "summary": "<p>cw</p>", "content": "<p>body</p>", "contentMap": {"de": "Inhalt"},
            "attachment": [{"type": "Image", "name": "alt text"}], "oneOf": [{"name": "option A"}]}
    assert dlp_text.post_text(post).split("\n") == ["title", "cw", "body", "Inhalt", "alt text", "option A"]


def test_every_other_string_published_is_read_too():
    """Whatever a client adds is published as it is: no hiding a codename in ``source`` or
    in the activity's own summary."""
    post = {"id": "x", "type": "Note", "content": "<p>body</p>", "to": ["https://x.example/Osprey"],
            "source": {"content": "Project Osprey", "mediaType": "text/markdown"}, "custom": [{"deep": "value"}]}
    activity = {"type": "Create", "summary": "Project   Osprey", "object": post, "cc": ["Project Osprey"]}
    assert dlp_text.post_text(post, activity).split("\n") == ["body", "Project Osprey", "value", "Project Osprey"]
    outgoing = dlp.outgoing_post({"type": "Create", "summary": "Project Osprey",
                                  "object": {"type": "Note", "content": "hi"}}, "alice", CONFIG)
    assert RULESET.first_match(outgoing.text, outgoing.tags).name == "codenames"


def test_tags_come_from_hashtags_and_from_the_text():
    post = {"content": "<p>Figures #Q3 and https://x.example/#anchor, not&#35;this</p>",
            "tag": [{"type": "Hashtag", "name": "#Confidential"}, {"type": "Mention", "name": "@bob"},
                    {"name": "Finance"}, "https://x.example/tags/iri"]}
    assert dlp_text.post_tags(post) == {"confidential", "finance", "q3"}


@pytest.mark.parametrize(("text", "tags", "rule"), [
    ("nothing to see", set(), None),
    ("PROJECT   osprey kick-off", set(), "codenames"),
    ("project ospreys", set(), None),  # a word boundary, as the pattern says
    ("anything", {"confidential"}, "confidential"),
    ("Project Osprey", {"confidential"}, "confidential"),  # a block rule wins over a hold rule
    ("the forecast", set(), None),  # pattern and tag: both must match
    ("the forecast", {"finance"}, "finance"),
    ("no f-word", {"finance"}, None),
])
def test_the_deciding_rule(text, tags, rule):
    found = RULESET.first_match(text, frozenset(tags))
    assert (found.name if found else None) == rule


# -- does it leave the group? --------------------------------------------------------------------

COMMUNITIES = {f"{FR}/communities/open-partners": True, f"{FR}/communities/staff": False,
               f"{DE}/communities/suppliers": True}


def reach(addressees, followers=(BOB,)):
    def admits(iri):
        if iri.startswith(f"{FR}/") and "/communities/" not in iri:
            return None
        return COMMUNITIES.get(iri)

    return dlp.outside_reach(addressees, ALICE, CONFIG, REGISTRY, followers_of_author=lambda: list(followers),
                             admits_partners=admits)


@pytest.mark.parametrize(("addressees", "followers", "leaving"), [
    ([PUBLIC, FOLLOWERS], [BOB], [PUBLIC]),
    (["as:Public"], [], ["as:Public"]),
    ([PAULA], [], [PAULA]),  # an actor outside the group
    ([BOB, ALAIN], [], []),  # actors of member nodes
    ([FOLLOWERS], [BOB, ALAIN], []),  # followers all inside
    ([FOLLOWERS], [BOB, PAULA], [FOLLOWERS]),  # one follower outside
    ([FOLLOWERS], [dlp.UNKNOWN_FOLLOWER], [FOLLOWERS]),  # followers that could not be listed
    ([f"{ALAIN}/followers"], [PAULA], []),  # another local collection: delivered on this node only
    ([GROUP], [PAULA], []),
    ([GROUP, FOLLOWERS], [PAULA], []),  # the group ceiling drops outside followers
    ([GROUP, PAULA], [], []),  # (and the publisher refuses naming one)
    ([NODE, FOLLOWERS], [PAULA], []),
    ([GROUP, PUBLIC], [], [PUBLIC]),  # public wins over the group audience
    ([f"{FR}/communities/staff"], [], []),
    ([f"{FR}/communities/open-partners"], [], [f"{FR}/communities/open-partners"]),
    ([f"{DE}/communities/suppliers"], [], [f"{DE}/communities/suppliers"]),
    ([GROUP, f"{FR}/communities/open-partners"], [], [f"{FR}/communities/open-partners"]),  # it relays to all
    (["urn:x:not-an-actor"], [], []),
])
def test_outside_reach(addressees, followers, leaving):
    assert reach(addressees, followers) == leaving


def test_an_inside_addressee_that_cannot_be_resolved_counts_as_leaving(db):
    admits = dlp.admits_partners_lookup("alice", Config(base_url=FR), internal=None)
    assert admits(f"{FR}/users/alain") is None  # local, no community: no lookup at all
    assert admits(f"{DE}/users/nobody") is True  # not cached, and the fetch fails


class FakeCommunities:
    """The communities service as the outbox reaches it (internal HTTP)."""

    def __init__(self, status: int, document: dict | None = None):
        self.status, self.document, self.calls = status, document or {}, []

    def request(self, method, service, path, headers=None, **kwargs):
        self.calls.append((method, service, path, headers))
        fake = self

        class Response:
            status_code = fake.status

            def json(self):
                return fake.document

        return Response()


@pytest.mark.parametrize(("status", "document", "admits"), [
    (200, {"type": "Group", "admitsPartners": True}, True),
    (200, {"type": "Group", "admitsPartners": False}, False),
    (200, {"type": "Group"}, False),
    (404, None, True),  # hidden from the author, or gone: assume the worst
])
def test_a_local_community_is_read_as_its_author_sees_it(status, document, admits):
    communities = FakeCommunities(status, document)
    lookup = dlp.admits_partners_lookup("alice", Config(base_url=FR), communities)
    assert lookup(f"{FR}/communities/suppliers") is admits
    method, service, path, headers = communities.calls[0]
    assert (method, service, path) == ("GET", "communities", "/communities/suppliers")
    assert headers["X-Archipel-User"] == "alice" and headers["X-Archipel-Viewer"] == "local"


# -- what a post would publish ----------------------------------------------------------------------

@pytest.fixture
def group_config(tmp_path):
    path = tmp_path / "registry.json"
    write_registry(path, "test", [("fr", FR), ("de", DE)])
    return Config(node_name="fr", base_url=FR, group_registry=str(path))


@pytest.mark.parametrize(("data", "addressees"), [
    ({"type": "Note", "content": "x"}, [FOLLOWERS]),  # no addressing: followers only
    ({"type": "Note", "content": "x", "to": [PUBLIC]}, [PUBLIC, FOLLOWERS]),  # public adds followers
    ({"type": "Note", "content": "x", "to": ["group"], "cc": ["node"]}, [GROUP, NODE]),
    ({"type": "Create", "to": [BOB], "object": {"type": "Article", "content": "x", "cc": [PAULA]}}, [BOB, PAULA]),
    ({"type": "Create", "object": {"type": "Note", "content": "x", "to": [BOB]}}, [BOB]),
])
def test_the_addressing_of_a_create(group_config, data, addressees):
    outgoing = dlp.outgoing_post(data, "alice", group_config)
    assert outgoing.activity_type == "Create" and list(outgoing.addressees) == addressees
    assert outgoing.text == "x"


@pytest.mark.parametrize("data", [
    {"type": "Follow", "object": BOB},
    {"type": "Like", "object": f"{DE}/objects/1", "content": "Project Osprey"},
    {"type": "Undo", "object": f"{FR}/activities/1"},
    {"type": "Create", "object": f"{FR}/objects/1"},  # not embedded: the publisher refuses it
    {"type": "Create", "object": {"type": "Person"}},
    {"type": "Update", "object": {"id": ALICE, "summary": "Project Osprey"}},  # the profile
    "not an object",
])
def test_only_content_is_checked(group_config, data):
    assert dlp.outgoing_post(data, "alice", group_config) is None


def test_an_update_reads_as_the_edited_object_and_goes_where_the_original_went(db, group_config):
    from services.outbox.models import LocalObject

    LocalObject(object_id=f"{FR}/objects/1", author=ALICE, addressees=[PUBLIC, FOLLOWERS],
                raw={"id": f"{FR}/objects/1", "type": "Note", "content": "<p>on track</p>", "summary": "status",
                     "to": [PUBLIC], "cc": [FOLLOWERS]}).save()
    outgoing = dlp.outgoing_post({"type": "Update", "to": [BOB], "object": {
        "id": f"{FR}/objects/1", "content": "Project Osprey on track", "attributedTo": PAULA}}, "alice", group_config)
    assert outgoing.activity_type == "Update" and outgoing.object_id == f"{FR}/objects/1"
    assert outgoing.text == "status\nProject Osprey on track"
    assert list(outgoing.addressees) == [PUBLIC, FOLLOWERS]  # the client's addressing does not count
    assert dlp.outgoing_post({"type": "Update", "object": {"id": f"{FR}/objects/1", "content": "x"}},
                             "alain", group_config) is None  # not his


# -- the guard ---------------------------------------------------------------------------------------

class FakeInternal:
    def __init__(self, followers):
        self.followers = followers

    def get_json(self, service, path, **kwargs):
        assert (service, path) == ("inbox", "/internal/users/alice/followers")
        return {"followers": self.followers}


def test_the_guard(tmp_path, group_config):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES))
    config = group_config.with_overrides({"dlp_rules": str(path)})
    inside, outside = FakeInternal([BOB]), FakeInternal([BOB, PAULA])
    osprey = {"type": "Note", "content": "Project Osprey"}
    assert dlp.check_outgoing("alice", {**osprey, "content": "harmless"}, config, outside) is None
    assert dlp.check_outgoing("alice", osprey, config, inside) is None  # followers all inside
    verdict = dlp.check_outgoing("alice", osprey, config, outside)
    assert verdict.rule.name == "codenames" and verdict.leaving == (FOLLOWERS,)
    assert dlp.check_outgoing("alice", {**osprey, "to": ["group"]}, config, outside) is None
    verdict = dlp.check_outgoing("alice", {**osprey, "to": [PUBLIC], "tag": [{"name": "#confidential"}]},
                                 config, inside)
    assert verdict.rule.name == "confidential" and verdict.leaving == (PUBLIC,)

    # The file breaks while running: what leaves the group waits, the rest goes on.
    path.write_text("{broken")
    os.utime(path, (2, 2))
    with pytest.raises(dlp.RulesUnavailable):
        dlp.check_outgoing("alice", {"type": "Note", "content": "anything", "to": [PUBLIC]}, config, inside)
    assert dlp.check_outgoing("alice", {"type": "Note", "content": "anything"}, config, inside) is None
