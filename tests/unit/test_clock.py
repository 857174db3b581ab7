"""The node's clock (fedkit/runtime/clock.py): one now(), one way to write a time in AS2."""

from __future__ import annotations

import datetime as dt

import pytest

from fedkit.runtime import clock

PARIS = dt.timezone(dt.timedelta(hours=2))


def test_now_is_aware_utc():
    before = dt.datetime.now(dt.UTC)
    value = clock.now()
    assert value.tzinfo is not None and value.utcoffset() == dt.timedelta(0)
    assert before <= value <= dt.datetime.now(dt.UTC)


@pytest.mark.parametrize("value,expected", [
    (None, None),
    (dt.datetime(2026, 3, 1, 8, 5, 9, 999_999, tzinfo=dt.UTC), "2026-03-01T08:05:09Z"),  # to the second
    (dt.datetime(2026, 3, 1, 8, 5, 9), "2026-03-01T08:05:09Z"),  # naive, as MongoDB returns it: UTC
    (dt.datetime(2026, 3, 1, 0, 30, tzinfo=PARIS), "2026-02-28T22:30:00Z"),  # another zone: in UTC
])
def test_iso(value, expected):
    assert clock.iso(value) == expected


def test_now_iso_is_now_written_as_iso():
    before = clock.now().replace(microsecond=0)
    written = clock.now_iso()
    assert dt.datetime.strptime(written, clock.ISO_FORMAT).replace(tzinfo=dt.UTC) >= before
    assert written.endswith("Z") and len(written) == len("2026-03-01T08:05:09Z")


@pytest.mark.parametrize("value,expected", [
    (dt.datetime(2026, 3, 1, 8, 0), dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)),  # naive: UTC
    (dt.datetime(2026, 3, 1, 8, 0, tzinfo=PARIS), dt.datetime(2026, 3, 1, 8, 0, tzinfo=PARIS)),  # kept
])
def test_aware(value, expected):
    result = clock.aware(value)
    assert result == expected and result.tzinfo == expected.tzinfo


@pytest.mark.parametrize("value, expected", [
    ("2026-11-29T10:00:00Z", dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)),
    ("2026-11-29T12:00:00+02:00", dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)),
    ("2026-11-29T10:00:00.123Z", dt.datetime(2026, 11, 29, 10, 0, 0, 123000, tzinfo=dt.UTC)),
    ("2026-11-29T10:00:00", dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)),  # no offset: UTC
    ("yesterday", None), (None, None), (1732874400, None),
])
def test_parse_iso(value, expected):
    assert clock.parse_iso(value) == expected
