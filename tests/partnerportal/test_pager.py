"""{% pager page query %}: the pager partial drawn once per (language, links), then filled in per page."""

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.utils import translation

PAGER_TAG = Template("{% load portal %}{% pager page query %}")
PAGER_PARTIAL = Template('{% include "partials/pager.html" %}')


def _page(number, pages=3):
    return Paginator(list(range(pages * 10)), 10).page(number)


@pytest.mark.parametrize("language", ["en", "ru", "en"])
@pytest.mark.parametrize("number,pages", [(1, 1), (1, 3), (2, 3), (3, 3), (12, 140)])
@pytest.mark.parametrize("query", ["", "status=open&", 'status="><script>&'])
def test_the_pager_is_what_the_partial_renders(language, number, pages, query):
    values = {"page": _page(number, pages), "query": query}
    with translation.override(language):
        drawn, partial = PAGER_TAG.render(Context(values)), PAGER_PARTIAL.render(Context(values))
    # One page: the partial leaves its blank lines, the tag nothing.
    assert drawn == (partial if partial.strip() else "")


def test_the_pager_follows_the_language_and_escapes_the_query():
    values = {"page": _page(2), "query": 'status="><b>&'}
    with translation.override("en"):
        english = PAGER_TAG.render(Context(values))
    with translation.override("ru"):
        russian = PAGER_TAG.render(Context(values))
    assert "Page 2 of 3" in english and 'rel="prev"' in english and 'rel="next"' in english
    assert "Страница 2 из 3" in russian and "Назад" in russian and "Далее" in russian
    assert "<b>" not in russian and "&quot;&gt;&lt;b&gt;" in russian
    assert 'href="?status=&quot;&gt;&lt;b&gt;&amp;page=3"' in english


def test_a_single_page_has_no_pager():
    with translation.override("en"):
        assert PAGER_TAG.render(Context({"page": _page(1, 1), "query": ""})) == ""
