"""Reports as Mastodon shows them: the Report entity its reporter sees
(docs.joinmastodon.org/entities/Report/), the Admin::Report and Admin::Account entities
of the moderators' queue (docs.joinmastodon.org/entities/Admin_Report/,
/entities/Admin_Account/), and Mastodon 4.3's AccountWarning carried by a
``moderation_warning`` notification (docs.joinmastodon.org/entities/AccountWarning/).
The inbox's report (fedkit/contracts/reports.py) is the input."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from fedkit.protocol.local_ids import local_username
from services.api import credential_entities, ids, upstream
from services.api.entities import account_of, status_entity, visible_object


def _base() -> str:
    return current_app.config["ARCHIPEL"].base_url


def report_entity(report: dict) -> dict:
    """The Report entity, as its reporter sees it; in the reporter's ``report_resolved``
    notification, Archipel's ``archipel.outcome``: ``acted`` or ``dismissed`` (the inbox's
    ``acted``: services/inbox/reports.py)."""
    acted = report.get("acted")
    return {"archipel": {"outcome": None if acted is None else "acted" if acted else "dismissed"},
            "id": report["id"], "action_taken": report["action_taken"],
            "action_taken_at": report["action_taken_at"], "category": report["category"],
            "comment": report["comment"], "forwarded": report["forwarded"], "created_at": report["created_at"],
            "status_ids": [ids.status_id(u) for u in report["status_uris"]], "rule_ids": report["rule_ids"],
            "target_account": account_of(report["target"])}


def admin_account(actor: str | None) -> dict | None:
    """Admin::Account of an actor (a local account's role and state from identity). An actor
    the node cannot show (another server's instance actor may be one) keeps its id and host."""
    if not actor:
        return None
    entity = account_of(actor)
    username = local_username(actor, _base())
    record = upstream.local_account(username) if username else None
    host = urlsplit(actor).netloc
    if entity is None:
        entity = {"id": ids.account_id(actor), "username": host, "acct": host, "uri": actor, "url": actor}
    return {"id": entity["id"], "username": entity.get("username", ""), "domain": None if username else host,
            "created_at": entity.get("created_at"), "email": "", "ip": None, "ips": [], "locale": "",
            "invite_request": None, "role": credential_entities.role(list(record.roles) if record else []),
            "confirmed": True, "approved": True, "disabled": bool(record and record.suspended),
            "silenced": False, "suspended": bool(record and record.suspended), "sensitized": False,
            "account": entity}


def _moderator(username: str | None) -> dict | None:
    return admin_account(f"{_base()}/users/{username}") if username else None


def admin_report_entity(report: dict) -> dict:
    """Admin::Report; ``statuses`` are those the moderator may see (a post hidden from them
    by the visibility policy is left out; its id stays in ``status_ids``, an Archipel extra), and
``communities``, the communities the posts were addressed to (another Archipel extra: the
exclusion applies to those of this node)."""
    shown = [status_entity(obj) for obj in (visible_object(u) for u in report["status_uris"]) if obj]
    by = report["action_taken_by"]
    return {"id": report["id"], "action_taken": report["action_taken"],
            "action_taken_at": report["action_taken_at"], "category": report["category"],
            "comment": report["comment"], "forwarded": report["forwarded"], "created_at": report["created_at"],
            "updated_at": report["updated_at"], "account": admin_account(report["reporter"]),
            "target_account": admin_account(report["target"]),
            "assigned_account": _moderator(report["assigned_to"]),
            "action_taken_by_account": admin_account(by if "/" in (by or "") else None) or _moderator(by),
            "statuses": [s for s in shown if s is not None], "rules": [],
            "status_ids": [ids.status_id(u) for u in report["status_uris"]],
            "communities": list(report["communities"])}


def account_warning(warning: dict, target: dict) -> dict:
    """AccountWarning (a ``moderation_warning`` notification's ``moderation_warning``)."""
    return {"id": warning["id"], "action": warning["action"], "text": warning["text"],
            "status_ids": [ids.status_id(u) for u in warning.get("status_uris", [])], "target_account": target,
            "appeal": None, "created_at": warning["created_at"]}
