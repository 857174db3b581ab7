"""The usage observatory's API, served by the gateway (it owns the audit trail, one of the
sources; gateway/usage_sources.py reads the others through the services' contracts):

- ``GET /api/archipel/admin/usage?from=&to=&by=node|entity|community&scope=node|group[&format=csv]``
  (gateway/usage_report.py, gateway/usage_group.py): a node administrator (role
  ``node_admin``, a token with ``read`` or ``admin:read``); ``scope=node`` also answers a GET
  signed by a member node's instance actor — how ``scope=group`` asks the others.
- Mastodon's ``POST /api/v1/admin/measures`` and ``/api/v1/admin/dimensions``
  (gateway/usage_measures.py; scope ``admin:read``).

Every figure is k-anonymous (gateway/usage_figures.py): a withheld one is ``null`` and
named in its row's ``withheld``. Anyone else gets 401 (no token) or 403.
"""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, request

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.jsonbody import request_json
from fedkit.rules.registry import load_registry
from fedkit.rules.scopes import grants
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.responses import error
from gateway.auth import AuthError, Identity, bearer_identity, verify_signature
from gateway.usage_days import today
from gateway.usage_group import PATH, group_report
from gateway.usage_measures import MeasureError, dimensions, measures
from gateway.usage_report import PeriodError, csv_lines, envelope, masked, node_report, parse_period

ADMIN = "node_admin"
MEASURES = "/api/v1/admin/measures"
DIMENSIONS = "/api/v1/admin/dimensions"


def install(app: Flask, cfg: Config, internal: InternalClient) -> None:

    def admin(needed: tuple[str, ...]) -> Response | None:
        """None when the bearer is a node administrator whose token holds one of ``needed``."""
        try:
            identity = bearer_identity(request, internal)
        except AuthError as exc:
            g.audit_error = exc.code
            return exc.response()
        if identity is None:
            return error(401, "unauthorized", "a node administrator's access token is needed")
        g.identity = identity
        account = IdentityClient(internal).active_account(identity.user)
        if not any(grants(identity.scopes.split(), scope) for scope in needed) or \
                account is None or ADMIN not in account.roles:
            g.audit_error = "not_admin"
            return error(403, "forbidden", f"the usage figures are for node administrators ({ADMIN})")
        return None

    def member_node() -> bool:
        """Is this GET signed by a member node's instance actor (another node's gateway)?"""
        if "Signature" not in request.headers and "Signature-Input" not in request.headers:
            return False
        registry = load_registry(cfg)
        try:
            signer = verify_signature(request, b"", cfg, accept=registry.is_inside)
        except AuthError as exc:
            g.audit_error = exc.code
            return False
        g.identity = Identity(signer=signer)
        return any(signer == node.instance_actor and node.base_url != cfg.base_url for node in registry.nodes)

    @app.get(PATH)
    def usage():
        member = member_node()
        if not member:
            refused = admin(("read", "admin:read"))
            if refused is not None:
                return refused
        try:
            period = parse_period(request.args, today())
        except PeriodError as exc:
            return error(400, "invalid_period", str(exc))
        scope = request.args.get("scope") or "node"
        fmt = request.args.get("format") or "json"
        if scope not in ("node", "group") or (member and scope != "node"):
            return error(400, "invalid_scope", "scope is node or group (a member node asks for node)")
        if fmt not in ("json", "csv"):
            return error(400, "invalid_format", "format is json or csv")
        if scope == "group":
            rows, nodes, unreachable = group_report(period, cfg, internal)
        else:
            rows, nodes, unreachable = node_report(period, cfg, internal, member=member)["rows"], [cfg.node_name], []
            if not member:  # a member node's software gets the addresses, to add up by community
                rows = masked(rows, cfg)
        report = envelope(period, scope, cfg, rows, nodes, unreachable)
        if fmt == "csv":
            name = f"usage-{scope}-{period.by}-{report['from']}-{report['to']}.csv"
            return Response(csv_lines(report), mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return jsonify(report)

    def mastodon(build):
        refused = admin(("admin:read",))
        if refused is not None:
            return refused
        body = request_json(required=False)
        params = body if isinstance(body, dict) and body else request.form.to_dict(flat=False) or {}
        try:
            return jsonify(build(params, cfg, internal))
        except MeasureError as exc:
            return error(422, "validation_failed", str(exc))

    app.add_url_rule(MEASURES, "usage_measures", lambda: mastodon(measures), methods=["POST"])
    app.add_url_rule(DIMENSIONS, "usage_dimensions", lambda: mastodon(dimensions), methods=["POST"])
