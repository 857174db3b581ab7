"""The one text matcher of posts, shared by the inbox (received posts) and the outbox (this
node's own, which it alone holds whole): a case-insensitive match of every word of a query
over a post's text, as a MongoDB filter on its stored document.

Regular expressions over unindexed fields: SecantusDB answers regex only there (DESIGN.md,
known gaps), and real MongoDB as well. A full-text engine (DESIGN.md: an embedded index
rebuildable from MongoDB) replaces this one function later.
"""

from __future__ import annotations

import re

TEXT_FIELDS = ("content", "summary", "name")
MAX_WORDS = 8


def text_filter(query: str, prefix: str = "raw.") -> dict:
    """The filter of the documents whose text (``<prefix>content``, summary, name) has
    every word of ``query``."""
    words = [w for w in query.split() if w][:MAX_WORDS]
    return {"$and": [{"$or": [{prefix + f: {"$regex": re.escape(w), "$options": "i"}} for f in TEXT_FIELDS]}
                     for w in words]}
