"""Identity's share of an erasure (services/identity/erasure.py): what it holds of the person
goes, its trails keep their rows under the pseudonym. Idempotent."""

from __future__ import annotations

from fedkit.runtime import clock
from fedkit.runtime.config import Config
from services.identity import people_index
from services.identity.charter_acceptance import CharterAcceptance
from services.identity.legal_hold import LegalHoldChange
from services.identity.lifecycle import AccountChange
from services.identity.models import Account, OAuthCode, OAuthToken, WebSession
from services.identity.scim_audit import ScimChange

# The trails: each row stays (what happened, when), its account becomes the pseudonym.
TRAILS = (AccountChange, ScimChange, CharterAcceptance, LegalHoldChange)


def erase_identity_share(config: Config, username: str, pseudonym: str) -> dict:
    erased = {"tokens": OAuthToken.objects(username=username).delete(),
              "codes": OAuthCode.objects(username=username).delete(),
              "web_sessions": WebSession.objects(username=username).delete()}
    for trail in TRAILS:
        erased[trail._meta["collection"]] = trail.objects(username=username).update(set__username=pseudonym)
    # The row stays (the name is never given again; the actor answers as closed), empty: the
    # profile, what the directory and the provider said (the photo among it), the password.
    # The provider's subject goes too: a person provisioned again gets a new account.
    Account.objects(username=username).update_one(
        set__display_name="", set__summary="", set__profile_fields=[], set__skills=[], set__interests=[],
        set__languages=[], set__projects=[], set__directory_claims={}, set__subject=pseudonym,
        unset__scim_attributes=True, unset__password_hash=True, set__roles=[], set__erased_at=clock.now())
    people_index.indexed(config, username)  # closed: removed from the search index
    return erased
