"""What an app's ``public`` and ``unlisted`` mean on this node.

Mastodon apps know four visibilities; a node of a group may want what its employees post
"to everyone" from an app to stay inside the group (or the node) whatever the app offers.
``ARCHIPEL_API_PUBLIC_MEANS`` (``public``, ``group`` or ``node``) decides it; ``unlisted``
(public addressing, out of the public timelines) follows ``public``, since it leaves the
group just as much. The status answered reports the visibility actually applied, and
``/api/v1/instance`` says what the node does (the ``archipel`` extension).
"""

from __future__ import annotations

from fedkit.runtime.config import Config
from services.api.converter import GROUP_VISIBILITY, NODE_VISIBILITY, PUBLIC, UNLISTED

MAPPED = (PUBLIC, UNLISTED)
CHOICES = (PUBLIC, GROUP_VISIBILITY, NODE_VISIBILITY)  # fedkit/runtime/config.py checks the setting


def public_means(config: Config) -> str:
    return config.api_public_means or PUBLIC


def applied(visibility: str, config: Config) -> str:
    """The visibility a new status gets when an app asks for ``visibility``."""
    if visibility in MAPPED and public_means(config) != PUBLIC:
        return public_means(config)
    return visibility


def described(config: Config) -> dict[str, str]:
    """{asked: applied} for the visibilities this node maps (the instance document says it)."""
    return {visibility: applied(visibility, config) for visibility in MAPPED}
