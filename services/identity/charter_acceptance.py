"""Who accepted which version of the usage charter, when, from where and with which app
(fedkit/rules/charter.py says what the charter is). Every acceptance is a record of its
own, kept while the account exists: the history is the proof. The request itself is also
in the gateway's audit trail (gateway/audit.py)."""

from __future__ import annotations

import mongoengine as me

from fedkit.rules.charter import Charter, current_charter, privacy_figures
from fedkit.runtime import clock
from fedkit.runtime.config import Config
from fedkit.runtime.db import Document


class CharterAcceptance(Document):
    meta = {"collection": "charter_acceptances", "indexes": [("username", "-accepted_at")]}
    username = me.StringField(required=True)
    version = me.StringField(required=True)
    accepted_at = me.DateTimeField(required=True)
    client_address = me.StringField()
    client_id = me.StringField()  # the OAuth app the user accepted it in


class StaleVersion(ValueError):
    """The version accepted is not the one in force (the charter changed meanwhile)."""


def latest(username: str) -> CharterAcceptance | None:
    return CharterAcceptance.objects(username=username).order_by("-accepted_at").first()


def accept(config: Config, username: str, version: str, *, client_address: str | None,
           client_id: str | None) -> CharterAcceptance:
    """Record that ``username`` accepted ``version``, which must be the one in force: a user
    accepts the text they read, not a newer one."""
    if version != current_charter(config).version:
        raise StaleVersion(version)
    record = CharterAcceptance(username=username, version=version, accepted_at=clock.now(),
                               client_address=client_address, client_id=client_id)
    record.save(force_insert=True)
    return record


def _iso(record: CharterAcceptance | None) -> str | None:
    return clock.aware(record.accepted_at).strftime("%Y-%m-%dT%H:%M:%SZ") if record else None


def status(config: Config, username: str) -> dict:
    """The charter in force, and where this user stands with it."""
    charter: Charter = current_charter(config)
    record = latest(username)
    return {"version": charter.version, "required": charter.required,
            "accepted": not charter.required or (record is not None and record.version == charter.version),
            "accepted_version": record.version if record else None, "accepted_at": _iso(record),
            "charter_html": charter.group_html, "additions_html": charter.additions_html,
            "privacy": privacy_figures(config)}
