"""Signing in and out of the web app. "Sign in" runs the authorization-code flow with PKCE
through the node's own sign-in page (``/oauth/authorize`` → ``/login`` → the group's
single sign-on), so the web app signs in exactly as a phone app does; the token stays on
the server (services/web/sessions.py). Signing out revokes it (RFC 7009)."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, make_response, redirect, request
from flask_babel import gettext as _

from services.web import oauth_client, sessions
from services.web.api_client import ApiClient, ApiError
from services.web.context import render

log = logging.getLogger(__name__)
bp = Blueprint("signin", __name__)


@bp.get("/web/login")
def login():
    next_path = sessions.safe_next(request.args.get("next"))
    if sessions.current_viewer() is not None:
        return redirect(next_path, 303)
    try:
        state, verifier = sessions.start_sign_in(next_path)
        target = oauth_client.authorize_url(state, verifier)
    except ApiError as exc:
        log.error("the web app cannot register as an OAuth client: %s", exc.status)
        return render("error.html", 503, title=_("Sign-in is not available"),
                      message=_("The node did not answer. Please try again in a moment."))
    response = make_response(redirect(target, 303))
    sessions.set_cookie(response, "signin", state, 600, path="/web/callback")
    return response


@bp.get("/web/callback")
def callback():
    pending = sessions.finish_sign_in(request.args.get("state"))
    if pending is None:
        return render("error.html", 400, title=_("The sign-in expired"),
                      message=_("Please start again from the sign-in button."), retry_sign_in=True)
    if request.args.get("error") or not request.args.get("code"):
        return render("error.html", 403, title=_("You did not sign in"),
                      message=_("The authorisation was refused."), retry_sign_in=True)
    try:
        token = oauth_client.exchange(request.args["code"], pending.verifier)
        account = ApiClient(oauth_client.api_base(), token).get("/api/v1/accounts/verify_credentials").body
    except (ApiError, KeyError):
        return render("error.html", 400, title=_("The sign-in did not complete"),
                      message=_("Please start again from the sign-in button."), retry_sign_in=True)
    response = make_response(redirect(pending.next_path, 303))
    sessions.open_session(response, token=token, account=account)
    response.delete_cookie(sessions.cookie_name("signin"), path="/web/callback")
    return response


@bp.post("/web/logout")
def logout():
    viewer = sessions.current_viewer()
    if viewer is not None:
        if not sessions.csrf_ok():
            abort(400)
        try:
            oauth_client.revoke(viewer.token)
        except ApiError as exc:  # the session ends here all the same
            log.warning("token revocation failed: %s", exc.status)
    response = make_response(redirect("/?signed_out=1", 303))
    sessions.end_session(response)
    return response
