"""Legal holds (issue 12): an administrator keeps an account's data from erasure — by request
or by the retention job — while a litigation or an investigation needs it.

A hold is one record per account (``legal_holds``); placing one again replaces its reason;
lifting deletes it. Every place and lift is also written to ``legal_hold_changes`` (who,
when, which account, why), beside the gateway's audit record of the request.
"""

from __future__ import annotations

import mongoengine as me

from fedkit.runtime import clock
from fedkit.runtime.db import Document

PLACE = "place"
LIFT = "lift"
REASON_MAX = 1000


class LegalHold(Document):
    meta = {"collection": "legal_holds"}
    username = me.StringField(primary_key=True)
    reason = me.StringField(required=True)
    by = me.StringField(required=True)
    at = me.DateTimeField(required=True)

    def as_json(self) -> dict:
        return {"reason": self.reason, "placed_by": self.by, "placed_at": clock.iso(self.at)}


class LegalHoldChange(Document):
    meta = {"collection": "legal_hold_changes", "indexes": ["-at", "username"]}
    at = me.DateTimeField(required=True)
    username = me.StringField(required=True)
    action = me.StringField(required=True, choices=(PLACE, LIFT))
    by = me.StringField(required=True)
    reason = me.StringField()


def hold_of(username: str) -> LegalHold | None:
    return LegalHold.objects(username=username).first()


def held_usernames(usernames: list[str]) -> set[str]:
    return {h.username for h in LegalHold.objects(username__in=list(usernames)).only("username")}


def place(username: str, *, reason: str, by: str) -> LegalHold:
    now = clock.now()
    LegalHold.objects(username=username).update_one(upsert=True, set__reason=reason, set__by=by, set__at=now)
    LegalHoldChange(at=now, username=username, action=PLACE, by=by, reason=reason).save()
    return hold_of(username)


def lift(username: str, *, by: str) -> bool:
    """False: there was no hold."""
    if not LegalHold.objects(username=username).delete():
        return False
    LegalHoldChange(at=clock.now(), username=username, action=LIFT, by=by).save()
    return True
