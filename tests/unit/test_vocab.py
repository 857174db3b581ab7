"""The AS2 vocabulary helpers and the inbox dispatch table."""

from __future__ import annotations

import pytest

from fedkit.protocol.vocab import (
    PUBLIC,
    DocumentError,
    audience_of,
    id_of,
    is_public,
    parse_document,
)
from services.inbox.dispatch import handler_for


def test_parse_errors_are_machine_readable():
    for body, code in ((b"{", "malformed_json"), (b"[]", "not_an_object"), (b"{}", "type_missing")):
        with pytest.raises(DocumentError) as exc:
            parse_document(body)
        assert exc.value.code == code


def test_audience_and_public_aliases():
    obj = {"to": [PUBLIC, {"id": "https://a.example/u"}], "cc": "https://a.example/u/followers",
           "bcc": ["https://a.example/u"]}
    assert audience_of(obj) == [PUBLIC, "https://a.example/u", "https://a.example/u/followers"]
    assert is_public(["as:Public"]) and not is_public(["https://a.example/u/followers"])
    assert id_of({"id": "x"}) == "x" and id_of(3) is None


@pytest.mark.parametrize("activity_type,object_type", [
    ("Follow", None), ("Accept", "Follow"), ("Reject", None), ("Undo", "Like"), ("Create", "Note"),
    ("Update", "Person"), ("Delete", "Tombstone"), ("Like", None), ("Announce", None),
])
def test_every_core_type_has_a_handler(activity_type, object_type):
    assert handler_for(activity_type, object_type) is not None


def test_unknown_types_have_no_handler():
    assert handler_for("Wave", None) is None


def test_handler_table_is_complete_for_concurrent_first_use():
    """A worker's threads look handlers up at the same moment on first use; none may see
    a half-filled table (this once dropped concurrent Follows as 'ignored')."""
    import subprocess
    import sys

    code = (
        "import threading\n"
        "from services.inbox.dispatch import handler_for\n"
        "barrier = threading.Barrier(16); found = []\n"
        "def look():\n"
        "    barrier.wait(); found.append(handler_for('Undo', None))\n"
        "threads = [threading.Thread(target=look) for _ in range(16)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "assert all(found) and len(found) == 16, found\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
