"""The search service's reader of the node's index (services/search/engine.py): a query
sees every commit the indexer made before it, and the index is not reopened for a query
when nothing was committed since the last one (a reload reopens every segment)."""

from __future__ import annotations

from fedkit.contracts import search as contract
from services.search import engine, queries
from services.search.indexer import document


class CountingReloads:
    """The index, counting its reloads (tantivy's objects take no new attributes)."""

    def __init__(self, index):
        self.index, self.reloads = index, 0

    def reload(self) -> None:
        self.reloads += 1
        self.index.reload()

    def searcher(self):
        return self.index.searcher()


def person(name: str) -> dict:
    return {"op": contract.UPSERT, "id": f"https://node.example/users/{name}", "kind": contract.PERSON,
            "handle": name, "text": f"{name} welding"}


def found(index, path: str, q: str) -> list[str]:
    return queries.search(index, engine.searcher(CountingReloads(index), path), contract.PERSON, q, limit=10)


def test_a_commit_is_seen_at_once_and_the_index_reopened_only_after_one(tmp_path):
    path = str(tmp_path / "index")
    index = engine.open_index(path)
    try:
        writer = index.writer(heap_size=15_000_000, num_threads=1)
        writer.add_document(document(person("anna")))
        writer.commit()
        reader = CountingReloads(index)
        engine.searcher(reader, path)
        assert reader.reloads == 1
        for _ in range(3):  # nothing committed since: the same segments serve
            engine.searcher(reader, path)
        assert reader.reloads == 1
        writer.add_document(document(person("bruno")))
        writer.commit()
        engine.searcher(reader, path)
        assert reader.reloads == 2
        assert found(index, path, "bruno") == ["https://node.example/users/bruno"]
        assert found(index, path, "welding") and len(found(index, path, "welding")) == 2
        writer.wait_merging_threads()
    finally:
        engine.forget(path)
