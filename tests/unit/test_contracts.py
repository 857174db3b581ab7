"""The declared service contracts (fedkit/contracts): each path written once and served
by its service, typed clients over the node's transport, identity headers from one
function, and `make lint`'s check that no internal path is written anywhere else."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from deploy import lint_contracts
from fedkit.contracts import path_of
from fedkit.contracts.communities import CommunitiesClient
from fedkit.contracts.identity import Account, IdentityClient
from fedkit.contracts.inbox import InboxClient
from fedkit.runtime import inproc
from fedkit.runtime.config import Config
from fedkit.runtime.internal import (
    INTERNAL,
    SCOPES,
    SIGNER,
    USER,
    VIEWER,
    InternalClient,
    identity_headers,
)

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://fr.test"
SECRET = "contracts-secret-0123456789"
CONTRACTS = ("identity", "inbox", "outbox", "communities")


def test_no_internal_path_is_written_outside_the_contracts():
    assert lint_contracts.violations(ROOT) == []
    assert lint_contracts.unprotected_http_modules(ROOT) == []


def test_the_check_sees_plain_and_formatted_literals_but_not_docstrings():
    source = '''"""The module names /internal/stats in its docstring."""
def f(name):
    """So may a function: /internal/accounts/<username>."""
    # and a comment: "/internal/inbox"
    a = "/internal/stats"
    b = f"/internal/accounts/{name}"
    return "/internals-are-fine", "/internalise"

def g(internal, slug, session):
    internal.request("GET", "communities", f"/communities/{slug}")  # a public path, still internal
    internal.get_json("inbox", path_of(FOLLOWERS, username="alice"))
    session.request("GET", url), internal.get_json(SERVICE, FOLLOWERS)  # not literals: not seen
'''
    assert sorted(line for line, _ in lint_contracts.violations_in(source)) == [5, 6, 10, 11]


def test_a_module_with_routes_must_be_protected(tmp_path):
    (tmp_path / "services" / "x").mkdir(parents=True)
    (tmp_path / "services" / "x" / "views.py").write_text('bp = Blueprint("x", __name__)\n')
    (tmp_path / "services" / "x" / "rules.py").write_text("RULES = []\n")
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.importlinter.contracts]]\nname = "n"\ntype = "protected"\nprotected_modules = []\n')
    assert [line.split(":")[0] for line in lint_contracts.unprotected_http_modules(tmp_path)] == \
        ["services/x/views.py"]


def test_a_rule_gives_its_path():
    assert path_of("/internal/accounts/<username>/profile", username="alice") == "/internal/accounts/alice/profile"
    assert path_of("/internal/accounts/<username>/<any(deactivate, reactivate):change>",
                   username="bob", change="deactivate") == "/internal/accounts/bob/deactivate"
    assert path_of("/communities/<slug>", slug="a/../b c") == "/communities/a%2F..%2Fb%20c"  # one segment


def test_identity_headers_are_built_in_one_place():
    assert identity_headers(secret="s", signer="https://x/a", user="alice", scopes="read", viewer="local") == {
        INTERNAL: "s", SIGNER: "https://x/a", USER: "alice", SCOPES: "read", VIEWER: "local"}
    assert identity_headers(secret="s", signer=None, user="", viewer="anonymous") == {
        INTERNAL: "s", VIEWER: "anonymous"}  # absent, not empty


def _service_app(service: str, db, infra):
    module = importlib.import_module(f"services.{service}.app")
    config = {"mongodb_uri": infra.mongodb_uri, "db_name": db, "dev_mode": True, "internal_secret": SECRET,
              "secret_key": "s" * 32, "base_url": BASE, "group_registry": ""}
    if service in ("inbox", "outbox"):
        return module.create_app(config, broker=object())
    return module.create_app(config)


@pytest.mark.parametrize("service", CONTRACTS)
def test_every_path_of_a_contract_is_routed_by_its_service(service, db, infra):
    contract = importlib.import_module(f"fedkit.contracts.{service}")
    paths = {name: value for name, value in vars(contract).items()
             if name.isupper() and isinstance(value, str) and value.startswith("/")}
    assert paths and contract.SERVICE == service
    rules = {rule.rule for rule in _service_app(service, db, infra).url_map.iter_rules()}
    assert {name: path for name, path in paths.items() if path not in rules} == {}


@pytest.fixture
def compact(db, infra):
    """Identity, inbox and communities mounted in-process, as in the compact layout."""
    config = Config(base_url=BASE, dev_mode=True, internal_secret=SECRET, mongodb_uri=infra.mongodb_uri, db_name=db,
                    identity_url="http://identity.inproc", inbox_url="http://inbox.inproc",
                    communities_url="http://communities.inproc")
    for service in ("identity", "inbox", "communities"):
        inproc.mount(getattr(config, f"{service}_url"), _service_app(service, db, infra))
    try:
        yield InternalClient(config)
    finally:
        inproc.unmount_all()


def test_typed_clients_over_the_compact_layouts_transport(compact):
    from services.identity.accounts import create_account
    from services.inbox.models import FollowRelation

    create_account(Config(base_url=BASE, db_name="unused"), "alice", display_name="Alice", locked=True)
    identity = IdentityClient(compact)
    alice = identity.account("alice")
    assert alice == Account(username="alice", display_name="Alice", locked=True, suspended=False,
                            roles=(), signs_in_with_group=False)
    assert identity.account("nobody") is None and identity.active_account("nobody") is None
    assert identity.introspect("no-such-token") == {"active": False}
    assert identity.person("alice")["id"] == f"{BASE}/users/alice"

    FollowRelation(follower="http://de.test/users/bob", followee=f"{BASE}/users/alice", state="accepted").save()
    inbox = InboxClient(compact)
    assert inbox.followers("alice") == ["http://de.test/users/bob"]
    assert inbox.is_follower("alice", "http://de.test/users/bob") is True
    assert inbox.follows_accepted("http://de.test/users/carol", f"{BASE}/users/alice") is False
    assert inbox.follow_request("http://de.test/activities/none") is None

    communities = CommunitiesClient(compact)
    assert communities.admission(f"{BASE}/communities/none", "", "anonymous").admits is False
    assert communities.webfinger("none", "", "anonymous") is None
    assert communities.document_as_seen_by("none", "alice") is None
