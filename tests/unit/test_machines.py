"""The declared state machines (fedkit/runtime/leases.py): every transition of each, allowed and
refused; checked moves and sweeps of what is due against the real embedded database; and
no state written as a string literal outside the declarations."""

from __future__ import annotations

import ast
import itertools
import pathlib

import pytest

from fedkit.rules.policy import SEEING_STATES
from fedkit.runtime import leases
from services.communities import models as cm
from services.inbox import models as im
from services.outbox import models as om

A = leases.ABSENT
# What each machine allows, written out (strings, not the constants: a second witness).
ALLOWED = {
    "inbound activity": {("received", "processed"), ("received", "ignored"), ("received", "failed")},
    "fan-out": {("pending", "done")},
    "delivery": {(a, b) for a in ("queued", "retrying") for b in ("delivered", "retrying", "failed")},
    "held post": {(A, "held"), ("held", "releasing"), ("releasing", "released"), ("releasing", "failed"),
                  ("releasing", "rejected"), ("releasing", "held")},
    "membership": {(A, "member"), (A, "pending"), (A, "invited"), (A, "banned"),
                   ("pending", "member"), ("pending", "pending"), ("pending", "invited"), ("pending", "banned"),
                   ("pending", A),
                   ("invited", "member"), ("invited", "invited"), ("invited", "banned"), ("invited", A),
                   ("member", "member"), ("member", "banned"), ("member", A),
                   ("banned", "banned"), ("banned", A)},
    "poll ending": {(A, "running"), ("running", "ended")},
}
STATES = {
    "inbound activity": {"received", "processed", "ignored", "failed"},
    "fan-out": {"pending", "done"},
    "delivery": {"queued", "retrying", "delivered", "failed"},
    "held post": {"held", "releasing", "released", "rejected", "failed"},
    "membership": {"member", "pending", "invited", "banned"},
    "poll ending": {"running", "ended"},
}


def test_every_machine_is_declared_and_listed():
    declared = leases.machines()
    assert set(ALLOWED) <= set(declared)
    assert (declared["inbound activity"], declared["fan-out"], declared["delivery"], declared["held post"],
            declared["membership"]) == (im.INBOUND, om.FANOUT, om.DELIVERY, om.HELD_POST, cm.MEMBERSHIP)
    for name, states in STATES.items():
        assert set(declared[name].states) == states, name


def _table():
    for name in sorted(ALLOWED):
        everything = [A, *sorted(STATES[name])]
        for current, new in itertools.product(everything, everything):
            yield pytest.param(name, current, new, (current, new) in ALLOWED[name],
                               id=f"{name}:{current or 'absent'}->{new or 'absent'}")


@pytest.mark.parametrize(("name", "current", "new", "allowed"), list(_table()))
def test_transition_table(name, current, new, allowed):
    machine = leases.machines()[name]
    assert machine.allows(current, new) is allowed
    if allowed:
        machine.check(current, new)
    else:
        with pytest.raises(leases.TransitionError):
            machine.check(current, new)


def test_a_machine_cannot_declare_a_move_to_an_undeclared_state():
    with pytest.raises(ValueError, match="undeclared"):
        leases.Machine("broken", om.HeldPost, {"a": {"b"}})
    assert "broken" not in leases.machines()


def test_the_seeing_states_of_the_policy_are_the_declared_ones():
    assert set(SEEING_STATES) == set(cm.SEEING) <= set(cm.MEMBERSHIP.states)


# -- checked moves, stored ------------------------------------------------------------------

def _held(**fields) -> om.HeldPost:
    return om.HELD_POST.create(om.HELD, held_id=fields.pop("held_id", "h1"), author="http://n.test/users/a",
                               username="a", request_json="{}", post_json="{}", activity_type="Create",
                               rule="r", message="m", **fields)


def test_a_refused_held_post_move_raises_and_writes_nothing(db):
    held = _held()
    with pytest.raises(leases.TransitionError):
        om.HELD_POST.move(held, om.RELEASED, activity_id="x")
    stored = om.HeldPost.objects.get(held_id="h1")
    assert (stored.state, stored.activity_id) == ("held", None)


