"""The rule of moving a post to another community (fedkit/rules/community_moves.py): never
to a wider audience than the one the author wrote for."""

from __future__ import annotations

import pytest

from fedkit.rules.community_moves import Side, move_refused


@pytest.mark.parametrize(("source", "target"), [("public", "group"), ("group", "group"), ("group", "node"),
                                                ("node", "node"), ("public", "members"), ("node", "members")])
def test_a_move_to_an_audience_no_wider_is_allowed(source, target):
    assert move_refused(Side("a", source), Side("b", target)) is None


@pytest.mark.parametrize(("source", "target"), [("members", "public"), ("members", "members"), ("members", "node"),
                                                ("node", "group"), ("group", "public"), ("node", "public")])
def test_a_move_to_a_wider_audience_is_refused(source, target):
    assert move_refused(Side("a", source), Side("b", target))[0] == "wider_audience"


def test_partners_same_community_archive_and_bans():
    assert move_refused(Side("a", "group"), Side("b", "group", admits_partners=True))[0] == "wider_audience"
    assert move_refused(Side("a", "group", admits_partners=True), Side("b", "group", admits_partners=True)) is None
    assert move_refused(Side("a", "group"), Side("a", "group"))[0] == "same_community"
    assert move_refused(Side("a", "group"), Side("b", "node", archived=True))[0] == "archived"
    assert move_refused(Side("a", "group"), Side("b", "node"), author_banned_from_target=True)[0] == "author_banned"
