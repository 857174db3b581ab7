"""The retention classes and job (fedkit/runtime/retention.py, deploy/retention.py), in process:
each period read from its variable; records past their period deleted and no others; closed
accounts erased after their period where the group hides departed content, never under a
legal hold; the gateway's trail of an erasure pseudonymised, which ends it; the privacy
notice names every class with the period the job uses."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from fedkit.rules.charter import privacy_figures
from fedkit.rules.registry import write_registry
from fedkit.runtime import retention
from fedkit.runtime.config import Config

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def test_each_period_from_its_variable_with_defaults():
    periods = dict(retention.periods_from_env({"ARCHIPEL_RETENTION_NOTIFICATIONS_DAYS": "30"}))
    assert periods["notifications"] == 30
    assert periods["deliveries"] == 30 and periods["inbound_activities"] == 90
    assert periods["scim_trail"] == periods["moderation_trail"] == 365 and periods["closed_accounts"] == 90
    for bad in ("0", "-1", "ten", "1.5"):
        with pytest.raises(retention.RetentionError, match="ARCHIPEL_RETENTION_DELIVERIES_DAYS"):
            retention.periods_from_env({"ARCHIPEL_RETENTION_DELIVERIES_DAYS": bad})


def test_the_privacy_notice_names_every_class_with_its_period():
    config = Config(retention_periods=retention.periods_from_env({"ARCHIPEL_RETENTION_CLOSED_ACCOUNTS_DAYS": "45"}),
                    audit_retention_days=200)
    figures = privacy_figures(config)
    assert figures["audit_trail_days"] == 200 and figures["closed_accounts_days"] == 45
    assert {f"{c.name}_days" for c in retention.CLASSES} <= set(figures)


def _days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def test_records_past_their_period_go_and_no_others(node):
    from deploy.retention import expire_records
    from services.inbox.models import InboundActivity, Notification
    from services.outbox.models import Delivery

    config = dataclasses.replace(node.config, retention_periods=retention.periods_from_env(
        {"ARCHIPEL_RETENTION_DELIVERIES_DAYS": "10"}))
    for n, (state, age) in enumerate((("delivered", 11), ("failed", 11), ("retrying", 11), ("delivered", 9))):
        Delivery(activity_id=f"a{n}", actor="x", inbox=f"http://h/{n}", host="h", state=state,
                 created_at=_days_ago(age)).save()
    for n, (state, age) in enumerate((("processed", 91), ("received", 91), ("ignored", 89))):
        InboundActivity(activity_id=f"i{n}", raw={"id": f"i{n}"}, state=state, received_at=_days_ago(age)).save()
    for n, age in enumerate((366, 364)):
        Notification(username="zoe", seq=n, type="mention", actor="x", activity_id=f"n{n}",
                     created_at=_days_ago(age)).save()

    assert expire_records(config, NOW) == {"deliveries": 2, "inbound_activities": 1, "notifications": 1}
    assert sorted(d.activity_id for d in Delivery.objects) == ["a2", "a3"]  # still retrying; recent
    assert sorted(i.activity_id for i in InboundActivity.objects) == ["i1", "i2"]  # not applied yet; recent
    assert [n.activity_id for n in Notification.objects] == ["n1"]
    assert expire_records(config, NOW) == {"deliveries": 0, "inbound_activities": 0, "notifications": 0}


@pytest.fixture
def closed_accounts(node):
    from services.identity.models import Account

    for name, closed_days_ago in (("old", 91), ("held", 120), ("recent", 30), ("open", None)):
        node.local_user(name)
        if closed_days_ago is not None:
            Account.objects(username=name).update_one(set__suspended=True, set__suspended_at=_days_ago(closed_days_ago))
    return node


def _with_departed(node, tmp_path, departed: str) -> Config:
    registry = tmp_path / f"registry-{departed}.json"
    write_registry(registry, "unit", [("fr", node.base)], departed_content=departed)
    return dataclasses.replace(node.config, group_registry=str(registry))


def test_closed_accounts_past_their_period_are_due_unless_held_or_kept(closed_accounts, tmp_path):
    from deploy.retention import closed_accounts_due
    from services.identity import legal_hold

    legal_hold.place("held", reason="Litigation 17", by="admin:alice")
    hide = _with_departed(closed_accounts, tmp_path, "hide")
    assert closed_accounts_due(hide, NOW) == ["old"]
    shorter = dataclasses.replace(hide, retention_periods=retention.periods_from_env(
        {"ARCHIPEL_RETENTION_CLOSED_ACCOUNTS_DAYS": "20"}))
    assert sorted(closed_accounts_due(shorter, NOW)) == ["old", "recent"]
    assert closed_accounts_due(_with_departed(closed_accounts, tmp_path, "keep"), NOW) == []


def test_a_pass_erases_what_is_due_and_ends_each_erasure_with_the_gateway_trail(closed_accounts, tmp_path):
    from deploy.retention import run_once
    from gateway.audit import AuditRecord
    from services.identity import erasure, legal_hold
    from services.identity.erasure import AUDIT_TRAIL, Erasure, pseudonym_of
    from services.identity.models import Account

    legal_hold.place("held", reason="Litigation 17", by="admin:alice")
    config = _with_departed(closed_accounts, tmp_path, "hide")
    for path in ("/users/old/outbox", "/users/older/outbox", "/api/v1/timelines/home"):
        AuditRecord(at=_days_ago(100), method="GET", path=path, status=200, user="old").save()

    summary = run_once(config, closed_accounts.internal, now=NOW)
    assert summary["erased"] == 1 and summary["erasures_finished"] == 1
    pseudonym = pseudonym_of(config, "old")
    record = Erasure.objects.get()
    assert (record.pseudonym, record.by, record.username) == (pseudonym, "retention", None)
    assert AUDIT_TRAIL in record.steps and record.finished_at is not None
    assert Account.objects(username="old").get().erased_at is not None
    assert Account.objects(username="held").get().erased_at is None
    assert AuditRecord.objects(user="old").count() == 0
    assert sorted(r.path for r in AuditRecord.objects(user=pseudonym)) == [
        "/api/v1/timelines/home", f"/users/{pseudonym}/outbox", "/users/older/outbox"]
    again = run_once(config, closed_accounts.internal, now=NOW)
    assert again["erased"] == 0 and again["erasures_finished"] == 0
    # asked again once finished: the same record, and the name does not come back into it
    assert erasure.erase(config, "old", by="admin:alice", reason="again", internal=closed_accounts.internal)
    assert Erasure.objects.get().username is None


def test_a_changed_period_changes_the_ttl_index(db):
    """MongoDB keeps an existing index's options: a new period must reach the index itself."""
    from fedkit.runtime.db import ensure_ttl
    from services.identity.scim_audit import ScimChange

    ensure_ttl(ScimChange, "at", 365, "scim_changes_ttl")
    ensure_ttl(ScimChange, "at", 30, "scim_changes_ttl")
    assert ScimChange._get_collection().index_information()["scim_changes_ttl"]["expireAfterSeconds"] == 30 * 86400
    ensure_ttl(ScimChange, "at", 30, "scim_changes_ttl")  # unchanged: nothing to do
    assert ScimChange._get_collection().index_information()["scim_changes_ttl"]["expireAfterSeconds"] == 30 * 86400