def test_two_decisions_on_a_held_post_one_wins(db):
    _held()
    first, second = om.HeldPost.objects.get(held_id="h1"), om.HeldPost.objects.get(held_id="h1")
    assert om.HELD_POST.move(first, om.RELEASING, decided_by="admin1")
    assert not om.HELD_POST.move(second, om.RELEASING, decided_by="admin2")  # read as held, no longer held
    assert om.HELD_POST.move(first, om.HELD, unset=("decided_by",))  # given back
    stored = om.HeldPost.objects.get(held_id="h1")
    assert (stored.state, stored.decided_by) == ("held", None)
    assert om.HELD_POST.create(om.HELD, held_id="h1", author="x", username="x", request_json="{}",
                               post_json="{}", activity_type="Create", rule="r", message="m") is None


def test_membership_moves_are_checked_and_stored(db):
    follow = {"type": "Follow", "actor": "http://r.test/u", "$weird": {"a.b": 1}}  # stored escaped, read back
    pending = cm.set_membership(None, cm.PENDING, community="c", actor="http://r.test/u", follow=follow)
    assert pending is not None and cm.set_membership(None, cm.PENDING, community="c", actor="http://r.test/u") is None
    member = cm.set_membership(pending, cm.MEMBER, community="c", actor="http://r.test/u", follow=follow)
    stored = cm.Membership.objects.get(community="c", actor="http://r.test/u")
    assert member is not None and stored.state == "member" and stored.follow == follow
    banned = cm.set_membership(stored, cm.BANNED, community="c", actor="http://r.test/u")
    with pytest.raises(leases.TransitionError):  # a ban is lifted by unbanning, not by joining
        cm.set_membership(banned, cm.MEMBER, community="c", actor="http://r.test/u")
    assert cm.Membership.objects.get(community="c", actor="http://r.test/u").state == "banned"
    assert cm.MEMBERSHIP.move(banned, cm.ABSENT)
    assert cm.Membership.objects(community="c").count() == 0


def test_partner_expiry_sweeps_use_the_migrated_indexes(db, monkeypatch):
    """What partners.py asks (captured from due_by) is served by an index scan."""
    from services.communities import partners

    asked = []
    real = cm.MEMBERSHIP.due_by
    monkeypatch.setattr(cm.MEMBERSHIP, "due_by", lambda *a, **k: asked.append((a, k)) or real(*a, **k))
    partners.expire_partners(type("C", (), {"partner_expiry_notice_days": 7})(), internal=None)
    assert len(asked) == 2
    for (field, before), options in asked:
        for state in options["states"]:
            query = {"state": state, **options.get("where", {}), field: {"$lte": before}}
            plan = cm.Membership._get_collection().find(query).explain()["queryPlanner"]["winningPlan"]
            assert plan["stage"] == "FETCH" and plan["inputStage"]["stage"] == "IXSCAN", plan
            assert list(plan["inputStage"]["keyPattern"]) == list(query), plan


def test_the_dormancy_sweep_uses_an_index(db):
    from services.communities.dormancy import newly_dormant

    query = newly_dormant(leases.now())._query
    plan = cm.Community._get_collection().find(query).explain()["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "FETCH" and plan["inputStage"]["stage"] == "IXSCAN", plan
    assert list(plan["inputStage"]["keyPattern"]) == list(query), plan


# -- no state literal outside the declarations ----------------------------------------------

ROOT = pathlib.Path(__file__).resolve().parents[2]
DECLARING = {"services/inbox/models.py", "services/outbox/models.py", "services/communities/models.py"}
HANDLER_RESULTS = ("services/inbox/handlers/", "services/inbox/processing.py")


def _state_literals(source: str, rel: str, states: set[str]) -> list[str]:
    """String constants that are states, where a state is written, compared or returned
    (``rel``: the module's path; an inbox handler's result is the activity's state)."""
    tree = ast.parse(source)
    found = []

    def literals(node):
        return [n for n in ast.walk(node) if isinstance(n, ast.Constant) and n.value in states]

    def is_state(node) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr in ("state", "fanout")) or \
            (isinstance(node, ast.Name) and node.id == "state")

    for node in ast.walk(tree):
        hits = []
        if isinstance(node, ast.keyword) and node.arg and "state" in node.arg:
            hits = literals(node.value)
        elif isinstance(node, ast.Dict):
            hits = [v for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "state" for v in literals(v)]
        elif isinstance(node, ast.Compare) and any(is_state(n) for n in (node.left, *node.comparators)):
            hits = literals(node)
        elif isinstance(node, ast.Assign) and any(is_state(t) for t in node.targets):
            hits = literals(node.value)
        elif isinstance(node, ast.Return) and node.value is not None and rel.startswith(HANDLER_RESULTS):
            hits = literals(node.value)
        found += [f"{rel}:{hit.lineno}: {hit.value!r}" for hit in hits]
    return found


