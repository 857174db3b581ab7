"""The group provider's pages (services/idp): in the reader's language with every message
translated, styled by the provider's own stylesheet under a strict CSP, and the one-time
code asked of an employee enrolled in a second factor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

IDP = Path(__file__).resolve().parents[2] / "services" / "idp"
NODE = "https://fr.test/login/sso/callback"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _messages() -> set[str]:
    from babel.messages.extract import extract_from_dir

    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "N_": None}
    return {message for _f, _l, message, _c, _x in extract_from_dir(str(IDP), method_map, keywords=keywords)}


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_message_of_the_providers_pages_is_translated(language):
    from babel.messages.pofile import read_po

    with (IDP / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    found = _messages()
    assert len(found) > 15 and not found - translated, sorted(found - translated)


@pytest.fixture
def provider(db, infra):
    from services.idp.app import create_app
    from services.idp.directory import upsert_employee
    from services.idp.models import Client

    app = create_app({"base_url": "http://idp.test", "dev_mode": True, "mongodb_uri": infra.mongodb_uri,
                      "db_name": db, "secret_key": "a-long-enough-test-session-key"})
    client = Client(client_id="archipel-fr", name="Node fr", redirect_uris=[NODE])
    client.set_secret("s" * 32)
    client.save()
    upsert_employee("anna", home_node="fr", password="pw", mfa_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                    roles=["node_admin"])
    return app.test_client()


AUTHORIZE = ("/authorize?response_type=code&client_id=archipel-fr&scope=openid&state=s&nonce=n"
             f"&redirect_uri={NODE}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
             "&code_challenge_method=S256")


def test_the_login_form_speaks_french_under_a_strict_policy(provider):
    page = provider.get(AUTHORIZE, headers={"Accept-Language": "fr-FR,fr"})
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text and "Connexion au groupe" in page.text
    assert '<label for="otp">Code à usage unique' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy and "script-src" not in policy
    assert "<style" not in page.text and 'href="/static/idp.css"' in page.text
    assert provider.get("/static/idp.css").status_code == 200


def test_the_one_time_code_is_asked_then_checked(provider):
    from services.idp import totp

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    page = provider.get(AUTHORIZE, headers={"Accept-Language": "de"})
    form = {"csrf": CSRF.search(page.text).group(1), "username": "anna", "password": "pw"}
    asked = provider.post(AUTHORIZE, data=form, headers={"Accept-Language": "de"})
    assert asked.status_code == 401 and "Geben Sie den Einmalcode" in asked.text
    wrong = f"{(int(totp.code_at(secret)) + 1) % 10**6:06d}"
    refused = provider.post(AUTHORIZE, data={**form, "otp": wrong})
    assert refused.status_code == 401 and "Location" not in refused.headers
    accepted = provider.post(AUTHORIZE, data={**form, "otp": totp.code_at(secret)})
    assert accepted.status_code == 302 and accepted.headers["Location"].startswith(NODE + "?code=")
