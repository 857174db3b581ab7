"""Operator commands for the identity service.

    python -m services.identity.manage init                 # the instance actor's keys
    python -m services.identity.manage create-user alice [--display-name "Alice"] [--locked]
    python -m services.identity.manage seed alice alain [--issuer URL]  # demo accounts, password
                                                            # $ARCHIPEL_DEMO_PASSWORD, linked to the group provider
    python -m services.identity.manage deactivate alice [--by admin:jdoe]   # close it, group-wide
    python -m services.identity.manage reactivate alice [--by admin:jdoe]

Configuration comes from the same environment variables as the services.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from fedkit.runtime.config import Config
from fedkit.runtime.db import connect_db
from fedkit.runtime.demo import demo_roles, demo_subject
from services.identity.accounts import create_account, ensure_instance_actor
from services.identity.models import Account


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.identity.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init")
    create = sub.add_parser("create-user")
    create.add_argument("username")
    create.add_argument("--display-name", default="")
    create.add_argument("--locked", action="store_true")
    seed = sub.add_parser("seed")
    seed.add_argument("usernames", nargs="+")
    seed.add_argument("--issuer", default=None,
                      help="link the demo accounts to the built-in group provider (its issuer URL)")
    for command in ("deactivate", "reactivate"):
        change = sub.add_parser(command)
        change.add_argument("username")
        change.add_argument("--by", default=None, help="who asked (default: admin:<your login>)")
    args = parser.parse_args(argv)

    config = Config.from_env()
    connect_db(config)
    ensure_instance_actor(config)
    if args.command == "create-user":
        password = os.environ.get("ARCHIPEL_NEW_USER_PASSWORD") or getpass.getpass("Password: ")
        create_account(config, args.username, display_name=args.display_name, password=password,
                       locked=args.locked)
        print(f"created {args.username}")
    elif args.command in ("deactivate", "reactivate"):
        return _change_account(config, args.command, args.username, args.by)
    elif args.command == "seed":
        password = config.demo_password
        if not password:
            print("ARCHIPEL_DEMO_PASSWORD is not set", file=sys.stderr)
            return 2
        for name in args.usernames:
            account = Account.objects(username=name).first()
            link = {"issuer": args.issuer, "subject": demo_subject(name)} if args.issuer else {}
            if account is None:
                account = create_account(config, name, display_name=name.capitalize(), password=password, **link)
            if link and (account.issuer, account.subject, account.roles) != (link["issuer"], link["subject"],
                                                                             demo_roles(name)):
                account.update(set__issuer=link["issuer"], set__subject=link["subject"],
                               set__roles=demo_roles(name))
            if not account.check_password(password):
                account.set_password(password)
                account.save()
    return 0


def _operator() -> str:
    try:
        return f"admin:{getpass.getuser()}"
    except Exception:  # no login name (a container without a passwd entry)
        return "admin"


def _change_account(config: Config, command: str, username: str, by: str | None) -> int:
    from services.identity import lifecycle

    account = Account.objects(username=username.lower()).first()
    if account is None:
        print(f"no account {username}", file=sys.stderr)
        return 1
    try:
        getattr(lifecycle, command)(config, account, by=by or _operator())
    except lifecycle.AnnounceError as exc:
        print(f"{command}d {account.username} on this node, not yet federated: {exc}", file=sys.stderr)
        return 3
    print(f"{command}d {account.username}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
