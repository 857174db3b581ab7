"""The node's own sign-in pages (identity): in the reader's language with every message
translated, under a strict Content-Security-Policy; an employee of another subsidiary is
shown where their account lives; the node's second-factor rule for its administrators."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from fedkit.runtime.config import Config
from services.identity.oidc import SSOError, check_strength

IDENTITY = Path(__file__).resolve().parents[2] / "services" / "identity"


def _messages() -> set[str]:
    from babel.messages.extract import extract_from_dir

    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    return {message if isinstance(message, str) else message[0]
            for _f, _l, message, _c, _x in extract_from_dir(str(IDENTITY), method_map, keywords=keywords)}


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_message_of_the_sign_in_pages_is_translated(language):
    from babel.messages.pofile import read_po

    with (IDENTITY / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    found = _messages()
    assert len(found) > 30
    assert not found - translated, f"untranslated in {language}: {sorted(found - translated)}"


@pytest.mark.parametrize(("language", "lang", "title", "button"), [
    ("fr-FR,fr;q=0.9", "fr", "Se connecter", "Nom d'utilisateur"),
    ("de-DE,de", "de", "Anmelden", "Benutzername"),
    ("en-GB,en", "en", "Sign in", "Username"),
])
def test_the_login_page_speaks_the_readers_language(node, monkeypatch, language, lang, title, button):
    from tests.unit.web_support import allow_password_sign_in

    allow_password_sign_in(node, monkeypatch)
    page = node.gateway.get("/login", base_url=node.base, headers={"Accept-Language": language})
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text and f"<h1>{title}</h1>" in page.text
    assert button in page.text.replace("&#39;", "'")
    assert 'for="username"' in page.text and 'for="password"' in page.text  # labelled fields


def test_the_sign_in_pages_carry_a_strict_content_security_policy(node):
    page = node.gateway.get("/login", base_url=node.base)
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy  # no script at all
    assert "<style" not in page.text and "style=" not in page.text and "<script" not in page.text
    assert page.headers["Cache-Control"] == "no-store"


def browser_back_from_provider(node, monkeypatch):
    """A browser that started single sign-on at the node (``/login/sso``) with a stubbed
    provider, ready to come back to the callback: (browser, state)."""
    from services.identity import sso

    monkeypatch.setattr(sso, "provider_metadata", lambda config: {"authorization_endpoint": "https://idp.test/auth"})
    browser = node.gateway.application.test_client()
    start = browser.get("/login/sso", base_url=node.base)
    assert start.status_code == 302 and start.headers["Location"].startswith("https://idp.test/auth")
    return browser, parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]


def test_an_employee_of_another_subsidiary_is_shown_where_their_account_lives(node, monkeypatch):
    """The provider's answer names de as the employee's home node: no account is made here,
    a page explains and links to de's web app (the provider itself is stubbed: the real
    walk is tests/e2e/test_sso_group_provider.py)."""
    from services.identity import sso
    from services.identity.models import Account

    claims = {"iss": "https://idp.test", "sub": "s-bob", "preferred_username": "bob", "home_node": "de"}
    monkeypatch.setattr(sso, "verified_claims", lambda config, pending, code: claims)
    browser, state = browser_back_from_provider(node, monkeypatch)
    page = browser.get(f"/login/sso/callback?state={state}&code=c", base_url=node.base,
                       headers={"Accept-Language": "fr"})
    assert page.status_code == 200, page.text
    assert "Vous travaillez chez de ; votre compte est sur de.test." in page.text
    assert 'href="http://de.test/web/login"' in page.text
    assert Account.objects(subject="s-bob").first() is None


def test_a_stronger_sign_in_is_refused_with_a_clear_page(node, monkeypatch):
    from services.identity import sso

    identity = node.services["identity"]
    monkeypatch.setitem(identity.config, "ARCHIPEL",
                        dataclasses.replace(identity.config["ARCHIPEL"], oidc_admin_mfa=True))
    claims = {"iss": "https://idp.test", "sub": "s-ada", "preferred_username": "ada", "roles": ["node_admin"],
              "amr": ["pwd"]}

    def verified(config, pending, code):
        check_strength(config, claims)
        return claims

    monkeypatch.setattr(sso, "verified_claims", verified)
    browser, state = browser_back_from_provider(node, monkeypatch)
    page = browser.get(f"/login/sso/callback?state={state}&code=c", base_url=node.base)
    assert page.status_code == 403
    assert "Administrators of this node sign in with a second factor" in page.text and 'role="alert"' in page.text


ADMIN = ["node_admin", "community_creator"]


@pytest.mark.parametrize(("required", "claims", "ok"), [
    (False, {"roles": ADMIN, "amr": ["pwd"]}, True),  # the node's setting is off by default
    (True, {"roles": ADMIN, "amr": ["pwd"]}, False),
    (True, {"roles": ADMIN}, False),
    (True, {"roles": ADMIN, "amr": "otp"}, False),  # not a list: not trusted
    (True, {"roles": ADMIN, "amr": ["pwd", "otp"]}, True),  # RFC 8176: a one-time password
    (True, {"roles": ADMIN, "amr": ["mfa"]}, True),  # RFC 8176: multiple-factor authentication
    (True, {"roles": ["community_creator"], "amr": ["pwd"]}, True),  # not an administrator
])
def test_the_node_can_require_a_second_factor_of_its_administrators(required, claims, ok):
    config = Config(oidc_admin_mfa=required)
    if ok:
        check_strength(config, claims)
    else:
        with pytest.raises(SSOError, match="second factor"):
            check_strength(config, claims)


def test_the_admin_rule_is_read_from_the_environment(monkeypatch):
    assert Config.from_env().oidc_admin_mfa is False
    monkeypatch.setenv("ARCHIPEL_OIDC_ADMIN_MFA", "1")
    assert Config.from_env().oidc_admin_mfa is True
