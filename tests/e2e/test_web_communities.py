"""The community pages of the web app in a real headless Chromium against the group's real
processes: bob signs in at de, finds a community of fr in the group-wide directory, joins
it, posts in it from its page and sees his post there (relayed by fr's Group back to de);
he leaves it after a confirmation. He creates a community of his own and lands on its
page, with the link to manage it. Screenshots (desktop and 375 px) for a person to look at;
axe-core checks each page."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    all_css,
    by_css,
    screenshot,
    sign_in_with_sso,
)
from tests.e2e.community_support import membership_state, unique
from tests.e2e.test_web_browser import browsers  # noqa: F401 (the module's browsers, reused)
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def bob(group, browsers):  # noqa: F811
    driver = browsers("en-GB,en")
    sign_in_with_sso(driver, group["de"].base, "bob", group["de"].password)
    return driver


@pytest.fixture(scope="module")
def welding(group):
    """A community of fr that anyone in the group joins at once (archived at the end: it
    takes no new members and leaves the demo group's directory as it found it)."""
    fr = group["fr"]
    community = fr.create_community("alice", name="Welding experts", slug=unique("welding"),
                                    description="Filler rods, shielding gases and joints: ask the people who weld.",
                                    tags=["metal", "welding"], openness="free", visibility="group")
    yield community
    fr.api("POST", f"/communities/{community['slug']}/archive", "alice")


def _card(driver, name: str):
    return next((c for c in all_css(driver, "li.comm-item") if name in c.find_element("css selector", "h3").text),
                None)


def _page_has(driver, url: str, text: str, selector: str = "main") -> bool:
    driver.get(url)
    return any(text in element.text for element in all_css(driver, selector))


def test_bob_joins_a_community_of_another_node_from_the_directory_and_posts_in_it(group, bob, welding):
    fr, de = group["fr"], group["de"]
    slug = welding["slug"]
    bob.get(de.base + f"/web/communities?q={slug}")
    card = wait_until(lambda: _card(bob, "Welding experts"), 30, message="the community in de's directory")
    assert "Open" in card.text and "Professional" in card.text and "fr" in card.text and "#metal" in card.text
    assert by_css(bob, 'nav a[aria-current="page"]').text == "Communities"
    screenshot(bob, "communities-directory-desktop")
    screenshot(bob, "communities-directory-375", PHONE)
    assert not accessibility_problems(bob)

    card.find_element("css selector", "button[type=submit]").click()
    wait_until(lambda: "notice=joined" in bob.current_url, 30, message="the community's page after joining")
    page_url = bob.current_url.split("?", 1)[0]
    assert page_url.endswith(f"/web/communities/{slug}@{fr.host}")
    wait_until(lambda: membership_state(fr, slug, de.actor("bob")) == "member", 60, message="bob a member at fr")
    wait_until(lambda: de.db.follows.find_one({"follower": de.actor("bob"), "followee": welding["id"],
                                               "state": "accepted"}), 60, message="the Group's Accept at de")
    wait_until(lambda: _page_has(bob, page_url, "You are a member"), 60, message="the page to say bob is a member")

    text = f"Which filler rod for 316L in Lyon? ({uuid.uuid4().hex[:8]})"
    assert by_css(bob, "#vis-community").is_selected()  # the community's own audience, preselected
    by_css(bob, "#status").send_keys(text)
    by_css(bob, ".compose button[type=submit]").click()
    wait_until(lambda: "notice=posted" in bob.current_url, 30, message="back on the community's page")
    wait_until(lambda: _page_has(bob, page_url, text, "article.status"), 90,
               message="bob's post, relayed by fr's Group, on the community's page at de")
    assert "Welding experts" in by_css(bob, "h1").text and "Filler rods" in by_css(bob, ".comm-head").text
    screenshot(bob, "community-page-desktop")
    screenshot(bob, "community-page-375", PHONE)
    assert not accessibility_problems(bob)
    # it is a post of the community at fr too
    assert wait_until(lambda: fr.db.community_posts.find_one({"community": slug, "raw.content": {"$regex": "316L"}}),
                      30, message="the post among the community's posts at fr")

    # leaving asks first (the state of the shared demo group is restored)
    by_css(bob, 'a[href$="/leave"]').click()
    wait_until(lambda: "/leave" in bob.current_url, 30, message="the confirmation")
    assert "Leave Welding experts?" in by_css(bob, "h1").text
    screenshot(bob, "community-leave-375", PHONE)
    assert not accessibility_problems(bob)
    by_css(bob, "main form button[type=submit]").click()
    wait_until(lambda: "notice=left" in bob.current_url, 30, message="the directory after leaving")
    wait_until(lambda: membership_state(fr, slug, de.actor("bob")) is None, 60, message="bob to have left at fr")


def test_bob_creates_a_community_and_lands_on_its_page_with_the_manage_link(group, bob):
    de = group["de"]
    name = f"Lean office {uuid.uuid4().hex[:6]}"
    bob.get(de.base + "/web/communities")
    by_css(bob, 'a[href="/web/communities/new"]').click()
    wait_until(lambda: bob.current_url.endswith("/web/communities/new"), 30, message="the creation form")
    by_css(bob, "#name").send_keys(name)
    by_css(bob, "#description").send_keys("Kaizen ideas for the offices of Lyon and Köln.")
    by_css(bob, "#tags").send_keys("lean, kaizen")
    by_css(bob, 'label[for="openness-open"]').click()
    screenshot(bob, "community-create-desktop")
    assert not accessibility_problems(bob)
    by_css(bob, "form.comm-create button[type=submit]").click()
    wait_until(lambda: "notice=created" in bob.current_url, 30, message="the new community's page")
    assert by_css(bob, "h1").text == name
    assert "On request" in by_css(bob, ".comm-facts").text
    assert by_css(bob, 'a[href$="/manage"]').text == "Manage"
    slug = bob.current_url.split("/web/communities/", 1)[1].split("?", 1)[0]
    assert de.db.communities.find_one({"_id": slug})["owner"] == de.actor("bob")
    de.api("POST", f"/communities/{slug}/archive", "bob")  # the demo group's directory as it was
