"""The group directory: employees, how they sign in (password, then a one-time code
for those enrolled in MFA), lockout after repeated failures, and deprovisioning."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, field

from werkzeug.security import check_password_hash, generate_password_hash

from services.idp import totp
from services.idp.config import IdPConfig
from services.idp.models import AccessToken, Employee, now_utc

log = logging.getLogger("archipel.idp.signin")

# Authentication context classes (acr) and methods (amr, RFC 8176) the provider reports.
ACR_PWD = "urn:archipel:acr:pwd"
ACR_MFA = "urn:archipel:acr:mfa"
AMR_PWD = ["pwd"]
AMR_MFA = ["pwd", "otp"]
ROLE_PATTERN = re.compile(r"^[a-z][a-z0-9_:-]{0,63}$")



def N_(message: str) -> str:
    """Marks a message for the catalogues (translations/); the page translates it when shown."""
    return message


FAILED = N_("Unknown user, wrong password or code, or too many failed attempts.")
NEED_CODE = N_("Enter the one-time code from your authenticator app.")
_DUMMY_HASH = generate_password_hash("not-a-password")


def acr_for(amr: list[str]) -> str:
    return ACR_MFA if "otp" in amr else ACR_PWD


@dataclass
class SignIn:
    employee: Employee | None = None
    amr: list[str] = field(default_factory=list)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.employee is not None and self.problem is None


def find_active(subject: str | None = None, username: str | None = None) -> Employee | None:
    if subject:
        return Employee.objects(subject=subject, active=True).first()
    if username:
        return Employee.objects(username=username.strip().lower(), active=True).first()
    return None


def _reserve(config: IdPConfig, employee: Employee) -> bool:
    """Count the attempt *before* the password is hashed, atomically, and only while the
    employee is not locked out and has attempts left: concurrent guesses cannot all pass
    a check made while the first hashes run (at most ``lockout_after`` passwords are ever
    checked between two lockouts). A success or a right password still waiting for its
    code gives the attempt back."""
    taken = Employee.objects(subject=employee.subject, failed_logins__lt=config.lockout_after, __raw__={
        "$or": [{"locked_until": None}, {"locked_until": {"$lte": now_utc()}}]},
    ).update_one(inc__failed_logins=1)
    return bool(taken)


def _failure(config: IdPConfig, employee: Employee) -> SignIn:
    """The counted attempt failed; the one that used the last attempt locks the sign-in."""
    locked = Employee.objects(subject=employee.subject, failed_logins__gte=config.lockout_after).update_one(
        set__failed_logins=0, set__locked_until=now_utc() + dt.timedelta(seconds=config.lockout_seconds))
    if locked:
        log.warning("sign-in locked for %s after %d failures", employee.username, config.lockout_after)
    return SignIn(problem=FAILED)


def authenticate(config: IdPConfig, username: str, password: str, code: str = "") -> SignIn:
    """Check a login form. Wrong credentials give one message whatever was wrong (an
    unknown or locked-out user costs the same hashing time); an employee enrolled in MFA
    whose password is right is asked for the code."""
    employee = find_active(username=username or "")
    if employee is None or not _reserve(config, employee):
        check_password_hash(_DUMMY_HASH, password or "")
        return SignIn(problem=FAILED)
    if not employee.check_password(password or ""):
        return _failure(config, employee)
    if not employee.has_mfa:
        amr = AMR_PWD
    else:
        if not (code or "").strip():
            Employee.objects(subject=employee.subject, failed_logins__gt=0).update_one(dec__failed_logins=1)
            return SignIn(problem=NEED_CODE)
        step = totp.verify(employee.mfa_secret, code, employee.mfa_last_step)
        if step is None:
            return _failure(config, employee)
        # Take the step atomically: the same code cannot sign in twice, even concurrently.
        taken = Employee.objects(subject=employee.subject, __raw__={
            "$or": [{"mfa_last_step": {"$lt": step}}, {"mfa_last_step": None}]},
        ).update_one(set__mfa_last_step=step)
        if not taken:
            return _failure(config, employee)
        amr = AMR_MFA
    Employee.objects(subject=employee.subject).update_one(set__failed_logins=0, unset__locked_until=True)
    return SignIn(employee=employee, amr=list(amr))


def session_is_valid(employee: Employee, auth_time: int) -> bool:
    return auth_time >= (employee.sessions_valid_after or 0)


def upsert_employee(username: str, *, home_node: str | None = None, name: str | None = None,
                    email: str | None = None, roles: list[str] | None = None,
                    password: str | None = None, mfa_secret: str | None = None,
                    subject: str | None = None) -> tuple[Employee, bool]:
    """Create the employee (with ``subject`` if given, else a new uuid), or update the
    fields given. Returns (employee, created)."""
    username = username.strip().lower()
    for role in roles or []:
        if not ROLE_PATTERN.match(role):
            raise ValueError(f"not a role name: {role!r}")
    employee = Employee.objects(username=username).first()
    created = employee is None
    if created:
        if not home_node:
            raise ValueError("a new employee needs a home node")
        employee = Employee(username=username, home_node=home_node, **({"subject": subject} if subject else {}))
    if home_node is not None:
        employee.home_node = home_node
    if name is not None:
        employee.name = name
    if email is not None:
        employee.email = email
    if roles is not None:
        employee.roles = list(dict.fromkeys(roles))
    if password is not None:
        employee.set_password(password)
    if mfa_secret is not None:
        if mfa_secret:
            totp.check_secret(mfa_secret)
        if mfa_secret != employee.mfa_secret:
            employee.mfa_last_step = None
        employee.mfa_secret = mfa_secret or None
    employee.updated_at = now_utc()
    employee.validate()
    employee.save(force_insert=created)
    return employee, created


def set_active(username: str, active: bool) -> Employee | None:
    """Deactivation cuts access at once: no new sign-in, every single sign-on session
    void, every access token revoked."""
    employee = Employee.objects(username=username.strip().lower()).first()
    if employee is None:
        return None
    if active:
        employee.update(set__active=True, set__updated_at=now_utc())
    else:
        employee.update(set__active=False, set__sessions_valid_after=int(time.time()) + 1,
                        set__updated_at=now_utc())
        AccessToken.objects(subject=employee.subject).update(set__revoked=True)
    employee.reload()
    return employee
