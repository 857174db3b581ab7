"""ActivityStreams 2.0 vocabulary: type names, contexts, id helpers, and a lossless document wrapper.

Every AS2 type name the project uses is a constant here (GoToSocial's ``internal/ap``
convention): no scattered ``"Follow"`` strings elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.http import parse_options_header

from fedkit.protocol import jsonbody

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
DEFAULT_CONTEXT: list[Any] = [
    AS_CONTEXT,
    SECURITY_CONTEXT,
    {"manuallyApprovesFollowers": "as:manuallyApprovesFollowers", "Hashtag": "as:Hashtag",
     "sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#", "suspended": "toot:suspended",
     # media attachments' terms, as Mastodon defines them (services/api/media_entities.py)
     "blurhash": "toot:blurhash", "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
     # account migration, as Mastodon's context defines them (docs.joinmastodon.org/spec/activitypub/#as)
     "movedTo": {"@id": "as:movedTo", "@type": "@id"}, "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"}},
]
# Archipel's own terms (a local context, never fetched): a community's properties and a
# person's profile from the directory and what they declare. Profile fields also travel as
# schema.org PropertyValues in ``attachment``, the form Mastodon shows
# (docs.joinmastodon.org/spec/activitypub/#PropertyValue).
ARCHIPEL_NS = "https://archipel.example/ns#"
SCHEMA_NS = "http://schema.org#"
PROPERTY_VALUE = "PropertyValue"
PROFILE_CONTEXT: dict[str, Any] = {
    "archipel": ARCHIPEL_NS, "schema": SCHEMA_NS, PROPERTY_VALUE: "schema:PropertyValue",
    "value": "schema:value", "jobTitle": "schema:jobTitle", "telephone": "schema:telephone",
    "department": "archipel:department", "entity": "archipel:entity", "location": "archipel:location",
    "manager": {"@id": "archipel:manager", "@type": "@id"},
    "skills": {"@id": "archipel:skills", "@container": "@set"},
    "interests": {"@id": "archipel:interests", "@container": "@set"},
    "languages": {"@id": "archipel:languages", "@container": "@set"},
    "projects": {"@id": "archipel:projects", "@container": "@set"},
    # A closed account whose content the group keeps (fedkit.rules.policy.kept_after_departure).
    "formerEmployee": "archipel:formerEmployee",
}
FORMER_EMPLOYEE = "formerEmployee"
# Account migration (a Move's two ends): the old actor names its new one, the new names the old.
MOVED_TO = "movedTo"
ALSO_KNOWN_AS = "alsoKnownAs"
PERSON_CONTEXT: list[Any] = [*DEFAULT_CONTEXT, PROFILE_CONTEXT]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Compact forms of the public collection that other servers send (AS2 §5.6 allows them).
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

AP_CONTENT_TYPE = "application/activity+json"
LD_CONTENT_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AP_ACCEPT = f"{AP_CONTENT_TYPE}, {LD_CONTENT_TYPE}"

# Activity types
CREATE = "Create"
UPDATE = "Update"
DELETE = "Delete"
FOLLOW = "Follow"
ACCEPT = "Accept"
REJECT = "Reject"
UNDO = "Undo"
LIKE = "Like"
ANNOUNCE = "Announce"
ADD = "Add"
REMOVE = "Remove"
BLOCK = "Block"
FLAG = "Flag"
MOVE = "Move"
INVITE = "Invite"
ACTIVITY_TYPES = frozenset({
    CREATE, UPDATE, DELETE, FOLLOW, ACCEPT, REJECT, UNDO, LIKE, ANNOUNCE, ADD, REMOVE,
    BLOCK, FLAG, MOVE, INVITE, "EmojiReact", "Dislike", "TentativeAccept", "TentativeReject",
    "Leave", "Join", "Offer", "Question", "View", "Read", "Listen", "Arrive", "Travel",
    "Ignore", "Activity",
})

# Object types
NOTE = "Note"
ARTICLE = "Article"
PAGE = "Page"
QUESTION = "Question"
TOMBSTONE = "Tombstone"
MENTION = "Mention"
HASHTAG = "Hashtag"
IMAGE = "Image"
ORDERED_COLLECTION = "OrderedCollection"
ORDERED_COLLECTION_PAGE = "OrderedCollectionPage"
COLLECTION = "Collection"

# Actor types
PERSON = "Person"
APPLICATION = "Application"
SERVICE = "Service"
GROUP = "Group"
ORGANIZATION = "Organization"
ACTOR_TYPES = frozenset({PERSON, APPLICATION, SERVICE, GROUP, ORGANIZATION})

# Objects a C2S client may post bare (wrapped in a Create by the server, AP §6.2.1).
CREATABLE_TYPES = frozenset({NOTE, ARTICLE, PAGE, QUESTION, IMAGE, "Video", "Audio", "Document", "Event"})


def local_actor_id(base_url: str, username: str) -> str:
    return f"{base_url}/users/{username}"


def instance_actor_id(base_url: str) -> str:
    return f"{base_url}/actor"


def key_id_for(actor_id: str) -> str:
    return f"{actor_id}#main-key"


def shared_inbox_url(base_url: str) -> str:
    return f"{base_url}/inbox"


def object_url(base_url: str, object_uuid: str) -> str:
    return f"{base_url}/objects/{object_uuid}"


def activity_url(base_url: str, activity_uuid: str) -> str:
    return f"{base_url}/activities/{activity_uuid}"


def id_of(value: Any) -> str | None:
    """The id of a reference that may be a bare IRI string or an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        ident = value.get("id")
        return ident if isinstance(ident, str) else None
    return None


