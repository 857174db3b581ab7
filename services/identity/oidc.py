"""Single sign-on, the relying party's side (the pages: sso.py): employees sign in with
the group's OpenID provider (authorization code + PKCE, Authlib's client; ID token
checked with joserfc).

The provider is named in the group registry by its discovery URL; this node's client
id and secret are ``ARCHIPEL_OIDC_CLIENT_ID``/``_SECRET``. Accounts are keyed by
(issuer, subject); the username is derived once from ``preferred_username`` and never
changes. The ``home_node`` claim names the employee's subsidiary: signing in at
another member node sends them home. The ``roles`` claim maps to node roles. Required
``acr``/``amr`` values (``ARCHIPEL_OIDC_REQUIRED_ACR``/``_AMR``) are checked on the ID
token: strong authentication is the provider's job, the node only insists on it.
"""

from __future__ import annotations

import logging
import re
import threading
import time

import requests
from authlib.integrations.requests_client import OAuth2Session
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from fedkit.rules.registry import load_registry
from fedkit.runtime.config import Config
from services.identity.accounts import create_account
from services.identity.directory_profile import claims_of
from services.identity.models import Account

log = logging.getLogger(__name__)
KNOWN_ROLES = ("node_admin", "moderator", "community_creator", "auditor")  # auditor: gateway/audit_api.py
# RFC 8176 §2 methods that say a second factor was used: a one-time password, or
# "multiple-factor authentication" as such.
SECOND_FACTOR = {"otp", "mfa"}
METADATA_SECONDS = 600
_cache: dict[str, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


class SSOError(Exception):
    """A sign-in that cannot complete; the message is shown to the person."""


def _cached_json(url: str, timeout: float) -> dict:
    with _cache_lock:
        hit = _cache.get(url)
        if hit and time.monotonic() - hit[0] < METADATA_SECONDS:
            return hit[1]
    resp = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
    resp.raise_for_status()
    data = resp.json()
    with _cache_lock:
        _cache[url] = (time.monotonic(), data)
    return data


def provider_metadata(config: Config) -> dict:
    discovery = load_registry(config).identity_provider
    if not discovery or not config.oidc_client_id:
        raise SSOError(_l("Single sign-on is not configured on this node."))
    try:
        metadata = _cached_json(discovery, config.http_timeout)
    except (requests.RequestException, ValueError) as exc:
        log.warning("the group's identity provider is not answering: %s", type(exc).__name__)
        raise SSOError(_l("The group's sign-in service is not answering; try again shortly.")) from None
    if not all(metadata.get(k) for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")):
        raise SSOError(_l("The group's sign-in service published incomplete metadata."))
    return metadata


def sso_available(config: Config) -> bool:
    return bool(load_registry(config).identity_provider and config.oidc_client_id)


def authorization_client(config: Config, **kwargs) -> OAuth2Session:
    return OAuth2Session(config.oidc_client_id, config.oidc_client_secret, scope="openid profile email",
                         redirect_uri=f"{config.base_url}/login/sso/callback", code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic", **kwargs)


def verified_claims(config: Config, pending: dict, code: str | None) -> dict:
    metadata = provider_metadata(config)
    if not code:
        raise SSOError(_l("The sign-in service sent no code."))
    try:
        token = authorization_client(config).fetch_token(metadata["token_endpoint"], grant_type="authorization_code",
                                            code=code, code_verifier=pending["verifier"])
        keys = KeySet.import_key_set(_cached_json(metadata["jwks_uri"], config.http_timeout))
        decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256", "ES256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": config.oidc_client_id},
            sub={"essential": True}, exp={"essential": True},
            nonce={"essential": True, "value": pending["nonce"]},
        ).validate(decoded.claims)
    except (requests.RequestException, KeyError, ValueError, JoseError) as exc:
        log.warning("SSO: the ID token was refused: %s", type(exc).__name__)
        raise SSOError(_l("The sign-in could not be verified; start again.")) from None
    claims = dict(decoded.claims)
    check_strength(config, claims)
    return claims


def check_strength(config: Config, claims: dict) -> None:
    """The node's strong-authentication requirement: one of the required ``acr`` values,
    and every required ``amr`` method (OIDC Core §2); and, where the node asks it
    (``ARCHIPEL_OIDC_ADMIN_MFA``), a second factor for its administrators."""
    stronger = _l("This node requires a stronger sign-in (for example with a second factor).")
    if config.oidc_required_acr and claims.get("acr") not in config.oidc_required_acr:
        raise SSOError(stronger)
    amr = claims.get("amr") if isinstance(claims.get("amr"), list) else []
    if any(method not in amr for method in config.oidc_required_amr):
        raise SSOError(stronger)
    roles = claims.get("roles") if isinstance(claims.get("roles"), list) else []
    if config.oidc_admin_mfa and "node_admin" in roles and not SECOND_FACTOR & set(amr):
        raise SSOError(_l("Administrators of this node sign in with a second factor. Sign in again and "
                          "enter the one-time code of your authenticator app."))


def home_elsewhere(config: Config, claims: dict) -> str | None:
    """The base URL of the employee's home node when it is another member node."""
    home = claims.get("home_node")
    if not isinstance(home, str) or not home or home == config.node_name:
        return None
    node = load_registry(config).node_named(home)
    if node is None:
        raise SSOError(_l("Your home subsidiary has no node in this group."))
    return node.base_url


def _derived_username(claims: dict) -> str:
    wanted = claims.get("preferred_username") or str(claims.get("email", "")).split("@", 1)[0] or "user"
    base = re.sub(r"[^a-z0-9_.-]", "", str(wanted).lower()).lstrip(".-")[:48] or "user"
    candidate, n = base, 1
    while Account.objects(username=candidate).first() is not None:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def account_for(config: Config, claims: dict) -> Account:
    """The account of (issuer, subject), created at the first sign-in; roles follow the claims."""
    issuer, subject = claims["iss"], str(claims["sub"])
    account = Account.objects(issuer=issuer, subject=subject).first()
    if account is None:
        account = create_account(config, _derived_username(claims), display_name=str(claims.get("name", ""))[:200],
                                 issuer=issuer, subject=subject)
    if account.suspended:
        raise SSOError(_l("This account is closed."))
    if account.moved_to:  # the directory moved the person to another node: they sign in there
        raise SSOError(_l("This account moved to another node of the group."))
    roles = claims.get("roles") if isinstance(claims.get("roles"), list) else []
    # The profile claims fill what SCIM leaves empty (directory_profile.py).
    account.update(set__roles=[r for r in roles if r in KNOWN_ROLES], set__directory_claims=claims_of(claims))
    return account
