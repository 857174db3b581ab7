"""The one builder of ordered collections and their pages (ActivityPub §5; AS2 Core,
"Collections": ``first``, ``partOf``, ``next``).

A paged collection answers its id with the collection and ``first``; a page is
``<collection>?page=true``, the next one ``<collection>?page=true&max=<cursor>`` (the
cursor of the last item shown: the next page holds what comes after it).
"""

from __future__ import annotations

from fedkit.protocol.vocab import ORDERED_COLLECTION, ORDERED_COLLECTION_PAGE


def page_url(collection_id: str, max_cursor: str | int | None = None) -> str:
    """The page of ``collection_id`` after ``max_cursor`` (the first page without one)."""
    return f"{collection_id}?page=true" + (f"&max={max_cursor}" if max_cursor is not None else "")


def ordered_collection(collection_id: str, *, total: int | None = None, paged: bool = False,
                       items: list | None = None) -> dict:
    """An OrderedCollection: ``totalItems`` when ``total`` is given, a link to its first
    page when ``paged``, its ``orderedItems`` inline when ``items`` is given."""
    doc: dict = {"id": collection_id, "type": ORDERED_COLLECTION}
    if total is not None:
        doc["totalItems"] = total
    if paged:
        doc["first"] = page_url(collection_id)
    if items is not None:
        doc["orderedItems"] = items
    return doc


def ordered_collection_page(page_id: str, collection_id: str, items: list, *, total: int | None = None,
                            next_cursor: str | int | None = None) -> dict:
    """A page of ``collection_id`` holding ``items``; ``next`` links the page after
    ``next_cursor`` when there may be more."""
    page: dict = {"id": page_id, "type": ORDERED_COLLECTION_PAGE, "partOf": collection_id}
    if total is not None:
        page["totalItems"] = total
    page["orderedItems"] = items
    if next_cursor is not None:
        page["next"] = page_url(collection_id, next_cursor)
    return page