def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def type_of(value: Any) -> str | None:
    """First type of an object; AS2 allows a list of types."""
    if not isinstance(value, dict):
        return None
    t = value.get("type")
    if isinstance(t, list):
        return t[0] if t and isinstance(t[0], str) else None
    return t if isinstance(t, str) else None


def audience_of(obj: dict) -> list[str]:
    """Every addressee id in to/cc/bto/bcc/audience, in order, without duplicates."""
    seen: dict[str, None] = {}
    for key in ("to", "cc", "bto", "bcc", "audience"):
        for ref in as_list(obj.get(key)):
            ident = id_of(ref)
            if ident:
                seen[ident] = None
    return list(seen)


def is_unlisted(obj: dict) -> bool:
    """Public in ``cc`` only: Mastodon's ``unlisted`` (visible to anyone, out of the public
    timelines; docs.joinmastodon.org/spec/activitypub/#Public)."""
    return not any(id_of(a) in PUBLIC_ALIASES for a in as_list(obj.get("to"))) \
        and any(id_of(a) in PUBLIC_ALIASES for a in as_list(obj.get("cc")))


def is_public(addressees: list[str]) -> bool:
    return any(a in PUBLIC_ALIASES for a in addressees)


def with_context(obj: dict) -> dict:
    return {"@context": DEFAULT_CONTEXT, **{k: v for k, v in obj.items() if k != "@context"}}


def is_activitystreams(content_type: str | None, data: Any) -> bool:
    """Is this an ActivityStreams document as ActivityPub §3.2 serves one? The media type
    ``application/activity+json``, or ``application/ld+json`` with the AS2 profile, and a
    JSON object whose ``@context`` is or includes the AS2 context, with a ``type``."""
    media_type, params = parse_options_header(content_type or "")
    media_type = media_type.lower()
    if media_type != AP_CONTENT_TYPE and not (
            media_type == "application/ld+json" and AS_CONTEXT in params.get("profile", "").split()):
        return False
    return isinstance(data, dict) and AS_CONTEXT in as_list(data.get("@context")) and type_of(data) is not None


class DocumentError(ValueError):
    """Raised when a payload is not a usable AS2 document (short machine-readable code)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Document:
    """An AS2 document exactly as received, with the fields the server routes on.

    The raw JSON is kept whole so parsing loses no field (Lemmy's fixture rule).
    """

    raw: dict

    @property
    def type(self) -> str | None:
        return type_of(self.raw)

    @property
    def id(self) -> str | None:
        return id_of(self.raw)

    @property
    def is_activity(self) -> bool:
        return self.type in ACTIVITY_TYPES

    @property
    def actor_id(self) -> str | None:
        return id_of(self.raw.get("actor")) if self.is_activity else None

    @property
    def object(self) -> Any:
        return self.raw.get("object")

    @property
    def object_id(self) -> str | None:
        return id_of(self.raw.get("object")) if self.is_activity else None

    @property
    def object_type(self) -> str | None:
        return type_of(self.raw.get("object"))

    @property
    def addressees(self) -> list[str]:
        return audience_of(self.raw)

    def to_json(self) -> dict:
        return self.raw


def parse_document(data: bytes | str | dict) -> Document:
    if isinstance(data, (bytes, str)):
        try:
            data = jsonbody.loads(data)
        except jsonbody.JSONInputError as exc:
            raise DocumentError(exc.code, str(exc), exc.status) from None
    if not isinstance(data, dict):
        raise DocumentError("not_an_object", "an ActivityStreams document must be a JSON object")
    if not type_of(data):
        raise DocumentError("type_missing", "the document has no type")
    return Document(raw=data)
