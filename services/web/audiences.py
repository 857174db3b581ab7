"""Who will see a post, in plain words, for each visibility the node offers
(``/api/v1/instance``: Mastodon's four, Archipel's ``group`` and ``node``)."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l

# The order the composer offers them in: the widest inside the group first.
WORDS = {
    "group": (_l("The whole group"),
              _l("Every employee of every company in the group. It never leaves the group.")),
    "node": (_l("My company"),
             _l("Only the people of this node (%(node)s). It is never sent to other nodes.")),
    "private": (_l("My followers"), _l("Only the people who follow you.")),
    "direct": (_l("Only the people I mention"), _l("Only the people named with @ in the post.")),
    "public": (_l("Public"),
               _l("Anyone, also outside the group and on other servers. The data-loss rules apply.")),
    "unlisted": (_l("Public, quietly"),
                 _l("Anyone with the link, but it stays out of the streams. The data-loss rules apply.")),
}
DEFAULT = "group"


def offered(instance: dict, node_name: str) -> list[dict]:
    """The visibilities the node offers, each with its label and explanation."""
    names = (instance.get("archipel") or {}).get("visibilities") or ["public", "unlisted", "private", "direct"]
    return [{"value": name, "label": str(WORDS[name][0]), "explanation": str(WORDS[name][1]) % {"node": node_name}}
            for name in WORDS if name in names]


def label(visibility: str) -> str:
    return str(WORDS[visibility][0]) if visibility in WORDS else visibility


def default(options: list[dict]) -> str:
    """The composer's preselected audience: the user's default (``g.audience``, from their
    preferences: services/web/settings_cache.py) where offered, else the group."""
    values = [o["value"] for o in options]
    if g.get("audience") in values:
        return g.audience
    return DEFAULT if DEFAULT in values else (values[0] if values else "public")
