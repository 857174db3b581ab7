"""Operator commands of the group's OpenID provider (same environment as the provider:
``MONGODB_URI``, ``ARCHIPEL_IDP_DB``, ``ARCHIPEL_IDP_URL``).

    python -m services.idp.manage migrate              # indexes and the first signing key
    python -m services.idp.manage seed-demo --password P [--mfa-secret BASE32]
    python -m services.idp.manage add-client --client-id fr --secret S --redirect-uri URI [--redirect-uri URI2] [--name N]
    python -m services.idp.manage add-employee USERNAME --home-node fr [--name N] [--email E] [--role R]... [--mfa]
    python -m services.idp.manage deactivate-employee USERNAME
    python -m services.idp.manage activate-employee USERNAME
    python -m services.idp.manage rotate-signing-key
    python -m services.idp.manage current-code USERNAME  # dev mode only: the TOTP code now

Passwords and secrets should come from the environment rather than the command line,
where every local user can read them (``ARCHIPEL_DEMO_PASSWORD``,
``ARCHIPEL_NEW_USER_PASSWORD``, ``ARCHIPEL_IDP_CLIENT_SECRET``). On the command line, the
word after ``--password`` or ``--secret`` is always its value, even when it starts with
``-`` as a random secret may.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from fedkit.runtime.demo import demo_roles, demo_subject  # the nodes' demo accounts use the same
from services.idp import keys, totp
from services.idp.config import IdPConfig

# The demo employees: (username, name, home node, roles, MFA).
DEMO_EMPLOYEES = (  # (username, name, home node, roles, MFA)
    ("alice", "Alice Martin", "fr", demo_roles("alice"), False),
    ("alain", "Alain Dubois", "fr", demo_roles("alain"), False),
    ("anna", "Anna Laurent", "fr", demo_roles("anna"), True),  # fr's administrator with a second factor
    ("bob", "Bob Schmidt", "de", demo_roles("bob"), False),
    ("berta", "Berta Weber", "de", demo_roles("berta"), True),
)
MIN_CLIENT_SECRET = 16


def _connect() -> IdPConfig:
    from fedkit.runtime.db import connect_db

    config = IdPConfig.from_env()
    connect_db(config)
    return config


def migrate() -> None:
    from services.idp.models import ensure

    ensure()
    key = keys.ensure_signing_key()
    print(f"indexes ready; signing key {key.kid}")


def seed_demo(config: IdPConfig, password: str, mfa_secret: str | None) -> None:
    from services.idp.directory import upsert_employee
    from services.idp.models import Employee

    for username, name, home, roles, mfa in DEMO_EMPLOYEES:
        secret = None
        if mfa:
            existing = Employee.objects(username=username).first()
            secret = mfa_secret or (existing.mfa_secret if existing and existing.mfa_secret else totp.new_secret())
        employee, created = upsert_employee(username, home_node=home, name=name,
                                            email=f"{username}@{home}.archipel.example", roles=roles,
                                            password=password, mfa_secret=secret,
                                            subject=demo_subject(username))
        print(f"{'created' if created else 'updated'} {username} (home {home}, roles {','.join(roles)}, "
              f"sub {employee.subject})")
        if secret:
            print(f"{username} signs in with a one-time code: TOTP secret {secret}")
            print(f"  {totp.provisioning_uri(secret, username, 'Archipel group')}")


def add_client(client_id: str, secret: str, redirect_uris: list[str], name: str, scope: str) -> None:
    from services.idp.models import Client

    client = Client.objects(client_id=client_id).first()
    created = client is None
    if created:
        client = Client(client_id=client_id)
    client.set_secret(secret)
    client.redirect_uris = list(dict.fromkeys(redirect_uris))
    client.name = name or client.name or client_id
    client.scope = scope
    client.active = True
    client.save(force_insert=created)
    print(f"{'registered' if created else 'updated'} client {client_id}: {' '.join(client.redirect_uris)}")


# Options whose value is a secret: argparse would read a value starting with "-" as an
# option and fail ("expected one argument"), so the value is glued to its option first.
SECRET_OPTIONS = ("--password", "--secret")


def _glued(argv: list[str]) -> list[str]:
    out, words = [], iter(argv)
    for word in words:
        value = next(words, None) if word in SECRET_OPTIONS else None
        out.append(f"{word}={value}" if value is not None else word)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.idp.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create the indexes and the first signing key")
    seed = sub.add_parser("seed-demo", help="the demo employees (alice, alain, anna on fr; bob, berta on de)")
    seed.add_argument("--password", default=os.environ.get("ARCHIPEL_DEMO_PASSWORD"))
    seed.add_argument("--mfa-secret", help="the TOTP secret (base32) of berta and anna; kept or made when absent")
    client = sub.add_parser("add-client", help="register (or update) a node as a client")
    client.add_argument("--client-id", required=True)
    client.add_argument("--secret", default=os.environ.get("ARCHIPEL_IDP_CLIENT_SECRET"))
    client.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
    client.add_argument("--name", default="")
    client.add_argument("--scope", default="openid profile email")
    emp = sub.add_parser("add-employee", help="add an employee, or update the fields given")
    emp.add_argument("username")
    emp.add_argument("--home-node")
    emp.add_argument("--name")
    emp.add_argument("--email")
    emp.add_argument("--role", action="append", dest="roles")
    emp.add_argument("--mfa", action="store_true", help="enrol in TOTP; prints the secret")
    emp.add_argument("--no-password", action="store_true", help="keep the current password")
    for command in ("deactivate-employee", "activate-employee", "current-code"):
        sub.add_parser(command).add_argument("username")
    sub.add_parser("rotate-signing-key")
    return parser.parse_args(_glued(sys.argv[1:] if argv is None else list(argv)))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = _connect()
    if args.command == "migrate":
        migrate()
    elif args.command == "seed-demo":
        if not args.password:
            print("give --password (or set ARCHIPEL_DEMO_PASSWORD)", file=sys.stderr)
            return 2
        seed_demo(config, args.password, args.mfa_secret)
    elif args.command == "add-client":
        if not args.secret or len(args.secret) < MIN_CLIENT_SECRET:
            print(f"the client secret must be at least {MIN_CLIENT_SECRET} characters", file=sys.stderr)
            return 2
        add_client(args.client_id, args.secret, args.redirect_uris, args.name, args.scope)
    elif args.command == "add-employee":
        from services.idp.directory import upsert_employee

        password = None
        if not args.no_password:
            password = os.environ.get("ARCHIPEL_NEW_USER_PASSWORD") or getpass.getpass("Password: ")
        secret = totp.new_secret() if args.mfa else None
        try:
            employee, created = upsert_employee(args.username, home_node=args.home_node, name=args.name,
                                                email=args.email, roles=args.roles, password=password,
                                                mfa_secret=secret)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"{'created' if created else 'updated'} {employee.username} (sub {employee.subject})")
        if secret:
            print(f"TOTP secret {secret}\n  {totp.provisioning_uri(secret, employee.username, 'Archipel group')}")
    elif args.command in ("deactivate-employee", "activate-employee"):
        from services.idp.directory import set_active

        employee = set_active(args.username, args.command == "activate-employee")
        if employee is None:
            print(f"no employee {args.username}", file=sys.stderr)
            return 1
        print(f"{employee.username} is {'active' if employee.active else 'deactivated'}")
    elif args.command == "rotate-signing-key":
        print(f"signing key {keys.rotate_signing_key().kid}")
    elif args.command == "current-code":
        from services.idp.models import Employee

        if not config.dev_mode:
            print("current-code is a demo helper: only with ARCHIPEL_DEV_MODE=1", file=sys.stderr)
            return 2
        employee = Employee.objects(username=args.username.lower()).first()
        if employee is None or not employee.mfa_secret:
            print(f"{args.username} has no authenticator enrolled", file=sys.stderr)
            return 1
        print(totp.code_at(employee.mfa_secret))
    return 0


if __name__ == "__main__":
    sys.exit(main())
