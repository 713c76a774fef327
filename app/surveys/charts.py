"""Server-rendered SVG bar charts: no JavaScript, printable, and readable by screen readers.

Each chart is an ``<svg role="img">`` named by its own ``<title>`` (``aria-labelledby``); the same
figures stand in a table beside it, which is what screen readers and copy-paste use. Bars and text
are placed in percent of the width, so the chart fits any column without shrinking its text.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

ROW_HEIGHT = 46
BAR_HEIGHT = 16
LABEL_CHARS = 34  # long labels are cut in the chart; the table beside it has them in full


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(
    chart_id: str, title: str, bars: Sequence[tuple[str, float, str]], maximum: float | None = None
) -> Markup:
    """A horizontal bar chart: ``bars`` are ``(label, value, value as shown)``.

    ``maximum`` is the value of a full-width bar (defaults to the largest value).
    """
    top = maximum if maximum is not None else max((value for _, value, _ in bars), default=0)
    height = ROW_HEIGHT * len(bars) + 4
    parts = [
        f'<svg class="bar-chart" role="img" aria-labelledby="{escape(chart_id)}" '
        f'width="100%" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}">{escape(title)}</title>',
    ]
    for index, (label, value, shown) in enumerate(bars):
        y = index * ROW_HEIGHT
        share = 100.0 * value / top if top else 0.0
        parts.append(
            f'<text x="0" y="{y + 16}" class="bar-label">{escape(_cut(label))}</text>'
            f'<text x="100%" y="{y + 16}" text-anchor="end" class="bar-value">{escape(shown)}</text>'
            f'<rect x="0" y="{y + 22}" width="100%" height="{BAR_HEIGHT}" class="bar-track"/>'
            f'<rect x="0" y="{y + 22}" width="{share:.2f}%" height="{BAR_HEIGHT}" class="bar"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  every interpolated text is escaped above
