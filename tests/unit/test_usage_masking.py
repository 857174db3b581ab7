"""The usage observatory never names a community another node hosts unless its host named it
(gateway/usage_report.py ``masked``): a hidden community's name and address (its slug is a
name) stay with its members, also in the administrators' figures."""

from __future__ import annotations

from fedkit.runtime.config import Config
from gateway.usage_report import HIDDEN, masked

SECRET = "https://de.example/communities/secret-merger"


def _row(key: str, label: str | None) -> dict:
    return {"key": key, "label": label, "total": {"posts": 7}, "withheld": {}, "days": []}


def test_a_community_hosted_elsewhere_is_neither_named_nor_addressed():
    config = Config(internal_secret="s3cret")
    (row,) = masked([_row(SECRET, None)], config)
    assert "secret-merger" not in row["key"] and "secret-merger" not in row["label"]
    assert row["label"] == "a community of de.example" and row["key"].endswith("@de.example")
    assert row["total"] == {"posts": 7}  # the figures stay
    # the same community gives the same key (rows of two days add up), another one another key
    assert masked([_row(SECRET, None)], config)[0]["key"] == row["key"]
    assert masked([_row(SECRET + "-2", None)], config)[0]["key"] != row["key"]


def test_a_named_row_is_left_as_its_host_named_it():
    config = Config(internal_secret="s3cret")
    rows = masked([_row("https://fr.example/communities/welding", "Welding"), _row("fr", "fr")], config)
    assert [(r["key"], r["label"]) for r in rows] == [("https://fr.example/communities/welding", "Welding"),
                                                      ("fr", "fr")]


def test_the_group_view_takes_no_name_from_a_hidden_row(monkeypatch):
    """A host answers another node with HIDDEN for its hidden communities: the group's rows
    then mask it, whatever the other nodes' rows said."""
    from gateway import usage_group

    config = Config(internal_secret="s3cret", node_name="fr", base_url="https://fr.example")
    host_rows = [_row(SECRET, HIDDEN)]
    other_rows = [_row(SECRET, None)]
    monkeypatch.setattr(usage_group, "node_report", lambda *a, **k: {"rows": other_rows})
    monkeypatch.setattr(usage_group, "load_registry", lambda c: _Registry())
    monkeypatch.setattr(usage_group, "ask_other_members", lambda *a: [(_Registry.nodes[1], host_rows)])
    period = usage_group.Period.__new__(usage_group.Period)
    object.__setattr__(period, "by", "community")
    rows, answered, unreachable = usage_group.group_report(period, config, internal=None)
    assert answered == ["fr", "de"] and unreachable == []
    assert len(rows) == 1 and "secret-merger" not in rows[0]["key"] + rows[0]["label"]


class _Node:
    def __init__(self, name, base_url):
        self.name, self.base_url = name, base_url


class _Registry:
    name = "demo group"
    nodes = [_Node("fr", "https://fr.example"), _Node("de", "https://de.example")]
