"""Reports and what moderators do with them (the use cases behind reports_api.py and the
Flag handler; the collections are in report_models.py).

Federation follows Mastodon (docs.joinmastodon.org/methods/reports/, its ActivityPub
``Flag``): a report about another server's account is sent to that server as a ``Flag``
signed by this node's instance actor — ``object`` the account and the posts, ``content``
the comment, never the reporter's name. Inside the group it is always sent (the author's
node is the one that can act); outside only when the reporter asked (``forward``). The
communities the reported posts were addressed to get it too (FEP-1b12: their moderators).

The outcome goes back to the reporter: a local one gets a notification; a member node
that forwarded a report gets an ``Accept`` (a moderator acted) or a ``Reject`` (dismissed)
of its Flag from this node's instance actor, and tells its own reporter (Mastodon tells
remote reporters nothing; inside one company the reporter should know). A server outside
the group is told nothing.
"""

from __future__ import annotations

import logging
import uuid

import mongoengine as me
import requests

from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.local_ids import is_local, local_username
from fedkit.protocol.vocab import (
    ACCEPT,
    AS_CONTEXT,
    FLAG,
    REJECT,
    TOMBSTONE,
    activity_url,
    instance_actor_id,
    local_actor_id,
)
from fedkit.rules.registry import load_registry, origin_of
from fedkit.runtime import clock
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.inbox import stream_events
from services.inbox.context import next_seq
from services.inbox.models import Notification, ReceivedObject
from services.inbox.report_models import (
    ACTIONS,
    NO_ACTION,
    OUTCOME_ACTED,
    OUTCOME_DISMISSED,
    ModerationAction,
    Report,
)

log = logging.getLogger(__name__)

COMMENT_MAX = 1000  # characters, as Mastodon's report comment
# Archipel's notification type for a reporter told the outcome (Mastodon has none: apps
# that do not know it leave it out); the author's is Mastodon 4.3's ``moderation_warning``.
REPORT_RESOLVED = "report_resolved"
MODERATION_WARNING = "moderation_warning"


