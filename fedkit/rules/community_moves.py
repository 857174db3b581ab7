"""May a moderator move a post from one community to another (issue 12's "move to another
community")? A pure rule, asked by the communities service before it moves anything.

A move must never show a post to people its author did not write it for. So a move is
refused when the target community's readers are wider than the source's:

- visibility ranks ``members`` (hidden) < ``node`` < ``group`` < ``public``
  (fedkit/rules/policy.py): a move to a higher rank is refused;
- a hidden community's post was written for that community's named members: it is never
  moved by a moderator (another hidden community has other members);
- a community that admits partners (people outside the group) may not receive a post
  from one that does not.

The author's agreement is their own act: they post again where the moderator suggests (the
warning they get says why). A move to the same community, to an archived one, or to one
the author is banned from is refused too. Only the community part of a post's addressing
changes: an author who also addressed the public, the group or the node keeps that.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedkit.rules.policy import GROUP, MEMBERS, NODE, PUBLIC

RANK = {MEMBERS: 0, NODE: 1, GROUP: 2, PUBLIC: 3}


@dataclass(frozen=True)
class Side:
    """What the rule needs of a community."""

    slug: str
    visibility: str
    admits_partners: bool = False
    archived: bool = False


def move_refused(source: Side, target: Side, *, author_banned_from_target: bool = False) -> tuple[str, str] | None:
    """None when the move is allowed; otherwise (error code, reason)."""
    if source.slug == target.slug:
        return "same_community", "the post is already in that community"
    if target.archived:
        return "archived", "an archived community takes no posts"
    if author_banned_from_target:
        return "author_banned", "the author is banned from that community"
    if source.visibility == MEMBERS:
        return "wider_audience", ("a hidden community's post was written for its members only; "
                                  "its author may post it again elsewhere")
    if RANK.get(target.visibility, RANK[PUBLIC]) > RANK.get(source.visibility, RANK[MEMBERS]):
        return "wider_audience", (f"a {target.visibility} community has a wider audience than a "
                                  f"{source.visibility} one; its author may post it again there")
    if target.admits_partners and not source.admits_partners:
        return "wider_audience", "that community admits partners from outside the group"
    return None
