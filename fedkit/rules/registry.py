"""The group registry: which nodes are "inside" the group.

A JSON file named by ``ARCHIPEL_GROUP_REGISTRY`` (a ConfigMap in production), the
same on every member node::

    {"name": "demo",
     "audience": "urn:archipel:group:demo",
     "identity_provider": "https://idp.example/.well-known/openid-configuration",
     "departed_content": "keep",
     "nodes": [{"name": "fr", "base_url": "https://fr.example", "instance_actor": "https://fr.example/actor"},
               ...],
     "charter": "charter.md"}

``charter`` (optional) names the group's usage charter, a Markdown file (a path relative
to the registry's folder, or absolute): every member node shows it and asks its employees
to accept it (fedkit/rules/charter.py).

Everything whose origin (scheme, host, port) is not a member node's is outside:
partners and the public fediverse. A node without a registry is a group of one.

``departed_content`` (``keep``, the default, or ``hide``) is what a closed account's posts
become on every node (services/identity/lifecycle.py): with ``keep`` its public, group, node
and community posts stay readable, attributed to a former employee (its followers-only and
direct posts are hidden all the same); with ``hide`` nothing it wrote is shown.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from fedkit.runtime.config import Config


def origin_of(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


# What a closed account's content becomes (``departed_content``).
KEEP = "keep"
HIDE = "hide"
DEPARTED_CONTENT = (KEEP, HIDE)


@dataclass(frozen=True)
class MemberNode:
    name: str
    base_url: str
    instance_actor: str


@dataclass(frozen=True)
class GroupRegistry:
    name: str
    audience: str  # the IRI a post addresses to reach the whole group (and only it)
    nodes: tuple[MemberNode, ...]
    identity_provider: str | None = None  # the group's OpenID provider, by its discovery URL
    departed_content: str = KEEP  # KEEP or HIDE: see the module docstring
    charter: str | None = None  # the group's usage charter: the path of its Markdown file

    @property
    def keeps_departed_content(self) -> bool:
        return self.departed_content == KEEP

    def is_inside(self, iri: str | None) -> bool:
        """Is this actor or object id on a member node?"""
        origin = origin_of(iri)
        return bool(origin) and any(origin == origin_of(n.base_url) for n in self.nodes)

    def node_of(self, iri: str | None) -> MemberNode | None:
        origin = origin_of(iri)
        return next((n for n in self.nodes if origin and origin == origin_of(n.base_url)), None)

    def node_named(self, name: str) -> MemberNode | None:
        return next((n for n in self.nodes if n.name == name), None)

    def is_instance_actor(self, iri: str | None) -> bool:
        return any(iri == n.instance_actor for n in self.nodes)


class RegistryError(ValueError):
    pass


def _parse(data: dict, folder: str = "") -> GroupRegistry:
    try:
        charter = data.get("charter") or None
        if charter is not None:
            charter = os.path.join(folder, str(charter))
        nodes = tuple(MemberNode(name=str(n["name"]), base_url=str(n["base_url"]).rstrip("/"),
                                 instance_actor=str(n.get("instance_actor") or n["base_url"].rstrip("/") + "/actor"))
                      for n in data["nodes"])
        departed = data.get("departed_content") or KEEP
        if departed not in DEPARTED_CONTENT:
            raise RegistryError(f"departed_content must be one of {DEPARTED_CONTENT}, not {departed!r}")
        return GroupRegistry(name=str(data["name"]), audience=str(data["audience"]), nodes=nodes,
                             identity_provider=data.get("identity_provider") or None, departed_content=departed,
                             charter=charter)
    except (KeyError, TypeError, AttributeError) as exc:
        raise RegistryError(f"the group registry is malformed: {exc!r}") from None


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> GroupRegistry:
    with open(path, encoding="utf-8") as fh:
        return _parse(json.load(fh), os.path.dirname(os.path.abspath(path)))


def load_registry(config: Config) -> GroupRegistry:
    """The registry of this node's group (re-read when the file changes)."""
    if not config.group_registry:
        return GroupRegistry(name=config.node_name, audience=f"urn:archipel:group:{config.node_name}",
                             nodes=(MemberNode(config.node_name, config.base_url, config.base_url + "/actor"),))
    return _load(config.group_registry, os.stat(config.group_registry).st_mtime)


def write_registry(path, name: str, nodes: list[tuple[str, str]], identity_provider: str | None = None,
                   departed_content: str = KEEP, charter: str | None = None) -> None:
    """Write a registry file for member nodes given as (name, base_url) (demo and tests)."""
    data = {"name": name, "audience": f"urn:archipel:group:{name}", "identity_provider": identity_provider,
            "departed_content": departed_content,
            "nodes": [{"name": n, "base_url": url, "instance_actor": f"{url}/actor"} for n, url in nodes]}
    if charter:
        data["charter"] = str(charter)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
