"""The lease/claim/sweep engine against the real embedded database (SecantusDB)."""

from __future__ import annotations

import datetime as dt
import time

import mongoengine as me
import pytest

from fedkit.runtime import leases
from fedkit.runtime.db import Document
from tests.plugin import wait_until


class Task(Document):
    meta = {"collection": "lease_tasks", "indexes": [("state", "due")]}
    key = me.StringField(primary_key=True)
    state = me.StringField(default="waiting")
    due = me.DateTimeField(default=leases.nudged_until)
    holder = me.StringField(default=leases.QUEUED)
    attempts = me.IntField(default=0)
    note = me.StringField()


TASK = leases.Machine("task", Task, {"waiting": {"retrying", "done"}, "retrying": {"retrying", "done"},
                                     "done": set()}, due_field="due")


@pytest.fixture
def tasks(db):
    Task.ensure_indexes()


def other_process(monkeypatch, name: str = "elsewhere:1:dead"):
    import os

    monkeypatch.setattr(leases, "_token", (os.getpid(), name))


def test_a_nudged_task_is_claimed_once_and_finished_along_declared_moves(tasks):
    Task(key="a").save()
    first = TASK.claim("a")
    assert first is not None and first.attempts == 1 and first.holder == leases.holder_token()
    assert TASK.claim("a") is None  # a second message for it: no second run
    with pytest.raises(leases.TransitionError):
        TASK.finish(first, "waiting")
    assert TASK.finish(first, "done", note="ok")
    stored = Task.objects.get(key="a")
    assert (stored.state, stored.note, stored.holder) == ("done", "ok", "")
    assert TASK.claim("a") is None
    with pytest.raises(leases.TransitionError):
        TASK.finish(stored, "retrying")


def test_a_task_scheduled_later_is_not_taken_early(tasks):
    Task(key="b", holder="", due=leases.now() + dt.timedelta(hours=1)).save()
    assert TASK.claim("b") is None and TASK.due() == []
    Task.objects(key="b").update_one(set__due=leases.now())
    assert TASK.claim("b") is not None


def test_sweep_nudges_what_is_due_once_per_lease(tasks):
    for key in ("c1", "c2"):
        Task(key=key, holder="", due=leases.now() - dt.timedelta(seconds=1)).save()
    Task(key="c3").save()  # just created with its queue message: not swept
    sent: list[str] = []
    assert TASK.sweep(sent.append) == 2 and sorted(sent) == ["c1", "c2"]
    assert TASK.sweep(sent.append) == 0  # still on its way: no flood of duplicates
    assert Task.objects.get(key="c1").holder == leases.QUEUED
    # The message was lost (Redis restarted): after one lease it is nudged again.
    Task.objects(key="c1").update_one(set__due=leases.now() - dt.timedelta(seconds=1))
    assert TASK.sweep(sent.append) == 1 and sent[-1] == "c1"
    assert TASK.claim("c1") is not None


def test_what_a_killed_worker_held_is_taken_again_after_its_lease(tasks, monkeypatch):
    Task(key="d").save()
    other_process(monkeypatch)
    assert TASK.claim("d", lease_seconds=0.3) is not None  # ... then that process is killed -9
    monkeypatch.setattr(leases, "_token", None)
    assert TASK.claim("d") is None and TASK.due() == []
    claimed_at = time.monotonic()
    sent: list[str] = []
    wait_until(lambda: TASK.sweep(sent.append), timeout=5, interval=0.05, message="the lapsed lease to be swept")
    assert time.monotonic() - claimed_at >= 0.25 and sent == ["d"]
    again = TASK.claim("d")
    assert again is not None and again.attempts == 2
    # The dead worker's late write (if it was only slow) loses: the task has a new holder.
    stale = Task.objects.get(key="d")
    stale.holder = "elsewhere:1:dead"
    assert not TASK.finish(stale, "done")
    assert TASK.finish(again, "done")


def test_heartbeat_keeps_a_working_lease(tasks):
    Task(key="e").save()
    held = TASK.claim("e", lease_seconds=0.5)
    assert TASK.heartbeat(lease_seconds=60) == 1
    assert Task.objects.get(key="e").due > leases.now() + dt.timedelta(seconds=50)
    TASK.reschedule(held, leases.now())  # given back: due now, no longer renewed
    assert TASK.heartbeat() == 0 and TASK.due() == ["e"]


def test_run_single_cycle_runs_what_is_queued_or_due(tasks):
    Task(key="f1").save()  # just created, its message on the way
    Task(key="f2", holder="", due=leases.now()).save()  # due
    Task(key="f3", holder="", due=leases.now() + dt.timedelta(hours=1)).save()  # a retry, later

    def handle(key: str):
        task = TASK.claim(key)
        return task and TASK.finish(task, "done")

    assert leases.run_single_cycle((TASK, handle)) == 2
    assert {t.key: t.state for t in Task.objects} == {"f1": "done", "f2": "done", "f3": "waiting"}
    assert leases.run_single_cycle((TASK, handle)) == 0


def test_claim_and_sweep_queries_use_the_migrated_indexes(db):
    """What the workers ask of the real collections, as deploy/migrate.py indexes them:
    the embedded database plans an index scan, not a collection scan."""
    from services.inbox.models import INBOUND
    from services.outbox.delivery import DELIVERY
    from services.outbox.fanout import FANOUT

    for machine in (INBOUND, FANOUT, DELIVERY):
        for state in machine.pending:
            query = {machine._db(machine.state_field): state, machine._db(machine.due_field): {"$lte": leases.now()}}
            plan = machine._collection().find(query).explain()["queryPlanner"]["winningPlan"]
            assert plan["stage"] == "FETCH" and plan["inputStage"]["stage"] == "IXSCAN", (machine.name, plan)
            assert list(plan["inputStage"]["keyPattern"]) == list(query), (machine.name, plan)


def test_a_lease_the_worker_could_not_release_lapses_instead_of_being_renewed(tasks, monkeypatch):
    """The database dies while a worker gives a task back: the heartbeat must not keep the
    task for ever (it did: the key stayed in the process's held set), so it lapses and the
    sweep hands it out again."""
    Task(key="lost").save()

    def database_gone(*_args, **_kwargs):
        raise ConnectionError("database gone")

    with pytest.raises(ConnectionError), TASK.claimed("lost", lease_seconds=0.5) as task:
        assert task is not None
        monkeypatch.setattr(TASK, "_collection", lambda: type("Gone", (), {"update_one": database_gone})())
        TASK.reschedule(task, leases.now())
    monkeypatch.undo()
    assert TASK.heartbeat(lease_seconds=60) == 0
    wait_until(lambda: TASK.claim("lost", lease_seconds=60) is not None, timeout=10,
               message="the unreleased lease to lapse and the task to be claimable again")


def test_an_error_inside_a_claimed_block_stops_the_renewal(tasks):
    Task(key="raises").save()
    with pytest.raises(RuntimeError), TASK.claimed("raises") as task:
        assert task is not None and TASK.heartbeat() == 1
        raise RuntimeError("handler bug")
    assert TASK.heartbeat() == 0
