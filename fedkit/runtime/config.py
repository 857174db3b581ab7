"""One configuration class for every process of a node, read from environment variables.

Every variable is documented in the README ("Configuration"). A service's
``create_app(config)`` accepts a ``Config`` or a dict of overrides (tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace

from fedkit.runtime import retention


def read_json_file(path: str, error: type[Exception]):
    """The JSON in an operator's file (DLP rules, federation policy), or ``error`` saying
    in words why it cannot be read."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise error(f"cannot read it: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise error(f"not valid JSON: {exc}") from None


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_list(name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in os.environ.get(name, "").split(",") if v.strip())


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Config:
    node_name: str = "fr"
    # Public base URL of the node: every actor and object id starts with it.
    base_url: str = "http://127.0.0.1:8001"
    mongodb_uri: str = "mongodb://127.0.0.1:27017/?retryWrites=false"
    db_name: str = "archipel_fr"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Queue names are prefixed per node so several nodes may share one Redis.
    queue_prefix: str = "fr"
    # Shared secret between the gateway and the internal services of one node.
    internal_secret: str = "change-me"
    secret_key: str = "change-me-too"
    identity_url: str = "http://127.0.0.1:9101"
    inbox_url: str = "http://127.0.0.1:9102"
    outbox_url: str = "http://127.0.0.1:9103"
    communities_url: str = "http://127.0.0.1:9104"
    api_url: str = "http://127.0.0.1:9105"
    # The streaming server (services/streaming): the address it listens on (host, port), the public
    # ws(s):// URL the instance document announces to apps (empty: the node's base URL,
    # for a proxy that routes /api/v1/streaming to it), and how often a connection's token
    # is checked again (a revoked token's connection is closed within this many seconds).
    streaming_host: str = "127.0.0.1"
    streaming_port: int = 4000
    streaming_url: str = ""
    streaming_recheck_seconds: float = 15.0
    web_url: str = "http://127.0.0.1:9106"
    search_url: str = "http://127.0.0.1:9107"
    # Where the web app (services/web) calls the node's public API, as any app does; empty:
    # the public base URL. Set it to the gateway's internal address behind a TLS proxy.
    web_api_url: str = ""
    # Dev mode allows http:// and loopback peers; production refuses them unless allowlisted.
    dev_mode: bool = False
    fetch_allowlist: tuple[str, ...] = field(default_factory=tuple)
    max_body_bytes: int = 1_000_000
    signature_max_skew: int = 3600
    actor_cache_seconds: int = 86400
    # The profile parts a person's actor document shows outside the group (partners, the
    # public fediverse, anonymous readers); member nodes and local users see the whole profile
    # (services/identity/directory_profile.py lists the names).
    profile_public_fields: tuple[str, ...] = ("name", "entity")
    http_timeout: float = 10.0
    # Key fetches at the gateway (fedkit/protocol/key_fetch.py): timeout, fetches at once per process
    # and per host (beyond: 503 + Retry-After), how long a failure is not refetched.
    key_fetch_timeout: float = 3.0
    directory_timeout: float = 3.0  # each member node's answer to a group-wide people query
    key_fetch_concurrency: int = 4
    key_fetch_per_host: int = 2
    key_fetch_failure_seconds: float = 60.0
    delivery_max_attempts: int = 16
    # Retry n waits scale * (n**4 + 15 + jitter) seconds: ~2 days over 16 tries, as Mastodon.
    delivery_backoff_scale: float = 1.0
    host_unavailable_after: int = 5
    host_probe_interval: float = 600.0
    # A worker's claim on a task (inbound activity, fan-out, delivery) lasts this long and is
    # renewed while it works; what a killed worker held is taken again after at most this.
    lease_seconds: float = 15.0
    # Who may read /metrics (fedkit/runtime/health.py): client addresses in these networks, or
    # a request bearing this token; and the port of a worker process's /metrics, /livez and
    # /readyz (0: none; the HTTP processes answer them on their own port).
    metrics_networks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    metrics_token: str = ""
    metrics_port: int = 0
    password_login: bool = False
    demo_password: str = ""
    # Password sign-in (login page, password grant): after this many failures for one
    # account name, or from one client address, it is refused for the lockout's length.
    login_max_failures: int = 5
    login_max_failures_per_address: int = 50
    login_lockout_minutes: float = 15.0
    # A web session (login page, single sign-on) ends after this long, or at sign-out.
    session_hours: float = 12.0
    audit_retention_days: int = 365
    # Each other class of personal data's period in days (fedkit/runtime/retention.py).
    retention_periods: tuple = retention.defaults()
    retention_check_interval: float = 3600.0  # seconds between the retention job's passes
    # Number of reverse proxies (TLS terminator, ingress) in front of the gateway whose
    # X-Forwarded-For/-Proto the gateway trusts; 0 when clients connect to it directly.
    trusted_proxies: int = 0
    # The group registry (JSON file): member nodes and the group audience; see fedkit/rules/registry.py.
    group_registry: str = ""
    # A community with no exchange for this long is flagged to its managers and listed as dormant.
    community_dormant_after: float = 90 * 86400.0
    dormancy_check_interval: float = 3600.0
    # Seconds between reconciliations of the communities whose members a directory rule names.
    dynamic_community_interval: float = 300.0
    # SCIM 2.0 provisioning (/scim/v2): the group directory's bearer secret; SCIM is off when empty.
    scim_token: str = ""
    # This node's OAuth client at the group's OpenID provider (named in the group registry).
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # Strong authentication required at sign-in: any of these acr values / all of these amr values.
    oidc_required_acr: tuple[str, ...] = field(default_factory=tuple)
    oidc_required_amr: tuple[str, ...] = field(default_factory=tuple)
    oidc_admin_mfa: bool = False  # node_admin sign-ins need a second factor (amr otp/mfa)
    # Partner memberships last this long unless a manager renews them; managers are told before.
    partner_membership_days: float = 90.0
    partner_expiry_notice_days: float = 14.0
    # Data-loss prevention rules for what leaves the group (JSON file; none when empty).
    dlp_rules: str = ""
    # What may reach actors outside the group: "partners" (only public posts and the
    # activity of communities they are members of), "open" (like any fediverse server).
    # Default: "partners" for a node of a group (a registry is configured), else "open".
    # Which outside servers federate at all is the federation policy's (below).
    outside_policy: str = ""
    # Federation policy per domain (JSON file: mode open|allowlist, partners, blocks, media
    # rules); see fedkit/rules/federation_policy.py. Empty: open, nothing blocked.
    federation_policy: str = ""
    # Rate limits at the gateway, requests per ``rate_limit_period`` seconds (0: no limit):
    # per local user (bearer token), per client address (anonymous), per remote server
    # (verified signer's host), higher for the group's member nodes. See gateway/limits.py.
    rate_limit_period: int = 300
    rate_limit_user: int = 300
    rate_limit_address: int = 300
    rate_limit_remote: int = 1500
    rate_limit_member: int = 15000
    # The address apps show as the node's contact (Mastodon's instance contact.email).
    contact_email: str = ""
    # What a Mastodon app's "public" (and "unlisted") means for this node's employees:
    # "public", "group" or "node" (services/api/visibility_mapping.py). Empty: "public".
    api_public_means: str = ""
    # Media (services/api/media*.py): where uploaded files are kept (empty: var/media/<node>),
    # the largest upload, and how long a media URL's capability lasts.
    media_dir: str = ""
    # Full-text search (services/search): the tantivy index folder (empty: var/search/<node>)
    search_dir: str = ""
    media_max_bytes: int = 16 * 1024 * 1024
    media_url_seconds: int = 6 * 3600
    # This node's additions to the group's usage charter (a Markdown file; none when empty).
    # The group's charter itself is named by the group registry (fedkit/rules/charter.py).
    charter_additions: str = ""

    def retention_days(self, name: str) -> int:
        """The period of one class of fedkit/runtime/retention.py, in days."""
        return dict(self.retention_periods)[name]

    @classmethod
    def from_env(cls) -> Config:
        node = env_str("ARCHIPEL_NODE_NAME", cls.node_name)
        return cls(
            node_name=node,
            base_url=env_str("ARCHIPEL_BASE_URL", cls.base_url).rstrip("/"),
            mongodb_uri=env_str("MONGODB_URI", cls.mongodb_uri),
            db_name=env_str("ARCHIPEL_DB_NAME", f"archipel_{node}"),
            redis_url=env_str("REDIS_URL", cls.redis_url),
            queue_prefix=env_str("ARCHIPEL_QUEUE_PREFIX", node),
            internal_secret=env_str("ARCHIPEL_INTERNAL_SECRET", cls.internal_secret),
            secret_key=env_str("ARCHIPEL_SECRET_KEY", cls.secret_key),
            identity_url=env_str("ARCHIPEL_IDENTITY_URL", cls.identity_url),
            inbox_url=env_str("ARCHIPEL_INBOX_URL", cls.inbox_url),
            outbox_url=env_str("ARCHIPEL_OUTBOX_URL", cls.outbox_url),
            communities_url=env_str("ARCHIPEL_COMMUNITIES_URL", cls.communities_url),
            api_url=env_str("ARCHIPEL_API_URL", cls.api_url),
            streaming_host=env_str("ARCHIPEL_STREAMING_HOST", cls.streaming_host),
            streaming_port=int(env_str("ARCHIPEL_STREAMING_PORT", str(cls.streaming_port))),
            streaming_url=env_str("ARCHIPEL_STREAMING_URL", "").rstrip("/"),
            streaming_recheck_seconds=float(env_str("ARCHIPEL_STREAMING_RECHECK_SECONDS",
                                                    str(cls.streaming_recheck_seconds))),
            web_url=env_str("ARCHIPEL_WEB_URL", cls.web_url),
            search_url=env_str("ARCHIPEL_SEARCH_URL", cls.search_url),
            web_api_url=env_str("ARCHIPEL_WEB_API_URL", "").rstrip("/"),
            dev_mode=env_bool("ARCHIPEL_DEV_MODE", False),
            fetch_allowlist=env_list("ARCHIPEL_FETCH_ALLOWLIST"),
            max_body_bytes=int(env_str("ARCHIPEL_MAX_BODY_BYTES", str(cls.max_body_bytes))),
            signature_max_skew=int(env_str("ARCHIPEL_SIGNATURE_MAX_SKEW", str(cls.signature_max_skew))),
            actor_cache_seconds=int(env_str("ARCHIPEL_ACTOR_CACHE_SECONDS", str(cls.actor_cache_seconds))),
            profile_public_fields=tuple(v.strip() for v in env_str(
                "ARCHIPEL_PROFILE_PUBLIC_FIELDS", ",".join(cls.profile_public_fields)).split(",") if v.strip()),
            http_timeout=float(env_str("ARCHIPEL_HTTP_TIMEOUT", str(cls.http_timeout))),
            key_fetch_timeout=float(env_str("ARCHIPEL_KEY_FETCH_TIMEOUT", str(cls.key_fetch_timeout))),
            directory_timeout=float(env_str("ARCHIPEL_DIRECTORY_TIMEOUT", str(cls.directory_timeout))),
            key_fetch_concurrency=int(env_str("ARCHIPEL_KEY_FETCH_CONCURRENCY", str(cls.key_fetch_concurrency))),
            key_fetch_per_host=int(env_str("ARCHIPEL_KEY_FETCH_PER_HOST", str(cls.key_fetch_per_host))),
            key_fetch_failure_seconds=float(env_str("ARCHIPEL_KEY_FETCH_FAILURE_SECONDS",
                                                    str(cls.key_fetch_failure_seconds))),
            delivery_max_attempts=int(env_str("ARCHIPEL_DELIVERY_MAX_ATTEMPTS", str(cls.delivery_max_attempts))),
            delivery_backoff_scale=float(env_str("ARCHIPEL_DELIVERY_BACKOFF_SCALE", str(cls.delivery_backoff_scale))),
            host_unavailable_after=int(env_str("ARCHIPEL_HOST_UNAVAILABLE_AFTER", str(cls.host_unavailable_after))),
            host_probe_interval=float(env_str("ARCHIPEL_HOST_PROBE_INTERVAL", str(cls.host_probe_interval))),
            lease_seconds=float(env_str("ARCHIPEL_LEASE_SECONDS", str(cls.lease_seconds))),
            metrics_networks=env_list("ARCHIPEL_METRICS_NETWORKS") if "ARCHIPEL_METRICS_NETWORKS" in os.environ
            else cls.metrics_networks,
            metrics_token=env_str("ARCHIPEL_METRICS_TOKEN", ""),
            metrics_port=int(env_str("ARCHIPEL_METRICS_PORT", str(cls.metrics_port))),
            password_login=env_bool("ARCHIPEL_PASSWORD_LOGIN", False),
            demo_password=env_str("ARCHIPEL_DEMO_PASSWORD", ""),
            login_max_failures=int(env_str("ARCHIPEL_LOGIN_MAX_FAILURES", str(cls.login_max_failures))),
            login_max_failures_per_address=int(env_str("ARCHIPEL_LOGIN_MAX_FAILURES_PER_ADDRESS",
                                                       str(cls.login_max_failures_per_address))),
            login_lockout_minutes=float(env_str("ARCHIPEL_LOGIN_LOCKOUT_MINUTES", str(cls.login_lockout_minutes))),
            session_hours=float(env_str("ARCHIPEL_SESSION_HOURS", str(cls.session_hours))),
            audit_retention_days=int(env_str("ARCHIPEL_AUDIT_RETENTION_DAYS", str(cls.audit_retention_days))),
            retention_periods=retention.periods_from_env(os.environ),
            retention_check_interval=float(env_str("ARCHIPEL_RETENTION_CHECK_INTERVAL",
                                                   str(cls.retention_check_interval))),
            trusted_proxies=int(env_str("ARCHIPEL_TRUSTED_PROXIES", str(cls.trusted_proxies))),
            group_registry=env_str("ARCHIPEL_GROUP_REGISTRY", ""),
            community_dormant_after=float(env_str("ARCHIPEL_COMMUNITY_DORMANT_AFTER",
                                               str(cls.community_dormant_after))),
            dormancy_check_interval=float(env_str("ARCHIPEL_DORMANCY_CHECK_INTERVAL",
                                               str(cls.dormancy_check_interval))),
            dynamic_community_interval=float(env_str("ARCHIPEL_DYNAMIC_COMMUNITY_INTERVAL",
                                                  str(cls.dynamic_community_interval))),
            scim_token=env_str("ARCHIPEL_SCIM_TOKEN", ""),
            oidc_client_id=env_str("ARCHIPEL_OIDC_CLIENT_ID", ""),
            oidc_client_secret=env_str("ARCHIPEL_OIDC_CLIENT_SECRET", ""),
            oidc_required_acr=env_list("ARCHIPEL_OIDC_REQUIRED_ACR"),
            oidc_required_amr=env_list("ARCHIPEL_OIDC_REQUIRED_AMR"),
            oidc_admin_mfa=env_bool("ARCHIPEL_OIDC_ADMIN_MFA", False),
            partner_membership_days=float(env_str("ARCHIPEL_PARTNER_MEMBERSHIP_DAYS",
                                               str(cls.partner_membership_days))),
            partner_expiry_notice_days=float(env_str("ARCHIPEL_PARTNER_EXPIRY_NOTICE_DAYS",
                                                  str(cls.partner_expiry_notice_days))),
            dlp_rules=env_str("ARCHIPEL_DLP_RULES", ""),
            outside_policy=env_str("ARCHIPEL_OUTSIDE_POLICY", ""),
            federation_policy=env_str("ARCHIPEL_FEDERATION_POLICY", ""),
            rate_limit_period=int(env_str("ARCHIPEL_RATE_LIMIT_PERIOD", str(cls.rate_limit_period))),
            rate_limit_user=int(env_str("ARCHIPEL_RATE_LIMIT_USER", str(cls.rate_limit_user))),
            rate_limit_address=int(env_str("ARCHIPEL_RATE_LIMIT_ADDRESS", str(cls.rate_limit_address))),
            rate_limit_remote=int(env_str("ARCHIPEL_RATE_LIMIT_REMOTE", str(cls.rate_limit_remote))),
            rate_limit_member=int(env_str("ARCHIPEL_RATE_LIMIT_MEMBER", str(cls.rate_limit_member))),
            contact_email=env_str("ARCHIPEL_CONTACT_EMAIL", ""),
            api_public_means=env_str("ARCHIPEL_API_PUBLIC_MEANS", ""),
            media_dir=env_str("ARCHIPEL_MEDIA_DIR", ""),
            search_dir=env_str("ARCHIPEL_SEARCH_DIR", ""),
            media_max_bytes=int(env_str("ARCHIPEL_MEDIA_MAX_BYTES", str(cls.media_max_bytes))),
            media_url_seconds=int(env_str("ARCHIPEL_MEDIA_URL_SECONDS", str(cls.media_url_seconds))),
            charter_additions=env_str("ARCHIPEL_CHARTER_ADDITIONS", ""),
        )

    def check(self, needs_secret_key: bool = False) -> Config:
        """Refuse to run production with the placeholder secrets. Only the process that
        signs web sessions (identity) needs ARCHIPEL_SECRET_KEY: the others never get it."""
        if self.api_public_means not in ("", "public", "group", "node"):
            raise RuntimeError("ARCHIPEL_API_PUBLIC_MEANS must be public, group or node")
        if not self.dev_mode:
            secrets_ = [("ARCHIPEL_INTERNAL_SECRET", self.internal_secret)]
            if needs_secret_key:
                secrets_.append(("ARCHIPEL_SECRET_KEY", self.secret_key))
            weak = [name for name, value in secrets_
                    if value in (Config.internal_secret, Config.secret_key) or len(value) < 16]
            if weak:
                raise RuntimeError(f"set {', '.join(weak)} to a long random value (or ARCHIPEL_DEV_MODE=1)")
        return self

    def with_overrides(self, overrides: dict | None) -> Config:
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        return replace(self, **overrides)

    @property
    def strict_perimeter(self) -> bool:
        """Only public posts and partner communities' activity reach outside actors."""
        if self.outside_policy in ("partners", "open"):
            return self.outside_policy == "partners"
        return bool(self.group_registry)

    @property
    def media_root(self) -> str:
        return self.media_dir or os.path.join("var", "media", self.node_name)

    @property
    def search_root(self) -> str:
        return self.search_dir or os.path.join("var", "search", self.node_name)

    @property
    def host(self) -> str:
        """host[:port] of the public base URL, as used in acct: URIs and Host headers."""
        return self.base_url.split("://", 1)[1].split("/", 1)[0]


def load_config(config: Config | dict | None = None, needs_secret_key: bool = False) -> Config:
    if isinstance(config, Config):
        return config.check(needs_secret_key)
    return Config.from_env().with_overrides(config).check(needs_secret_key)
