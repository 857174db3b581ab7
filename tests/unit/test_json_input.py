"""Hostile and odd JSON: the one loader (fedkit.protocol.jsonbody) refuses what cannot be kept
with a 4xx, and what is kept (JSONDictField) reads back exactly as received."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from fedkit.protocol import jsonbody
from fedkit.protocol.jsonbody import MAX_DEPTH, JSONInputError, loads, request_json
from fedkit.protocol.vocab import DocumentError, parse_document


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("text, code, status", [
    ('{"type": "Note", ', "malformed_json", 400),
    (b'{"a": "\xff"}', "malformed_json", 400),
    (nested(MAX_DEPTH + 1), "too_deep", 422),
    (nested(100_000), "too_deep", 422),  # the C parser's RecursionError, not a 500
    ('{"n": 9223372036854775808}', "integer_out_of_range", 422),
    ('{"n": -9223372036854775809}', "integer_out_of_range", 422),
    ('{"n": NaN}', "non_finite_number", 422),
    ('{"n": -Infinity}', "non_finite_number", 422),
    ('{"n": 1e999}', "non_finite_number", 422),
    ('{"s": "\\ud800"}', "lone_surrogate", 422),
    ('{"\\udfff": 1}', "lone_surrogate", 422),
    (b'{"s": "\xed\xa0\x80"}', "lone_surrogate", 422),  # an encoded surrogate (json decodes with surrogatepass)
    ('{"a\\u0000b": 1}', "nul_in_key", 422),
])
def test_what_cannot_be_kept_is_refused_with_a_code(text, code, status):
    with pytest.raises(JSONInputError) as caught:
        loads(text)
    assert (caught.value.code, caught.value.status) == (code, status)


def test_odd_but_legal_json_is_accepted():
    text = json.dumps({"$type": "x", "a.b": [1, {"$ref": "r", "$id": 2}], "n": 2**63 - 1, "m": -(2**63),
                       "s": "nul\x00 in a value, 😀", "deep": json.loads(nested(MAX_DEPTH - 1))})
    assert loads(text) == json.loads(text)


def test_parse_document_carries_the_loader_code_and_status():
    with pytest.raises(DocumentError) as caught:
        parse_document(b'{"type": "Like", "n": 18446744073709551616}')
    assert (caught.value.code, caught.value.status) == ("integer_out_of_range", 422)
    with pytest.raises(DocumentError) as caught:
        parse_document(b"[" * 5000)
    assert caught.value.status in (400, 422)


@pytest.fixture
def app():
    app = Flask(__name__)

    @app.post("/required")
    def required():
        return {"got": request_json()}

    @app.post("/optional")
    def optional():
        return {"got": request_json(required=False)}

    return app


@pytest.mark.parametrize("body, content_type, status, code", [
    (b"", "application/json", 400, "body_missing"),
    (b'{"a": 1}', "text/plain", 415, "unsupported_media_type"),
    (b"[1, 2]", "application/json", 400, "not_an_object"),
    (b'"text"', "application/activity+json", 400, "not_an_object"),
    (b"{", "application/json", 400, "malformed_json"),
    (nested(5000).encode(), "application/json", 422, "too_deep"),
    (b'{"a": 99999999999999999999}', "application/json", 422, "integer_out_of_range"),
])
def test_request_json_answers_a_json_error(app, body, content_type, status, code):
    resp = app.test_client().post("/required", data=body, content_type=content_type)
    assert resp.status_code == status
    assert resp.get_json()["error"] == code


def test_request_json_takes_json_objects_and_optional_forms(app):
    client = app.test_client()
    assert client.post("/required", json={"$a": {"b.c": 1}}).get_json() == {"got": {"$a": {"b.c": 1}}}
    assert client.post("/optional", data={"id": "x"}).get_json() == {"got": {}}
    assert client.post("/optional").get_json() == {"got": {}}
    assert client.post("/optional", data=b"[1]", content_type="application/json").status_code == 400


def test_string_value_never_passes_an_operator():
    assert jsonbody.string_value({"$ne": None}) == ""
    assert jsonbody.string_value(["a"]) == ""
    assert jsonbody.string_value("https://x.example/a") == "https://x.example/a"


# -- storage ----------------------------------------------------------------------------

ODD_DOCUMENTS = [
    {"type": "Note", "$type": "x", "tag": [{"$ref": "r", "$id": 2}]},  # {$ref, $id} would come back a DBRef
    {"type": "Note", "a.b": {"c.d": 1}},
    {"type": "Note", "big": 2**64, "nul\x00key": "\ud800"},  # refused at the door, still storable
    {"_json": "a document that looks like the stored form"},
]


@pytest.mark.parametrize("raw", ODD_DOCUMENTS)
def test_odd_documents_are_stored_and_read_back_unchanged(db, raw):
    from services.inbox.models import InboundActivity

    InboundActivity(activity_id="https://x.example/1", raw=raw).save(force_insert=True)
    assert InboundActivity.objects(activity_id="https://x.example/1").first().raw == raw
    InboundActivity.objects(activity_id="https://x.example/1").update(set__raw={"type": "Tombstone", **raw})
    assert InboundActivity.objects(activity_id="https://x.example/1").first().raw == {"type": "Tombstone", **raw}


def test_plain_documents_stay_queryable_subdocuments(db):
    from services.outbox.models import OutboxActivity

    raw = {"type": "Create", "object": {"id": "https://x.example/o/1", "content": "hi"}}
    OutboxActivity(activity_id="https://x.example/a/1", actor="a", activity_type="Create", raw=raw).save()
    stored = OutboxActivity._get_collection().find_one({"raw.object.id": "https://x.example/o/1"})
    assert stored is not None and stored["raw"] == raw


def test_a_follow_kept_by_an_upsert_reads_back_unchanged(db):
    from services.communities.models import Membership

    follow = {"type": "Follow", "actor": "https://x.example/u", "$nonce": {"$ref": "r", "$id": 1}}
    Membership.objects(community="c", actor="https://x.example/u").update_one(
        set__state="pending", set__follow=follow, upsert=True)
    assert Membership.objects(community="c").first().follow == follow


def test_a_loaded_document_saved_again_keeps_its_odd_keys(db):
    from services.inbox.models import ReceivedObject

    first = {"id": "https://x.example/o", "type": "Note", "$x": 1}
    ReceivedObject(object_id=first["id"], raw=first).save()
    ReceivedObject(object_id=first["id"], raw={**first, "$x": 2}).save()  # a second save replaces it
    record = ReceivedObject.objects(object_id=first["id"]).first()
    assert record.raw == {**first, "$x": 2}
    record.raw = {"id": first["id"], "type": "Tombstone", "a.b": None}
    record.save()
    assert ReceivedObject.objects(object_id=first["id"]).first().raw == {"id": first["id"], "type": "Tombstone",
                                                                         "a.b": None}
