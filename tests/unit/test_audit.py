"""The gateway's audit trail is written in batches off the request path, and a batch
that partly failed keeps only what was not written."""

from __future__ import annotations

from gateway import audit
from tests.plugin import wait_until


def test_records_reach_the_database_within_the_flush_interval(db):
    for status in (200, 202, 401):
        audit.record(method="POST", path="/inbox", status=status, signer="https://peer.example/users/p",
                     client_address="192.0.2.1", application="tests", user=None, error=None)
    found = wait_until(lambda: audit.AuditRecord.objects.count() == 3, timeout=10, message="3 audit records")
    assert found
    assert sorted(r.status for r in audit.AuditRecord.objects) == [200, 202, 401]
    one = audit.AuditRecord.objects(status=401).get()
    assert (one.method, one.path, one.signer, one.user) == ("POST", "/inbox", "https://peer.example/users/p", None)


def test_a_partly_written_batch_is_not_written_twice(db):
    audit.record(method="GET", path="/a", status=200)
    audit.flush()
    written = audit.AuditRecord._get_collection().find_one({"path": "/a"})
    # The same document again (same _id: as after a failed insert_many) beside a new one.
    audit._buffer.records.extend([dict(written), {"at": written["at"], "method": "GET", "path": "/b", "status": 200}])
    audit.flush()
    assert sorted(r.path for r in audit.AuditRecord.objects) == ["/a", "/b"]
    assert audit._buffer.records == []