class ReportError(ValueError):
    """A report or an action that cannot be taken as asked (the caller answers 4xx)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


def as_dict(report: Report) -> dict:
    """A report as the internal API gives it (the client API renders Mastodon's entities)."""
    def iso(when):
        return clock.iso(when) if when else None

    return {"id": str(report.number), "uri": report.uri, "reporter": report.reporter,
            "reporter_username": report.reporter_username, "target": report.target,
            "status_uris": list(report.status_uris), "comment": report.comment, "category": report.category,
            "rule_ids": list(report.rule_ids), "forwarded": bool(report.forwarded_to),
            "communities": list(report.communities), "created_at": iso(report.created_at),
            "updated_at": iso(report.updated_at), "assigned_to": report.assigned_to,
            "action_taken": report.action_taken, "action_taken_at": iso(report.action_taken_at),
            "action_taken_by": report.action_taken_by, "outcome": report.outcome}


# -- filing ------------------------------------------------------------------------------
def file_local(config: Config, internal: InternalClient, *, reporter_username: str, target: str,
               status_uris: list[str], comment: str, category: str, rule_ids: list[str],
               communities: list[str], forward: bool) -> Report:
    """A local user's report (the client API checked they may see what they report)."""
    report = Report(number=next_seq(), uri=activity_url(config.base_url, uuid.uuid4().hex),
                    reporter=local_actor_id(config.base_url, reporter_username), reporter_username=reporter_username,
                    target=target, status_uris=status_uris, comment=comment[:COMMENT_MAX], category=category,
                    rule_ids=rule_ids, communities=communities, in_community=bool(communities))
    report.save(force_insert=True)
    recipients = _flag_recipients(config, target, communities, forward)
    if recipients:
        try:
            OutboxClient(internal).send_for_actor(flag_of(config, report), recipients)
            report.update(set__forwarded_to=recipients)
            report.reload()
        except requests.RequestException as exc:  # kept here all the same; a moderator sees it
            log.warning("report %s not forwarded: %s", report.number, type(exc).__name__)
    return report


def _flag_recipients(config: Config, target: str, communities: list[str], forward: bool) -> list[str]:
    """Whom the Flag goes to: the reported account's server, and each remote community
    the posts were addressed to — inside the group always, outside if asked."""
    registry = load_registry(config)
    remote = [a for a in [target, *communities] if not is_local(a, config.base_url)]
    return [a for a in dict.fromkeys(remote) if forward or registry.is_inside(a)]


def flag_of(config: Config, report: Report) -> dict:
    """Mastodon's Flag (app/serializers/activitypub/flag_serializer.rb): no reporter in it."""
    return {"@context": AS_CONTEXT, "id": report.uri, "type": FLAG, "actor": instance_actor_id(config.base_url),
            "content": report.comment, "object": [report.target, *report.status_uris]}


def file_received(*, flag_id: str, sender: str, target: str, status_uris: list[str], comment: str,
                  communities: list[str]) -> Report | None:
    """Another server's Flag, filed once (a repeated delivery files nothing)."""
    try:
        report = Report(number=next_seq(), uri=flag_id, reporter=sender, target=target, status_uris=status_uris,
                        comment=comment[:COMMENT_MAX], category="other", communities=communities,
                        in_community=bool(communities))
        report.save(force_insert=True)
        return report
    except me.NotUniqueError:
        return None


# -- the moderators' queue -----------------------------------------------------------------
def queue(*, resolved: bool | None, limit: int, max_id: int | None = None, since_id: int | None = None,
          target: str | None = None, in_community: bool = False) -> list[Report]:
    query = Report.objects(in_community=True) if in_community else Report.objects()
    if resolved is not None:
        query = query.filter(action_taken=resolved)
    if target:
        query = query.filter(target=target)
    if max_id is not None:
        query = query.filter(number__lt=max_id)
    if since_id is not None:
        query = query.filter(number__gt=since_id)
    return list(query.order_by("-number").limit(limit))


def found(number: str) -> Report:
    report = Report.objects(number=int(number)).first() if number.isascii() and number.isdigit() \
        and len(number) <= 18 else None
    if report is None:
        raise ReportError(404, "not_found", "no such report")
    return report


def assign(report: Report, moderator: str | None) -> Report:
    report.update(set__assigned_to=moderator, set__updated_at=clock.now())
    ModerationAction(by=moderator or "", action="assign" if moderator else "unassign", report=report.number,
                     target=report.target).save()
    report.reload()
    return report


def reopen(report: Report, moderator: str) -> Report:
    """Mastodon's reopen: back in the queue (the trail keeps what was done before)."""
    Report.objects(number=report.number).update_one(
        set__action_taken=False, unset__action_taken_at=True, unset__action_taken_by=True, unset__outcome=True,
        set__updated_at=clock.now())
    ModerationAction(by=moderator, action="reopen", report=report.number, target=report.target).save()
    report.reload()
    return report


def resolve(config: Config, internal: InternalClient, report: Report, *, moderator: str, action: str,
            text: str, status_uris: list[str], community: str | None = None) -> Report:
    """Close a report with what the moderator did (``action``, the posts it touched, the
    reason): the trail records it, a local author with a reason or a removed post gets
    Mastodon's ``moderation_warning``, and the reporter is told (see the module)."""
    if action not in ACTIONS:
        raise ReportError(422, "unsupported_action", f"action must be one of {', '.join(ACTIONS)}")
    if report.action_taken:
        raise ReportError(422, "already_resolved", "the report is resolved; reopen it first")
    at = clock.now()
    record = ModerationAction(at=at, by=moderator, action=action, report=report.number, target=report.target,
                              status_uris=status_uris, reason=text, community=community)
    record.save()
    Report.objects(number=report.number).update_one(
        set__action_taken=True, set__action_taken_at=at, set__action_taken_by=moderator, set__outcome=action,
        set__updated_at=at)
    report.reload()
    author = local_username(report.target, config.base_url)
    if author and (text or action != NO_ACTION):
        _warn(config, author, report.target, record)
    acted = action != NO_ACTION or bool(text) or _posts_removed(internal, report)
    _tell_reporter(config, internal, report, acted=acted)
    return report


def _posts_removed(internal: InternalClient, report: Report) -> bool:
    """Is a reported post gone (removed before the report was closed: by a community's
    moderator with the community's own tools, or by its author)?"""
    uris = list(report.status_uris)
    if not uris:
        return False
    if ReceivedObject.objects(object_id__in=uris, deleted=True).count():
        return True
    held = OutboxClient(internal).local_objects(uris)
    return any(isinstance(obj, dict) and obj.get("type") == TOMBSTONE for obj in held.values())


def _warn(config: Config, username: str, target: str, record: ModerationAction) -> None:
    """Mastodon 4.3's moderation_warning (from the recipient's own account, as Mastodon)."""
    warning = {"id": str(record.pk), "action": record.action, "text": record.reason,
               "status_uris": list(record.status_uris), "created_at": clock.iso(record.at),
               **({"community": record.community} if record.community else {})}
    _notify(config, username, MODERATION_WARNING, actor=target,
            activity_id=f"{config.base_url}/moderation/{record.pk}", extra={"moderation_warning": warning})


def _tell_reporter(config: Config, internal: InternalClient, report: Report, *, acted: bool) -> None:
    if report.reporter_username:
        _notify(config, report.reporter_username, REPORT_RESOLVED, actor=report.target,
                activity_id=f"{report.uri}#resolved", extra={"report": {**as_dict(report), "acted": acted}})
        return
    registry = load_registry(config)
    if not registry.is_instance_actor(report.reporter):
        return  # outside the group: told nothing, as Mastodon
    answer = {"@context": AS_CONTEXT, "id": activity_url(config.base_url, uuid.uuid4().hex),
              "type": ACCEPT if acted else REJECT, "actor": instance_actor_id(config.base_url),
              "object": {"id": report.uri, "type": FLAG}, "to": [report.reporter]}
    OutboxClient(internal).send_for_actor(answer, [report.reporter])


def outcome_received(config: Config, *, flag_id: str, sender: str, acted: bool) -> bool:
    """A member node answered a Flag sent from here: the report is closed with its outcome
    and its reporter told. Only from the server the Flag went to; False otherwise."""
    report = Report.objects(uri=flag_id).first()
    if report is None or not report.reporter_username or \
            not any(_same_server(sender, r) for r in report.forwarded_to):
        return False
    outcome = OUTCOME_ACTED if acted else OUTCOME_DISMISSED
    at = clock.now()
    Report.objects(number=report.number).update_one(
        set__action_taken=True, set__action_taken_at=at, set__action_taken_by=sender, set__outcome=outcome,
        set__updated_at=at)
    report.reload()
    _notify(config, report.reporter_username, REPORT_RESOLVED, actor=report.target,
            activity_id=f"{report.uri}#resolved", extra={"report": {**as_dict(report), "acted": acted}})
    return True


def _same_server(a: str, b: str) -> bool:
    return origin_of(a) == origin_of(b)


def _notify(config: Config, username: str, kind: str, *, actor: str, activity_id: str, extra: dict) -> None:
    seq = next_seq()
    try:
        Notification(username=username, type=kind, actor=actor, activity_id=activity_id, seq=seq,
                     extra=extra).save(force_insert=True)
    except me.NotUniqueError:
        return  # told once
    stream_events.notified(username, seq, config)  # open streams show it at once
