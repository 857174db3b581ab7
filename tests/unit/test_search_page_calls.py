"""A page of search results costs a few internal calls, not a few per result: the
statuses' authors and the accounts found are read for the whole page at once (identity's
documents, the inbox's follow counts, the outbox's post counts), and so are the statuses'
interactions (services/api/entities.py ``prefetch_page``), in process."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from fedkit.runtime.internal import InternalClient
from tests.unit.api_support import api_user

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AUTHORS = 6


@pytest.fixture
def calls(monkeypatch):
    """Every internal call made while it is on: a Counter of (service, path)."""
    made: Counter = Counter()
    real = InternalClient.request

    def counting(self, method, service, path, **kwargs):
        made[(service, path.split("?")[0])] += 1
        return real(self, method, service, path, **kwargs)

    monkeypatch.setattr(InternalClient, "request", counting)
    return made


@pytest.fixture
def authors(node):
    """Six people, each with a public post and a profile naming the same rare word."""
    from services.identity.models import Account

    word = f"w{uuid.uuid4().hex[:10]}"
    names = [f"pc{word[-4:]}{i}" for i in range(AUTHORS)]
    for name in names:
        node.local_user(name)
        Account.objects(username=name).update_one(set__summary=f"expert {word}")
        node.reindex_person(name)
        node.publish(name, {"type": "Note", "content": f"<p>about {word}</p>", "to": [PUBLIC]})
    node.run()
    return word, names


def test_a_page_of_statuses_reads_its_authors_and_counts_once(node, authors, calls):
    word, names = authors
    reader = api_user(node, "pcreader")
    calls.clear()
    resp = reader.get("/api/v2/search", query_string={"q": word, "type": "statuses"})
    assert resp.status_code == 200, resp.text
    statuses = resp.get_json()["statuses"]
    assert sorted(s["account"]["username"] for s in statuses) == sorted(names)
    assert all(s["account"]["statuses_count"] == 1 for s in statuses)
    per_result = {key: n for key, n in calls.items() if n >= AUTHORS}
    assert per_result == {}, f"calls made once per result: {per_result}"
    assert sum(calls.values()) <= 12, sorted(calls.items())


def test_a_page_of_accounts_reads_them_once(node, authors, calls):
    word, names = authors
    reader = api_user(node, "pcreader")
    calls.clear()
    resp = reader.get("/api/v2/search", query_string={"q": word, "type": "accounts"})
    assert resp.status_code == 200, resp.text
    accounts = resp.get_json()["accounts"]
    assert sorted(a["username"] for a in accounts) == sorted(names)
    assert all(a["statuses_count"] == 1 and a["followers_count"] == 0 for a in accounts)
    per_result = {key: n for key, n in calls.items() if n >= AUTHORS}
    assert per_result == {}, f"calls made once per result: {per_result}"
    # +6: the expert ranking (identity's experts, which ask the index once per word of the
    # query; the inbox's posts, asking communities, search, outbox)
    assert sum(calls.values()) <= 8 + 6, sorted(calls.items())
