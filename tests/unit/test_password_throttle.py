"""Password guessing against a real database: the node's throttle (per account name and
client address, a fixed window with lockout) and the group provider's lockout, both
counting an attempt before the password is hashed so concurrent guesses cannot slip
past the limit."""

from __future__ import annotations

import threading

import pytest

from fedkit.runtime.config import Config
from services.identity import passwords
from services.identity.accounts import create_account
from services.identity.models import Account


class Gate:
    """Holds every thread that reaches the password check until all ``n`` threads have
    either reached it or finished without it: the old, racy code lets all of them in."""

    def __init__(self, n: int):
        self.n, self.arrived, self.skipped = n, 0, 0
        self.cv = threading.Condition()
        self.mine = threading.local()

    def arrive(self) -> None:
        with self.cv:
            self.arrived += 1
            self.mine.arrived = True
            self.cv.notify_all()
            self.cv.wait_for(lambda: self.arrived + self.skipped >= self.n, timeout=30)

    def leave(self) -> None:
        if not getattr(self.mine, "arrived", False):
            with self.cv:
                self.skipped += 1
                self.cv.notify_all()


def run_concurrently(n: int, attempt) -> list:
    results, threads = [None] * n, []

    def worker(i):
        try:
            results[i] = attempt()
        except Exception as exc:  # the refusals are exceptions on the node
            results[i] = exc

    for i in range(n):
        threads.append(threading.Thread(target=worker, args=(i,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def config(db, infra):
    return Config(dev_mode=True, mongodb_uri=infra.mongodb_uri, db_name=db, password_login=True,
                  login_max_failures=3, login_max_failures_per_address=10, login_lockout_minutes=15)


def spy_on(monkeypatch, cls, gate: Gate) -> list:
    checked, real = [], cls.check_password

    def check(self, password):
        checked.append(password)
        gate.arrive()
        return real(self, password)

    monkeypatch.setattr(cls, "check_password", check)
    return checked


def test_concurrent_guesses_check_at_most_the_limit_on_the_node(config, monkeypatch):
    create_account(config, "alice", password="right")
    gate = Gate(12)
    checked = spy_on(monkeypatch, Account, gate)

    def attempt():
        try:
            return passwords.verify(config, "alice", "wrong", f"10.0.0.{threading.get_ident() % 200}")
        finally:
            gate.leave()

    results = run_concurrently(12, attempt)
    assert len(checked) == 3
    assert sum(isinstance(r, passwords.WrongCredentials) for r in results) == 3
    assert sum(isinstance(r, passwords.Throttled) for r in results) == 9


def test_lockout_then_the_right_password_waits_and_successes_are_never_counted(config):
    create_account(config, "alice", password="right")
    for _ in range(20):  # many correct sign-ins from one address: never throttled
        assert passwords.verify(config, "Alice", "right", "10.0.0.1").username == "alice"
    for _ in range(3):
        with pytest.raises(passwords.WrongCredentials):
            passwords.verify(config, "alice", "wrong", "10.0.0.1")
    with pytest.raises(passwords.Throttled) as locked:
        passwords.verify(config, "alice", "right", "10.0.0.2")
    assert 14 * 60 < locked.value.retry_after <= 15 * 60
    # The address made 3 failures out of 10: another account still signs in from it.
    create_account(config, "alain", password="right")
    assert passwords.verify(config, "alain", "right", "10.0.0.1").username == "alain"


def test_per_address_limit_across_account_names(config):
    for n in range(10):
        with pytest.raises(passwords.WrongCredentials):
            passwords.verify(config, f"name{n}", "guess", "10.9.9.9")
    with pytest.raises(passwords.Throttled):
        passwords.verify(config, "someone-else", "guess", "10.9.9.9")
    with pytest.raises(passwords.WrongCredentials):  # another address is not concerned
        passwords.verify(config, "someone-else", "guess", "10.9.9.10")


def test_unknown_closed_and_password_less_accounts_cost_one_hash(config, monkeypatch):
    create_account(config, "sso-only")  # signs in with the group's provider only
    closed = create_account(config, "gone", password="right")
    closed.update(set__suspended=True)
    hashed = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda h, p: hashed.append(p) or real(h, p))
    for name in ("nobody", "sso-only", "gone"):
        with pytest.raises(passwords.WrongCredentials):
            passwords.verify(config, name, "right", "10.0.0.3")
    assert hashed == ["right"] * 3
    with pytest.raises(passwords.WrongCredentials):  # not a string: refused like a wrong one
        passwords.verify(config, {"$ne": ""}, {"$ne": ""}, "10.0.0.3")


def test_the_group_providers_lockout_holds_under_concurrent_guesses(db, monkeypatch):
    from services.idp.config import IdPConfig
    from services.idp.directory import FAILED, authenticate, upsert_employee
    from services.idp.models import Employee

    idp_config = IdPConfig(dev_mode=True, lockout_after=3, lockout_seconds=300)
    upsert_employee("alice", home_node="fr", password="right")
    gate = Gate(10)
    checked = spy_on(monkeypatch, Employee, gate)

    def attempt():
        try:
            return authenticate(idp_config, "alice", "wrong")
        finally:
            gate.leave()

    results = run_concurrently(10, attempt)
    assert all(r.problem == FAILED for r in results)
    assert len(checked) == 3  # the race let all 10 guesses be checked
    assert authenticate(idp_config, "alice", "right").problem == FAILED  # locked out


def test_reservations_hold_when_first_attempts_race(db):
    """16 workers take attempts on 40 fresh keys at once: each key lets exactly its limit
    through, and no racing insert breaks a sign-in (the embedded database answers some
    racing upserts with nothing)."""
    import collections
    import datetime as dt

    from services.identity import throttle
    from services.identity.models import LoginFailures

    allowed, errors, lock = collections.Counter(), [], threading.Lock()

    def work():
        for n in range(40):
            try:
                if throttle.reserve(f"account:race{n}", 3, dt.timedelta(minutes=5)) is None:
                    with lock:
                        allowed[n] += 1
            except Exception as exc:
                errors.append(exc)

    run_concurrently(16, work)
    assert errors == [] and allowed == collections.Counter({n: 3 for n in range(40)})
    assert {d["count"] for d in LoginFailures._get_collection().find()} == {3}
