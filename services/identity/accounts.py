"""Creating accounts and the instance actor (with their RSA-2048 keys)."""

from __future__ import annotations

from fedkit.protocol.keys import generate_rsa_keypair
from fedkit.protocol.vocab import instance_actor_id, key_id_for, local_actor_id
from fedkit.runtime import keystore
from fedkit.runtime.config import Config
from services.identity import people_index
from services.identity.models import Account

LOCAL_ISSUER = "local"  # accounts created on the node itself, not by the group IdP


def ensure_instance_actor(config: Config) -> None:
    actor = instance_actor_id(config.base_url)
    if keystore.ActorKey.objects(actor_id=actor).first() is None:
        private_pem, public_pem = generate_rsa_keypair()
        keystore.store_key(actor, key_id_for(actor), private_pem, public_pem)


def create_account(config: Config, username: str, *, display_name: str = "", password: str | None = None,
                   issuer: str = LOCAL_ISSUER, subject: str | None = None, locked: bool = False,
                   summary: str = "") -> Account:
    account = Account(
        username=username, issuer=issuer, subject=subject or username, display_name=display_name,
        locked=locked, summary=summary,
    )
    if password:
        account.set_password(password)
    account.validate()
    actor = local_actor_id(config.base_url, username)
    private_pem, public_pem = generate_rsa_keypair()
    keystore.store_key(actor, key_id_for(actor), private_pem, public_pem)
    account.save(force_insert=True)
    people_index.indexed(config, username)
    return account
