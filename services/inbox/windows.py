"""Reading a user's inbox newest (or oldest) first in bounded ``seq`` windows.

Why windows and not ``sort(-seq).limit(n)``: the embedded database (SecantusDB) does not
stop a sorted index scan at the limit — it reads every one of the user's items, then
sorts (explain: 8,000 keys examined for a limit of 40). A range on ``seq`` is bounded by
the ``(username, -seq)`` index there (explain: keys examined = items in the range), and
on MongoDB a range with sort and limit on that index is the optimal plan too. So a page
reads ``seq`` windows from its cursor outwards, each twice (after an empty one, four
times) as wide as the last, until the caller has enough or the inbox's first (or last)
``seq`` is passed; the user's ``InboxHead`` says where those are, so the first window
starts at the newest item, not at "now". No hint: with one, SecantusDB scans the whole
index whatever the range.

``seq`` is microseconds × 100 (services/inbox/context.py), so widths are in those units.
"""

from __future__ import annotations

from collections.abc import Iterator

from services.inbox.models import InboxHead, InboxItem

FIRST_WIDTH = 10_000_000  # 0.1 s of seq, where the inbox's density is not known yet
FAR_FUTURE = 10**18  # above any seq (the 18-digit cursors the api accepts)


def inbox_span(username: str) -> tuple[int, int, int] | None:
    """(first seq, last seq, about how many items) of the user's inbox, None when empty. Kept on write
    (services/inbox/context.py); rebuilt from the items where missing (an inbox filled
    before heads were kept, or seeded directly): one scan, then stored."""
    head = InboxHead.objects(username=username).first()
    if head is not None:
        return head.first_seq, head.last_seq, head.items
    seqs = list(InboxItem.objects(username=username).scalar("seq"))
    if not seqs:
        return None
    InboxHead.objects(username=username).update_one(upsert=True, min__first_seq=min(seqs), max__last_seq=max(seqs),
                                                    inc__items=len(seqs))
    return min(seqs), max(seqs), len(seqs)


def _first_width(first: int, last: int, items: int, batch: int) -> int:
    """A first window that holds about a batch where the inbox is as dense as on average
    (a range costs the keys it holds on the embedded database, whatever the limit)."""
    if items < 2 or last <= first:
        return FIRST_WIDTH
    return max(1, (last - first) * batch // items)


def _window(username: str, above: int, below: int, newest_first: bool, batch: int) -> list[InboxItem]:
    """At most ``batch`` of the user's items with ``above < seq < below``, in paging order."""
    query = InboxItem.objects(username=username, seq__gt=above, seq__lt=below)
    return list(query.order_by("-seq" if newest_first else "seq").limit(batch))


def inbox_rows(username: str, *, newest_first: bool, above: int | None = None, below: int | None = None,
               batch: int = 40, first_width: int | None = None) -> Iterator[InboxItem]:
    """The user's items with ``above < seq < below`` (either bound optional), newest first
    or oldest first, read lazily a window at a time (at most ``batch`` rows each): the
    caller stops when it has enough."""
    span = inbox_span(username)
    if span is None:
        return
    first, last, items = span
    # The inbox's first seq bounds the walk down; its last is only where the walk starts:
    # the newest window stays open upwards, so an item written after the head was read shows.
    low = max(first - 1, -1 if above is None else above)
    high = FAR_FUTURE if below is None else below
    width = first_width or _first_width(first, last, items, batch)
    if newest_first:
        top = high
        bottom = max(low, min(high - 1, last) - width)
        while True:
            rows = _window(username, bottom, top, True, batch)
            yield from rows
            if len(rows) == batch:  # the window holds more: go on below its last row
                top = rows[-1].seq
                continue
            if bottom <= low:
                return
            top, width = bottom + 1, width * (2 if rows else 4)
            bottom = max(low, bottom - width)
    else:
        bottom = low
        top = high if bottom >= last else min(high, bottom + 1 + width)
        while True:
            rows = _window(username, bottom, top, False, batch)
            yield from rows
            if len(rows) == batch:  # the window holds more: go on above its last row
                bottom = rows[-1].seq
                continue
            if top >= high:
                return
            bottom, width = top - 1, width * (2 if rows else 4)
            top = high if bottom >= last else min(high, bottom + 1 + width)  # past the last: open
