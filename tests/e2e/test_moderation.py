"""Reports and moderation end to end (issue 12), through real Mastodon clients
(Mastodon.py) on real nodes: berta@de (compact) reports alice@fr's (split) post with a
comment; de forwards it as a Flag of its instance actor; fr's moderator (amelie, given the
``moderator`` role for this module) sees it in ``GET /api/v1/admin/reports`` with the
comment, removes the post with an account action; the removal federates (the post is
gone at de), alice is warned with the reason, the action is in fr's moderation trail, and
berta is told the outcome (fr answers de's Flag; de notifies her and closes its own copy,
which de's moderator bob saw as forwarded)."""

from __future__ import annotations

import uuid

import pytest
from mastodon import Mastodon, MastodonNotFoundError

from tests.e2e.test_mastodon_api import REDIRECT, SCOPES
from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import wait_until

MODERATOR_SCOPES = [*SCOPES, "admin:read", "admin:write"]


def moderator_app(client, username: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("Archipel moderation", scopes=MODERATOR_SCOPES,
                                                   redirect_uris=REDIRECT, api_base_url=client.base)
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=client.base,
                   version_check_mode="created")
    app.log_in(username, client.password, scopes=MODERATOR_SCOPES, allow_http=True)
    return app


@pytest.fixture(scope="module")
def moderator(group):
    """amelie@fr is a moderator (set on her account directly), for this module only."""
    accounts = group["fr"].db.accounts
    before = accounts.find_one({"_id": "amelie"}).get("roles", [])
    accounts.update_one({"_id": "amelie"}, {"$set": {"roles": ["moderator"]}})
    yield moderator_app(group["fr"], "amelie")
    accounts.update_one({"_id": "amelie"}, {"$set": {"roles": before}})


@pytest.fixture(scope="module")
def people(group):
    fr, de = group["fr"], group["de"]
    de.follow_and_wait("berta", fr, "alice")
    return {"alice": password_app(fr, "alice"), "berta": password_app(de, "berta")}


def _in_home(app, uri: str):
    return next((s for s in app.timeline_home(limit=40) if s["uri"] == uri), None)


def _report_with(app, comment: str):
    return next((r for r in app.admin_reports() if r["comment"] == comment), None)


def _notified(app, kind: str) -> list[dict]:
    return [n for n in app.notifications(limit=40) if n["type"] == kind]


def test_berta_reports_alices_post_and_a_moderator_of_fr_removes_it(group, people, moderator):
    fr = group["fr"]
    alice, berta = people["alice"], people["berta"]
    tag = uuid.uuid4().hex[:8]
    post = alice.status_post(f"something against the charter {tag}", visibility="public")
    wait_until(lambda: _in_home(berta, post["uri"]) is not None, message="alice's post on de")
    on_de = _in_home(berta, post["uri"])

    comment = f"This breaks the charter ({tag})"
    filed = berta.report(on_de["account"]["id"], status_ids=[on_de["id"]], comment=comment, forward=True)
    assert filed["comment"] == comment and filed["forwarded"] is True and filed["action_taken"] is False

    # fr's moderators see it, with berta's comment and alice's post, never berta's name.
    wait_until(lambda: _report_with(moderator, comment) is not None, message="the Flag filed on fr")
    report = _report_with(moderator, comment)
    assert report["target_account"]["username"] == "alice"
    assert [s["uri"] for s in report["statuses"]] == [post["uri"]]
    assert report["account"]["domain"] == group["de"].host and "berta" not in str(report["account"])

    moderator.admin_account_moderate(report["target_account"]["id"], action="delete_statuses",
                                     report_id=report["id"], text="Removed: charter, section 3")

    # The removal federates: gone at fr and at de.
    with pytest.raises(MastodonNotFoundError):
        alice.status(post["id"])

    def gone_at_de() -> bool:
        try:
            berta.status(on_de["id"])
        except MastodonNotFoundError:
            return True
        return False

    wait_until(gone_at_de, message="the Delete applied at de")
    # alice is warned with the reason; the queue is empty of it; the trail says who did what.
    [warning] = _notified(alice, "moderation_warning")
    assert warning["moderation_warning"]["text"] == "Removed: charter, section 3"
    assert _report_with(moderator, comment) is None
    trail = fr.db.moderation_actions.find_one({"report": int(report["id"]), "action": "delete_statuses"})
    assert trail["by"] == "amelie" and trail["status_uris"] == [post["uri"]]
    # berta is told the outcome on her own node.
    wait_until(lambda: _notified(berta, "report_resolved"), message="berta told the outcome")
    [told] = _notified(berta, "report_resolved")
    assert told["report"]["id"] == filed["id"] and told["report"]["action_taken"] is True
    # de's own moderator (bob) had it too, forwarded, and now closed by fr's answer.
    at_de = next(r for r in moderator_app(group["de"], "bob").admin_reports(resolved=True)
                 if r["comment"] == comment)
    assert at_de["forwarded"] is True and at_de["account"]["username"] == "berta"
