"""Charts drawn on the server with pygal: SVG inlined in the page, readable without any script.

pygal's SVG normally loads its tooltip script from a CDN and embeds its configuration in an inline
``<script>``; the figures are printed on the bars instead, so both are left out (``js=[]`` and an XML
filter that drops the inline one). The table beside each chart carries the same figures with their
links, for screen readers and for anyone who wants the records.

pygal takes about 20 ms a chart, a third of the admin home's budget for six of them, so each drawing
is kept in the cache under a key made of everything it is drawn from (title, labels, figures, the
formatter, the language, pygal's version and ``DRAWING``): the same figures give the same picture,
so nothing ever has to be deleted, and a changed figure is a new key, drawn afresh (the key-based
expiry of ../shared/docs/architecture.md, "Caching and access").
"""

import hashlib
import json

import pygal
from django.core.cache import cache
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from pygal.style import Style

# Change it when the drawing below changes, so that no picture drawn the old way is served.
DRAWING = 3
KEEP_SECONDS = 7 * 24 * 3600

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#666",
    font_family="-apple-system, 'Segoe UI', system-ui, Roboto, sans-serif",
    colors=("#417690", "#ba2121", "#2e7d32", "#e0a800", "#6f42c1", "#795548"),
    # Large for a 600-pixel drawing: a phone shows it about half size, a desktop about full size.
    label_font_size=14,
    major_label_font_size=14,
    value_font_size=14,
    legend_font_size=14,
    title_font_size=17,
)
# Figures are printed on the bars only while each bar is wide enough for one; the table has them all.
MOST_BARS_WITH_VALUES = 16


def _without_scripts(root):
    """Drop every <script> pygal wrote, so the inlined SVG runs nothing."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


def bar_chart(*, title: str, labels: list[str], series: list[tuple[str, list]], formatter=None) -> str:
    """An SVG bar chart (one bar group per label, one bar per series), ready to inline in HTML."""
    drawn_from = [
        DRAWING,
        pygal.__version__,
        get_language(),
        str(title),
        [str(label) for label in labels],
        [[str(name), list(values)] for name, values in series],
        None if formatter is None else "%s.%s" % (formatter.__module__, formatter.__qualname__),
    ]
    key = "programme-chart:" + hashlib.sha256(json.dumps(drawn_from, default=str).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = _draw(title=title, labels=labels, series=series, formatter=formatter)
        cache.set(key, svg, KEEP_SECONDS)
    # The table beside the chart is the accessible version; the picture is named for those who see it.
    return mark_safe(svg)


def _draw(*, title, labels, series, formatter) -> str:
    config = pygal.Config(
        js=[],
        disable_xml_declaration=True,
        no_prefix=False,
        print_values=len(labels) * len(series) <= MOST_BARS_WITH_VALUES,
        print_zeroes=False,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        # Two legend entries a row: "New subscriptions" and its Russian need half the width.
        legend_at_bottom_columns=min(len(series), 2) or 1,
        x_label_rotation=40 if len(labels) > 4 else 0,
        truncate_label=-1,
        truncate_legend=-1,
        width=600,
        height=340,
        style=STYLE,
        tooltip_fancy_mode=False,
        show_y_guides=True,
        min_scale=1,
        max_scale=6,
    )
    if formatter is not None:
        config.formatter = formatter
    counts = [value for _name, values in series for value in values]
    if all(isinstance(value, int) for value in counts):
        # Counts get whole-number guides (0, 1, 2…), not pygal's 0.4, 0.8…
        step = max(1, -(-max(counts, default=0) // 5))
        config.y_labels = list(range(0, max(counts, default=0) + step + 1, step))
    chart = pygal.Bar(config)
    chart.title = title
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, values)
    chart.add_xml_filter(_without_scripts)
    return chart.render(is_unicode=True)
