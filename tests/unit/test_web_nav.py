"""The header's navigation (services/web/templates/base.html) in-process: the
administration's links sit in a "More" menu (a <details>, which opens without script),
only for those who have one; everyone else's header has no menu."""

from __future__ import annotations

import re

import pytest

from tests.unit.web_support import page, sign_in, web_node

MENU = re.compile(r'<details class="nav-more">(.*?)</details>', re.S)


@pytest.fixture
def web(node, monkeypatch):
    from services.identity.models import Account

    node = web_node(node, monkeypatch)
    node.local_user("alain")
    node.local_user("amelie")
    Account.objects(username="alain").update(set__roles=["auditor", "node_admin"])
    return node


def test_the_administrations_links_are_in_a_menu_that_needs_no_script(web):
    alain = sign_in(web, "alain", headers={"Accept-Language": "de"})
    home = page(alain, web, "/web/home", headers={"Accept-Language": "de"}).text
    menu = MENU.search(home)
    assert menu is not None, "no menu in the header"
    assert "<summary>Mehr</summary>" in menu.group(1)
    assert 'href="/web/admin"' in menu.group(1) and 'href="/web/admin/audit"' in menu.group(1)
    assert home.count('href="/web/admin"') == 1 and home.count('href="/web/admin/audit"') == 1
    audit = page(alain, web, "/web/admin/audit").text
    summary = re.search(r"<summary[^>]*>", audit).group(0)
    assert 'aria-current="page"' in summary  # where one is: under this menu
    assert re.search(r'href="/web/admin/audit" aria-current="page"', audit)
    assert not re.search(r'href="/web/admin" aria-current="page"', audit)


def test_no_menu_for_an_employee_without_a_role(web):
    amelie = sign_in(web, "amelie")
    home = page(amelie, web, "/web/home").text
    assert "nav-more" not in home and 'href="/web/admin' not in home
    assert 'href="/web/settings/profile"' in home  # the everyday links stay in the bar
