"""The usage page's chart geometry (services/web/usage_charts.py)."""

from __future__ import annotations

from services.web.usage_charts import COLUMN_HEIGHT, bars, columns


def test_columns_scale_to_the_largest_value_and_a_withheld_day_is_a_full_height_gap():
    chart = columns([("d1", 5), ("d2", None), ("d3", 10), ("d4", 0)])
    heights = [m.height for m in chart.marks]
    assert chart.top == 10 and heights[0] == COLUMN_HEIGHT / 2 and heights[2] == COLUMN_HEIGHT
    assert chart.marks[1].value is None and heights[1] == COLUMN_HEIGHT and chart.withheld == 1
    assert heights[3] == 0 and chart.marks[3].y == COLUMN_HEIGHT


def test_nothing_but_zeros_has_no_highest_value_and_bars_put_the_longest_first():
    assert columns([("d1", 0), ("d2", 0)]).top == 0
    chart = bars([("small", None), ("b", 3), ("a", 7)])
    assert [m.label for m in chart.marks] == ["a", "b", "small"]
    assert chart.marks[0].width > chart.marks[1].width and chart.withheld == 1
