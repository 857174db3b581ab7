"""Operator commands for the identity service.

    python -m services.identity.manage init                 # the instance actor's keys
    python -m services.identity.manage create-user alice [--display-name "Alice"] [--locked]
    python -m services.identity.manage seed alice alain     # demo accounts, password $ARCHIPEL_DEMO_PASSWORD

Configuration comes from the same environment variables as the services.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from fedkit.config import Config
from fedkit.db import connect_db
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
    args = parser.parse_args(argv)

    config = Config.from_env()
    connect_db(config)
    ensure_instance_actor(config)
    if args.command == "create-user":
        password = os.environ.get("ARCHIPEL_NEW_USER_PASSWORD") or getpass.getpass("Password: ")
        create_account(config, args.username, display_name=args.display_name, password=password,
                       locked=args.locked)
        print(f"created {args.username}")
    elif args.command == "seed":
        password = config.demo_password
        if not password:
            print("ARCHIPEL_DEMO_PASSWORD is not set", file=sys.stderr)
            return 2
        for name in args.usernames:
            account = Account.objects(username=name).first()
            if account is None:
                create_account(config, name, display_name=name.capitalize(), password=password)
            elif not account.check_password(password):
                account.set_password(password)
                account.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