def test_no_state_literal_outside_the_declarations():
    states = {s for machine in leases.machines().values() for s in machine.states}
    states |= {im.FOLLOW_PENDING, im.FOLLOW_ACCEPTED}
    scattered = [hit for path in sorted((ROOT / "services").rglob("*.py"))
                 if path.relative_to(ROOT).as_posix() not in DECLARING
                 for hit in _state_literals(path.read_text(), path.relative_to(ROOT).as_posix(), states)]
    assert scattered == []


def test_the_literal_finder_finds_each_kind_of_literal():
    sample = ('def f(x, state):\n    x.update(set__state="held")\n    if x.state == "member":\n'
              '        return "processed"\n    q = {"state": "queued", "other": "done"}\n    state = "done"\n'
              '    return "pending"\n')
    states = {"held", "member", "processed", "queued", "done", "pending"}
    in_handler = _state_literals(sample, "services/inbox/handlers/x.py", states)
    assert sorted(hit.split(": ")[1] for hit in in_handler) == sorted(
        ["'held'", "'member'", "'processed'", "'queued'", "'done'", "'pending'"])
    assert len(_state_literals(sample, "services/outbox/x.py", states)) == 4  # returns are not states there


# -- every move written in the code is declared ---------------------------------------------

UNRESOLVED = object()


def _moves_in_code():
    """(place, machine, target state) of each engine move in services/: ``M.create(S)``,
    ``M.move(doc, S)``, ``M.finish(doc, S)`` and the helpers ``transition`` (deliveries) and
    ``set_membership``; S resolved in the calling module (UNRESOLVED when it is a variable)."""
    import importlib

    machines = {"INBOUND": im.INBOUND, "FANOUT": om.FANOUT, "DELIVERY": om.DELIVERY, "HELD_POST": om.HELD_POST,
                "MEMBERSHIP": cm.MEMBERSHIP, "POLL_ENDING": im.POLL_ENDING}
    helpers = {"transition": om.DELIVERY, "set_membership": cm.MEMBERSHIP}
    for path in sorted((ROOT / "services").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        module = importlib.import_module(rel[:-3].replace("/", "."))
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func, machine, arg = node.func, None, None
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in machines:
                machine = machines[func.value.id]
                position = {"create": 0, "move": 1, "finish": 1}.get(func.attr)
                arg = node.args[position] if position is not None and len(node.args) > position else None
            elif isinstance(func, ast.Name) and func.id in helpers and len(node.args) > 1:
                machine, arg = helpers[func.id], node.args[1]
            if machine is None or arg is None:
                continue
            state = getattr(module, arg.id, UNRESOLVED) if isinstance(arg, ast.Name) else \
                arg.value if isinstance(arg, ast.Constant) else UNRESOLVED
            yield f"{rel}:{node.lineno}", machine, state


def test_every_move_in_the_code_goes_to_a_declared_target():
    moves = list(_moves_in_code())
    assert len(moves) >= 30  # the finder sees the code's moves
    targets = {machine.name: {s for to in machine.transitions.values() for s in to} for machine in
               leases.machines().values()}
    undeclared = [f"{place}: {machine.name} -> {state}" for place, machine, state in moves
                  if state is not UNRESOLVED and state not in targets[machine.name]]
    assert undeclared == []
    resolved = [state for _, _, state in moves if state is not UNRESOLVED]
    assert len(resolved) >= 25  # only a few are variables (a handler's result)
