"""The response shapes every HTTP component of a node uses (gateway and services)."""

from __future__ import annotations

from flask import jsonify

from fedkit.protocol.vocab import AP_CONTENT_TYPE, with_context


def error(status: int, code: str, message: str):
    """The one error shape of every API: a short machine-readable code and a sentence."""
    resp = jsonify(error=code, error_description=message)
    resp.status_code = status
    return resp


def activity_json(data: dict, status: int = 200, *, context: list | None = None):
    """An AS2 document: the default context, or ``context`` where the document needs more
    terms (a Person's profile: ``vocab.PERSON_CONTEXT``)."""
    document = with_context(data)
    if context is not None:
        document["@context"] = context
    resp = jsonify(document)
    resp.status_code = status
    resp.headers["Content-Type"] = AP_CONTENT_TYPE
    return resp
