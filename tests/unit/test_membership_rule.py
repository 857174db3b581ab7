"""A dynamic community's membership rule (services/communities/membership_rule.py): what
a valid rule is, whom it matches, and what reconciling changes — and never changes."""

from __future__ import annotations

import pytest

from services.communities.membership_rule import RULE, Standing, matches, plan, validated

FR, DE = "http://fr.test", "http://de.test"
ANNA, BEN, CLARA, DAN = (f"{FR}/users/anna", f"{DE}/users/ben", f"{FR}/users/clara", f"{DE}/users/dan")


def test_a_rule_is_an_and_of_directory_attributes_tidied_as_stored():
    assert validated({"department": "  Finance ", "entity": "fr"}) == {"department": "Finance", "entity": "fr"}
    assert validated({"skill": "cost   accounting"}) == {"skill": "cost accounting"}
    assert validated(None) is None and validated({}) is None  # no rule: an ordinary community


@pytest.mark.parametrize(("rule", "reason"), [
    (["department", "Finance"], "an object of directory attributes"),
    ("department=Finance", "an object of directory attributes"),
    ({"salary": "high"}, "unknown attribute salary"),
    ({"department": ""}, "needs a value"),
    ({"department": "   "}, "needs a value"),
    ({"department": 12}, "needs a value"),
    ({"department": "x" * 101}, "needs a value"),
])
def test_a_wrong_rule_is_refused_with_its_reason(rule, reason):
    with pytest.raises(ValueError, match=reason):
        validated(rule)


def test_a_person_matches_when_every_attribute_is_theirs_whatever_the_case():
    person = {"department": "Finance", "entity": "Archipel FR", "skills": ["audit", "IFRS"]}
    assert matches({"department": "finance"}, person)
    assert matches({"department": "Finance", "entity": "archipel fr"}, person)
    assert matches({"skill": "ifrs"}, person)  # any of their skills
    assert not matches({"department": "Finance", "entity": "Archipel DE"}, person)  # AND, not OR
    assert not matches({"location": "Lyon"}, person)  # a part they do not have
    assert not matches({"department": "Fin"}, person)  # equality, not a prefix


def _member(actor, source=RULE, role="member", state="member"):
    return Standing(actor, state, role, source)


def test_reconciling_adds_whom_the_rule_finds_and_removes_whom_it_made_and_lost():
    done = plan({ANNA, BEN}, [_member(BEN), _member(CLARA)], set())
    assert (done.add, done.remove) == ([ANNA], [CLARA])


def test_reconciling_never_touches_what_people_or_managers_did():
    standings = [_member(ANNA, source=None),  # joined by hand
                 _member(BEN, role="moderator"),  # the rule took him in, a manager made him staff
                 _member(CLARA, state="banned", source=None),  # banned: never added back
                 _member(DAN, state="pending", source=None)]  # asked to join: the managers answer
    done = plan({CLARA, DAN}, standings, set())
    assert (done.add, done.remove) == ([], [])


def test_nobody_is_removed_for_a_node_that_did_not_answer():
    done = plan({ANNA}, [_member(BEN), _member(CLARA)], {DE})
    assert (done.add, done.remove) == ([ANNA], [CLARA])  # ben's node (de) is unknown this time, not empty
