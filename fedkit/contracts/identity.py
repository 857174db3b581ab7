"""The identity service's contract: local accounts, token introspection, actor documents."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from fedkit.contracts import Transport, as_reader, path_of

SERVICE = "identity"

ACCOUNTS = "/internal/accounts"  # POST: create an account
ACCOUNT = "/internal/accounts/<username>"  # GET: the account (404: none)
ACCOUNT_PROFILE = "/internal/accounts/<username>/profile"  # POST: a C2S Update of the Person
ACCOUNT_CHANGE = "/internal/accounts/<username>/<any(deactivate, reactivate):change>"  # POST {by}
INTROSPECT = "/internal/introspect"  # POST {token}: RFC 7662 shape, for the gateway
PERSON = "/users/<username>"  # GET: the public actor document
ACCOUNT_PERSON = "/internal/accounts/<username>/person"  # GET: the actor document, whole profile
ACCOUNT_PERSONS = "/internal/persons"  # POST {usernames}: ``ACCOUNT_PERSON`` of each, {"persons": {username: …}}
OPEN_ACCOUNTS = "/internal/open-accounts"  # POST {usernames}: those that are accounts not closed, {"open": […]}
APP_OF_TOKEN = "/internal/apps/of-token"  # POST {token}: the app that holds a live access token
FIRST_PARTY_APP = "/internal/apps/first-party"  # POST {client_id}: the node's web app, trusted (no consent)
NODEINFO = "/nodeinfo/2.1"  # GET: the public NodeInfo document (usage counts)
ACCOUNTS_SEARCH = "/internal/directory/search"  # GET ?q=&limit=: usernames of open accounts a query names
ACCOUNT_CHARTER = "/internal/accounts/<username>/charter"  # GET: the charter version they last accepted
# Public (a bearer token, through the gateway): the usage charter, and accepting it.
CHARTER = "/api/archipel/charter"
CHARTER_ACCEPT = "/api/archipel/charter/accept"
# GET ?entity=&department=&location=&skill=&q=&page=&limit=: this node's people as the reader
# may see them (public, signature-checked: services/identity/people_directory.py)
PEOPLE = "/directory/people"
PEOPLE_GROUP = "/api/archipel/people"  # GET, same query: every member node's people (bearer token)
# GET ?q=: this node's people whose profile matches, with what matched (the expert finder,
# services/identity/experts_listing.py; public, signature-checked as PEOPLE)
EXPERTS = "/directory/experts"
EXPERTS_GROUP = "/internal/directory/experts"  # GET ?q=, as a local user: every member node's
DIRECTORY_FILTERS = ("entity", "department", "location", "skill")  # PEOPLE's attribute filters
# GET, the same filters: {"actors", "unreachable"}: everyone in the group they find (every member
# node asked, signed as this node's instance actor; "unreachable": origins that did not answer)
PEOPLE_MATCHING = "/internal/directory/matching"


class ProfileRefused(ValueError):
    """Identity refused a profile change (what the company directory owns)."""


def web_app_redirect_uri(base_url: str) -> str:
    """The node's web app's redirect URI: the one client identity may trust as first-party."""
    return base_url + "/web/callback"


@dataclass(frozen=True)
class Account:
    """A local account as identity shows it to the node's other services."""

    username: str
    display_name: str = ""
    locked: bool = False
    suspended: bool = False
    roles: tuple[str, ...] = ()
    signs_in_with_group: bool = False
    summary: str = ""  # the profile text as its owner wrote it
    directory_managed: bool = False  # its name comes from the directory or the group's provider

    @classmethod
    def from_json(cls, data: dict) -> Account:
        return cls(username=data.get("username", ""), display_name=data.get("display_name") or "",
                   locked=bool(data.get("locked")), suspended=bool(data.get("suspended")),
                   roles=tuple(data.get("roles") or ()),
                   signs_in_with_group=bool(data.get("signs_in_with_group")),
                   summary=data.get("summary") or "", directory_managed=bool(data.get("directory_managed")))


class IdentityClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def account(self, username: str, **kwargs) -> Account | None:
        """The account, closed or not; None if there is none. Another answer raises
        ``requests.HTTPError``."""
        resp = self.transport.request("GET", SERVICE, path_of(ACCOUNT, username=username), **kwargs)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return Account.from_json(resp.json())

    def active_account(self, username: str) -> Account | None:
        """The account if it exists and is not closed; None too when identity cannot say."""
        try:
            account = self.account(username)
        except requests.HTTPError:
            return None
        return None if account is None or account.suspended else account

    def open_accounts(self, usernames: list[str]) -> set[str]:
        """Those of ``usernames`` that are accounts and not closed, in one call."""
        if not usernames:
            return set()
        return set(self.transport.post_json(SERVICE, OPEN_ACCOUNTS, {"usernames": list(usernames)})["open"])

    def update_profile(self, username: str, person: dict) -> dict:
        """Apply a C2S Update of the Person; ``ProfileRefused`` when it changes what the
        directory owns (its message says where to change it)."""
        resp = self.transport.request("POST", SERVICE, path_of(ACCOUNT_PROFILE, username=username), json=person)
        if resp.status_code == 422:
            raise ProfileRefused(resp.json().get("error_description") or "this profile change is refused")
        resp.raise_for_status()
        return resp.json()

    def person(self, username: str) -> dict:
        """The actor document of a local user, as served publicly."""
        resp = self.transport.request("GET", SERVICE, path_of(PERSON, username=username))
        resp.raise_for_status()
        return resp.json()

    def find_person(self, username: str) -> dict | None:
        """The actor document of a local user with the whole profile (as the group sees it;
        ``fedkit.rules.profile_view.outside_view`` for anyone else); None if there is none or
        it is closed (404, 410). Another answer raises ``requests.HTTPError``."""
        resp = self.transport.request("GET", SERVICE, path_of(ACCOUNT_PERSON, username=username))
        if resp.status_code in (404, 410):
            return None
        resp.raise_for_status()
        return resp.json()

    def find_persons(self, usernames: list[str]) -> dict[str, dict]:
        """``find_person`` of each of ``usernames`` in one call: {username: document}, without
        those there is none of or that are closed."""
        if not usernames:
            return {}
        return dict(self.transport.post_json(SERVICE, ACCOUNT_PERSONS, {"usernames": list(usernames)})["persons"])

    def app_of_token(self, token: str) -> dict | None:
        """``{"client_id", "name", "website", "redirect_uris", "scopes"}`` of the app that
        holds this live access token; None for an unknown, revoked or expired one."""
        resp = self.transport.request("POST", SERVICE, APP_OF_TOKEN, json={"token": token})
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def mark_first_party(self, client_id: str) -> bool:
        """Mark the node's own web app (its one redirect URI is ``WEB_APP_CALLBACK``) as
        first-party: not asked for consent. False when the client is not that."""
        resp = self.transport.request("POST", SERVICE, FIRST_PARTY_APP, json={"client_id": client_id})
        if resp.status_code in (404, 422):
            return False
        resp.raise_for_status()
        return True

    def search_accounts(self, query: str, *, limit: int = 40) -> list[str]:
        """Usernames of this node's open accounts that ``query`` names (username or display
        name prefix), the exact username first."""
        return list(self.transport.get_json(SERVICE, ACCOUNTS_SEARCH, params={"q": query, "limit": limit})["items"])

    def accepted_charter(self, username: str) -> str | None:
        """The version of the usage charter this user last accepted; None: never."""
        return self.transport.get_json(SERVICE, path_of(ACCOUNT_CHARTER, username=username)).get("version")

    def people(self, params: dict, *, user: str | None, scopes=(), group: bool = False) -> dict:
        """A page of the people directory as ``user`` sees it: this node's, or with ``group``
        every member node's (``{"items", "page", "total", "next", ("unreachable")}``)."""
        return self.transport.get_json(SERVICE, PEOPLE_GROUP if group else PEOPLE, params=params,
                                       headers=as_reader(user, scopes))

    def experts(self, q: str, *, user: str, scopes=()) -> dict:
        """The group's people whose profile matches ``q`` as ``user`` may see them, with what
        matched: ``{"items": [{..., "node", "matched": [...]}], "unreachable": [node names]}``."""
        return self.transport.get_json(SERVICE, EXPERTS_GROUP, params={"q": q}, headers=as_reader(user, scopes))
    def people_matching(self, filters: dict[str, str]) -> tuple[set[str], set[str]]:
        """(actor ids of everyone in the group the directory filters find, origins of the
        member nodes that did not answer: their people are unknown, not absent)."""
        answer = self.transport.get_json(SERVICE, PEOPLE_MATCHING, params=filters)
        return set(answer["actors"]), set(answer["unreachable"])

    def nodeinfo(self) -> dict:
        return self.transport.get_json(SERVICE, NODEINFO)

    def introspect(self, token: str) -> dict:
        """``{"active": bool, "username", "scope", "client_id"}`` for an access token."""
        return self.transport.post_json(SERVICE, INTROSPECT, {"token": token})
