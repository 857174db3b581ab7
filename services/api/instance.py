"""Discovery: what an app reads first about a node — the instance document (v1 and v2),
its rules, custom emojis, and the OAuth authorization server metadata (RFC 8414)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify

from fedkit.rules.registry import load_registry
from fedkit.rules.scopes import KNOWN as KNOWN_SCOPES
from services.api import upstream, visibility_mapping
from services.api.converter import MAX_CHARACTERS, VISIBILITIES
from services.api.media_access import DESCRIPTION_LIMIT
from services.api.media_posting import MAX_ATTACHMENTS as MAX_MEDIA_ATTACHMENTS
from services.api.media_processing import MATRIX_LIMIT, SUPPORTED_TYPES
from services.api.polling import POLLS

bp = Blueprint("instance", __name__)

ARCHIPEL_VERSION = "0.1.0"
# Apps parse the version to decide which API methods exist (Mastodon.py, Tusky, Ice Cubes):
# Pleroma's and Akkoma's form, "<Mastodon version> (compatible; <software> <version>)".
# 4.3.0 is the Mastodon API this service follows (api_versions below says which revision).
VERSION = f"4.3.0 (compatible; Archipel {ARCHIPEL_VERSION})"
MASTODON_API_VERSION = 2  # api_versions.mastodon of Mastodon 4.3

# The audiences an app may choose (converter.VISIBILITIES): Mastodon's four, and Archipel's
# "group" (every employee of the group's member nodes) and "node" (this node only, never
# federated). Akkoma lists its extra features in pleroma.metadata.features; the same place
# names these.

# The limits apps use to shape their composer (configuration.statuses/media/polls).
CHARACTERS_RESERVED_PER_URL = 23


def _media() -> dict:
    """What services/api/media_access.py accepts (the types are read from the content)."""
    return {
        "supported_mime_types": list(SUPPORTED_TYPES),
        "description_limit": DESCRIPTION_LIMIT,
        "image_size_limit": _config().media_max_bytes,
        "image_matrix_limit": MATRIX_LIMIT,  # 7680 x 4320, Mastodon's
        "video_size_limit": 0,  # no video
        "video_frame_rate_limit": 0,
        "video_matrix_limit": 0,
    }


REGISTRATION_MESSAGE = "Accounts come from the company directory: sign in with your group account."


def _config():
    return current_app.config["ARCHIPEL"]


def _title() -> str:
    return f"Archipel {_config().node_name}"


def _description() -> str:
    return (f"The {_config().node_name} node of an Archipel group: the enterprise social network of "
            "the group's companies.")


def _usage() -> tuple[int, int]:
    usage = upstream.node_usage().get("usage", {})
    return int(usage.get("users", {}).get("total", 0)), int(usage.get("localPosts", 0))


def _streaming_url() -> str:
    """Where apps open ``/api/v1/streaming`` (Mastodon's ``urls.streaming_api``): the
    streaming server's own address, or the node's when a proxy routes it there."""
    if _config().streaming_url:
        return _config().streaming_url
    base = _config().base_url
    return "wss://" + base[len("https://"):] if base.startswith("https://") else "ws://" + base.split("://", 1)[1]


def _archipel_extensions() -> dict:
    return {"pleroma": {"metadata": {"features": ["mastodon_api", "archipel:visibility_group",
                                                  "archipel:visibility_node"],
                                     "post_formats": ["text/plain", "text/html"]}},
            "archipel": {"version": ARCHIPEL_VERSION, "visibilities": list(VISIBILITIES),
                         # what an app's public/unlisted become here (ARCHIPEL_API_PUBLIC_MEANS)
                         "visibility_applied": visibility_mapping.described(_config())}}


@bp.get("/api/v2/instance")
def instance_v2():
    """docs.joinmastodon.org/entities/Instance/"""
    config = _config()
    users, _posts = _usage()
    return jsonify({
        "domain": config.host,
        "title": _title(),
        "version": VERSION,
        "source_url": "https://github.com/archipel/archipel",
        "description": _description(),
        "usage": {"users": {"active_month": users}},
        "thumbnail": {"url": config.base_url + "/headers/original/missing.png"},
        "icon": [],
        "languages": ["en", "fr", "de"],
        "configuration": {
            "urls": {"streaming": _streaming_url(), "status": None, "about": None, "privacy_policy": None,
                     "terms_of_service": None},
            "vapid": {"public_key": ""},
            "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
            "statuses": {"max_characters": MAX_CHARACTERS, "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
                         "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL},
            "media_attachments": _media(),
            "polls": POLLS,
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": False, "approval_required": False, "message": REGISTRATION_MESSAGE,
                          "url": None},
        "api_versions": {"mastodon": MASTODON_API_VERSION},
        "contact": {"email": config.contact_email, "account": None},
        "rules": [],
        **_archipel_extensions(),
    })


@bp.get("/api/v1/instance")
def instance_v1():
    """The V1::Instance entity (deprecated by Mastodon in 4.0, still read by many apps)."""
    config = _config()
    users, posts = _usage()
    return jsonify({
        "uri": config.host,
        "title": _title(),
        "short_description": _description(),
        "description": _description(),
        "email": config.contact_email,
        "version": VERSION,
        "urls": {"streaming_api": _streaming_url()},
        "stats": {"user_count": users, "status_count": posts, "domain_count": 0},
        "thumbnail": config.base_url + "/headers/original/missing.png",
        "languages": ["en", "fr", "de"],
        "registrations": False,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": {
            "accounts": {"max_featured_tags": 0},
            "statuses": {"max_characters": MAX_CHARACTERS, "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
                         "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL},
            "media_attachments": {k: _media()[k] for k in ("supported_mime_types", "image_size_limit",
                                                        "image_matrix_limit", "video_size_limit",
                                                        "video_frame_rate_limit", "video_matrix_limit")},
            "polls": POLLS,
        },
        "contact_account": None,
        "rules": [],
        **_archipel_extensions(),
    })


@bp.get("/api/v1/instance/rules")
def rules():
    return jsonify([])


@bp.get("/api/v1/instance/peers")
def peers():
    """The servers this one federates with, as Mastodon lists them: here the group's other
    member nodes (the registry), by host — never the outside servers it has met."""
    own = urlsplit(_config().base_url).netloc
    hosts = {urlsplit(n.base_url).netloc for n in load_registry(_config()).nodes}
    return jsonify(sorted(hosts - {own}))


@bp.get("/api/v1/instance/activity")
def activity():
    return jsonify([])  # weekly figures come with the usage observatory (issue 12)


@bp.get("/api/v1/instance/extended_description")
def extended_description():
    return jsonify({"updated_at": None, "content": ""})


@bp.get("/api/v1/instance/translation_languages")
def translation_languages():
    return jsonify({})  # no translation service


@bp.get("/api/v1/custom_emojis")
def custom_emojis():
    return jsonify([])


@bp.get("/.well-known/oauth-authorization-server")
def oauth_metadata():
    """RFC 8414 authorization server metadata, with Mastodon's additions (4.3). The
    password grant is listed only where the node allows it (demo, break-glass accounts)."""
    config = _config()
    base = config.base_url
    grants = ["authorization_code"] + (["password"] if config.password_login else [])
    return jsonify({
        "issuer": base + "/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "scopes_supported": sorted(KNOWN_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grants,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    })
