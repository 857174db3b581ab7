"""This node's people for the usage observatory (gateway/usage_sources.py): each account's
entity (from the directory, services/identity/directory_profile.py) and when it was
created, so the gateway can count new members and group figures by entity."""

from __future__ import annotations

from flask import Blueprint, jsonify

from fedkit.contracts.usage import IDENTITY_PEOPLE
from fedkit.runtime import clock
from services.identity.directory_profile import directory_fields
from services.identity.models import Account

bp = Blueprint("identity_usage", __name__)


@bp.get(IDENTITY_PEOPLE)
def people():
    fields = ("username", "created_at", "suspended", "scim_attributes", "directory_claims")
    return jsonify(items=[{"username": a.username, "entity": directory_fields(a).get("entity", ""),
                           "created_at": clock.iso(a.created_at), "closed": bool(a.suspended)}
                          for a in Account.objects.only(*fields)])
