"""Which internal service answers which public path."""

from __future__ import annotations

import re

# What the gateway does with an HTTP signature on a route:
REQUIRED = "required"  # deliveries: no valid signature, no entry (401)
OPTIONAL = "optional"  # fetches: a valid signature proves who asks (followers-only posts)
IGNORED = "ignored"  # public documents (actors, keys, discovery): never verified, so that
# two servers resolving each other's keys cannot recurse into each other's gateways.
MEMBERS = "members"  # a person's actor document: a signature by a member node's key (the group
# registry) is verified and proves a reader inside the group, who sees the whole profile
# (fedkit/rules/profile_view.py); any other key is not even fetched (so no recursion either),
# and a signature that does not verify leaves the reader anonymous: never a refusal.
SERVICE = "service"  # the service authenticates the request itself (SCIM's bearer secret,
# services/identity/scim.py): the gateway verifies no signature and does not introspect the
# bearer token (it is no OAuth token), forwards Authorization untouched, and still audits.

# (method set or None for any, path pattern, service, signature handling)
ROUTES: list[tuple[frozenset[str] | None, re.Pattern, str, str]] = [
    (None, re.compile(r"^/\.well-known/(webfinger|host-meta|nodeinfo)$"), "identity", IGNORED),
    (None, re.compile(r"^/nodeinfo/2\.1$"), "identity", IGNORED),
    (None, re.compile(r"^/(api/v1/apps|oauth/(token|authorize|revoke)|login(/sso(/callback)?)?|logout)$"), "identity", IGNORED),
    # The Mastodon client API (services/api): bearer tokens only, no HTTP signatures. Registering
    # an app (POST /api/v1/apps, above) stays with identity, which owns OAuth.
    (None, re.compile(r"^/api/v[12]/.+$"), "api", IGNORED),
    (frozenset({"GET", "HEAD", "PATCH"}), re.compile(r"^/api/archipel/profile$"), "api", IGNORED),  # bearer token
    (frozenset({"GET"}), re.compile(r"^/api/archipel/archive$"), "api", IGNORED),  # the user's data, a zip
    # an administrator's view of an account, its legal hold, its erasure (services/api/admin_erasure.py)
    (frozenset({"GET", "POST", "DELETE"}), re.compile(r"^/api/archipel/admin/accounts/[0-9]{1,20}(/(legal_hold|erase))?$"),
     "api", IGNORED),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/\.well-known/oauth-authorization-server/?$"), "api", IGNORED),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/(avatars|headers)/original/missing\.png$"), "api", IGNORED),
    # Media files (services/api/media_urls.py): a signature proves a remote reader (a follower's
    # node fetching as the follower); apps use a bearer token or the URL's capability.
    (frozenset({"GET", "HEAD"}), re.compile(r"^/media/([0-9]{1,20}/[a-z]{1,10}\.[a-z0-9]{1,5}|remote/[0-9]{1,20}/[0-9]{1,2})$"),
     "api", OPTIONAL),
    (frozenset({"POST"}), re.compile(r"^/(inbox|users/[^/]+/inbox|actor/inbox|communities/[^/]+/inbox)$"),
     "inbox", REQUIRED),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/users/[^/]+/(inbox|followers|following)$"), "inbox", OPTIONAL),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/actor$"), "identity", IGNORED),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/users/[^/]+$"), "identity", MEMBERS),
    (None, re.compile(r"^/users/[^/]+/outbox$"), "outbox", OPTIONAL),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/(objects|activities)/[A-Za-z0-9_-]+$"), "outbox", OPTIONAL),
    (frozenset({"POST"}), re.compile(r"^/proxy$"), "outbox", OPTIONAL),
    # Review of posts held by the data-loss prevention guard (bearer token only).
    (frozenset({"GET", "POST"}), re.compile(r"^/api/archipel/held(/[A-Za-z0-9_-]+(/(release|reject))?)?$"),
     "outbox", IGNORED),
    # A user's authorised apps and sessions, and revoking one (identity owns tokens).
    (frozenset({"GET", "POST"}), re.compile(r"^/api/archipel/authorizations(/[0-9a-f]{1,64}/revoke)?$"),
     "identity", IGNORED),
    # The usage charter and the user's acceptance of it (identity records it).
    (frozenset({"GET", "POST"}), re.compile(r"^/api/archipel/charter(/accept)?$"), "identity", IGNORED),
    (None, re.compile(r"^/communities(/.*)?$"), "communities", OPTIONAL),
    # The people directory (services/identity/people_directory.py): a node's own people, public,
    # a member node's signature proving a reader inside the group; the group's, bearer token.
    (frozenset({"GET", "HEAD"}), re.compile(r"^/directory/(people|experts)$"), "identity", MEMBERS),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/api/archipel/people$"), "identity", IGNORED),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/api/archipel/experts$"), "api", IGNORED),  # the expert finder
    (None, re.compile(r"^/scim/v2(/.*)?$"), "identity", SERVICE),  # SCIM 2.0 provisioning
    # The web app (services/web): "/" and everything under /web (pages, forms, static files).
    # A browser's cookie is no credential here: the web app calls the API with the user's token.
    (frozenset({"GET", "HEAD"}), re.compile(r"^/$"), "web", IGNORED),
    (frozenset({"GET", "HEAD", "POST"}), re.compile(r"^/web(/.*)?$"), "web", IGNORED),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/tags/[^/]+$"), "web", IGNORED),  # where posts link hashtags
]


MEDIA_UPLOAD = re.compile(r"^/api/v[12]/media/?$")
UPLOAD_OVERHEAD = 64 * 1024  # what a multipart body adds around the file
WEB_COMPOSE = "/web/compose"  # the web app's composer: a form with up to 4 files (services/web/attachments.py)
WEB_COMPOSE_FILES = 4


def body_limit(method: str, path: str, config) -> int:
    """The largest body a request may send: an upload may be as large as the media limit
    (the api answers 422 for a file over it), everything else ``max_body_bytes``."""
    if method == "POST" and MEDIA_UPLOAD.match(path):
        return max(config.max_body_bytes, config.media_max_bytes + UPLOAD_OVERHEAD)
    if method == "POST" and path == WEB_COMPOSE:
        return config.max_body_bytes + WEB_COMPOSE_FILES * (config.media_max_bytes + UPLOAD_OVERHEAD)
    return config.max_body_bytes


def route_for(method: str, path: str) -> tuple[str, str] | None:
    for methods, pattern, service, signature in ROUTES:
        if (methods is None or method in methods) and pattern.match(path):
            return service, signature
    return None
