"""The provider's endpoints: discovery, authorize (with its login form), token,
userinfo, JWKS, sign-out."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oidc.core.errors import LoginRequiredError
from flask import Blueprint, current_app, g, jsonify, render_template, request, session

from services.idp import keys
from services.idp.directory import (
    ACR_MFA,
    ACR_PWD,
    N_,
    NEED_CODE,
    authenticate,
    find_active,
    session_is_valid,
)
from services.idp.models import Employee
from services.idp.provider import CLAIMS, SCOPES

bp = Blueprint("idp", __name__)
log = logging.getLogger("archipel.idp.signin")


def _config():
    return current_app.config["ARCHIPEL_IDP"]


def _server():
    return current_app.extensions["archipel_idp_server"]


@bp.get("/.well-known/openid-configuration")
def discovery():
    issuer = _config().issuer
    response = jsonify({
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [keys.ALG],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": SCOPES,
        "claims_supported": CLAIMS,
        "acr_values_supported": [ACR_PWD, ACR_MFA],
        "prompt_values_supported": ["none", "login"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    })
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/jwks")
def jwks():
    response = jsonify(keys.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.post("/token")
def token():
    return _server().create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    return _server().create_endpoint_response("userinfo")


@dataclass
class Login:
    """The employee's single sign-on session at the provider (its session cookie)."""

    employee: Employee
    auth_time: int
    amr: list[str]


def _current_login() -> Login | None:
    subject, auth_time = session.get("sub"), session.get("auth_time")
    if not subject or not isinstance(auth_time, int):
        return None
    if time.time() - auth_time > _config().session_seconds:
        return None
    employee = find_active(subject=subject)
    if employee is None or not session_is_valid(employee, auth_time):
        return None  # deprovisioned or signed out everywhere since
    return Login(employee, auth_time, list(session.get("amr") or []))


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    return bool(expected) and secrets.compare_digest(request.form.get("csrf", ""), expected)


def _error_page(error: str, description: str | None, status: int = 400):
    return render_template("error.html", error=error, description=description), status


def _authorization_error(exc: OAuth2Error):
    """A redirect to the client when its redirect_uri is known good; else a page here
    (never a redirect to an unverified address: no open redirector)."""
    if exc.redirect_uri:
        exc.state = exc.state or request.values.get("state")
        response = _server().handle_error_response(None, exc)
        response.location = add_params_to_uri(response.location, {"iss": _config().issuer})
        return response
    return _error_page(exc.error, exc.description)


def _needs_login(grant, login: Login | None) -> bool:
    data = grant.request.payload.data
    if login is None or "login" in (data.get("prompt") or "").split():
        return True
    max_age = data.get("max_age")
    if max_age is not None:
        try:
            max_age = int(max_age)
        except ValueError:
            raise InvalidRequestError("'max_age' must be a number of seconds.",
                                      redirect_uri=grant.redirect_uri) from None
        if time.time() - login.auth_time > max_age:
            return True
    wants_mfa = ACR_MFA in (data.get("acr_values") or "").split()
    return wants_mfa and "otp" not in login.amr and login.employee.has_mfa


def _login_page(grant, error: str | None = None, username: str = "", status: int = 200):
    client = grant.request.client
    html = render_template("login.html", client_name=client.name or client.client_id,
                                  action=request.full_path, csrf=_csrf_token(), error=error,
                                  username=username)
    return html, status


def _issue_code(grant, login: Login):
    g.idp_login = {"auth_time": login.auth_time, "amr": login.amr}
    response = _server().create_authorization_response(grant=grant, grant_user=login.employee)
    if response.status_code in (301, 302):
        log.info("code issued: user=%s client=%s amr=%s", login.employee.username,
                 grant.request.client.client_id, ",".join(login.amr))
    return response


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    login = _current_login()
    try:
        grant = _server().get_consent_grant(end_user=login.employee if login else None)
        needs_login = _needs_login(grant, login)
    except OAuth2Error as exc:
        return _authorization_error(exc)
    if request.method == "POST":
        return _login_submitted(grant)
    if not needs_login:
        return _issue_code(grant, login)
    if "none" in (grant.request.payload.data.get("prompt") or "").split():
        return _authorization_error(LoginRequiredError(redirect_uri=grant.redirect_uri,
                                                       state=grant.request.payload.state))
    return _login_page(grant)


def _login_submitted(grant):
    if not _csrf_ok():
        return _error_page("csrf", N_("The sign-in form expired; go back to the application and start again."))
    username = request.form.get("username", "").strip().lower()
    result = authenticate(_config(), username, request.form.get("password", ""), request.form.get("otp", ""))
    client_id = grant.request.client.client_id
    if not result.ok:
        if result.problem != NEED_CODE:
            log.warning("sign-in failed: user=%s client=%s from=%s", username[:64], client_id, request.remote_addr)
        return _login_page(grant, error=result.problem, username=username, status=401)
    login = Login(result.employee, int(time.time()), result.amr)
    session.clear()  # a new session for the signed-in employee
    session.permanent = True
    session.update(sub=login.employee.subject, auth_time=login.auth_time, amr=login.amr)
    log.info("sign-in: user=%s client=%s amr=%s from=%s", login.employee.username, client_id,
             ",".join(login.amr), request.remote_addr)
    return _issue_code(grant, login)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Ends the single sign-on session here (the nodes keep their own sessions)."""
    if request.method == "POST":
        if not _csrf_ok():
            return _error_page("csrf", N_("The sign-out form expired; reload it."))
        session.clear()
        return render_template("logout.html", done=True)
    return render_template("logout.html", done=False, csrf=_csrf_token())
