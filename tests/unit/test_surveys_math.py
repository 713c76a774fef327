"""The arithmetic of survey results and the SVG chart, without a database."""

from __future__ import annotations

import pytest

from app.surveys.charts import bar_chart
from app.surveys.results import median_of


@pytest.mark.parametrize(
    ("distribution", "median"),
    [
        ([], None),
        ([(3, 1)], 3),
        ([(2, 1), (4, 2), (5, 1)], 4),  # 2 4 4 5
        ([(1, 1), (5, 1)], 3),  # mean of the two middle values
        ([(0, 3), (10, 3)], 5),
        ([(1, 2), (2, 1), (3, 1)], 1.5),  # 1 1 2 3
        ([(1, 10_000), (5, 9_999)], 1),
    ],
)
def test_median_from_a_distribution(distribution, median):
    assert median_of(distribution) == median


def test_a_chart_is_an_image_named_by_its_title_with_escaped_labels():
    svg = str(
        bar_chart("c1", "Frage <1>", [("<b>A</b>", 50.0, "1 (50 %)"), ("B", 0.0, "0")], 100.0)
    )
    assert svg.startswith('<svg class="bar-chart" role="img" aria-labelledby="c1"')
    assert '<title id="c1">Frage &lt;1&gt;</title>' in svg
    assert "&lt;b&gt;A&lt;/b&gt;" in svg and "<b>" not in svg
    assert 'width="50.00%"' in svg and 'width="0.00%"' in svg


def test_long_labels_are_cut_in_the_chart_only():
    svg = str(bar_chart("c2", "T", [("x" * 80, 1.0, "1")]))
    assert "x" * 80 not in svg and "…" in svg
