"""``make bench`` (8): the web app's pages as a signed-in employee opens them.

On fr (alice, ana) with some content — ``BENCH_WEB_POSTS`` posts by alice and ana through
the client API (public, to the whole group, to the node; alice follows ana), a few
communities (alice a member, a few posts in each) — alice signs in to the web app once
the way a browser does (``/web/login``, the node's password sign-in, back through OAuth
to ``/web/callback``; a requests session keeps the cookie). Then each page is read
``BENCH_WEB_REQUESTS`` times over real HTTP through the gateway, one after another:
the home page's three tabs, a post's page, the communities' directory, ana's profile,
the notifications. Printed: p50 and p95 per page. Set-up is not timed.
"""

from __future__ import annotations

import re
import statistics
import time

import requests

from deploy.processes import Node

WEB_POSTS = 300
WEB_REQUESTS = 50
COMMUNITIES = ("welding", "quality", "lyon_plant")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _settings() -> tuple[int, int]:
    import os

    return (int(os.environ.get("BENCH_WEB_POSTS", str(WEB_POSTS))),
            int(os.environ.get("BENCH_WEB_REQUESTS", str(WEB_REQUESTS))))


def api_token(base: str, username: str, password: str) -> str:
    """A client app's token for ``username`` (the password grant the tests use)."""
    app = requests.post(f"{base}/api/v1/apps", data={"client_name": "bench", "scopes": "read write follow"},
                        timeout=30).json()
    resp = requests.post(f"{base}/oauth/token", data={
        "grant_type": "password", "username": username, "password": password, "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read write follow"}, timeout=30)
    resp.raise_for_status()
    return resp.json()["access_token"]


def web_session(base: str, username: str, password: str) -> requests.Session:
    """A browser's session of the web app: its sign-in, followed as a browser would."""
    browser = requests.Session()
    login = browser.get(f"{base}/web/login", timeout=30)  # -> the node's sign-in page
    assert login.status_code == 200 and CSRF.search(login.text), login.url
    done = browser.post(login.url, data={"username": username, "password": password,
                                         "csrf": CSRF.search(login.text).group(1)}, timeout=30)
    assert done.status_code == 200 and 'class="signout"' in done.text, (done.status_code, done.url)
    return browser


def seed_content(base: str, alice: str, ana: str, posts: int) -> str:
    """Posts, a follow, communities with posts; returns the id of one of alice's posts."""
    http = requests.Session()
    as_alice, as_ana = {"Authorization": f"Bearer {alice}"}, {"Authorization": f"Bearer {ana}"}
    ana_id = http.get(f"{base}/api/v1/accounts/lookup", params={"acct": "ana"}, headers=as_alice,
                      timeout=30).json()["id"]
    http.post(f"{base}/api/v1/accounts/{ana_id}/follow", headers=as_alice, timeout=30).raise_for_status()
    visibilities = ("public", "group", "node", "unlisted")
    first = ""
    for i in range(posts):
        resp = http.post(f"{base}/api/v1/statuses", headers=as_ana if i % 2 else as_alice, timeout=30,
                         data={"status": f"Post {i}: the weekly figures of the plant are in, #figures",
                               "visibility": visibilities[i % len(visibilities)]})
        resp.raise_for_status()
        first = first or resp.json()["id"]
    for slug in COMMUNITIES:
        resp = http.post(f"{base}/communities", headers=as_ana, timeout=30,
                         json={"name": slug.replace("_", " ").title(), "slug": slug, "openness": "free",
                               "visibility": "group", "description": f"All about {slug}"})
        assert resp.status_code == 201, resp.text
        group = resp.json()["id"]
        http.post(f"{base}/users/alice/outbox", headers=as_alice, timeout=30,
                  json={"type": "Follow", "object": group}).raise_for_status()
        for i in range(5):
            http.post(f"{base}/users/ana/outbox", headers=as_ana, timeout=30,
                      json={"type": "Note", "content": f"News {i} of {slug}", "to": [group]}).raise_for_status()
    # a notification or two for alice
    http.post(f"{base}/api/v1/statuses/{first}/favourite", headers=as_ana, timeout=30).raise_for_status()
    return first


def timed(browser: requests.Session, url: str, count: int) -> list[float]:
    browser.get(url, timeout=30).raise_for_status()  # warm: caches, connections
    out = []
    for _ in range(count):
        start = time.perf_counter()
        resp = browser.get(url, timeout=30)
        out.append(time.perf_counter() - start)
        assert resp.status_code == 200, (url, resp.status_code)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def bench_web_pages(nodes: dict[str, Node], password: str) -> None:
    posts, requests_ = _settings()
    base = nodes["fr"].spec.base_url
    alice, ana = api_token(base, "alice", password), api_token(base, "ana", password)
    start = time.perf_counter()
    status_id = seed_content(base, alice, ana, posts)
    print(f"\n(8) the web app's pages for a signed-in employee on fr ({nodes['fr'].layout} layout), "
          f"{requests_} GETs each through the gateway, one at a time "
          f"(set-up: {posts} posts, {len(COMMUNITIES)} communities in {time.perf_counter() - start:.0f} s)",
          flush=True)
    browser = web_session(base, "alice", password)
    pages = {"home (following)": "/web/home", "home (my company)": "/web/home?tab=node",
             "home (whole group)": "/web/home?tab=group", "a post": f"/web/statuses/{status_id}",
             "communities": "/web/communities", "a profile (ana)": "/web/@ana",
             "notifications": "/web/notifications"}
    for name, path in pages.items():
        took = timed(browser, base + path, requests_)
        print(f"    {name:<20} p50 {statistics.median(took) * 1000:6.0f} ms   p95 {p95(took) * 1000:6.0f} ms",
              flush=True)
