"""Queries on the node's index: every word of the query must match (in its folded form or
stemmed in one of the languages), restricted by a tantivy boolean query to the kind asked
and to the audiences the caller names; newest first for posts, best match first for
people and communities."""

from __future__ import annotations

import re

import tantivy

from fedkit.contracts import search as contract
from services.search.engine import WORD_FIELDS

MAX_WORDS = 8
_WORD = re.compile(r"\w+")
Occur = tantivy.Occur


def words_of(q: str) -> list[str]:
    """The query's words (the query language's syntax is not offered: ``AND``, ``:``, quotes
    are words or nothing), lowercased so no word reads as an operator."""
    return _WORD.findall(q.lower())[:MAX_WORDS]


def _word(index: tantivy.Index, word: str, *, prefix: bool) -> tantivy.Query:
    """One word in any word field (each field's analyzer folds or stems it); ``prefix``:
    also as the beginning of a longer word (a name being typed)."""
    clauses = [(Occur.Should, index.parse_query(word, list(WORD_FIELDS)))]
    if prefix:
        folded = word.encode("ascii", "ignore").decode() if word.isascii() else None
        if folded:
            clauses.append((Occur.Should, tantivy.Query.regex_query(index.schema, "text", re.escape(folded) + ".*")))
    return tantivy.Query.boolean_query(clauses)


def _any_of(index: tantivy.Index, field: str, values: list[str]) -> tantivy.Query:
    return tantivy.Query.term_set_query(index.schema, field, values)


def build(index: tantivy.Index, kind: str, q: str, *, audience: list[str] | None = None, viewer: str | None = None,
          author: str | None = None, prefix: bool = False, tag_prefix: str | None = None) -> tantivy.Query | None:
    """The query, or None when it has neither a word nor a tag prefix. ``tag_prefix``: only
    what carries a hashtag whose (normalized) name starts so."""
    words = words_of(q)
    if not words and not tag_prefix:
        return None
    clauses = [(Occur.Must, tantivy.Query.term_query(index.schema, "kind", kind))]
    if tag_prefix:
        clauses.append((Occur.Must, tantivy.Query.regex_query(index.schema, "tags", re.escape(tag_prefix) + ".*")))
    clauses += [(Occur.Must, _word(index, w, prefix=prefix and i == len(words) - 1)) for i, w in enumerate(words)]
    if audience is not None:  # who may find it: one of these audiences, or its own author
        reach = [(Occur.Should, _any_of(index, "audience", audience or ["-"]))]
        if viewer:
            reach.append((Occur.Should, tantivy.Query.term_query(index.schema, "author", viewer)))
        clauses.append((Occur.Must, tantivy.Query.boolean_query(reach)))
    if author:
        clauses.append((Occur.Must, tantivy.Query.term_query(index.schema, "author", author)))
    return tantivy.Query.boolean_query(clauses)


def search(index: tantivy.Index, searcher: tantivy.Searcher, kind: str, q: str, *, limit: int, offset: int = 0,
           **restrict) -> list[str]:
    """Ids of what matches (see ``build``), as ``searcher`` (engine.searcher) sees the index."""
    query = build(index, kind, q, prefix=kind != contract.POST, **restrict)
    if query is None:
        return []
    if kind == contract.POST:
        result = searcher.search(query, limit, count=False, offset=offset, order_by_field="published")
    else:
        result = searcher.search(query, limit, count=False, offset=offset)
    return [searcher.doc(address)["id"][0] for _, address in result.hits]
