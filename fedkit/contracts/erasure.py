"""Erasing a person's data (issue 12, "Personal data": erasure on request, retention).

Identity runs an erasure (services/identity/erasure.py): it records the request, closes the
account, then asks each service that holds personal data to erase its own share through the
same endpoint, ``ERASE``, which every one of them serves: idempotent (a second call finds
nothing more to do and answers the same), so a run stopped midway is finished by running it
again. Identity's own endpoints (legal hold, erasure) are here too; an administrator reaches
them through the api (services/api/admin_erasure.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from fedkit.contracts import Transport, path_of

# POST {pseudonym}: erase what this service holds of the local user <username>; what must stay
# (trails, reports) keeps the pseudonym instead of the name. Answers {"erased": {what: count}}.
ERASE = "/internal/erasure/<username>"
# The services that serve ERASE, in the order an erasure calls them: the posts go first (their
# Deletes are federated while the account's key is still accepted everywhere), the follows last.
ERASING_SERVICES = ("outbox", "api", "communities", "inbox")

# communities: POST {actor}: another member node erased one of its actors (its Delete reached
# the inbox): its memberships here end and its posts to this node's communities are removed.
FORGET_ACTOR = "/internal/erasure/forget-actor"
# identity: GET the hold (404: none); PUT {reason, by}: place it; DELETE {by}: lift it.
LEGAL_HOLD = "/internal/accounts/<username>/legal_hold"
# identity: POST {reason, by}: erase the account (409 while a legal hold is on); again: resume.
ERASURE = "/internal/accounts/<username>/erasure"


class LegalHoldOn(Exception):
    """The account is under a legal hold: nothing is erased."""

    def __init__(self, hold: dict):
        super().__init__(hold.get("reason", ""))
        self.hold = hold


@dataclass(frozen=True)
class ErasureOutcome:
    pseudonym: str
    done: bool
    steps: dict  # {step: "done" | "pending"}


class ErasureClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def erase_share(self, service: str, username: str, pseudonym: str) -> dict:
        """One service's share of an erasure; a failure raises (the erasure stays unfinished)."""
        resp = self.transport.request("POST", service, path_of(ERASE, username=username),
                                      json={"pseudonym": pseudonym})
        resp.raise_for_status()
        return resp.json().get("erased", {})

    def forget_actor(self, actor: str) -> dict:
        """The communities service forgets a remote actor deleted at its origin; raises on failure."""
        resp = self.transport.request("POST", "communities", FORGET_ACTOR, json={"actor": actor})
        resp.raise_for_status()
        return resp.json().get("erased", {})

    def legal_hold(self, username: str) -> dict | None:
        resp = self.transport.request("GET", "identity", path_of(LEGAL_HOLD, username=username))
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def place_hold(self, username: str, *, reason: str, by: str) -> dict | None:
        """The hold now on the account; None: no such account."""
        resp = self.transport.request("PUT", "identity", path_of(LEGAL_HOLD, username=username),
                                      json={"reason": reason, "by": by})
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def lift_hold(self, username: str, *, by: str) -> bool:
        """False: there was no hold (or no such account)."""
        resp = self.transport.request("DELETE", "identity", path_of(LEGAL_HOLD, username=username),
                                      json={"by": by})
        if resp.status_code == 404:
            return False
        resp.raise_for_status()
        return True

    def erase(self, username: str, *, reason: str, by: str) -> ErasureOutcome | None:
        """Erase (or finish erasing) the account; None: no such account. Raises LegalHoldOn."""
        resp = self.transport.request("POST", "identity", path_of(ERASURE, username=username),
                                      json={"reason": reason, "by": by})
        if resp.status_code == 404:
            return None
        if resp.status_code == 409:
            raise LegalHoldOn(resp.json().get("legal_hold") or {})
        resp.raise_for_status()
        data = resp.json()
        return ErasureOutcome(pseudonym=data["pseudonym"], done=bool(data["done"]), steps=data["steps"])
