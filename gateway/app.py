"""The gateway: the node's only public entry.

It authenticates every request once (HTTP signature or bearer token), strips any
identity header that came from outside, forwards the verified identity to the
internal service in ``X-Archipel-*`` headers, enforces body limits and writes the
audit trail.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import urllib3
from flask import Flask, Response, g, request
from urllib3.util.retry import Retry
from werkzeug.middleware.proxy_fix import ProxyFix

from fedkit.rules.federation_policy import check_policy_file, signer_refusal
from fedkit.rules.policy import viewer_kind
from fedkit.rules.registry import GroupRegistry, load_registry
from fedkit.runtime import health, inproc, metrics
from fedkit.runtime.config import Config, load_config
from fedkit.runtime.db import connect_db
from fedkit.runtime.internal import HEADER_PREFIX, InternalClient, identity_headers
from fedkit.runtime.logs import setup_logging
from fedkit.runtime.responses import error
from gateway import audit, audit_api, usage_api
from gateway.auth import AuthError, Identity, bearer_identity, verify_signature
from gateway.cors import install_cors
from gateway.limits import RateLimiter, bucket_for
from gateway.routes import IGNORED, MEMBERS, REQUIRED, SERVICE, body_limit, route_for

log = logging.getLogger(__name__)

# Hop-by-hop headers (RFC 9110 §7.6.1) and ones the proxy recomputes.
HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailer", "transfer-encoding", "upgrade", "content-length", "content-encoding", "host"}


def normalised_path(path: str) -> str | None:
    """The path to forward, re-quoted exactly as it was routed; None for paths whose meaning
    could change on the way (dot segments, an encoded ? or #, backslashes)."""
    if "?" in path or "#" in path or "\\" in path or any(seg in (".", "..") for seg in path.split("/")):
        return None
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def create_app(config: Config | dict | None = None) -> Flask:
    cfg = load_config(config)
    setup_logging("gateway", cfg)
    app = Flask(__name__)
    if cfg.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=cfg.trusted_proxies, x_proto=cfg.trusted_proxies)
    app.config["ARCHIPEL"] = cfg
    app.config["MAX_CONTENT_LENGTH"] = cfg.max_body_bytes
    install_cors(app)  # browser apps (Mastodon's CORS rules, gateway/cors.py)
    metrics.instrument(app, "gateway")
    connect_db(cfg)
    check_policy_file(cfg)
    internal = InternalClient(cfg)
    limiter = RateLimiter(cfg)
    # A reset on a reused connection is retried: always before the request was sent,
    # after it only for GET/HEAD (a POST may have been applied).
    retry = Retry(total=2, connect=2, read=1, status=0, other=0, backoff_factor=0.05, raise_on_status=False,
                  allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}))
    # urllib3's pool itself, not a requests session over it: the request is already
    # prepared (headers, body) and nothing of a session applies to it (cookies, proxies,
    # auth, hooks); requests' preparation was a third of the forward's time.
    upstream = urllib3.PoolManager(num_pools=8, maxsize=32, retries=retry)
    # /livez, /readyz, and /metrics for scrapers only (fedkit/runtime/health.py): this port is
    # public, and no other service's /metrics is routed (gateway/routes.py names none).
    health.install(app, cfg, health.Readiness(*health.standard_checks(cfg, needs_redis=False)))
    audit_api.install(app, cfg, internal)  # the trail for auditors, served where it lives
    usage_api.install(app, cfg, internal)  # the usage observatory (its sources: the trail and the services)

    @app.route("/", defaults={"path": ""}, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    @app.route("/<path:path>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def proxy(path: str):
        g.identity = Identity()
        upstream_path = normalised_path(request.path)
        if upstream_path is None:
            return error(404, "not_found", "no such resource")
        target = route_for(request.method, request.path)
        if target is None:
            g.metrics_route = metrics.UNMATCHED
            return error(404, "not_found", "no such resource")
        service, signature_mode = target
        g.metrics_route = f"proxy:{service}"  # the service's own metrics name its routes
        limit = request.max_content_length = body_limit(request.method, request.path, cfg)
        length = request.content_length
        if length is not None and length > limit:
            return error(413, "body_too_large", f"bodies are limited to {limit} bytes")
        body = request.get_data(cache=True)  # werkzeug enforces MAX_CONTENT_LENGTH while reading
        registry = load_registry(cfg)  # once per request: the rate limit and the viewer's kind

        try:
            identity = authenticate(body, signature_mode)
        except AuthError as exc:
            g.audit_error = exc.code
            # Failed credentials count against the client address, like anonymous requests.
            return rate_limited(Identity(), signature_mode, registry) or exc.response()
        g.identity = identity
        throttled = rate_limited(identity, signature_mode, registry)
        if throttled is not None:
            return throttled

        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in HOP_HEADERS and not k.startswith(HEADER_PREFIX)}
        headers["X-Forwarded-For"] = request.remote_addr or ""
        headers["X-Forwarded-Proto"] = cfg.base_url.split("://", 1)[0]
        headers["X-Forwarded-Host"] = cfg.host
        headers.update(identity_headers(
            secret=cfg.internal_secret, signer=identity.signer, user=identity.user,
            scopes=identity.scopes if identity.user else None,
            viewer=viewer_kind(identity.signer, identity.user, cfg, registry)))
        base = getattr(cfg, f"{service}_url")
        query = request.query_string.decode("latin-1")
        url = base + upstream_path + (f"?{query}" if query else "")
        mounted = inproc.app_for(base)
        if mounted is not None:  # the compact layout: the service runs in this process
            status, _reason, resp_headers, content = inproc.call(mounted, request.method, url, headers, body)
        else:
            headers.setdefault("Accept", "*/*")  # as requests sent it: a service may negotiate on it
            try:
                resp = upstream.urlopen(request.method, url, body=body or None, headers=headers, redirect=False,
                                        timeout=60.0)
            except urllib3.exceptions.HTTPError as exc:
                log.error("%s unavailable: %s", service, type(exc).__name__)
                return error(503, "service_unavailable", f"the {service} service is not answering")
            status, resp_headers, content = resp.status, resp.headers.items(), resp.data
        out_headers = [(k, v) for k, v in resp_headers if k.lower() not in HOP_HEADERS]
        return Response(content, status=status, headers=out_headers)

    def authenticate(body: bytes, signature_mode: str) -> Identity:
        if signature_mode == SERVICE:  # the service checks its own credential (routes.py)
            return Identity()
        # A server this node does not federate with (fedkit/rules/federation_policy.py) is refused
        # on the keyId it claims, before its key is fetched (GoToSocial answers 403 too).
        refused = signer_refusal(request.headers, cfg)
        if refused:
            raise AuthError(403, refused, "this node does not federate with your server")
        has_signature = "Signature" in request.headers or "Signature-Input" in request.headers or \
            request.headers.get("Authorization", "").startswith("Signature ")
        if signature_mode == MEMBERS and has_signature:
            try:
                return Identity(signer=verify_signature(request, body, cfg, accept=load_registry(cfg).is_inside))
            except AuthError:
                pass  # a public document: a reader the signature does not prove is an anonymous one
        elif signature_mode == REQUIRED or (has_signature and signature_mode != IGNORED):
            if not has_signature:
                metrics.SIGNATURE_FAILURES.labels("signature_missing").inc()
                raise AuthError(401, "signature_missing", "this endpoint requires an HTTP signature")
            return Identity(signer=verify_signature(request, body, cfg))
        return bearer_identity(request, internal) or Identity()

    def rate_limited(identity: Identity, signature_mode: str, registry: GroupRegistry) -> Response | None:
        """429 when the requester's bucket is spent (gateway/limits.py); else None, with the
        counters kept for the response headers. SCIM (SERVICE) is the group directory's
        provisioning with its own secret: a directory sync may send thousands of requests."""
        if signature_mode == SERVICE:
            return None
        bucket = bucket_for(signer=identity.signer, user=identity.user, address=request.remote_addr,
                            config=cfg, registry=registry)
        verdict = limiter.hit(bucket) if bucket is not None else None
        g.rate_limit = verdict
        if verdict is None or verdict.allowed:
            return None
        g.audit_error = "rate_limited"
        resp = error(429, "rate_limited", f"too many requests; retry in {verdict.retry_after()} s")
        resp.headers["Retry-After"] = str(verdict.retry_after())
        return resp

    @app.after_request
    def rate_limit_headers(response: Response) -> Response:
        verdict = getattr(g, "rate_limit", None)
        if verdict is not None:
            response.headers.update(verdict.headers())
        return response

    @app.errorhandler(413)
    def too_large(_exc):
        return error(413, "body_too_large", f"bodies are limited to {cfg.max_body_bytes} bytes")

    @app.after_request
    def write_audit(response: Response) -> Response:
        if g.get("skip_audit"):  # probes and scrapes (fedkit/runtime/health.py)
            return response
        identity = getattr(g, "identity", None) or Identity()
        audit.record(
            method=request.method, path=request.path, status=response.status_code,
            user=identity.user, signer=identity.signer,
            client_address=request.remote_addr,  # the real client when ARCHIPEL_TRUSTED_PROXIES is right
            application=(request.headers.get("User-Agent") or "")[:200],
            error=getattr(g, "audit_error", None), query=getattr(g, "audit_query", None),
        )
        return response

    return app
