"""Communities service: Group actors (FEP-1b12), membership, roles, moderation,
dormancy, the node's listing and the group-wide directory."""

from __future__ import annotations

from flask import Flask

from fedkit.runtime.config import Config
from fedkit.runtime.service import create_service_app
from services.communities import (
    accounts_api,
    internal_api,
    management,
    members_admin,
    usage_api,
    web,
)


def create_app(config: Config | dict | None = None) -> Flask:
    return create_service_app(__name__, "communities", config,
                              blueprints=(management.bp, members_admin.bp, web.bp, internal_api.bp,
                                          accounts_api.bp, usage_api.bp))
