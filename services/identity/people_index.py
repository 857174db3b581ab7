"""This node's people in the node's search index (services/search, through its contract):
an account is indexed as it is now — its handle, name, profile text, skills, interests,
projects, languages, job title, department and fields — each time
it is created or changed, and removed once closed (deactivated, or deleted by the
directory), so a closed account is found by nobody."""

from __future__ import annotations

from fedkit.contracts import search
from fedkit.protocol.vocab import local_actor_id
from fedkit.runtime.config import Config
from services.identity.directory_profile import directory_fields
from services.identity.models import Account


def event_of(account: Account, config: Config) -> dict:
    actor = local_actor_id(config.base_url, account.username)
    if account.suspended or account.scim_deleted or account.moved_to:  # a moved one is found at its new node
        return search.removal(search.PERSON, actor)
    # what the directory and the person say of themselves (skills, interests, projects: the
    # directory profile) are words they are found by, as their profile fields' values
    directory = directory_fields(account)
    said = [{"value": v} for v in (*(account.skills or []), *(account.interests or []), *(account.projects or []),
                                   *(account.languages or []), *(directory.get(p) or "" for p in ("title", "department")))]
    return search.person_event(actor, username=account.username, name=account.display_name or "",
                               summary=account.summary or "", fields=[*said, *(account.profile_fields or [])])


def indexed(config: Config, username: str) -> None:
    """Queue the index event of this account as it is now (never raises)."""
    account = Account.objects(username=username).first()
    if account is not None:
        search.notify(config, [event_of(account, config)])
