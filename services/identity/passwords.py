"""Checking a local password (the login page and the OAuth password grant): throttled
per account name and per client address (services/identity/throttle.py), one answer
for every wrong case, and the same hashing work whether the account exists or not."""

from __future__ import annotations

import datetime as dt
import logging

from werkzeug.security import check_password_hash, generate_password_hash

from fedkit.runtime.config import Config
from services.identity import throttle
from services.identity.models import Account

log = logging.getLogger("archipel.identity.signin")
# Checked against when there is no password to check, so an unknown name, a closed
# account or a single-sign-on-only account cost the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("archipel-no-such-password")


class WrongCredentials(Exception):
    """Unknown user, closed account or wrong password: never says which."""


class Throttled(Exception):
    def __init__(self, retry_after: float):
        super().__init__(f"too many failed sign-ins; try again in {int(retry_after)} s")
        self.retry_after = int(retry_after)


def verify(config: Config, username, password, address: str | None) -> Account:
    """The active account whose password this is; raises WrongCredentials or Throttled."""
    name = username.strip().lower()[:100] if isinstance(username, str) else ""
    password = password if isinstance(password, str) else ""
    lockout = dt.timedelta(minutes=config.login_lockout_minutes)
    keys = [(f"account:{name}", config.login_max_failures),
            (f"address:{address or 'unknown'}", config.login_max_failures_per_address)]
    taken: list[str] = []
    for key, limit in keys:
        wait = throttle.reserve(key, limit, lockout)
        if wait is not None:
            for done in taken:
                throttle.release(done)
            raise Throttled(wait)
        taken.append(key)
    account = Account.objects(username=name).first() if name else None
    if account is None or not account.signs_in or not account.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        account = None
    elif not account.check_password(password):
        account = None
    if account is None:
        for key, limit in keys:
            if throttle.failed(key, limit, lockout):
                log.warning("password sign-in locked for %s minutes: %s", config.login_lockout_minutes, key[:120])
        raise WrongCredentials("unknown user or wrong password")
    throttle.clear(keys[0][0])
    throttle.release(keys[1][0])
    return account
