"""Who an activity goes to: the facts fedkit.rules.audience's plan needs at fan-out time
(the author's followers, the recipients' actor documents, the federation policy).

Local addressees are reached through the node's own inbox pipeline (one local
delivery); remote ones by HTTP, one delivery per inbox, the shared inbox preferred
so that 500 followers on one server cost one request.
"""

from __future__ import annotations

import logging

from fedkit.contracts.inbox import InboxClient
from fedkit.protocol.actors import FetchError, get_actor
from fedkit.protocol.local_ids import is_local, local_username
from fedkit.protocol.vocab import shared_inbox_url
from fedkit.rules.audience import (
    AudiencePlan,
    Node,
    Recipient,
    choose_inboxes,
    plan_explicit,
    plan_post,
    recipients,
)
from fedkit.rules.federation_policy import refused
from fedkit.rules.registry import load_registry
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient

log = logging.getLogger(__name__)


def username_of(actor_id: str, config: Config) -> str | None:
    return local_username(actor_id, config.base_url)


def _followers_of(actor_id: str, config: Config, internal: InternalClient) -> list[str]:
    """Remote accepted followers of a local Person actor (none for other actors)."""
    username = username_of(actor_id, config)
    if username is None:
        return []
    followers = InboxClient(internal).followers(username)
    return [f for f in followers if not is_local(f, config.base_url)]


def node_facts(config: Config) -> Node:
    return Node.of(config, load_registry(config))


def plan_of(record, config: Config) -> AudiencePlan:
    """The plan stored with a published activity (one stored before plans were: planned now)."""
    if record.plan:
        return AudiencePlan.from_dict(record.plan)
    if record.explicit_recipients:
        return plan_explicit(record.raw, record.actor, record.recipients, node_facts(config))
    return plan_post(record.raw, record.actor, node_facts(config))


def remote_recipient_actors(plan: AudiencePlan, config: Config, internal: InternalClient) -> list[str]:
    """Remote actor ids the plan reaches, the author's followers listed now (the inbox
    owns the follow state) when it reaches them (fedkit.rules.audience.recipients)."""
    followers = _followers_of(plan.author, config, internal) if plan.expand_followers else []
    return recipients(plan, followers, node_facts(config))


def _resolved(actor_id: str, config: Config) -> Recipient | None:
    try:
        actor = get_actor(actor_id, config)
    except FetchError as exc:
        member = _member_node_inbox(actor_id, config)
        if member is not None:
            log.info("%s not fetched (%s): its node's shared inbox is known", actor_id, exc)
            return member
        log.info("no inbox for %s: %s", actor_id, exc)
        return None
    except Exception:  # one broken peer must never stop the rest of the fan-out
        log.exception("no inbox for %s", actor_id)
        return None
    if actor.suspended:  # closed at its origin: nothing more goes to it
        log.info("no delivery to %s: suspended", actor_id)
    return Recipient(actor_id, actor.inbox, actor.shared_inbox, bool(actor.suspended))


def _member_node_inbox(actor_id: str, config: Config) -> Recipient | None:
    """A member node's instance actor that cannot be fetched now (the node restarting, slow to
    answer) is reached at the shared inbox every Archipel node serves: its delivery is then
    retried until the node answers, like any other, instead of the post never reaching it
    (the group's stream: every member node gets every post to the group or the public)."""
    member = load_registry(config).node_of(actor_id)
    if member is None or member.instance_actor != actor_id:
        return None
    inbox = shared_inbox_url(member.base_url)
    return Recipient(actor_id, inbox, inbox)


def target_inboxes(actor_ids: list[str], config: Config, personal: frozenset[str] = frozenset(),
                   plan: AudiencePlan | None = None) -> list[str]:
    """Shared inboxes where possible; ``personal`` actors (bto/bcc, which are stripped
    before delivery) get their own inbox so that their server knows they are addressed."""
    plan = plan or AudiencePlan(author="", addressees=(), hidden=tuple(personal))

    def refused_here(url: str) -> bool:  # blocked, or not on the allowlist
        if refused(url, config):
            log.info("no delivery to %s: refused by the federation policy", url)
            return True
        return False

    resolved = {a: _resolved(a, config) for a in dict.fromkeys(actor_ids)}
    return choose_inboxes(plan, actor_ids, resolved, refused_here)
