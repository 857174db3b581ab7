"""Configuration of the group's OpenID provider, read from environment variables.

| variable | default | meaning |
|---|---|---|
| ``ARCHIPEL_IDP_URL`` | ``http://127.0.0.1:8000`` | public base URL, also the issuer (``iss``) |
| ``MONGODB_URI`` | ``mongodb://127.0.0.1:27017/?retryWrites=false`` | MongoDB |
| ``ARCHIPEL_IDP_DB`` | ``archipel_group`` | the provider's database (the group directory) |
| ``ARCHIPEL_DEV_MODE`` | ``0`` | allow an ``http://`` issuer (loopback demo) |
| ``ARCHIPEL_IDP_SECRET_KEY`` | kept in the database | signs the provider's session cookie |
| ``ARCHIPEL_IDP_TRUSTED_PROXIES`` | ``0`` | TLS proxies in front whose ``X-Forwarded-*`` is trusted |
| ``ARCHIPEL_IDP_SESSION_SECONDS`` | ``28800`` | single sign-on session lifetime |
| ``ARCHIPEL_IDP_ID_TOKEN_SECONDS`` | ``600`` | ID token lifetime |
| ``ARCHIPEL_IDP_ACCESS_TOKEN_SECONDS`` | ``3600`` | access token (userinfo) lifetime |
| ``ARCHIPEL_IDP_CODE_SECONDS`` | ``120`` | authorization code lifetime |
| ``ARCHIPEL_IDP_LOCKOUT_AFTER`` | ``5`` | consecutive failed sign-ins before a lockout |
| ``ARCHIPEL_IDP_LOCKOUT_SECONDS`` | ``300`` | how long a lockout lasts |
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from fedkit.runtime.config import env_bool, env_str


@dataclass(frozen=True)
class IdPConfig:
    base_url: str = "http://127.0.0.1:8000"
    mongodb_uri: str = "mongodb://127.0.0.1:27017/?retryWrites=false"
    db_name: str = "archipel_group"
    dev_mode: bool = False
    secret_key: str = ""
    trusted_proxies: int = 0
    session_seconds: int = 8 * 3600
    id_token_seconds: int = 600
    access_token_seconds: int = 3600
    code_seconds: int = 120
    lockout_after: int = 5
    lockout_seconds: int = 300

    @classmethod
    def from_env(cls) -> IdPConfig:
        def num(name: str, default: int) -> int:
            return int(env_str(name, str(default)))

        return cls(
            base_url=env_str("ARCHIPEL_IDP_URL", cls.base_url).rstrip("/"),
            mongodb_uri=env_str("MONGODB_URI", cls.mongodb_uri),
            db_name=env_str("ARCHIPEL_IDP_DB", cls.db_name),
            dev_mode=env_bool("ARCHIPEL_DEV_MODE", False),
            secret_key=env_str("ARCHIPEL_IDP_SECRET_KEY", ""),
            trusted_proxies=num("ARCHIPEL_IDP_TRUSTED_PROXIES", cls.trusted_proxies),
            session_seconds=num("ARCHIPEL_IDP_SESSION_SECONDS", cls.session_seconds),
            id_token_seconds=num("ARCHIPEL_IDP_ID_TOKEN_SECONDS", cls.id_token_seconds),
            access_token_seconds=num("ARCHIPEL_IDP_ACCESS_TOKEN_SECONDS", cls.access_token_seconds),
            code_seconds=num("ARCHIPEL_IDP_CODE_SECONDS", cls.code_seconds),
            lockout_after=num("ARCHIPEL_IDP_LOCKOUT_AFTER", cls.lockout_after),
            lockout_seconds=num("ARCHIPEL_IDP_LOCKOUT_SECONDS", cls.lockout_seconds),
        )

    def with_overrides(self, overrides: dict | None) -> IdPConfig:
        if not overrides:
            return self
        unknown = set(overrides) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        return replace(self, **overrides)

    def check(self) -> IdPConfig:
        """Production serves the issuer over https only; a session key, when given, is long."""
        if not self.base_url.startswith(("https://", "http://")):
            raise RuntimeError("ARCHIPEL_IDP_URL must be an absolute http(s) URL")
        if not self.dev_mode and not self.base_url.startswith("https://"):
            raise RuntimeError("ARCHIPEL_IDP_URL must be https:// (or set ARCHIPEL_DEV_MODE=1)")
        if self.secret_key and len(self.secret_key) < 16:
            raise RuntimeError("ARCHIPEL_IDP_SECRET_KEY must be a long random value")
        return self

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def node_name(self) -> str:  # the logging prefix shared with the nodes' processes
        return "group"


def load_config(config: IdPConfig | dict | None = None) -> IdPConfig:
    if isinstance(config, IdPConfig):
        return config.check()
    return IdPConfig.from_env().with_overrides(config).check()
